// act.h: activation functions and their derivatives (spec/notation.md,
// NOT-ACT-1 .. NOT-ACT-7). Level-1 kernels: the kind is a precondition here;
// the entry points check it (unknown_activation) before any kernel runs.
#ifndef CR_ACT_H
#define CR_ACT_H

#include <stddef.h>

#include "credit.h"

// h_i = f(a_i) for the activation `kind` (slope s for leaky relu).
//   a [n]  h [n]
/*@
  requires kind: 0 <= kind < CR_ACT_COUNT;
  requires valid_a: \valid_read(a + (0 .. n - 1));
  requires valid_h: \valid(h + (0 .. n - 1));
  requires separated: \separated(h + (0 .. n - 1), a + (0 .. n - 1));
  assigns h[0 .. n - 1];
*/
void cr_act_apply(int kind, double slope, size_t n, const double *a, double *h);

// v_i = f'(a_i) * v_i, in place, with f' as NOT-ACT-1..5 define it: from
// h = f(a) for tanh and the logistic, from the sign of a for relu and leaky
// relu (relu'(0) = 0, leaky'(0) = s).
//   a [n]  h [n]  v [n]
/*@
  requires kind: 0 <= kind < CR_ACT_COUNT;
  requires valid_a: \valid_read(a + (0 .. n - 1));
  requires valid_h: \valid_read(h + (0 .. n - 1));
  requires valid_v: \valid(v + (0 .. n - 1));
  requires separated: \separated(v + (0 .. n - 1), \union(a + (0 .. n - 1), h + (0 .. n - 1)));
  assigns v[0 .. n - 1];
*/
void cr_act_deriv_mul(int kind, double slope, size_t n, const double *a, const double *h,
                      double *v);

#endif
