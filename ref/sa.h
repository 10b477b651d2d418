// sa.h: symmetric alignment, the feedback gradient of Kunin et al.'s SA
// (spec/rules/sa.md SA-REG-1). The entry point, cr_sa_step(), is declared in
// credit.h; the step it runs is align.c's (ALIGN-STEP-*).
#ifndef CR_SA_H
#define CR_SA_H

#include <stddef.h>

// SA-REG-1: G = alpha d_decay + beta d_self, entry by entry, the two products
// rounded, then the sum (ALIGN-STEP-2). d_decay = 2B and d_self = -W^T are
// the gradients of ALIGN-PRIM-1 and -2, laid out as B.
//   d_decay, d_self, G [n]
/*@
  requires valid_d: \valid_read(d_decay + (0 .. n - 1)) && \valid_read(d_self + (0 .. n - 1));
  requires valid_G: \valid(G + (0 .. n - 1));
  requires separated: \separated(G + (0 .. n - 1), \union(d_decay + (0 .. n - 1), d_self + (0 .. n - 1)));
  assigns G[0 .. n - 1];
*/
void cr_sa_combine(size_t n, double alpha, const double *d_decay, double beta,
                   const double *d_self, double *G);

#endif
