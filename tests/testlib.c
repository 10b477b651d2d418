// testlib.c: shared helpers of the tests of ref/ (see testlib.h).
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Guard cells on each side of every output buffer and of the workspace.
#define TL_GUARD 8

// Read-only inputs longer than this are not copied for the ISAME check: only
// the size_too_large tests pass such lengths, and there the buffer behind the
// pointer is deliberately shorter than the length claims.
#define TL_COPY_MAX ((size_t)1 << 20)

static const uint64_t tl_sentinel_bits = UINT64_C(0x7ff4dead0badf00d);

double tl_sentinel(void)
{
	double v;
	memcpy(&v, &tl_sentinel_bits, sizeof v);
	return v;
}

int tl_is_sentinel(double v)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	return bits == tl_sentinel_bits;
}

static void *tl_xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);
	if (p == NULL) {
		fprintf(stderr, "testlib: out of memory (%zu bytes)\n", n);
		exit(2);
	}
	return p;
}

const char *tl_rule_name(int rule)
{
	static const char *const names[TL_RULE_COUNT] = {"bp", "fa", "dfa", "ss-M", "ss-scale"};
	return (rule >= 0 && rule < TL_RULE_COUNT) ? names[rule] : "?";
}

size_t tl_len_W(size_t depth, const size_t *widths)
{
	size_t n = 0;
	for (size_t l = 1; l <= depth; l++)
		n += widths[l] * widths[l - 1];
	return n;
}

size_t tl_len_b(size_t depth, const size_t *widths)
{
	size_t n = 0;
	for (size_t l = 1; l <= depth; l++)
		n += widths[l];
	return n;
}

// B_l is n_{l-1} x n_l for l = 2..L (NOT-FB-1); M_l has W_l's shape; D_l is
// n_l x n_L for l = 1..L-1 (NOT-FB-2); scale has L - 1 entries.
size_t tl_len_F(int rule, size_t depth, const size_t *widths)
{
	size_t n = 0;
	switch (rule) {
	case TL_FA:
	case TL_SS_M:
		for (size_t l = 2; l <= depth; l++)
			n += widths[l - 1] * widths[l];
		return n;
	case TL_DFA:
		for (size_t l = 1; l + 1 <= depth; l++)
			n += widths[l] * widths[depth];
		return n;
	case TL_SS_SCALE:
		return depth - 1;
	default:
		return 0;
	}
}

size_t tl_off_W(const tl_problem *p, size_t l)
{
	return tl_len_W(l - 1, p->widths);
}

size_t tl_off_b(const tl_problem *p, size_t l)
{
	return tl_len_b(l - 1, p->widths);
}

double tl_unif(gsl_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * gsl_rng_uniform(r);
}

static double *tl_fill(gsl_rng *r, size_t n, double lo, double hi)
{
	double *v = tl_xmalloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = tl_unif(r, lo, hi);
	return v;
}

void tl_problem_init(tl_problem *p, gsl_rng *r, int rule, size_t depth,
                     const size_t *widths, const cr_act *acts, int loss, size_t batch)
{
	memset(p, 0, sizeof *p);
	p->rule = rule;
	p->depth = depth;
	for (size_t l = 0; l <= depth; l++)
		p->widths[l] = widths[l];
	for (size_t l = 0; l < depth; l++)
		p->acts[l] = acts[l];
	p->loss = loss;
	p->batch = batch;
	p->W_len = tl_len_W(depth, widths);
	p->b_len = tl_len_b(depth, widths);
	p->x_len = batch * widths[0];
	p->t_len = batch * widths[depth];
	p->W = tl_fill(r, p->W_len, -1.0, 1.0);
	p->b = tl_fill(r, p->b_len, -1.0, 1.0);
	p->x = tl_fill(r, p->x_len, -2.0, 2.0);
	if (loss == CR_LOSS_SOFTMAX_CE) {
		// A probability vector per sample (tau = 1, NOT-LOSS-2).
		size_t k = widths[depth];
		p->t = tl_fill(r, p->t_len, 0.05, 1.0);
		for (size_t n = 0; n < batch; n++) {
			double s = 0.0;
			for (size_t j = 0; j < k; j++)
				s += p->t[n * k + j];
			for (size_t j = 0; j < k; j++)
				p->t[n * k + j] /= s;
		}
	} else {
		p->t = tl_fill(r, p->t_len, -1.0, 1.0);
	}
	if (rule == TL_SS_SCALE) {
		p->S_len = depth - 1;
		p->S = p->S_len ? tl_fill(r, p->S_len, -1.0, 1.0) : NULL;
	} else {
		p->F_len = tl_len_F(rule, depth, widths);
		p->F = p->F_len ? tl_fill(r, p->F_len, -1.0, 1.0) : NULL;
	}
}

void tl_problem_free(tl_problem *p)
{
	free(p->W);
	free(p->b);
	free(p->x);
	free(p->t);
	free(p->F);
	free(p->S);
	memset(p, 0, sizeof *p);
}

// A guarded buffer of n doubles: TL_GUARD sentinels, n sentinels, TL_GUARD
// sentinels. Returns the storage; the usable part starts at TL_GUARD.
static double *tl_guarded(size_t n)
{
	size_t total = n + 2 * TL_GUARD;
	double *g = tl_xmalloc(total * sizeof *g);
	for (size_t i = 0; i < total; i++)
		g[i] = tl_sentinel();
	return g;
}

void tl_call_init(tl_call *c, const tl_problem *p, int rule, const char *label)
{
	memset(c, 0, sizeof *c);
	c->rule = rule < 0 ? p->rule : rule;
	c->label = label;
	c->net.depth = p->depth;
	c->net.widths = p->widths;
	c->net.acts = p->acts;
	c->net.loss = p->loss;
	c->netp = &c->net;
	c->batch = p->batch;
	c->W = p->W; c->W_len = p->W_len;
	c->b = p->b; c->b_len = p->b_len;
	c->x = p->x; c->x_len = p->x_len;
	c->t = p->t; c->t_len = p->t_len;
	if (c->rule == p->rule) {
		c->F = p->F; c->F_len = p->F_len;
		c->S = p->S; c->S_len = p->S_len;
	}
	c->n_loss = 1;
	c->n_dW = p->W_len;
	c->n_db = p->b_len;
	c->g_loss = tl_guarded(c->n_loss);
	c->g_dW = tl_guarded(c->n_dW);
	c->g_db = tl_guarded(c->n_db);
	c->loss = c->g_loss + TL_GUARD;
	c->dW = c->g_dW + TL_GUARD; c->dW_len = c->n_dW;
	c->db = c->g_db + TL_GUARD; c->db_len = c->n_db;
	tl_call_set_work(c, cr_workspace_len(&c->net, c->batch));
}

void tl_call_set_work(tl_call *c, size_t n)
{
	free(c->g_work);
	c->n_work = n;
	c->g_work = tl_guarded(n);
	c->work = c->g_work + TL_GUARD;
	c->work_len = n;
}

void tl_call_free(tl_call *c)
{
	free(c->g_loss);
	free(c->g_dW);
	free(c->g_db);
	free(c->g_work);
	memset(c, 0, sizeof *c);
}

static int tl_dispatch(tl_call *c)
{
	switch (c->rule) {
	case TL_BP:
		return (int)cr_bp_grad(c->netp, c->batch, c->W, c->W_len, c->b, c->b_len,
		                  c->x, c->x_len, c->t, c->t_len, c->loss,
		                  c->dW, c->dW_len, c->db, c->db_len, c->work, c->work_len);
	case TL_FA:
		return (int)cr_fa_grad(c->netp, c->batch, c->W, c->W_len, c->b, c->b_len,
		                  c->F, c->F_len, c->x, c->x_len, c->t, c->t_len, c->loss,
		                  c->dW, c->dW_len, c->db, c->db_len, c->work, c->work_len);
	case TL_DFA:
		return (int)cr_dfa_grad(c->netp, c->batch, c->W, c->W_len, c->b, c->b_len,
		                   c->F, c->F_len, c->x, c->x_len, c->t, c->t_len, c->loss,
		                   c->dW, c->dW_len, c->db, c->db_len, c->work, c->work_len);
	default:
		return (int)cr_ss_grad(c->netp, c->batch, c->W, c->W_len, c->b, c->b_len,
		                  c->F, c->F_len, c->S, c->S_len, c->x, c->x_len, c->t, c->t_len,
		                  c->loss, c->dW, c->dW_len, c->db, c->db_len, c->work, c->work_len);
	}
}

// A copy of a read-only array for the ISAME check (NULL when not copied).
static void *tl_snap(const void *p, size_t n, size_t size)
{
	if (p == NULL || n > TL_COPY_MAX)
		return NULL;
	void *s = tl_xmalloc(n * size);
	memcpy(s, p, n * size);
	return s;
}

static void tl_same(const tl_call *c, const char *what, const void *now,
                    void *before, size_t n, size_t size)
{
	if (before == NULL)
		return;
	gsl_test(memcmp(now, before, n * size) != 0,
	         "%s [%s]: read-only input %s must be unchanged", c->label,
	         tl_rule_name(c->rule), what);
	free(before);
}

// Checks the guard cells of a guarded buffer of n usable doubles, and, when
// `body` is set, that the usable part still holds only sentinels.
static void tl_guards(const tl_call *c, const char *what, const double *g, size_t n, int body)
{
	size_t total = n + 2 * TL_GUARD;
	for (size_t i = 0; i < total; i++) {
		int in_body = i >= TL_GUARD && i < TL_GUARD + n;
		if (in_body && !body)
			continue;
		if (!tl_is_sentinel(g[i])) {
			gsl_test(1, "%s [%s]: %s %s cell %td changed (got %.17g)", c->label,
			         tl_rule_name(c->rule), what, in_body ? "output" : "guard",
			         (ptrdiff_t)i - TL_GUARD, g[i]);
			return;
		}
	}
}

int tl_call_run(tl_call *c)
{
	size_t depth = c->netp ? c->netp->depth : 0;
	int nets_ok = c->netp != NULL && depth <= TL_MAX_L;
	cr_net net0 = {0, NULL, NULL, 0};
	if (c->netp)
		net0 = *c->netp;
	void *s_widths = nets_ok ? tl_snap(c->net.widths, depth + 1, sizeof(size_t)) : NULL;
	void *s_acts = nets_ok && depth > 0 ? tl_snap(c->net.acts, depth, sizeof(cr_act)) : NULL;
	void *s_W = tl_snap(c->W, c->W_len, sizeof(double));
	void *s_b = tl_snap(c->b, c->b_len, sizeof(double));
	void *s_F = tl_snap(c->F, c->F_len, sizeof(double));
	void *s_S = tl_snap(c->S, c->S_len, sizeof(double));
	void *s_x = tl_snap(c->x, c->x_len, sizeof(double));
	void *s_t = tl_snap(c->t, c->t_len, sizeof(double));

	int st = tl_dispatch(c);

	if (c->netp)
		gsl_test(net0.depth != c->netp->depth || net0.widths != c->netp->widths ||
		         net0.acts != c->netp->acts || net0.loss != c->netp->loss,
		         "%s [%s]: net must be unchanged", c->label, tl_rule_name(c->rule));
	tl_same(c, "widths", c->net.widths, s_widths, depth + 1, sizeof(size_t));
	// cr_act has padding after `kind`: compare it field by field.
	if (s_acts != NULL) {
		const cr_act *was = s_acts;
		int diff = 0;
		for (size_t l = 0; l < depth; l++)
			diff |= was[l].kind != c->net.acts[l].kind ||
			        memcmp(&was[l].slope, &c->net.acts[l].slope, sizeof(double)) != 0;
		gsl_test(diff, "%s [%s]: read-only input acts must be unchanged", c->label,
		         tl_rule_name(c->rule));
		free(s_acts);
	}
	tl_same(c, "W", c->W, s_W, c->W_len, sizeof(double));
	tl_same(c, "b", c->b, s_b, c->b_len, sizeof(double));
	tl_same(c, "feedback", c->F, s_F, c->F_len, sizeof(double));
	tl_same(c, "scale", c->S, s_S, c->S_len, sizeof(double));
	tl_same(c, "x", c->x, s_x, c->x_len, sizeof(double));
	tl_same(c, "t", c->t, s_t, c->t_len, sizeof(double));

	// Outputs: written only on CR_OK (credit.h); guards never.
	int err = st != CR_OK;
	tl_guards(c, "loss", c->g_loss, c->n_loss, err);
	tl_guards(c, "dW", c->g_dW, c->n_dW, err);
	tl_guards(c, "db", c->g_db, c->n_db, err);
	tl_guards(c, "work", c->g_work, c->n_work, 0);
	if (!err) {
		// Every output written and finite (NOT-NET-5: no rule returns NaN/Inf).
		const double *o[3] = {c->g_loss + TL_GUARD, c->g_dW + TL_GUARD, c->g_db + TL_GUARD};
		size_t on[3] = {c->n_loss, c->n_dW, c->n_db};
		const char *name[3] = {"loss", "dW", "db"};
		for (int k = 0; k < 3; k++) {
			for (size_t i = 0; i < on[k]; i++) {
				if (tl_is_sentinel(o[k][i]) || !isfinite(o[k][i])) {
					gsl_test(1, "%s [%s]: on CR_OK %s[%zu] is %s (%.17g)", c->label,
					         tl_rule_name(c->rule), name[k], i,
					         tl_is_sentinel(o[k][i]) ? "not written" : "not finite", o[k][i]);
					break;
				}
			}
		}
	}
	return st;
}

void tl_call_expect(tl_call *c, int want, const char *what)
{
	int st = tl_call_run(c);
	gsl_test(st != want, "%s [%s] %s: status got %s (%d) expected %s (%d)", c->label,
	         tl_rule_name(c->rule), what, cr_status_name(st), st, cr_status_name(want), want);
}

int tl_same_bits(const tl_call *a, const tl_call *b2)
{
	return a->n_dW == b2->n_dW && a->n_db == b2->n_db &&
	       memcmp(a->loss, b2->loss, sizeof(double)) == 0 &&
	       memcmp(a->dW, b2->dW, a->n_dW * sizeof(double)) == 0 &&
	       memcmp(a->db, b2->db, a->n_db * sizeof(double)) == 0;
}

void tl_check(const char *label, const char *field, size_t idx,
              double got, double exp, double tol)
{
	double d = fabs(got - exp);
	int bad = !(d <= tol);
	double ratio = tol > 0 ? d / tol : (d == 0 ? 0.0 : INFINITY);
	gsl_test(bad, "%s: %s[%zu] got %.17g expected %.17g |diff| %.3g tol %.3g ratio %.3g",
	         label, field, idx, got, exp, d, tol, ratio);
}

void tl_check_bits(const char *label, const char *field,
                   const double *got, const double *exp, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (memcmp(&got[i], &exp[i], sizeof(double)) != 0) {
			gsl_test(1, "%s: %s[%zu] got %.17g expected %.17g (bitwise; diff %.3g)",
			         label, field, i, got[i], exp[i], got[i] - exp[i]);
			return;
		}
	}
	gsl_test(0, "%s: %s bitwise equal (%zu values)", label, field, n);
}

static double tl_act(const cr_act *f, double a)
{
	switch (f->kind) {
	case CR_ACT_TANH:
		return tanh(a);
	case CR_ACT_LOGISTIC:
		return a >= 0 ? 1.0 / (1.0 + exp(-a)) : exp(a) / (1.0 + exp(a));
	case CR_ACT_RELU:
		return a > 0 ? a : 0.0;
	case CR_ACT_LEAKY_RELU:
		return a > 0 ? a : f->slope * a;
	default:
		return a;
	}
}

void tl_forward(const tl_problem *p, const double *W, const double *b,
                double *a, double *h)
{
	size_t N = p->batch;
	for (size_t n = 0; n < N; n++) {
		const double *in = p->x + n * p->widths[0];
		for (size_t l = 1; l <= p->depth; l++) {
			size_t r = p->widths[l], cols = p->widths[l - 1];
			const double *Wl = W + tl_off_W(p, l);
			const double *bl = b + tl_off_b(p, l);
			double *al = a + N * tl_off_b(p, l) + n * r;
			double *hl = h + N * tl_off_b(p, l) + n * r;
			for (size_t i = 0; i < r; i++) {
				double s = 0.0;
				for (size_t j = 0; j < cols; j++)
					s += Wl[i * cols + j] * in[j];
				al[i] = s + bl[i];
				hl[i] = tl_act(&p->acts[l - 1], al[i]);
			}
			in = hl;
		}
	}
}

void tl_relu_pattern(const tl_problem *p, const double *W, const double *b,
                     unsigned char *pat)
{
	size_t n = p->batch * p->b_len;
	double *a = tl_xmalloc(n * sizeof *a), *h = tl_xmalloc(n * sizeof *h);
	tl_forward(p, W, b, a, h);
	for (size_t l = 1; l <= p->depth; l++) {
		int k = p->acts[l - 1].kind;
		size_t lo = p->batch * tl_off_b(p, l), hi = p->batch * tl_off_b(p, l + 1);
		for (size_t i = lo; i < hi; i++)
			pat[i] = (k == CR_ACT_RELU || k == CR_ACT_LEAKY_RELU) ? (a[i] > 0) : 0;
	}
	free(a);
	free(h);
}

int tl_catalog(size_t i, size_t *depth, size_t *widths, cr_act *acts, int *loss,
               size_t *batch, char *name, size_t name_len)
{
	static const char *const an[CR_ACT_COUNT] = {"identity", "tanh", "logistic", "relu", "leaky"};
	static const char *const ln[CR_LOSS_COUNT] = {"mse", "softmax_ce"};
	const size_t per_loss = CR_ACT_COUNT + CR_ACT_COUNT * CR_ACT_COUNT + 2 * CR_ACT_COUNT;
	if (i >= CR_LOSS_COUNT * per_loss)
		return 0;
	*loss = (int)(i / per_loss);
	size_t j = i % per_loss;
	if (j < CR_ACT_COUNT) {
		const size_t w[2] = {3, 2};
		*depth = 1;
		memcpy(widths, w, sizeof w);
		acts[0] = (cr_act){(int)j, 0.1875};
		*batch = 2;
		snprintf(name, name_len, "L=1 %s/%s", an[j], ln[*loss]);
		return 1;
	}
	j -= CR_ACT_COUNT;
	if (j < CR_ACT_COUNT * CR_ACT_COUNT) {
		const size_t w[3] = {3, 4, 2};
		int k1 = (int)(j / CR_ACT_COUNT), k2 = (int)(j % CR_ACT_COUNT);
		*depth = 2;
		memcpy(widths, w, sizeof w);
		acts[0] = (cr_act){k1, 0.1875};
		acts[1] = (cr_act){k2, -0.3125};
		*batch = 3;
		snprintf(name, name_len, "L=2 %s-%s/%s", an[k1], an[k2], ln[*loss]);
		return 1;
	}
	j -= CR_ACT_COUNT * CR_ACT_COUNT;
	const size_t w[5] = {2, 3, 5, 4, 3};
	int k = (int)(j % CR_ACT_COUNT);
	*depth = 3 + j / CR_ACT_COUNT;
	memcpy(widths, w, sizeof w);
	for (size_t l = 0; l + 1 < *depth; l++)
		acts[l] = (cr_act){k, l % 2 ? 0.4375 : 0.1875};
	acts[*depth - 1] = (cr_act){CR_ACT_IDENTITY, 0};
	*batch = 4;
	snprintf(name, name_len, "L=%zu %s/%s", *depth, an[k], ln[*loss]);
	return 1;
}

void tl_B_from_W(const tl_problem *p, const double *W, double *B)
{
	size_t off = 0;
	for (size_t l = 2; l <= p->depth; l++) {
		size_t r = p->widths[l], c = p->widths[l - 1];
		const double *Wl = W + tl_off_W(p, l);
		// B_l[j][i] = W_l[i][j]; B_l is c x r.
		for (size_t i = 0; i < r; i++)
			for (size_t j = 0; j < c; j++)
				B[off + j * r + i] = Wl[i * c + j];
		off += r * c;
	}
}
