// conformance/oracle/oracle.h: the GSL oracle's plain-C interface.
//
// Implements spec/notation.md (NOT-NET-*, NOT-ACT-*, NOT-LOSS-*, NOT-RED-*,
// NOT-TOL-*, NOT-STEP-*) and the rules bp, fa, dfa and ss (uSF, brSF, frSF)
// (oracle.c), kp (kp.c), Kunin et al.'s primitives and the rules sa, aa, ia
// (align.c) and the weight mirror wm (wm.c) with GSL BLAS, independently of
// ref/: nothing here includes or links ref/. Besides the loss and gradients
// (or, for the trajectory rules, the loss and the next state) it returns the
// gauge G of every number (NOT-TOL-1), the pre-activations with their gauges
// (for ReluTie detection, NOT-TOL-4) and the tolerance factors k (NOT-TOL-2,
// NOT-STEP-5).
//
// Arrays use the layout of ref/credit.h: flat, row-major, layers concatenated
// lowest first; a batch has one sample per row. This interface does no I/O and
// knows nothing of JSON, so fuzz harnesses can link oracle.c and compare.
// Unlike ref/, the oracle allocates (through GSL) and may return
// CRO_ERR_NOMEM; it switches GSL's error handler off (gsl_set_error_handler_off).
#ifndef CRO_ORACLE_H
#define CRO_ORACLE_H

#include <stddef.h>

// Statuses. The names returned by cro_status_name() for the spec errors are
// the error names of spec/vectors.md; the last three are the oracle's own.
typedef enum {
	CRO_OK = 0,
	CRO_ERR_NULL,             // "null_pointer"
	CRO_ERR_ZERO_SIZE,        // "zero_size": depth, a width or the batch is 0
	CRO_ERR_SIZE,             // "size_too_large": depth > CRO_MAX_DEPTH or a length overflows
	CRO_ERR_SIZE_MISMATCH,    // "size_mismatch": an array length does not match the network
	CRO_ERR_ACTIVATION,       // "unknown_activation"
	CRO_ERR_LOSS,             // "unknown_loss"
	CRO_ERR_PARAM,            // "invalid_parameter": a non-finite leaky slope
	CRO_ERR_NONFINITE_INPUT,  // "non_finite_input"
	CRO_ERR_NONFINITE_RESULT, // "non_finite_result": the loss, a dW or a db is not finite
	CRO_ERR_RULE,             // "unknown_rule": rule value out of range (oracle only)
	CRO_ERR_NOMEM,            // "out_of_memory" (oracle only)
	CRO_ERR_GAUGE,            // "gauge_overflow": every output is finite but a gauge
	                          // or an intermediate is not, so no tolerance exists
	                          // (oracle only; harnesses must skip such inputs)
	CRO_STATUS_COUNT
} cro_status;

#define CRO_MAX_DEPTH 64

// Activation kinds, in the order of the table of spec/notation.md.
typedef enum {
	CRO_ACT_IDENTITY = 0, // NOT-ACT-1
	CRO_ACT_TANH,         // NOT-ACT-2
	CRO_ACT_LOGISTIC,     // NOT-ACT-3
	CRO_ACT_RELU,         // NOT-ACT-4
	CRO_ACT_LEAKY_RELU,   // NOT-ACT-5
	CRO_ACT_COUNT
} cro_act_kind;

typedef enum { CRO_LOSS_MSE = 0, CRO_LOSS_SOFTMAX_CE, CRO_LOSS_COUNT } cro_loss_kind;

// Rules. The feedback array fb of cro_grad() holds, for
//   BP:          nothing (fb_len 0);
//   FA:          B = [B_2 | ... | B_L], B_l is n_{l-1} x n_l (NOT-FB-1);
//   DFA:         D = [D_1 | ... | D_{L-1}], D_l is n_l x n_L (NOT-FB-2);
//   SS brSF/frSF: M = [M_2 | ... | M_L], M_l is n_l x n_{l-1} (W_l's shape);
//   SS uSF:      scale [L - 1], scale[l-2] for layer l.
// Sign symmetry uses B_l = (|M_l| o sign(W_l))^T with sign(0) = 0, or
// |scale| in place of |M_l| for uSF; brSF and frSF are the same computation
// for one gradient (they differ only in when a learner redraws M).
typedef enum {
	CRO_RULE_BP = 0,
	CRO_RULE_FA,
	CRO_RULE_DFA,
	CRO_RULE_SS_USF,
	CRO_RULE_SS_BRSF,
	CRO_RULE_SS_FRSF,
	CRO_RULE_COUNT
} cro_rule;

// A network. slopes may be NULL when no layer is leaky_relu.
typedef struct {
	size_t depth;         // L
	const size_t *widths; // [L + 1]
	const int *acts;      // [L], acts[l-1] is the cro_act_kind of layer l
	const double *slopes; // [L], slope of layer l (read for leaky_relu only)
	int loss;             // a cro_loss_kind
} cro_net;

// Outputs of cro_grad(), in caller-owned buffers. a and a_gauge may be NULL.
// Their contents are unspecified unless cro_grad() returns CRO_OK.
typedef struct {
	double loss, loss_gauge; // batch-mean loss (NOT-RED-1) and its gauge
	double *dW, *dW_gauge;   // [cro_W_len]
	double *db, *db_gauge;   // [cro_b_len]
	double *a, *a_gauge;     // [batch * sum_{l=1..L} n_l]: pre-activation a_l of
	                         // sample n at a[n * A + off_l + i], A = sum n_l
	double *h, *h_gauge;     // [batch * sum n_l], optional: the layer outputs
	                         // h_l = f_l(a_l), layout of a (the layer inputs of
	                         // the Kunin rules, align.c)
	double k_loss, k_grad;   // NOT-TOL-2
} cro_out;

// The stable name of a status; "unknown_status" outside the enum.
const char *cro_status_name(int status);
// The kind of an activation or loss name; -1 when unknown.
int cro_act_from_name(const char *name);
int cro_loss_from_name(const char *name);
const char *cro_act_name(int kind);
const char *cro_loss_name(int kind);
const char *cro_rule_name(int rule); // "bp", "fa", "dfa", "ss_usf", ...

// Lengths the network implies (0 when depth is 0 or a length overflows).
size_t cro_W_len(const cro_net *net);
size_t cro_b_len(const cro_net *net);
size_t cro_fb_len(const cro_net *net, int rule);
size_t cro_a_len(const cro_net *net, size_t batch);

// Checks the arguments in this order and returns the first failure: depth 0
// (zero_size), depth > CRO_MAX_DEPTH (size_too_large), a zero width, a zero
// batch (zero_size), an unknown activation, an unknown loss, a non-finite
// leaky slope (invalid_parameter), a rule out of range, any length that does
// not match (size_mismatch), a non-finite entry of W, b, fb, x, t
// (non_finite_input). Then computes the rule's loss, dW, db, their gauges and
// the pre-activations; a non-finite loss, dW or db is CRO_ERR_NONFINITE_RESULT,
// a non-finite gauge or intermediate with finite outputs is CRO_ERR_GAUGE.
//   W [sum n_l n_{l-1}]  b [sum n_l]  fb [cro_fb_len]  x [batch n_0]  t [batch n_L]
cro_status cro_grad(const cro_net *net, int rule, size_t batch,
                    const double *W, size_t W_len, const double *b, size_t b_len,
                    const double *fb, size_t fb_len,
                    const double *x, size_t x_len, const double *t, size_t t_len,
                    cro_out *out);

// cro_grad() for a state whose entries carry gauges of their own (a state
// computed by earlier training steps, NOT-STEP-4). GW [cro_W_len],
// Gb [cro_b_len] and Gfb [cro_fb_len] are the gauges of W, b and fb; each may
// be NULL, meaning the array is an input (G(v) = |v|). NOT-TOL-1 is applied
// literally: G(W h) = G(W) |h| + |W| G(h), G(b_l) = Gb, and the feedback
// product G(F delta) = G(F) |delta| + |F| G(delta), where G(F) is Gfb for FA
// and DFA, GW for BP (F = W^T), and Gfb |sign(W)| for sign symmetry (|.| and
// sign are exact). A gauge entry that is not finite or is negative is
// CRO_ERR_GAUGE (checked after the non-finite inputs). With all three NULL the
// results are bit for bit those of cro_grad(), which calls this function.
cro_status cro_grad_g(const cro_net *net, int rule, size_t batch,
                      const double *W, size_t W_len, const double *b, size_t b_len,
                      const double *fb, size_t fb_len,
                      const double *x, size_t x_len, const double *t, size_t t_len,
                      const double *GW, const double *Gb, const double *Gfb,
                      cro_out *out);

// The network-level checks of cro_grad(), in its order, without the batch:
// depth 0 (zero_size), depth > CRO_MAX_DEPTH (size_too_large), a zero width
// (zero_size), an unknown activation, an unknown loss, a non-finite leaky
// slope (invalid_parameter); CRO_ERR_NULL for a NULL net, widths or acts.
cro_status cro_net_check(const cro_net *net);

// Number of relu / leaky_relu pre-activations of out that are ties
// (NOT-TOL-4: 0 < G(a) and |a| <= k_grad u G(a)). out->a must be filled.
size_t cro_relu_ties(const cro_net *net, size_t batch, const cro_out *out);

// The same count for pre-activations a, a_gauge [cro_a_len(net, batch)]
// (layout of cro_out.a) with the tie factor k in place of k_grad.
size_t cro_relu_ties_k(const cro_net *net, size_t batch, const double *a,
                       const double *a_gauge, double k);

// One activation with its derivative and their gauges, exactly as the
// forward pass of cro_grad() computes them (NOT-ACT-*, NOT-TOL-1): h = f(a),
// d = f'(a) (from h for tanh and the logistic), Gh = G(h), Gd = G(d), given
// the pre-activation a and its gauge Ga. kind must be a cro_act_kind.
void cro_act_eval(int kind, double slope, double a, double Ga,
                  double *h, double *Gh, double *d, double *Gd);

// Unit roundoff u = 2^-53 (NOT-TOL-2).
#define CRO_U 1.1102230246251565e-16

// ---------------------------------------------------------------- KP (kp.c)
//
// Kolen-Pollack (spec/rules/kp.md): one training step and a trajectory of
// steps (NOT-STEP-*), each value with its gauge. The state is W [cro_W_len],
// b [cro_b_len] and B [cro_fb_len(net, CRO_RULE_FA)] (B_2 .. B_L, B_l is
// n_{l-1} x n_l, NOT-FB-1; length 0 at depth 1).

// KP-IN-2: eta finite and > 0, decay finite and >= 0 (-0.0 is >= 0).
// Returns CRO_OK or CRO_ERR_PARAM.
cro_status cro_kp_check_params(double eta, double decay);

// Outputs of cro_kp_step(), in caller-owned buffers. dW, dW_gauge, db,
// db_gauge, a and a_gauge may be NULL (not returned); the others are
// required (B and B_gauge may be NULL at depth 1). Unspecified unless the
// step returns CRO_OK.
typedef struct {
	double loss, loss_gauge;  // the step's batch loss under the state it started from
	double *W, *W_gauge;      // [cro_W_len] W' = c W - eta dW (KP-STEP-3)
	double *b, *b_gauge;      // [cro_b_len] b' = b - eta db (KP-STEP-5)
	double *B, *B_gauge;      // [cro_fb_len(FA)] B'_l = c B_l - eta dW_l^T (KP-STEP-4)
	double *dW, *dW_gauge;    // [cro_W_len] FA's dW of the step (KP-STEP-1), optional
	double *db, *db_gauge;    // [cro_b_len] optional
	double *a, *a_gauge;      // [cro_a_len(net, batch)] pre-activations, optional
	double c, c_gauge;        // c = 1 - eta decay (KP-STEP-2), G(c) = 2 |eta| |decay|
	size_t ties;              // relu ties of the step, tie factor k_in + k_grad
	double k_grad;            // the step's own NOT-TOL-2 k_grad(batch)
	double k_loss;            // k_in + k_loss(batch): the loss's factor (NOT-STEP-5)
	double k_state;           // k_in + k_grad(batch) + 2 r, r = 3: the new state's factor
} cro_kp_out;

// One KP step (KP-STEP-1..6). Checks eta and decay first (CRO_ERR_PARAM),
// then everything cro_grad(net, CRO_RULE_FA, ...) checks, in its order (B
// is FA's fb), then k_in (finite, >= 0; else CRO_ERR_GAUGE). GW, Gb, GB are
// the gauges of the state (NULL: an input, G = |v|) and k_in the tolerance
// factor the state already carries (0 for an input; NOT-STEP-5). The new
// state's gauges follow NOT-TOL-1 / NOT-STEP-4:
//   G(c) = 2 |eta| |decay|,
//   G(W') = G(c) |W| + |c| G(W) + |eta| |dW| + |eta| G(dW), B' likewise with
//           dW^T, G(b') = G(b) + |eta| |db| + |eta| G(db).
// The values are computed with GSL (gsl_matrix_scale, gsl_matrix_sub,
// gsl_matrix_transpose_memcpy): each product rounded, then the difference.
// A non-finite loss, gradient or new state entry is CRO_ERR_NONFINITE_RESULT;
// a non-finite gauge with finite values CRO_ERR_GAUGE.
//   W [cro_W_len]  b [cro_b_len]  B [cro_fb_len(net, CRO_RULE_FA)]
//   x [batch n_0]  t [batch n_L]  GW, Gb, GB: shaped as W, b, B, or NULL
cro_status cro_kp_step(const cro_net *net, size_t batch, double eta, double decay,
                       const double *W, size_t W_len, const double *b, size_t b_len,
                       const double *B, size_t B_len,
                       const double *x, size_t x_len, const double *t, size_t t_len,
                       const double *GW, const double *Gb, const double *GB, double k_in,
                       cro_kp_out *out);

// Outputs of cro_kp_traj(), in caller-owned buffers of k = steps entries per
// field: entry s (0-based) is the loss of step s + 1 / the state after it
// (NOT-STEP-3). a and a_gauge may be NULL.
typedef struct {
	double *loss, *loss_gauge; // [k]
	double *W, *W_gauge;       // [k * cro_W_len], state after step s + 1 at s * W_len
	double *b, *b_gauge;       // [k * cro_b_len]
	double *B, *B_gauge;       // [k * B_len] (may be NULL when B_len is 0)
	double *a, *a_gauge;       // [sum_s batch[s] * cro_b_len], step after step, optional
	double c, c_gauge;         // c = 1 - eta decay and its gauge
	size_t ties;               // relu ties over all steps (tie factor of each step:
	                           // k_state of the steps before it + its k_grad)
	size_t failed_step;        // on a step's error, that step (0-based); else steps
	double k_loss;             // NOT-STEP-5: sum_{s<k} (k_grad(N_s) + 6) + k_loss(N_k)
	double k_state;            // NOT-STEP-5: sum_s (k_grad(N_s) + 6)
} cro_kp_traj_out;

// A KP trajectory of `steps` steps (NOT-STEP-1..6). batch [steps] holds N_s;
// x [sum_s N_s n_0] and t [sum_s N_s n_L] are the steps' batches one after
// the other. Checks, in this order: eta and decay (CRO_ERR_PARAM), steps 0
// (CRO_ERR_ZERO_SIZE), NULL output pointers or batch, cro_net_check(), a
// zero N_s (CRO_ERR_ZERO_SIZE), x_len or t_len not the sum the batches imply
// (CRO_ERR_SIZE_MISMATCH), NULL W, b, x, t (or B with B_len > 0); then runs cro_kp_step() step after step, the
// first feeding the input state with NULL gauges and k_in = 0, each later
// one the previous step's state, gauges and k_state. A failing step's status
// is returned (failed_step says which), with no outputs promised.
//   W [cro_W_len]  b [cro_b_len]  B [cro_fb_len(net, CRO_RULE_FA)]  batch [steps]
//   x [sum_s batch[s] n_0]  t [sum_s batch[s] n_L]
cro_status cro_kp_traj(const cro_net *net, double eta, double decay,
                       const double *W, size_t W_len, const double *b, size_t b_len,
                       const double *B, size_t B_len,
                       size_t steps, const size_t *batch,
                       const double *x, size_t x_len, const double *t, size_t t_len,
                       cro_kp_traj_out *out);

// Extended-precision check of a KP trajectory (ldcheck.c): runs it again in
// long double from the same inputs (c = 1 - eta decay unrounded) and returns
// the worst |out - exact| / (k u G) over every loss and state entry of every
// step, where k is the factor that value carries after its step (k_in +
// k_loss(N_s) for the loss of step s, the running k_state for the state
// after it): a stricter test than the trajectory's final factors. 0 when
// all agree exactly, +inf when a value with G = 0 differs, -1 when long
// double is not wider than double or memory runs out. The arguments are
// those of a CRO_OK call of cro_kp_traj(); out is its result.
double cro_ld_kp_ratio(const cro_net *net, double eta, double decay,
                       const double *W, const double *b, const double *B,
                       size_t steps, const size_t *batch,
                       const double *x, const double *t, const cro_kp_traj_out *out);

// ---------------------------------------------------------------- ALIGN (align.c)
//
// Kunin et al.'s primitives of one layer (spec/rules/align.md ALIGN-PRIM-*):
// W [n_out x n_in] (W_l, n_l x n_{l-1}), B [n_in x n_out] (B_l, NOT-FB-1),
// and N = batch layer inputs x [N x n_in], one per row.

enum {
	CRO_PRIM_DECAY = 0, // ALIGN-PRIM-1
	CRO_PRIM_SELF,      // ALIGN-PRIM-2
	CRO_PRIM_AMP,       // ALIGN-PRIM-3
	CRO_PRIM_SPARSE,    // ALIGN-PRIM-4
	CRO_PRIM_NULL,      // ALIGN-PRIM-5
	CRO_PRIM_COUNT
};
#define CRO_PRIM_ALL ((1u << CRO_PRIM_COUNT) - 1u)
// With this bit in the mask, cro_align_prims() forms the gradients only (the
// values R and their gauges are left 0): a rule's step needs no value, and a
// value can overflow where the gradient does not (|W|^2 of decay).
#define CRO_PRIM_GRADS_ONLY (1u << 16)

// "decay", "self", "amp", "sparse", "null"; "unknown" outside the enum.
const char *cro_prim_name(int prim);

// Outputs of cro_align_prims(). For every primitive p in the mask: R[p],
// its gauge, the gradient dR[p] [n_in n_out] and its gauge (caller-owned
// buffers, required for the primitives in the mask; the others are not
// touched), and the tolerance factors of ALIGN-TOL-1 (align.md), which the
// function fills for all five primitives whatever the mask.
typedef struct {
	double R[CRO_PRIM_COUNT], R_gauge[CRO_PRIM_COUNT];
	double *dR[CRO_PRIM_COUNT], *dR_gauge[CRO_PRIM_COUNT];
	double k_R[CRO_PRIM_COUNT], k_dR[CRO_PRIM_COUNT];
} cro_align_out;

// The primitives of ALIGN-PRIM-1..5 selected by mask (bit p for primitive
// p; CRO_PRIM_GRADS_ONLY: no values), their gradients with respect to B, and
// the gauges of all (NOT-TOL-1).
// GW, GB, Gx are the gauges of W, B, x (NULL: an input, G(v) = |v|); a step
// of a Kunin rule passes the state's gauges and those of the layer inputs.
// Checks, in this order: a zero width or batch (CRO_ERR_ZERO_SIZE), W_len,
// B_len, x_len not n_out n_in, n_in n_out, batch n_in (CRO_ERR_SIZE_MISMATCH;
// a flat B cannot show its orientation: the caller's reader checks it),
// NULL arrays or outputs (CRO_ERR_NULL), a non-finite W, B, x entry
// (CRO_ERR_NONFINITE_INPUT), a negative or non-finite gauge (CRO_ERR_GAUGE).
// A non-finite value or gradient entry is CRO_ERR_NONFINITE_RESULT, a
// non-finite gauge with finite values CRO_ERR_GAUGE. The products
// p_n = W x_n, q_n = B^T x_n and r_n = B p_n are gsl_blas_dgemv; batch sums
// are accumulated sample after sample and divided by N at the end (the
// factor 2 of sparse and null applied before the division, exactly).
cro_status cro_align_prims(size_t n_in, size_t n_out, size_t batch, unsigned mask,
                           const double *W, size_t W_len, const double *B, size_t B_len,
                           const double *x, size_t x_len,
                           const double *GW, const double *GB, const double *Gx,
                           cro_align_out *out);

// The tolerance factors of ALIGN-TOL-1 (align.md) for one layer: k_R and
// k_dR of cro_align_out, with a = n_in, c = n_out:
//   decay 2 (2ac), d_decay 2, self 2 ac, d_self 2,
//   amp 2 (a + c + N + 1), d_amp 2 (a + N + 2),
//   sparse 2 (a + c + N + 2), d_sparse 2 (a + N + 2),
//   null 2 (2a + c + N + 1), d_null 2 (a + c + N + 2).
void cro_align_tol(size_t n_in, size_t n_out, size_t batch, double k_R[CRO_PRIM_COUNT],
                   double k_dR[CRO_PRIM_COUNT]);

// ------------------------------------------------- feedback learning (align.c, wm.c)
//
// Rules whose feedback B learns alongside W, each step an FA gradient step on
// W and b plus a gradient-like step on B (spec/rules/wm.md WM-STEP-*,
// spec/rules/align.md ALIGN-STEP-*): the three variants of the weight mirror
// (wm.c) and Kunin et al.'s SA, AA, IA (align.c). The state is W, b and
// B = [B_2 | ... | B_L] as for KP.
typedef enum {
	CRO_FBL_WM_LINEAR = 0, // wm.md, variant "linear"
	CRO_FBL_WM_NONLINEAR,  // wm.md, variant "nonlinear"
	CRO_FBL_WM_KUNIN,      // wm.md, variant "kunin"
	CRO_FBL_SA,            // sa.md
	CRO_FBL_AA,            // aa.md
	CRO_FBL_IA,            // ia.md
	CRO_FBL_COUNT
} cro_fbl_rule;

// Hyper-parameters; each rule reads only its own (WM-IN-2, ALIGN-STEP-4).
typedef struct {
	double eta, eta_B;         // every rule
	double decay_B;            // WM linear and nonlinear: lambda_B
	double alpha, beta, gamma; // WM kunin, SA, AA: alpha, beta; IA: all three
} cro_fbl_hyper;

// "wm_linear", "wm_nonlinear", "wm_kunin", "sa", "aa", "ia".
const char *cro_fbl_name(int rule);
// Is the rule a weight-mirror variant (it reads noise)?
int cro_fbl_is_wm(int rule);

// WM-IN-2 / ALIGN-STEP-4: eta and eta_B finite and > 0; the rule's other
// hyper-parameters finite and >= 0 (-0.0 is >= 0). A rule out of range (an
// unknown WM variant) or a value out of its domain is CRO_ERR_PARAM.
cro_status cro_fbl_check_params(int rule, const cro_fbl_hyper *h);

// r_s of NOT-STEP-5 for one step (the "Tolerance" paragraphs of wm.md,
// sa.md, aa.md, ia.md): the step's state factor grows by k_grad(N) + 2 r_s,
// twice the longest rounding chain of the step. With S = sum n_l,
// m1 = max_{l=2..L} n_{l-1}, m2 = max_{l=2..L} (n_{l-1} + n_l):
//   depth 1, and SA:  2;
//   AA:  max(2, m1 + 6 - S);   IA:  max(2, m2 + 7 - S);
//   WM:  max(2, m1 + M + c_v - (2 S + N + 10 (L + 1))), c_v = 5 (linear),
//        16 (nonlinear), 6 (kunin).
// 0 for an invalid network or rule.
double cro_fbl_r(const cro_net *net, int rule, size_t batch, size_t noise_rows);

// The mirror update of one layer l >= 2 (WM-STEP-2/3) with its gauge:
// dB [n_in n_out] = lambda_B B - (1/M) sum_m xi_m y_m^T (linear, nonlinear)
// or alpha (2 B) + beta (-(1/M) sum_m xi_m y_m^T) (kunin), y_m = W xi_m or
// f(W xi_m + b). W [n_out n_in], b [n_out], B [n_in n_out], noise [M n_in];
// GW, Gb, GB their gauges (NULL: inputs). act and slope are layer l's
// activation (nonlinear only). a, a_gauge [M n_out] receive the mirror's
// pre-activations W xi_m + b (nonlinear only; may be NULL). The arguments
// are assumed checked (cro_fbl_step does); returns CRO_OK, CRO_ERR_NOMEM,
// CRO_ERR_NONFINITE_RESULT or CRO_ERR_GAUGE as cro_align_prims().
cro_status cro_wm_mirror(int rule, const cro_fbl_hyper *h, int act, double slope,
                         size_t n_in, size_t n_out, size_t M,
                         const double *W, const double *b, const double *B,
                         const double *noise, const double *GW, const double *Gb,
                         const double *GB, double *dB, double *dB_gauge,
                         double *a, double *a_gauge);

// G_l of a Kunin rule (SA-REG-1, AA-REG-1, IA-REG-1, ALIGN-STEP-2) for one
// layer with its gauge: the rule's primitive gradients from
// cro_align_prims(), each multiplied by its coefficient (rounded), summed
// left to right in the rule file's order. x [N n_in] are the layer inputs
// h_{l-1} of the batch, Gx their gauges. Returns as cro_align_prims().
cro_status cro_kunin_grad(int rule, const cro_fbl_hyper *h, size_t n_in, size_t n_out,
                          size_t batch, const double *W, const double *B, const double *x,
                          const double *GW, const double *GB, const double *Gx,
                          double *G, double *G_gauge);

// Outputs of cro_fbl_step(), in caller-owned buffers; W, b, B and their
// gauges required (B may be NULL at depth 1), the others optional (NULL).
typedef struct {
	double loss, loss_gauge;   // the step's batch loss under the state it started from
	double *W, *W_gauge;       // [cro_W_len] W' = W - eta dW
	double *b, *b_gauge;       // [cro_b_len] b' = b - eta db
	double *B, *B_gauge;       // [B_len] B' = B - eta_B G (G = dB_l of WM, G_l of SA/AA/IA)
	double *G, *G_gauge;       // [B_len] the feedback's gradient-like update, optional
	double *a, *a_gauge;       // [cro_a_len(net, batch)] pre-activations, optional
	size_t ties;               // relu ties of the step (engaged pass and, for the
	                           // nonlinear mirror, its pre-activations), factor k_in + k_grad
	double k_grad;             // NOT-TOL-2 k_grad(batch)
	double r;                  // r_s = cro_fbl_r()
	double k_loss;             // k_in + k_loss(batch)
	double k_state;            // k_in + k_grad(batch) + 2 r_s
} cro_fbl_out;

// One step of a feedback-learning rule (WM-STEP-1..4, ALIGN-STEP-1..3).
// noise [noise_rows * sum_{l=2..L} n_{l-1}]: the WM noise Xi_2 .. Xi_L, each
// noise_rows x n_{l-1}, one after the other (WM-IN-1); Kunin rules take none
// (noise_len 0). Checks, in this order: the hyper-parameters
// (cro_fbl_check_params), the network, batch and arrays as cro_grad(net,
// CRO_RULE_FA, ...) does, then for WM at depth >= 2 noise_rows 0
// (CRO_ERR_ZERO_SIZE), noise_len (CRO_ERR_SIZE_MISMATCH; a Kunin rule with
// noise_len > 0 too), non-finite noise (CRO_ERR_NONFINITE_INPUT), k_in
// (finite, >= 0, else CRO_ERR_GAUGE). GW, Gb, GB are the state's gauges
// (NULL: inputs), k_in the factor it carries (0 for an input). The new
// state's gauges follow NOT-TOL-1 / NOT-STEP-4: G(W') = G(W) + |eta| |dW| +
// |eta| G(dW), b' likewise, G(B') = G(B) + |eta_B| |G| + |eta_B| G(G).
// A non-finite loss, gradient, G or new state entry is
// CRO_ERR_NONFINITE_RESULT; a non-finite gauge with finite values CRO_ERR_GAUGE.
cro_status cro_fbl_step(const cro_net *net, int rule, size_t batch, const cro_fbl_hyper *h,
                        const double *W, size_t W_len, const double *b, size_t b_len,
                        const double *B, size_t B_len,
                        const double *x, size_t x_len, const double *t, size_t t_len,
                        size_t noise_rows, const double *noise, size_t noise_len,
                        const double *GW, const double *Gb, const double *GB, double k_in,
                        cro_fbl_out *out);

// Outputs of cro_fbl_traj(): as cro_kp_traj_out without c.
typedef struct {
	double *loss, *loss_gauge; // [k]
	double *W, *W_gauge;       // [k * cro_W_len]
	double *b, *b_gauge;       // [k * cro_b_len]
	double *B, *B_gauge;       // [k * B_len] (may be NULL when B_len is 0)
	double *a, *a_gauge;       // [sum_s batch[s] * cro_b_len], optional
	size_t ties;               // relu ties over all steps
	size_t failed_step;        // on a step's error, that step (0-based); else steps
	double k_loss;             // NOT-STEP-5: sum_{s<k} (k_grad(N_s) + 2 r_s) + k_loss(N_k)
	double k_state;            // NOT-STEP-5: sum_s (k_grad(N_s) + 2 r_s)
} cro_fbl_traj_out;

// A trajectory of `steps` steps (NOT-STEP-1..6). batch [steps] holds N_s,
// noise_rows [steps] M_s (WM; NULL for the Kunin rules); x, t, noise hold
// the steps' arrays one after the other. Checks, in this order: the
// hyper-parameters (CRO_ERR_PARAM), steps 0 (CRO_ERR_ZERO_SIZE), NULL
// outputs or batch (or noise_rows for WM), cro_net_check(), a zero N_s or
// (WM, depth >= 2) a zero M_s (CRO_ERR_ZERO_SIZE), x_len, t_len, noise_len
// not the sums the batches imply (CRO_ERR_SIZE_MISMATCH), NULL arrays; then
// runs cro_fbl_step() step after step, each from the previous step's state,
// gauges and k_state.
cro_status cro_fbl_traj(const cro_net *net, int rule, const cro_fbl_hyper *h,
                        const double *W, size_t W_len, const double *b, size_t b_len,
                        const double *B, size_t B_len,
                        size_t steps, const size_t *batch,
                        const double *x, size_t x_len, const double *t, size_t t_len,
                        const size_t *noise_rows, const double *noise, size_t noise_len,
                        cro_fbl_traj_out *out);

// Extended-precision checks (ldcheck.c), as cro_ld_kp_ratio(): the worst
// |out - exact| / (k u G) over every value, with the factor each value
// carries (k_in + k_loss(N_s) for the loss of step s, the running k_state
// for the state after it; the ALIGN-TOL-1 factors for the primitives);
// 0 when all agree exactly, +inf when a value with G = 0 differs, -1 when
// long double is not wider than double or memory runs out. The arguments
// are those of a CRO_OK call; out is its result.
double cro_ld_fbl_ratio(const cro_net *net, int rule, const cro_fbl_hyper *h,
                        const double *W, const double *b, const double *B,
                        size_t steps, const size_t *batch,
                        const double *x, const double *t,
                        const size_t *noise_rows, const double *noise,
                        const cro_fbl_traj_out *out);
double cro_ld_align_ratio(size_t n_in, size_t n_out, size_t batch,
                          const double *W, const double *B, const double *x,
                          const cro_align_out *out);

// Finite-difference check of a BP gradient (fd.c). For every entry of dW and
// db it compares the gradient with gsl_deriv_central of the loss; entries
// whose difference stencil moves any relu / leaky_relu pre-activation across
// (or onto) 0 are skipped. The criterion is documented in fd.c.
typedef struct {
	size_t checked, skipped, failed;
	double worst_ratio;  // max |g - fd| / bound over checked entries
	int worst_is_b;      // the worst entry: 0 for dW, 1 for db
	size_t worst_index;  // its index in dW or db
	double worst_g, worst_fd, worst_bound;
} cro_fd_stats;

// bp must be the CRO_OK result of cro_grad(net, CRO_RULE_BP, ...) on the same
// arguments. Returns CRO_OK or the status of a failing loss evaluation;
// stats->failed counts entries over the bound.
cro_status cro_fd_check(const cro_net *net, size_t batch,
                        const double *W, size_t W_len, const double *b, size_t b_len,
                        const double *x, size_t x_len, const double *t, size_t t_len,
                        const cro_out *bp, cro_fd_stats *stats);

// Finite-difference check of the primitives' gradients (fd.c): for every
// primitive and every entry B_ij, gsl_deriv_central of R (cro_align_prims
// on B with that entry moved) against dR[p][ij], with the criterion of
// cro_fd_check() (k_R for the values, k_dR for the gradient). a must be the
// CRO_OK result of cro_align_prims(..., CRO_PRIM_ALL, ...) on the inputs
// (NULL gauges). Returns CRO_OK or a failing evaluation's status;
// stats->failed counts entries over the bound (worst_index is p n_in n_out
// + ij; worst_is_b is unused).
cro_status cro_fd_align(size_t n_in, size_t n_out, size_t batch,
                        const double *W, const double *B, const double *x,
                        const cro_align_out *a, cro_fd_stats *stats);

// Extended-precision check of the gauges (ldcheck.c): recomputes the rule in
// long double and returns the worst |out - exact| / (k u G) over loss, dW and
// db (0 when all agree exactly; +inf when a value with G = 0 differs), or -1
// when long double is not wider than double or memory runs out. The
// arguments are those of a CRO_OK call of cro_grad(); out is its result.
// A correct gauge keeps this at most 1/2 (k counts two implementations).
double cro_ld_ratio(const cro_net *net, int rule, size_t batch,
                    const double *W, const double *b, const double *fb,
                    const double *x, const double *t, const cro_out *out);

#endif
