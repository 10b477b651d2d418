// aa.h: activation alignment, the feedback gradient of Kunin et al.'s AA
// (spec/rules/aa.md AA-REG-1). The entry point, cr_aa_step(), is declared in
// credit.h; the step it runs is align.c's (ALIGN-STEP-*).
#ifndef CR_AA_H
#define CR_AA_H

#include <stddef.h>

// AA-REG-1: G = alpha d_sparse + beta d_amp, entry by entry, the two
// products rounded, then the sum (ALIGN-STEP-2). d_sparse and d_amp are the
// gradients of ALIGN-PRIM-4 and -3 on the layer inputs, laid out as B.
//   d_sparse, d_amp, G [n]
/*@
  requires valid_d: \valid_read(d_sparse + (0 .. n - 1)) && \valid_read(d_amp + (0 .. n - 1));
  requires valid_G: \valid(G + (0 .. n - 1));
  requires separated: \separated(G + (0 .. n - 1), \union(d_sparse + (0 .. n - 1), d_amp + (0 .. n - 1)));
  assigns G[0 .. n - 1];
*/
void cr_aa_combine(size_t n, double alpha, const double *d_sparse, double beta,
                   const double *d_amp, double *G);

#endif
