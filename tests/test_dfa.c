// test_dfa.c: direct feedback alignment (spec/rules/dfa.md; spec/notation.md
// NOT-FB-2, NOT-FB-3, NOT-RED-2, NOT-TOL-*).
//
// Expected values come from identities, not from ref/:
//   - depth 2 with D_1 = W_2^T: delta_1 = f'(a_1) o (D_1 delta_2) is the same
//     sequence of operations as backpropagation's f'(a_1) o (W_2^T delta_2)
//     (the same products, summed over the same index in the same order), so
//     loss, dW and db equal cr_bp_grad's bit for bit, for every activation;
//   - at any depth, D_{L-1} = W_L^T makes layer L-1 equal BP's bit for bit
//     by the same argument, and the loss and layer L never involve D;
//   - delta_l = f'(a_l) o (D_l delta_L) is linear in D_l and involves no other
//     D: doubling D_l doubles dW_l and db_l exactly and changes nothing else;
//   - a linear network (identity activations) with D_l = W_{l+1}^T ... W_L^T,
//     the product formed here, equals BP up to rounding: see check_linear.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

// Offset of D_l (1 <= l <= L-1) in D: D_k is n_k x n_L.
static size_t off_D(const tl_problem *p, size_t l)
{
	size_t off = 0;
	for (size_t k = 1; k < l; k++)
		off += p->widths[k] * p->widths[p->depth];
	return off;
}

// D_{L-1} = W_L^T, written into D.
static void set_last_D(const tl_problem *p, double *D)
{
	size_t L = p->depth, r = p->widths[L], c = p->widths[L - 1];
	const double *WL = p->W + tl_off_W(p, L);
	double *DL = D + off_D(p, L - 1);
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < c; j++)
			DL[j * r + i] = WL[i * c + j];
}

static void check_identities(const tl_problem *p, const char *name)
{
	char label[200];
	size_t L = p->depth;
	snprintf(label, sizeof label, "dfa %s D_{L-1}=W_L^T", name);
	tl_problem q = *p;
	q.F = malloc((p->F_len + 1) * sizeof(double));
	if (p->F_len)
		memcpy(q.F, p->F, p->F_len * sizeof(double));
	if (L >= 2)
		set_last_D(p, q.F);
	tl_call dfa, bp;
	tl_call_init(&dfa, &q, TL_DFA, label);
	tl_call_init(&bp, &q, TL_BP, label);
	tl_call_expect(&dfa, CR_OK, "dfa");
	tl_call_expect(&bp, CR_OK, "bp");
	// Layers L-1 and L (all of them at depth 1 and 2) equal BP's.
	size_t from = L >= 2 ? L - 1 : 1;
	size_t oW = tl_off_W(p, from), ob = tl_off_b(p, from);
	tl_check_bits(label, "loss (vs bp)", dfa.loss, bp.loss, 1);
	tl_check_bits(label, "dW_{L-1..L} (vs bp)", dfa.dW + oW, bp.dW + oW, p->W_len - oW);
	tl_check_bits(label, "db_{L-1..L} (vs bp)", dfa.db + ob, bp.db + ob, p->b_len - ob);

	// Doubling D_l doubles layer l's gradients only.
	for (size_t l = 1; l + 1 <= L; l++) {
		tl_problem s = q;
		s.F = malloc(p->F_len * sizeof(double));
		memcpy(s.F, q.F, p->F_len * sizeof(double));
		size_t nD = p->widths[l] * p->widths[L], oD = off_D(p, l);
		for (size_t i = 0; i < nD; i++)
			s.F[oD + i] *= 2.0;
		char lab2[240];
		snprintf(lab2, sizeof lab2, "%s, D_%zu doubled", label, l);
		tl_call d2;
		tl_call_init(&d2, &s, TL_DFA, lab2);
		tl_call_expect(&d2, CR_OK, "dfa");
		double *expW = malloc(p->W_len * sizeof(double)), *expb = malloc(p->b_len * sizeof(double));
		size_t w0 = tl_off_W(p, l), w1 = tl_off_W(p, l + 1);
		size_t b0 = tl_off_b(p, l), b1 = tl_off_b(p, l + 1);
		for (size_t i = 0; i < p->W_len; i++)
			expW[i] = (i >= w0 && i < w1) ? 2.0 * dfa.dW[i] : dfa.dW[i];
		for (size_t i = 0; i < p->b_len; i++)
			expb[i] = (i >= b0 && i < b1) ? 2.0 * dfa.db[i] : dfa.db[i];
		tl_check_bits(lab2, "dW", d2.dW, expW, p->W_len);
		tl_check_bits(lab2, "db", d2.db, expb, p->b_len);
		free(expW);
		free(expb);
		tl_call_free(&d2);
		free(s.F);
	}
	tl_call_free(&dfa);
	tl_call_free(&bp);
	free(q.F);
}

// A linear network (every activation identity) with D_l = W_{l+1}^T ... W_L^T.
// Both rules compute, from the same bits of delta_L (same forward pass and
// output error, checked bitwise), the same exact value
// delta_l = W_{l+1}^T ... W_L^T delta_L: BP as L - l matrix-vector products,
// DFA as one product with D_l, itself formed here by L - l - 1 matrix
// products. By the standard bound for products (each inner product of length
// m errs by at most gamma_m |A||B|), each side errs by at most
// (sum_{k>l} n_k + 1) u |W_{l+1}^T| ... |W_L^T| |delta_L| to first order; the
// product with h_{l-1} and the batch mean add N + 1 roundings. With
// G_ij = (1/N) sum_n (|W_{l+1}^T| ... |W_L^T| |delta_L^n|)_i |h_{l-1,j}^n|
// (without the h factor for db) the difference is therefore below
// 2 (S + N + 2) u G <= k_grad u G, k_grad of NOT-TOL-2.
static void check_linear(gsl_rng *r, size_t depth, int loss)
{
	const size_t w[5] = {3, 4, 5, 3, 2};
	cr_act acts[4];
	for (size_t l = 0; l < 4; l++)
		acts[l] = (cr_act){CR_ACT_IDENTITY, 0};
	tl_problem p;
	tl_problem_init(&p, r, TL_DFA, depth, w, acts, loss, 3);
	size_t L = depth, nL = p.widths[L], N = p.batch;
	// D_{L-1} = W_L^T, then D_l = W_{l+1}^T D_{l+1}.
	set_last_D(&p, p.F);
	for (size_t l = L - 1; l-- > 1;) {
		size_t r1 = p.widths[l + 1], c1 = p.widths[l];
		const double *Wn = p.W + tl_off_W(&p, l + 1);  // n_{l+1} x n_l
		const double *Dn = p.F + off_D(&p, l + 1);     // n_{l+1} x n_L
		double *Dl = p.F + off_D(&p, l);               // n_l x n_L
		for (size_t i = 0; i < c1; i++)
			for (size_t k = 0; k < nL; k++) {
				double s = 0.0;
				for (size_t m = 0; m < r1; m++)
					s += Wn[m * c1 + i] * Dn[m * nL + k];
				Dl[i * nL + k] = s;
			}
	}
	char label[160];
	snprintf(label, sizeof label, "dfa linear L=%zu %s, D_l = W_{l+1}^T..W_L^T", depth,
	         loss == CR_LOSS_MSE ? "mse" : "softmax_ce");
	tl_call dfa, bp;
	tl_call_init(&dfa, &p, TL_DFA, label);
	tl_call_init(&bp, &p, TL_BP, label);
	tl_call_expect(&dfa, CR_OK, "dfa");
	tl_call_expect(&bp, CR_OK, "bp");
	tl_check_bits(label, "loss (vs bp)", dfa.loss, bp.loss, 1);

	// The gauge, from a forward pass and output error computed here.
	size_t na = N * p.b_len;
	double *a = malloc(na * sizeof *a), *h = malloc(na * sizeof *h);
	tl_forward(&p, p.W, p.b, a, h);
	double S = 0;
	for (size_t l = 0; l <= L; l++)
		S += (double)p.widths[l];
	double k_grad = 2.0 * (2.0 * S + (double)N + 10.0 * (double)(L + 1));
	for (size_t l = 1; l < L; l++) {
		size_t nl = p.widths[l], np = p.widths[l - 1];
		double *GW = calloc(nl * np, sizeof *GW), *Gb = calloc(nl, sizeof *Gb);
		for (size_t n = 0; n < N; n++) {
			// |delta_L| of sample n (NOT-LOSS-1/2, identity output).
			double v[8], u2[8];
			const double *y = h + N * tl_off_b(&p, L) + n * nL, *t = p.t + n * nL;
			double m = y[0], s = 0, tau = 0;
			for (size_t k = 1; k < nL; k++)
				m = y[k] > m ? y[k] : m;
			for (size_t k = 0; k < nL; k++) {
				s += exp(y[k] - m);
				tau += t[k];
			}
			for (size_t k = 0; k < nL; k++)
				v[k] = fabs(loss == CR_LOSS_MSE ? y[k] - t[k] : tau * exp(y[k] - m) / s - t[k]);
			// v <- |W_k|^T v for k = L .. l+1.
			size_t nv = nL;
			for (size_t k = L; k > l; k--) {
				size_t rk = p.widths[k], ck = p.widths[k - 1];
				const double *Wk = p.W + tl_off_W(&p, k);
				for (size_t j = 0; j < ck; j++) {
					u2[j] = 0;
					for (size_t i = 0; i < rk; i++)
						u2[j] += fabs(Wk[i * ck + j]) * v[i];
				}
				nv = ck;
				memcpy(v, u2, nv * sizeof *v);
			}
			const double *hp = l == 1 ? p.x + n * np : h + N * tl_off_b(&p, l - 1) + n * np;
			for (size_t i = 0; i < nl; i++) {
				Gb[i] += v[i] / (double)N;
				for (size_t j = 0; j < np; j++)
					GW[i * np + j] += v[i] * fabs(hp[j]) / (double)N;
			}
		}
		size_t oW = tl_off_W(&p, l), ob = tl_off_b(&p, l);
		for (size_t i = 0; i < nl * np; i++)
			tl_check(label, "dW", oW + i, dfa.dW[oW + i], bp.dW[oW + i], k_grad * TL_U * GW[i]);
		for (size_t i = 0; i < nl; i++)
			tl_check(label, "db", ob + i, dfa.db[ob + i], bp.db[ob + i], k_grad * TL_U * Gb[i]);
		free(GW);
		free(Gb);
	}
	size_t oW = tl_off_W(&p, L), ob = tl_off_b(&p, L);
	tl_check_bits(label, "dW_L (vs bp)", dfa.dW + oW, bp.dW + oW, p.W_len - oW);
	tl_check_bits(label, "db_L (vs bp)", dfa.db + ob, bp.db + ob, p.b_len - ob);
	free(a);
	free(h);
	tl_call_free(&dfa);
	tl_call_free(&bp);
	tl_problem_free(&p);
}

// Depth 1: no direct feedback (NOT-FB-2); D may be NULL, D_len must be 0.
static void check_depth1(gsl_rng *r)
{
	const size_t w[2] = {3, 2};
	const cr_act acts[1] = {{CR_ACT_LOGISTIC, 0}};
	tl_problem p;
	tl_problem_init(&p, r, TL_DFA, 1, w, acts, CR_LOSS_SOFTMAX_CE, 2);
	tl_call dfa, bp;
	tl_call_init(&dfa, &p, TL_DFA, "dfa depth 1, D NULL");
	tl_call_init(&bp, &p, TL_BP, "dfa depth 1, D NULL");
	tl_call_expect(&dfa, CR_OK, "D = NULL, D_len = 0");
	tl_call_expect(&bp, CR_OK, "bp");
	gsl_test(!tl_same_bits(&dfa, &bp), "dfa depth 1 must equal bp bit for bit");
	tl_call_free(&dfa);
	double one[1] = {0.625};
	tl_call_init(&dfa, &p, TL_DFA, "dfa depth 1, D_len 1");
	dfa.F = one;
	dfa.F_len = 1;
	tl_call_expect(&dfa, CR_ERR_SIZE_MISMATCH, "D_len = 1 at depth 1");
	tl_call_free(&dfa);
	tl_call_free(&bp);
	tl_problem_free(&p);
}

// Sizes that only the direct feedback overflows: with widths 1, 2^40, 1,
// 2^40 every W_l fits but D_1 (n_1 x n_L) does not; with 1, 3, 3, 2^62 each
// D_l fits but D_1 + D_2 does not (64-bit size_t).
static void check_sizes(gsl_rng *r)
{
	if (SIZE_MAX >> 63 == 0)
		return;
	const size_t w[4] = {1, 2, 2, 2};
	const cr_act acts[3] = {{CR_ACT_TANH, 0}, {CR_ACT_TANH, 0}, {CR_ACT_IDENTITY, 0}};
	tl_problem p;
	tl_problem_init(&p, r, TL_DFA, 3, w, acts, CR_LOSS_MSE, 1);
	const size_t big[2][4] = {{1, (size_t)1 << 40, 1, (size_t)1 << 40},
	                          {1, 3, 3, (size_t)1 << 62}};
	for (int k = 0; k < 2; k++) {
		tl_call c;
		tl_call_init(&c, &p, TL_DFA, "dfa size too large");
		c.net.widths = big[k];
		tl_call_expect(&c, CR_ERR_SIZE, k ? "D_1 + D_2 overflows" : "n_1 n_L overflows");
		tl_call_free(&c);
	}
	tl_problem_free(&p);
}

int main(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 1609);
	size_t depth, widths[TL_MAX_L + 1], batch;
	cr_act acts[TL_MAX_L];
	int loss;
	char name[96];
	for (size_t i = 0; tl_catalog(i, &depth, widths, acts, &loss, &batch, name, sizeof name); i++) {
		tl_problem p;
		tl_problem_init(&p, r, TL_DFA, depth, widths, acts, loss, batch);
		check_identities(&p, name);
		tl_problem_free(&p);
	}
	for (size_t d = 2; d <= 4; d++)
		for (int loss2 = 0; loss2 < CR_LOSS_COUNT; loss2++)
			for (int rep = 0; rep < 3; rep++)
				check_linear(r, d, loss2);
	check_depth1(r);
	check_sizes(r);
	gsl_rng_free(r);
	return gsl_test_summary();
}
