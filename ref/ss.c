// ss.c: sign symmetry (uSF, brSF, frSF), spec/rules/ss.md.
#include <math.h>

#include "ss.h"
#include "act.h"
#include "linalg.h"
#include "net.h"

// sign(w) with sign(0) = 0 (torch.sign).
/*@ assigns \nothing; */
static double sign(double w)
{
	return w > 0.0 ? 1.0 : (w < 0.0 ? -1.0 : 0.0);
}

void cr_ss_delta_mag(size_t n_l, size_t n_p, const double *Wl, const double *Ml,
                     const double *dl, int kind, double slope, const double *a,
                     const double *h, double *dp)
{
	// (B_l delta_l)_j = sum_i (|M_ij| sign(W_ij)) delta_i, ascending i: the
	// same sums as cr_linalg_gemv on the explicit B_l.
	cr_linalg_zero(n_p, dp);
	/*@
	  loop invariant bound: 0 <= i <= n_l;
	  loop assigns i, dp[0 .. n_p - 1];
	  loop variant n_l - i;
	*/
	for (size_t i = 0; i < n_l; i++) {
		//@ ghost cr_row_fits(i, n_l, n_p);
		/*@
		  loop invariant bound: 0 <= j <= n_p;
		  loop assigns j, dp[0 .. n_p - 1];
		  loop variant n_p - j;
		*/
		for (size_t j = 0; j < n_p; j++)
			dp[j] += (fabs(Ml[i * n_p + j]) * sign(Wl[i * n_p + j])) * dl[i];
	}
	cr_act_deriv_mul(kind, slope, n_p, a, h, dp);
}

void cr_ss_delta_uniform(size_t n_l, size_t n_p, const double *Wl, double c,
                         const double *dl, int kind, double slope, const double *a,
                         const double *h, double *dp)
{
	double m = fabs(c);
	cr_linalg_zero(n_p, dp);
	/*@
	  loop invariant bound: 0 <= i <= n_l;
	  loop assigns i, dp[0 .. n_p - 1];
	  loop variant n_l - i;
	*/
	for (size_t i = 0; i < n_l; i++) {
		//@ ghost cr_row_fits(i, n_l, n_p);
		/*@
		  loop invariant bound: 0 <= j <= n_p;
		  loop assigns j, dp[0 .. n_p - 1];
		  loop variant n_p - j;
		*/
		for (size_t j = 0; j < n_p; j++)
			dp[j] += (m * sign(Wl[i * n_p + j])) * dl[i];
	}
	cr_act_deriv_mul(kind, slope, n_p, a, h, dp);
}

cr_status cr_ss_grad(const cr_net *net, size_t batch,
                     const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *M, size_t M_len, const double *scale, size_t scale_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *dW, size_t dW_len, double *db, size_t db_len,
                     double *work, size_t work_len)
{
	// M (frSF, brSF) or scale (uSF), exactly one of them for depth >= 2, is
	// checked by the shared validation (invalid_parameter when both or
	// neither are given).
	cr_args args = {W, W_len, b, b_len, M, M_len, scale, scale_len, x, x_len, t, t_len,
	                loss, dW, dW_len, db, db_len, work, work_len};
	return cr_net_grad(net, batch, CR_RULE_SS, &args);
}
