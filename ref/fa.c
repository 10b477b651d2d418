// fa.c: feedback alignment, spec/rules/fa.md.
#include "fa.h"
#include "act.h"
#include "linalg.h"
#include "net.h"

void cr_fa_delta(size_t n_l, size_t n_p, const double *Bl, const double *dl,
                 int kind, double slope, const double *a, const double *h, double *dp)
{
	// delta_{l-1} = f'(a_{l-1}) o (B_l delta_l)
	cr_linalg_gemv(n_p, n_l, Bl, dl, dp);
	cr_act_deriv_mul(kind, slope, n_p, a, h, dp);
}

cr_status cr_fa_grad(const cr_net *net, size_t batch,
                     const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *B, size_t B_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *dW, size_t dW_len, double *db, size_t db_len,
                     double *work, size_t work_len)
{
	// B = [B_2 | ... | B_L] (NOT-FB-3) is checked by the shared validation:
	// NULL only when empty, B_len = sum_{l>=2} n_{l-1} n_l, every entry finite.
	cr_args args = {W, W_len, b, b_len, B, B_len, NULL, 0, x, x_len, t, t_len,
	                loss, dW, dW_len, db, db_len, work, work_len};
	return cr_net_grad(net, batch, CR_RULE_FA, &args);
}
