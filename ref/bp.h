// bp.h: the delta kernel of backpropagation (spec/rules/bp.md).
#ifndef CR_BP_H
#define CR_BP_H

#include <stddef.h>
#include <stdint.h>

#include "credit.h"

// delta_{l-1} = f'_{l-1}(a_{l-1}) o (W_l^T delta_l): the feedback matrix of
// layer l is the transpose of its weights (NOT-FB-1).
//   Wl [n_l * n_p]  dl [n_l]  a, h, dp [n_p]   (n_p = n_{l-1})
/*@
  requires kind: 0 <= kind < CR_ACT_COUNT;
  requires size: n_l * n_p <= SIZE_MAX;
  requires valid_W: \valid_read(Wl + (0 .. n_l * n_p - 1));
  requires valid_d: \valid_read(dl + (0 .. n_l - 1));
  requires valid_a: \valid_read(a + (0 .. n_p - 1));
  requires valid_h: \valid_read(h + (0 .. n_p - 1));
  requires valid_dp: \valid(dp + (0 .. n_p - 1));
  requires separated: \separated(dp + (0 .. n_p - 1),
                                 \union(Wl + (0 .. n_l * n_p - 1), dl + (0 .. n_l - 1),
                                        a + (0 .. n_p - 1), h + (0 .. n_p - 1)));
  assigns dp[0 .. n_p - 1];
*/
void cr_bp_delta(size_t n_l, size_t n_p, const double *Wl, const double *dl,
                 int kind, double slope, const double *a, const double *h, double *dp);

#endif
