// aa.c: activation alignment, spec/rules/aa.md (AA-REG-1, AA-IN-1; the step
// is ALIGN-STEP-1..5 of spec/rules/align.md, run by align.c).
//
// R_l = alpha sparse + beta amp on the layer inputs x_n = h_{l-1} of the
// batch, so G_l = alpha (2/N) sum_n x_n q_n^T + beta (-(1/N) sum_n x_n p_n^T).
// With alpha = beta / 2 and B_l = W_l^T, q_n and p_n are the same sums in the
// same order (ref/linalg.h: cr_linalg_gemv_t sums like cr_linalg_gemv on the
// transpose), the two means differ by the exact factor 2 and G_l = 0 exactly
// (AA-ID-2).
#include "aa.h"
#include "align.h"

void cr_aa_combine(size_t n, double alpha, const double *d_sparse, double beta,
                   const double *d_amp, double *G)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, G[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		G[i] = alpha * d_sparse[i] + beta * d_amp[i];
}

// AA's gamma: the regulariser has two terms (see sa.c).
/*@ assigns \nothing; */
static double no_gamma(void)
{
	return 0.0;
}

cr_status cr_aa_step(const cr_net *net, size_t batch, double eta, double eta_B, double alpha,
                     double beta, const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *B, size_t B_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *W_next, size_t W_next_len, double *b_next,
                     size_t b_next_len, double *B_next, size_t B_next_len,
                     double *work, size_t work_len)
{
	return cr_align_step(net, batch, CR_ALIGN_AA, eta, eta_B, alpha, beta, no_gamma(), W, W_len,
	                     b, b_len, B, B_len, x, x_len, t, t_len, loss, W_next, W_next_len, b_next,
	                     b_next_len, B_next, B_next_len, work, work_len);
}
