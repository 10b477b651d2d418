// credit.h: the public interface of the credit reference implementation.
//
// Implements spec/notation.md and spec/rules/{bp,fa,dfa,ss}.md. Everything a
// caller needs is declared here; the kernel headers beside it (act.h, linalg.h,
// loss.h, net.h and one header per rule) are internal.
//
// Conventions (spec/notation.md):
//   - a network has depth L >= 1 and widths n_0 .. n_L (array of L + 1 sizes);
//   - every matrix is flat, row-major, unit stride, double precision;
//   - the parameters of all layers are concatenated, layer 1 first:
//       W = [W_1 | W_2 | ... | W_L], W_l is n_l x n_{l-1}, len sum n_l n_{l-1}
//       b = [b_1 | ... | b_L],       b_l has n_l entries,  len sum n_l
//   - a batch of N samples is a matrix with one sample per row:
//       x is N x n_0, t is N x n_L;
//   - outputs are gradient-like (W <- W - eta dW) and use the batch mean;
//   - every pointer is followed by the number of doubles it holds; a length
//     that does not match the network is CR_ERR_SIZE_MISMATCH;
//   - outputs (loss, dW, db) are written only when the call returns CR_OK.
//     On any error they are left exactly as they were.
//
// No function allocates, keeps state between calls, or does I/O. Scratch
// memory is the caller's workspace, of at least cr_workspace_len() doubles.
#ifndef CR_CREDIT_H
#define CR_CREDIT_H

#include <stddef.h>

// Version of this library and of the spec it implements.
#define CR_VERSION "0.1.0"
#define CR_SPEC_REVISION "1"

// Largest supported depth L. Deeper networks are CR_ERR_SIZE (a bound keeps
// the per-layer offset table on the stack).
#define CR_MAX_DEPTH 64

// Every status any function returns. CR_OK is 0; every error is positive.
// The names returned by cr_status_name() are the error names used in the
// vectors and in the adapter protocol (spec/vectors.md, spec/protocol.md).
typedef enum {
	CR_OK = 0,
	CR_ERR_NULL,            // "null_pointer": a required pointer is NULL
	CR_ERR_ZERO_SIZE,       // "zero_size": depth, a width or the batch is 0
	CR_ERR_SIZE,            // "size_too_large": depth > CR_MAX_DEPTH or a length overflows size_t
	CR_ERR_SIZE_MISMATCH,   // "size_mismatch": a buffer length does not match the network
	CR_ERR_ACTIVATION,      // "unknown_activation": activation kind out of range
	CR_ERR_LOSS,            // "unknown_loss": loss kind out of range
	CR_ERR_PARAM,           // "invalid_parameter": e.g. a non-finite leaky-relu slope
	CR_ERR_NONFINITE_INPUT, // "non_finite_input": an input holds NaN or +-Inf
	CR_ERR_NONFINITE_RESULT,// "non_finite_result": finite inputs overflowed to NaN or +-Inf
	CR_ERR_WORKSPACE,       // "workspace_too_small": work_len < cr_workspace_len()
	CR_STATUS_COUNT
} cr_status;

// The stable name of a status ("ok", "size_mismatch", ...); "unknown_status"
// for a value outside the enum. Never NULL.
/*@
  assigns \nothing;
  ensures valid: \valid_read(\result);
*/
const char *cr_status_name(int status);

// Activation functions (spec/notation.md, NOT-ACT-*).
typedef enum {
	CR_ACT_IDENTITY = 0, // f(a) = a
	CR_ACT_TANH,         // f(a) = tanh(a),            f' = 1 - f^2
	CR_ACT_LOGISTIC,     // f(a) = 1 / (1 + exp(-a)),  f' = f (1 - f)
	CR_ACT_RELU,         // f(a) = max(a, 0),          f'(a) = [a > 0], so f'(0) = 0
	CR_ACT_LEAKY_RELU,   // f(a) = a if a > 0 else s a, f'(a) = 1 if a > 0 else s
	CR_ACT_COUNT
} cr_act_kind;

// The activation of one layer: its kind and, for CR_ACT_LEAKY_RELU, the slope
// s (any finite value; ignored by the other kinds).
typedef struct {
	int kind;     // a cr_act_kind
	double slope;
} cr_act;

// Losses on the network output y = h_L for one sample with target t
// (spec/notation.md, NOT-LOSS-*).
typedef enum {
	CR_LOSS_MSE = 0,     // l = 1/2 ||y - t||^2
	CR_LOSS_SOFTMAX_CE,  // l = -sum_k t_k log softmax(y)_k, y taken as logits
	CR_LOSS_COUNT
} cr_loss_kind;

// A network's shape. widths has depth + 1 entries; acts has depth entries,
// acts[l - 1] being the activation of layer l.
typedef struct {
	size_t depth;
	const size_t *widths;
	const cr_act *acts;
	int loss;             // a cr_loss_kind
} cr_net;

// Number of doubles of workspace every entry point below needs for this
// network and batch size; 0 when net is NULL or the network is invalid (the
// entry points then report why).
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==>
    net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  assigns \nothing;
*/
size_t cr_workspace_len(const cr_net *net, size_t batch);

// Backpropagation (spec/rules/bp.md). Computes the batch-mean loss and the
// gradients dW (same layout as W) and db (same layout as b).
//   W     [sum n_l n_{l-1}]  b  [sum n_l]
//   x     [batch * n_0]      t  [batch * n_L]
//   loss  [1]  dW [len of W]  db [len of b]  work [work_len]
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==> net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: net != \null ==> net->acts == \null || net->depth == 0 || \valid_read(net->acts + (0 .. net->depth - 1));
  requires valid_W: W == \null || \valid_read(W + (0 .. W_len - 1));
  requires valid_b: b == \null || \valid_read(b + (0 .. b_len - 1));
  requires valid_x: x == \null || \valid_read(x + (0 .. x_len - 1));
  requires valid_t: t == \null || \valid_read(t + (0 .. t_len - 1));
  requires valid_loss: loss == \null || \valid(loss);
  requires valid_dW: dW == \null || \valid(dW + (0 .. dW_len - 1));
  requires valid_db: db == \null || \valid(db + (0 .. db_len - 1));
  requires valid_work: work == \null || \valid(work + (0 .. work_len - 1));
  requires separated: \separated(loss, dW + (0 .. dW_len - 1), db + (0 .. db_len - 1), work + (0 .. work_len - 1));
  requires separated_work: \separated(work + (0 .. work_len - 1), \union(W + (0 .. W_len - 1), b + (0 .. b_len - 1), x + (0 .. x_len - 1), t + (0 .. t_len - 1)));
  requires separated_net: net != \null ==> \separated(\union(loss, dW + (0 .. dW_len - 1), db + (0 .. db_len - 1), work + (0 .. work_len - 1)), net);
  assigns *loss, dW[0 .. dW_len - 1], db[0 .. db_len - 1], work[0 .. work_len - 1];
*/
cr_status cr_bp_grad(const cr_net *net, size_t batch,
                     const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *dW, size_t dW_len, double *db, size_t db_len,
                     double *work, size_t work_len);

// Feedback alignment (spec/rules/fa.md). As cr_bp_grad, with the fixed
// feedback matrices B_2 .. B_L in place of W_2^T .. W_L^T:
//   B [sum_{l=2..L} n_{l-1} n_l], B_l is n_{l-1} x n_l, B_2 first.
// For depth 1 there is no feedback matrix and B_len must be 0 (B may be NULL).
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==> net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: net != \null ==> net->acts == \null || net->depth == 0 || \valid_read(net->acts + (0 .. net->depth - 1));
  requires valid_W: W == \null || \valid_read(W + (0 .. W_len - 1));
  requires valid_b: b == \null || \valid_read(b + (0 .. b_len - 1));
  requires valid_B: B == \null || \valid_read(B + (0 .. B_len - 1));
  requires valid_x: x == \null || \valid_read(x + (0 .. x_len - 1));
  requires valid_t: t == \null || \valid_read(t + (0 .. t_len - 1));
  requires valid_loss: loss == \null || \valid(loss);
  requires valid_dW: dW == \null || \valid(dW + (0 .. dW_len - 1));
  requires valid_db: db == \null || \valid(db + (0 .. db_len - 1));
  requires valid_work: work == \null || \valid(work + (0 .. work_len - 1));
  requires separated: \separated(loss, dW + (0 .. dW_len - 1), db + (0 .. db_len - 1), work + (0 .. work_len - 1));
  requires separated_work: \separated(work + (0 .. work_len - 1), \union(W + (0 .. W_len - 1), b + (0 .. b_len - 1), B + (0 .. B_len - 1), x + (0 .. x_len - 1), t + (0 .. t_len - 1)));
  requires separated_net: net != \null ==> \separated(\union(loss, dW + (0 .. dW_len - 1), db + (0 .. db_len - 1), work + (0 .. work_len - 1)), net);
  assigns *loss, dW[0 .. dW_len - 1], db[0 .. db_len - 1], work[0 .. work_len - 1];
*/
cr_status cr_fa_grad(const cr_net *net, size_t batch,
                     const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *B, size_t B_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *dW, size_t dW_len, double *db, size_t db_len,
                     double *work, size_t work_len);

// Direct feedback alignment (spec/rules/dfa.md). The output-layer delta is
// sent to every hidden layer l = 1 .. L-1 through D_l:
//   D [sum_{l=1..L-1} n_l n_L], D_l is n_l x n_L, D_1 first.
// For depth 1 D_len must be 0 (D may be NULL).
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==> net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: net != \null ==> net->acts == \null || net->depth == 0 || \valid_read(net->acts + (0 .. net->depth - 1));
  requires valid_W: W == \null || \valid_read(W + (0 .. W_len - 1));
  requires valid_b: b == \null || \valid_read(b + (0 .. b_len - 1));
  requires valid_D: D == \null || \valid_read(D + (0 .. D_len - 1));
  requires valid_x: x == \null || \valid_read(x + (0 .. x_len - 1));
  requires valid_t: t == \null || \valid_read(t + (0 .. t_len - 1));
  requires valid_loss: loss == \null || \valid(loss);
  requires valid_dW: dW == \null || \valid(dW + (0 .. dW_len - 1));
  requires valid_db: db == \null || \valid(db + (0 .. db_len - 1));
  requires valid_work: work == \null || \valid(work + (0 .. work_len - 1));
  requires separated: \separated(loss, dW + (0 .. dW_len - 1), db + (0 .. db_len - 1), work + (0 .. work_len - 1));
  requires separated_work: \separated(work + (0 .. work_len - 1), \union(W + (0 .. W_len - 1), b + (0 .. b_len - 1), D + (0 .. D_len - 1), x + (0 .. x_len - 1), t + (0 .. t_len - 1)));
  requires separated_net: net != \null ==> \separated(\union(loss, dW + (0 .. dW_len - 1), db + (0 .. db_len - 1), work + (0 .. work_len - 1)), net);
  assigns *loss, dW[0 .. dW_len - 1], db[0 .. db_len - 1], work[0 .. work_len - 1];
*/
cr_status cr_dfa_grad(const cr_net *net, size_t batch,
                      const double *W, size_t W_len, const double *b, size_t b_len,
                      const double *D, size_t D_len,
                      const double *x, size_t x_len, const double *t, size_t t_len,
                      double *loss, double *dW, size_t dW_len, double *db, size_t db_len,
                      double *work, size_t work_len);

// Sign symmetry (spec/rules/ss.md). The feedback of layer l = 2 .. L is
// B_l = (|M_l| o sign(W_l))^T, with sign(0) = 0:
//   frSF / brSF: M [sum_{l=2..L} n_l n_{l-1}], M_l is n_l x n_{l-1} (the shape
//                of W_l), M_2 first; pass scale = NULL, scale_len = 0.
//   uSF:         scale [L - 1], |scale[l-2]| is the magnitude of every entry
//                of layer l; pass M = NULL, M_len = 0.
// The lengths decide the variant (spec/rules/ss.md SS-API-1): exactly one of
// M_len and scale_len is non-zero, and it must be the length above; both or
// neither is CR_ERR_SIZE_MISMATCH (for depth 1 both are 0 and the variant does
// not matter). A NULL pointer with a non-zero length is CR_ERR_NULL.
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==> net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: net != \null ==> net->acts == \null || net->depth == 0 || \valid_read(net->acts + (0 .. net->depth - 1));
  requires valid_W: W == \null || \valid_read(W + (0 .. W_len - 1));
  requires valid_b: b == \null || \valid_read(b + (0 .. b_len - 1));
  requires valid_M: M == \null || \valid_read(M + (0 .. M_len - 1));
  requires valid_scale: scale == \null || \valid_read(scale + (0 .. scale_len - 1));
  requires valid_x: x == \null || \valid_read(x + (0 .. x_len - 1));
  requires valid_t: t == \null || \valid_read(t + (0 .. t_len - 1));
  requires valid_loss: loss == \null || \valid(loss);
  requires valid_dW: dW == \null || \valid(dW + (0 .. dW_len - 1));
  requires valid_db: db == \null || \valid(db + (0 .. db_len - 1));
  requires valid_work: work == \null || \valid(work + (0 .. work_len - 1));
  requires separated: \separated(loss, dW + (0 .. dW_len - 1), db + (0 .. db_len - 1), work + (0 .. work_len - 1));
  requires separated_work: \separated(work + (0 .. work_len - 1), \union(W + (0 .. W_len - 1), b + (0 .. b_len - 1), M + (0 .. M_len - 1), scale + (0 .. scale_len - 1), x + (0 .. x_len - 1), t + (0 .. t_len - 1)));
  requires separated_net: net != \null ==> \separated(\union(loss, dW + (0 .. dW_len - 1), db + (0 .. db_len - 1), work + (0 .. work_len - 1)), net);
  assigns *loss, dW[0 .. dW_len - 1], db[0 .. db_len - 1], work[0 .. work_len - 1];
*/
cr_status cr_ss_grad(const cr_net *net, size_t batch,
                     const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *M, size_t M_len, const double *scale, size_t scale_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *dW, size_t dW_len, double *db, size_t db_len,
                     double *work, size_t work_len);

// Kolen-Pollack (spec/rules/kp.md): one training step in which W and the
// feedback B learn together. The number of doubles of workspace cr_kp_step
// needs: cr_workspace_len(net, batch) + W_len + b_len (FA's workspace, then
// room for dW and db), with W_len = sum n_l n_{l-1} and b_len = sum n_l;
// 0 when net is NULL, the network or the batch is invalid, or the sum
// overflows size_t (cr_kp_step then reports why).
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==>
    net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  assigns \nothing;
*/
size_t cr_kp_workspace_len(const cr_net *net, size_t batch);

// One Kolen-Pollack step (KP-STEP-1..6, KP-API-1). From the state W, b, B
// (layouts as cr_fa_grad) and the batch x, t:
//   loss = FA's batch loss under the state the step starts from;
//   c = 1 - eta decay;
//   W_next = c W - eta dW,  B_next_l = c B_l - eta dW_l^T (l = 2..L),
//   b_next = b - eta db,    dW, db being cr_fa_grad's outputs.
//   W, W_next [sum n_l n_{l-1}]  b, b_next [sum n_l]
//   B, B_next [sum_{l=2..L} n_{l-1} n_l]  x [batch * n_0]  t [batch * n_L]
//   loss [1]  work [work_len >= cr_kp_workspace_len(net, batch)]
// eta must be finite and > 0, decay finite and >= 0 (CR_ERR_PARAM, checked
// first); W_next_len, b_next_len, B_next_len must equal W_len, b_len, B_len.
// The outputs must not overlap the inputs or each other. Order of the checks
// and the rest: ref/kp.c. Outputs (loss, W_next, b_next, B_next) are written
// only on CR_OK; a trajectory (NOT-STEP-1) calls this once per step, feeding
// each step's outputs to the next.
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==> net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: net != \null ==> net->acts == \null || net->depth == 0 || \valid_read(net->acts + (0 .. net->depth - 1));
  requires valid_W: W == \null || \valid_read(W + (0 .. W_len - 1));
  requires valid_b: b == \null || \valid_read(b + (0 .. b_len - 1));
  requires valid_B: B == \null || \valid_read(B + (0 .. B_len - 1));
  requires valid_x: x == \null || \valid_read(x + (0 .. x_len - 1));
  requires valid_t: t == \null || \valid_read(t + (0 .. t_len - 1));
  requires valid_loss: loss == \null || \valid(loss);
  requires valid_W_next: W_next == \null || \valid(W_next + (0 .. W_next_len - 1));
  requires valid_b_next: b_next == \null || \valid(b_next + (0 .. b_next_len - 1));
  requires valid_B_next: B_next == \null || \valid(B_next + (0 .. B_next_len - 1));
  requires valid_work: work == \null || \valid(work + (0 .. work_len - 1));
  requires separated: \separated(loss, W_next + (0 .. W_next_len - 1), b_next + (0 .. b_next_len - 1),
                                 B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1));
  requires separated_in: \separated(\union(loss, W_next + (0 .. W_next_len - 1), b_next + (0 .. b_next_len - 1),
                                           B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1)),
                                    \union(W + (0 .. W_len - 1), b + (0 .. b_len - 1), B + (0 .. B_len - 1),
                                           x + (0 .. x_len - 1), t + (0 .. t_len - 1)));
  requires separated_net: net != \null ==> \separated(\union(loss, W_next + (0 .. W_next_len - 1),
    b_next + (0 .. b_next_len - 1), B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1)), net);
  assigns *loss, W_next[0 .. W_next_len - 1], b_next[0 .. b_next_len - 1], B_next[0 .. B_next_len - 1],
          work[0 .. work_len - 1];
*/
cr_status cr_kp_step(const cr_net *net, size_t batch, double eta, double decay,
                     const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *B, size_t B_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *W_next, size_t W_next_len, double *b_next, size_t b_next_len,
                     double *B_next, size_t B_next_len, double *work, size_t work_len);

// Weight mirror (spec/rules/wm.md): one training step in which W learns by
// feedback alignment and the feedback B learns from noise sent through the
// forward weights (WM-STEP-1..4). The variant (WM-IN-3) chooses the mirror's
// response and update:
typedef enum {
	CR_WM_LINEAR = 0,  // y = W_l xi,            dB_l = decay_B B_l - (1/M) sum xi y^T
	CR_WM_NONLINEAR,   // y = f_l(W_l xi + b_l), dB_l as linear
	CR_WM_KUNIN,       // y = W_l xi,            dB_l = alpha (2 B_l) + beta (-(1/M) sum xi y^T)
	CR_WM_COUNT
} cr_wm_variant;

// The number of doubles of workspace cr_wm_step needs for this network,
// batch and number of noise rows: cr_workspace_len(net, batch) + W_len +
// b_len + B_len + 2 max_{l=2..L} n_l (FA's workspace, then room for dW, db,
// dB and one mirror response). 0 when net is NULL, the network or the batch
// is invalid, noise_rows is 0 at depth L >= 2, or a length overflows size_t
// (cr_wm_step then reports why). At depth 1 noise_rows is not used.
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==>
    net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  assigns \nothing;
*/
size_t cr_wm_workspace_len(const cr_net *net, size_t batch, size_t noise_rows);

// One weight-mirror step (WM-STEP-1..4). From the state W, b, B (layouts as
// cr_fa_grad), the batch x, t and the noise:
//   loss = FA's batch loss under the state the step starts from;
//   W_next = W - eta dW,  b_next = b - eta db  (dW, db: cr_fa_grad's);
//   B_next_l = B_l - eta_B dB_l (l = 2..L), dB_l the variant's mirror update
//   from W_l, b_l, B_l as the step found them and the noise of layer l.
//   W, W_next [sum n_l n_{l-1}]  b, b_next [sum n_l]
//   B, B_next [sum_{l=2..L} n_{l-1} n_l]  x [batch * n_0]  t [batch * n_L]
//   noise [sum_{l=2..L} noise_rows * n_{l-1}]: Xi_2 | ... | Xi_L, Xi_l being
//         noise_rows x n_{l-1}, one noise sample per row (WM-IN-1); length 0
//         at depth 1, where noise_rows is not used
//   loss [1]  work [work_len >= cr_wm_workspace_len(net, batch, noise_rows)]
// variant is a cr_wm_variant; eta and eta_B must be finite and > 0; decay_B
// (linear, nonlinear) or alpha and beta (kunin) finite and >= 0; the
// hyper-parameters the variant does not use are ignored (CR_ERR_PARAM,
// checked first). W_next_len, b_next_len, B_next_len must equal W_len,
// b_len, B_len. The outputs must not overlap the inputs or each other.
// Order of the checks and the rounding of every operation: ref/wm.c.
// Outputs (loss, W_next, b_next, B_next) are written only on CR_OK; a
// trajectory (NOT-STEP-1) calls this once per step, feeding each step's
// outputs to the next.
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==> net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: net != \null ==> net->acts == \null || net->depth == 0 || \valid_read(net->acts + (0 .. net->depth - 1));
  requires valid_W: W == \null || \valid_read(W + (0 .. W_len - 1));
  requires valid_b: b == \null || \valid_read(b + (0 .. b_len - 1));
  requires valid_B: B == \null || \valid_read(B + (0 .. B_len - 1));
  requires valid_x: x == \null || \valid_read(x + (0 .. x_len - 1));
  requires valid_t: t == \null || \valid_read(t + (0 .. t_len - 1));
  requires valid_noise: noise == \null || \valid_read(noise + (0 .. noise_len - 1));
  requires valid_loss: loss == \null || \valid(loss);
  requires valid_W_next: W_next == \null || \valid(W_next + (0 .. W_next_len - 1));
  requires valid_b_next: b_next == \null || \valid(b_next + (0 .. b_next_len - 1));
  requires valid_B_next: B_next == \null || \valid(B_next + (0 .. B_next_len - 1));
  requires valid_work: work == \null || \valid(work + (0 .. work_len - 1));
  requires separated: \separated(loss, W_next + (0 .. W_next_len - 1), b_next + (0 .. b_next_len - 1),
                                 B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1));
  requires separated_in: \separated(\union(loss, W_next + (0 .. W_next_len - 1), b_next + (0 .. b_next_len - 1),
                                           B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1)),
                                    \union(W + (0 .. W_len - 1), b + (0 .. b_len - 1), B + (0 .. B_len - 1),
                                           x + (0 .. x_len - 1), t + (0 .. t_len - 1),
                                           noise + (0 .. noise_len - 1)));
  requires separated_net: net != \null ==> \separated(\union(loss, W_next + (0 .. W_next_len - 1),
    b_next + (0 .. b_next_len - 1), B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1)), net);
  assigns *loss, W_next[0 .. W_next_len - 1], b_next[0 .. b_next_len - 1], B_next[0 .. B_next_len - 1],
          work[0 .. work_len - 1];
*/
cr_status cr_wm_step(const cr_net *net, size_t batch, int variant, double eta, double eta_B,
                     double decay_B, double alpha, double beta,
                     const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *B, size_t B_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     size_t noise_rows, const double *noise, size_t noise_len,
                     double *loss, double *W_next, size_t W_next_len, double *b_next, size_t b_next_len,
                     double *B_next, size_t B_next_len, double *work, size_t work_len);

// Kunin et al.'s layer-local alignment primitives (spec/rules/align.md
// ALIGN-PRIM-*), in the order of the vectors' outputs (ALIGN-OUT-1).
typedef enum {
	CR_PRIM_DECAY = 0, // R = |W|^2 + |B|^2,          dR/dB = 2B
	CR_PRIM_SELF,      // R = -tr(W B),               dR/dB = -W^T
	CR_PRIM_AMP,       // R = -(1/N) sum_n p.q,       dR/dB = -(1/N) sum_n x p^T
	CR_PRIM_SPARSE,    // R = (1/N) sum_n |p|^2+|q|^2, dR/dB = (2/N) sum_n x q^T
	CR_PRIM_NULL,      // R = (1/N) sum_n |r|^2,      dR/dB = (2/N) sum_n r p^T
	CR_PRIM_COUNT      // (p = W x, q = B^T x, r = B p for each layer input x)
} cr_prim;

// The number of doubles of workspace cr_align_prims needs for a layer of
// n_in inputs and n_out outputs: 3 n_in n_out + 2 n_out + n_in; 0 when a size
// is 0 or the length overflows size_t.
/*@
  assigns \nothing;
*/
size_t cr_align_workspace_len(size_t n_in, size_t n_out);

// The five primitives of one layer (ALIGN-PRIM-1..5) and their gradients
// with respect to B, on the batch of layer inputs x:
//   W [n_out * n_in] (W_l)  B [n_in * n_out] (B_l, NOT-FB-1)  x [batch * n_in]
//   value [CR_PRIM_COUNT]: value[p] is primitive p's value;
//   grad [CR_PRIM_COUNT * n_in * n_out]: primitive p's gradient, an
//        n_in x n_out matrix laid out as B, at grad + p n_in n_out;
//   work [work_len >= cr_align_workspace_len(n_in, n_out)].
// Outputs are written only on CR_OK and must not overlap the inputs. Order
// of the checks and the rounding of every operation: ref/align.c.
/*@
  requires valid_W: W == \null || \valid_read(W + (0 .. W_len - 1));
  requires valid_B: B == \null || \valid_read(B + (0 .. B_len - 1));
  requires valid_x: x == \null || \valid_read(x + (0 .. x_len - 1));
  requires valid_value: value == \null || \valid(value + (0 .. CR_PRIM_COUNT - 1));
  requires valid_grad: grad == \null || \valid(grad + (0 .. grad_len - 1));
  requires valid_work: work == \null || \valid(work + (0 .. work_len - 1));
  requires separated: \separated(value + (0 .. CR_PRIM_COUNT - 1), grad + (0 .. grad_len - 1),
                                 work + (0 .. work_len - 1));
  requires separated_in: \separated(\union(value + (0 .. CR_PRIM_COUNT - 1), grad + (0 .. grad_len - 1),
                                           work + (0 .. work_len - 1)),
                                    \union(W + (0 .. W_len - 1), B + (0 .. B_len - 1), x + (0 .. x_len - 1)));
  assigns value[0 .. CR_PRIM_COUNT - 1], grad[0 .. grad_len - 1], work[0 .. work_len - 1];
*/
cr_status cr_align_prims(size_t n_in, size_t n_out, size_t batch, const double *W, size_t W_len,
                         const double *B, size_t B_len, const double *x, size_t x_len,
                         double *value, double *grad, size_t grad_len, double *work,
                         size_t work_len);

// The number of doubles of workspace a step of SA, AA or IA needs:
// cr_workspace_len(net, batch) + 3 sum n_l + sum n_l n_{l-1}
// + 4 sum_{l>=2} n_{l-1} n_l + 3 max_l n_l (FA's workspace, dW, db, the
// primitive gradients and G, one sample's forward pass and projections);
// 0 when net is NULL, the network or the batch is invalid, or the sum
// overflows size_t (the step then reports why).
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==>
    net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  assigns \nothing;
*/
size_t cr_align_step_workspace_len(const cr_net *net, size_t batch);

// One step of symmetric alignment (spec/rules/sa.md, ALIGN-STEP-1..5). From
// the state W, b, B (layouts as cr_fa_grad) and the batch x, t:
//   loss = FA's batch loss under the state the step starts from;
//   G_l = alpha (2 B_l) + beta (-W_l^T)                         (SA-REG-1);
//   W_next = W - eta dW,  b_next = b - eta db,  B_next_l = B_l - eta_B G_l,
//   dW, db being cr_fa_grad's outputs.
//   W, W_next [sum n_l n_{l-1}]  b, b_next [sum n_l]
//   B, B_next [sum_{l=2..L} n_{l-1} n_l]  x [batch * n_0]  t [batch * n_L]
//   loss [1]  work [work_len >= cr_align_step_workspace_len(net, batch)]
// eta and eta_B must be finite and > 0, alpha and beta finite and >= 0
// (CR_ERR_PARAM, checked first); W_next_len, b_next_len, B_next_len must
// equal W_len, b_len, B_len. The outputs must not overlap the inputs or each
// other. Order of the checks and the rest: ref/align.c. Outputs are written
// only on CR_OK; a trajectory (NOT-STEP-1) calls this once per step.
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==> net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: net != \null ==> net->acts == \null || net->depth == 0 || \valid_read(net->acts + (0 .. net->depth - 1));
  requires valid_W: W == \null || \valid_read(W + (0 .. W_len - 1));
  requires valid_b: b == \null || \valid_read(b + (0 .. b_len - 1));
  requires valid_B: B == \null || \valid_read(B + (0 .. B_len - 1));
  requires valid_x: x == \null || \valid_read(x + (0 .. x_len - 1));
  requires valid_t: t == \null || \valid_read(t + (0 .. t_len - 1));
  requires valid_loss: loss == \null || \valid(loss);
  requires valid_W_next: W_next == \null || \valid(W_next + (0 .. W_next_len - 1));
  requires valid_b_next: b_next == \null || \valid(b_next + (0 .. b_next_len - 1));
  requires valid_B_next: B_next == \null || \valid(B_next + (0 .. B_next_len - 1));
  requires valid_work: work == \null || \valid(work + (0 .. work_len - 1));
  requires separated: \separated(loss, W_next + (0 .. W_next_len - 1), b_next + (0 .. b_next_len - 1),
                                 B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1));
  requires separated_in: \separated(\union(loss, W_next + (0 .. W_next_len - 1), b_next + (0 .. b_next_len - 1),
                                           B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1)),
                                    \union(W + (0 .. W_len - 1), b + (0 .. b_len - 1), B + (0 .. B_len - 1),
                                           x + (0 .. x_len - 1), t + (0 .. t_len - 1)));
  requires separated_net: net != \null ==> \separated(\union(loss, W_next + (0 .. W_next_len - 1),
    b_next + (0 .. b_next_len - 1), B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1)), net);
  assigns *loss, W_next[0 .. W_next_len - 1], b_next[0 .. b_next_len - 1], B_next[0 .. B_next_len - 1],
          work[0 .. work_len - 1];
*/
cr_status cr_sa_step(const cr_net *net, size_t batch, double eta, double eta_B, double alpha,
                     double beta, const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *B, size_t B_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *W_next, size_t W_next_len, double *b_next,
                     size_t b_next_len, double *B_next, size_t B_next_len,
                     double *work, size_t work_len);

// One step of activation alignment (spec/rules/aa.md): as cr_sa_step with
//   G_l = alpha (2/N) sum_n x_n q_n^T + beta (-(1/N) sum_n x_n p_n^T)  (AA-REG-1),
// x_n = h_{l-1} of sample n, p_n = W_l x_n, q_n = B_l^T x_n.
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==> net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: net != \null ==> net->acts == \null || net->depth == 0 || \valid_read(net->acts + (0 .. net->depth - 1));
  requires valid_W: W == \null || \valid_read(W + (0 .. W_len - 1));
  requires valid_b: b == \null || \valid_read(b + (0 .. b_len - 1));
  requires valid_B: B == \null || \valid_read(B + (0 .. B_len - 1));
  requires valid_x: x == \null || \valid_read(x + (0 .. x_len - 1));
  requires valid_t: t == \null || \valid_read(t + (0 .. t_len - 1));
  requires valid_loss: loss == \null || \valid(loss);
  requires valid_W_next: W_next == \null || \valid(W_next + (0 .. W_next_len - 1));
  requires valid_b_next: b_next == \null || \valid(b_next + (0 .. b_next_len - 1));
  requires valid_B_next: B_next == \null || \valid(B_next + (0 .. B_next_len - 1));
  requires valid_work: work == \null || \valid(work + (0 .. work_len - 1));
  requires separated: \separated(loss, W_next + (0 .. W_next_len - 1), b_next + (0 .. b_next_len - 1),
                                 B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1));
  requires separated_in: \separated(\union(loss, W_next + (0 .. W_next_len - 1), b_next + (0 .. b_next_len - 1),
                                           B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1)),
                                    \union(W + (0 .. W_len - 1), b + (0 .. b_len - 1), B + (0 .. B_len - 1),
                                           x + (0 .. x_len - 1), t + (0 .. t_len - 1)));
  requires separated_net: net != \null ==> \separated(\union(loss, W_next + (0 .. W_next_len - 1),
    b_next + (0 .. b_next_len - 1), B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1)), net);
  assigns *loss, W_next[0 .. W_next_len - 1], b_next[0 .. b_next_len - 1], B_next[0 .. B_next_len - 1],
          work[0 .. work_len - 1];
*/
cr_status cr_aa_step(const cr_net *net, size_t batch, double eta, double eta_B, double alpha,
                     double beta, const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *B, size_t B_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *W_next, size_t W_next_len, double *b_next,
                     size_t b_next_len, double *B_next, size_t B_next_len,
                     double *work, size_t work_len);

// One step of information alignment (spec/rules/ia.md): as cr_sa_step with
// gamma finite and >= 0 too, and
//   G_l = alpha (-(1/N) sum_n x_n p_n^T) + beta ((2/N) sum_n r_n p_n^T)
//         + gamma (2 B_l)                                            (IA-REG-1),
// x_n = h_{l-1} of sample n, p_n = W_l x_n, r_n = B_l p_n.
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==> net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: net != \null ==> net->acts == \null || net->depth == 0 || \valid_read(net->acts + (0 .. net->depth - 1));
  requires valid_W: W == \null || \valid_read(W + (0 .. W_len - 1));
  requires valid_b: b == \null || \valid_read(b + (0 .. b_len - 1));
  requires valid_B: B == \null || \valid_read(B + (0 .. B_len - 1));
  requires valid_x: x == \null || \valid_read(x + (0 .. x_len - 1));
  requires valid_t: t == \null || \valid_read(t + (0 .. t_len - 1));
  requires valid_loss: loss == \null || \valid(loss);
  requires valid_W_next: W_next == \null || \valid(W_next + (0 .. W_next_len - 1));
  requires valid_b_next: b_next == \null || \valid(b_next + (0 .. b_next_len - 1));
  requires valid_B_next: B_next == \null || \valid(B_next + (0 .. B_next_len - 1));
  requires valid_work: work == \null || \valid(work + (0 .. work_len - 1));
  requires separated: \separated(loss, W_next + (0 .. W_next_len - 1), b_next + (0 .. b_next_len - 1),
                                 B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1));
  requires separated_in: \separated(\union(loss, W_next + (0 .. W_next_len - 1), b_next + (0 .. b_next_len - 1),
                                           B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1)),
                                    \union(W + (0 .. W_len - 1), b + (0 .. b_len - 1), B + (0 .. B_len - 1),
                                           x + (0 .. x_len - 1), t + (0 .. t_len - 1)));
  requires separated_net: net != \null ==> \separated(\union(loss, W_next + (0 .. W_next_len - 1),
    b_next + (0 .. b_next_len - 1), B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1)), net);
  assigns *loss, W_next[0 .. W_next_len - 1], b_next[0 .. b_next_len - 1], B_next[0 .. B_next_len - 1],
          work[0 .. work_len - 1];
*/
cr_status cr_ia_step(const cr_net *net, size_t batch, double eta, double eta_B, double alpha,
                     double beta, double gamma, const double *W, size_t W_len, const double *b,
                     size_t b_len, const double *B, size_t B_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *W_next, size_t W_next_len, double *b_next,
                     size_t b_next_len, double *B_next, size_t B_next_len,
                     double *work, size_t work_len);

#endif
