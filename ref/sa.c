// sa.c: symmetric alignment, spec/rules/sa.md (SA-REG-1, SA-IN-1; the step
// is ALIGN-STEP-1..5 of spec/rules/align.md, run by align.c).
//
// R_l = alpha decay + beta self, so G_l = alpha (2 B_l) + beta (-W_l^T). With
// alpha = beta / 2 and B_l = W_l^T the two products are the roundings of the
// same real number with opposite signs and G_l = 0 exactly (SA-ID-2).
#include "sa.h"
#include "align.h"

void cr_sa_combine(size_t n, double alpha, const double *d_decay, double beta,
                   const double *d_self, double *G)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, G[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		G[i] = alpha * d_decay[i] + beta * d_self[i];
}

// SA's gamma: the regulariser has two terms; 0 is in the domain of
// ALIGN-STEP-4, so the shared check of the driver accepts it.
/*@ assigns \nothing; */
static double no_gamma(void)
{
	return 0.0;
}

cr_status cr_sa_step(const cr_net *net, size_t batch, double eta, double eta_B, double alpha,
                     double beta, const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *B, size_t B_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *W_next, size_t W_next_len, double *b_next,
                     size_t b_next_len, double *B_next, size_t B_next_len,
                     double *work, size_t work_len)
{
	return cr_align_step(net, batch, CR_ALIGN_SA, eta, eta_B, alpha, beta, no_gamma(), W, W_len,
	                     b, b_len, B, B_len, x, x_len, t, t_len, loss, W_next, W_next_len, b_next,
	                     b_next_len, B_next, B_next_len, work, work_len);
}
