// testlib.h: shared helpers of the unit and property tests of ref/.
//
// Every call into ref/ made by a test goes through tl_call_run(), which checks
// the contract of ref/credit.h around the call: read-only inputs unchanged
// (the BLAS ISAME habit), guard cells around every output buffer and the
// workspace untouched, outputs fully written on CR_OK and left exactly as they
// were on every error. Assertions use GSL's gsl_test family, so every program
// fails through gsl_test_summary() (STYLE habit 10).
#ifndef CR_TESTLIB_H
#define CR_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_test.h>

#include "credit.h"

// The largest network the tests build by hand (deeper ones only in the
// size_too_large checks, which use their own arrays).
#define TL_MAX_L 8

// Unit roundoff u = 2^-53 of NOT-TOL-2.
#define TL_U (1.0 / 9007199254740992.0)

// Which entry point a call goes to. TL_SS_M and TL_SS_SCALE both call
// cr_ss_grad, with the magnitudes M (frSF/brSF) or the scales (uSF).
enum { TL_BP, TL_FA, TL_DFA, TL_SS_M, TL_SS_SCALE, TL_RULE_COUNT };

// The name of a rule for messages ("bp", "fa", "dfa", "ss-M", "ss-scale").
const char *tl_rule_name(int rule);

// A problem: a network, a batch and every input array, owned (malloc'd with
// exactly their length, so ASan and valgrind see any read past the end).
typedef struct {
	int rule;
	size_t depth;
	size_t widths[TL_MAX_L + 1];
	cr_act acts[TL_MAX_L];
	int loss;
	size_t batch;
	double *W; size_t W_len;   // [sum n_l n_{l-1}]
	double *b; size_t b_len;   // [sum n_l]
	double *x; size_t x_len;   // [batch * n_0]
	double *t; size_t t_len;   // [batch * n_L]
	double *F; size_t F_len;   // B, D or M, by rule; NULL and 0 when empty
	double *S; size_t S_len;   // scale [L - 1] for TL_SS_SCALE, else NULL, 0
} tl_problem;

// Lengths computed by the tests themselves (independently of ref/).
size_t tl_len_W(size_t depth, const size_t *widths);
size_t tl_len_b(size_t depth, const size_t *widths);
size_t tl_len_F(int rule, size_t depth, const size_t *widths);

// Offsets of layer l (1-based) in W and b.
size_t tl_off_W(const tl_problem *p, size_t l);
size_t tl_off_b(const tl_problem *p, size_t l);

// A uniform double in [lo, hi).
double tl_unif(gsl_rng *r, double lo, double hi);

// Allocates a problem for the network and fills every array at random:
// W, b, feedback uniform in [-1, 1), x in [-2, 2), t uniform in [-1, 1) for
// MSE and a random probability vector for softmax cross-entropy.
void tl_problem_init(tl_problem *p, gsl_rng *r, int rule, size_t depth,
                     const size_t *widths, const cr_act *acts, int loss, size_t batch);
void tl_problem_free(tl_problem *p);

// One call: the problem's pointers and lengths, which a test may overwrite
// to provoke an error, plus guarded output buffers.
typedef struct {
	int rule;
	const char *label;     // printed in every failure message
	cr_net net;
	const cr_net *netp;    // &net unless a test passes NULL
	size_t batch;
	const double *W; size_t W_len;
	const double *b; size_t b_len;
	const double *F; size_t F_len;
	const double *S; size_t S_len;
	const double *x; size_t x_len;
	const double *t; size_t t_len;
	double *loss;                  // points into a guarded buffer, or NULL
	double *dW; size_t dW_len;
	double *db; size_t db_len;
	double *work; size_t work_len;
	// Guarded storage behind loss, dW, db and work (owned).
	double *g_loss, *g_dW, *g_db, *g_work;
	size_t n_loss, n_dW, n_db, n_work;
} tl_call;

// Sets up a call of p->rule (or of `rule` when it is not -1) with correct
// lengths and a workspace of exactly cr_workspace_len() doubles. The label is
// copied by pointer and must outlive the call.
void tl_call_init(tl_call *c, const tl_problem *p, int rule, const char *label);
void tl_call_free(tl_call *c);

// Makes the workspace `n` doubles long (reallocating its guarded storage).
void tl_call_set_work(tl_call *c, size_t n);

// Calls the entry point and checks the contract around it (see the file
// comment). Returns the status.
int tl_call_run(tl_call *c);

// Runs the call and checks that it returns `want`.
void tl_call_expect(tl_call *c, int want, const char *what);

// True when the two calls produced bit-identical loss, dW and db.
int tl_same_bits(const tl_call *a, const tl_call *b2);

// Checks that got and exp agree within |got - exp| <= tol, printing the case,
// the field, the index, both values and the ratio to the tolerance on failure.
void tl_check(const char *label, const char *field, size_t idx,
              double got, double exp, double tol);

// Checks bit equality of two arrays of n doubles, element by element (so a
// failure names the first differing index with both values).
void tl_check_bits(const char *label, const char *field,
                   const double *got, const double *exp, size_t n);

// Forward pass written in the tests (NOT-NET-2, NOT-ACT-*), for kink
// detection and gauges: a and h are [batch * sum n_l] (layer-major,
// sample-minor: layer l of sample n starts at batch*off_b(l) + n*n_l).
void tl_forward(const tl_problem *p, const double *W, const double *b,
                double *a, double *h);

// Sign pattern of every relu/leaky-relu pre-activation: pat[i] = (a > 0),
// for the same indexing as tl_forward (other layers give 0).
void tl_relu_pattern(const tl_problem *p, const double *W, const double *b,
                     unsigned char *pat);

// The catalogue of small networks the rule tests sweep: for each loss, depth
// 1 with each activation, depth 2 with every pair of hidden and output
// activation, depths 3 and 4 with one activation in the hidden layers and an
// identity output. Fills the arguments for entry i and returns 1, or returns
// 0 past the end. Leaky layers get slopes 0.1875, -0.3125 or 0.4375.
int tl_catalog(size_t i, size_t *depth, size_t *widths, cr_act *acts, int *loss,
               size_t *batch, char *name, size_t name_len);

// Forms B = [B_2 | ... | B_L] with B_l = W_l^T (NOT-FB-1), the feedback of
// backpropagation, from W of the problem's network.
void tl_B_from_W(const tl_problem *p, const double *W, double *B);

// A double with a NaN payload used for guards and sentinels.
double tl_sentinel(void);
int tl_is_sentinel(double v);

#endif
