// ss.h: the delta kernels of sign symmetry (spec/rules/ss.md).
#ifndef CR_SS_H
#define CR_SS_H

#include <stddef.h>
#include <stdint.h>

#include "credit.h"

// delta_{l-1} = f'_{l-1}(a_{l-1}) o (B_l delta_l) with
// B_l = (|M_l| o sign(W_l))^T formed on the fly, sign(0) = 0 (frSF, brSF).
//   Wl, Ml [n_l * n_p]  dl [n_l]  a, h, dp [n_p]   (n_p = n_{l-1})
/*@
  requires kind: 0 <= kind < CR_ACT_COUNT;
  requires size: n_l * n_p <= SIZE_MAX;
  requires valid_W: \valid_read(Wl + (0 .. n_l * n_p - 1));
  requires valid_M: \valid_read(Ml + (0 .. n_l * n_p - 1));
  requires valid_d: \valid_read(dl + (0 .. n_l - 1));
  requires valid_a: \valid_read(a + (0 .. n_p - 1));
  requires valid_h: \valid_read(h + (0 .. n_p - 1));
  requires valid_dp: \valid(dp + (0 .. n_p - 1));
  requires separated: \separated(dp + (0 .. n_p - 1),
                                 \union(Wl + (0 .. n_l * n_p - 1), Ml + (0 .. n_l * n_p - 1),
                                        dl + (0 .. n_l - 1), a + (0 .. n_p - 1), h + (0 .. n_p - 1)));
  assigns dp[0 .. n_p - 1];
*/
void cr_ss_delta_mag(size_t n_l, size_t n_p, const double *Wl, const double *Ml,
                     const double *dl, int kind, double slope, const double *a,
                     const double *h, double *dp);

// As cr_ss_delta_mag with every magnitude |M_l,ij| equal to |c| (uSF).
//   Wl [n_l * n_p]  dl [n_l]  a, h, dp [n_p]
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
void cr_ss_delta_uniform(size_t n_l, size_t n_p, const double *Wl, double c,
                         const double *dl, int kind, double slope, const double *a,
                         const double *h, double *dp);

#endif
