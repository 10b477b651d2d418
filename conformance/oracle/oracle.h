// conformance/oracle/oracle.h: the GSL oracle's plain-C interface.
//
// Implements spec/notation.md (NOT-NET-*, NOT-ACT-*, NOT-LOSS-*, NOT-RED-*,
// NOT-TOL-*, NOT-STEP-*) and the rules bp, fa, dfa and ss (uSF, brSF, frSF)
// (oracle.c) and kp (kp.c) with GSL BLAS, independently of ref/: nothing here
// includes or links ref/. Besides the loss and gradients (or, for kp, the
// loss and the next state) it returns the gauge G of every number
// (NOT-TOL-1), the pre-activations with their gauges (for ReluTie detection,
// NOT-TOL-4) and the tolerance factors k (NOT-TOL-2, NOT-STEP-5).
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
