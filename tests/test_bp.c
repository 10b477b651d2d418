// test_bp.c: backpropagation (spec/rules/bp.md, spec/notation.md NOT-NET-2,
// NOT-ACT-*, NOT-LOSS-*, NOT-RED-*).
//
// Expected values come from outside ref/: central finite differences of the
// loss (GSL's gsl_deriv_central), a 1-1-1 network differentiated on paper and
// evaluated with libm, and the descent property of one SGD step.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_deriv.h>
#include <gsl/gsl_math.h>

#include "testlib.h"

// Step of the finite differences. gsl_deriv_central evaluates at v +- h and
// v +- h/2; its abserr is the sum of a rounding estimate (about
// eps |loss| / h = 2e-11 here) and a truncation estimate.
#define FD_STEP 1e-5

static const char *const act_names[CR_ACT_COUNT] = {"identity", "tanh", "logistic", "relu", "leaky"};
static const char *const loss_names[CR_LOSS_COUNT] = {"mse", "softmax_ce"};

// The loss as a function of one parameter, evaluated through cr_bp_grad.
typedef struct {
	const tl_problem *p;
	double *W, *b;       // private copies of the parameters
	double *param;       // the entry being varied (in W or b)
	double *dW, *db, *work;
	size_t work_len;
	int failed;
} fd_ctx;

static double fd_loss(double v, void *vctx)
{
	fd_ctx *c = vctx;
	const tl_problem *p = c->p;
	double keep = *c->param, loss = GSL_NAN;
	*c->param = v;
	cr_net net = {p->depth, p->widths, p->acts, p->loss};
	int st = (int)cr_bp_grad(&net, p->batch, c->W, p->W_len, c->b, p->b_len, p->x, p->x_len,
	                    p->t, p->t_len, &loss, c->dW, p->W_len, c->db, p->b_len,
	                    c->work, c->work_len);
	if (st != CR_OK)
		c->failed = 1;
	*c->param = keep;
	return loss;
}

// NOT-RED-1, BP: every entry of dW and db against the central difference of
// the batch-mean loss. Entries whose step moves a relu or leaky-relu
// pre-activation across 0 (the branch pattern at v +- h differs from the one
// at v) are skipped: there the loss has a kink and no derivative estimate.
static void check_fd(const tl_problem *p, const char *label)
{
	tl_call c;
	tl_call_init(&c, p, TL_BP, label);
	tl_call_expect(&c, CR_OK, "finite differences");
	size_t na = p->batch * p->b_len;
	unsigned char *pat0 = malloc(na), *pat1 = malloc(na);
	fd_ctx ctx = {p, malloc(p->W_len * sizeof(double)), malloc(p->b_len * sizeof(double)),
	              NULL, malloc(p->W_len * sizeof(double)), malloc(p->b_len * sizeof(double)),
	              malloc((c.work_len + 1) * sizeof(double)), c.work_len, 0};
	memcpy(ctx.W, p->W, p->W_len * sizeof(double));
	memcpy(ctx.b, p->b, p->b_len * sizeof(double));
	tl_relu_pattern(p, p->W, p->b, pat0);
	gsl_function F = {fd_loss, &ctx};
	size_t skipped = 0, n_par = p->W_len + p->b_len;
	for (size_t i = 0; i < n_par; i++) {
		int inW = i < p->W_len;
		size_t k = inW ? i : i - p->W_len;
		ctx.param = inW ? &ctx.W[k] : &ctx.b[k];
		double v = *ctx.param;
		int kink = 0;
		for (int s = -1; s <= 1 && !kink; s += 2) {
			*ctx.param = v + s * FD_STEP;
			tl_relu_pattern(p, ctx.W, ctx.b, pat1);
			kink = memcmp(pat0, pat1, na) != 0;
		}
		*ctx.param = v;
		if (kink) {
			skipped++;
			continue;
		}
		double fd, abserr;
		gsl_deriv_central(&F, v, FD_STEP, &fd, &abserr);
		// The tolerance is GSL's error estimate (rounding about
		// eps |loss| / h ~ 1e-11 plus truncation); the reference's own
		// rounding, k_grad u G ~ 1e-14 on these O(1) networks, is three
		// orders of magnitude below it.
		double got = inW ? c.dW[k] : c.db[k];
		tl_check(label, inW ? "dW" : "db", k, got, fd, abserr);
	}
	gsl_test(ctx.failed, "%s: a finite-difference evaluation failed", label);
	gsl_test(skipped * 2 > n_par, "%s: %zu of %zu entries skipped at relu kinks", label,
	         skipped, n_par);
	free(pat0);
	free(pat1);
	free(ctx.W);
	free(ctx.b);
	free(ctx.dW);
	free(ctx.db);
	free(ctx.work);
	tl_call_free(&c);
}

// One SGD step W <- W - eta dW, b <- b - eta db (NOT-RED-3) with a small
// eta lowers the loss. The first-order decrease is eta (|dW|^2 + |db|^2);
// the second-order term is O(eta^2), so eta = 1e-3 on these O(1) networks
// leaves a decrease far above the rounding of the loss.
static void check_sgd(const tl_problem *p, const char *label)
{
	const double eta = 1e-3;
	tl_call c;
	tl_call_init(&c, p, TL_BP, label);
	tl_call_expect(&c, CR_OK, "sgd step, before");
	double g2 = 0.0;
	tl_problem q = *p;
	q.W = malloc(p->W_len * sizeof(double));
	q.b = malloc(p->b_len * sizeof(double));
	for (size_t i = 0; i < p->W_len; i++) {
		q.W[i] = p->W[i] - eta * c.dW[i];
		g2 += c.dW[i] * c.dW[i];
	}
	for (size_t i = 0; i < p->b_len; i++) {
		q.b[i] = p->b[i] - eta * c.db[i];
		g2 += c.db[i] * c.db[i];
	}
	tl_call d;
	tl_call_init(&d, &q, TL_BP, label);
	tl_call_expect(&d, CR_OK, "sgd step, after");
	if (eta * g2 > 1e-12 * fabs(*c.loss))
		gsl_test(!(*d.loss < *c.loss), "%s: one SGD step must lower the loss: %.17g -> %.17g "
		         "(first-order decrease %.3g)", label, *c.loss, *d.loss, eta * g2);
	tl_call_free(&d);
	tl_call_free(&c);
	free(q.W);
	free(q.b);
}

static void sweep(gsl_rng *r)
{
	char label[160];
	for (int loss = 0; loss < CR_LOSS_COUNT; loss++) {
		// Depth 1 with each activation.
		for (int k = 0; k < CR_ACT_COUNT; k++) {
			const size_t w[2] = {3, 2};
			const cr_act acts[1] = {{k, 0.1875}};
			tl_problem p;
			tl_problem_init(&p, r, TL_BP, 1, w, acts, loss, 2);
			snprintf(label, sizeof label, "bp fd L=1 %s/%s", act_names[k], loss_names[loss]);
			check_fd(&p, label);
			check_sgd(&p, label);
			tl_problem_free(&p);
		}
		// Depth 2, every pair of hidden and output activation.
		for (int k1 = 0; k1 < CR_ACT_COUNT; k1++) {
			for (int k2 = 0; k2 < CR_ACT_COUNT; k2++) {
				const size_t w[3] = {3, 4, 2};
				const cr_act acts[2] = {{k1, 0.1875}, {k2, -0.3125}};
				tl_problem p;
				tl_problem_init(&p, r, TL_BP, 2, w, acts, loss, 3);
				snprintf(label, sizeof label, "bp fd L=2 %s-%s/%s", act_names[k1],
				         act_names[k2], loss_names[loss]);
				check_fd(&p, label);
				check_sgd(&p, label);
				tl_problem_free(&p);
			}
		}
		// Depth 3 and 4, one activation throughout the hidden layers.
		for (int k = 0; k < CR_ACT_COUNT; k++) {
			const size_t w[5] = {2, 3, 5, 3, 3};
			const cr_act acts[4] = {{k, 0.1875}, {k, 0.4375}, {k, 0.1875}, {CR_ACT_IDENTITY, 0}};
			for (size_t depth = 3; depth <= 4; depth++) {
				cr_act a[4];
				memcpy(a, acts, sizeof a);
				if (depth == 3)
					a[2] = (cr_act){CR_ACT_IDENTITY, 0};
				tl_problem p;
				tl_problem_init(&p, r, TL_BP, depth, w, a, loss, 4);
				snprintf(label, sizeof label, "bp fd L=%zu %s/%s", depth, act_names[k],
				         loss_names[loss]);
				check_fd(&p, label);
				check_sgd(&p, label);
				tl_problem_free(&p);
			}
		}
	}
}

// A 1-1-1 network, tanh hidden, identity output, MSE, batch N = 2, with
// weights w (layer 1), v (layer 2) and biases c, d. For one sample (x, t):
//   a = w x + c,  h = tanh(a),  y = v h + d,  e = y - t,  l = e^2 / 2;
//   dl/dd = e,  dl/dv = e h;
//   dl/da = delta = (1 - h^2) v e   (tanh' = 1 - tanh^2, NOT-ACT-2),
//   dl/dc = delta,  dl/dw = delta x.
// The batch values are the means over the two samples (NOT-RED-1). Each value
// is checked against |got - exp| <= k u G with the gauge G of NOT-TOL-1,
// propagated by hand below, and k of NOT-TOL-2 (S = 3, N = 2, L = 2).
static void test_hand(void)
{
	const double w = 1.2345, c = -0.3217, v = 0.8765, d = 0.1543;
	const double xs[2] = {0.7311, -1.385}, ts[2] = {0.4127, -0.2281};
	const double k_loss = 2.0 * (3 + 2 + 10 * 3), k_grad = 2.0 * (2 * 3 + 2 + 10 * 3);
	double L = 0, dw = 0, dc = 0, dv = 0, dd = 0;
	double GL = 0, Gdw = 0, Gdc = 0, Gdv = 0, Gdd = 0;
	for (int n = 0; n < 2; n++) {
		double x = xs[n], t = ts[n];
		double a = w * x + c, h = tanh(a), y = v * h + d, e = y - t;
		double fp = 1.0 - h * h, delta = fp * (v * e);
		L += 0.5 * e * e / 2;
		dd += e / 2;
		dv += e * h / 2;
		dc += delta / 2;
		dw += delta * x / 2;
		// Gauges, NOT-TOL-1.
		double Ga = 2 * fabs(w * x) + fabs(c);
		double Gh = fp * Ga + fabs(h);
		double Gy = fabs(v) * fabs(h) + fabs(v) * Gh + fabs(d);
		double Ge = Gy + fabs(t);
		double Gfp = 1 + 2 * fabs(h) * Gh;
		double Gve = fabs(v) * fabs(e) + fabs(v) * Ge;
		double Gdelta = Gfp * fabs(v * e) + fabs(fp) * Gve;
		GL += fabs(e) * Ge / 2;
		Gdd += Ge / 2;
		Gdv += (Ge * fabs(h) + fabs(e) * Gh) / 2;
		Gdc += Gdelta / 2;
		Gdw += (Gdelta * fabs(x) + fabs(delta) * fabs(x)) / 2;
	}
	const size_t widths[3] = {1, 1, 1};
	const cr_act acts[2] = {{CR_ACT_TANH, 0}, {CR_ACT_IDENTITY, 0}};
	tl_problem p;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	tl_problem_init(&p, r, TL_BP, 2, widths, acts, CR_LOSS_MSE, 2);
	gsl_rng_free(r);
	p.W[0] = w; p.W[1] = v; p.b[0] = c; p.b[1] = d;
	p.x[0] = xs[0]; p.x[1] = xs[1]; p.t[0] = ts[0]; p.t[1] = ts[1];
	tl_call call;
	tl_call_init(&call, &p, TL_BP, "bp hand 1-1-1 tanh/identity mse");
	tl_call_expect(&call, CR_OK, "hand-derived");
	tl_check(call.label, "loss", 0, *call.loss, L, k_loss * TL_U * GL);
	tl_check(call.label, "dW", 0, call.dW[0], dw, k_grad * TL_U * Gdw);
	tl_check(call.label, "dW", 1, call.dW[1], dv, k_grad * TL_U * Gdv);
	tl_check(call.label, "db", 0, call.db[0], dc, k_grad * TL_U * Gdc);
	tl_check(call.label, "db", 1, call.db[1], dd, k_grad * TL_U * Gdd);
	tl_call_free(&call);
	tl_problem_free(&p);
}

// NOT-ACT-4/5 at a pre-activation of exactly 0: relu'(0) = 0 and leaky'(0)
// = s. A 2-1-1 network with W_1 = 0 and b_1 = 0 makes a_1 = 0 exactly (a
// gauge-0 zero, not a tie: NOT-TOL-4); identity output, MSE, one sample.
// With v = W_2, d = b_2: h_1 = 0, y = d, e = d - t, dW_2 = e h_1 = 0,
// db_2 = e, delta_1 = f'(0) v e, dW_1 = delta_1 x, db_1 = delta_1. All
// numbers below are short dyadic fractions, so every operation is exact and
// the expected values are exact (tolerance 0).
static void test_kink_zero(void)
{
	const double v = 0.75, d = 0.5, t = -0.25, x0 = 1.5, x1 = -2.25, s = 0.1875;
	const double e = d - t;
	for (int leaky = 0; leaky < 2; leaky++) {
		const size_t widths[3] = {2, 1, 1};
		const cr_act acts[2] = {{leaky ? CR_ACT_LEAKY_RELU : CR_ACT_RELU, s}, {CR_ACT_IDENTITY, 0}};
		gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
		tl_problem p;
		tl_problem_init(&p, r, TL_BP, 2, widths, acts, CR_LOSS_MSE, 1);
		gsl_rng_free(r);
		p.W[0] = 0.0; p.W[1] = 0.0; p.W[2] = v;
		p.b[0] = 0.0; p.b[1] = d;
		p.x[0] = x0; p.x[1] = x1; p.t[0] = t;
		double fp = leaky ? s : 0.0, delta = fp * v * e;
		tl_call c;
		tl_call_init(&c, &p, TL_BP, leaky ? "bp leaky_relu'(0) = s" : "bp relu'(0) = 0");
		tl_call_expect(&c, CR_OK, "pre-activation exactly 0");
		tl_check(c.label, "loss", 0, *c.loss, 0.5 * e * e, 0.0);
		tl_check(c.label, "dW", 0, c.dW[0], delta * x0, 0.0);
		tl_check(c.label, "dW", 1, c.dW[1], delta * x1, 0.0);
		tl_check(c.label, "dW", 2, c.dW[2], 0.0, 0.0);
		tl_check(c.label, "db", 0, c.db[0], delta, 0.0);
		tl_check(c.label, "db", 1, c.db[1], e, 0.0);
		tl_call_free(&c);
		tl_problem_free(&p);
	}
}

int main(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 1123);
	test_hand();
	test_kink_zero();
	sweep(r);
	gsl_rng_free(r);
	return gsl_test_summary();
}
