// conformance/oracle/fd.c: finite-difference check of the oracle's BP
// gradients (spec/rules/bp.md, NOT-RED-1) and of the gradients of Kunin et
// al.'s primitives (spec/rules/align.md ALIGN-PRIM-*, cro_fd_align at the
// end: the same criterion, no kinks) with gsl_deriv_central.
//
// Criterion. For a parameter theta with analytic gradient g (gauge G(g)),
// gsl_deriv_central returns fd = r5 / h with the 5-point stencil
//   r5 = 4/3 (f(theta + h/2) - f(theta - h/2)) - 1/6 (f(theta + h) - f(theta - h))
// and an error estimate abserr (its truncation estimate |r5 - r3| / h, which
// is the error of the 3-point rule and so over-estimates the 5-point rule's
// O(h^4) error, plus its own rounding estimate). GSL's rounding estimate
// assumes each f value has relative error eps, but the loss can carry an
// absolute error up to E = k_loss u G(L) (NOT-TOL-2/3; G(L) taken as the
// largest loss gauge over the evaluated points), so the stencil's rounding
// error is at most (8/3 + 1/3) E / h = 3 E / h. The analytic value itself is
// within k_grad u G(g) of the exact derivative. An entry passes when
//   |g - fd| <= 2 abserr + 3 k_loss u G(L) / h_min + k_grad u G(g),
// where h_min is the smallest full step gsl_deriv_central used (it may retry
// with a smaller step) and the factor 2 on abserr is a margin for its being
// an estimate. A gradient with a missing factor or a wrong sign misses this
// bound by many orders of magnitude on every case whose gradient is not
// negligible against the loss rounding.
//
// Kinks. relu and leaky_relu are not differentiable at 0. Every loss
// evaluation records the sign of each relu / leaky pre-activation; if any
// differs from the sign at theta (including becoming or leaving exactly 0),
// the stencil straddles a kink, the finite difference is invalid, and the
// entry is skipped (counted in stats->skipped).
#include "oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_deriv.h>
#include <gsl/gsl_errno.h>

typedef struct {
	const cro_net *net;
	size_t batch;
	double *W, *b;       // mutable copies; one entry is perturbed at a time
	size_t W_len, b_len;
	const double *x, *t;
	size_t x_len, t_len;
	double *param;       // the entry being perturbed
	double base;         // its value
	cro_out out;         // scratch outputs of cro_grad
	const signed char *base_sign; // [a_len] sign of relu/leaky a at theta, else 2
	size_t a_len;
	int crossed;         // a kink was crossed at some evaluated point
	int failed;          // an evaluation did not return CRO_OK
	cro_status fail_status;
	double min_off;      // smallest |theta' - theta| > 0 evaluated
	double max_G;        // largest loss gauge evaluated
} fd_ctx;

static signed char sign_of(double v)
{
	return (signed char)(v > 0.0 ? 1 : (v < 0.0 ? -1 : 0));
}

static double loss_at(double theta, void *params)
{
	fd_ctx *c = params;
	*c->param = theta;
	cro_status st = cro_grad(c->net, CRO_RULE_BP, c->batch, c->W, c->W_len, c->b,
	                         c->b_len, NULL, 0, c->x, c->x_len, c->t, c->t_len,
	                         &c->out);
	*c->param = c->base;
	if (st != CRO_OK) {
		c->failed = 1;
		c->fail_status = st;
		return 0.0;
	}
	for (size_t i = 0; i < c->a_len; i++)
		if (c->base_sign[i] != 2 && sign_of(c->out.a[i]) != c->base_sign[i])
			c->crossed = 1;
	double off = fabs(theta - c->base);
	if (off > 0.0 && (c->min_off == 0.0 || off < c->min_off))
		c->min_off = off;
	if (c->out.loss_gauge > c->max_G)
		c->max_G = c->out.loss_gauge;
	return c->out.loss;
}

// The step for one parameter: 2^-10 of the larger of |theta| and the largest
// magnitude in its layer's array (so that a zero weight gets a step on the
// scale of its neighbours), or 2^-10 when both are 0.
static double step_for(double theta, const double *layer, size_t len)
{
	double s = fabs(theta);
	for (size_t i = 0; i < len; i++)
		if (fabs(layer[i]) > s)
			s = fabs(layer[i]);
	if (s == 0.0)
		s = 1.0;
	return ldexp(s, -10);
}

cro_status cro_fd_check(const cro_net *net, size_t batch,
                        const double *W, size_t W_len, const double *b, size_t b_len,
                        const double *x, size_t x_len, const double *t, size_t t_len,
                        const cro_out *bp, cro_fd_stats *stats)
{
	fd_ctx c;
	memset(&c, 0, sizeof c);
	memset(stats, 0, sizeof *stats);
	size_t a_len = cro_a_len(net, batch);
	size_t bn = cro_b_len(net);
	c.net = net;
	c.batch = batch;
	c.W = malloc(W_len * sizeof(double));
	c.b = malloc(b_len * sizeof(double));
	c.W_len = W_len;
	c.b_len = b_len;
	c.x = x; c.x_len = x_len;
	c.t = t; c.t_len = t_len;
	c.a_len = a_len;
	c.out.dW = malloc(W_len * sizeof(double));
	c.out.dW_gauge = malloc(W_len * sizeof(double));
	c.out.db = malloc(b_len * sizeof(double));
	c.out.db_gauge = malloc(b_len * sizeof(double));
	c.out.a = malloc(a_len * sizeof(double));
	c.out.a_gauge = malloc(a_len * sizeof(double));
	signed char *bs = malloc(a_len);
	cro_status ret = CRO_OK;
	if (!c.W || !c.b || !c.out.dW || !c.out.dW_gauge || !c.out.db ||
	    !c.out.db_gauge || !c.out.a || !c.out.a_gauge || !bs) {
		ret = CRO_ERR_NOMEM;
		goto done;
	}
	memcpy(c.W, W, W_len * sizeof(double));
	memcpy(c.b, b, b_len * sizeof(double));
	for (size_t s = 0; s < batch; s++) {
		size_t off = 0;
		for (size_t l = 1; l <= net->depth; l++) {
			int k = net->acts[l - 1];
			for (size_t i = 0; i < net->widths[l]; i++) {
				size_t j = s * bn + off + i;
				bs[j] = (k == CRO_ACT_RELU || k == CRO_ACT_LEAKY_RELU) ? sign_of(bp->a[j]) : 2;
			}
			off += net->widths[l];
		}
	}
	c.base_sign = bs;

	gsl_function F;
	F.function = loss_at;
	F.params = &c;
	// Offsets of each layer's W and b, to find a parameter's layer array.
	size_t wo = 0, bo = 0;
	for (size_t l = 1; l <= net->depth && ret == CRO_OK; l++) {
		size_t wl = net->widths[l] * net->widths[l - 1], blen = net->widths[l];
		for (int isb = 0; isb <= 1 && ret == CRO_OK; isb++) {
			size_t cnt = isb ? blen : wl, base_off = isb ? bo : wo;
			for (size_t i = 0; i < cnt; i++) {
				double *arr = isb ? c.b : c.W;
				size_t idx = base_off + i;
				c.param = &arr[idx];
				c.base = arr[idx];
				c.crossed = 0;
				c.failed = 0;
				c.min_off = 0.0;
				c.max_G = bp->loss_gauge;
				double h = step_for(c.base, (isb ? b : W) + base_off, cnt);
				double fd = 0.0, abserr = 0.0;
				gsl_deriv_central(&F, c.base, h, &fd, &abserr);
				if (c.failed) {
					ret = c.fail_status;
					break;
				}
				if (c.crossed) {
					stats->skipped++;
					continue;
				}
				double g = isb ? bp->db[idx] : bp->dW[idx];
				double Gg = isb ? bp->db_gauge[idx] : bp->dW_gauge[idx];
				double hmin = 2.0 * c.min_off; // min_off is the half step
				double bound = 2.0 * abserr + 3.0 * bp->k_loss * CRO_U * c.max_G / hmin +
				               bp->k_grad * CRO_U * Gg;
				double diff = fabs(g - fd);
				double ratio = bound > 0.0 ? diff / bound : (diff > 0.0 ? INFINITY : 0.0);
				stats->checked++;
				if (!(ratio <= 1.0))
					stats->failed++;
				if (!(ratio <= stats->worst_ratio)) {
					stats->worst_ratio = ratio;
					stats->worst_is_b = isb;
					stats->worst_index = idx;
					stats->worst_g = g;
					stats->worst_fd = fd;
					stats->worst_bound = bound;
				}
			}
		}
		wo += wl;
		bo += blen;
	}
done:
	free(c.W); free(c.b); free(c.out.dW); free(c.out.dW_gauge);
	free(c.out.db); free(c.out.db_gauge); free(c.out.a); free(c.out.a_gauge);
	free(bs);
	return ret;
}

// ---------------------------------------------------------------- align

// The primitives' gradients (align.md ALIGN-PRIM-*) by the same criterion:
// R_p as a function of one entry of B, the others fixed.
typedef struct {
	size_t a, c, N;
	const double *W, *x;
	double *B;          // mutable copy; one entry is moved at a time
	double *param, base;
	int prim;
	cro_align_out out;  // scratch outputs of cro_align_prims
	int failed;
	cro_status fail_status;
	double min_off, max_G;
} fda_ctx;

static double prim_at(double theta, void *params)
{
	fda_ctx *c = params;
	*c->param = theta;
	cro_status st = cro_align_prims(c->a, c->c, c->N, 1u << c->prim, c->W, c->a * c->c, c->B,
	                                c->a * c->c, c->x, c->N * c->a, NULL, NULL, NULL, &c->out);
	*c->param = c->base;
	if (st != CRO_OK) {
		c->failed = 1;
		c->fail_status = st;
		return 0.0;
	}
	double off = fabs(theta - c->base);
	if (off > 0.0 && (c->min_off == 0.0 || off < c->min_off))
		c->min_off = off;
	if (c->out.R_gauge[c->prim] > c->max_G)
		c->max_G = c->out.R_gauge[c->prim];
	return c->out.R[c->prim];
}

cro_status cro_fd_align(size_t n_in, size_t n_out, size_t batch,
                        const double *W, const double *B, const double *x,
                        const cro_align_out *a, cro_fd_stats *stats)
{
	fda_ctx c;
	memset(&c, 0, sizeof c);
	memset(stats, 0, sizeof *stats);
	const size_t ac = n_in * n_out;
	c.a = n_in; c.c = n_out; c.N = batch;
	c.W = W; c.x = x;
	c.B = malloc(ac * sizeof(double));
	double *scratch = malloc(2 * CRO_PRIM_COUNT * ac * sizeof(double));
	cro_status ret = CRO_OK;
	if (!c.B || !scratch) {
		ret = CRO_ERR_NOMEM;
		goto done;
	}
	memcpy(c.B, B, ac * sizeof(double));
	for (int p = 0; p < CRO_PRIM_COUNT; p++) {
		c.out.dR[p] = scratch + 2 * (size_t)p * ac;
		c.out.dR_gauge[p] = scratch + (2 * (size_t)p + 1) * ac;
	}
	gsl_function F;
	F.function = prim_at;
	F.params = &c;
	for (int p = 0; p < CRO_PRIM_COUNT && ret == CRO_OK; p++)
		for (size_t i = 0; i < ac; i++) {
			c.prim = p;
			c.param = &c.B[i];
			c.base = B[i];
			c.failed = 0;
			c.min_off = 0.0;
			c.max_G = a->R_gauge[p];
			double h = step_for(c.base, B, ac);
			double fd = 0.0, abserr = 0.0;
			gsl_deriv_central(&F, c.base, h, &fd, &abserr);
			if (c.failed) {
				ret = c.fail_status;
				break;
			}
			double g = a->dR[p][i], Gg = a->dR_gauge[p][i];
			double hmin = 2.0 * c.min_off;
			double bound = 2.0 * abserr + 3.0 * a->k_R[p] * CRO_U * c.max_G / hmin +
			               a->k_dR[p] * CRO_U * Gg;
			double diff = fabs(g - fd);
			double ratio = bound > 0.0 ? diff / bound : (diff > 0.0 ? INFINITY : 0.0);
			stats->checked++;
			if (!(ratio <= 1.0))
				stats->failed++;
			if (!(ratio <= stats->worst_ratio)) {
				stats->worst_ratio = ratio;
				stats->worst_index = (size_t)p * ac + i;
				stats->worst_g = g;
				stats->worst_fd = fd;
				stats->worst_bound = bound;
			}
		}
done:
	free(c.B);
	free(scratch);
	return ret;
}
