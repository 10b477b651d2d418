// ia.h: information alignment, the feedback gradient of Kunin et al.'s IA
// (spec/rules/ia.md IA-REG-1). The entry point, cr_ia_step(), is declared in
// credit.h; the step it runs is align.c's (ALIGN-STEP-*).
#ifndef CR_IA_H
#define CR_IA_H

#include <stddef.h>

// IA-REG-1: G = alpha d_amp + beta d_null + gamma d_decay, entry by entry,
// the three products rounded, then summed left to right (ALIGN-STEP-2).
// d_amp, d_null and d_decay = 2B are the gradients of ALIGN-PRIM-3, -5 and
// -1, laid out as B.
//   d_amp, d_null, d_decay, G [n]
/*@
  requires valid_d: \valid_read(d_amp + (0 .. n - 1)) && \valid_read(d_null + (0 .. n - 1)) &&
                    \valid_read(d_decay + (0 .. n - 1));
  requires valid_G: \valid(G + (0 .. n - 1));
  requires separated: \separated(G + (0 .. n - 1), \union(d_amp + (0 .. n - 1), d_null + (0 .. n - 1),
                                                         d_decay + (0 .. n - 1)));
  assigns G[0 .. n - 1];
*/
void cr_ia_combine(size_t n, double alpha, const double *d_amp, double beta,
                   const double *d_null, double gamma, const double *d_decay, double *G);

#endif
