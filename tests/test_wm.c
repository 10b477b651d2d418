// test_wm.c: the weight mirror (spec/rules/wm.md WM-IN-1..3, WM-STEP-1..4,
// WM-ERR-1, WM-ID-1..3; spec/notation.md NOT-STEP-1, NOT-NET-5).
//
// Expected values never come from cr_wm_step itself:
//   - WM-STEP-1..4: every step of short trajectories on the networks of the
//     catalogue, for each variant and with a number of noise rows that
//     changes from step to step, is formed here from cr_fa_grad's loss, dW
//     and db and a mirror written out in this file in the order of
//     operations WM-STEP-2/3 prescribe (the kunin term literally as
//     alpha (2 B) + beta (-S)), and compared bit for bit; the first step of
//     each is WM-STEP-1/4's "FA's loss, W - eta dW, b - eta db";
//   - WM-ID-1, WM-ID-2: with dW = db = 0 exactly and the same noise every
//     step, B converges to E W^T / decay_B (linear) and (beta / 2 alpha)
//     E W^T (kunin), computed with GSL (gsl_blas_dgemm), within a rounding
//     bound derived below;
//   - WM-ID-3: with B = W^T and the noise rows c e_m, the first step leaves
//     B unchanged bit for bit and is backpropagation's (cr_bp_grad).
// Every call of cr_wm_step goes through wm_run, which checks the contract of
// ref/credit.h around it: read-only inputs unchanged, guard cells around
// every output and the workspace untouched, outputs fully written and finite
// on CR_OK and left exactly as they were on every error. Every status of
// WM-ERR-1 and of the order of checks in ref/wm.c is provoked.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_matrix.h>

#include "testlib.h"

// Guard cells on each side of every output buffer and of the workspace.
#define KG 8
// Read-only inputs longer than this are not copied for the unchanged check
// (only the size_too_large calls claim such lengths).
#define COPY_MAX ((size_t)1 << 20)
// Steps of each trajectory, and the number of noise rows of each step.
#define STEPS 4
static const size_t step_rows[STEPS] = {3, 1, 6, 2};

static const char *const variant_name[CR_WM_COUNT] = {"linear", "nonlinear", "kunin"};

// The hyper-parameters of a step (WM-IN-2), high-entropy values.
typedef struct {
	int variant;
	double eta, eta_B, decay_B, alpha, beta;
} hyper;

static void *xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);
	if (p == NULL) {
		fprintf(stderr, "test_wm: out of memory (%zu bytes)\n", n);
		exit(2);
	}
	return p;
}

static double *dup(const double *v, size_t n)
{
	double *d = xmalloc(n * sizeof *d);
	if (n)
		memcpy(d, v, n * sizeof *d);
	return d;
}

// A guarded buffer of n doubles: KG sentinels, n sentinels, KG sentinels.
static double *guarded(size_t n)
{
	double *g = xmalloc((n + 2 * KG) * sizeof *g);
	for (size_t i = 0; i < n + 2 * KG; i++)
		g[i] = tl_sentinel();
	return g;
}

// The noise length of a network with M rows per layer (WM-IN-1), computed
// here: sum_{l=2..L} M n_{l-1}.
static size_t noise_len_of(size_t depth, const size_t *widths, size_t M)
{
	size_t n = 0;
	for (size_t l = 2; l <= depth; l++)
		n += M * widths[l - 1];
	return n;
}

// One call of cr_wm_step: the arguments, which a test may overwrite to
// provoke an error, and the guarded storage behind the outputs.
typedef struct {
	const char *label;
	cr_net net;
	const cr_net *netp;
	size_t batch;
	hyper h;
	const double *W; size_t W_len;
	const double *b; size_t b_len;
	const double *B; size_t B_len;
	const double *x; size_t x_len;
	const double *t; size_t t_len;
	size_t rows;
	const double *noise; size_t noise_len;
	double *loss;
	double *W_next; size_t W_next_len;
	double *b_next; size_t b_next_len;
	double *B_next; size_t B_next_len;
	double *work; size_t work_len;
	// Guarded storage (owned) and the number of usable cells of each.
	double *g_loss, *g_W, *g_b, *g_B, *g_work;
	size_t n_W, n_b, n_B, n_work;
} wm_call;

// Output `which` (0 W_next, 1 b_next, 2 B_next, 3 work) gets n usable cells
// and the length n.
static void wm_set_out(wm_call *c, int which, size_t n)
{
	double **g[4] = {&c->g_W, &c->g_b, &c->g_B, &c->g_work};
	double **p[4] = {&c->W_next, &c->b_next, &c->B_next, &c->work};
	size_t *len[4] = {&c->W_next_len, &c->b_next_len, &c->B_next_len, &c->work_len};
	size_t *cnt[4] = {&c->n_W, &c->n_b, &c->n_B, &c->n_work};
	free(*g[which]);
	*g[which] = guarded(n);
	*p[which] = *g[which] + KG;
	*len[which] = n;
	*cnt[which] = n;
}

// A call on problem p (rule TL_FA: p->F is B) from the state W, b, B with
// the noise (rows rows per layer), correct lengths and a workspace of exactly
// cr_wm_workspace_len doubles.
static void wm_init(wm_call *c, const tl_problem *p, const double *W, const double *b,
                    const double *B, size_t rows, const double *noise, const hyper *h,
                    const char *label)
{
	memset(c, 0, sizeof *c);
	c->label = label;
	c->net.depth = p->depth;
	c->net.widths = p->widths;
	c->net.acts = p->acts;
	c->net.loss = p->loss;
	c->netp = &c->net;
	c->batch = p->batch;
	c->h = *h;
	c->W = W; c->W_len = p->W_len;
	c->b = b; c->b_len = p->b_len;
	c->B = B; c->B_len = p->F_len;
	c->x = p->x; c->x_len = p->x_len;
	c->t = p->t; c->t_len = p->t_len;
	c->rows = rows;
	c->noise = noise;
	c->noise_len = noise_len_of(p->depth, p->widths, rows);
	c->g_loss = guarded(1);
	c->loss = c->g_loss + KG;
	wm_set_out(c, 0, p->W_len);
	wm_set_out(c, 1, p->b_len);
	wm_set_out(c, 2, p->F_len);
	wm_set_out(c, 3, cr_wm_workspace_len(&c->net, c->batch, rows));
	if (p->F_len == 0)
		c->B_next = NULL; // Depth 1: no feedback, B and B_next may be NULL.
}

static void wm_free(wm_call *c)
{
	free(c->g_loss);
	free(c->g_W);
	free(c->g_b);
	free(c->g_B);
	free(c->g_work);
	memset(c, 0, sizeof *c);
}

static void *snap(const void *p, size_t n, size_t size)
{
	if (p == NULL || n > COPY_MAX)
		return NULL;
	void *s = xmalloc(n * size);
	memcpy(s, p, n * size);
	return s;
}

static void same(const wm_call *c, const char *what, const void *now, void *before, size_t n,
                 size_t size)
{
	if (before == NULL)
		return;
	gsl_test(memcmp(now, before, n * size) != 0, "%s: read-only input %s must be unchanged",
	         c->label, what);
	free(before);
}

// The guard cells of a guarded buffer of n cells; with body set, the usable
// cells too must still hold sentinels.
static void guards(const wm_call *c, const char *what, const double *g, size_t n, int body)
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

// Calls cr_wm_step and checks the contract around the call; returns the status.
static int wm_run(wm_call *c)
{
	size_t depth = c->netp ? c->netp->depth : 0;
	int net_ok = c->netp != NULL && c->net.widths != NULL && depth <= TL_MAX_L;
	int acts_ok = net_ok && c->net.acts != NULL;
	void *s_widths = net_ok ? snap(c->net.widths, depth + 1, sizeof(size_t)) : NULL;
	void *s_acts = acts_ok ? snap(c->net.acts, depth, sizeof(cr_act)) : NULL;
	void *s_W = snap(c->W, c->W_len, sizeof(double));
	void *s_b = snap(c->b, c->b_len, sizeof(double));
	void *s_B = snap(c->B, c->B_len, sizeof(double));
	void *s_x = snap(c->x, c->x_len, sizeof(double));
	void *s_t = snap(c->t, c->t_len, sizeof(double));
	void *s_n = snap(c->noise, c->noise_len, sizeof(double));

	int st = (int)cr_wm_step(c->netp, c->batch, c->h.variant, c->h.eta, c->h.eta_B, c->h.decay_B,
	                         c->h.alpha, c->h.beta, c->W, c->W_len, c->b, c->b_len, c->B,
	                         c->B_len, c->x, c->x_len, c->t, c->t_len, c->rows, c->noise,
	                         c->noise_len, c->loss, c->W_next, c->W_next_len, c->b_next,
	                         c->b_next_len, c->B_next, c->B_next_len, c->work, c->work_len);

	same(c, "widths", c->net.widths, s_widths, depth + 1, sizeof(size_t));
	if (s_acts != NULL) {
		// Field by field: a cr_act has padding, which memcmp would read.
		const cr_act *before = s_acts;
		for (size_t l = 0; l < depth; l++)
			gsl_test(c->net.acts[l].kind != before[l].kind ||
			         memcmp(&c->net.acts[l].slope, &before[l].slope, sizeof(double)) != 0,
			         "%s: read-only input acts[%zu] must be unchanged", c->label, l);
		free(s_acts);
	}
	same(c, "W", c->W, s_W, c->W_len, sizeof(double));
	same(c, "b", c->b, s_b, c->b_len, sizeof(double));
	same(c, "B", c->B, s_B, c->B_len, sizeof(double));
	same(c, "x", c->x, s_x, c->x_len, sizeof(double));
	same(c, "t", c->t, s_t, c->t_len, sizeof(double));
	same(c, "noise", c->noise, s_n, c->noise_len, sizeof(double));

	// Outputs: written only on CR_OK (credit.h); guards never.
	int err = st != CR_OK;
	guards(c, "loss", c->g_loss, 1, err);
	guards(c, "W_next", c->g_W, c->n_W, err);
	guards(c, "b_next", c->g_b, c->n_b, err);
	guards(c, "B_next", c->g_B, c->n_B, err);
	guards(c, "work", c->g_work, c->n_work, 0);
	if (!err) {
		// Every output written and finite (NOT-NET-5).
		const double *o[4] = {c->g_loss + KG, c->g_W + KG, c->g_b + KG, c->g_B + KG};
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

static void wm_expect(wm_call *c, int want, const char *what)
{
	int st = wm_run(c);
	gsl_test(st != want, "%s, %s: status got %s (%d) expected %s (%d)", c->label, what,
	         cr_status_name(st), st, cr_status_name(want), want);
}

// f(a) of NOT-ACT-1..5, the logistic as NOT-ACT-7 writes it.
static double act_f(const cr_act *f, double a)
{
	switch (f->kind) {
	case CR_ACT_TANH:
		return tanh(a);
	case CR_ACT_LOGISTIC:
		return a < 0 ? exp(a) / (1.0 + exp(a)) : 1.0 / (1.0 + exp(-a));
	case CR_ACT_RELU:
		return a > 0 ? a : 0.0;
	case CR_ACT_LEAKY_RELU:
		return a > 0 ? a : f->slope * a;
	default:
		return a;
	}
}

// The mirror update dB = [dB_2 | ... | dB_L] of WM-STEP-2/3, written out in
// the order of operations the spec gives: y_m = W_l xi_m summed over the
// inputs in ascending order (nonlinear: f_l(that + b_l)); S = the sum over
// the rows m = 0 .. M-1 of xi_m y_m^T, starting from 0, divided by M; then
// linear, nonlinear: decay_B B - S; kunin: alpha (2 B) + beta (-S).
static void spec_mirror(const tl_problem *p, const hyper *h, const double *W, const double *b,
                        const double *B, size_t M, const double *noise, double *dB)
{
	size_t offB = 0, offN = 0;
	for (size_t l = 2; l <= p->depth; l++) {
		size_t ni = p->widths[l - 1], no = p->widths[l];
		const double *Wl = W + tl_off_W(p, l), *bl = b + tl_off_b(p, l), *Bl = B + offB;
		const double *Xi = noise + offN;
		double *S = xmalloc(ni * no * sizeof *S), *y = xmalloc(no * sizeof *y);
		for (size_t q = 0; q < ni * no; q++)
			S[q] = 0.0;
		for (size_t m = 0; m < M; m++) {
			const double *xi = Xi + m * ni;
			for (size_t j = 0; j < no; j++) {
				double s = 0.0;
				for (size_t k = 0; k < ni; k++)
					s += Wl[j * ni + k] * xi[k];
				y[j] = h->variant == CR_WM_NONLINEAR ? act_f(&p->acts[l - 1], s + bl[j]) : s;
			}
			for (size_t i = 0; i < ni; i++)
				for (size_t j = 0; j < no; j++)
					S[i * no + j] += xi[i] * y[j];
		}
		for (size_t q = 0; q < ni * no; q++) {
			double mean = S[q] / (double)M;
			if (h->variant == CR_WM_KUNIN)
				dB[offB + q] = h->alpha * (2.0 * Bl[q]) + h->beta * (-mean);
			else
				dB[offB + q] = h->decay_B * Bl[q] - mean;
		}
		free(S);
		free(y);
		offB += ni * no;
		offN += M * ni;
	}
}

// Fresh data for a step: x uniform in [-2, 2), t as tl_problem_init draws it.
static void fresh_batch(tl_problem *p, gsl_rng *r)
{
	for (size_t i = 0; i < p->x_len; i++)
		p->x[i] = tl_unif(r, -2.0, 2.0);
	size_t k = p->widths[p->depth];
	for (size_t n = 0; n < p->batch; n++) {
		double *tn = p->t + n * k, s = 0.0;
		for (size_t j = 0; j < k; j++) {
			tn[j] = p->loss == CR_LOSS_SOFTMAX_CE ? tl_unif(r, 0.05, 1.0) : tl_unif(r, -1.0, 1.0);
			s += tn[j];
		}
		if (p->loss == CR_LOSS_SOFTMAX_CE)
			for (size_t j = 0; j < k; j++)
				tn[j] /= s;
	}
}

// WM-STEP-1..4 on a trajectory of STEPS steps from (p->W, p->b, p->F), with
// a fresh batch and fresh noise (uniform in [-1, 1), step_rows[s] rows) at
// every step: each step's loss, W, b and B against the step formed here from
// cr_fa_grad and spec_mirror, bit for bit.
static void check_traj(tl_problem *p, const hyper *h, gsl_rng *r, const char *name)
{
	size_t nW = p->W_len, nb = p->b_len, nB = p->F_len;
	double *W = dup(p->W, nW), *b = dup(p->b, nb), *B = dup(p->F, nB);
	char label[240];
	for (size_t s = 0; s < STEPS; s++) {
		if (s > 0)
			fresh_batch(p, r);
		size_t M = step_rows[s], nn = noise_len_of(p->depth, p->widths, M);
		double *noise = xmalloc(nn * sizeof *noise);
		for (size_t i = 0; i < nn; i++)
			noise[i] = tl_unif(r, -1.0, 1.0);
		snprintf(label, sizeof label, "wm %s %s, step %zu (M = %zu)", variant_name[h->variant],
		         name, s + 1, M);
		// FA's loss, dW and db from the current state (WM-STEP-1).
		tl_problem q = *p;
		q.W = W;
		q.b = b;
		q.F = B;
		tl_call fa;
		tl_call_init(&fa, &q, TL_FA, label);
		tl_call_expect(&fa, CR_OK, "fa");
		wm_call c;
		wm_init(&c, p, W, b, nB ? B : NULL, M, nn ? noise : NULL, h, label);
		wm_expect(&c, CR_OK, "trajectory step");
		double *eW = xmalloc(nW * sizeof *eW), *eb = xmalloc(nb * sizeof *eb);
		double *dB = xmalloc((nB ? nB : 1) * sizeof *dB), *eB = xmalloc((nB ? nB : 1) * sizeof *eB);
		for (size_t i = 0; i < nW; i++)
			eW[i] = W[i] - h->eta * fa.dW[i];
		for (size_t i = 0; i < nb; i++)
			eb[i] = b[i] - h->eta * fa.db[i];
		spec_mirror(p, h, W, b, B, M, noise, dB);
		for (size_t i = 0; i < nB; i++)
			eB[i] = B[i] - h->eta_B * dB[i];
		tl_check_bits(label, "loss (FA's, WM-STEP-1)", c.loss, fa.loss, 1);
		tl_check_bits(label, "W_next = W - eta dW_fa (WM-STEP-4)", c.W_next, eW, nW);
		tl_check_bits(label, "b_next = b - eta db_fa (WM-STEP-4)", c.b_next, eb, nb);
		tl_check_bits(label, "B_next = B - eta_B dB (WM-STEP-2..4)", c.B_next, eB, nB);
		memcpy(W, c.W_next, nW * sizeof *W);
		memcpy(b, c.b_next, nb * sizeof *b);
		if (nB)
			memcpy(B, c.B_next, nB * sizeof *B);
		free(eW);
		free(eb);
		free(dB);
		free(eB);
		free(noise);
		wm_free(&c);
		tl_call_free(&fa);
	}
	free(W);
	free(b);
	free(B);
}

// WM-ID-3: B = W^T, M = n_{l-1} rows per layer (the same for every layer),
// xi_m = c e_m with c^2 = M; decay_B = 1 (linear) or alpha = beta / 2
// (kunin): dB = 0 exactly, B_1 = B_0 bit for bit, and the step is
// backpropagation's (W - eta dW_bp, b - eta db_bp, same loss).
static void check_identity(gsl_rng *r)
{
	const size_t w[4] = {3, 4, 4, 2};
	const cr_act acts[3] = {{CR_ACT_TANH, 0}, {CR_ACT_LEAKY_RELU, 0.1875}, {CR_ACT_IDENTITY, 0}};
	const size_t M = 4;
	const double c = 2.0;
	tl_problem p;
	tl_problem_init(&p, r, TL_FA, 3, w, acts, CR_LOSS_MSE, 3);
	tl_B_from_W(&p, p.W, p.F);
	size_t nn = noise_len_of(3, w, M);
	double *noise = xmalloc(nn * sizeof *noise);
	for (size_t l = 2, off = 0; l <= 3; l++) {
		size_t ni = w[l - 1];
		for (size_t m = 0; m < M; m++)
			for (size_t k = 0; k < ni; k++)
				noise[off + m * ni + k] = m == k ? c : 0.0;
		off += M * ni;
	}
	const hyper hs[2] = {{CR_WM_LINEAR, 0.0731, 0.0417, 1.0, NAN, NAN},
	                     {CR_WM_KUNIN, 0.0731, 0.0417, NAN, 0.685, 1.37}};
	tl_call bp;
	tl_call_init(&bp, &p, TL_BP, "wm WM-ID-3: bp");
	tl_call_expect(&bp, CR_OK, "bp");
	for (int k = 0; k < 2; k++) {
		char label[96];
		snprintf(label, sizeof label, "wm WM-ID-3 (%s)", variant_name[hs[k].variant]);
		wm_call cw;
		wm_init(&cw, &p, p.W, p.b, p.F, M, noise, &hs[k], label);
		wm_expect(&cw, CR_OK, "identity step");
		double *eW = xmalloc(p.W_len * sizeof *eW), *eb = xmalloc(p.b_len * sizeof *eb);
		for (size_t i = 0; i < p.W_len; i++)
			eW[i] = p.W[i] - hs[k].eta * bp.dW[i];
		for (size_t i = 0; i < p.b_len; i++)
			eb[i] = p.b[i] - hs[k].eta * bp.db[i];
		tl_check_bits(label, "B_1 = B_0", cw.B_next, p.F, p.F_len);
		tl_check_bits(label, "W_1 = W_0 - eta dW_bp", cw.W_next, eW, p.W_len);
		tl_check_bits(label, "b_1 = b_0 - eta db_bp", cw.b_next, eb, p.b_len);
		tl_check_bits(label, "loss = bp's", cw.loss, bp.loss, 1);
		free(eW);
		free(eb);
		wm_free(&cw);
	}
	tl_call_free(&bp);
	free(noise);
	tl_problem_free(&p);
}

// gamma_n = n u / (1 - n u) (Higham's notation).
static double gam(double n)
{
	return n * TL_U / (1.0 - n * TL_U);
}

// WM-ID-1 (linear) and WM-ID-2 (kunin): the mirror alone. Identity
// activations, MSE, and dyadic W, b, x (multiples of 1/8, 1/8, 1/4, small),
// so that the forward pass is exact and the targets t = y (computed here)
// make e = y - t = 0, hence dW = db = 0 exactly and W, b never change (the
// test checks it). With the same noise Xi (M rows, uniform in [-1, 1)) at
// every step, each step maps B_l to B_l - eta_B (p q B_l - r S~), S~ ref's
// computed mean (1/M) sum_m xi_m (W_l xi_m)^T, the same numbers every step
// ((p, q, r) = (decay_B, 1, 1) or (alpha, 2, beta), ref/wm.c). Its fixed
// point is B~ = r S~ / (p q); the exact one is B* = (r / (p q)) E W_l^T,
// E = (1/M) Xi^T Xi, computed here with gsl_blas_dgemm.
//
// The bound, entry (i, j) of B_l, with G = (1/M) sum_m |xi_mi| sum_k
// |W_jk| |xi_mk| (|S| <= G) and c = 1 - eta_B p q:
//   - |S~ - S| <= gamma_{n + M + 2} G (the dot product of n = n_{l-1}
//     terms, the product with xi_mi, the sum of M rows, the division); so
//     |B~ - B*| <= |r/(pq)| gamma_{n+M+2} G;
//   - GSL's B*: Xi^T Xi (M terms), the scaling by 1/M (2), the product with
//     W^T (n terms), the scaling by r/(pq) (2): |B*_gsl - B*| <=
//     |r/(pq)| gamma_{n+M+4} G;
//   - one step of ref: t1 = fl(p fl(q B)), t2 = fl(r S~), d = fl(t1 - t2),
//     B' = fl(B - fl(eta_B d)) differs from the exact map of B by at most
//     u (|B'| + 3 eta_B (|p q B| + |r| G)) (first order: |d| <= |pqB| + |r|G);
//     the errors contract by |c| per step, so after K steps
//     |B_K - B~| <= |c|^K |B_0 - B~| + u sum_k |c|^{K-1-k} g_k.
// tol = |c|^K (|B_0 - B*_gsl| + Es) + u acc + Es + Eg, Es and Eg the two
// fixed-point terms above. The bound is first order in u; the neglected
// terms are below K^2 u^2 times the same magnitudes.
static double check_mirror_fixed_point(gsl_rng *r, const hyper *h, double *ratio_out)
{
	enum { K = 60 };
	const size_t w[4] = {3, 4, 5, 2}, M = 7;
	const cr_act acts[3] = {{CR_ACT_IDENTITY, 0}, {CR_ACT_IDENTITY, 0}, {CR_ACT_IDENTITY, 0}};
	tl_problem p;
	tl_problem_init(&p, r, TL_FA, 3, w, acts, CR_LOSS_MSE, 2);
	for (size_t i = 0; i < p.W_len; i++)
		p.W[i] = (double)((long)gsl_rng_uniform_int(r, 17) - 8) / 8.0;
	for (size_t i = 0; i < p.b_len; i++)
		p.b[i] = (double)((long)gsl_rng_uniform_int(r, 9) - 4) / 8.0;
	for (size_t i = 0; i < p.x_len; i++)
		p.x[i] = (double)((long)gsl_rng_uniform_int(r, 9) - 4) / 4.0;
	// t = y, the network output computed here; exact, so in any order.
	size_t nb = p.batch * p.b_len;
	double *fa = xmalloc(nb * sizeof *fa), *fh = xmalloc(nb * sizeof *fh);
	tl_forward(&p, p.W, p.b, fa, fh);
	for (size_t n = 0; n < p.batch; n++)
		for (size_t k = 0; k < w[3]; k++)
			p.t[n * w[3] + k] = fh[p.batch * tl_off_b(&p, 3) + n * w[3] + k];
	free(fa);
	free(fh);
	size_t nn = noise_len_of(3, w, M);
	double *noise = xmalloc(nn * sizeof *noise);
	for (size_t i = 0; i < nn; i++)
		noise[i] = tl_unif(r, -1.0, 1.0);

	const double pc = h->variant == CR_WM_KUNIN ? h->alpha : h->decay_B;
	const double qc = h->variant == CR_WM_KUNIN ? 2.0 : 1.0;
	const double rc = h->variant == CR_WM_KUNIN ? h->beta : 1.0;
	const double c = 1.0 - h->eta_B * pc * qc, scale = rc / (pc * qc);
	char label[96];
	snprintf(label, sizeof label, "wm %s (%s)", h->variant == CR_WM_KUNIN ? "WM-ID-2" : "WM-ID-1",
	         variant_name[h->variant]);

	// The trajectory, B_k for k = 0 .. K.
	size_t nB = p.F_len;
	double *Bs = xmalloc((K + 1) * nB * sizeof *Bs);
	memcpy(Bs, p.F, nB * sizeof *Bs);
	for (size_t k = 0; k < K; k++) {
		wm_call cw;
		wm_init(&cw, &p, p.W, p.b, Bs + k * nB, M, noise, h, label);
		wm_expect(&cw, CR_OK, "mirror step");
		if (k == 0 || k == K - 1) {
			// The design: loss 0, W and b unchanged (dW = db = 0 exactly).
			double zero = 0.0;
			tl_check_bits(label, "loss = 0", cw.loss, &zero, 1);
			tl_check_bits(label, "W unchanged", cw.W_next, p.W, p.W_len);
			tl_check_bits(label, "b unchanged", cw.b_next, p.b, p.b_len);
		}
		memcpy(Bs + (k + 1) * nB, cw.B_next, nB * sizeof *Bs);
		wm_free(&cw);
	}

	double worst = 0.0;
	for (size_t l = 2, offB = 0, offN = 0; l <= 3; l++) {
		size_t ni = w[l - 1], no = w[l];
		const double *Wl = p.W + tl_off_W(&p, l), *Xi = noise + offN;
		// B* = scale (1/M) Xi^T Xi W^T with GSL.
		gsl_matrix_const_view X = gsl_matrix_const_view_array(Xi, M, ni);
		gsl_matrix_const_view Wv = gsl_matrix_const_view_array(Wl, no, ni);
		gsl_matrix *E = gsl_matrix_alloc(ni, ni), *Bst = gsl_matrix_alloc(ni, no);
		gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &X.matrix, &X.matrix, 0.0, E);
		gsl_matrix_scale(E, 1.0 / (double)M);
		gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, E, &Wv.matrix, 0.0, Bst);
		gsl_matrix_scale(Bst, scale);
		for (size_t i = 0; i < ni; i++) {
			for (size_t j = 0; j < no; j++) {
				double G = 0.0;
				for (size_t m = 0; m < M; m++) {
					double s = 0.0;
					for (size_t k = 0; k < ni; k++)
						s += fabs(Wl[j * ni + k]) * fabs(Xi[m * ni + k]);
					G += fabs(Xi[m * ni + i]) * s;
				}
				G /= (double)M;
				size_t q = offB + i * no + j;
				double Es = fabs(scale) * gam((double)(ni + M + 2)) * G;
				double Eg = fabs(scale) * gam((double)(ni + M + 4)) * G;
				double acc = 0.0;
				for (size_t k = 0; k < K; k++) {
					double Bk = Bs[k * nB + q], Bk1 = Bs[(k + 1) * nB + q];
					double g = fabs(Bk1) + 3.0 * h->eta_B * (fabs(pc * qc * Bk) + fabs(rc) * G);
					acc = fabs(c) * acc + g;
				}
				double exp = gsl_matrix_get(Bst, i, j), got = Bs[K * nB + q];
				double tol = pow(fabs(c), K) * (fabs(Bs[q] - exp) + Es) + TL_U * acc + Es + Eg;
				double ratio = fabs(got - exp) / tol;
				if (!(ratio <= worst))
					worst = ratio;
				char field[96];
				snprintf(field, sizeof field, "B_%zu after %d steps vs B* (GSL)", l, K);
				tl_check(label, field, i * no + j, got, exp, tol);
			}
		}
		gsl_matrix_free(E);
		gsl_matrix_free(Bst);
		offB += ni * no;
		offN += M * ni;
	}
	// The fixed point is not the start: B moved by O(1).
	double moved = 0.0;
	for (size_t q = 0; q < nB; q++)
		moved = GSL_MAX(moved, fabs(Bs[K * nB + q] - Bs[q]));
	gsl_test(!(moved > 0.1), "%s: B moved towards the fixed point (max change %.3g)", label, moved);
	*ratio_out = worst;
	free(Bs);
	free(noise);
	tl_problem_free(&p);
	return worst;
}

// cr_wm_workspace_len = cr_workspace_len + W_len + b_len + B_len + 2 nmax,
// and 0 for every invalid network and every overflow (ref/wm.c, wm_shape).
static void test_workspace_len(void)
{
	size_t depth, widths[TL_MAX_L + 1], batch;
	cr_act acts[TL_MAX_L];
	int loss;
	char name[96];
	for (size_t i = 0; tl_catalog(i, &depth, widths, acts, &loss, &batch, name, sizeof name); i++) {
		cr_net net = {depth, widths, acts, loss};
		size_t nmax = 0;
		for (size_t l = 2; l <= depth; l++)
			nmax = GSL_MAX(nmax, widths[l]);
		size_t want = cr_workspace_len(&net, batch) + tl_len_W(depth, widths) +
		              tl_len_b(depth, widths) + tl_len_F(TL_FA, depth, widths) + 2 * nmax;
		gsl_test(cr_wm_workspace_len(&net, batch, 3) != want,
		         "cr_wm_workspace_len(%s) = %zu, expected %zu", name,
		         cr_wm_workspace_len(&net, batch, 3), want);
		// The noise rows enter only the validity: any M >= 1 gives the same.
		gsl_test(cr_wm_workspace_len(&net, batch, 1) != want, "cr_wm_workspace_len(%s), M = 1",
		         name);
		// M = 0 is zero_size at depth >= 2; at depth 1 M is not used.
		size_t z = cr_wm_workspace_len(&net, batch, 0);
		gsl_test(depth >= 2 ? z != 0 : z != want, "cr_wm_workspace_len(%s), M = 0: %zu", name, z);
	}
	size_t w[4] = {3, 4, 5, 2};
	cr_act a3[3] = {{CR_ACT_TANH, 0}, {CR_ACT_RELU, 0}, {CR_ACT_IDENTITY, 0}};
	cr_net net = {3, w, a3, CR_LOSS_MSE};
	gsl_test(cr_wm_workspace_len(NULL, 3, 2) != 0, "cr_wm_workspace_len: net NULL");
	net.widths = NULL;
	gsl_test(cr_wm_workspace_len(&net, 3, 2) != 0, "cr_wm_workspace_len: widths NULL");
	net.widths = w;
	net.depth = 0;
	gsl_test(cr_wm_workspace_len(&net, 3, 2) != 0, "cr_wm_workspace_len: depth 0");
	net.depth = 3;
	gsl_test(cr_wm_workspace_len(&net, 0, 2) != 0, "cr_wm_workspace_len: batch 0");
	for (size_t l = 0; l <= 3; l++) {
		size_t keep = w[l];
		w[l] = 0;
		gsl_test(cr_wm_workspace_len(&net, 3, 2) != 0, "cr_wm_workspace_len: width %zu is 0", l);
		w[l] = keep;
	}
	size_t w65[CR_MAX_DEPTH + 2];
	cr_act a65[CR_MAX_DEPTH + 1];
	for (size_t l = 0; l < CR_MAX_DEPTH + 2; l++)
		w65[l] = 1;
	for (size_t l = 0; l < CR_MAX_DEPTH + 1; l++)
		a65[l] = (cr_act){CR_ACT_IDENTITY, 0};
	cr_net deep = {CR_MAX_DEPTH + 1, w65, a65, CR_LOSS_MSE};
	gsl_test(cr_wm_workspace_len(&deep, 1, 1) != 0, "cr_wm_workspace_len: depth %d",
	         CR_MAX_DEPTH + 1);
	deep.depth = CR_MAX_DEPTH;
	gsl_test(cr_wm_workspace_len(&deep, 1, 1) == 0, "cr_wm_workspace_len: depth %d is valid",
	         CR_MAX_DEPTH);

	if (SIZE_MAX >> 63 == 0)
		return; // The overflow cases below assume a 64-bit size_t.
	const size_t M = SIZE_MAX, h = (size_t)1 << 32;
	cr_act id3[3] = {{CR_ACT_IDENTITY, 0}, {CR_ACT_IDENTITY, 0}, {CR_ACT_IDENTITY, 0}};
	// n_1 n_0 overflows.
	size_t wp[2] = {h * 2, h * 2};
	cr_net over = {1, wp, id3, CR_LOSS_MSE};
	gsl_test(cr_wm_workspace_len(&over, 1, 1) != 0, "cr_wm_workspace_len: n_1 n_0 overflows");
	// Each product 2^63, their sum overflows.
	size_t ws[3] = {h, h / 2, h};
	cr_net sum = {2, ws, id3, CR_LOSS_MSE};
	gsl_test(cr_wm_workspace_len(&sum, 1, 1) != 0, "cr_wm_workspace_len: W_len overflows");
	// Zero widths keep every product 0 while sum n_l overflows.
	size_t wz[4] = {0, M, 0, M};
	cr_net zb = {3, wz, id3, CR_LOSS_MSE};
	gsl_test(cr_wm_workspace_len(&zb, 1, 1) != 0, "cr_wm_workspace_len: b_len overflows");
	// The noise: M n_1 overflows; M n_1 + M n_2 overflows.
	size_t w12[3] = {1, 2, 1};
	cr_net n12 = {2, w12, id3, CR_LOSS_MSE};
	gsl_test(cr_wm_workspace_len(&n12, 1, M / 2 + 1) != 0, "cr_wm_workspace_len: M n_1 overflows");
	gsl_test(cr_wm_workspace_len(&n12, 1, M / 2) == 0, "cr_wm_workspace_len: M n_1 = M - 1 fits");
	size_t w111[4] = {1, 1, 1, 1};
	cr_net n111 = {3, w111, id3, CR_LOSS_MSE};
	gsl_test(cr_wm_workspace_len(&n111, 1, M / 2 + 1) != 0,
	         "cr_wm_workspace_len: the noise length overflows");
	// Depth 2, widths {1, 1, N}: W_len = b_len = N + 1, B_len = nmax = N.
	// For N = M / k + d (k = 2 .. 24, d = 0, 1) FA's workspace fits or not
	// (cr_workspace_len says which); where it fits, the test sums
	// fa + W_len + b_len + B_len + nmax + nmax itself, term by term, and
	// expects 0 exactly when a partial sum overflows. Each of the five
	// overflows of wm.c's work_sum is reached by some N (counted).
	int hit[5] = {0, 0, 0, 0, 0};
	for (size_t k = 2; k <= 24; k++) {
		for (size_t d = 0; d <= 1; d++) {
			size_t N = M / k + d, wn[3] = {1, 1, N};
			cr_net two = {2, wn, id3, CR_LOSS_MSE};
			size_t fa = cr_workspace_len(&two, 1), got = cr_wm_workspace_len(&two, 1, 1);
			if (fa == 0) {
				gsl_test(got != 0, "cr_wm_workspace_len: N = M/%zu + %zu, FA's workspace overflows",
				         k, d);
				continue;
			}
			size_t terms[5] = {N + 1, N + 1, N, N, N}, acc = fa, want = 0;
			int first = -1;
			for (int i = 0; i < 5 && first < 0; i++) {
				if (terms[i] > M - acc)
					first = i;
				else
					acc += terms[i];
			}
			if (first >= 0)
				hit[first]++;
			else
				want = acc;
			gsl_test(got != want, "cr_wm_workspace_len: N = M/%zu + %zu: got %zu expected %zu", k,
			         d, got, want);
		}
	}
	gsl_test(!hit[0] || !hit[1] || !hit[2] || !hit[3] || !hit[4],
	         "cr_wm_workspace_len: every overflow of the workspace sum reached (%d %d %d %d %d)",
	         hit[0], hit[1], hit[2], hit[3], hit[4]);
}

// A hand-made network of width 1 (identity, MSE, batch 1) for the overflow
// cases: y = W_L ... W_1 x + biases, one noise row per layer.
typedef struct {
	tl_problem p;
	double noise[TL_MAX_L];
} tiny;

static void tiny_init(tiny *k, size_t depth, const double *W, const double *b, const double *B,
                      double x, double t, const double *noise)
{
	memset(k, 0, sizeof *k);
	tl_problem *p = &k->p;
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
	p->W = dup(W, depth);
	p->b = dup(b, depth);
	p->F = depth > 1 ? dup(B, depth - 1) : NULL;
	p->x = dup(&x, 1);
	p->t = dup(&t, 1);
	for (size_t l = 0; l + 1 < depth; l++)
		k->noise[l] = noise[l];
}

// WM-ERR-1, non_finite_result: finite inputs whose step overflows, in each
// place it can (ref/wm.c check 9).
static void test_nonfinite_result(void)
{
	tiny k;
	wm_call c;
	const hyper h = {CR_WM_LINEAR, 0.5, 0.25, 1.5, NAN, NAN};
	const double W1[1] = {0.5}, b1[1] = {0.25}, nz[1] = {0.75};
	// y = 1.25, e = 2.25, dW = 4.5, db = 2.25: eta dW = 4.5e308 overflows.
	tiny_init(&k, 1, W1, b1, NULL, 2.0, -1.0, nz);
	hyper hb = h;
	hb.eta = 1e308;
	wm_init(&c, &k.p, k.p.W, k.p.b, NULL, 1, NULL, &hb, "wm non_finite_result, eta dW");
	wm_expect(&c, CR_ERR_NONFINITE_RESULT, "W_next overflows");
	wm_free(&c);
	// The same step with eta 1e-3 is fine (a control for the one above).
	hb.eta = 1e-3;
	wm_init(&c, &k.p, k.p.W, k.p.b, NULL, 1, NULL, &hb, "wm non_finite_result control");
	wm_expect(&c, CR_OK, "small eta");
	wm_free(&c);
	tl_problem_free(&k.p);

	// x = 0: dW = 0, so W_next = W; db = 2.25 and b - eta db overflows.
	tiny_init(&k, 1, W1, b1, NULL, 0.0, -2.0, nz);
	hb.eta = 1e308;
	wm_init(&c, &k.p, k.p.W, k.p.b, NULL, 1, NULL, &hb, "wm non_finite_result, b only");
	wm_expect(&c, CR_ERR_NONFINITE_RESULT, "b_next overflows");
	wm_free(&c);
	tl_problem_free(&k.p);

	// Depth 2, W = (0.5, 0.5), b = 0, x = 1, t = 0.25 = y: e = 0, so dW and
	// db are 0 and W, b stay. B_2 = 1.5e308 with decay_B 2: decay_B B_2
	// overflows, and so does B_next (the mirror update reaches B only).
	const double W2[2] = {0.5, 0.5}, b2[2] = {0.0, 0.0}, Bbig[1] = {1.5e308};
	tiny_init(&k, 2, W2, b2, Bbig, 1.0, 0.25, nz);
	hb = h;
	hb.decay_B = 2.0;
	wm_init(&c, &k.p, k.p.W, k.p.b, k.p.F, 1, k.noise, &hb, "wm non_finite_result, decay_B B");
	wm_expect(&c, CR_ERR_NONFINITE_RESULT, "dB = decay_B B - S overflows");
	wm_free(&c);
	// kunin: alpha (2 B) overflows the same way (2 B already does).
	hb = (hyper){CR_WM_KUNIN, 0.5, 0.25, NAN, 0.5, 1.0};
	wm_init(&c, &k.p, k.p.W, k.p.b, k.p.F, 1, k.noise, &hb, "wm non_finite_result, alpha 2B");
	wm_expect(&c, CR_ERR_NONFINITE_RESULT, "2 B overflows");
	wm_free(&c);
	tl_problem_free(&k.p);
	// A finite dB whose update overflows: B = 1.5e308, decay_B = 0 and
	// xi = -1e154, so W xi = -5e153, S = 5e307 and dB = -5e307; with
	// eta_B = 4, B - eta_B dB = 1.5e308 + 2e308 overflows.
	const double nb[1] = {-1e154};
	tiny_init(&k, 2, W2, b2, Bbig, 1.0, 0.25, nb);
	hb = (hyper){CR_WM_LINEAR, 0.5, 4.0, 0.0, NAN, NAN};
	wm_init(&c, &k.p, k.p.W, k.p.b, k.p.F, 1, k.noise, &hb, "wm non_finite_result, B - eta_B dB");
	wm_expect(&c, CR_ERR_NONFINITE_RESULT, "the update of B overflows, dB finite");
	wm_free(&c);
	tl_problem_free(&k.p);
	// The noise term itself overflows: xi = 1e200, W xi = 5e199, xi y =
	// 5e399. The nonlinear mirror too (identity, y = W xi + b).
	const double Bok[1] = {0.5}, nh[1] = {1e200};
	tiny_init(&k, 2, W2, b2, Bok, 1.0, 0.25, nh);
	for (int v = 0; v < CR_WM_COUNT; v++) {
		hb = (hyper){v, 0.5, 0.25, 1.0, 0.5, 1.0};
		char label[96];
		snprintf(label, sizeof label, "wm non_finite_result, noise term (%s)", variant_name[v]);
		wm_init(&c, &k.p, k.p.W, k.p.b, k.p.F, 1, k.noise, &hb, label);
		wm_expect(&c, CR_ERR_NONFINITE_RESULT, "xi y^T overflows");
		wm_free(&c);
	}
	tl_problem_free(&k.p);

	// The loss overflows inside cr_fa_grad (y = 1e300 * 1e300).
	const double Wbig[1] = {1e300};
	tiny_init(&k, 1, Wbig, b1, NULL, 1e300, 0.0, nz);
	wm_init(&c, &k.p, k.p.W, k.p.b, NULL, 1, NULL, &h, "wm non_finite_result, loss");
	wm_expect(&c, CR_ERR_NONFINITE_RESULT, "the forward pass overflows");
	wm_free(&c);
	tl_problem_free(&k.p);
}

// Every other status of WM-ERR-1 and of ref/wm.c's order of checks, on a
// depth-3 network with a parameterised layer (and depth 1 for NULL B and
// noise).
static void test_errors(gsl_rng *r)
{
	const size_t w[4] = {3, 4, 5, 2}, M = 3;
	const cr_act acts[3] = {{CR_ACT_TANH, 0}, {CR_ACT_LEAKY_RELU, 0.1875}, {CR_ACT_LOGISTIC, 0}};
	tl_problem p;
	tl_problem_init(&p, r, TL_FA, 3, w, acts, CR_LOSS_MSE, 3);
	size_t nn = noise_len_of(3, w, M);
	double *noise = xmalloc(nn * sizeof *noise);
	for (size_t i = 0; i < nn; i++)
		noise[i] = tl_unif(r, -1.0, 1.0);
	wm_call c;
	const hyper h0 = {CR_WM_NONLINEAR, 0.0731, 0.0417, 0.893, 0.271, 1.37};
	hyper h;

	// The valid call itself, for each variant.
	for (int v = 0; v < CR_WM_COUNT; v++) {
		h = h0;
		h.variant = v;
		wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h, "wm errors: valid call");
		wm_expect(&c, CR_OK, variant_name[v]);
		wm_free(&c);
	}
	// 0 and -0.0 are valid for decay_B, alpha and beta (>= 0); the
	// hyper-parameters a variant does not use are not read (NaN is fine).
	const struct { int variant; double decay_B, alpha, beta; const char *what; } ok[4] = {
		{CR_WM_NONLINEAR, -0.0, NAN, -INFINITY, "decay_B -0.0, alpha and beta unused"},
		{CR_WM_LINEAR, 0.0, -1.0, NAN, "decay_B 0, alpha and beta unused"},
		{CR_WM_KUNIN, NAN, 0.0, -0.0, "alpha 0, beta -0.0, decay_B unused"},
		{CR_WM_KUNIN, -1.0, -0.0, 0.0, "alpha -0.0, beta 0, decay_B unused"},
	};
	for (int k = 0; k < 4; k++) {
		h = h0;
		h.variant = ok[k].variant;
		h.decay_B = ok[k].decay_B;
		h.alpha = ok[k].alpha;
		h.beta = ok[k].beta;
		wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h, "wm errors: parameters");
		wm_expect(&c, CR_OK, ok[k].what);
		wm_free(&c);
	}

	// invalid_parameter (WM-IN-2, WM-IN-3), checked first.
	const double bad_pos[6] = {0.0, -0.0, -1.0, NAN, INFINITY, -INFINITY};
	const double bad_nonneg[4] = {-1e-300, NAN, INFINITY, -INFINITY};
	const int bad_variant[3] = {-1, CR_WM_COUNT, 1000};
	for (int i = 0; i < 3; i++) {
		wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: variant");
		c.h.variant = bad_variant[i];
		char what[64];
		snprintf(what, sizeof what, "variant %d", bad_variant[i]);
		wm_expect(&c, CR_ERR_PARAM, what);
		wm_free(&c);
	}
	for (int which = 0; which < 2; which++)
		for (int i = 0; i < 6; i++) {
			h = h0;
			if (which == 0)
				h.eta = bad_pos[i];
			else
				h.eta_B = bad_pos[i];
			wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h, "wm errors: eta, eta_B");
			char what[64];
			snprintf(what, sizeof what, "%s = %g", which ? "eta_B" : "eta", bad_pos[i]);
			wm_expect(&c, CR_ERR_PARAM, what);
			wm_free(&c);
		}
	for (int which = 0; which < 3; which++)
		for (int i = 0; i < 4; i++) {
			h = h0;
			h.variant = which == 0 ? CR_WM_LINEAR : CR_WM_KUNIN;
			double *v = which == 0 ? &h.decay_B : which == 1 ? &h.alpha : &h.beta;
			*v = bad_nonneg[i];
			wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h, "wm errors: decay_B, alpha, beta");
			char what[64];
			snprintf(what, sizeof what, "%s = %g", which == 0 ? "decay_B" : which == 1 ? "alpha" : "beta",
			         bad_nonneg[i]);
			wm_expect(&c, CR_ERR_PARAM, what);
			wm_free(&c);
		}
	h = h0;
	h.eta = NAN;
	wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h, "wm errors: order");
	c.loss = NULL;
	c.batch = 0;
	wm_expect(&c, CR_ERR_PARAM, "eta NaN, loss NULL and batch 0: the parameter comes first");
	wm_free(&c);

	// null_pointer: each pointer in turn.
	const char *nulls[14] = {"loss", "W", "b", "B", "x", "t", "noise", "W_next", "b_next",
	                         "B_next", "work", "net", "widths", "acts"};
	for (int k = 0; k < 14; k++) {
		wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: NULL");
		switch (k) {
		case 0: c.loss = NULL; break;
		case 1: c.W = NULL; break;
		case 2: c.b = NULL; break;
		case 3: c.B = NULL; break;
		case 4: c.x = NULL; break;
		case 5: c.t = NULL; break;
		case 6: c.noise = NULL; break;
		case 7: c.W_next = NULL; break;
		case 8: c.b_next = NULL; break;
		case 9: c.B_next = NULL; break;
		case 10: c.work = NULL; break;
		case 11: c.netp = NULL; break;
		case 12: c.net.widths = NULL; break;
		default: c.net.acts = NULL; break;
		}
		wm_expect(&c, CR_ERR_NULL, nulls[k]);
		wm_free(&c);
	}
	wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: order");
	c.loss = NULL;
	c.batch = 0;
	wm_expect(&c, CR_ERR_NULL, "loss NULL and batch 0: null_pointer comes first");
	wm_free(&c);

	// zero_size: batch, each width, depth (through cr_fa_grad, check 3), and
	// M = 0 (WM-ERR-1).
	wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: zero size");
	c.batch = 0;
	wm_expect(&c, CR_ERR_ZERO_SIZE, "batch 0");
	wm_free(&c);
	for (size_t l = 0; l <= 3; l++) {
		size_t wz[4];
		memcpy(wz, w, sizeof wz);
		wz[l] = 0;
		wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: zero size");
		c.net.widths = wz;
		wm_expect(&c, CR_ERR_ZERO_SIZE, "a width 0");
		wm_free(&c);
	}
	wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: zero size");
	c.net.depth = 0;
	wm_expect(&c, CR_ERR_ZERO_SIZE, "depth 0");
	wm_free(&c);
	wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: zero size");
	c.rows = 0;
	c.noise_len = 0;
	wm_expect(&c, CR_ERR_ZERO_SIZE, "M = 0 (noise_len 0)");
	wm_free(&c);
	wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: zero size");
	c.rows = 0;
	wm_expect(&c, CR_ERR_ZERO_SIZE, "M = 0 (noise_len of M = 3)");
	wm_free(&c);

	// unknown_activation (check 4), before the sizes: a kind past the end,
	// a negative one, in each layer.
	for (size_t l = 0; l < 3; l++)
		for (int neg = 0; neg < 2; neg++) {
			cr_act bad[3];
			memcpy(bad, acts, sizeof bad);
			bad[l].kind = neg ? -1 : CR_ACT_COUNT;
			wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: activation");
			c.net.acts = bad;
			c.W_len = 1; // a size defect too: the kind is checked first
			wm_expect(&c, CR_ERR_ACTIVATION, neg ? "kind -1" : "kind CR_ACT_COUNT");
			wm_free(&c);
		}

	// size_mismatch (check 5 and cr_fa_grad's own): each length one too
	// small and one too large; a longer input points at a longer buffer.
	const char *lens[9] = {"W_len", "b_len", "B_len", "x_len", "t_len", "noise_len",
	                       "W_next_len", "b_next_len", "B_next_len"};
	for (int k = 0; k < 9; k++) {
		for (int dir = -1; dir <= 1; dir += 2) {
			wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: size mismatch");
			const double *src[6] = {p.W, p.b, p.F, p.x, p.t, noise};
			size_t *in_len[6] = {&c.W_len, &c.b_len, &c.B_len, &c.x_len, &c.t_len, &c.noise_len};
			const double **in_ptr[6] = {&c.W, &c.b, &c.B, &c.x, &c.t, &c.noise};
			double *longer = NULL;
			if (k < 6) {
				size_t n = *in_len[k];
				if (dir > 0) {
					longer = xmalloc((n + 1) * sizeof(double));
					memcpy(longer, src[k], n * sizeof(double));
					longer[n] = 0.5;
					*in_ptr[k] = longer;
				}
				*in_len[k] = dir > 0 ? n + 1 : n - 1;
			} else {
				size_t n = k == 6 ? p.W_len : k == 7 ? p.b_len : p.F_len;
				wm_set_out(&c, k - 6, dir > 0 ? n + 1 : n - 1);
			}
			char what[64];
			snprintf(what, sizeof what, "%s %s", lens[k], dir > 0 ? "+1" : "-1");
			wm_expect(&c, CR_ERR_SIZE_MISMATCH, what);
			free(longer);
			wm_free(&c);
		}
	}
	// The noise of another number of rows than noise_rows says.
	wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: size mismatch");
	c.rows = M + 1;
	wm_expect(&c, CR_ERR_SIZE_MISMATCH, "noise_rows M + 1 for a noise of M rows");
	wm_free(&c);

	// workspace_too_small: one double short, and none at all.
	wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: workspace");
	wm_set_out(&c, 3, cr_wm_workspace_len(&c.net, c.batch, M) - 1);
	wm_expect(&c, CR_ERR_WORKSPACE, "work_len one short");
	wm_set_out(&c, 3, 0);
	c.work = NULL;
	wm_expect(&c, CR_ERR_WORKSPACE, "work NULL, work_len 0");
	wm_free(&c);
	// A larger workspace than needed is fine.
	wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: workspace");
	wm_set_out(&c, 3, cr_wm_workspace_len(&c.net, c.batch, M) + 5);
	wm_expect(&c, CR_OK, "work_len larger");
	wm_free(&c);

	// non_finite_input in the noise (check 7), before cr_fa_grad's checks.
	for (int k = 0; k < 3; k++) {
		double *bad = dup(noise, nn);
		bad[k == 0 ? 0 : k == 1 ? nn / 2 : nn - 1] = k == 1 ? INFINITY : k == 2 ? -INFINITY : NAN;
		wm_init(&c, &p, p.W, p.b, p.F, M, bad, &h0, "wm errors: non_finite_input");
		wm_expect(&c, CR_ERR_NONFINITE_INPUT, "noise");
		wm_free(&c);
		free(bad);
	}

	// cr_fa_grad's checks, passed through (check 8).
	cr_act bad[3];
	memcpy(bad, acts, sizeof bad);
	bad[1].slope = NAN;
	wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: fa checks");
	c.net.acts = bad;
	wm_expect(&c, CR_ERR_PARAM, "leaky slope NaN");
	wm_free(&c);
	wm_init(&c, &p, p.W, p.b, p.F, M, noise, &h0, "wm errors: fa checks");
	c.net.loss = CR_LOSS_COUNT;
	wm_expect(&c, CR_ERR_LOSS, "unknown loss");
	wm_free(&c);
	const double *src[5] = {p.W, p.b, p.F, p.x, p.t};
	const size_t srcn[5] = {p.W_len, p.b_len, p.F_len, p.x_len, p.t_len};
	const char *srcname[5] = {"W", "b", "B", "x", "t"};
	for (int k = 0; k < 5; k++) {
		double *copy = dup(src[k], srcn[k]);
		copy[srcn[k] / 2] = k % 2 ? INFINITY : NAN;
		wm_init(&c, &p, k == 0 ? copy : p.W, k == 1 ? copy : p.b, k == 2 ? copy : p.F, M, noise,
		        &h0, "wm errors: non_finite_input");
		if (k == 3)
			c.x = copy;
		if (k == 4)
			c.t = copy;
		wm_expect(&c, CR_ERR_NONFINITE_INPUT, srcname[k]);
		wm_free(&c);
		free(copy);
	}
	free(noise);
	tl_problem_free(&p);

	// Depth 1: no feedback and no noise. B, B_next and noise may be NULL
	// with length 0, or non-NULL with length 0; noise_rows is not used (0
	// is fine); a length 1 is size_mismatch.
	const size_t w1[2] = {3, 2};
	const cr_act a1[1] = {{CR_ACT_LOGISTIC, 0}};
	tl_problem_init(&p, r, TL_FA, 1, w1, a1, CR_LOSS_SOFTMAX_CE, 2);
	double spare[1] = {0.75};
	for (size_t rows = 0; rows <= 2; rows += 2) {
		wm_init(&c, &p, p.W, p.b, NULL, rows, NULL, &h0, "wm depth 1");
		wm_expect(&c, CR_OK, rows ? "B, B_next, noise NULL; noise_rows 2" : "noise_rows 0");
		wm_free(&c);
	}
	wm_init(&c, &p, p.W, p.b, spare, 1, spare, &h0, "wm depth 1");
	wm_set_out(&c, 2, 0);
	wm_expect(&c, CR_OK, "B, B_next, noise non-NULL with length 0");
	wm_free(&c);
	wm_init(&c, &p, p.W, p.b, spare, 1, NULL, &h0, "wm depth 1");
	c.B_len = 1;
	wm_expect(&c, CR_ERR_SIZE_MISMATCH, "B_len 1");
	wm_free(&c);
	wm_init(&c, &p, p.W, p.b, NULL, 1, spare, &h0, "wm depth 1");
	c.noise_len = 1;
	wm_expect(&c, CR_ERR_SIZE_MISMATCH, "noise_len 1");
	wm_free(&c);
	wm_init(&c, &p, p.W, p.b, NULL, 1, NULL, &h0, "wm depth 1");
	wm_set_out(&c, 2, 1);
	wm_expect(&c, CR_ERR_SIZE_MISMATCH, "B_next_len 1");
	wm_free(&c);
	tl_problem_free(&p);
}

// size_too_large through cr_wm_step: the depth, a product, the noise length
// and the workspace alone. The arrays are short dummies behind huge claimed
// lengths; cr_wm_step must fail before it reads them (an out-of-bounds read
// would show under ASan and valgrind) and write nothing.
static void test_too_large(void)
{
	double in[4] = {0.5, 0.5, 0.5, 0.5}, out[4] = {1, 2, 3, 4}, loss = -7.0;
	size_t w65[CR_MAX_DEPTH + 2];
	cr_act a65[CR_MAX_DEPTH + 1];
	for (size_t l = 0; l < CR_MAX_DEPTH + 2; l++)
		w65[l] = 1;
	for (size_t l = 0; l < CR_MAX_DEPTH + 1; l++)
		a65[l] = (cr_act){CR_ACT_IDENTITY, 0};
	if (SIZE_MAX >> 63 == 0)
		return;
	const size_t M = SIZE_MAX;
	struct { size_t depth; size_t w[4]; size_t rows; const char *what; } cases[5] = {
		{CR_MAX_DEPTH + 1, {0, 0, 0, 0}, 1, "depth CR_MAX_DEPTH + 1"},
		{1, {(size_t)1 << 33, (size_t)1 << 33, 0, 0}, 1, "n_1 n_0 overflows"},
		{2, {1, 2, 1, 0}, M / 2 + 1, "M n_1 overflows"},
		{3, {1, 1, 1, 1}, M / 2 + 1, "the noise length overflows"},
		{2, {1, 1, M / 10, 0}, 1, "only the WM workspace overflows"},
	};
	for (int i = 0; i < 5; i++) {
		const size_t *wi = i == 0 ? w65 : cases[i].w;
		cr_net net = {cases[i].depth, wi, a65, CR_LOSS_MSE};
		if (i == 4)
			gsl_test(cr_workspace_len(&net, 1) == 0, "wm size too large: FA's workspace fits for %s",
			         cases[i].what);
		size_t big = (size_t)-1 / 2; // never read
		cr_status st = cr_wm_step(&net, 1, CR_WM_LINEAR, 0.0731, 0.0417, 0.893, 0.0, 0.0, in, big,
		                          in, big, in, big, in, 1, in, big, cases[i].rows, in, big, &loss,
		                          out, big, out, big, out, big, out, big);
		gsl_test(st != CR_ERR_SIZE, "wm size too large, %s: status %s", cases[i].what,
		         cr_status_name((int)st));
		gsl_test(loss != -7.0 || out[0] != 1 || out[3] != 4, "wm size too large, %s: wrote output",
		         cases[i].what);
		gsl_test(cr_wm_workspace_len(&net, 1, cases[i].rows) != 0,
		         "wm size too large, %s: workspace length", cases[i].what);
	}
}

int main(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 2019);
	size_t depth, widths[TL_MAX_L + 1], batch;
	cr_act acts[TL_MAX_L];
	int loss;
	char name[96];
	size_t nets = 0;
	for (size_t i = 0; tl_catalog(i, &depth, widths, acts, &loss, &batch, name, sizeof name); i++) {
		for (int v = 0; v < CR_WM_COUNT; v++) {
			// High-entropy values; the unused hyper-parameters are NaN.
			hyper h = {v, 0.0731, 0.0417, 0.893, 0.271, 1.37};
			if (v == CR_WM_KUNIN)
				h.decay_B = NAN;
			else
				h.alpha = h.beta = NAN;
			tl_problem p;
			tl_problem_init(&p, r, TL_FA, depth, widths, acts, loss, batch);
			check_traj(&p, &h, r, name);
			tl_problem_free(&p);
		}
		nets++;
	}
	printf("test_wm: %zu networks x %d variants, %d steps each, bit for bit\n", nets, CR_WM_COUNT,
	       STEPS);
	check_identity(r);
	const hyper id1 = {CR_WM_LINEAR, 0.0731, 0.3, 1.7, NAN, NAN};
	const hyper id2 = {CR_WM_KUNIN, 0.0731, 0.3, NAN, 0.85, 1.3};
	double w1, w2;
	check_mirror_fixed_point(r, &id1, &w1);
	check_mirror_fixed_point(r, &id2, &w2);
	printf("test_wm: worst error ratio to the derived bound: WM-ID-1 %.3g, WM-ID-2 %.3g\n", w1, w2);
	test_workspace_len();
	test_errors(r);
	test_nonfinite_result();
	test_too_large();
	gsl_rng_free(r);
	return gsl_test_summary();
}
