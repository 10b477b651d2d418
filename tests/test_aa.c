// test_aa.c: activation alignment (spec/rules/aa.md AA-REG-1, AA-IN-1,
// AA-ID-1, AA-ID-2, AA-CLAIM-1; the step of spec/rules/align.md
// ALIGN-STEP-1..5), through cr_aa_step.
//
// The shared checks of a Kunin step are in align_step.h (the first step of
// every network of the catalogue against cr_fa_grad and cr_align_prims, bit
// for bit; a trajectory fed its own outputs; every status; guard cells,
// inputs unchanged, outputs untouched on error). This file adds:
//   - AA-ID-2: with alpha = beta / 2 and B = W^T, G = 0 exactly: B unchanged
//     and the step is backpropagation's, bit for bit;
//   - AA-ID-1 / AA-CLAIM-1: with W and the layer inputs held fixed (a
//     network whose task gradient is exactly 0) and Sigma of full rank,
//     iterating cr_aa_step converges to the B* that GSL's LU solve of
//     Sigma (2 alpha B - beta W^T) = 0 gives, within the bound derived at
//     check_fixed_point.
#include "align_step.h"

// AA-ID-1 on layer 2 of an identity network 4-4-3 (W = W_2, 3 x 4; B = B_2,
// 4 x 3; the layer inputs x_n = h_1 of the N samples, Sigma = (1/N) sum x x^T
// of full rank 4).
//
// Convergence. The exact step is B' = B - eta_B Sigma (2 alpha B - beta W^T),
// so e = B - B* (B* = (beta / 2 alpha) W^T) obeys e' = (I - 2 eta_B alpha
// Sigma) e and |e'|_F <= rho |e|_F with rho = max_i |1 - 2 eta_B alpha
// lambda_i(Sigma)| (eta_B is chosen here as 1 / (alpha (lambda_min +
// lambda_max)), which makes rho = (kappa - 1) / (kappa + 1)). ref/ forms
// d_sparse = (2/N) sum x q^T and d_amp = -(1/N) sum x p^T per sample
// (ALIGN-TOL-1: chains a + N + 2, a = 4), then G = alpha d_sparse + beta
// d_amp (coefficient and sum: 2 more), eta_B G and B - eta_B G. To first
// order its B' differs from the exact step's by at most, entry by entry,
//   eps = eta_B gamma_{a+N+4} (alpha Gs + beta Ga) + u eta_B |G| + u |B'|,
// with Gs = 2 Sigma_a |B| and Ga = Sigma_a |W|^T the same sums on absolute
// values (Sigma_a = (1/N) sum |x||x|^T). So after K steps
//   |B_K - B*|_F <= rho^K |B_0 - B*|_F + E_K,  E_{k+1} = rho E_k + |eps_k|_F.
// The GSL route. A = fl(2 alpha Sigma_g) and Y = fl(beta Sigma_g W^T)
// (Sigma_g = GSL's Sigma, dgemm), B*_gsl = A^{-1} Y by LU. The exact
// B* = (beta / 2 alpha) W^T solves (2 alpha Sigma_g) B = beta Sigma_g W^T for
// any invertible Sigma_g, so with A = 2 alpha Sigma_g + E (|E| <= u |A|) and
// Y = beta Sigma_g W^T + F (|F| <= gamma_{a+1} beta Sigma_ga |W|^T):
//   |B*_gsl - B*|_F <= as_solve_bound(A, Y, B*_gsl)
//                      + (|F|_F + u | |A||B*| |_F) / lambda_min(A).
// The test requires |B_K - B*_gsl|_F <= rho^K |B_0 - B*|_F + E_K + that bound.
typedef struct {
	double ratio, err_u, gsl_u, rho, kappa;
} fp_fig;

static fp_fig check_fixed_point(gsl_rng *r, double alpha, double beta, size_t N, size_t *Kp,
                                const char *label)
{
	const size_t a = 4, c = 3, nB = a * c;
	tl_problem p;
	as_zero_task(&p, r, 4, a, c, N);
	const double *W2 = p.W + tl_off_W(&p, 2);
	// The layer inputs h_1 of the batch, as ref/ computes them (tl_forward).
	double *ah = as_xmalloc(N * p.b_len * sizeof *ah), *hh = as_xmalloc(N * p.b_len * sizeof *hh);
	tl_forward(&p, p.W, p.b, ah, hh);
	const double *X = hh + N * tl_off_b(&p, 1); // N x a
	gsl_matrix *S = gsl_matrix_alloc(a, a), *Sa = gsl_matrix_alloc(a, a);
	as_sigma(X, N, a, S, Sa);
	double lmin, lmax;
	as_eig_range(S, &lmin, &lmax);
	const double eta_B = 1.0 / (alpha * (lmin + lmax));
	double rho = fmax(fabs(1.0 - 2.0 * eta_B * alpha * lmin), fabs(1.0 - 2.0 * eta_B * alpha * lmax));
	// Enough steps for rho^K < 1e-22: the start is forgotten, only rounding
	// is left.
	size_t K = (size_t)ceil(log(1e-22) / log(rho));
	*Kp = K;
	as_hyper hp = {0.0731, eta_B, alpha, beta, 0.0};
	double *Bs = as_xmalloc((K + 1) * nB * sizeof *Bs);
	as_iterate(AS_AA, &p, hp, K, Bs, label);

	// B*_gsl from GSL's LU, and its bound.
	gsl_matrix_const_view Wv = gsl_matrix_const_view_array(W2, c, a);
	gsl_matrix *A = gsl_matrix_alloc(a, a), *Y = gsl_matrix_alloc(a, c), *Bst = gsl_matrix_alloc(a, c);
	gsl_matrix *aW = gsl_matrix_alloc(c, a), *F = gsl_matrix_alloc(a, c);
	gsl_matrix_memcpy(A, S);
	gsl_matrix_scale(A, 2.0 * alpha);
	gsl_blas_dgemm(CblasNoTrans, CblasTrans, beta, S, &Wv.matrix, 0.0, Y);
	as_solve(A, Y, Bst);
	double Alo, Ahi;
	as_eig_range(A, &Alo, &Ahi);
	for (size_t i = 0; i < c * a; i++)
		aW->data[i] = fabs(W2[i]);
	gsl_matrix *aS = gsl_matrix_alloc(a, a);
	for (size_t i = 0; i < a * a; i++)
		aS->data[i] = fabs(S->data[i]);
	gsl_blas_dgemm(CblasNoTrans, CblasTrans, beta, aS, aW, 0.0, F);
	double kF = (double)(a + 1), gF = kF * TL_U / (1.0 - kF * TL_U), nF = 0.0, nE = 0.0;
	for (size_t i = 0; i < a; i++)
		for (size_t j = 0; j < c; j++) {
			double f = gF * gsl_matrix_get(F, i, j), e = 0.0;
			for (size_t k = 0; k < a; k++)
				e += TL_U * fabs(gsl_matrix_get(A, i, k)) * fabs(gsl_matrix_get(Bst, k, j));
			nF += f * f;
			nE += e * e;
		}
	double gsl_err = as_solve_bound(A, Y, Bst, Alo) + (sqrt(nF) + sqrt(nE)) / Alo;

	// The convergence bound E_K.
	const double kk = (double)(a + N + 4), gk = kk * TL_U / (1.0 - kk * TL_U);
	double EK = 0.0;
	gsl_matrix *Gs = gsl_matrix_alloc(a, c), *Ga = gsl_matrix_alloc(a, c), *G = gsl_matrix_alloc(a, c);
	gsl_matrix *aB = gsl_matrix_alloc(a, c), *D = gsl_matrix_alloc(a, c);
	gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, Sa, aW, 0.0, Ga);
	for (size_t k = 0; k < K; k++) {
		const double *B = Bs + k * nB, *B1 = Bs + (k + 1) * nB;
		for (size_t i = 0; i < nB; i++) {
			aB->data[i] = fabs(B[i]);
			D->data[i] = 2.0 * alpha * B[i];
		}
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 2.0, Sa, aB, 0.0, Gs);
		// G = Sigma (2 alpha B - beta W^T), for the u |G| term only.
		for (size_t i = 0; i < a; i++)
			for (size_t j = 0; j < c; j++)
				gsl_matrix_set(D, i, j, gsl_matrix_get(D, i, j) - beta * W2[j * a + i]);
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, S, D, 0.0, G);
		double ee = 0.0;
		for (size_t i = 0; i < nB; i++) {
			double e = eta_B * gk * (alpha * Gs->data[i] + beta * Ga->data[i]) +
			           TL_U * eta_B * fabs(G->data[i]) + TL_U * fabs(B1[i]);
			ee += e * e;
		}
		EK = rho * EK + sqrt(ee);
	}
	const double *BK = Bs + K * nB;
	double e0 = as_dist(Bs, Bst->data, nB), eK = as_dist(BK, Bst->data, nB);
	double bound = pow(rho, (double)K) * (e0 + gsl_err) + EK + gsl_err;
	fp_fig f;
	f.ratio = eK / bound;
	f.err_u = eK / (TL_U * as_norm(Bst->data, nB));
	f.rho = rho;
	f.kappa = lmax / lmin;
	// The GSL solution against the closed form (beta / 2 alpha) W^T.
	double *Bc = as_xmalloc(nB * sizeof *Bc);
	for (size_t i = 0; i < a; i++)
		for (size_t j = 0; j < c; j++)
			Bc[i * c + j] = beta / (2.0 * alpha) * W2[j * a + i];
	f.gsl_u = as_dist(Bst->data, Bc, nB) / (TL_U * as_norm(Bc, nB));
	gsl_test(!(eK <= bound), "%s: |B_K - B*_gsl|_F = %.3g > bound %.3g (AA-ID-1)", label, eK, bound);
	gsl_test(!(as_dist(Bst->data, Bc, nB) <= 2.0 * gsl_err + 4.0 * TL_U * as_norm(Bc, nB)),
	         "%s: GSL's B* %.3g from (beta / 2 alpha) W^T, bound %.3g", label,
	         as_dist(Bst->data, Bc, nB), gsl_err);
	free(Bc);
	gsl_matrix_free(Gs); gsl_matrix_free(Ga); gsl_matrix_free(G); gsl_matrix_free(aB);
	gsl_matrix_free(D); gsl_matrix_free(A); gsl_matrix_free(Y); gsl_matrix_free(Bst);
	gsl_matrix_free(aW); gsl_matrix_free(F); gsl_matrix_free(aS); gsl_matrix_free(S);
	gsl_matrix_free(Sa);
	free(ah);
	free(hh);
	free(Bs);
	tl_problem_free(&p);
	return f;
}

int main(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 2021);
	const as_hyper hp = {0.0731, 0.0417, 0.381, 0.619, 0.0};
	as_check_all(AS_AA, r, hp);

	// AA-ID-2 on every network of the catalogue: alpha = beta / 2 exactly.
	size_t depth, widths[TL_MAX_L + 1], batch;
	cr_act acts[TL_MAX_L];
	int loss;
	char name[96], label[160];
	const as_hyper id = {0.0731, 0.0417, 0.3095, 0.619, 0.0};
	for (size_t i = 0; tl_catalog(i, &depth, widths, acts, &loss, &batch, name, sizeof name); i++) {
		tl_problem p;
		tl_problem_init(&p, r, TL_FA, depth, widths, acts, loss, batch);
		snprintf(label, sizeof label, "aa %s, AA-ID-2", name);
		as_check_identity(AS_AA, &p, r, id, 3, label);
		tl_problem_free(&p);
	}

	// AA-ID-1 / AA-CLAIM-1: B* = 0.8125 W^T and (alpha = beta / 2) W^T.
	const struct { double alpha, beta; size_t N; } fp[3] = {
		{0.381, 0.619, 12}, {0.3095, 0.619, 7}, {0.381, 0.619, 40}};
	for (int i = 0; i < 3; i++) {
		snprintf(label, sizeof label, "aa AA-ID-1 alpha %g beta %g N %zu", fp[i].alpha, fp[i].beta,
		         fp[i].N);
		size_t K;
		fp_fig f = check_fixed_point(r, fp[i].alpha, fp[i].beta, fp[i].N, &K, label);
		printf("test_aa: AA-ID-1 alpha %g beta %g N %zu: kappa(Sigma) %.3g, rho %.4g; "
		       "|B_%zu - B*_gsl|_F = %.3g u |B*|_F, worst ratio to the bound %.3g; "
		       "|B*_gsl - (beta / 2 alpha) W^T|_F = %.3g u |B*|_F\n", fp[i].alpha, fp[i].beta,
		       fp[i].N, f.kappa, f.rho, K, f.err_u, f.ratio, f.gsl_u);
	}
	gsl_rng_free(r);
	return gsl_test_summary();
}
