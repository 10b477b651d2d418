// dfa.c: direct feedback alignment, spec/rules/dfa.md.
#include "dfa.h"
#include "act.h"
#include "linalg.h"
#include "net.h"

void cr_dfa_delta(size_t n_l, size_t n_L, const double *Dl, const double *dL,
                  int kind, double slope, const double *a, const double *h, double *dl)
{
	// delta_l = f'(a_l) o (D_l delta_L)
	cr_linalg_gemv(n_l, n_L, Dl, dL, dl);
	cr_act_deriv_mul(kind, slope, n_l, a, h, dl);
}

cr_status cr_dfa_grad(const cr_net *net, size_t batch,
                      const double *W, size_t W_len, const double *b, size_t b_len,
                      const double *D, size_t D_len,
                      const double *x, size_t x_len, const double *t, size_t t_len,
                      double *loss, double *dW, size_t dW_len, double *db, size_t db_len,
                      double *work, size_t work_len)
{
	// D = [D_1 | ... | D_{L-1}] (NOT-FB-3) is checked by the shared
	// validation: NULL only when empty, D_len = sum_{l<L} n_l n_L, finite.
	cr_args args = {W, W_len, b, b_len, D, D_len, NULL, 0, x, x_len, t, t_len,
	                loss, dW, dW_len, db, db_len, work, work_len};
	return cr_net_grad(net, batch, CR_RULE_DFA, &args);
}
