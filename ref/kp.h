// kp.h: the shape of a Kolen-Pollack step (spec/rules/kp.md). The entry
// points, cr_kp_workspace_len() and cr_kp_step(), are declared in credit.h;
// this header holds what kp.c computes before it runs a step: where each
// W_l and B_l lies in the flat arrays (NOT-NET-3, NOT-FB-1/3) and how the
// workspace is cut.
//
// Workspace of a step (cr_kp_workspace_len doubles):
//   work [fa_work]           cr_fa_grad's own workspace (cr_workspace_len)
//   work + fa_work [W_len]   dW of the step (KP-STEP-1)
//   ... + W_len [b_len]      db of the step
#ifndef CR_KP_H
#define CR_KP_H

#include <stddef.h>
#include <stdint.h>

#include "credit.h"

// Layer l (1 <= l <= depth) has W_l (n[l] x n[l-1], sz[l] entries) at
// W + woff[l]; for l >= 2, B_l (n[l-1] x n[l], also sz[l] entries) is at
// B + foff[l]. The products are stored so that every offset the proofs see
// is linear (proofs/README.md).
typedef struct {
	int ok;                         // 1 when the fields below are valid
	size_t depth;
	size_t n[CR_MAX_DEPTH + 1];     // n_0 .. n_L
	size_t sz[CR_MAX_DEPTH + 1];    // sz[l] = n_l n_{l-1}
	size_t woff[CR_MAX_DEPTH + 1];
	size_t foff[CR_MAX_DEPTH + 1];
	size_t W_len;                   // sum_{l=1..L} n_l n_{l-1}
	size_t b_len;                   // sum_{l=1..L} n_l
	size_t B_len;                   // sum_{l=2..L} n_{l-1} n_l
	size_t fa_work;                 // cr_workspace_len(net, batch), >= 1
	size_t work_len;                // fa_work + W_len + b_len
} cr_kp_shape;

/*@
  // What kp.c's shape computation establishes, in two parts so that a goal
  // that needs only the lengths does not carry the quantified layer facts:
  // the workspace holds FA's scratch, dW and db one after the other; every
  // W_l lies inside W_len doubles and every B_l inside B_len. Values, not
  // pointers: kp.c keeps the shape in non-addressed locals, which WP treats
  // as pure logic values.
  predicate kp_lens_ok(cr_kp_shape s) =
    1 <= s.depth <= CR_MAX_DEPTH && s.fa_work >= 1 &&
    s.work_len == s.fa_work + s.W_len + s.b_len;

  predicate kp_layers_ok(cr_kp_shape s) =
    (\forall integer l; 1 <= l <= s.depth ==>
       s.sz[l] == s.n[l] * s.n[l - 1] && s.woff[l] + s.sz[l] <= s.W_len) &&
    (\forall integer l; 2 <= l <= s.depth ==> s.foff[l] + s.sz[l] <= s.B_len);
*/

#endif
