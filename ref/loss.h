// loss.h: the per-sample losses and their gradients (spec/notation.md,
// NOT-LOSS-1 .. NOT-LOSS-3). Level-1 kernel: the kind is a precondition; the
// entry points report unknown_loss before any kernel runs.
#ifndef CR_LOSS_H
#define CR_LOSS_H

#include <stddef.h>

#include "credit.h"

// Returns the loss l(y, t) of one sample and writes e = dl/dy.
//   mse (NOT-LOSS-1):        l = 1/2 sum_k (y_k - t_k)^2,  e_k = y_k - t_k;
//   softmax_ce (NOT-LOSS-2): l = sum_k t_k (lse - y_k),    e_k = tau p_k - t_k,
//     with m = max y, s = sum_k e^{y_k - m}, lse = m + log s,
//     p_k = e^{y_k - m} / s and tau = sum_k t_k.
//   y [n]  t [n]  e [n]
/*@
  requires kind: 0 <= kind < CR_LOSS_COUNT;
  requires nonempty: n >= 1;
  requires valid_y: \valid_read(y + (0 .. n - 1));
  requires valid_t: \valid_read(t + (0 .. n - 1));
  requires valid_e: \valid(e + (0 .. n - 1));
  requires separated: \separated(e + (0 .. n - 1), \union(y + (0 .. n - 1), t + (0 .. n - 1)));
  assigns e[0 .. n - 1];
*/
double cr_loss_eval(int kind, size_t n, const double *y, const double *t, double *e);

#endif
