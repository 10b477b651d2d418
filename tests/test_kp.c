// test_kp.c: Kolen-Pollack (spec/rules/kp.md KP-STEP-1..6, KP-API-1,
// KP-ERR-1, KP-ID-1..4; spec/notation.md NOT-STEP-1, NOT-NET-5).
//
// Expected values never come from cr_kp_step itself:
//   - KP-ID-4: the first step's loss, W_1, b_1 and B_1 are formed here from
//     cr_fa_grad's loss, dW and db with the update of KP-STEP-2..5 written
//     out in this file, and compared bit for bit;
//   - KP-ID-2: with B_0 = W_0^T every step is a step of backpropagation with
//     weight decay, formed here from cr_bp_grad; compared bit for bit, and
//     B_s = W_s^T bit for bit, for 10 steps;
//   - KP-ID-1: W_s - B_s^T against c^s (W_0 - B_0^T) computed with GSL
//     (gsl_pow_int, gsl_matrix_*), within a rounding bound derived below;
//   - KP-ID-3: with decay 0, W_s - B_s^T against W_0 - B_0^T, same bound.
// Every call of cr_kp_step goes through kp_run, which checks the contract of
// ref/credit.h around it: read-only inputs unchanged, guard cells around
// every output and the workspace untouched, outputs fully written and finite
// on CR_OK and left exactly as they were on every error. Every status of
// KP-ERR-1 and of the order of checks in ref/kp.c is provoked.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_math.h>
#include <gsl/gsl_matrix.h>

#include "testlib.h"

// Guard cells on each side of every output buffer and of the workspace.
#define KG 8
// Read-only inputs longer than this are not copied for the unchanged check
// (only the size_too_large calls claim such lengths).
#define COPY_MAX ((size_t)1 << 20)
// Steps of each trajectory.
#define STEPS 10

static void *xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);
	if (p == NULL) {
		fprintf(stderr, "test_kp: out of memory (%zu bytes)\n", n);
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

// One call of cr_kp_step: the arguments, which a test may overwrite to
// provoke an error, and the guarded storage behind the outputs.
typedef struct {
	const char *label;
	cr_net net;
	const cr_net *netp;
	size_t batch;
	double eta, decay;
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
	// Guarded storage (owned) and the number of usable cells of each.
	double *g_loss, *g_W, *g_b, *g_B, *g_work;
	size_t n_W, n_b, n_B, n_work;
} kp_call;

// Output `which` (0 W_next, 1 b_next, 2 B_next, 3 work) gets n usable cells
// and the length n.
static void kp_set_out(kp_call *c, int which, size_t n)
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
// correct lengths and a workspace of exactly cr_kp_workspace_len doubles.
static void kp_init(kp_call *c, const tl_problem *p, const double *W, const double *b,
                    const double *B, double eta, double decay, const char *label)
{
	memset(c, 0, sizeof *c);
	c->label = label;
	c->net.depth = p->depth;
	c->net.widths = p->widths;
	c->net.acts = p->acts;
	c->net.loss = p->loss;
	c->netp = &c->net;
	c->batch = p->batch;
	c->eta = eta;
	c->decay = decay;
	c->W = W; c->W_len = p->W_len;
	c->b = b; c->b_len = p->b_len;
	c->B = B; c->B_len = p->F_len;
	c->x = p->x; c->x_len = p->x_len;
	c->t = p->t; c->t_len = p->t_len;
	c->g_loss = guarded(1);
	c->loss = c->g_loss + KG;
	kp_set_out(c, 0, p->W_len);
	kp_set_out(c, 1, p->b_len);
	kp_set_out(c, 2, p->F_len);
	kp_set_out(c, 3, cr_kp_workspace_len(&c->net, c->batch));
	if (p->F_len == 0)
		c->B_next = NULL; // Depth 1: no feedback, B and B_next may be NULL.
}

static void kp_free(kp_call *c)
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

static void same(const kp_call *c, const char *what, const void *now, void *before, size_t n,
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
static void guards(const kp_call *c, const char *what, const double *g, size_t n, int body)
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

// Calls cr_kp_step and checks the contract around the call; returns the status.
static int kp_run(kp_call *c)
{
	size_t depth = c->netp ? c->netp->depth : 0;
	int net_ok = c->netp != NULL && c->net.widths != NULL && depth <= TL_MAX_L;
	void *s_widths = net_ok ? snap(c->net.widths, depth + 1, sizeof(size_t)) : NULL;
	void *s_W = snap(c->W, c->W_len, sizeof(double));
	void *s_b = snap(c->b, c->b_len, sizeof(double));
	void *s_B = snap(c->B, c->B_len, sizeof(double));
	void *s_x = snap(c->x, c->x_len, sizeof(double));
	void *s_t = snap(c->t, c->t_len, sizeof(double));

	int st = (int)cr_kp_step(c->netp, c->batch, c->eta, c->decay, c->W, c->W_len, c->b,
	                         c->b_len, c->B, c->B_len, c->x, c->x_len, c->t, c->t_len,
	                         c->loss, c->W_next, c->W_next_len, c->b_next, c->b_next_len,
	                         c->B_next, c->B_next_len, c->work, c->work_len);

	same(c, "widths", c->net.widths, s_widths, depth + 1, sizeof(size_t));
	same(c, "W", c->W, s_W, c->W_len, sizeof(double));
	same(c, "b", c->b, s_b, c->b_len, sizeof(double));
	same(c, "B", c->B, s_B, c->B_len, sizeof(double));
	same(c, "x", c->x, s_x, c->x_len, sizeof(double));
	same(c, "t", c->t, s_t, c->t_len, sizeof(double));

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

static void kp_expect(kp_call *c, int want, const char *what)
{
	int st = kp_run(c);
	gsl_test(st != want, "%s, %s: status got %s (%d) expected %s (%d)", c->label, what,
	         cr_status_name(st), st, cr_status_name(want), want);
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

// A trajectory: the states after each step, state 0 being the initial one.
typedef struct {
	size_t steps;
	double *W, *b, *B;   // [(steps + 1) * len], state s at s * len
	double loss[STEPS];
} traj;

static void traj_free(traj *tr)
{
	free(tr->W);
	free(tr->b);
	free(tr->B);
}

// Runs STEPS steps of cr_kp_step from (p->W, p->b, B0) with a fresh batch per
// step (NOT-STEP-1). With bp_check set, each step is also compared with a
// step of backpropagation with weight decay (KP-ID-2).
static void run_traj(tl_problem *p, const double *B0, double eta, double decay, gsl_rng *r,
                     int bp_check, const char *name, traj *tr)
{
	size_t nW = p->W_len, nb = p->b_len, nB = p->F_len;
	char label[240];
	tr->steps = STEPS;
	tr->W = xmalloc((STEPS + 1) * nW * sizeof(double));
	tr->b = xmalloc((STEPS + 1) * nb * sizeof(double));
	tr->B = xmalloc((STEPS + 1) * (nB ? nB : 1) * sizeof(double));
	memcpy(tr->W, p->W, nW * sizeof(double));
	memcpy(tr->b, p->b, nb * sizeof(double));
	if (nB)
		memcpy(tr->B, B0, nB * sizeof(double));
	// KP-STEP-2, as the spec writes it: the product rounded, then 1 - p.
	const double c = 1.0 - eta * decay;
	for (size_t s = 1; s <= STEPS; s++) {
		const double *W = tr->W + (s - 1) * nW, *b = tr->b + (s - 1) * nb;
		const double *B = nB ? tr->B + (s - 1) * nB : NULL;
		fresh_batch(p, r);
		snprintf(label, sizeof label, "kp %s, step %zu", name, s);
		kp_call k;
		kp_init(&k, p, W, b, B, eta, decay, label);
		kp_expect(&k, CR_OK, "trajectory step");
		tr->loss[s - 1] = *k.loss;
		memcpy(tr->W + s * nW, k.W_next, nW * sizeof(double));
		memcpy(tr->b + s * nb, k.b_next, nb * sizeof(double));
		if (nB)
			memcpy(tr->B + s * nB, k.B_next, nB * sizeof(double));
		if (bp_check) {
			// KP-ID-2: B_s = W_s^T bit for bit ...
			double *Bt = xmalloc((nB ? nB : 1) * sizeof(double));
			tl_B_from_W(p, k.W_next, Bt);
			tl_check_bits(label, "B_s vs W_s^T (KP-ID-2)", k.B_next, Bt, nB);
			free(Bt);
			// ... and the step is backpropagation's with decay:
			// W <- c W - eta dW_bp, b <- b - eta db_bp, same loss.
			tl_problem q = *p;
			q.W = (double *)W;
			q.b = (double *)b;
			tl_call bp;
			tl_call_init(&bp, &q, TL_BP, label);
			tl_call_expect(&bp, CR_OK, "bp");
			double *eW = xmalloc(nW * sizeof(double)), *eb = xmalloc(nb * sizeof(double));
			for (size_t i = 0; i < nW; i++)
				eW[i] = c * W[i] - eta * bp.dW[i];
			for (size_t i = 0; i < nb; i++)
				eb[i] = b[i] - eta * bp.db[i];
			tl_check_bits(label, "W_s vs bp step with decay (KP-ID-2)", k.W_next, eW, nW);
			tl_check_bits(label, "b_s vs bp step (KP-ID-2)", k.b_next, eb, nb);
			tl_check_bits(label, "loss vs bp (KP-ID-2)", k.loss, bp.loss, 1);
			free(eW);
			free(eb);
			tl_call_free(&bp);
		}
		kp_free(&k);
	}
}

// KP-ID-4 (and KP-STEP-1..5 for one step): the first step from a random B
// is FA's loss, dW and db with the update written out here, bit for bit.
static void check_first_step(const tl_problem *p, double eta, double decay, const char *name)
{
	char label[240];
	snprintf(label, sizeof label, "kp %s, first step (KP-ID-4)", name);
	tl_call fa;
	tl_call_init(&fa, p, TL_FA, label);
	tl_call_expect(&fa, CR_OK, "fa");
	kp_call k;
	kp_init(&k, p, p->W, p->b, p->F, eta, decay, label);
	kp_expect(&k, CR_OK, "first step");
	const double c = 1.0 - eta * decay;
	size_t nW = p->W_len, nb = p->b_len, nB = p->F_len;
	double *eW = xmalloc(nW * sizeof(double)), *eb = xmalloc(nb * sizeof(double));
	double *eB = xmalloc((nB ? nB : 1) * sizeof(double));
	for (size_t i = 0; i < nW; i++)
		eW[i] = c * p->W[i] - eta * fa.dW[i];
	for (size_t i = 0; i < nb; i++)
		eb[i] = p->b[i] - eta * fa.db[i];
	// B_l (n_{l-1} x n_l) at offset offB: entry (j, i) takes dW_l[i][j].
	size_t offB = 0;
	for (size_t l = 2; l <= p->depth; l++) {
		size_t nl = p->widths[l], np = p->widths[l - 1];
		const double *dWl = fa.dW + tl_off_W(p, l);
		for (size_t j = 0; j < np; j++)
			for (size_t i = 0; i < nl; i++)
				eB[offB + j * nl + i] = c * p->F[offB + j * nl + i] - eta * dWl[i * np + j];
		offB += nl * np;
	}
	tl_check_bits(label, "loss (FA's)", k.loss, fa.loss, 1);
	tl_check_bits(label, "W_1 = c W_0 - eta dW_fa", k.W_next, eW, nW);
	tl_check_bits(label, "b_1 = b_0 - eta db_fa", k.b_next, eb, nb);
	tl_check_bits(label, "B_1 = c B_0 - eta dW_fa^T", k.B_next, eB, nB);
	free(eW);
	free(eb);
	free(eB);
	kp_free(&k);
	tl_call_free(&fa);
}

// KP-ID-1 and KP-ID-3: W_s - B_s^T against c^s (W_0 - B_0^T), for every
// layer l >= 2, step s and entry (i, j) of W_l.
//
// The bound. One step computes, with the same rounded product
// p = fl(eta dW_l[i][j]) in both updates (ref/kp.c, KP-STEP-3/4),
//   W' = fl(fl(c w) - p) and B'^T = fl(fl(c v) - p)   (w = W[i][j], v = B[j][i]),
// so with |e_k| <= u:  W' - B'^T = c (w - v) + c w e_1 - c v e_2
//                                  + (fl(c w) - p) e_3 - (fl(c v) - p) e_4,
// and the step adds to D = W - B^T an error r with
//   |r| <= u g,  g = |c w| + |c v| + |W'| + |B'^T|   (first order in u).
// Later steps multiply it by c, so after s steps
//   |D_s - c^s D_0| <= u sum_{j=1..s} |c|^{s-j} g_j.
// The GSL value fl(fl(c^s) fl(W_0 - B_0^T)) has a relative error of at most
// (2s + 2) u (gsl_pow_int multiplies at most 2 log2(s) + 2 <= 2s times, with
// the relative error of a squaring chain at most s u; one subtraction, one
// product), and the difference got = fl(W_s - B_s^T) formed here adds u |got|.
// So tol = u (sum_j |c|^{s-j} g_j + (2s + 2) |c^s| |D_0| + |got|). The bound is
// first order: the neglected terms are below s^2 u^2 times the same
// magnitudes, not a unit of the last place of any of them. With decay 0,
// c = 1 exactly and this is KP-ID-3's bound for W_s - B_s^T = W_0 - B_0^T.
static double check_contraction(const tl_problem *p, const traj *tr, double c, const char *what,
                                const char *name)
{
	char label[240];
	snprintf(label, sizeof label, "kp %s, %s", name, what);
	size_t nW = p->W_len, nB = p->F_len;
	double worst = 0.0;
	size_t offB = 0;
	for (size_t l = 2; l <= p->depth; l++) {
		size_t nl = p->widths[l], np = p->widths[l - 1], oW = tl_off_W(p, l);
		// D_0 = W_0 - B_0^T with GSL; W_l is nl x np, B_l is np x nl.
		gsl_matrix_const_view W0 = gsl_matrix_const_view_array(tr->W + oW, nl, np);
		gsl_matrix_const_view B0 = gsl_matrix_const_view_array(tr->B + offB, np, nl);
		gsl_matrix *D0 = gsl_matrix_alloc(nl, np), *Bt = gsl_matrix_alloc(nl, np);
		gsl_matrix *E = gsl_matrix_alloc(nl, np);
		gsl_matrix_memcpy(D0, &W0.matrix);
		gsl_matrix_transpose_memcpy(Bt, &B0.matrix);
		gsl_matrix_sub(D0, Bt);
		double *acc = xmalloc(nl * np * sizeof(double)); // sum_j |c|^{s-j} g_j
		for (size_t q = 0; q < nl * np; q++)
			acc[q] = 0.0;
		for (size_t s = 1; s <= tr->steps; s++) {
			const double *Wp = tr->W + (s - 1) * nW + oW, *Ws = tr->W + s * nW + oW;
			const double *Bp = tr->B + (s - 1) * nB + offB, *Bs = tr->B + s * nB + offB;
			double cs = gsl_pow_int(c, (int)s);
			gsl_matrix_memcpy(E, D0);
			gsl_matrix_scale(E, cs);
			for (size_t i = 0; i < nl; i++) {
				for (size_t j = 0; j < np; j++) {
					size_t q = i * np + j;
					double w = Wp[q], v = Bp[j * nl + i];
					double g = fabs(c * w) + fabs(c * v) + fabs(Ws[q]) + fabs(Bs[j * nl + i]);
					acc[q] = fabs(c) * acc[q] + g;
					double got = Ws[q] - Bs[j * nl + i];
					double exp = gsl_matrix_get(E, i, j);
					double tol = TL_U * (acc[q] + (double)(2 * s + 2) * fabs(cs) *
					                     fabs(gsl_matrix_get(D0, i, j)) + fabs(got));
					double ratio = fabs(got - exp) / tol;
					if (!(ratio <= worst))
						worst = ratio;
					if (!(fabs(got - exp) <= tol)) {
						char field[96];
						snprintf(field, sizeof field, "W_%zu - B_%zu^T at step %zu", l, l, s);
						tl_check(label, field, q, got, exp, tol);
						s = tr->steps; // One failure per layer is enough.
						i = nl;
						break;
					}
				}
			}
		}
		free(acc);
		gsl_matrix_free(D0);
		gsl_matrix_free(Bt);
		gsl_matrix_free(E);
		offB += nl * np;
	}
	return worst;
}

// The identities on one network of the catalogue.
static void check_network(tl_problem *p, gsl_rng *r, const char *name, double worst[2])
{
	// High-entropy values: c = 1 - 0.0731 * 2.17 = 0.841373, so after 10 steps
	// W - B^T has shrunk to c^10 = 0.178 of its start.
	const double eta = 0.0731, decay = 2.17;
	check_first_step(p, eta, decay, name);

	double *W0 = dup(p->W, p->W_len), *b0 = dup(p->b, p->b_len);
	traj tr;
	// KP-ID-1: contraction from an independent random B.
	run_traj(p, p->F, eta, decay, r, 0, name, &tr);
	double w = check_contraction(p, &tr, 1.0 - eta * decay, "KP-ID-1 contraction", name);
	if (w > worst[0])
		worst[0] = w;
	traj_free(&tr);

	// KP-ID-3: decay 0, W - B^T keeps its value up to rounding.
	memcpy(p->W, W0, p->W_len * sizeof(double));
	memcpy(p->b, b0, p->b_len * sizeof(double));
	run_traj(p, p->F, eta, 0.0, r, 0, name, &tr);
	w = check_contraction(p, &tr, 1.0, "KP-ID-3 decay 0", name);
	if (w > worst[1])
		worst[1] = w;
	traj_free(&tr);

	// KP-ID-2: B_0 = W_0^T gives backpropagation with weight decay.
	memcpy(p->W, W0, p->W_len * sizeof(double));
	memcpy(p->b, b0, p->b_len * sizeof(double));
	double *Bt = xmalloc((p->F_len ? p->F_len : 1) * sizeof(double));
	tl_B_from_W(p, p->W, Bt);
	run_traj(p, Bt, eta, decay, r, 1, name, &tr);
	traj_free(&tr);
	free(Bt);

	memcpy(p->W, W0, p->W_len * sizeof(double));
	memcpy(p->b, b0, p->b_len * sizeof(double));
	free(W0);
	free(b0);
}

// cr_kp_workspace_len = cr_workspace_len + W_len + b_len, and 0 for every
// invalid network and every overflow (ref/kp.c, kp_shape).
static void test_workspace_len(void)
{
	size_t depth, widths[TL_MAX_L + 1], batch;
	cr_act acts[TL_MAX_L];
	int loss;
	char name[96];
	for (size_t i = 0; tl_catalog(i, &depth, widths, acts, &loss, &batch, name, sizeof name); i++) {
		cr_net net = {depth, widths, acts, loss};
		size_t want = cr_workspace_len(&net, batch) + tl_len_W(depth, widths) + tl_len_b(depth, widths);
		gsl_test(cr_kp_workspace_len(&net, batch) != want,
		         "cr_kp_workspace_len(%s) = %zu, expected %zu", name,
		         cr_kp_workspace_len(&net, batch), want);
	}
	size_t w[4] = {3, 4, 5, 2};
	cr_act a3[3] = {{CR_ACT_TANH, 0}, {CR_ACT_RELU, 0}, {CR_ACT_IDENTITY, 0}};
	cr_net net = {3, w, a3, CR_LOSS_MSE};
	gsl_test(cr_kp_workspace_len(NULL, 3) != 0, "cr_kp_workspace_len: net NULL");
	net.widths = NULL;
	gsl_test(cr_kp_workspace_len(&net, 3) != 0, "cr_kp_workspace_len: widths NULL");
	net.widths = w;
	net.depth = 0;
	gsl_test(cr_kp_workspace_len(&net, 3) != 0, "cr_kp_workspace_len: depth 0");
	net.depth = 3;
	gsl_test(cr_kp_workspace_len(&net, 0) != 0, "cr_kp_workspace_len: batch 0");
	for (size_t l = 0; l <= 3; l++) {
		size_t keep = w[l];
		w[l] = 0;
		gsl_test(cr_kp_workspace_len(&net, 3) != 0, "cr_kp_workspace_len: width %zu is 0", l);
		w[l] = keep;
	}
	size_t w65[CR_MAX_DEPTH + 2];
	cr_act a65[CR_MAX_DEPTH + 1];
	for (size_t l = 0; l < CR_MAX_DEPTH + 2; l++)
		w65[l] = 1;
	for (size_t l = 0; l < CR_MAX_DEPTH + 1; l++)
		a65[l] = (cr_act){CR_ACT_IDENTITY, 0};
	cr_net deep = {CR_MAX_DEPTH + 1, w65, a65, CR_LOSS_MSE};
	gsl_test(cr_kp_workspace_len(&deep, 1) != 0, "cr_kp_workspace_len: depth %d", CR_MAX_DEPTH + 1);
	deep.depth = CR_MAX_DEPTH;
	gsl_test(cr_kp_workspace_len(&deep, 1) == 0, "cr_kp_workspace_len: depth %d is valid",
	         CR_MAX_DEPTH);

	if (SIZE_MAX >> 63 == 0)
		return; // The overflow cases below assume a 64-bit size_t.
	const size_t M = SIZE_MAX, h = (size_t)1 << 32;
	cr_act id3[3] = {{CR_ACT_IDENTITY, 0}, {CR_ACT_IDENTITY, 0}, {CR_ACT_IDENTITY, 0}};
	// n_1 n_0 overflows.
	size_t wp[2] = {h * 2, h * 2};
	cr_net over = {1, wp, id3, CR_LOSS_MSE};
	gsl_test(cr_kp_workspace_len(&over, 1) != 0, "cr_kp_workspace_len: n_1 n_0 overflows");
	// Each product 2^63, their sum overflows.
	size_t ws[3] = {h, h / 2, h};
	cr_net sum = {2, ws, id3, CR_LOSS_MSE};
	gsl_test(cr_kp_workspace_len(&sum, 1) != 0, "cr_kp_workspace_len: W_len overflows");
	// Zero widths keep every product 0 while sum n_l overflows.
	size_t wz[4] = {0, M, 0, M};
	cr_net zb = {3, wz, id3, CR_LOSS_MSE};
	gsl_test(cr_kp_workspace_len(&zb, 1) != 0, "cr_kp_workspace_len: b_len overflows");
	// Depth 1, widths {1, n}: W_len = b_len = n. For n = M / k (k = 2 .. 12)
	// FA's workspace fits or not (cr_workspace_len says which); where it
	// fits, the test forms fa + n + n itself and expects 0 exactly when that
	// sum overflows. The k that reach the two overflow branches of kp_shape
	// (fa + n overflows; fa + n fits, + n overflows) are counted.
	int hit_w = 0, hit_b = 0;
	for (size_t k = 2; k <= 12; k++) {
		size_t wn[2] = {1, M / k};
		cr_net one = {1, wn, id3, CR_LOSS_MSE};
		size_t n = wn[1], fa = cr_workspace_len(&one, 1), got = cr_kp_workspace_len(&one, 1);
		if (fa == 0) {
			gsl_test(got != 0, "cr_kp_workspace_len: n = M/%zu, FA's workspace overflows", k);
			continue;
		}
		int ovf_w = n > M - fa, ovf_b = !ovf_w && n > M - fa - n;
		hit_w += ovf_w;
		hit_b += ovf_b;
		size_t want = (ovf_w || ovf_b) ? 0 : fa + n + n;
		gsl_test(got != want, "cr_kp_workspace_len: n = M/%zu: got %zu expected %zu", k, got, want);
	}
	gsl_test(!hit_w || !hit_b, "cr_kp_workspace_len: both overflow cases reached (%d, %d)",
	         hit_w, hit_b);
}

// A hand-made depth-1 network 1-1 (identity, MSE, batch 1) for the
// overflow cases: y = W x + b, dW = (y - t) x, db = y - t.
typedef struct {
	size_t w[3];
	cr_act acts[2];
	tl_problem p;
} tiny;

static void tiny_init(tiny *k, size_t depth, const double *W, const double *b, const double *B,
                      double x, double t)
{
	memset(k, 0, sizeof *k);
	for (size_t l = 0; l <= depth; l++)
		k->w[l] = 1;
	k->acts[0] = k->acts[1] = (cr_act){CR_ACT_IDENTITY, 0};
	tl_problem *p = &k->p;
	p->rule = TL_FA;
	p->depth = depth;
	for (size_t l = 0; l <= depth; l++)
		p->widths[l] = 1;
	p->acts[0] = p->acts[1] = k->acts[0];
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
}

// KP-ERR-1, non_finite_result: finite inputs whose step overflows, in each
// place it can (ref/kp.c check 7).
static void test_nonfinite_result(void)
{
	tiny k;
	kp_call c;
	const double W1[1] = {0.5}, b1[1] = {0.25};
	// y = 1.25, e = 2.25, dW = 4.5, db = 2.25: eta dW = 4.5e308 overflows.
	tiny_init(&k, 1, W1, b1, NULL, 2.0, -1.0);
	kp_init(&c, &k.p, k.p.W, k.p.b, NULL, 1e308, 0.0, "kp non_finite_result, eta dW");
	kp_expect(&c, CR_ERR_NONFINITE_RESULT, "W_next overflows");
	kp_free(&c);
	// c = 1 - eta decay = 1 - inf: c W is -inf.
	kp_init(&c, &k.p, k.p.W, k.p.b, NULL, 10.0, 1e308, "kp non_finite_result, c = -inf");
	kp_expect(&c, CR_ERR_NONFINITE_RESULT, "eta decay overflows");
	kp_free(&c);
	// The same step with eta 1e-3 is fine (a control for the two above).
	kp_init(&c, &k.p, k.p.W, k.p.b, NULL, 1e-3, 0.5, "kp non_finite_result control");
	kp_expect(&c, CR_OK, "small eta");
	kp_free(&c);
	tl_problem_free(&k.p);

	// x = 0: dW = 0, so W_next = W; db = 2.25 and b - eta db overflows.
	tiny_init(&k, 1, W1, b1, NULL, 0.0, -2.0);
	kp_init(&c, &k.p, k.p.W, k.p.b, NULL, 1e308, 0.0, "kp non_finite_result, b only");
	kp_expect(&c, CR_ERR_NONFINITE_RESULT, "b_next overflows");
	kp_free(&c);
	tl_problem_free(&k.p);

	// Depth 2, B_2 = 1.5e308, c = 1 - 1 * 2.5 = -1.5: c B_2 overflows while
	// W_next (|dW_1| = 3.75e307) and b_next stay finite.
	const double W2[2] = {0.5, 0.5}, b2[2] = {0.0, 0.0}, B2[1] = {1.5e308};
	tiny_init(&k, 2, W2, b2, B2, 1.0, 0.0);
	kp_init(&c, &k.p, k.p.W, k.p.b, k.p.F, 1.0, 2.5, "kp non_finite_result, B only");
	kp_expect(&c, CR_ERR_NONFINITE_RESULT, "B_next overflows");
	kp_free(&c);
	tl_problem_free(&k.p);

	// The loss overflows inside cr_fa_grad (y = 1e300 * 1e300).
	const double Wbig[1] = {1e300};
	tiny_init(&k, 1, Wbig, b1, NULL, 1e300, 0.0);
	kp_init(&c, &k.p, k.p.W, k.p.b, NULL, 0.5, 0.5, "kp non_finite_result, loss");
	kp_expect(&c, CR_ERR_NONFINITE_RESULT, "the forward pass overflows");
	kp_free(&c);
	tl_problem_free(&k.p);
}

// Every other status of KP-ERR-1 and of ref/kp.c's order of checks, on a
// depth-3 network with a parameterised layer (and depth 1 for NULL B).
static void test_errors(gsl_rng *r)
{
	const size_t w[4] = {3, 4, 5, 2};
	const cr_act acts[3] = {{CR_ACT_TANH, 0}, {CR_ACT_LEAKY_RELU, 0.1875}, {CR_ACT_IDENTITY, 0}};
	tl_problem p;
	tl_problem_init(&p, r, TL_FA, 3, w, acts, CR_LOSS_MSE, 3);
	kp_call c;
	const double eta = 0.0731, decay = 2.17;

	// The valid call itself.
	kp_init(&c, &p, p.W, p.b, p.F, eta, decay, "kp errors: valid call");
	kp_expect(&c, CR_OK, "valid");
	kp_free(&c);
	// decay 0 and -0.0 are valid (decay >= 0).
	const double ok_decay[2] = {0.0, -0.0};
	for (int i = 0; i < 2; i++) {
		kp_init(&c, &p, p.W, p.b, p.F, eta, ok_decay[i], "kp errors: decay 0");
		kp_expect(&c, CR_OK, i ? "decay -0.0" : "decay 0");
		kp_free(&c);
	}

	// invalid_parameter (KP-IN-2), checked first (KP-API-1).
	const double bad_eta[6] = {0.0, -0.0, -1.0, NAN, INFINITY, -INFINITY};
	for (int i = 0; i < 6; i++) {
		kp_init(&c, &p, p.W, p.b, p.F, bad_eta[i], decay, "kp errors: eta");
		char what[64];
		snprintf(what, sizeof what, "eta = %g", bad_eta[i]);
		kp_expect(&c, CR_ERR_PARAM, what);
		kp_free(&c);
	}
	const double bad_decay[4] = {-1e-300, NAN, INFINITY, -INFINITY};
	for (int i = 0; i < 4; i++) {
		kp_init(&c, &p, p.W, p.b, p.F, eta, bad_decay[i], "kp errors: decay");
		char what[64];
		snprintf(what, sizeof what, "decay = %g", bad_decay[i]);
		kp_expect(&c, CR_ERR_PARAM, what);
		kp_free(&c);
	}
	kp_init(&c, &p, p.W, p.b, p.F, NAN, decay, "kp errors: order");
	c.loss = NULL;
	c.batch = 0;
	kp_expect(&c, CR_ERR_PARAM, "eta NaN, loss NULL and batch 0: the parameter comes first");
	kp_free(&c);

	// null_pointer: each pointer in turn.
	const char *nulls[13] = {"loss", "W", "b", "B", "x", "t", "W_next", "b_next", "B_next",
	                         "work", "net", "widths", "acts"};
	for (int k = 0; k < 13; k++) {
		kp_init(&c, &p, p.W, p.b, p.F, eta, decay, "kp errors: NULL");
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
		kp_expect(&c, CR_ERR_NULL, nulls[k]);
		kp_free(&c);
	}
	kp_init(&c, &p, p.W, p.b, p.F, eta, decay, "kp errors: order");
	c.loss = NULL;
	c.batch = 0;
	kp_expect(&c, CR_ERR_NULL, "loss NULL and batch 0: null_pointer comes first");
	kp_free(&c);

	// zero_size: batch, each width, depth (through cr_fa_grad, check 3).
	kp_init(&c, &p, p.W, p.b, p.F, eta, decay, "kp errors: zero size");
	c.batch = 0;
	kp_expect(&c, CR_ERR_ZERO_SIZE, "batch 0");
	kp_free(&c);
	for (size_t l = 0; l <= 3; l++) {
		size_t wz[4];
		memcpy(wz, w, sizeof wz);
		wz[l] = 0;
		kp_init(&c, &p, p.W, p.b, p.F, eta, decay, "kp errors: zero size");
		c.net.widths = wz;
		kp_expect(&c, CR_ERR_ZERO_SIZE, "a width 0");
		kp_free(&c);
	}
	kp_init(&c, &p, p.W, p.b, p.F, eta, decay, "kp errors: zero size");
	c.net.depth = 0;
	kp_expect(&c, CR_ERR_ZERO_SIZE, "depth 0");
	kp_free(&c);

	// size_mismatch (check 4 and cr_fa_grad's own): each length one too
	// small and one too large; a longer input points at a longer buffer.
	const char *lens[8] = {"W_len", "b_len", "B_len", "x_len", "t_len", "W_next_len",
	                       "b_next_len", "B_next_len"};
	for (int k = 0; k < 8; k++) {
		for (int dir = -1; dir <= 1; dir += 2) {
			kp_init(&c, &p, p.W, p.b, p.F, eta, decay, "kp errors: size mismatch");
			const double *src[5] = {p.W, p.b, p.F, p.x, p.t};
			size_t *in_len[5] = {&c.W_len, &c.b_len, &c.B_len, &c.x_len, &c.t_len};
			const double **in_ptr[5] = {&c.W, &c.b, &c.B, &c.x, &c.t};
			double *longer = NULL;
			if (k < 5) {
				size_t n = *in_len[k];
				if (dir > 0) {
					longer = xmalloc((n + 1) * sizeof(double));
					memcpy(longer, src[k], n * sizeof(double));
					longer[n] = 0.5;
					*in_ptr[k] = longer;
				}
				*in_len[k] = dir > 0 ? n + 1 : n - 1;
			} else {
				size_t n = k == 5 ? p.W_len : k == 6 ? p.b_len : p.F_len;
				kp_set_out(&c, k - 5, dir > 0 ? n + 1 : n - 1);
			}
			char what[64];
			snprintf(what, sizeof what, "%s %s", lens[k], dir > 0 ? "+1" : "-1");
			kp_expect(&c, CR_ERR_SIZE_MISMATCH, what);
			free(longer);
			kp_free(&c);
		}
	}

	// workspace_too_small: one double short, and none at all.
	kp_init(&c, &p, p.W, p.b, p.F, eta, decay, "kp errors: workspace");
	kp_set_out(&c, 3, cr_kp_workspace_len(&c.net, c.batch) - 1);
	kp_expect(&c, CR_ERR_WORKSPACE, "work_len one short");
	kp_set_out(&c, 3, 0);
	c.work = NULL;
	kp_expect(&c, CR_ERR_WORKSPACE, "work NULL, work_len 0");
	kp_free(&c);
	// A larger workspace than needed is fine.
	kp_init(&c, &p, p.W, p.b, p.F, eta, decay, "kp errors: workspace");
	kp_set_out(&c, 3, cr_kp_workspace_len(&c.net, c.batch) + 5);
	kp_expect(&c, CR_OK, "work_len larger");
	kp_free(&c);

	// cr_fa_grad's checks, passed through (check 6).
	cr_act bad[3];
	memcpy(bad, acts, sizeof bad);
	bad[1].kind = CR_ACT_COUNT;
	kp_init(&c, &p, p.W, p.b, p.F, eta, decay, "kp errors: fa checks");
	c.net.acts = bad;
	kp_expect(&c, CR_ERR_ACTIVATION, "unknown activation");
	kp_free(&c);
	memcpy(bad, acts, sizeof bad);
	bad[1].slope = NAN;
	kp_init(&c, &p, p.W, p.b, p.F, eta, decay, "kp errors: fa checks");
	c.net.acts = bad;
	kp_expect(&c, CR_ERR_PARAM, "leaky slope NaN");
	kp_free(&c);
	kp_init(&c, &p, p.W, p.b, p.F, eta, decay, "kp errors: fa checks");
	c.net.loss = CR_LOSS_COUNT;
	kp_expect(&c, CR_ERR_LOSS, "unknown loss");
	kp_free(&c);
	const double *src[5] = {p.W, p.b, p.F, p.x, p.t};
	const size_t srcn[5] = {p.W_len, p.b_len, p.F_len, p.x_len, p.t_len};
	const char *srcname[5] = {"W", "b", "B", "x", "t"};
	for (int k = 0; k < 5; k++) {
		double *copy = dup(src[k], srcn[k]);
		copy[srcn[k] / 2] = k % 2 ? INFINITY : NAN;
		kp_init(&c, &p, k == 0 ? copy : p.W, k == 1 ? copy : p.b, k == 2 ? copy : p.F, eta, decay,
		        "kp errors: non_finite_input");
		if (k == 3)
			c.x = copy;
		if (k == 4)
			c.t = copy;
		kp_expect(&c, CR_ERR_NONFINITE_INPUT, srcname[k]);
		kp_free(&c);
		free(copy);
	}
	tl_problem_free(&p);

	// Depth 1: no feedback. B and B_next may be NULL with length 0, or
	// non-NULL with length 0; a length 1 is size_mismatch.
	const size_t w1[2] = {3, 2};
	const cr_act a1[1] = {{CR_ACT_LOGISTIC, 0}};
	tl_problem_init(&p, r, TL_FA, 1, w1, a1, CR_LOSS_SOFTMAX_CE, 2);
	double spare[1] = {0.75};
	kp_init(&c, &p, p.W, p.b, NULL, eta, decay, "kp depth 1");
	kp_expect(&c, CR_OK, "B and B_next NULL");
	kp_free(&c);
	kp_init(&c, &p, p.W, p.b, spare, eta, decay, "kp depth 1");
	kp_set_out(&c, 2, 0);
	kp_expect(&c, CR_OK, "B and B_next non-NULL with length 0");
	kp_free(&c);
	kp_init(&c, &p, p.W, p.b, spare, eta, decay, "kp depth 1");
	c.B_len = 1;
	kp_expect(&c, CR_ERR_SIZE_MISMATCH, "B_len 1");
	kp_free(&c);
	kp_init(&c, &p, p.W, p.b, NULL, eta, decay, "kp depth 1");
	kp_set_out(&c, 2, 1);
	kp_expect(&c, CR_ERR_SIZE_MISMATCH, "B_next_len 1");
	kp_free(&c);
	tl_problem_free(&p);
}

// size_too_large through cr_kp_step: the depth, a product, and the KP
// workspace alone. The arrays are short dummies behind huge claimed
// lengths; cr_kp_step must fail before it reads them (an out-of-bounds read
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
	struct { size_t depth; size_t w[3]; const char *what; } cases[4] = {
		{CR_MAX_DEPTH + 1, {0, 0, 0}, "depth CR_MAX_DEPTH + 1"},
		{1, {(size_t)1 << 33, (size_t)1 << 33, 0}, "n_1 n_0 overflows"},
		{1, {1, 0, 0}, "only the KP workspace overflows (fa + n)"},
		{1, {1, 0, 0}, "only the KP workspace overflows (fa + n + n)"},
	};
	if (SIZE_MAX >> 63 == 0)
		return;
	// Widths {1, n} for the last two cases, found as in test_workspace_len.
	for (size_t k = 2, found = 0; k <= 12 && found < 2; k++) {
		size_t wn[2] = {1, SIZE_MAX / k};
		cr_net one = {1, wn, a65, CR_LOSS_MSE};
		size_t n = wn[1], fa = cr_workspace_len(&one, 1);
		if (fa == 0)
			continue;
		if (found == 0 && n > SIZE_MAX - fa)
			cases[2].w[1] = n, found = 1;
		else if (found == 1 && n <= SIZE_MAX - fa && n > SIZE_MAX - fa - n)
			cases[3].w[1] = n, found = 2;
	}
	for (int i = 0; i < 4; i++) {
		const size_t *wi = i == 0 ? w65 : cases[i].w;
		cr_net net = {cases[i].depth, wi, a65, CR_LOSS_MSE};
		gsl_test(i >= 2 && cases[i].w[1] == 0, "kp size too large: no width found for %s",
		         cases[i].what);
		if (i >= 2 && cases[i].w[1] == 0)
			continue;
		size_t big = i == 0 ? CR_MAX_DEPTH + 1 : (size_t)-1 / 2; // never read
		cr_status st = cr_kp_step(&net, 1, 0.0731, 2.17, in, big, in, big, in, i == 0 ? big : 0,
		                          in, 1, in, big, &loss, out, big, out, big, out,
		                          i == 0 ? big : 0, out, big);
		gsl_test(st != CR_ERR_SIZE, "kp size too large, %s: status %s", cases[i].what,
		         cr_status_name((int)st));
		gsl_test(loss != -7.0 || out[0] != 1 || out[3] != 4, "kp size too large, %s: wrote output",
		         cases[i].what);
		gsl_test(cr_kp_workspace_len(&net, 1) != 0, "kp size too large, %s: workspace length",
		         cases[i].what);
	}
}

int main(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 1994);
	size_t depth, widths[TL_MAX_L + 1], batch;
	cr_act acts[TL_MAX_L];
	int loss;
	char name[96];
	double worst[2] = {0.0, 0.0};
	for (size_t i = 0; tl_catalog(i, &depth, widths, acts, &loss, &batch, name, sizeof name); i++) {
		tl_problem p;
		tl_problem_init(&p, r, TL_FA, depth, widths, acts, loss, batch);
		check_network(&p, r, name, worst);
		tl_problem_free(&p);
	}
	printf("test_kp: worst error ratio to the derived bound: KP-ID-1 %.3g, KP-ID-3 %.3g\n",
	       worst[0], worst[1]);
	test_workspace_len();
	test_errors(r);
	test_nonfinite_result();
	test_too_large();
	gsl_rng_free(r);
	return gsl_test_summary();
}
