// align_step.h: the test harness the three Kunin rules share (tests/test_sa.c,
// test_aa.c, test_ia.c), for their steps (spec/rules/align.md ALIGN-STEP-1..5,
// ALIGN-OUT-1 aside; spec/notation.md NOT-STEP-1, NOT-NET-5). Included by
// those files only: every function is static.
//
// Expected values never come from the step itself:
//   - ALIGN-STEP-1/3 (first step, every network of the catalogue): the loss,
//     W_1 = W_0 - eta dW and b_1 = b_0 - eta db formed here from cr_fa_grad's
//     loss, dW and db, bit for bit;
//   - ALIGN-STEP-2/3: B_1 = B_0 - eta_B G with G the rule's combination of
//     the primitive gradients of cr_align_prims on the layer inputs h_{l-1}
//     of the batch, from the tests' own forward pass (tl_forward, the same
//     sums in the same order as ref/, so the layer inputs are the same
//     numbers), combined here in the rule's order: bit for bit (the
//     primitives themselves are checked against GSL in test_align.c);
//   - the rule's fixed point (its test file), against GSL.
// Every call goes through as_run, which checks the contract of credit.h
// around it: read-only inputs unchanged, guard cells around every output and
// the workspace untouched, outputs fully written and finite on CR_OK and
// left exactly as they were on every error. Every status of the order of
// checks of ref/align.c is provoked (as_test_errors, as_test_nonfinite,
// as_test_too_large).
#ifndef CR_TEST_ALIGN_STEP_H
#define CR_TEST_ALIGN_STEP_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_vector.h>

#include "testlib.h"

// Every function here is static inline, so that a test file that does not use
// one of them gets no unused-function warning.
#define AS_FN static inline

#define AS_KG 8
#define AS_COPY_MAX ((size_t)1 << 20)

enum { AS_SA, AS_AA, AS_IA };

static const char *const as_rule_name[3] = {"sa", "aa", "ia"};

// The hyper-parameters of a step (ALIGN-STEP-4).
typedef struct {
	double eta, eta_B, alpha, beta, gamma;
} as_hyper;

AS_FN void *as_xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);
	if (p == NULL) {
		fprintf(stderr, "align_step: out of memory (%zu bytes)\n", n);
		exit(2);
	}
	return p;
}

AS_FN double *as_dup(const double *v, size_t n)
{
	double *d = as_xmalloc(n * sizeof *d);
	if (n)
		memcpy(d, v, n * sizeof *d);
	return d;
}

AS_FN double *as_guarded(size_t n)
{
	double *g = as_xmalloc((n + 2 * AS_KG) * sizeof *g);
	for (size_t i = 0; i < n + 2 * AS_KG; i++)
		g[i] = tl_sentinel();
	return g;
}

// One call of a step: the arguments, which a test may overwrite to provoke
// an error, and the guarded storage behind the outputs.
typedef struct {
	int rule;
	const char *label;
	cr_net net;
	const cr_net *netp;
	size_t batch;
	as_hyper hp;
	const double *W; size_t W_len;
	const double *b; size_t b_len;
	const double *B; size_t B_len;
	const double *x; size_t x_len;
	const double *t; size_t t_len;
	double *loss;
	double *W_next; size_t W_next_len;
	double *b_next; size_t b_next_len;
	double *B_next; size_t B_next_len;
	double *work; size_t work_len;
	double *g_loss, *g_W, *g_b, *g_B, *g_work;
	size_t n_W, n_b, n_B, n_work;
} as_call;

// Output `which` (0 W_next, 1 b_next, 2 B_next, 3 work) gets n usable cells.
AS_FN void as_set_out(as_call *c, int which, size_t n)
{
	double **g[4] = {&c->g_W, &c->g_b, &c->g_B, &c->g_work};
	double **p[4] = {&c->W_next, &c->b_next, &c->B_next, &c->work};
	size_t *len[4] = {&c->W_next_len, &c->b_next_len, &c->B_next_len, &c->work_len};
	size_t *cnt[4] = {&c->n_W, &c->n_b, &c->n_B, &c->n_work};
	free(*g[which]);
	*g[which] = as_guarded(n);
	*p[which] = *g[which] + AS_KG;
	*len[which] = n;
	*cnt[which] = n;
}

// A call of `rule` on problem p (x, t, the network) from the state W, b, B,
// with correct lengths and a workspace of exactly
// cr_align_step_workspace_len doubles.
AS_FN void as_init(as_call *c, int rule, const tl_problem *p, const double *W, const double *b,
                    const double *B, as_hyper hp, const char *label)
{
	memset(c, 0, sizeof *c);
	c->rule = rule;
	c->label = label;
	c->net.depth = p->depth;
	c->net.widths = p->widths;
	c->net.acts = p->acts;
	c->net.loss = p->loss;
	c->netp = &c->net;
	c->batch = p->batch;
	c->hp = hp;
	c->W = W; c->W_len = p->W_len;
	c->b = b; c->b_len = p->b_len;
	c->B = B; c->B_len = p->F_len;
	c->x = p->x; c->x_len = p->x_len;
	c->t = p->t; c->t_len = p->t_len;
	c->g_loss = as_guarded(1);
	c->loss = c->g_loss + AS_KG;
	as_set_out(c, 0, p->W_len);
	as_set_out(c, 1, p->b_len);
	as_set_out(c, 2, p->F_len);
	as_set_out(c, 3, cr_align_step_workspace_len(&c->net, c->batch));
	if (p->F_len == 0)
		c->B_next = NULL; // Depth 1: no feedback, B and B_next may be NULL.
}

AS_FN void as_free(as_call *c)
{
	free(c->g_loss);
	free(c->g_W);
	free(c->g_b);
	free(c->g_B);
	free(c->g_work);
	memset(c, 0, sizeof *c);
}

AS_FN void *as_snap(const void *p, size_t n, size_t size)
{
	if (p == NULL || n > AS_COPY_MAX)
		return NULL;
	void *s = as_xmalloc(n * size);
	memcpy(s, p, n * size);
	return s;
}

AS_FN void as_same(const as_call *c, const char *what, const void *now, void *before, size_t n,
                    size_t size)
{
	if (before == NULL)
		return;
	gsl_test(memcmp(now, before, n * size) != 0, "%s: read-only input %s must be unchanged",
	         c->label, what);
	free(before);
}

AS_FN void as_guards(const as_call *c, const char *what, const double *g, size_t n, int body)
{
	for (size_t i = 0; i < n + 2 * AS_KG; i++) {
		int in_body = i >= AS_KG && i < AS_KG + n;
		if ((in_body && !body) || tl_is_sentinel(g[i]))
			continue;
		gsl_test(1, "%s: %s %s cell %td changed (got %.17g)", c->label, what,
		         in_body ? "output" : "guard", (ptrdiff_t)i - AS_KG, g[i]);
		return;
	}
}

AS_FN int as_step(const as_call *c)
{
	const as_hyper *h = &c->hp;
	switch (c->rule) {
	case AS_SA:
		return (int)cr_sa_step(c->netp, c->batch, h->eta, h->eta_B, h->alpha, h->beta, c->W,
		                       c->W_len, c->b, c->b_len, c->B, c->B_len, c->x, c->x_len, c->t,
		                       c->t_len, c->loss, c->W_next, c->W_next_len, c->b_next,
		                       c->b_next_len, c->B_next, c->B_next_len, c->work, c->work_len);
	case AS_AA:
		return (int)cr_aa_step(c->netp, c->batch, h->eta, h->eta_B, h->alpha, h->beta, c->W,
		                       c->W_len, c->b, c->b_len, c->B, c->B_len, c->x, c->x_len, c->t,
		                       c->t_len, c->loss, c->W_next, c->W_next_len, c->b_next,
		                       c->b_next_len, c->B_next, c->B_next_len, c->work, c->work_len);
	default:
		return (int)cr_ia_step(c->netp, c->batch, h->eta, h->eta_B, h->alpha, h->beta, h->gamma,
		                       c->W, c->W_len, c->b, c->b_len, c->B, c->B_len, c->x, c->x_len,
		                       c->t, c->t_len, c->loss, c->W_next, c->W_next_len, c->b_next,
		                       c->b_next_len, c->B_next, c->B_next_len, c->work, c->work_len);
	}
}

// Calls the step and checks the contract around the call; returns the status.
AS_FN int as_run(as_call *c)
{
	size_t depth = c->netp ? c->netp->depth : 0;
	int net_ok = c->netp != NULL && c->net.widths != NULL && depth <= TL_MAX_L;
	void *s_widths = net_ok ? as_snap(c->net.widths, depth + 1, sizeof(size_t)) : NULL;
	void *s_W = as_snap(c->W, c->W_len, sizeof(double));
	void *s_b = as_snap(c->b, c->b_len, sizeof(double));
	void *s_B = as_snap(c->B, c->B_len, sizeof(double));
	void *s_x = as_snap(c->x, c->x_len, sizeof(double));
	void *s_t = as_snap(c->t, c->t_len, sizeof(double));

	int st = as_step(c);

	as_same(c, "widths", c->net.widths, s_widths, depth + 1, sizeof(size_t));
	as_same(c, "W", c->W, s_W, c->W_len, sizeof(double));
	as_same(c, "b", c->b, s_b, c->b_len, sizeof(double));
	as_same(c, "B", c->B, s_B, c->B_len, sizeof(double));
	as_same(c, "x", c->x, s_x, c->x_len, sizeof(double));
	as_same(c, "t", c->t, s_t, c->t_len, sizeof(double));

	int err = st != CR_OK;
	as_guards(c, "loss", c->g_loss, 1, err);
	as_guards(c, "W_next", c->g_W, c->n_W, err);
	as_guards(c, "b_next", c->g_b, c->n_b, err);
	as_guards(c, "B_next", c->g_B, c->n_B, err);
	as_guards(c, "work", c->g_work, c->n_work, 0);
	if (!err) {
		const double *o[4] = {c->g_loss + AS_KG, c->g_W + AS_KG, c->g_b + AS_KG, c->g_B + AS_KG};
		size_t on[4] = {1, c->n_W, c->n_b, c->n_B};
		const char *name[4] = {"loss", "W_next", "b_next", "B_next"};
		for (int k = 0; k < 4; k++)
			for (size_t i = 0; i < on[k]; i++)
				if (tl_is_sentinel(o[k][i]) || !isfinite(o[k][i])) {
					gsl_test(1, "%s: on CR_OK %s[%zu] is %s (%.17g)", c->label, name[k], i,
					         tl_is_sentinel(o[k][i]) ? "not written" : "not finite", o[k][i]);
					break;
				}
	}
	return st;
}

AS_FN void as_expect(as_call *c, int want, const char *what)
{
	int st = as_run(c);
	gsl_test(st != want, "%s, %s: status got %s (%d) expected %s (%d)", c->label, what,
	         cr_status_name(st), st, cr_status_name(want), want);
}

// ---------------------------------------------------------------- G from the primitives

// G = [G_2 | ... | G_L] of the rule (SA-REG-1, AA-REG-1, IA-REG-1), formed
// here from cr_align_prims on the layer inputs of the batch (tl_forward),
// each product rounded, then summed left to right (ALIGN-STEP-2). Returns 0
// when a call of cr_align_prims fails (reported).
AS_FN int as_expected_G(int rule, const tl_problem *p, const double *W, const double *b,
                         const double *B, as_hyper hp, double *G, const char *label)
{
	size_t N = p->batch, nh = N * p->b_len;
	double *a = as_xmalloc(nh * sizeof *a), *h = as_xmalloc(nh * sizeof *h);
	tl_forward(p, W, b, a, h);
	size_t offB = 0;
	int ok = 1;
	for (size_t l = 2; l <= p->depth; l++) {
		size_t ni = p->widths[l - 1], no = p->widths[l], ac = ni * no;
		const double *X = h + N * tl_off_b(p, l - 1); // N x n_{l-1}, one sample per row
		double value[CR_PRIM_COUNT];
		double *grad = as_xmalloc(CR_PRIM_COUNT * ac * sizeof *grad);
		size_t wl = cr_align_workspace_len(ni, no);
		double *work = as_xmalloc(wl * sizeof *work);
		cr_status st = cr_align_prims(ni, no, N, W + tl_off_W(p, l), ac, B + offB, ac, X, N * ni,
		                              value, grad, CR_PRIM_COUNT * ac, work, wl);
		gsl_test(st != CR_OK, "%s: cr_align_prims on layer %zu: %s", label, l,
		         cr_status_name((int)st));
		if (st != CR_OK)
			ok = 0;
		const double *dd = grad + CR_PRIM_DECAY * ac, *ds = grad + CR_PRIM_SELF * ac;
		const double *da = grad + CR_PRIM_AMP * ac, *dp = grad + CR_PRIM_SPARSE * ac;
		const double *dn = grad + CR_PRIM_NULL * ac;
		for (size_t i = 0; st == CR_OK && i < ac; i++) {
			if (rule == AS_SA)
				G[offB + i] = hp.alpha * dd[i] + hp.beta * ds[i];
			else if (rule == AS_AA)
				G[offB + i] = hp.alpha * dp[i] + hp.beta * da[i];
			else
				G[offB + i] = hp.alpha * da[i] + hp.beta * dn[i] + hp.gamma * dd[i];
		}
		free(grad);
		free(work);
		offB += ac;
	}
	free(a);
	free(h);
	return ok;
}

// ALIGN-STEP-1..3 for one step from (W, b, B): the loss, W and b against
// cr_fa_grad's update, B against the primitives' G, all bit for bit.
AS_FN void as_check_step(int rule, const tl_problem *p, const double *W, const double *b,
                          const double *B, as_hyper hp, const char *label)
{
	tl_problem q = *p;
	q.W = (double *)W;
	q.b = (double *)b;
	q.F = (double *)B;
	tl_call fa;
	tl_call_init(&fa, &q, TL_FA, label);
	tl_call_expect(&fa, CR_OK, "fa");
	as_call c;
	as_init(&c, rule, p, W, b, B, hp, label);
	as_expect(&c, CR_OK, "step");
	size_t nW = p->W_len, nb = p->b_len, nB = p->F_len;
	double *eW = as_xmalloc(nW * sizeof *eW), *eb = as_xmalloc(nb * sizeof *eb);
	double *G = as_xmalloc((nB ? nB : 1) * sizeof *G), *eB = as_xmalloc((nB ? nB : 1) * sizeof *eB);
	for (size_t i = 0; i < nW; i++)
		eW[i] = W[i] - hp.eta * fa.dW[i];
	for (size_t i = 0; i < nb; i++)
		eb[i] = b[i] - hp.eta * fa.db[i];
	tl_check_bits(label, "loss (FA's, ALIGN-STEP-1)", c.loss, fa.loss, 1);
	tl_check_bits(label, "W_1 = W_0 - eta dW_fa (ALIGN-STEP-3)", c.W_next, eW, nW);
	tl_check_bits(label, "b_1 = b_0 - eta db_fa (ALIGN-STEP-3)", c.b_next, eb, nb);
	if (as_expected_G(rule, p, W, b, B, hp, G, label)) {
		for (size_t i = 0; i < nB; i++)
			eB[i] = B[i] - hp.eta_B * G[i];
		tl_check_bits(label, "B_1 = B_0 - eta_B G (ALIGN-STEP-2/3)", c.B_next, eB, nB);
	}
	free(eW);
	free(eb);
	free(G);
	free(eB);
	as_free(&c);
	tl_call_free(&fa);
}

// SA-ID-2 / AA-ID-2: with alpha = beta / 2 and B = W^T, G = 0 exactly: the
// step leaves B unchanged bit for bit and is backpropagation's step
// (loss, W - eta dW_bp, b - eta db_bp), for `steps` steps with fresh data.
AS_FN void as_check_identity(int rule, tl_problem *p, gsl_rng *r, as_hyper hp, size_t steps,
                              const char *label)
{
	size_t nW = p->W_len, nb = p->b_len, nB = p->F_len;
	double *W = as_dup(p->W, nW), *b = as_dup(p->b, nb);
	double *B = as_xmalloc((nB ? nB : 1) * sizeof *B), *Bt = as_xmalloc((nB ? nB : 1) * sizeof *Bt);
	tl_B_from_W(p, W, B);
	for (size_t s = 1; s <= steps; s++) {
		for (size_t i = 0; i < p->x_len; i++)
			p->x[i] = tl_unif(r, -2.0, 2.0);
		tl_problem q = *p;
		q.W = W;
		q.b = b;
		tl_call bp;
		tl_call_init(&bp, &q, TL_BP, label);
		tl_call_expect(&bp, CR_OK, "bp");
		as_call c;
		as_init(&c, rule, p, W, b, B, hp, label);
		as_expect(&c, CR_OK, "identity step");
		double *eW = as_xmalloc(nW * sizeof *eW), *eb = as_xmalloc(nb * sizeof *eb);
		for (size_t i = 0; i < nW; i++)
			eW[i] = W[i] - hp.eta * bp.dW[i];
		for (size_t i = 0; i < nb; i++)
			eb[i] = b[i] - hp.eta * bp.db[i];
		tl_check_bits(label, "B unchanged (G = 0, *-ID-2)", c.B_next, B, nB);
		tl_check_bits(label, "loss vs bp (*-ID-2)", c.loss, bp.loss, 1);
		tl_check_bits(label, "W vs bp step (*-ID-2)", c.W_next, eW, nW);
		tl_check_bits(label, "b vs bp step (*-ID-2)", c.b_next, eb, nb);
		// The next step starts from W_s with B = W_0^T, no longer W_s^T:
		// restart the identity from B = W_s^T.
		memcpy(W, c.W_next, nW * sizeof *W);
		memcpy(b, c.b_next, nb * sizeof *b);
		tl_B_from_W(p, W, B);
		free(eW);
		free(eb);
		as_free(&c);
		tl_call_free(&bp);
	}
	(void)Bt;
	free(W);
	free(b);
	free(B);
	free(Bt);
}

// A trajectory of `steps` steps with fresh batches: every step through
// as_run (the contract), and each step's first-step checks from the state
// the previous step produced (NOT-STEP-1: a trajectory is the step applied
// to its own outputs).
AS_FN void as_check_trajectory(int rule, tl_problem *p, gsl_rng *r, as_hyper hp, size_t steps,
                                const char *name)
{
	size_t nW = p->W_len, nb = p->b_len, nB = p->F_len;
	double *W = as_dup(p->W, nW), *b = as_dup(p->b, nb), *B = as_dup(p->F, nB);
	char label[240];
	for (size_t s = 1; s <= steps; s++) {
		for (size_t i = 0; i < p->x_len; i++)
			p->x[i] = tl_unif(r, -2.0, 2.0);
		snprintf(label, sizeof label, "%s %s, step %zu", as_rule_name[rule], name, s);
		as_check_step(rule, p, W, b, B, hp, label);
		as_call c;
		as_init(&c, rule, p, W, b, B, hp, label);
		as_expect(&c, CR_OK, "trajectory step");
		memcpy(W, c.W_next, nW * sizeof *W);
		memcpy(b, c.b_next, nb * sizeof *b);
		if (nB)
			memcpy(B, c.B_next, nB * sizeof *B);
		as_free(&c);
	}
	free(W);
	free(b);
	free(B);
}

// ---------------------------------------------------------------- fixed points

// A depth-2 identity network n0-n1-n2 with MSE whose task gradient is exactly
// 0: t is the network's own output, computed by tl_forward with the sums of
// ref/ in the same order, so y - t = 0 in every entry, every delta is 0, and
// a step moves only B (W - eta 0 = W, b - eta 0 = b). W, b, x and B are
// tl_problem_init's random draws unless the caller replaces them (and then
// calls as_exact_targets).
AS_FN void as_exact_targets(tl_problem *p)
{
	size_t N = p->batch, nh = N * p->b_len, nL = p->widths[p->depth];
	double *a = as_xmalloc(nh * sizeof *a), *h = as_xmalloc(nh * sizeof *h);
	tl_forward(p, p->W, p->b, a, h);
	memcpy(p->t, h + N * tl_off_b(p, p->depth), N * nL * sizeof *h);
	free(a);
	free(h);
}

AS_FN void as_zero_task(tl_problem *p, gsl_rng *r, size_t n0, size_t n1, size_t n2, size_t N)
{
	const size_t w[3] = {n0, n1, n2};
	const cr_act id[2] = {{CR_ACT_IDENTITY, 0}, {CR_ACT_IDENTITY, 0}};
	tl_problem_init(p, r, TL_FA, 2, w, id, CR_LOSS_MSE, N);
	as_exact_targets(p);
}

// K steps of the rule from B_0 = p->F with W and b fixed; Bs holds the K + 1
// states of B. Checks that the task gradient is 0 at every step (loss 0, W
// and b unchanged bit for bit).
AS_FN void as_iterate(int rule, tl_problem *p, as_hyper hp, size_t K, double *Bs,
                       const char *label)
{
	size_t nB = p->F_len;
	memcpy(Bs, p->F, nB * sizeof *Bs);
	for (size_t k = 0; k < K; k++) {
		as_call c;
		as_init(&c, rule, p, p->W, p->b, Bs + k * nB, hp, label);
		as_expect(&c, CR_OK, "fixed-point iteration");
		gsl_test(*c.loss != 0.0, "%s: task loss %.3g, expected 0", label, *c.loss);
		tl_check_bits(label, "W held fixed", c.W_next, p->W, p->W_len);
		tl_check_bits(label, "b held fixed", c.b_next, p->b, p->b_len);
		memcpy(Bs + (k + 1) * nB, c.B_next, nB * sizeof *Bs);
		as_free(&c);
	}
}

// ---------------------------------------------------------------- GSL helpers

// Sigma = (1/N) X^T X and Sigma_a = (1/N) |X|^T |X| of the N x a matrix X
// (one layer input per row), with GSL BLAS.
AS_FN void as_sigma(const double *X, size_t N, size_t a, gsl_matrix *S, gsl_matrix *Sa)
{
	gsl_matrix_const_view Xv = gsl_matrix_const_view_array(X, N, a);
	gsl_matrix *aX = gsl_matrix_alloc(N, a);
	for (size_t i = 0; i < N * a; i++)
		aX->data[i] = fabs(X[i]);
	gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0 / (double)N, &Xv.matrix, &Xv.matrix, 0.0, S);
	gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0 / (double)N, aX, aX, 0.0, Sa);
	gsl_matrix_free(aX);
}

// The smallest and largest eigenvalue of the symmetric matrix A (gsl_eigen_symm).
AS_FN void as_eig_range(const gsl_matrix *A, double *lo, double *hi)
{
	size_t n = A->size1;
	gsl_matrix *C = gsl_matrix_alloc(n, n);
	gsl_vector *ev = gsl_vector_alloc(n);
	gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(n);
	gsl_matrix_memcpy(C, A);
	gsl_eigen_symm(C, ev, w);
	*lo = gsl_vector_min(ev);
	*hi = gsl_vector_max(ev);
	gsl_eigen_symm_free(w);
	gsl_vector_free(ev);
	gsl_matrix_free(C);
}

// X = A^{-1} Y (A n x n, Y and X n x m), column by column with GSL's LU.
AS_FN void as_solve(const gsl_matrix *A, const gsl_matrix *Y, gsl_matrix *X)
{
	size_t n = A->size1;
	gsl_matrix *LU = gsl_matrix_alloc(n, n);
	gsl_permutation *perm = gsl_permutation_alloc(n);
	gsl_vector *col = gsl_vector_alloc(n), *sol = gsl_vector_alloc(n);
	int sgn;
	gsl_matrix_memcpy(LU, A);
	gsl_linalg_LU_decomp(LU, perm, &sgn);
	for (size_t j = 0; j < Y->size2; j++) {
		gsl_matrix_get_col(col, Y, j);
		gsl_linalg_LU_solve(LU, perm, col, sol);
		gsl_matrix_set_col(X, j, sol);
	}
	gsl_vector_free(col);
	gsl_vector_free(sol);
	gsl_permutation_free(perm);
	gsl_matrix_free(LU);
}

// An a-posteriori bound on the error of X = as_solve(A, Y) as the solution
// of the exact system A X* = Y (A, Y exactly as stored):
//   |X - X*|_F <= |A^{-1}|_2 (|r|_F + gamma_{n+1} | |A||X| + |Y| |_F),
// r = fl(A X - Y) formed here (its own rounding is the gamma term), and
// |A^{-1}|_2 = 1 / lambda_min for a symmetric positive definite A.
AS_FN double as_solve_bound(const gsl_matrix *A, const gsl_matrix *Y, const gsl_matrix *X,
                            double lambda_min)
{
	size_t n = A->size1, m = Y->size2;
	double rr = 0.0, gg = 0.0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m; j++) {
			double s = 0.0, g = 0.0;
			for (size_t k = 0; k < n; k++) {
				s += gsl_matrix_get(A, i, k) * gsl_matrix_get(X, k, j);
				g += fabs(gsl_matrix_get(A, i, k)) * fabs(gsl_matrix_get(X, k, j));
			}
			s -= gsl_matrix_get(Y, i, j);
			g += fabs(gsl_matrix_get(Y, i, j));
			rr += s * s;
			gg += g * g;
		}
	double k = (double)(n + 1), gam = k * TL_U / (1.0 - k * TL_U);
	return (sqrt(rr) + gam * sqrt(gg)) / lambda_min;
}

// The Frobenius norm of the difference of two arrays of n doubles.
AS_FN double as_dist(const double *u, const double *v, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += (u[i] - v[i]) * (u[i] - v[i]);
	return sqrt(s);
}

AS_FN double as_norm(const double *u, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += u[i] * u[i];
	return sqrt(s);
}

// ---------------------------------------------------------------- errors

// cr_align_step_workspace_len: its formula on the catalogue, 0 for every
// invalid network and every overflow.
AS_FN void as_test_workspace_len(void)
{
	size_t depth, widths[TL_MAX_L + 1], batch;
	cr_act acts[TL_MAX_L];
	int loss;
	char name[96];
	for (size_t i = 0; tl_catalog(i, &depth, widths, acts, &loss, &batch, name, sizeof name); i++) {
		cr_net net = {depth, widths, acts, loss};
		size_t m = 0;
		for (size_t l = 1; l <= depth; l++)
			if (widths[l] > m)
				m = widths[l];
		size_t want = cr_workspace_len(&net, batch) + tl_len_W(depth, widths) +
		              3 * tl_len_b(depth, widths) + 4 * tl_len_F(TL_FA, depth, widths) + 3 * m;
		gsl_test(cr_align_step_workspace_len(&net, batch) != want,
		         "cr_align_step_workspace_len(%s) = %zu, expected %zu", name,
		         cr_align_step_workspace_len(&net, batch), want);
	}
	size_t w[4] = {3, 4, 5, 2};
	cr_act a3[3] = {{CR_ACT_TANH, 0}, {CR_ACT_RELU, 0}, {CR_ACT_IDENTITY, 0}};
	cr_net net = {3, w, a3, CR_LOSS_MSE};
	gsl_test(cr_align_step_workspace_len(NULL, 3) != 0, "cr_align_step_workspace_len: net NULL");
	net.widths = NULL;
	gsl_test(cr_align_step_workspace_len(&net, 3) != 0, "cr_align_step_workspace_len: widths NULL");
	net.widths = w;
	net.depth = 0;
	gsl_test(cr_align_step_workspace_len(&net, 3) != 0, "cr_align_step_workspace_len: depth 0");
	net.depth = 3;
	gsl_test(cr_align_step_workspace_len(&net, 0) != 0, "cr_align_step_workspace_len: batch 0");
	for (size_t l = 0; l <= 3; l++) {
		size_t keep = w[l];
		w[l] = 0;
		gsl_test(cr_align_step_workspace_len(&net, 3) != 0,
		         "cr_align_step_workspace_len: width %zu is 0", l);
		w[l] = keep;
	}
	size_t w65[CR_MAX_DEPTH + 2];
	cr_act a65[CR_MAX_DEPTH + 1];
	for (size_t l = 0; l < CR_MAX_DEPTH + 2; l++)
		w65[l] = 1;
	for (size_t l = 0; l < CR_MAX_DEPTH + 1; l++)
		a65[l] = (cr_act){CR_ACT_IDENTITY, 0};
	cr_net deep = {CR_MAX_DEPTH + 1, w65, a65, CR_LOSS_MSE};
	gsl_test(cr_align_step_workspace_len(&deep, 1) != 0, "cr_align_step_workspace_len: depth %d",
	         CR_MAX_DEPTH + 1);
	deep.depth = CR_MAX_DEPTH;
	gsl_test(cr_align_step_workspace_len(&deep, 1) == 0,
	         "cr_align_step_workspace_len: depth %d is valid", CR_MAX_DEPTH);
	if (SIZE_MAX >> 63 == 0)
		return;
	const size_t M = SIZE_MAX, h = (size_t)1 << 32;
	size_t wp[2] = {h * 2, h * 2};
	cr_net over = {1, wp, a65, CR_LOSS_MSE};
	gsl_test(cr_align_step_workspace_len(&over, 1) != 0, "n_1 n_0 overflows");
	size_t ws[3] = {h, h / 2, h};
	cr_net sum = {2, ws, a65, CR_LOSS_MSE};
	gsl_test(cr_align_step_workspace_len(&sum, 1) != 0, "W_len overflows");
	size_t wb[3] = {1, M / 2 + 1, 1};
	cr_net bsum = {2, wb, a65, CR_LOSS_MSE};
	gsl_test(cr_align_step_workspace_len(&bsum, 1) != 0, "b_len overflows");
	size_t wx[2] = {3, 1};
	cr_net xn = {1, wx, a65, CR_LOSS_MSE};
	gsl_test(cr_align_step_workspace_len(&xn, M / 2) != 0, "batch n_0 overflows");
	// Depth 1, widths {1, n}: W_len = b_len = m = n, B_len = 0, FA's
	// workspace 5n, the step's 5n + n + 3n + 3n = 12n. For n = M / k where
	// FA's fits, the test forms 12 n itself and expects 0 exactly when it
	// overflows; both outcomes are reached.
	int hit_over = 0, hit_fit = 0;
	for (size_t k = 2; k <= 16; k++) {
		size_t wn[2] = {1, M / k};
		cr_net one = {1, wn, a65, CR_LOSS_MSE};
		size_t n = wn[1], fa = cr_workspace_len(&one, 1), got = cr_align_step_workspace_len(&one, 1);
		if (fa == 0) {
			gsl_test(got != 0, "n = M/%zu: FA's workspace overflows", k);
			continue;
		}
		int ovf = n > (M - fa) / 7;
		hit_over += ovf;
		hit_fit += !ovf;
		size_t want = ovf ? 0 : fa + 7 * n;
		gsl_test(got != want, "cr_align_step_workspace_len: n = M/%zu: got %zu expected %zu", k,
		         got, want);
	}
	gsl_test(!hit_over || !hit_fit, "cr_align_step_workspace_len: both outcomes reached (%d, %d)",
	         hit_over, hit_fit);
}

AS_FN void as_tiny(tl_problem *p, size_t depth, const double *W, const double *b,
                    const double *B, double x, double t)
{
	memset(p, 0, sizeof *p);
	p->rule = TL_FA;
	p->depth = depth;
	for (size_t l = 0; l <= depth; l++)
		p->widths[l] = 1;
	for (size_t l = 0; l < depth; l++)
		p->acts[l] = (cr_act){CR_ACT_IDENTITY, 0};
	p->loss = CR_LOSS_MSE;
	p->batch = 1;
	p->W_len = p->b_len = depth;
	p->F_len = depth - 1;
	p->x_len = p->t_len = 1;
	p->W = as_dup(W, depth);
	p->b = as_dup(b, depth);
	p->F = depth > 1 ? as_dup(B, depth - 1) : NULL;
	p->x = as_dup(&x, 1);
	p->t = as_dup(&t, 1);
}

// non_finite_result: finite inputs whose step overflows, in each place it
// can (ref/align.c check 7, and cr_fa_grad's).
AS_FN void as_test_nonfinite(int rule)
{
	tl_problem p;
	as_call c;
	const as_hyper ok = {1e-3, 1e-3, 0.5, 0.5, 0.25};
	as_hyper h = ok;
	const double W1[1] = {0.5}, b1[1] = {0.25};
	// y = 1.25, e = 2.25, dW = 4.5: eta dW = 4.5e308 overflows.
	as_tiny(&p, 1, W1, b1, NULL, 2.0, -1.0);
	h.eta = 1e308;
	as_init(&c, rule, &p, p.W, p.b, NULL, h, "non_finite_result, eta dW");
	as_expect(&c, CR_ERR_NONFINITE_RESULT, "W_next overflows");
	as_free(&c);
	as_init(&c, rule, &p, p.W, p.b, NULL, ok, "non_finite_result control");
	as_expect(&c, CR_OK, "small eta");
	as_free(&c);
	tl_problem_free(&p);
	// x = 0: dW = 0; db = 2.25 and b - eta db overflows.
	as_tiny(&p, 1, W1, b1, NULL, 0.0, -2.0);
	as_init(&c, rule, &p, p.W, p.b, NULL, h, "non_finite_result, b only");
	as_expect(&c, CR_ERR_NONFINITE_RESULT, "b_next overflows");
	as_free(&c);
	tl_problem_free(&p);
	// Depth 2, t = y (no task gradient): only B moves, and eta_B G
	// overflows. SA: G = alpha 2B + beta (-W^T) with B = 1e300, alpha = 1;
	// AA: G = alpha (2/N) x q^T + ..., x = h_1 = 1e150, q = B x = 1e300 ...;
	// IA: gamma 2B with B = 1e300 and the others 0.
	const double W2[2] = {0.5, 0.5}, b2[2] = {0.0, 0.0}, B2[1] = {1e300};
	as_tiny(&p, 2, W2, b2, B2, rule == AS_AA ? 2e150 : 1.0, 0.0);
	// t = y exactly: y = 0.5 (0.5 x) (dyadic, exact).
	p.t[0] = 0.5 * (0.5 * p.x[0]);
	h = ok;
	h.eta_B = 1e10;
	h.alpha = rule == AS_IA ? 0.0 : 1.0;
	h.beta = 0.0;
	h.gamma = rule == AS_IA ? 1.0 : 0.0;
	as_init(&c, rule, &p, p.W, p.b, p.F, h, "non_finite_result, B only");
	as_expect(&c, CR_ERR_NONFINITE_RESULT, "B_next overflows");
	as_free(&c);
	tl_problem_free(&p);
	// The loss overflows inside cr_fa_grad (y = 1e300 * 1e300).
	const double Wbig[1] = {1e300};
	as_tiny(&p, 1, Wbig, b1, NULL, 1e300, 0.0);
	as_init(&c, rule, &p, p.W, p.b, NULL, ok, "non_finite_result, loss");
	as_expect(&c, CR_ERR_NONFINITE_RESULT, "the forward pass overflows");
	as_free(&c);
	tl_problem_free(&p);
}

// Every other status of the order of checks of ref/align.c, on a depth-3
// network with a parameterised layer (and depth 1 for NULL B).
AS_FN void as_test_errors(int rule, gsl_rng *r)
{
	const size_t w[4] = {3, 4, 5, 2};
	const cr_act acts[3] = {{CR_ACT_TANH, 0}, {CR_ACT_LEAKY_RELU, 0.1875}, {CR_ACT_IDENTITY, 0}};
	tl_problem p;
	tl_problem_init(&p, r, TL_FA, 3, w, acts, CR_LOSS_MSE, 3);
	as_call c;
	const as_hyper hp = {0.0731, 0.0417, 0.381, 0.619, 0.0273};
	as_init(&c, rule, &p, p.W, p.b, p.F, hp, "errors: valid call");
	as_expect(&c, CR_OK, "valid");
	as_free(&c);
	// Coefficients 0 and -0.0 are valid (>= 0, ALIGN-STEP-4).
	for (int k = 0; k < 3; k++)
		for (int z = 0; z < 2; z++) {
			as_hyper h = hp;
			double *v = k == 0 ? &h.alpha : k == 1 ? &h.beta : &h.gamma;
			*v = z ? -0.0 : 0.0;
			as_init(&c, rule, &p, p.W, p.b, p.F, h, "errors: a coefficient 0 or -0.0");
			as_expect(&c, CR_OK, k == 0 ? "alpha" : k == 1 ? "beta" : "gamma");
			as_free(&c);
		}

	// invalid_parameter (ALIGN-STEP-4), checked first.
	const double bad_rate[6] = {0.0, -0.0, -1.0, NAN, INFINITY, -INFINITY};
	const double bad_coef[4] = {-1e-300, NAN, INFINITY, -INFINITY};
	int ncoef = rule == AS_IA ? 3 : 2;
	for (int k = 0; k < 2 + ncoef; k++) {
		int n = k < 2 ? 6 : 4;
		for (int i = 0; i < n; i++) {
			as_hyper h = hp;
			double *v = k == 0 ? &h.eta : k == 1 ? &h.eta_B : k == 2 ? &h.alpha
			          : k == 3 ? &h.beta : &h.gamma;
			*v = k < 2 ? bad_rate[i] : bad_coef[i];
			as_init(&c, rule, &p, p.W, p.b, p.F, h, "errors: invalid_parameter");
			char what[64];
			snprintf(what, sizeof what, "%s = %g",
			         k == 0 ? "eta" : k == 1 ? "eta_B" : k == 2 ? "alpha" : k == 3 ? "beta" : "gamma",
			         *v);
			as_expect(&c, CR_ERR_PARAM, what);
			as_free(&c);
		}
	}
	as_hyper hn = hp;
	hn.eta_B = NAN;
	as_init(&c, rule, &p, p.W, p.b, p.F, hn, "errors: order");
	c.loss = NULL;
	c.batch = 0;
	as_expect(&c, CR_ERR_PARAM, "eta_B NaN, loss NULL and batch 0: the parameter comes first");
	as_free(&c);

	// null_pointer: each pointer in turn.
	const char *nulls[13] = {"loss", "W", "b", "B", "x", "t", "W_next", "b_next", "B_next",
	                         "work", "net", "widths", "acts"};
	for (int k = 0; k < 13; k++) {
		as_init(&c, rule, &p, p.W, p.b, p.F, hp, "errors: NULL");
		switch (k) {
		case 0: c.loss = NULL; break;
		case 1: c.W = NULL; break;
		case 2: c.b = NULL; break;
		case 3: c.B = NULL; break;
		case 4: c.x = NULL; break;
		case 5: c.t = NULL; break;
		case 6: c.W_next = NULL; break;
		case 7: c.b_next = NULL; break;
		case 8: c.B_next = NULL; break;
		case 9: c.work = NULL; break;
		case 10: c.netp = NULL; break;
		case 11: c.net.widths = NULL; break;
		default: c.net.acts = NULL; break;
		}
		as_expect(&c, CR_ERR_NULL, nulls[k]);
		as_free(&c);
	}
	// acts NULL with depth 0 is zero_size, not null_pointer.
	as_init(&c, rule, &p, p.W, p.b, p.F, hp, "errors: NULL");
	c.net.acts = NULL;
	c.net.depth = 0;
	as_expect(&c, CR_ERR_ZERO_SIZE, "acts NULL at depth 0");
	as_free(&c);

	// zero_size: batch, each width, depth.
	as_init(&c, rule, &p, p.W, p.b, p.F, hp, "errors: zero size");
	c.batch = 0;
	as_expect(&c, CR_ERR_ZERO_SIZE, "batch 0");
	as_free(&c);
	for (size_t l = 0; l <= 3; l++) {
		size_t wz[4];
		memcpy(wz, w, sizeof wz);
		wz[l] = 0;
		as_init(&c, rule, &p, p.W, p.b, p.F, hp, "errors: zero size");
		c.net.widths = wz;
		as_expect(&c, CR_ERR_ZERO_SIZE, "a width 0");
		as_free(&c);
	}
	as_init(&c, rule, &p, p.W, p.b, p.F, hp, "errors: zero size");
	c.net.depth = 0;
	as_expect(&c, CR_ERR_ZERO_SIZE, "depth 0");
	as_free(&c);

	// size_mismatch: each length one too small and one too large.
	const char *lens[8] = {"W_len", "b_len", "B_len", "x_len", "t_len", "W_next_len",
	                       "b_next_len", "B_next_len"};
	for (int k = 0; k < 8; k++)
		for (int dir = -1; dir <= 1; dir += 2) {
			as_init(&c, rule, &p, p.W, p.b, p.F, hp, "errors: size mismatch");
			const double *src[5] = {p.W, p.b, p.F, p.x, p.t};
			size_t *in_len[5] = {&c.W_len, &c.b_len, &c.B_len, &c.x_len, &c.t_len};
			const double **in_ptr[5] = {&c.W, &c.b, &c.B, &c.x, &c.t};
			double *longer = NULL;
			if (k < 5) {
				size_t n = *in_len[k];
				if (dir > 0) {
					longer = as_xmalloc((n + 1) * sizeof(double));
					memcpy(longer, src[k], n * sizeof(double));
					longer[n] = 0.5;
					*in_ptr[k] = longer;
				}
				*in_len[k] = dir > 0 ? n + 1 : n - 1;
			} else {
				size_t n = k == 5 ? p.W_len : k == 6 ? p.b_len : p.F_len;
				as_set_out(&c, k - 5, dir > 0 ? n + 1 : n - 1);
			}
			char what[64];
			snprintf(what, sizeof what, "%s %s", lens[k], dir > 0 ? "+1" : "-1");
			as_expect(&c, CR_ERR_SIZE_MISMATCH, what);
			free(longer);
			as_free(&c);
		}

	// workspace_too_small: one double short, and none at all; larger is fine.
	as_init(&c, rule, &p, p.W, p.b, p.F, hp, "errors: workspace");
	as_set_out(&c, 3, cr_align_step_workspace_len(&c.net, c.batch) - 1);
	as_expect(&c, CR_ERR_WORKSPACE, "work_len one short");
	as_set_out(&c, 3, 0);
	c.work = NULL;
	as_expect(&c, CR_ERR_WORKSPACE, "work NULL, work_len 0");
	as_set_out(&c, 3, cr_align_step_workspace_len(&c.net, c.batch) + 5);
	as_expect(&c, CR_OK, "work_len larger");
	as_free(&c);

	// unknown_activation (this file's check), then cr_fa_grad's checks.
	for (int k = 0; k < 2; k++) {
		cr_act bad[3];
		memcpy(bad, acts, sizeof bad);
		bad[1].kind = k ? -1 : CR_ACT_COUNT;
		as_init(&c, rule, &p, p.W, p.b, p.F, hp, "errors: activation");
		c.net.acts = bad;
		as_expect(&c, CR_ERR_ACTIVATION, k ? "kind -1" : "kind CR_ACT_COUNT");
		as_free(&c);
	}
	cr_act bad[3];
	memcpy(bad, acts, sizeof bad);
	bad[1].slope = NAN;
	as_init(&c, rule, &p, p.W, p.b, p.F, hp, "errors: fa checks");
	c.net.acts = bad;
	as_expect(&c, CR_ERR_PARAM, "leaky slope NaN");
	as_free(&c);
	as_init(&c, rule, &p, p.W, p.b, p.F, hp, "errors: fa checks");
	c.net.loss = CR_LOSS_COUNT;
	as_expect(&c, CR_ERR_LOSS, "unknown loss");
	as_free(&c);
	const double *src[5] = {p.W, p.b, p.F, p.x, p.t};
	const size_t srcn[5] = {p.W_len, p.b_len, p.F_len, p.x_len, p.t_len};
	const char *srcname[5] = {"W", "b", "B", "x", "t"};
	for (int k = 0; k < 5; k++) {
		double *copy = as_dup(src[k], srcn[k]);
		copy[srcn[k] / 2] = k % 2 ? INFINITY : NAN;
		as_init(&c, rule, &p, k == 0 ? copy : p.W, k == 1 ? copy : p.b, k == 2 ? copy : p.F, hp,
		        "errors: non_finite_input");
		if (k == 3)
			c.x = copy;
		if (k == 4)
			c.t = copy;
		as_expect(&c, CR_ERR_NONFINITE_INPUT, srcname[k]);
		as_free(&c);
		free(copy);
	}
	tl_problem_free(&p);

	// Depth 1: no feedback (ALIGN-STEP-5). B and B_next may be NULL with
	// length 0, or non-NULL with length 0; a length 1 is size_mismatch. The
	// step is FA's (= BP's) gradient step.
	const size_t w1[2] = {3, 2};
	const cr_act a1[1] = {{CR_ACT_LOGISTIC, 0}};
	tl_problem_init(&p, r, TL_FA, 1, w1, a1, CR_LOSS_SOFTMAX_CE, 2);
	double spare[1] = {0.75};
	as_init(&c, rule, &p, p.W, p.b, NULL, hp, "depth 1");
	as_expect(&c, CR_OK, "B and B_next NULL");
	as_free(&c);
	as_init(&c, rule, &p, p.W, p.b, spare, hp, "depth 1");
	as_set_out(&c, 2, 0);
	as_expect(&c, CR_OK, "B and B_next non-NULL with length 0");
	as_free(&c);
	as_init(&c, rule, &p, p.W, p.b, spare, hp, "depth 1");
	c.B_len = 1;
	as_expect(&c, CR_ERR_SIZE_MISMATCH, "B_len 1");
	as_free(&c);
	as_init(&c, rule, &p, p.W, p.b, NULL, hp, "depth 1");
	as_set_out(&c, 2, 1);
	as_expect(&c, CR_ERR_SIZE_MISMATCH, "B_next_len 1");
	as_free(&c);
	tl_problem_free(&p);
}

// size_too_large through the step: the depth, a product, and the step's
// workspace alone. The arrays are short dummies behind huge claimed lengths;
// the step must fail before it reads them and write nothing.
AS_FN void as_test_too_large(int rule)
{
	if (SIZE_MAX >> 63 == 0)
		return;
	double in[4] = {0.5, 0.5, 0.5, 0.5}, out[4] = {1, 2, 3, 4}, loss = -7.0;
	size_t w65[CR_MAX_DEPTH + 2];
	cr_act a65[CR_MAX_DEPTH + 1];
	for (size_t l = 0; l < CR_MAX_DEPTH + 2; l++)
		w65[l] = 1;
	for (size_t l = 0; l < CR_MAX_DEPTH + 1; l++)
		a65[l] = (cr_act){CR_ACT_IDENTITY, 0};
	struct { size_t depth; size_t w[3]; const char *what; } cases[3] = {
		{CR_MAX_DEPTH + 1, {0, 0, 0}, "depth CR_MAX_DEPTH + 1"},
		{1, {(size_t)1 << 33, (size_t)1 << 33, 0}, "n_1 n_0 overflows"},
		{1, {1, SIZE_MAX / 8, 0}, "only the step's workspace overflows"},
	};
	for (int i = 0; i < 3; i++) {
		const size_t *wi = i == 0 ? w65 : cases[i].w;
		cr_net net = {cases[i].depth, wi, a65, CR_LOSS_MSE};
		if (i == 2)
			gsl_test(cr_workspace_len(&net, 1) == 0, "too large: FA's workspace must fit");
		size_t big = i == 0 ? CR_MAX_DEPTH + 1 : (size_t)-1 / 2; // never read
		as_call c;
		memset(&c, 0, sizeof c);
		c.rule = rule;
		c.label = cases[i].what;
		c.netp = &net;
		c.batch = 1;
		c.hp = (as_hyper){0.0731, 0.0417, 0.381, 0.619, 0.0273};
		c.W = in; c.W_len = big;
		c.b = in; c.b_len = big;
		c.B = in; c.B_len = i == 0 ? big : 0;
		c.x = in; c.x_len = 1;
		c.t = in; c.t_len = big;
		c.loss = &loss;
		c.W_next = out; c.W_next_len = big;
		c.b_next = out; c.b_next_len = big;
		c.B_next = out; c.B_next_len = i == 0 ? big : 0;
		c.work = out; c.work_len = big;
		int st = as_step(&c);
		gsl_test(st != CR_ERR_SIZE, "%s too large, %s: status %s", as_rule_name[rule],
		         cases[i].what, cr_status_name(st));
		gsl_test(loss != -7.0 || out[0] != 1 || out[3] != 4, "%s too large, %s: wrote output",
		         as_rule_name[rule], cases[i].what);
		gsl_test(cr_align_step_workspace_len(&net, 1) != 0, "%s too large, %s: workspace length",
		         as_rule_name[rule], cases[i].what);
	}
}

// The sweep every rule runs: the first step and a short trajectory on every
// network of the catalogue, the errors, the workspace, the overflows.
AS_FN void as_check_all(int rule, gsl_rng *r, as_hyper hp)
{
	size_t depth, widths[TL_MAX_L + 1], batch;
	cr_act acts[TL_MAX_L];
	int loss;
	char name[96];
	for (size_t i = 0; tl_catalog(i, &depth, widths, acts, &loss, &batch, name, sizeof name); i++) {
		tl_problem p;
		tl_problem_init(&p, r, TL_FA, depth, widths, acts, loss, batch);
		as_check_trajectory(rule, &p, r, hp, 4, name);
		tl_problem_free(&p);
	}
	as_test_workspace_len();
	as_test_errors(rule, r);
	as_test_nonfinite(rule);
	as_test_too_large(rule);
}

#endif
