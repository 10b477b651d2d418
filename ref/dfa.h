// dfa.h: the delta kernel of direct feedback alignment (spec/rules/dfa.md).
#ifndef CR_DFA_H
#define CR_DFA_H

#include <stddef.h>
#include <stdint.h>

#include "credit.h"

// delta_l = f'_l(a_l) o (D_l delta_L): the output-layer delta reaches hidden
// layer l directly through D_l (n_l x n_L, NOT-FB-2).
//   Dl [n_l * n_L]  dL [n_L]  a, h, dl [n_l]
/*@
  requires kind: 0 <= kind < CR_ACT_COUNT;
  requires size: n_l * n_L <= SIZE_MAX;
  requires valid_D: \valid_read(Dl + (0 .. n_l * n_L - 1));
  requires valid_dL: \valid_read(dL + (0 .. n_L - 1));
  requires valid_a: \valid_read(a + (0 .. n_l - 1));
  requires valid_h: \valid_read(h + (0 .. n_l - 1));
  requires valid_dl: \valid(dl + (0 .. n_l - 1));
  requires separated: \separated(dl + (0 .. n_l - 1),
                                 \union(Dl + (0 .. n_l * n_L - 1), dL + (0 .. n_L - 1),
                                        a + (0 .. n_l - 1), h + (0 .. n_l - 1)));
  assigns dl[0 .. n_l - 1];
*/
void cr_dfa_delta(size_t n_l, size_t n_L, const double *Dl, const double *dL,
                  int kind, double slope, const double *a, const double *h, double *dl);

#endif
