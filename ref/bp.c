// bp.c: backpropagation, spec/rules/bp.md.
#include "bp.h"
#include "act.h"
#include "linalg.h"
#include "net.h"

void cr_bp_delta(size_t n_l, size_t n_p, const double *Wl, const double *dl,
                 int kind, double slope, const double *a, const double *h, double *dp)
{
	// delta_{l-1} = f'(a_{l-1}) o (W_l^T delta_l)
	cr_linalg_gemv_t(n_l, n_p, Wl, dl, dp);
	cr_act_deriv_mul(kind, slope, n_p, a, h, dp);
}

cr_status cr_bp_grad(const cr_net *net, size_t batch,
                     const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *dW, size_t dW_len, double *db, size_t db_len,
                     double *work, size_t work_len)
{
	// Backpropagation has no feedback arrays of its own.
	cr_args args = {W, W_len, b, b_len, NULL, 0, NULL, 0, x, x_len, t, t_len,
	                loss, dW, dW_len, db, db_len, work, work_len};
	return cr_net_grad(net, batch, CR_RULE_BP, &args);
}
