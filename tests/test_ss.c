// test_ss.c: sign symmetry, frSF/brSF (magnitudes M) and uSF (scales)
// (spec/rules/ss.md; ref/credit.h: B_l = (|M_l| o sign(W_l))^T, sign(0) = 0).
//
// Expected values come from identities, not from ref/:
//   - frSF with M = |W| (or M = W, or M = -|W|: only |M| counts) gives
//     |w| sign(w) = w exactly, so B_l = W_l^T and SS equals BP bit for bit;
//   - uSF on weights whose entries in layers 2..L are all +-c_l, with scale
//     c_l or -c_l, gives B_l = W_l^T exactly: SS equals BP bit for bit;
//   - for any M and W (with some W entries exactly 0), SS equals FA with
//     B_l = (|M_l| o sign(W_l))^T formed here, bit for bit, so the zero
//     entries contribute no feedback (sign(0) = 0);
//   - when W_L is all zero every delta below L is exactly 0, whatever M.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

static double sgn(double v)
{
	return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0);
}

// Runs SS on q and checks it bit for bit against rule `ref_rule` on r (BP, or
// FA with r->F the expected feedback).
static void same_as(const tl_problem *q, const tl_problem *r, int ref_rule, const char *label)
{
	tl_call ss, ref;
	tl_call_init(&ss, q, -1, label);
	tl_call_init(&ref, r, ref_rule, label);
	tl_call_expect(&ss, CR_OK, "ss");
	tl_call_expect(&ref, CR_OK, tl_rule_name(ref_rule));
	tl_check_bits(label, "loss", ss.loss, ref.loss, 1);
	tl_check_bits(label, "dW", ss.dW, ref.dW, q->W_len);
	tl_check_bits(label, "db", ss.db, ref.db, q->b_len);
	tl_call_free(&ss);
	tl_call_free(&ref);
}

static void check_frsf(gsl_rng *r, size_t depth, const size_t *widths, const cr_act *acts,
                       int loss, size_t batch, const char *name)
{
	char label[200];
	tl_problem p;
	tl_problem_init(&p, r, TL_SS_M, depth, widths, acts, loss, batch);
	const size_t o2 = tl_off_W(&p, 2);
	for (int form = 0; form < 3; form++) {
		// M_l = |W_l|, W_l, -|W_l| for l = 2..L (M_l has W_l's shape).
		for (size_t i = 0; i < p.F_len; i++) {
			double v = p.W[o2 + i];
			p.F[i] = form == 0 ? fabs(v) : (form == 1 ? v : -fabs(v));
		}
		snprintf(label, sizeof label, "ss %s frSF M=%s", name,
		         form == 0 ? "|W|" : (form == 1 ? "W" : "-|W|"));
		same_as(&p, &p, TL_BP, label);
	}

	// Random M, and about a third of the weights exactly 0: SS equals FA with
	// B_l = (|M_l| o sign(W_l))^T.
	for (size_t i = 0; i < p.W_len; i++)
		if (gsl_rng_uniform(r) < 1.0 / 3)
			p.W[i] = 0.0;
	for (size_t i = 0; i < p.F_len; i++)
		p.F[i] = tl_unif(r, -1.0, 1.0);
	tl_problem fa = p;
	fa.rule = TL_FA;
	fa.F = malloc((p.F_len + 1) * sizeof(double));
	double *SW = malloc((p.W_len + 1) * sizeof(double));
	for (size_t i = 0; i < p.W_len; i++)
		SW[i] = i >= o2 ? fabs(p.F[i - o2]) * sgn(p.W[i]) : 0.0;
	tl_B_from_W(&p, SW, fa.F);
	snprintf(label, sizeof label, "ss %s frSF random M, zero weights, vs FA", name);
	same_as(&p, &fa, TL_FA, label);

	// uSF: B_l = (|scale_l| sign(W_l))^T, formed here for FA.
	tl_problem u;
	tl_problem_init(&u, r, TL_SS_SCALE, depth, widths, acts, loss, batch);
	memcpy(u.W, p.W, p.W_len * sizeof(double));
	memcpy(u.b, p.b, p.b_len * sizeof(double));
	memcpy(u.x, p.x, p.x_len * sizeof(double));
	memcpy(u.t, p.t, p.t_len * sizeof(double));
	for (size_t l = 2; l <= depth; l++)
		for (size_t i = tl_off_W(&p, l); i < tl_off_W(&p, l + 1); i++)
			SW[i] = fabs(u.S[l - 2]) * sgn(u.W[i]);
	tl_B_from_W(&p, SW, fa.F);
	memcpy(fa.W, u.W, p.W_len * sizeof(double));
	snprintf(label, sizeof label, "ss %s uSF random scale, zero weights, vs FA", name);
	same_as(&u, &fa, TL_FA, label);

	// uSF with every weight of layer l >= 2 equal to +-c_l and scale +-c_l.
	for (size_t l = 2; l <= depth; l++) {
		double c = tl_unif(r, 0.25, 1.5);
		u.S[l - 2] = gsl_rng_uniform(r) < 0.5 ? c : -c;
		for (size_t i = tl_off_W(&p, l); i < tl_off_W(&p, l + 1); i++)
			u.W[i] = gsl_rng_uniform(r) < 0.5 ? c : -c;
	}
	snprintf(label, sizeof label, "ss %s uSF |W|=|scale|", name);
	same_as(&u, &u, TL_BP, label);

	// W_L = 0: nothing is fed back, so layers below L get exactly zero
	// gradients although M is not zero.
	if (depth >= 2) {
		size_t oL = tl_off_W(&p, depth), obL = tl_off_b(&p, depth);
		for (size_t i = oL; i < p.W_len; i++)
			p.W[i] = 0.0;
		for (size_t i = 0; i < p.F_len; i++)
			p.F[i] = tl_unif(r, 0.5, 1.0);
		tl_call c;
		snprintf(label, sizeof label, "ss %s frSF W_L = 0", name);
		tl_call_init(&c, &p, -1, label);
		tl_call_expect(&c, CR_OK, "ss");
		for (size_t i = 0; i < oL; i++)
			tl_check(label, "dW", i, c.dW[i], 0.0, 0.0);
		for (size_t i = 0; i < obL; i++)
			tl_check(label, "db", i, c.db[i], 0.0, 0.0);
		tl_call_free(&c);
	}
	free(SW);
	free(fa.F);
	tl_problem_free(&u);
	tl_problem_free(&p);
}

// Exactly one of M and scale (ref/credit.h, SS-API-1): both or neither is a
// size mismatch; at depth 1 both lengths are 0.
static void check_variant_args(gsl_rng *r)
{
	const size_t w[4] = {3, 4, 5, 2};
	const cr_act acts[3] = {{CR_ACT_TANH, 0}, {CR_ACT_RELU, 0}, {CR_ACT_IDENTITY, 0}};
	tl_problem pm, ps;
	tl_problem_init(&pm, r, TL_SS_M, 3, w, acts, CR_LOSS_MSE, 2);
	tl_problem_init(&ps, r, TL_SS_SCALE, 3, w, acts, CR_LOSS_MSE, 2);
	tl_call c;
	tl_call_init(&c, &pm, -1, "ss both M and scale");
	c.S = ps.S;
	c.S_len = ps.S_len;
	tl_call_expect(&c, CR_ERR_SIZE_MISMATCH, "M and scale both given");
	tl_call_free(&c);
	tl_call_init(&c, &pm, -1, "ss neither M nor scale");
	c.F = NULL;
	c.F_len = 0;
	tl_call_expect(&c, CR_ERR_SIZE_MISMATCH, "neither M nor scale");
	tl_call_free(&c);
	tl_problem_free(&pm);
	tl_problem_free(&ps);

	const size_t w1[2] = {3, 2};
	tl_problem p1;
	tl_problem_init(&p1, r, TL_SS_M, 1, w1, acts, CR_LOSS_SOFTMAX_CE, 2);
	same_as(&p1, &p1, TL_BP, "ss depth 1, M and scale NULL");
	double one[1] = {0.625};
	tl_call_init(&c, &p1, -1, "ss depth 1, M_len 1");
	c.F = one;
	c.F_len = 1;
	tl_call_expect(&c, CR_ERR_SIZE_MISMATCH, "M_len = 1 at depth 1");
	tl_call_free(&c);
	tl_call_init(&c, &p1, -1, "ss depth 1, scale_len 1");
	c.S = one;
	c.S_len = 1;
	tl_call_expect(&c, CR_ERR_SIZE_MISMATCH, "scale_len = 1 at depth 1");
	tl_call_free(&c);
	tl_problem_free(&p1);
}

int main(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 1510);
	size_t depth, widths[TL_MAX_L + 1], batch;
	cr_act acts[TL_MAX_L];
	int loss;
	char name[96];
	for (size_t i = 0; tl_catalog(i, &depth, widths, acts, &loss, &batch, name, sizeof name); i++)
		check_frsf(r, depth, widths, acts, loss, batch, name);
	check_variant_args(r);
	gsl_rng_free(r);
	return gsl_test_summary();
}
