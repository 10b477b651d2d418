// test_common.c: checks shared by every entry point of ref/credit.h.
//
// Evidence for the error contract of ref/credit.h and spec/notation.md
// NOT-NET-1 (sizes), NOT-NET-5 (non-finite inputs and results), NOT-ACT-6
// (slope and unknown activation), NOT-LOSS-3 (unknown loss) and the names of
// spec/vectors.md ("Error names"). Every status is provoked on purpose through
// each of cr_bp_grad, cr_fa_grad, cr_dfa_grad and cr_ss_grad (both variants),
// and every call goes through tl_call_run, which checks that read-only inputs
// are unchanged, guard cells untouched and outputs unchanged on error.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

static void test_status_names(void)
{
	static const char *const names[CR_STATUS_COUNT] = {
		"ok", "null_pointer", "zero_size", "size_too_large", "size_mismatch",
		"unknown_activation", "unknown_loss", "invalid_parameter",
		"non_finite_input", "non_finite_result", "workspace_too_small"};
	for (int s = 0; s < CR_STATUS_COUNT; s++)
		gsl_test_str(cr_status_name(s), names[s], "cr_status_name(%d)", s);
	const int bad[4] = {-1, CR_STATUS_COUNT, INT32_MAX, INT32_MIN};
	for (int i = 0; i < 4; i++) {
		const char *n = cr_status_name(bad[i]);
		gsl_test(n == NULL, "cr_status_name(%d) is NULL", bad[i]);
		if (n != NULL)
			gsl_test_str(n, "unknown_status", "cr_status_name(%d)", bad[i]);
	}
}

static void test_workspace_len(void)
{
	size_t w[4] = {3, 4, 5, 2};
	cr_act acts[3] = {{CR_ACT_TANH, 0}, {CR_ACT_RELU, 0}, {CR_ACT_IDENTITY, 0}};
	cr_net net = {3, w, acts, CR_LOSS_MSE};
	gsl_test(cr_workspace_len(&net, 3) == 0, "cr_workspace_len of a valid network is > 0");
	gsl_test_int((int)cr_workspace_len(NULL, 3), 0, "cr_workspace_len: net NULL");

	net.widths = NULL;
	gsl_test_int((int)cr_workspace_len(&net, 3), 0, "cr_workspace_len: widths NULL");
	net.widths = w;
	net.depth = 0;
	net.acts = NULL;
	gsl_test_int((int)cr_workspace_len(&net, 3), 0, "cr_workspace_len: depth 0, acts NULL");
	net.acts = acts;
	gsl_test_int((int)cr_workspace_len(&net, 3), 0, "cr_workspace_len: depth 0");
	net.depth = 3;
	for (size_t l = 0; l <= 3; l++) {
		size_t keep = w[l];
		w[l] = 0;
		gsl_test_int((int)cr_workspace_len(&net, 3), 0, "cr_workspace_len: width %zu is 0", l);
		w[l] = keep;
	}
	gsl_test_int((int)cr_workspace_len(&net, 0), 0, "cr_workspace_len: batch 0");

	size_t w65[CR_MAX_DEPTH + 2];
	for (size_t l = 0; l < CR_MAX_DEPTH + 2; l++)
		w65[l] = 1;
	cr_net deep = {CR_MAX_DEPTH + 1, w65, NULL, CR_LOSS_MSE};
	gsl_test_int((int)cr_workspace_len(&deep, 1), 0, "cr_workspace_len: depth %d", CR_MAX_DEPTH + 1);
	deep.depth = CR_MAX_DEPTH;
	gsl_test(cr_workspace_len(&deep, 1) == 0, "cr_workspace_len: depth %d is valid", CR_MAX_DEPTH);

	size_t wo[2] = {SIZE_MAX / 2 + 1, 2};
	cr_net over = {1, wo, acts, CR_LOSS_MSE};
	gsl_test_int((int)cr_workspace_len(&over, 1), 0, "cr_workspace_len: n_1 n_0 overflows");
	gsl_test_int((int)cr_workspace_len(&net, SIZE_MAX / 2), 0, "cr_workspace_len: batch * n overflows");
}

// The base problem of the error battery: depth 3, every kind of layer that
// has a parameter, batch 3.
static void base_problem(tl_problem *p, gsl_rng *r, int rule)
{
	const size_t w[4] = {3, 4, 5, 2};
	const cr_act acts[3] = {{CR_ACT_TANH, 0}, {CR_ACT_LEAKY_RELU, 0.1875}, {CR_ACT_IDENTITY, 0}};
	tl_problem_init(p, r, rule, 3, w, acts, CR_LOSS_MSE, 3);
}

static char label[256];

static const char *lab(int rule, const char *what)
{
	snprintf(label, sizeof label, "errors %s: %s", tl_rule_name(rule), what);
	return label;
}

// Null pointers, one at a time.
static void test_null(const tl_problem *p, int rule)
{
	for (int k = 0; k < 13; k++) {
		tl_call c;
		tl_call_init(&c, p, -1, lab(rule, "null pointer"));
		const char *what = "?";
		switch (k) {
		case 0: c.netp = NULL; what = "net"; break;
		case 1: c.net.widths = NULL; what = "widths"; break;
		case 2: c.net.acts = NULL; what = "acts"; break;
		case 3: c.W = NULL; what = "W"; break;
		case 4: c.b = NULL; what = "b"; break;
		case 5: c.x = NULL; what = "x"; break;
		case 6: c.t = NULL; what = "t"; break;
		case 7: c.loss = NULL; what = "loss"; break;
		case 8: c.dW = NULL; what = "dW"; break;
		case 9: c.db = NULL; what = "db"; break;
		case 10: c.work = NULL; what = "work"; break;
		case 11: if (c.F_len == 0) { tl_call_free(&c); continue; }
			c.F = NULL; what = "feedback (B, D or M)"; break;
		default: if (c.S_len == 0) { tl_call_free(&c); continue; }
			c.S = NULL; what = "scale"; break;
		}
		tl_call_expect(&c, CR_ERR_NULL, what);
		tl_call_free(&c);
	}
}

// Depth 0, each width 0, batch 0, with every length consistent with the
// changed network so that zero_size is the only thing wrong.
static void test_zero(const tl_problem *p, int rule)
{
	size_t w[TL_MAX_L + 1];
	for (int k = -3; k <= (int)p->depth; k++) {
		tl_call c;
		tl_call_init(&c, p, -1, lab(rule, "zero size"));
		memcpy(w, p->widths, sizeof w);
		c.net.widths = w;
		char what[64];
		if (k == -2) {
			c.net.depth = 0;
			snprintf(what, sizeof what, "depth 0");
		} else if (k == -3) {
			c.net.depth = 0;
			c.net.acts = NULL;
			snprintf(what, sizeof what, "depth 0, acts NULL");
		} else if (k == -1) {
			c.batch = 0;
			snprintf(what, sizeof what, "batch 0");
		} else {
			w[k] = 0;
			snprintf(what, sizeof what, "width n_%d = 0", k);
		}
		size_t L = c.net.depth;
		c.W_len = tl_len_W(L, w);
		c.b_len = tl_len_b(L, w);
		c.x_len = c.batch * w[0];
		if (L > 0)  // depth 0 has no n_L: keep the real t_len.
			c.t_len = c.batch * w[L];
		if (c.S)
			c.S_len = L > 0 ? L - 1 : 0;
		else if (c.F)
			c.F_len = tl_len_F(rule, L, w);
		c.dW_len = c.W_len;
		c.db_len = c.b_len;
		tl_call_expect(&c, CR_ERR_ZERO_SIZE, what);
		tl_call_free(&c);
	}
}

static void test_too_large(const tl_problem *p, int rule, gsl_rng *r)
{
	// Depth CR_MAX_DEPTH + 1, all widths 1, every length consistent.
	enum { D = CR_MAX_DEPTH + 1 };
	size_t w[D + 1];
	cr_act acts[D];
	double *zeros = calloc(4 * D, sizeof *zeros);
	for (size_t l = 0; l <= D; l++)
		w[l] = 1;
	for (size_t l = 0; l < D; l++)
		acts[l] = (cr_act){CR_ACT_IDENTITY, 0};
	tl_call c;
	tl_call_init(&c, p, -1, lab(rule, "size too large"));
	c.net.depth = D;
	c.net.widths = w;
	c.net.acts = acts;
	c.batch = 1;
	c.W = c.b = c.x = c.t = zeros;
	c.W_len = c.b_len = c.dW_len = c.db_len = D;
	c.x_len = c.t_len = 1;
	if (c.F) {
		c.F = zeros;
		c.F_len = D - 1;
	}
	if (c.S) {
		c.S = zeros;
		c.S_len = D - 1;
	}
	tl_call_expect(&c, CR_ERR_SIZE, "depth CR_MAX_DEPTH + 1");
	tl_call_free(&c);
	free(zeros);

	// Widths whose product n_1 n_0 overflows size_t.
	size_t wo[TL_MAX_L + 1];
	memcpy(wo, p->widths, sizeof wo);
	wo[0] = SIZE_MAX / 2 + 1;
	wo[1] = 2;
	tl_call_init(&c, p, -1, lab(rule, "size too large"));
	c.net.widths = wo;
	tl_call_expect(&c, CR_ERR_SIZE, "n_1 * n_0 overflows");
	tl_call_free(&c);

	// Hidden widths whose feedback product n_1 n_2 overflows.
	memcpy(wo, p->widths, sizeof wo);
	wo[1] = SIZE_MAX / 4 + 1;
	wo[2] = 4;
	tl_call_init(&c, p, -1, lab(rule, "size too large"));
	c.net.widths = wo;
	tl_call_expect(&c, CR_ERR_SIZE, "n_2 * n_1 overflows");
	tl_call_free(&c);

	// A sum of layer sizes that overflows although each product fits.
	memcpy(wo, p->widths, sizeof wo);
	wo[0] = 2;
	wo[1] = SIZE_MAX / 3;
	wo[2] = 2;
	tl_call_init(&c, p, -1, lab(rule, "size too large"));
	c.net.widths = wo;
	tl_call_expect(&c, CR_ERR_SIZE, "sum of layer sizes overflows");
	tl_call_free(&c);

	// A batch whose product with n_0 overflows.
	tl_call_init(&c, p, -1, lab(rule, "size too large"));
	c.batch = SIZE_MAX / 2;
	tl_call_expect(&c, CR_ERR_SIZE, "batch * n_0 overflows");
	tl_call_free(&c);

	// A batch whose product with n_L overflows although batch * n_0 fits.
	memcpy(wo, p->widths, sizeof wo);
	wo[0] = 1;
	tl_call_init(&c, p, -1, lab(rule, "size too large"));
	c.net.widths = wo;
	c.batch = SIZE_MAX / 2 + 1;
	tl_call_expect(&c, CR_ERR_SIZE, "batch * n_L overflows");
	tl_call_free(&c);

	// Depth 1 with n_1 = 2^62 + 1: every parameter length fits, but the
	// workspace (4 b_len + W_len doubles) does not; then with n_0 = 3 and
	// n_1 = 2^62 - 1, where 4 b_len fits and only the sum overflows.
	const size_t n1[2] = {((size_t)1 << 62) + 1, ((size_t)1 << 62) - 1};
	const size_t n0[2] = {1, 3};
	for (int k = 0; k < 2; k++) {
		if (SIZE_MAX >> 63 == 0)
			break;  // Only meaningful for a 64-bit size_t.
		memcpy(wo, p->widths, sizeof wo);
		wo[0] = n0[k];
		wo[1] = n1[k];
		tl_call_init(&c, p, -1, lab(rule, "size too large"));
		c.net.widths = wo;
		c.net.depth = 1;
		c.batch = 1;
		tl_call_expect(&c, CR_ERR_SIZE, k ? "workspace length overflows" : "4 b_len overflows");
		gsl_test(cr_workspace_len(&c.net, 1) != 0, "cr_workspace_len: %s must be 0",
		         k ? "workspace length overflow" : "4 b_len overflow");
		tl_call_free(&c);
	}
	(void)r;
}

// Each length one too small and one too large. A length one too large points
// at a buffer one longer (its last entry finite), so only the length is wrong.
static void test_mismatch(const tl_problem *p, int rule)
{
	const char *names[8] = {"W_len", "b_len", "x_len", "t_len", "feedback_len",
	                        "scale_len", "dW_len", "db_len"};
	for (int k = 0; k < 8; k++) {
		for (int dir = -1; dir <= 1; dir += 2) {
			tl_call c;
			tl_call_init(&c, p, -1, lab(rule, "size mismatch"));
			const double **in = NULL;
			size_t *len = NULL;
			switch (k) {
			case 0: in = &c.W; len = &c.W_len; break;
			case 1: in = &c.b; len = &c.b_len; break;
			case 2: in = &c.x; len = &c.x_len; break;
			case 3: in = &c.t; len = &c.t_len; break;
			case 4: in = &c.F; len = &c.F_len; break;
			case 5: in = &c.S; len = &c.S_len; break;
			case 6: len = &c.dW_len; break;
			default: len = &c.db_len; break;
			}
			// Arrays the rule does not take (BP's feedback, the other SS
			// variant's array) are checked in the rule's own test file.
			if (in != NULL && *in == NULL) {
				tl_call_free(&c);
				continue;
			}
			double *big = NULL;
			if (dir > 0 && in != NULL) {
				big = malloc((*len + 1) * sizeof *big);
				if (*len)
					memcpy(big, *in, *len * sizeof *big);
				big[*len] = 0.8125;
				*in = big;
			}
			if (dir > 0 && in == NULL) {
				// Output one too long: give it a real buffer one longer.
				size_t n = *len + 1;
				if (k == 6) {
					free(c.g_dW);
					c.g_dW = malloc((n + 16) * sizeof(double));
					for (size_t i = 0; i < n + 16; i++)
						c.g_dW[i] = tl_sentinel();
					c.n_dW = n;
					c.dW = c.g_dW + 8;
				} else {
					free(c.g_db);
					c.g_db = malloc((n + 16) * sizeof(double));
					for (size_t i = 0; i < n + 16; i++)
						c.g_db[i] = tl_sentinel();
					c.n_db = n;
					c.db = c.g_db + 8;
				}
			}
			*len = dir < 0 ? *len - 1 : *len + 1;
			char what[64];
			snprintf(what, sizeof what, "%s %s 1", names[k], dir < 0 ? "minus" : "plus");
			tl_call_expect(&c, CR_ERR_SIZE_MISMATCH, what);
			tl_call_free(&c);
			free(big);
		}
	}
}

static void test_kinds(const tl_problem *p, int rule)
{
	cr_act acts[TL_MAX_L];
	const int bad[2] = {-1, CR_ACT_COUNT};
	for (size_t l = 0; l < p->depth; l++) {
		for (int i = 0; i < 2; i++) {
			tl_call c;
			tl_call_init(&c, p, -1, lab(rule, "unknown activation"));
			memcpy(acts, p->acts, sizeof acts);
			acts[l].kind = bad[i];
			c.net.acts = acts;
			char what[64];
			snprintf(what, sizeof what, "layer %zu kind %d", l + 1, bad[i]);
			tl_call_expect(&c, CR_ERR_ACTIVATION, what);
			tl_call_free(&c);
		}
	}
	const int badl[2] = {-1, CR_LOSS_COUNT};
	for (int i = 0; i < 2; i++) {
		tl_call c;
		tl_call_init(&c, p, -1, lab(rule, "unknown loss"));
		c.net.loss = badl[i];
		char what[64];
		snprintf(what, sizeof what, "loss kind %d", badl[i]);
		tl_call_expect(&c, CR_ERR_LOSS, what);
		tl_call_free(&c);
	}
	// NOT-ACT-6: a non-finite slope of a leaky layer is invalid_parameter; the
	// slope of any other kind is ignored, so NaN there is fine.
	const double slopes[3] = {NAN, INFINITY, -INFINITY};
	for (int i = 0; i < 3; i++) {
		tl_call c;
		tl_call_init(&c, p, -1, lab(rule, "invalid parameter"));
		memcpy(acts, p->acts, sizeof acts);
		acts[1].slope = slopes[i];
		c.net.acts = acts;
		char what[64];
		snprintf(what, sizeof what, "leaky slope %g", slopes[i]);
		tl_call_expect(&c, CR_ERR_PARAM, what);
		tl_call_free(&c);

		tl_call_init(&c, p, -1, lab(rule, "ignored slope"));
		memcpy(acts, p->acts, sizeof acts);
		acts[0].slope = slopes[i];
		acts[2].slope = slopes[i];
		c.net.acts = acts;
		snprintf(what, sizeof what, "non-leaky slope %g", slopes[i]);
		tl_call_expect(&c, CR_OK, what);
		tl_call_free(&c);
	}
}

// NOT-NET-5: NaN, +Inf and -Inf at the first and the last index of every
// input array.
static void test_nonfinite_input(const tl_problem *p, int rule)
{
	const double vals[3] = {NAN, INFINITY, -INFINITY};
	const char *names[6] = {"W", "b", "x", "t", "feedback", "scale"};
	for (int k = 0; k < 6; k++) {
		for (int v = 0; v < 3; v++) {
			for (int end = 0; end < 2; end++) {
				tl_call c;
				tl_call_init(&c, p, -1, lab(rule, "non-finite input"));
				const double **in;
				size_t len;
				switch (k) {
				case 0: in = &c.W; len = c.W_len; break;
				case 1: in = &c.b; len = c.b_len; break;
				case 2: in = &c.x; len = c.x_len; break;
				case 3: in = &c.t; len = c.t_len; break;
				case 4: in = &c.F; len = c.F_len; break;
				default: in = &c.S; len = c.S_len; break;
				}
				if (*in == NULL || len == 0) {
					tl_call_free(&c);
					continue;
				}
				double *copy = malloc(len * sizeof *copy);
				memcpy(copy, *in, len * sizeof *copy);
				size_t idx = end ? len - 1 : 0;
				copy[idx] = vals[v];
				*in = copy;
				char what[64];
				snprintf(what, sizeof what, "%s[%zu] = %g", names[k], idx, vals[v]);
				tl_call_expect(&c, CR_ERR_NONFINITE_INPUT, what);
				tl_call_free(&c);
				free(copy);
			}
		}
	}
}

// NOT-NET-5: finite inputs whose results overflow. Depth 2, tanh hidden,
// identity output, MSE, one sample; every feedback entry equals the weight
// it stands for, so each rule computes the same numbers as backpropagation.
static void test_nonfinite_result(int rule, gsl_rng *r)
{
	const size_t w[3] = {1, 1, 1};
	const cr_act acts[2] = {{CR_ACT_TANH, 0}, {CR_ACT_IDENTITY, 0}};
	for (int k = 0; k < 3; k++) {
		tl_problem p;
		tl_problem_init(&p, r, rule, 2, w, acts, CR_LOSS_MSE, 1);
		double w2;
		if (k == 0) {
			// y = 1e300 tanh(1) overflows in the loss: l = y^2 / 2.
			p.x[0] = 1.0;
			p.W[0] = 1.0;
			w2 = 1e300;
		} else if (k == 2) {
			// h_1 = tanh(1e-150) = 1e-150, y = 1e150: the loss 5e299 and
			// dW_2 = e h_1 = 1 are finite, but delta_1 = (1 - h_1^2) 1e300
			// 1e150 overflows, so db_1 (and dW_1) are non-finite.
			p.x[0] = 1.0;
			p.W[0] = 1e-150;
			w2 = 1e300;
		} else {
			// The loss l = (0.76e150)^2 / 2 = 2.9e299 and dW_2 = e h_1 are
			// finite, but dW_1 = (1 - h_1^2) w_2 e x = 0.42 * 1e150 *
			// 0.76e150 * 1e200 overflows: only a gradient is non-finite.
			p.x[0] = 1e200;
			p.W[0] = 1e-200;
			w2 = 1e150;
		}
		p.W[1] = w2;
		p.b[0] = 0.0;
		p.b[1] = 0.0;
		p.t[0] = 0.0;
		if (p.F)
			p.F[0] = rule == TL_SS_M ? fabs(w2) : w2;
		if (p.S)
			p.S[0] = w2;
		tl_call c;
		tl_call_init(&c, &p, -1, lab(rule, k == 0 ? "loss overflows" : (k == 1 ? "only dW_1 overflows" : "db_1 overflows")));
		tl_call_expect(&c, CR_ERR_NONFINITE_RESULT, "finite inputs, overflow");
		tl_call_free(&c);
		tl_problem_free(&p);
	}
}

static void test_workspace(const tl_problem *p, int rule)
{
	tl_call ok, c;
	tl_call_init(&ok, p, -1, lab(rule, "workspace exact"));
	tl_call_expect(&ok, CR_OK, "work_len = need");

	tl_call_init(&c, p, -1, lab(rule, "workspace too small"));
	gsl_test(c.work_len == 0, "%s: cr_workspace_len is 0 for a valid network", c.label);
	tl_call_set_work(&c, c.work_len - 1);
	tl_call_expect(&c, CR_ERR_WORKSPACE, "work_len = need - 1");
	tl_call_free(&c);

	tl_call_init(&c, p, -1, lab(rule, "workspace too small"));
	c.work_len = 0;
	tl_call_expect(&c, CR_ERR_WORKSPACE, "work_len = 0");
	tl_call_free(&c);

	// A larger workspace gives the same bits.
	tl_call_init(&c, p, -1, lab(rule, "workspace larger"));
	tl_call_set_work(&c, c.work_len + 7);
	tl_call_expect(&c, CR_OK, "work_len = need + 7");
	gsl_test(!tl_same_bits(&c, &ok), "%s: a larger workspace must give the same bits", c.label);
	tl_call_free(&c);
	tl_call_free(&ok);
}

int main(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 20261123);
	test_status_names();
	test_workspace_len();
	for (int rule = 0; rule < TL_RULE_COUNT; rule++) {
		tl_problem p;
		base_problem(&p, r, rule);
		test_null(&p, rule);
		test_zero(&p, rule);
		test_too_large(&p, rule, r);
		test_mismatch(&p, rule);
		test_kinds(&p, rule);
		test_nonfinite_input(&p, rule);
		test_nonfinite_result(rule, r);
		test_workspace(&p, rule);
		tl_problem_free(&p);
	}
	gsl_rng_free(r);
	return gsl_test_summary();
}
