// test_ia.c: information alignment (spec/rules/ia.md IA-REG-1, IA-IN-1,
// IA-ID-1, IA-CLAIM-1; the step of spec/rules/align.md ALIGN-STEP-1..5),
// through cr_ia_step.
//
// The shared checks of a Kunin step are in align_step.h (the first step of
// every network of the catalogue against cr_fa_grad and cr_align_prims, bit
// for bit; a trajectory fed its own outputs; every status; guard cells,
// inputs unchanged, outputs untouched on error). This file adds IA-ID-1 and
// IA-CLAIM-1: with W and the layer inputs held fixed (a network whose task
// gradient is exactly 0) and Sigma = I exactly, iterating cr_ia_step
// converges to B* = alpha W^T (2 beta W W^T + 2 gamma I)^{-1} solved with
// GSL's LU, and, with alpha = 2 beta, to within a bound that shrinks with
// gamma of the pseudo-inverse W^+ computed with gsl_linalg_SV_decomp.
#include <gsl/gsl_linalg.h>

#include "align_step.h"

// The layer inputs: the rows of the 4 x 4 Hadamard matrix, so that
// Sigma = (1/4) H^T H = I exactly; with W_1 = I and b_1 = 0 the first layer
// passes them through unchanged (every sum adds exact zeros), so they are
// the inputs h_1 of layer 2.
static const double hadamard[16] = {1, 1, 1, 1, 1, -1, 1, -1, 1, 1, -1, -1, 1, -1, -1, 1};

// IA-ID-1 on layer 2 of the identity network 4-4-c (W = W_2, c x 4 of full
// row rank; B = B_2, 4 x c), Sigma = I.
//
// Convergence. The exact step is B' = B - eta_B (-alpha W^T + 2 beta B W W^T
// + 2 gamma B) = B M + eta_B alpha W^T with M = I - eta_B (2 beta W W^T +
// 2 gamma I) (c x c, symmetric), so e = B - B* obeys e' = e M and
// |e'|_F <= rho |e|_F, rho = max_i |1 - eta_B (2 beta mu_i + 2 gamma)|, mu_i
// the eigenvalues of W W^T (eta_B = 2 / (2 beta (mu_min + mu_max) + 4 gamma)
// here). ref/ forms d_amp = -(1/N) sum x p^T (chain a + N + 2, a = 4),
// d_null = (2/N) sum r p^T (a + c + N + 2), then G = alpha d_amp + beta
// d_null + gamma 2B (a coefficient and two sums: 3 more), eta_B G and
// B - eta_B G. To first order its B' differs from the exact step's by at
// most, entry by entry,
//   eps = eta_B gamma_{a+c+N+5} (alpha Ga + beta Gn + 2 gamma |B|) + u eta_B |G| + u |B'|
// with Ga = Sigma_a |W|^T and Gn = 2 |B||W| Sigma_a |W|^T the same sums on
// absolute values (Sigma_a = (1/N) sum |x||x|^T, all ones here). So after K
// steps |B_K - B*|_F <= rho^K |B_0 - B*|_F + E_K, E_{k+1} = rho E_k + |eps_k|_F.
// The GSL route. A = fl(2 beta W W^T + 2 gamma I) (dgemm, then the diagonal),
// Y = fl(alpha W), X = A^{-1} Y by LU and B*_gsl = X^T. With the exact A0,
// |A - A0| <= gamma_{a+2} (2 beta |W||W|^T + 2 gamma I) and |Y - alpha W| <=
// u |alpha W|, so to first order
//   |B*_gsl - B*|_F <= as_solve_bound(A, Y, X) + (| |A - A0| |X| |_F + u |alpha W|_F) / lambda_min(A).
// The test requires |B_K - B*_gsl|_F <= rho^K (|B_0 - B*_gsl|_F + that) + E_K + that.
//
// The pseudo-inverse. With alpha = 2 beta, B* = W^T (W W^T + (gamma / beta) I)^{-1}:
// its singular values are s / (s^2 + gamma / beta) against W^+'s 1 / s, so
// |B* - W^+|_2 <= (gamma / beta) / s_min^3 and |B* - W^+|_F <= sqrt(c) times
// that. W^+ = U S^{-1} V^T from gsl_linalg_SV_decomp of W^T = U S V^T; its
// own error is at most of order u kappa(W) |W^+| (first-order perturbation of
// a well separated SVD), allowed as 16 (a + c) u kappa(W) |W^+|_F. The test
// requires |B_K - W^+|_F <= sqrt(c) (gamma / beta) / s_min^3 + the
// convergence bound + that allowance, for every gamma.
typedef struct {
	double ratio, err_u, d_pinv, pinv_bound, rho;
	size_t K;
} fp_fig;

static fp_fig check_fixed_point(gsl_rng *r, size_t c, double alpha, double beta, double gamma,
                                const char *label)
{
	const size_t a = 4, N = 4, nB = a * c;
	tl_problem p;
	as_zero_task(&p, r, 4, a, c, N);
	// W_1 = I, b_1 = 0, x = H: h_1 = x and Sigma = I; then t = y again.
	for (size_t i = 0; i < a; i++) {
		for (size_t j = 0; j < 4; j++)
			p.W[i * 4 + j] = i == j ? 1.0 : 0.0;
		p.b[i] = 0.0;
	}
	memcpy(p.x, hadamard, sizeof hadamard);
	as_exact_targets(&p);
	const double *W2 = p.W + tl_off_W(&p, 2);
	gsl_matrix_const_view Wv = gsl_matrix_const_view_array(W2, c, a);

	// mu_i: eigenvalues of W W^T; rho and eta_B.
	gsl_matrix *WWt = gsl_matrix_alloc(c, c);
	gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &Wv.matrix, &Wv.matrix, 0.0, WWt);
	double mlo, mhi;
	as_eig_range(WWt, &mlo, &mhi);
	const double eta_B = 2.0 / (2.0 * beta * (mlo + mhi) + 4.0 * gamma);
	double rho = fmax(fabs(1.0 - eta_B * (2.0 * beta * mlo + 2.0 * gamma)),
	                  fabs(1.0 - eta_B * (2.0 * beta * mhi + 2.0 * gamma)));
	size_t K = (size_t)ceil(log(1e-22) / log(rho));
	as_hyper hp = {0.0731, eta_B, alpha, beta, gamma};
	double *Bs = as_xmalloc((K + 1) * nB * sizeof *Bs);
	as_iterate(AS_IA, &p, hp, K, Bs, label);

	// B*_gsl = (A^{-1} alpha W)^T and its bound.
	gsl_matrix *A = gsl_matrix_alloc(c, c), *Y = gsl_matrix_alloc(c, a), *X = gsl_matrix_alloc(c, a);
	gsl_blas_dgemm(CblasNoTrans, CblasTrans, 2.0 * beta, &Wv.matrix, &Wv.matrix, 0.0, A);
	for (size_t i = 0; i < c; i++)
		gsl_matrix_set(A, i, i, gsl_matrix_get(A, i, i) + 2.0 * gamma);
	gsl_matrix_memcpy(Y, &Wv.matrix);
	gsl_matrix_scale(Y, alpha);
	as_solve(A, Y, X);
	double Alo, Ahi;
	as_eig_range(A, &Alo, &Ahi);
	const double kA = (double)(a + 2), gA = kA * TL_U / (1.0 - kA * TL_U);
	double nP = 0.0, nY = 0.0;
	for (size_t i = 0; i < c; i++)
		for (size_t j = 0; j < a; j++) {
			double s = 0.0;
			for (size_t k = 0; k < c; k++) {
				double aw = 0.0;
				for (size_t m = 0; m < a; m++)
					aw += fabs(W2[i * a + m]) * fabs(W2[k * a + m]);
				double dA = gA * (2.0 * beta * aw + (i == k ? 2.0 * gamma : 0.0));
				s += dA * fabs(gsl_matrix_get(X, k, j));
			}
			double y = TL_U * fabs(alpha * W2[i * a + j]);
			nP += s * s;
			nY += y * y;
		}
	double gsl_err = as_solve_bound(A, Y, X, Alo) + (sqrt(nP) + sqrt(nY)) / Alo;
	double *Bst = as_xmalloc(nB * sizeof *Bst);
	for (size_t i = 0; i < a; i++)
		for (size_t j = 0; j < c; j++)
			Bst[i * c + j] = gsl_matrix_get(X, j, i);

	// The convergence bound E_K. Sigma_a = (1/N) |H|^T |H| = all ones.
	const double kk = (double)(a + c + N + 5), gk = kk * TL_U / (1.0 - kk * TL_U);
	double *Ga = as_xmalloc(nB * sizeof *Ga), *Gn = as_xmalloc(nB * sizeof *Gn);
	double *G = as_xmalloc(nB * sizeof *G), *v = as_xmalloc(c * sizeof *v);
	// Sigma_a |W|^T: every row is the vector of row sums of |W|.
	for (size_t j = 0; j < c; j++) {
		v[j] = 0.0;
		for (size_t m = 0; m < a; m++)
			v[j] += fabs(W2[j * a + m]);
	}
	for (size_t i = 0; i < a; i++)
		for (size_t j = 0; j < c; j++)
			Ga[i * c + j] = v[j];
	double EK = 0.0;
	for (size_t k = 0; k < K; k++) {
		const double *B = Bs + k * nB, *B1 = Bs + (k + 1) * nB;
		// |W| Sigma_a |W|^T = v v^T; Gn = 2 |B| v v^T. G (exact, Sigma = I):
		// -alpha W^T + 2 beta B W W^T + 2 gamma B, for the u |G| term only.
		double ee = 0.0;
		for (size_t i = 0; i < a; i++)
			for (size_t j = 0; j < c; j++) {
				double gn = 0.0, g = -alpha * W2[j * a + i] + 2.0 * gamma * B[i * c + j];
				for (size_t k2 = 0; k2 < c; k2++) {
					gn += 2.0 * fabs(B[i * c + k2]) * v[k2] * v[j];
					g += 2.0 * beta * B[i * c + k2] * gsl_matrix_get(WWt, k2, j);
				}
				Gn[i * c + j] = gn;
				G[i * c + j] = g;
				double e = eta_B * gk * (alpha * Ga[i * c + j] + beta * gn + 2.0 * gamma * fabs(B[i * c + j]))
				           + TL_U * eta_B * fabs(g) + TL_U * fabs(B1[i * c + j]);
				ee += e * e;
			}
		EK = rho * EK + sqrt(ee);
	}
	const double *BK = Bs + K * nB;
	double e0 = as_dist(Bs, Bst, nB), eK = as_dist(BK, Bst, nB);
	double bound = pow(rho, (double)K) * (e0 + gsl_err) + EK + gsl_err;
	gsl_test(!(eK <= bound), "%s: |B_K - B*_gsl|_F = %.3g > bound %.3g (IA-ID-1)", label, eK, bound);

	// W^+ = U S^{-1} V^T from the SVD of W^T (a x c, a >= c).
	gsl_matrix *U = gsl_matrix_alloc(a, c), *V = gsl_matrix_alloc(c, c);
	gsl_vector *sv = gsl_vector_alloc(c), *wk = gsl_vector_alloc(c);
	gsl_matrix_transpose_memcpy(U, &Wv.matrix);
	gsl_linalg_SV_decomp(U, V, sv, wk);
	double smin = gsl_vector_min(sv), smax = gsl_vector_max(sv);
	double *Wp = as_xmalloc(nB * sizeof *Wp);
	for (size_t i = 0; i < a; i++)
		for (size_t j = 0; j < c; j++) {
			double s = 0.0;
			for (size_t k = 0; k < c; k++)
				s += gsl_matrix_get(U, i, k) / gsl_vector_get(sv, k) * gsl_matrix_get(V, j, k);
			Wp[i * c + j] = s;
		}
	fp_fig f;
	f.K = K;
	f.rho = rho;
	f.ratio = eK / bound;
	f.err_u = eK / (TL_U * as_norm(Bst, nB));
	f.d_pinv = as_dist(BK, Wp, nB);
	double svd_err = 16.0 * (double)(a + c) * TL_U * (smax / smin) * as_norm(Wp, nB);
	f.pinv_bound = sqrt((double)c) * (gamma / beta) / (smin * smin * smin);
	if (alpha == 2.0 * beta)
		gsl_test(!(f.d_pinv <= f.pinv_bound + bound + svd_err),
		         "%s: |B_K - W^+|_F = %.3g > (gamma / beta) bound %.3g + %.3g (IA-ID-1)", label,
		         f.d_pinv, f.pinv_bound, bound + svd_err);
	gsl_matrix_free(U); gsl_matrix_free(V); gsl_vector_free(sv); gsl_vector_free(wk);
	gsl_matrix_free(WWt); gsl_matrix_free(A); gsl_matrix_free(Y); gsl_matrix_free(X);
	free(Wp); free(Bst); free(Ga); free(Gn); free(G); free(v); free(Bs);
	tl_problem_free(&p);
	return f;
}

int main(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 2022);
	const as_hyper hp = {0.0731, 0.0417, 0.381, 0.619, 0.0273};
	as_check_all(AS_IA, r, hp);

	// IA-ID-1 / IA-CLAIM-1: alpha = 2 beta and gamma -> 0 (W^+), for W_2
	// of 2 and 3 rows; and one case with alpha != 2 beta (B* only).
	char label[160];
	const double gammas[5] = {1e-1, 1e-2, 1e-4, 1e-6, 1e-8};
	for (size_t c = 2; c <= 3; c++) {
		gsl_rng_set(r, 7 + c);
		for (int g = 0; g < 5; g++) {
			const double beta = 0.619, alpha = 2.0 * beta;
			snprintf(label, sizeof label, "ia IA-ID-1 4-4-%zu gamma %g", c, gammas[g]);
			gsl_rng_set(r, 7 + c); // the same W_2 for every gamma
			fp_fig f = check_fixed_point(r, c, alpha, beta, gammas[g], label);
			printf("test_ia: IA-ID-1 W_2 %zu x 4, alpha = 2 beta = %g, gamma %g: rho %.4g, K %zu; "
			       "|B_K - B*_gsl|_F = %.3g u |B*|_F (ratio to the bound %.3g); |B_K - W^+|_F = %.3g "
			       "<= sqrt(c) (gamma / beta) / s_min^3 = %.3g\n", c, alpha, gammas[g], f.rho, f.K,
			       f.err_u, f.ratio, f.d_pinv, f.pinv_bound);
		}
	}
	gsl_rng_set(r, 11);
	fp_fig f = check_fixed_point(r, 3, 0.381, 0.619, 0.0273, "ia IA-ID-1 alpha 0.381 beta 0.619");
	printf("test_ia: IA-ID-1 W_2 3 x 4, alpha 0.381 beta 0.619 gamma 0.0273: rho %.4g, K %zu; "
	       "|B_K - B*_gsl|_F = %.3g u |B*|_F (ratio to the bound %.3g)\n", f.rho, f.K, f.err_u,
	       f.ratio);
	gsl_rng_free(r);
	return gsl_test_summary();
}
