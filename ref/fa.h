// fa.h: the delta kernel of feedback alignment (spec/rules/fa.md).
#ifndef CR_FA_H
#define CR_FA_H

#include <stddef.h>
#include <stdint.h>

#include "credit.h"

// delta_{l-1} = f'_{l-1}(a_{l-1}) o (B_l delta_l), with the fixed feedback
// matrix B_l (n_{l-1} x n_l, NOT-FB-1) in place of W_l^T.
//   Bl [n_p * n_l]  dl [n_l]  a, h, dp [n_p]   (n_p = n_{l-1})
/*@
  requires kind: 0 <= kind < CR_ACT_COUNT;
  requires size: n_p * n_l <= SIZE_MAX;
  requires valid_B: \valid_read(Bl + (0 .. n_p * n_l - 1));
  requires valid_d: \valid_read(dl + (0 .. n_l - 1));
  requires valid_a: \valid_read(a + (0 .. n_p - 1));
  requires valid_h: \valid_read(h + (0 .. n_p - 1));
  requires valid_dp: \valid(dp + (0 .. n_p - 1));
  requires separated: \separated(dp + (0 .. n_p - 1),
                                 \union(Bl + (0 .. n_p * n_l - 1), dl + (0 .. n_l - 1),
                                        a + (0 .. n_p - 1), h + (0 .. n_p - 1)));
  assigns dp[0 .. n_p - 1];
*/
void cr_fa_delta(size_t n_l, size_t n_p, const double *Bl, const double *dl,
                 int kind, double slope, const double *a, const double *h, double *dp);

#endif
