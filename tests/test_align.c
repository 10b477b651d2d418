// test_align.c: Kunin et al.'s primitives (spec/rules/align.md ALIGN-PRIM-1..5,
// ALIGN-PROJ-1/2, ALIGN-ERR-1, ALIGN-TOL-1), through cr_align_prims and
// cr_align_workspace_len.
//
// Expected values never come from ref/:
//   - the values, against the per-sample sums of ALIGN-PRIM-* formed here
//     with GSL BLAS (gsl_blas_dgemv, gsl_blas_ddot), within the tolerance of
//     ALIGN-TOL-1 (k u G, G computed here by the rules of NOT-TOL-1);
//   - the gradients of amp, sparse and null, against the closed forms
//     -Sigma W^T, 2 Sigma B and 2 B W Sigma W^T with
//     Sigma = (1/N) X^T X, all formed with GSL BLAS (gsl_blas_dgemm), within
//     the first-order bound derived at check_sigma_forms;
//   - decay's and self's gradients 2B and -W^T, exact: bit for bit;
//   - every gradient entry, against gsl_deriv_central of the primitive's
//     value as a function of that entry of B (values from cr_align_prims),
//     within the criterion of conformance/oracle/fd.c (derived there).
// Every call goes through pr_run, which checks the contract of credit.h
// around it: read-only inputs unchanged, guard cells around every output
// and the workspace untouched, outputs fully written and finite on CR_OK and
// left exactly as they were on every error. Every status of ALIGN-ERR-1 and
// of the order of checks in ref/align.c is provoked.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_deriv.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "testlib.h"

// Guard cells on each side of every output buffer and of the workspace.
#define KG 8
#define NP CR_PRIM_COUNT

static const char *const prim_name[NP] = {"decay", "self", "amp", "sparse", "null"};

static void *xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);
	if (p == NULL) {
		fprintf(stderr, "test_align: out of memory (%zu bytes)\n", n);
		exit(2);
	}
	return p;
}

static double *guarded(size_t n)
{
	double *g = xmalloc((n + 2 * KG) * sizeof *g);
	for (size_t i = 0; i < n + 2 * KG; i++)
		g[i] = tl_sentinel();
	return g;
}

// ---------------------------------------------------------------- one call

// A call of cr_align_prims: the arguments, which a test may overwrite to
// provoke an error, and the guarded storage behind the outputs.
typedef struct {
	const char *label;
	size_t a, c, N;                 // n_in, n_out, batch
	const double *W; size_t W_len;  // [c * a]
	const double *B; size_t B_len;  // [a * c]
	const double *x; size_t x_len;  // [N * a]
	double *value;                  // [NP]
	double *grad; size_t grad_len;  // [NP * a * c]
	double *work; size_t work_len;
	double *g_value, *g_grad, *g_work;
	size_t n_grad, n_work;
} pr_call;

static void pr_set_grad(pr_call *c, size_t n)
{
	free(c->g_grad);
	c->g_grad = guarded(n);
	c->grad = c->g_grad + KG;
	c->grad_len = c->n_grad = n;
}

static void pr_set_work(pr_call *c, size_t n)
{
	free(c->g_work);
	c->g_work = guarded(n);
	c->work = c->g_work + KG;
	c->work_len = c->n_work = n;
}

static void pr_init(pr_call *c, size_t a, size_t cc, size_t N, const double *W, const double *B,
                    const double *x, const char *label)
{
	memset(c, 0, sizeof *c);
	c->label = label;
	c->a = a;
	c->c = cc;
	c->N = N;
	c->W = W; c->W_len = a * cc;
	c->B = B; c->B_len = a * cc;
	c->x = x; c->x_len = N * a;
	c->g_value = guarded(NP);
	c->value = c->g_value + KG;
	pr_set_grad(c, NP * a * cc);
	pr_set_work(c, cr_align_workspace_len(a, cc));
}

static void pr_free(pr_call *c)
{
	free(c->g_value);
	free(c->g_grad);
	free(c->g_work);
	memset(c, 0, sizeof *c);
}

static double *snap(const double *p, size_t n)
{
	if (p == NULL || n > ((size_t)1 << 20))
		return NULL;
	double *s = xmalloc(n * sizeof *s);
	memcpy(s, p, n * sizeof *s);
	return s;
}

static void same(const pr_call *c, const char *what, const double *now, double *before, size_t n)
{
	if (before == NULL)
		return;
	gsl_test(memcmp(now, before, n * sizeof *now) != 0, "%s: read-only input %s must be unchanged",
	         c->label, what);
	free(before);
}

static void guards(const pr_call *c, const char *what, const double *g, size_t n, int body)
{
	for (size_t i = 0; i < n + 2 * KG; i++) {
		int in_body = i >= KG && i < KG + n;
		if ((in_body && !body) || tl_is_sentinel(g[i]))
			continue;
		gsl_test(1, "%s: %s %s cell %td changed (got %.17g)", c->label, what,
		         in_body ? "output" : "guard", (ptrdiff_t)i - KG, g[i]);
		return;
	}
}

// Calls cr_align_prims and checks the contract around the call.
static int pr_run(pr_call *c)
{
	double *sW = snap(c->W, c->W_len), *sB = snap(c->B, c->B_len), *sx = snap(c->x, c->x_len);
	int st = (int)cr_align_prims(c->a, c->c, c->N, c->W, c->W_len, c->B, c->B_len, c->x,
	                             c->x_len, c->value, c->grad, c->grad_len, c->work, c->work_len);
	same(c, "W", c->W, sW, c->W_len);
	same(c, "B", c->B, sB, c->B_len);
	same(c, "x", c->x, sx, c->x_len);
	int err = st != CR_OK;
	guards(c, "value", c->g_value, NP, err);
	guards(c, "grad", c->g_grad, c->n_grad, err);
	guards(c, "work", c->g_work, c->n_work, 0);
	if (!err) {
		const double *o[2] = {c->g_value + KG, c->g_grad + KG};
		size_t on[2] = {NP, c->n_grad};
		for (int k = 0; k < 2; k++)
			for (size_t i = 0; i < on[k]; i++)
				if (tl_is_sentinel(o[k][i]) || !isfinite(o[k][i])) {
					gsl_test(1, "%s: on CR_OK %s[%zu] is %s (%.17g)", c->label,
					         k ? "grad" : "value", i,
					         tl_is_sentinel(o[k][i]) ? "not written" : "not finite", o[k][i]);
					break;
				}
	}
	return st;
}

static void pr_expect(pr_call *c, int want, const char *what)
{
	int st = pr_run(c);
	gsl_test(st != want, "%s, %s: status got %s (%d) expected %s (%d)", c->label, what,
	         cr_status_name(st), st, cr_status_name(want), want);
}

// ---------------------------------------------------------------- GSL route

// Absolute values of a matrix, into a new GSL matrix.
static gsl_matrix *mabs(const gsl_matrix *m)
{
	gsl_matrix *r = gsl_matrix_alloc(m->size1, m->size2);
	for (size_t i = 0; i < m->size1; i++)
		for (size_t j = 0; j < m->size2; j++)
			gsl_matrix_set(r, i, j, fabs(gsl_matrix_get(m, i, j)));
	return r;
}

static void vabs(gsl_vector *d, const gsl_vector *s)
{
	for (size_t i = 0; i < s->size; i++)
		gsl_vector_set(d, i, fabs(gsl_vector_get(s, i)));
}

// The values of ALIGN-PRIM-1..5 formed with GSL BLAS sample by sample, and
// their gauges by the rules of NOT-TOL-1 (W, B, x inputs: G(v) = |v|):
//   G(p) = 2 |W||x|, G(q) = 2 |B|^T |x|, G(r) = |B||p| + |B| G(p),
//   G(decay) = sum 2 |v| |v|, G(self) = 2 sum |W_ji| |B_ij|,
//   G(amp) = (1/N) sum_n sum_j (G(p_j)|q_j| + |p_j| G(q_j)),
//   G(sparse) = (1/N) sum_n (sum 2|p| G(p) + sum 2|q| G(q)),
//   G(null) = (1/N) sum_n sum 2|r| G(r).
static void gsl_values(size_t a, size_t c, size_t N, const double *W, const double *B,
                       const double *x, double val[NP], double gauge[NP])
{
	gsl_matrix_const_view Wv = gsl_matrix_const_view_array(W, c, a);
	gsl_matrix_const_view Bv = gsl_matrix_const_view_array(B, a, c);
	gsl_matrix *aW = mabs(&Wv.matrix), *aB = mabs(&Bv.matrix);
	gsl_vector *p = gsl_vector_alloc(c), *q = gsl_vector_alloc(c), *r = gsl_vector_alloc(a);
	gsl_vector *ax = gsl_vector_alloc(a), *ap = gsl_vector_alloc(c), *aq = gsl_vector_alloc(c);
	gsl_vector *Gp = gsl_vector_alloc(c), *Gq = gsl_vector_alloc(c), *Gr = gsl_vector_alloc(a);
	double amp = 0, sp = 0, nu = 0, Gamp = 0, Gsp = 0, Gnu = 0;
	for (size_t n = 0; n < N; n++) {
		gsl_vector_const_view xv = gsl_vector_const_view_array(x + n * a, a);
		vabs(ax, &xv.vector);
		gsl_blas_dgemv(CblasNoTrans, 1.0, &Wv.matrix, &xv.vector, 0.0, p);
		gsl_blas_dgemv(CblasTrans, 1.0, &Bv.matrix, &xv.vector, 0.0, q);
		gsl_blas_dgemv(CblasNoTrans, 1.0, &Bv.matrix, p, 0.0, r);
		vabs(ap, p);
		vabs(aq, q);
		gsl_blas_dgemv(CblasNoTrans, 2.0, aW, ax, 0.0, Gp);
		gsl_blas_dgemv(CblasTrans, 2.0, aB, ax, 0.0, Gq);
		gsl_blas_dgemv(CblasNoTrans, 1.0, aB, ap, 0.0, Gr);
		gsl_blas_dgemv(CblasNoTrans, 1.0, aB, Gp, 1.0, Gr);
		double d, d2;
		gsl_blas_ddot(p, q, &d);
		amp += d;
		gsl_blas_ddot(p, p, &d);
		gsl_blas_ddot(q, q, &d2);
		sp += d + d2;
		gsl_blas_ddot(r, r, &d);
		nu += d;
		for (size_t j = 0; j < c; j++) {
			Gamp += gsl_vector_get(Gp, j) * fabs(gsl_vector_get(q, j)) +
			        fabs(gsl_vector_get(p, j)) * gsl_vector_get(Gq, j);
			Gsp += 2.0 * fabs(gsl_vector_get(p, j)) * gsl_vector_get(Gp, j) +
			       2.0 * fabs(gsl_vector_get(q, j)) * gsl_vector_get(Gq, j);
		}
		for (size_t i = 0; i < a; i++)
			Gnu += 2.0 * fabs(gsl_vector_get(r, i)) * gsl_vector_get(Gr, i);
	}
	double sw = 0, sb = 0, st = 0, Gd = 0, Gs = 0;
	for (size_t j = 0; j < c; j++)
		for (size_t i = 0; i < a; i++) {
			double w = W[j * a + i], v = B[i * c + j];
			sw += w * w;
			sb += v * v;
			st += w * v;
			Gd += 2.0 * w * w + 2.0 * v * v;
			Gs += 2.0 * fabs(w) * fabs(v);
		}
	const double dN = (double)N;
	val[CR_PRIM_DECAY] = sw + sb;
	val[CR_PRIM_SELF] = -st;
	val[CR_PRIM_AMP] = -(amp / dN);
	val[CR_PRIM_SPARSE] = sp / dN;
	val[CR_PRIM_NULL] = nu / dN;
	gauge[CR_PRIM_DECAY] = Gd;
	gauge[CR_PRIM_SELF] = Gs;
	gauge[CR_PRIM_AMP] = Gamp / dN;
	gauge[CR_PRIM_SPARSE] = Gsp / dN;
	gauge[CR_PRIM_NULL] = Gnu / dN;
	gsl_matrix_free(aW); gsl_matrix_free(aB);
	gsl_vector_free(p); gsl_vector_free(q); gsl_vector_free(r);
	gsl_vector_free(ax); gsl_vector_free(ap); gsl_vector_free(aq);
	gsl_vector_free(Gp); gsl_vector_free(Gq); gsl_vector_free(Gr);
}

// ALIGN-TOL-1: the tolerance factors of the values, a = n_in, c = n_out.
static void tol_values(size_t a, size_t c, size_t N, double k[NP])
{
	const double A = (double)a, C = (double)c, M = (double)N;
	k[CR_PRIM_DECAY] = 4.0 * A * C;
	k[CR_PRIM_SELF] = 2.0 * A * C;
	k[CR_PRIM_AMP] = 2.0 * (A + C + M + 1.0);
	k[CR_PRIM_SPARSE] = 2.0 * (A + C + M + 2.0);
	k[CR_PRIM_NULL] = 2.0 * (2.0 * A + C + M + 1.0);
}

// The values of one case against GSL's, within ALIGN-TOL-1. Returns the
// worst ratio |got - exp| / (k u G).
static double check_values(const char *label, size_t a, size_t c, size_t N, const double *W,
                           const double *B, const double *x, const double *got)
{
	double exp[NP], G[NP], k[NP], worst = 0.0;
	gsl_values(a, c, N, W, B, x, exp, G);
	tol_values(a, c, N, k);
	for (int p = 0; p < NP; p++) {
		double tol = k[p] * TL_U * G[p];
		double d = fabs(got[p] - exp[p]);
		double ratio = tol > 0.0 ? d / tol : (d > 0.0 ? INFINITY : 0.0);
		if (ratio > worst)
			worst = ratio;
		char field[64];
		snprintf(field, sizeof field, "value of %s (ALIGN-PRIM-%d)", prim_name[p], p + 1);
		tl_check(label, field, 0, got[p], exp[p], tol);
	}
	return worst;
}

// ALIGN-PRIM-1/2: d_decay = 2B and d_self = -W^T are exact in every
// implementation; bit for bit.
static void check_exact_grads(const char *label, size_t a, size_t c, const double *W,
                              const double *B, const double *grad)
{
	size_t ac = a * c;
	double *e = xmalloc(ac * sizeof *e);
	for (size_t i = 0; i < ac; i++)
		e[i] = 2.0 * B[i];
	tl_check_bits(label, "d_decay = 2B (ALIGN-PRIM-1)", grad + CR_PRIM_DECAY * ac, e, ac);
	for (size_t i = 0; i < a; i++)
		for (size_t j = 0; j < c; j++)
			e[i * c + j] = -W[j * a + i];
	tl_check_bits(label, "d_self = -W^T (ALIGN-PRIM-2)", grad + CR_PRIM_SELF * ac, e, ac);
	free(e);
}

// The gradients of amp, sparse and null against their Sigma forms
// (align.md, after ALIGN-PRIM-5), Sigma = (1/N) X^T X:
//   d_amp = -Sigma W^T,  d_sparse = 2 Sigma B,  d_null = 2 B W Sigma W^T.
// The bound. Both routes compute a sum of the same products of |x|, |W|,
// |B| (every term of the exact result appears in each), so with
// Gamma = the same expression evaluated on absolute values, each route is
// within gamma_k Gamma of the exact value, k its longest chain of roundings
// (a product or sum of m terms counting m): ref's per-sample route (ALIGN-TOL-1:
// k_ref = a + N + 2 for amp and sparse, a + c + N + 2 for null) and this
// file's: X^T X (N), the product by fl(1/N) (2), then Sigma W^T or Sigma B
// (a), for null W Sigma (a), (W Sigma) W^T (a) and B (W Sigma W^T) (c):
// k_sig = N + a + 2, N + a + 2, N + 2a + c + 2. So
//   |ref - gsl| <= gamma_{k_ref + k_sig} Gamma,  gamma_k = k u / (1 - k u),
// with Gamma = Sigma_a |W|^T, 2 Sigma_a |B|, 2 |B||W| Sigma_a |W|^T and
// Sigma_a = (1/N) |X|^T |X| (the factor 2 is exact in both). Returns the worst
// ratio of the three.
static double check_sigma_forms(const char *label, size_t a, size_t c, size_t N,
                                const double *W, const double *B, const double *x,
                                const double *grad)
{
	gsl_matrix_const_view Wv = gsl_matrix_const_view_array(W, c, a);
	gsl_matrix_const_view Bv = gsl_matrix_const_view_array(B, a, c);
	gsl_matrix_const_view Xv = gsl_matrix_const_view_array(x, N, a);
	gsl_matrix *aW = mabs(&Wv.matrix), *aB = mabs(&Bv.matrix), *aX = mabs(&Xv.matrix);
	gsl_matrix *S = gsl_matrix_alloc(a, a), *Sa = gsl_matrix_alloc(a, a);
	gsl_matrix *E = gsl_matrix_alloc(a, c), *Ga = gsl_matrix_alloc(a, c);
	gsl_matrix *WS = gsl_matrix_alloc(c, a), *WSW = gsl_matrix_alloc(c, c);
	gsl_matrix *aWS = gsl_matrix_alloc(c, a), *aWSW = gsl_matrix_alloc(c, c);
	const double invN = 1.0 / (double)N;
	gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &Xv.matrix, &Xv.matrix, 0.0, S);
	gsl_matrix_scale(S, invN);
	gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, aX, aX, 0.0, Sa);
	gsl_matrix_scale(Sa, invN);
	const double A = (double)a, C = (double)c, M = (double)N;
	const double kk[3] = {(A + M + 2.0) + (M + A + 2.0), (A + M + 2.0) + (M + A + 2.0),
	                      (A + C + M + 2.0) + (M + 2.0 * A + C + 2.0)};
	const int prim[3] = {CR_PRIM_AMP, CR_PRIM_SPARSE, CR_PRIM_NULL};
	double worst = 0.0;
	for (int f = 0; f < 3; f++) {
		switch (prim[f]) {
		case CR_PRIM_AMP:
			gsl_blas_dgemm(CblasNoTrans, CblasTrans, -1.0, S, &Wv.matrix, 0.0, E);
			gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, Sa, aW, 0.0, Ga);
			break;
		case CR_PRIM_SPARSE:
			gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 2.0, S, &Bv.matrix, 0.0, E);
			gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 2.0, Sa, aB, 0.0, Ga);
			break;
		default:
			gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Wv.matrix, S, 0.0, WS);
			gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, WS, &Wv.matrix, 0.0, WSW);
			gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 2.0, &Bv.matrix, WSW, 0.0, E);
			gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, aW, Sa, 0.0, aWS);
			gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, aWS, aW, 0.0, aWSW);
			gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 2.0, aB, aWSW, 0.0, Ga);
			break;
		}
		const double k = kk[f], gam = k * TL_U / (1.0 - k * TL_U);
		const double *g = grad + (size_t)prim[f] * a * c;
		char field[96];
		snprintf(field, sizeof field, "d_%s vs its Sigma form", prim_name[prim[f]]);
		for (size_t i = 0; i < a; i++)
			for (size_t j = 0; j < c; j++) {
				double exp = gsl_matrix_get(E, i, j), tol = gam * gsl_matrix_get(Ga, i, j);
				double d = fabs(g[i * c + j] - exp);
				double ratio = tol > 0.0 ? d / tol : (d > 0.0 ? INFINITY : 0.0);
				if (ratio > worst)
					worst = ratio;
				tl_check(label, field, i * c + j, g[i * c + j], exp, tol);
			}
	}
	gsl_matrix_free(aW); gsl_matrix_free(aB); gsl_matrix_free(aX);
	gsl_matrix_free(S); gsl_matrix_free(Sa); gsl_matrix_free(E); gsl_matrix_free(Ga);
	gsl_matrix_free(WS); gsl_matrix_free(WSW); gsl_matrix_free(aWS); gsl_matrix_free(aWSW);
	return worst;
}

// ---------------------------------------------------------------- finite differences

// R_p as a function of one entry of B (the others fixed), through
// cr_align_prims; records the smallest offset from the base point and the
// largest value gauge (computed by gsl_values) over the evaluations.
typedef struct {
	size_t a, c, N;
	const double *W, *x;
	double *B, *param, base;
	int prim;
	double *value, *grad, *work;
	size_t work_len;
	double min_off, max_G;
	int failed;
} fd_ctx;

static double prim_at(double theta, void *params)
{
	fd_ctx *f = params;
	*f->param = theta;
	size_t ac = f->a * f->c;
	cr_status st = cr_align_prims(f->a, f->c, f->N, f->W, ac, f->B, ac, f->x, f->N * f->a,
	                              f->value, f->grad, NP * ac, f->work, f->work_len);
	double v[NP], G[NP];
	gsl_values(f->a, f->c, f->N, f->W, f->B, f->x, v, G);
	*f->param = f->base;
	if (st != CR_OK) {
		f->failed = 1;
		return 0.0;
	}
	double off = fabs(theta - f->base);
	if (off > 0.0 && (f->min_off == 0.0 || off < f->min_off))
		f->min_off = off;
	if (G[f->prim] > f->max_G)
		f->max_G = G[f->prim];
	return f->value[f->prim];
}

// Every gradient entry against gsl_deriv_central of the value. Criterion of
// conformance/oracle/fd.c: with fd and abserr from gsl_deriv_central, h_min
// the smallest full step it used (twice the smallest offset of an
// evaluation), E = k_R u G(R) the rounding allowed to a value (ALIGN-TOL-1,
// G(R) the largest value gauge over the evaluations) and k_dR u G(g) that of
// the gradient (G(g) from grad_gauges),
//   |g - fd| <= 2 abserr + 3 E / h_min + k_dR u G(g).
// Every primitive is at most quadratic in each entry of B, so the 5-point
// stencil has no truncation error: the bound is rounding only, and a wrong
// factor or sign misses it by orders of magnitude (a factor 2 dropped from
// sparse's gradient fails 1140 checks). Returns the worst ratio.
static double check_fd(const char *label, size_t a, size_t c, size_t N, const double *W,
                       const double *B, const double *x, const double *grad, const double *Gg)
{
	size_t ac = a * c;
	fd_ctx f;
	memset(&f, 0, sizeof f);
	f.a = a; f.c = c; f.N = N;
	f.W = W; f.x = x;
	f.B = xmalloc(ac * sizeof(double));
	memcpy(f.B, B, ac * sizeof(double));
	f.value = xmalloc(NP * sizeof(double));
	f.grad = xmalloc(NP * ac * sizeof(double));
	f.work_len = cr_align_workspace_len(a, c);
	f.work = xmalloc(f.work_len * sizeof(double));
	double kR[NP], worst = 0.0;
	tol_values(a, c, N, kR);
	const double A = (double)a, C = (double)c, M = (double)N;
	const double kdR[NP] = {2.0, 2.0, 2.0 * (A + M + 2.0), 2.0 * (A + M + 2.0),
	                        2.0 * (A + C + M + 2.0)};
	gsl_function F;
	F.function = prim_at;
	F.params = &f;
	for (int p = 0; p < NP; p++)
		for (size_t i = 0; i < ac; i++) {
			f.prim = p;
			f.param = &f.B[i];
			f.base = B[i];
			f.failed = 0;
			f.min_off = 0.0;
			f.max_G = 0.0;
			double h = 0.125 * (1.0 + fabs(B[i]));
			double fd = 0.0, abserr = 0.0;
			gsl_deriv_central(&F, f.base, h, &fd, &abserr);
			gsl_test(f.failed, "%s: cr_align_prims failed during the finite difference", label);
			double g = grad[(size_t)p * ac + i];
			double hmin = 2.0 * f.min_off;
			double bound = 2.0 * abserr + 3.0 * kR[p] * TL_U * f.max_G / hmin +
			               kdR[p] * TL_U * Gg[(size_t)p * ac + i];
			double d = fabs(g - fd);
			double ratio = bound > 0.0 ? d / bound : (d > 0.0 ? INFINITY : 0.0);
			if (ratio > worst)
				worst = ratio;
			char field[96];
			snprintf(field, sizeof field, "d_%s vs gsl_deriv_central", prim_name[p]);
			tl_check(label, field, i, g, fd, bound);
		}
	free(f.B);
	free(f.value);
	free(f.grad);
	free(f.work);
	return worst;
}

// Gauges of the gradients (NOT-TOL-1 with input gauges |v|), for check_fd:
//   G(d_decay) = 2|B|, G(d_self) = |W|^T,
//   G(d_amp) = (1/N) sum_n (|x| G(p)^T + |x||p|^T), G(p) = 2|W||x|,
//   G(d_sparse) = (2/N) sum_n (|x| G(q)^T + |x||q|^T), G(q) = 2|B|^T|x|,
//   G(d_null) = (2/N) sum_n (G(r)|p|^T + |r| G(p)^T), G(r) = |B||p| + |B| G(p).
static void grad_gauges(size_t a, size_t c, size_t N, const double *W, const double *B,
                        const double *x, double *Gg)
{
	size_t ac = a * c;
	memset(Gg, 0, NP * ac * sizeof *Gg);
	double *p = xmalloc(c * sizeof *p), *q = xmalloc(c * sizeof *q), *r = xmalloc(a * sizeof *r);
	double *Gp = xmalloc(c * sizeof *p), *Gq = xmalloc(c * sizeof *q), *Gr = xmalloc(a * sizeof *r);
	for (size_t i = 0; i < ac; i++)
		Gg[CR_PRIM_DECAY * ac + i] = 2.0 * fabs(B[i]);
	for (size_t i = 0; i < a; i++)
		for (size_t j = 0; j < c; j++)
			Gg[CR_PRIM_SELF * ac + i * c + j] = fabs(W[j * a + i]);
	for (size_t n = 0; n < N; n++) {
		const double *xn = x + n * a;
		for (size_t j = 0; j < c; j++) {
			double s = 0, g = 0, s2 = 0, g2 = 0;
			for (size_t i = 0; i < a; i++) {
				s += W[j * a + i] * xn[i];
				g += 2.0 * fabs(W[j * a + i]) * fabs(xn[i]);
				s2 += B[i * c + j] * xn[i];
				g2 += 2.0 * fabs(B[i * c + j]) * fabs(xn[i]);
			}
			p[j] = s; Gp[j] = g; q[j] = s2; Gq[j] = g2;
		}
		for (size_t i = 0; i < a; i++) {
			double s = 0, g = 0;
			for (size_t j = 0; j < c; j++) {
				s += B[i * c + j] * p[j];
				g += fabs(B[i * c + j]) * fabs(p[j]) + fabs(B[i * c + j]) * Gp[j];
			}
			r[i] = s; Gr[i] = g;
		}
		for (size_t i = 0; i < a; i++)
			for (size_t j = 0; j < c; j++) {
				size_t k = i * c + j;
				Gg[CR_PRIM_AMP * ac + k] += fabs(xn[i]) * Gp[j] + fabs(xn[i]) * fabs(p[j]);
				Gg[CR_PRIM_SPARSE * ac + k] += fabs(xn[i]) * Gq[j] + fabs(xn[i]) * fabs(q[j]);
				Gg[CR_PRIM_NULL * ac + k] += Gr[i] * fabs(p[j]) + fabs(r[i]) * Gp[j];
			}
	}
	for (size_t k = 0; k < ac; k++) {
		Gg[CR_PRIM_AMP * ac + k] /= (double)N;
		Gg[CR_PRIM_SPARSE * ac + k] *= 2.0 / (double)N;
		Gg[CR_PRIM_NULL * ac + k] *= 2.0 / (double)N;
	}
	free(p); free(q); free(r); free(Gp); free(Gq); free(Gr);
}

// ---------------------------------------------------------------- the cases

typedef struct {
	double values, sigma, fd;
} worst_t;

static void check_case(gsl_rng *rng, size_t a, size_t c, size_t N, double scale, worst_t *w)
{
	char label[160];
	snprintf(label, sizeof label, "align n_in %zu n_out %zu N %zu scale %g", a, c, N, scale);
	size_t ac = a * c;
	double *W = xmalloc(ac * sizeof *W), *B = xmalloc(ac * sizeof *B);
	double *x = xmalloc(N * a * sizeof *x);
	for (size_t i = 0; i < ac; i++) {
		W[i] = scale * tl_unif(rng, -1.0, 1.0);
		B[i] = scale * tl_unif(rng, -1.0, 1.0);
	}
	for (size_t i = 0; i < N * a; i++)
		x[i] = tl_unif(rng, -2.0, 2.0);
	pr_call pc;
	pr_init(&pc, a, c, N, W, B, x, label);
	pr_expect(&pc, CR_OK, "valid");
	double v;
	v = check_values(label, a, c, N, W, B, x, pc.value);
	if (v > w->values)
		w->values = v;
	check_exact_grads(label, a, c, W, B, pc.grad);
	v = check_sigma_forms(label, a, c, N, W, B, x, pc.grad);
	if (v > w->sigma)
		w->sigma = v;
	double *Gg = xmalloc(NP * ac * sizeof *Gg);
	grad_gauges(a, c, N, W, B, x, Gg);
	v = check_fd(label, a, c, N, W, B, x, pc.grad, Gg);
	if (v > w->fd)
		w->fd = v;
	free(Gg);
	pr_free(&pc);
	free(W);
	free(B);
	free(x);
}

// cr_align_workspace_len = 3 n_in n_out + 2 n_out + n_in; 0 for a zero size
// and for every overflow.
static void test_workspace_len(void)
{
	const size_t sz[4][2] = {{1, 1}, {3, 2}, {2, 7}, {5, 5}};
	for (int i = 0; i < 4; i++) {
		size_t a = sz[i][0], c = sz[i][1];
		gsl_test(cr_align_workspace_len(a, c) != 3 * a * c + 2 * c + a,
		         "cr_align_workspace_len(%zu, %zu) = %zu", a, c, cr_align_workspace_len(a, c));
	}
	gsl_test(cr_align_workspace_len(0, 3) != 0, "cr_align_workspace_len: n_in 0");
	gsl_test(cr_align_workspace_len(3, 0) != 0, "cr_align_workspace_len: n_out 0");
	if (SIZE_MAX >> 63 == 0)
		return;
	const size_t h = (size_t)1 << 33, M = SIZE_MAX;
	gsl_test(cr_align_workspace_len(h, h) != 0, "cr_align_workspace_len: n_in n_out overflows");
	gsl_test(cr_align_workspace_len(1, M / 4) != 0, "cr_align_workspace_len: 5 n_in n_out overflows");
	// 5 ac fits exactly (M is divisible by 5), 3 ac + 2 c + a = 5 ac + 1 does not.
	gsl_test(cr_align_workspace_len(1, M / 5) != 0, "cr_align_workspace_len: the sum overflows");
	gsl_test(cr_align_workspace_len(1, M / 5 - 1) != 5 * (M / 5 - 1) + 1,
	         "cr_align_workspace_len: the largest length that fits");
}

// Every status of ALIGN-ERR-1 and of the order of checks of cr_align_prims.
static void test_errors(gsl_rng *rng)
{
	const size_t a = 3, c = 2, N = 4, ac = a * c;
	double W[6], B[6], x[12];
	for (size_t i = 0; i < ac; i++) {
		W[i] = tl_unif(rng, -1.0, 1.0);
		B[i] = tl_unif(rng, -1.0, 1.0);
	}
	for (size_t i = 0; i < N * a; i++)
		x[i] = tl_unif(rng, -2.0, 2.0);
	pr_call c1;
	pr_init(&c1, a, c, N, W, B, x, "align errors: valid call");
	pr_expect(&c1, CR_OK, "valid");
	pr_free(&c1);

	// null_pointer, each pointer in turn (check 1), and before zero_size.
	const char *nulls[6] = {"value", "W", "B", "x", "grad", "work"};
	for (int k = 0; k < 6; k++) {
		pr_init(&c1, a, c, N, W, B, x, "align errors: NULL");
		switch (k) {
		case 0: c1.value = NULL; break;
		case 1: c1.W = NULL; break;
		case 2: c1.B = NULL; break;
		case 3: c1.x = NULL; break;
		case 4: c1.grad = NULL; break;
		default: c1.work = NULL; break;
		}
		pr_expect(&c1, CR_ERR_NULL, nulls[k]);
		pr_free(&c1);
	}
	pr_init(&c1, a, c, N, W, B, x, "align errors: order");
	c1.value = NULL;
	c1.N = 0;
	pr_expect(&c1, CR_ERR_NULL, "value NULL and batch 0: null_pointer comes first");
	pr_free(&c1);

	// zero_size (ALIGN-ERR-1): n_in, n_out, batch ("x": []).
	for (int k = 0; k < 3; k++) {
		pr_init(&c1, a, c, N, W, B, x, "align errors: zero size");
		if (k == 0)
			c1.a = 0;
		else if (k == 1)
			c1.c = 0;
		else
			c1.N = 0, c1.x_len = 0;
		pr_expect(&c1, CR_ERR_ZERO_SIZE, k == 0 ? "n_in 0" : k == 1 ? "n_out 0" : "batch 0");
		pr_free(&c1);
	}

	// size_mismatch: each length one too small and one too large.
	const char *lens[4] = {"W_len", "B_len", "x_len", "grad_len"};
	for (int k = 0; k < 4; k++)
		for (int dir = -1; dir <= 1; dir += 2) {
			pr_init(&c1, a, c, N, W, B, x, "align errors: size mismatch");
			double longer[64] = {0};
			size_t *len[3] = {&c1.W_len, &c1.B_len, &c1.x_len};
			const double **ptr[3] = {&c1.W, &c1.B, &c1.x};
			if (k < 3) {
				memcpy(longer, *ptr[k], *len[k] * sizeof(double));
				*ptr[k] = longer;
				*len[k] = dir > 0 ? *len[k] + 1 : *len[k] - 1;
			} else {
				pr_set_grad(&c1, dir > 0 ? NP * ac + 1 : NP * ac - 1);
			}
			char what[64];
			snprintf(what, sizeof what, "%s %s", lens[k], dir > 0 ? "+1" : "-1");
			pr_expect(&c1, CR_ERR_SIZE_MISMATCH, what);
			pr_free(&c1);
		}
	// B given as n_out x n_in is the same length: the flat C API cannot see
	// the orientation (the adapters check the JSON shape, ALIGN-ERR-1).

	// workspace_too_small: one double short, and none at all; larger is fine.
	pr_init(&c1, a, c, N, W, B, x, "align errors: workspace");
	pr_set_work(&c1, cr_align_workspace_len(a, c) - 1);
	pr_expect(&c1, CR_ERR_WORKSPACE, "work_len one short");
	pr_set_work(&c1, 0);
	c1.work = NULL;
	pr_expect(&c1, CR_ERR_WORKSPACE, "work NULL, work_len 0");
	pr_set_work(&c1, cr_align_workspace_len(a, c) + 3);
	pr_expect(&c1, CR_OK, "work_len larger");
	pr_free(&c1);

	// non_finite_input: NaN or +-Inf in W, B, x.
	const double bad[3] = {NAN, INFINITY, -INFINITY};
	for (int k = 0; k < 3; k++)
		for (int v = 0; v < 3; v++) {
			double W2[6], B2[6], x2[12];
			memcpy(W2, W, sizeof W2);
			memcpy(B2, B, sizeof B2);
			memcpy(x2, x, sizeof x2);
			(k == 0 ? W2 : k == 1 ? B2 : x2)[k == 2 ? 7 : 4] = bad[v];
			pr_init(&c1, a, c, N, W2, B2, x2, "align errors: non_finite_input");
			pr_expect(&c1, CR_ERR_NONFINITE_INPUT, k == 0 ? "W" : k == 1 ? "B" : "x");
			pr_free(&c1);
		}

	// non_finite_result: a value overflows (decay: |W|^2 with W = 1e200), a
	// gradient overflows while the values do not (x = 1e300, W = B = 1e-300
	// make p, q, r and the values tiny but x p^T = 1e300 * 1e-300 * 1e300).
	double Wb[6], Bs[6], xs[12], Ws[6];
	for (size_t i = 0; i < ac; i++) {
		Wb[i] = 1e200;
		Ws[i] = 1e-300;
		Bs[i] = 1e-300;
	}
	pr_init(&c1, a, c, N, Wb, B, x, "align errors: non_finite_result");
	pr_expect(&c1, CR_ERR_NONFINITE_RESULT, "decay's value overflows");
	pr_free(&c1);
	for (size_t i = 0; i < N * a; i++)
		xs[i] = 1.5e308;
	pr_init(&c1, a, c, N, Ws, Bs, xs, "align errors: non_finite_result");
	pr_expect(&c1, CR_ERR_NONFINITE_RESULT, "a gradient overflows");
	pr_free(&c1);
}

// size_too_large through cr_align_prims: each overflow of prims_shape; the
// arrays are short dummies behind the claimed lengths, never read.
static void test_too_large(void)
{
	if (SIZE_MAX >> 63 == 0)
		return;
	double in[4] = {0.5, 0.5, 0.5, 0.5}, val[NP], out[4] = {1, 2, 3, 4}, work[4];
	for (int p = 0; p < NP; p++)
		val[p] = -7.0;
	const size_t h = (size_t)1 << 33, M = SIZE_MAX;
	const size_t cases[4][3] = {{h, h, 1}, {1, M / 4, 1}, {1, M / 5, 1}, {4, 1, M / 2}};
	const char *what[4] = {"n_in n_out", "5 n_in n_out", "the workspace", "batch n_in"};
	for (int i = 0; i < 4; i++) {
		cr_status st = cr_align_prims(cases[i][0], cases[i][1], cases[i][2], in, 4, in, 4, in, 4,
		                              val, out, 4, work, 4);
		gsl_test(st != CR_ERR_SIZE, "align size too large, %s: status %s", what[i],
		         cr_status_name((int)st));
		gsl_test(val[0] != -7.0 || out[0] != 1 || out[3] != 4, "align size too large, %s: wrote",
		         what[i]);
	}
}

int main(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 2003);
	gsl_set_error_handler_off();
	worst_t w = {0, 0, 0};
	// Sizes 1 and odd included (STYLE: the BLAS sweeps); square layers too.
	const size_t sizes[][3] = {{1, 1, 1}, {1, 3, 2}, {3, 1, 5}, {2, 2, 1}, {3, 2, 4},
	                           {4, 4, 7}, {5, 3, 3}, {2, 6, 9}, {7, 5, 6}};
	const double scales[3] = {1.0, 0.01, 37.5};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (int s = 0; s < 3; s++)
			check_case(r, sizes[i][0], sizes[i][1], sizes[i][2], scales[s], &w);
	printf("test_align: worst ratio to the bound: values (ALIGN-TOL-1) %.3g, "
	       "Sigma forms %.3g, finite differences %.3g\n", w.values, w.sigma, w.fd);
	test_workspace_len();
	test_errors(r);
	test_too_large();
	gsl_rng_free(r);
	return gsl_test_summary();
}
