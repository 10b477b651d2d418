// ia.c: information alignment, spec/rules/ia.md (IA-REG-1, IA-IN-1; the step
// is ALIGN-STEP-1..5 of spec/rules/align.md, run by align.c).
//
// R_l = alpha amp + beta null + gamma decay on the layer inputs x_n = h_{l-1}
// of the batch, so G_l = alpha (-(1/N) sum_n x_n p_n^T)
// + beta ((2/N) sum_n r_n p_n^T) + gamma (2 B_l): three products rounded,
// then summed left to right.
#include "ia.h"
#include "align.h"

void cr_ia_combine(size_t n, double alpha, const double *d_amp, double beta,
                   const double *d_null, double gamma, const double *d_decay, double *G)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, G[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		G[i] = alpha * d_amp[i] + beta * d_null[i] + gamma * d_decay[i];
}

cr_status cr_ia_step(const cr_net *net, size_t batch, double eta, double eta_B, double alpha,
                     double beta, double gamma, const double *W, size_t W_len, const double *b,
                     size_t b_len, const double *B, size_t B_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *W_next, size_t W_next_len, double *b_next,
                     size_t b_next_len, double *B_next, size_t B_next_len,
                     double *work, size_t work_len)
{
	return cr_align_step(net, batch, CR_ALIGN_IA, eta, eta_B, alpha, beta, gamma, W, W_len, b,
	                     b_len, B, B_len, x, x_len, t, t_len, loss, W_next, W_next_len, b_next,
	                     b_next_len, B_next, B_next_len, work, work_len);
}
