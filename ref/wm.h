// wm.h: the shape of a weight-mirror step (spec/rules/wm.md). The entry
// points, cr_wm_workspace_len() and cr_wm_step(), are declared in credit.h;
// this header holds what wm.c computes before it runs a step: where each
// W_l, b_l, B_l and noise matrix Xi_l lies in the flat arrays (NOT-NET-3,
// NOT-FB-1/3, WM-IN-1), how the workspace is cut, and the activation kinds
// the nonlinear mirror applies.
//
// Workspace of a step (cr_wm_workspace_len doubles), nmax = max_{l=2..L} n_l
// (0 at depth 1):
//   work [fa_work]           cr_fa_grad's own workspace (cr_workspace_len)
//   work + fa_work [W_len]   dW of the step (WM-STEP-1)
//   ... + W_len [b_len]      db of the step
//   ... + b_len [B_len]      dB of the step, layer l at foff[l] (WM-STEP-3)
//   ... + B_len [nmax]       a: the pre-activation W_l xi_m + b_l of the
//                            nonlinear mirror (WM-STEP-2)
//   ... + nmax [nmax]        y: the mirror's response to xi_m
#ifndef CR_WM_H
#define CR_WM_H

#include <stddef.h>
#include <stdint.h>

#include "credit.h"

// Layer l (1 <= l <= depth) has W_l (n[l] x n[l-1], sz[l] entries) at
// W + woff[l] and b_l (n[l] entries) at b + boff[l]; for l >= 2, B_l
// (n[l-1] x n[l], also sz[l] entries) is at B + foff[l] and its noise Xi_l
// (rows x n[l-1], nsz[l] entries) at noise + noff[l]. The products are
// stored so that every offset the proofs see is linear (proofs/README.md).
typedef struct {
	int status;                     // CR_OK when the fields below are valid
	size_t depth;
	size_t rows;                    // M, the noise rows of every layer
	size_t n[CR_MAX_DEPTH + 1];     // n_0 .. n_L
	size_t sz[CR_MAX_DEPTH + 1];    // sz[l] = n_l n_{l-1}
	size_t nsz[CR_MAX_DEPTH + 1];   // nsz[l] = M n_{l-1}, l >= 2
	size_t woff[CR_MAX_DEPTH + 1];
	size_t boff[CR_MAX_DEPTH + 1];
	size_t foff[CR_MAX_DEPTH + 1];
	size_t noff[CR_MAX_DEPTH + 1];
	size_t W_len;                   // sum_{l=1..L} n_l n_{l-1}
	size_t b_len;                   // sum_{l=1..L} n_l
	size_t B_len;                   // sum_{l=2..L} n_{l-1} n_l
	size_t noise_len;               // sum_{l=2..L} M n_{l-1}
	size_t nmax;                    // max_{l=2..L} n_l, 0 at depth 1
	size_t fa_work;                 // cr_workspace_len(net, batch), >= 1
	size_t work_len;                // fa_work + W_len + b_len + B_len + 2 nmax
} cr_wm_shape;

// The activation kind of every layer, copied out of net->acts once each is
// known to be in range (status CR_OK), so that the nonlinear mirror can
// apply them after cr_fa_grad has run. Returned by value, like the shape.
// (Only ints: a double field in a struct that the proofs of cr_wm_step see
// brings a float literal into their goals, on which CVC4 1.8 aborts.)
typedef struct {
	int status;                     // CR_OK, CR_ERR_NULL or CR_ERR_ACTIVATION
	int kind[CR_MAX_DEPTH + 1];     // kind[l]: layer l, 1 <= l <= L
} cr_wm_acts;

/*@
  // What wm.c's shape computation establishes, in parts so that a goal that
  // needs only the lengths does not carry the quantified layer facts: the
  // workspace holds FA's scratch, dW, db, dB, a and y one after the other;
  // every W_l and b_l lies inside W_len and b_len doubles, every B_l inside
  // B_len, every Xi_l inside noise_len. Values, not pointers: wm.c keeps the
  // shape in non-addressed locals, which WP treats as pure logic values.
  predicate wm_lens_ok(cr_wm_shape s) =
    1 <= s.depth <= CR_MAX_DEPTH && s.fa_work >= 1 &&
    s.work_len == s.fa_work + s.W_len + s.b_len + s.B_len + 2 * s.nmax;

  predicate wm_layers_ok(cr_wm_shape s) =
    (\forall integer l; 1 <= l <= s.depth ==>
       s.sz[l] == s.n[l] * s.n[l - 1] && s.woff[l] + s.sz[l] <= s.W_len &&
       s.boff[l] + s.n[l] <= s.b_len) &&
    (\forall integer l; 2 <= l <= s.depth ==>
       s.foff[l] + s.sz[l] <= s.B_len && s.n[l] <= s.nmax);

  predicate wm_noise_ok(cr_wm_shape s) =
    \forall integer l; 2 <= l <= s.depth ==>
      s.nsz[l] == s.rows * s.n[l - 1] && s.noff[l] + s.nsz[l] <= s.noise_len;

  predicate wm_kinds_ok(cr_wm_acts a, integer depth) =
    \forall integer l; 1 <= l <= depth ==> 0 <= a.kind[l] < CR_ACT_COUNT;
*/

#endif
