// conformance/oracle/gen_fbl.c: the plans of conformance/vectors/wm.json
// (weight mirror, variants linear, nonlinear, kunin: spec/rules/wm.md),
// sa.json, aa.json and ia.json (Kunin et al.'s rules: spec/rules/sa.md,
// aa.md, ia.md on the step of align.md): trajectories (spec/notation.md
// NOT-STEP-*) in the format of spec/vectors.md.
//
// Every valid trajectory is computed by the oracle (cro_fbl_traj, align.c and
// wm.c) from its JSON input as written (parsed back), and is written only if
//   - long double (ldcheck.c, cro_ld_fbl_ratio): the whole trajectory
//     recomputed with plain loops in long double from the same inputs agrees
//     with every loss and state entry of every step within half its
//     tolerance, with the factor that value carries after its step;
//   - the tolerance factors the oracle reports are the sums of the rule
//     file's formula (NOT-STEP-5 with r_s of the file's "Tolerance"
//     paragraph), recomputed here;
//   - Identity cases (B_0 = W_0^T with the coefficients that make the
//     feedback's update vanish): the update G of the first step is exactly 0
//     in every entry, B after it is B_0 bit for bit, and its loss, W and b
//     are bit for bit those of a KP step with decay 0 (kp.c), which is
//     backpropagation's step since B = W^T.
// A relu tie (NOT-STEP-6; for the nonlinear mirror also its pre-activations)
// makes the generator draw again, except in the planned tie cases. The error
// cases are confirmed by the oracle, and the finished text is parsed again
// and every test recomputed (fbl_verify_text) before anything is written.
#include "gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KMAX 10 // most steps of a trajectory in these files

typedef struct {
	netspec ns;
	int rule;              // cro_fbl_rule; CRO_FBL_COUNT for an unknown WM variant
	cro_fbl_hyper h;
	size_t k;              // steps
	size_t N[KMAX];        // N_s
	size_t M[KMAX];        // M_s (WM at depth >= 2; else 0)
	double W[CAP], b[CAP], B[CAP];
	double x[CAP], t[CAP], noise[CAP]; // the steps' arrays one after the other
	size_t Wl, bl, Bl, xl, tl, nl;
} fcase;

typedef struct {
	double loss[KMAX], lossg[KMAX];
	double W[KMAX * CAP], Wg[KMAX * CAP];
	double b[KMAX * CAP], bg[KMAX * CAP];
	double B[KMAX * CAP], Bg[KMAX * CAP];
	double a[CAP], ag[CAP];
	cro_fbl_traj_out o;
} fres;

static void fres_init(fres *r)
{
	memset(&r->o, 0, sizeof r->o);
	r->o.loss = r->loss; r->o.loss_gauge = r->lossg;
	r->o.W = r->W; r->o.W_gauge = r->Wg;
	r->o.b = r->b; r->o.b_gauge = r->bg;
	r->o.B = r->B; r->o.B_gauge = r->Bg;
	r->o.a = r->a; r->o.a_gauge = r->ag;
}

static const char *const variant_names[3] = { "linear", "nonlinear", "kunin" };

static int is_wm(int rule)
{
	return rule == CRO_FBL_WM_LINEAR || rule == CRO_FBL_WM_NONLINEAR || rule == CRO_FBL_WM_KUNIN;
}

// The rule a test of this file and group asks for.
static int file_rule(int frule, const char *variant)
{
	switch (frule) {
	case R_SA: return CRO_FBL_SA;
	case R_AA: return CRO_FBL_AA;
	case R_IA: return CRO_FBL_IA;
	default:
		for (int v = 0; v < 3; v++)
			if (variant && strcmp(variant, variant_names[v]) == 0)
				return CRO_FBL_WM_LINEAR + v;
		return CRO_FBL_COUNT; // WM-ERR-1: an unknown variant
	}
}

// The hyper-parameter keys of a rule (WM-IN-2, ALIGN-STEP-4), after eta, eta_B.
static size_t hyper_keys(int rule, const char **keys)
{
	if (rule == CRO_FBL_WM_LINEAR || rule == CRO_FBL_WM_NONLINEAR) {
		keys[0] = "decay_B";
		return 1;
	}
	keys[0] = "alpha";
	keys[1] = "beta";
	if (rule == CRO_FBL_IA) {
		keys[2] = "gamma";
		return 3;
	}
	return 2;
}

static double *hyper_slot(cro_fbl_hyper *h, const char *key)
{
	if (strcmp(key, "eta") == 0) return &h->eta;
	if (strcmp(key, "eta_B") == 0) return &h->eta_B;
	if (strcmp(key, "decay_B") == 0) return &h->decay_B;
	if (strcmp(key, "alpha") == 0) return &h->alpha;
	if (strcmp(key, "beta") == 0) return &h->beta;
	return &h->gamma;
}

static size_t Blen(const netspec *ns) // B_2 .. B_L
{
	size_t s = 0;
	for (size_t l = 2; l <= ns->L; l++)
		s += ns->n[l - 1] * ns->n[l];
	return s;
}

static size_t Boff(const netspec *ns, size_t l) // offset of B_l, l >= 2
{
	size_t s = 0;
	for (size_t k = 2; k < l; k++)
		s += ns->n[k - 1] * ns->n[k];
	return s;
}

static size_t noise_per_row(const netspec *ns) // sum_{l=2..L} n_{l-1}
{
	size_t s = 0;
	for (size_t l = 2; l <= ns->L; l++)
		s += ns->n[l - 1];
	return s;
}

// NOT-TOL-2's k_grad for a batch of N.
static double kgrad(const netspec *ns, size_t N)
{
	size_t S = 0;
	for (size_t l = 0; l <= ns->L; l++)
		S += ns->n[l];
	return 2.0 * (2.0 * (double)S + (double)N + 10.0 * (double)(ns->L + 1));
}

static double kloss(const netspec *ns, size_t N)
{
	size_t S = 0;
	for (size_t l = 0; l <= ns->L; l++)
		S += ns->n[l];
	return 2.0 * ((double)S + (double)N + 10.0 * (double)(ns->L + 1));
}

// r_s of the rule files' "Tolerance" paragraphs (wm.md WM-TOL-1, sa.md,
// aa.md, ia.md), written out here from the text as a check of the oracle's.
static double rule_r(const netspec *ns, int rule, size_t N, size_t M)
{
	if (ns->L == 1 || rule == CRO_FBL_SA)
		return 2.0;
	size_t S = 0, m1 = 0, m2 = 0;
	for (size_t l = 0; l <= ns->L; l++)
		S += ns->n[l];
	for (size_t l = 2; l <= ns->L; l++) {
		if (ns->n[l - 1] > m1)
			m1 = ns->n[l - 1];
		if (ns->n[l - 1] + ns->n[l] > m2)
			m2 = ns->n[l - 1] + ns->n[l];
	}
	double r;
	if (rule == CRO_FBL_AA)
		r = (double)m1 + 6.0 - (double)S;
	else if (rule == CRO_FBL_IA)
		r = (double)m2 + 7.0 - (double)S;
	else {
		double cv = rule == CRO_FBL_WM_LINEAR ? 5.0 : rule == CRO_FBL_WM_NONLINEAR ? 16.0 : 6.0;
		r = (double)(m1 + M) + cv - (2.0 * (double)S + (double)N + 10.0 * (double)(ns->L + 1));
	}
	return r < 2.0 ? 2.0 : r;
}

// ---------------------------------------------------------------- flags

const char *fbl_flag_desc(int rule, const char *flag)
{
	static const char *const common[][2] = {
		{ "ReluTie", "A relu or leaky_relu pre-activation a at some step has 0 < G(a) and "
		  "|a| <= (k_s + k_grad) u G(a), k_s the tolerance factor the state of that step "
		  "already carries (NOT-TOL-4, NOT-STEP-6): implementations may take different "
		  "branches of f'. Here a = 0 exactly at step 1 (dyadic inputs); the expected "
		  "values use the spec's branch (relu'(0) = 0, leaky'(0) = s); a mismatch is "
		  "reported, not failed." },
		{ "TinyMagnitude", "Every step's inputs x and the initial layer-1 biases are about "
		  "1e-150: layer-1 gradients, and the layer inputs the feedback's update sees, are "
		  "near 1e-150; no value falls below the smallest normal double." },
		{ "Batch1", "Some step's batch has one sample." },
		{ "NonFiniteResult", "Finite inputs whose loss, gradient, feedback update or new "
		  "state overflows at some step (expected error non_finite_result)." },
	};
	for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
		if (strcmp(flag, common[i][0]) == 0)
			return common[i][1];
	if (rule == R_WM) {
		static const char *const d[][2] = {
			{ "Identity", "B_0 = W_0^T, noise rows c e_m (c^2 = M, one row per input unit of "
			  "every layer l >= 2, so (1/M) sum_m xi_m xi_m^T = I exactly) and lambda_B = 1 "
			  "(linear) or alpha = beta/2 (kunin): the mirror update dB_l is exactly 0 at the "
			  "first step and that step is backpropagation's. The generator checked that "
			  "dB = 0 in every entry, that B after step 1 is B_0 bit for bit and that the "
			  "loss, W and b of step 1 equal a KP step with decay 0 bit for bit." },
			{ "LargeMagnitude", "Every step's inputs x are about 1e100: pre-activations, "
			  "losses and gradients reach about 1e200 without overflowing. With more than "
			  "one step eta is about 1e-201, so that eta dW stays of the order of the "
			  "weights; the noise is of order 1." },
			{ "SizeMismatch", "An array's shape does not match the network: a state "
			  "matrix, a step's x or t, x, t and noise with different numbers of steps, a "
			  "noise matrix with a number of columns other than n_{l-1}, a step's noise "
			  "with another number of matrices than L - 1, or layers of one step with "
			  "different numbers of noise rows (expected error size_mismatch, WM-ERR-1)." },
			{ "ZeroSize", "A width is 0, the trajectory has no step, a step's batch is "
			  "empty, or a step has no noise row (M_s = 0) (expected error zero_size)." },
			{ "NonFiniteInput", "An entry of W, b, B, of some step's x or t, or of the "
			  "noise is NaN or an infinity, written as the strings \"NaN\", \"Infinity\", "
			  "\"-Infinity\" (expected error non_finite_input)." },
			{ "InvalidParameter", "A hyper-parameter out of its domain (WM-IN-2: eta or "
			  "eta_B not finite or <= 0; decay_B, alpha or beta not finite or < 0; "
			  "non-finite values written as the strings of VEC-NUM-2), an unknown variant, "
			  "or a leaky_relu slope that is not finite (NOT-ACT-6); expected error "
			  "invalid_parameter." },
			{ "ZeroDecay", "decay_B = 0 (linear, nonlinear): the mirror update is the "
			  "noise term alone and B_l grows along E W_l^T without decay." },
		};
		for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
			if (strcmp(flag, d[i][0]) == 0)
				return d[i][1];
		return NULL;
	}
	static const char *const d[][2] = {
		{ "Identity", "B_0 = W_0^T and alpha = beta/2: the feedback's update G_l is exactly "
		  "0 at the first step (SA: alpha (2 B) and beta (-W^T) are exact negatives; AA: "
		  "q_n = p_n, so the two mean outer products are equal and alpha 2 = beta), so "
		  "that step is backpropagation's. The generator checked that G = 0 in every "
		  "entry, that B after step 1 is B_0 bit for bit and that the loss, W and b of "
		  "step 1 equal a KP step with decay 0 bit for bit." },
		{ "LargeMagnitude", "Every step's inputs x are about 1e100: pre-activations, "
		  "losses, gradients and (AA, IA) the layer inputs' second moments reach about "
		  "1e200 without overflowing. With more than one step eta (and, for AA and IA, "
		  "eta_B) is about 1e-201, so that the updates stay of the order of the state." },
		{ "SizeMismatch", "An array's shape does not match the network, or x and t hold "
		  "different numbers of steps, or a step's x and t different numbers of samples "
		  "(expected error size_mismatch)." },
		{ "ZeroSize", "A width is 0, the trajectory has no step (x = [] and t = []), or a "
		  "step's batch is empty (expected error zero_size)." },
		{ "NonFiniteInput", "An entry of W, b, B or of some step's x or t is NaN or an "
		  "infinity, written as the strings \"NaN\", \"Infinity\", \"-Infinity\" "
		  "(expected error non_finite_input)." },
		{ "InvalidParameter", "A hyper-parameter out of its domain (ALIGN-STEP-4: eta or "
		  "eta_B not finite or <= 0; alpha, beta or gamma not finite or < 0; non-finite "
		  "values written as the strings of VEC-NUM-2) or a leaky_relu slope that is not "
		  "finite (NOT-ACT-6); expected error invalid_parameter." },
	};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
		if (strcmp(flag, d[i][0]) == 0)
			return d[i][1];
	return NULL;
}

void fbl_header(int rule, json_t *hdr)
{
	char line[512];
	snprintf(line, sizeof line, "Each test is a trajectory of k steps (NOT-STEP-*): "
	         "expected.loss[s] is the loss of step s + 1, expected.W[s], b[s], B[s] the state "
	         "after it; one tolerance factor per field (NOT-STEP-5 with r_s of %s.md, "
	         "\"Tolerance\"), one gauge per value (NOT-STEP-4).", file_rules[rule]);
	json_array_append_new(hdr, json_string(line));
	if (rule == R_WM)
		json_array_append_new(hdr, json_string("Groups carry the variant (linear, nonlinear, "
		                                       "kunin; WM-IN-3); input.noise[s] holds the "
		                                       "mirror noise of step s + 1, one M_s x n_{l-1} "
		                                       "matrix per layer l = 2 .. L (WM-IN-1)."));
	json_array_append_new(hdr, json_string("Every valid trajectory was recomputed in long double "
	                                       "(conformance/oracle/ldcheck.c); Identity cases have "
	                                       "a feedback update of exactly 0 at the first step, "
	                                       "checked against a KP step with decay 0 bit for bit."));
}

// ---------------------------------------------------------------- JSON

static json_t *steps_json(const fcase *fc, const double *v, size_t width)
{
	json_t *a = json_array();
	size_t o = 0;
	for (size_t s = 0; s < fc->k; s++) {
		json_array_append_new(a, mat_json(v + o, fc->N[s], width));
		o += fc->N[s] * width;
	}
	return a;
}

static json_t *noise_json(const fcase *fc)
{
	const netspec *ns = &fc->ns;
	json_t *a = json_array();
	size_t o = 0;
	for (size_t s = 0; s < fc->k; s++) {
		json_t *st = json_array();
		for (size_t l = 2; l <= ns->L; l++) {
			json_array_append_new(st, mat_json(fc->noise + o, fc->M[s], ns->n[l - 1]));
			o += fc->M[s] * ns->n[l - 1];
		}
		json_array_append_new(a, st);
	}
	return a;
}

static json_t *fbl_input_json(const fcase *fc)
{
	const netspec *ns = &fc->ns;
	json_t *o = json_object();
	json_object_set_new(o, "W", W_json(ns, fc->W));
	json_object_set_new(o, "b", b_json(ns, fc->b));
	json_object_set_new(o, "B", fb_json(ns, CRO_RULE_FA, fc->B));
	json_object_set_new(o, "eta", jnum(fc->h.eta));
	json_object_set_new(o, "eta_B", jnum(fc->h.eta_B));
	const char *keys[3];
	cro_fbl_hyper h = fc->h;
	size_t nk = hyper_keys(fc->rule == CRO_FBL_COUNT ? CRO_FBL_WM_LINEAR : fc->rule, keys);
	for (size_t i = 0; i < nk; i++)
		json_object_set_new(o, keys[i], jnum(*hyper_slot(&h, keys[i])));
	json_object_set_new(o, "x", steps_json(fc, fc->x, ns->n[0]));
	json_object_set_new(o, "t", steps_json(fc, fc->t, ns->n[ns->L]));
	if (is_wm(fc->rule) || fc->rule == CRO_FBL_COUNT)
		json_object_set_new(o, "noise", noise_json(fc));
	return o;
}

// Reads a test (network, variant, input) into flat arrays and runs the
// oracle, as an independent reader of the file would: the variant and the
// hyper-parameters first, then no step at all, the network, the number of
// steps of x, t (and noise), the shapes, and the oracle's own checks.
static cro_status fbl_run_json(int frule, const char *variant, json_t *network, json_t *input,
                               fcase *fc, fres *res)
{
	cro_status early;
	fres_init(res);
	if (!read_network(network, &fc->ns, &early))
		return early;
	const netspec *ns = &fc->ns;
	cro_net net = as_cro(ns);
	fc->rule = file_rule(frule, variant);
	const int wm = frule == R_WM;
	fc->h.eta = fc->h.eta_B = fc->h.decay_B = fc->h.alpha = fc->h.beta = fc->h.gamma = NAN;
	read_num(json_object_get(input, "eta"), &fc->h.eta);
	read_num(json_object_get(input, "eta_B"), &fc->h.eta_B);
	if (fc->rule != CRO_FBL_COUNT) {
		const char *keys[3];
		size_t nk = hyper_keys(fc->rule, keys);
		for (size_t i = 0; i < nk; i++)
			read_num(json_object_get(input, keys[i]), hyper_slot(&fc->h, keys[i]));
	}
	// With no step the oracle stops at the hyper-parameters or at zero_size.
	static const size_t zero = 0;
	cro_status st = cro_fbl_traj(&net, fc->rule, &fc->h, NULL, 0, NULL, 0, NULL, 0, 0, &zero,
	                             NULL, 0, NULL, 0, &zero, NULL, 0, &res->o);
	if (st != CRO_ERR_ZERO_SIZE)
		return st;
	json_t *x = json_object_get(input, "x"), *t = json_object_get(input, "t");
	json_t *nz = json_object_get(input, "noise");
	size_t nx = json_array_size(x), nt = json_array_size(t), nn = json_array_size(nz);
	if (nx == 0 && nt == 0 && (!wm || nn == 0))
		return CRO_ERR_ZERO_SIZE;
	st = cro_net_check(&net);
	if (st != CRO_OK)
		return st;
	if (nx != nt || (wm && nn != nx))
		return CRO_ERR_SIZE_MISMATCH;
	if (nx > KMAX)
		die("%zu steps, above the generator's maximum", nx);
	fc->Wl = fc->bl = fc->Bl = fc->xl = fc->tl = fc->nl = 0;
	json_t *W = json_object_get(input, "W"), *b = json_object_get(input, "b");
	json_t *B = json_object_get(input, "B");
	if (json_array_size(W) != ns->L || json_array_size(b) != ns->L ||
	    json_array_size(B) != ns->L - 1)
		return CRO_ERR_SIZE_MISMATCH;
	for (size_t l = 1; l <= ns->L; l++)
		if (!read_mat(json_array_get(W, l - 1), ns->n[l], ns->n[l - 1], fc->W, &fc->Wl) ||
		    !read_vec(json_array_get(b, l - 1), ns->n[l], fc->b, &fc->bl))
			return CRO_ERR_SIZE_MISMATCH;
	for (size_t l = 2; l <= ns->L; l++) // B_l is n_{l-1} x n_l (NOT-FB-1)
		if (!read_mat(json_array_get(B, l - 2), ns->n[l - 1], ns->n[l], fc->B, &fc->Bl))
			return CRO_ERR_SIZE_MISMATCH;
	fc->k = nx;
	for (size_t s = 0; s < nx; s++) {
		json_t *xs = json_array_get(x, s), *ts = json_array_get(t, s);
		fc->N[s] = json_array_size(xs);
		if (!read_mat(xs, fc->N[s], ns->n[0], fc->x, &fc->xl) ||
		    !read_mat(ts, fc->N[s], ns->n[ns->L], fc->t, &fc->tl))
			return CRO_ERR_SIZE_MISMATCH;
		fc->M[s] = 0;
		if (!wm)
			continue;
		// WM-IN-1: L - 1 matrices, every one with the same M_s rows.
		json_t *Xi = json_array_get(nz, s);
		if (!json_is_array(Xi) || json_array_size(Xi) != ns->L - 1)
			return CRO_ERR_SIZE_MISMATCH;
		fc->M[s] = ns->L >= 2 ? json_array_size(json_array_get(Xi, 0)) : 0;
		for (size_t l = 2; l <= ns->L; l++)
			if (!read_mat(json_array_get(Xi, l - 2), fc->M[s], ns->n[l - 1], fc->noise, &fc->nl))
				return CRO_ERR_SIZE_MISMATCH;
	}
	size_t rows = 0;
	for (size_t s = 0; s < nx; s++)
		rows += fc->N[s];
	if (rows * blen(ns) > CAP)
		die("pre-activations of %zu samples exceed the generator's buffer", rows);
	return cro_fbl_traj(&net, fc->rule, &fc->h, fc->W, fc->Wl, fc->b, fc->bl, fc->B, fc->Bl,
	                    fc->k, fc->N, fc->x, fc->xl, fc->t, fc->tl, wm ? fc->M : NULL,
	                    fc->noise, fc->nl, &res->o);
}

// ---------------------------------------------------------------- checks

// The tolerance factors: NOT-STEP-5 with r_s of the rule file.
static void check_factors(const fcase *fc, const fres *r, const char *comment)
{
	double acc = 0.0;
	for (size_t s = 0; s + 1 < fc->k; s++)
		acc += kgrad(&fc->ns, fc->N[s]) + 2.0 * rule_r(&fc->ns, fc->rule, fc->N[s], fc->M[s]);
	const size_t z = fc->k - 1;
	double kl = acc + kloss(&fc->ns, fc->N[z]);
	double ks = acc + kgrad(&fc->ns, fc->N[z]) + 2.0 * rule_r(&fc->ns, fc->rule, fc->N[z], fc->M[z]);
	if (kl != r->o.k_loss || ks != r->o.k_state)
		die("tolerance factors %g, %g of the oracle are not the rule file's %g, %g: %s",
		    r->o.k_loss, r->o.k_state, kl, ks, comment);
}

// Identity: G = 0 exactly at step 1, B_1 = B_0 bit for bit, and the loss,
// W and b of step 1 equal a KP step with decay 0 (B = W^T: backpropagation).
static void identity_check(gen *g, const fcase *fc, const fres *r, const char *comment)
{
	const netspec *ns = &fc->ns;
	const size_t Wn = Wlen(ns), bn = blen(ns), Bn = Blen(ns);
	for (size_t l = 2; l <= ns->L; l++) {
		const size_t rr = ns->n[l], q = ns->n[l - 1], wo = Woff(ns, l), bo = Boff(ns, l);
		for (size_t i = 0; i < rr; i++)
			for (size_t j = 0; j < q; j++)
				if (!same_bits(fc->B[bo + j * rr + i], fc->W[wo + i * q + j]))
					die("identity case without B_0 = W_0^T: %s", comment);
	}
	cro_net net = as_cro(ns);
	static double G[CAP], Gg[CAP], W1[CAP], W1g[CAP], b1[CAP], b1g[CAP], B1[CAP], B1g[CAP];
	cro_fbl_out o;
	memset(&o, 0, sizeof o);
	o.W = W1; o.W_gauge = W1g; o.b = b1; o.b_gauge = b1g; o.B = B1; o.B_gauge = B1g;
	o.G = G; o.G_gauge = Gg;
	size_t M = is_wm(fc->rule) && ns->L >= 2 ? fc->M[0] : 0;
	cro_status st = cro_fbl_step(&net, fc->rule, fc->N[0], &fc->h, fc->W, Wn, fc->b, bn, fc->B,
	                             Bn, fc->x, fc->N[0] * ns->n[0], fc->t, fc->N[0] * ns->n[ns->L],
	                             M, fc->noise, M * noise_per_row(ns), NULL, NULL, NULL, 0.0, &o);
	if (st != CRO_OK)
		die("identity step refused (%s): %s", cro_status_name(st), comment);
	for (size_t i = 0; i < Bn; i++)
		if (G[i] != 0.0 || !same_bits(r->B[i], fc->B[i]))
			die("identity: G[%zu] = %.17g (not 0) or B_1 != B_0: %s", i, G[i], comment);
	static double kW[CAP], kWg[CAP], kb[CAP], kbg[CAP], kB[CAP], kBg[CAP];
	cro_kp_out ko;
	memset(&ko, 0, sizeof ko);
	ko.W = kW; ko.W_gauge = kWg; ko.b = kb; ko.b_gauge = kbg; ko.B = kB; ko.B_gauge = kBg;
	st = cro_kp_step(&net, fc->N[0], fc->h.eta, 0.0, fc->W, Wn, fc->b, bn, fc->B, Bn, fc->x,
	                 fc->N[0] * ns->n[0], fc->t, fc->N[0] * ns->n[ns->L], NULL, NULL, NULL, 0.0,
	                 &ko);
	if (st != CRO_OK)
		die("identity: KP step refused (%s): %s", cro_status_name(st), comment);
	if (!same_bits(ko.loss, r->loss[0]))
		die("identity: loss %.17g differs from KP's %.17g: %s", r->loss[0], ko.loss, comment);
	for (size_t i = 0; i < Wn; i++)
		if (!same_bits(kW[i], r->W[i]))
			die("identity: W_1[%zu] %.17g differs from KP's %.17g: %s", i, r->W[i], kW[i], comment);
	for (size_t i = 0; i < bn; i++)
		if (!same_bits(kb[i], r->b[i]))
			die("identity: b_1[%zu] differs from KP's: %s", i, comment);
	g->id_checked++;
}

// ---------------------------------------------------------------- tests

static fcase fc_read;
static fres res_read;

// Adds a valid (or, with planned_tie, acceptable) trajectory. Returns 0 when
// the draw is to be replaced: an unplanned relu tie, or a trajectory whose
// values or gauges overflow.
static int fbl_add_valid(gen *g, json_t *grp, const fcase *fc, const char *comment,
                         int identity, int planned_tie, int regime)
{
	json_t *network = json_object_get(grp, "network");
	json_t *input = fbl_input_json(fc);
	char *txt = json_dumps(input, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_error_t err;
	json_t *back = json_loads(txt, 0, &err);
	free(txt);
	if (!back)
		die("reparse: %s", err.text);
	fcase *rc = &fc_read;
	fres *r = &res_read;
	cro_status st = fbl_run_json(g->rule, g->variant, network, back, rc, r);
	json_decref(back);
	if (st == CRO_ERR_GAUGE || st == CRO_ERR_NONFINITE_RESULT) {
		json_decref(input);
		return 0;
	}
	if (st != CRO_OK)
		die("%s: oracle refused a valid case (%s at step %zu): %s", file_rules[g->rule],
		    cro_status_name(st), r->o.failed_step + 1, comment);
	const netspec *ns = &rc->ns;
	cro_net net = as_cro(ns);
	size_t ties = r->o.ties;
	if (ties > 0 && !planned_tie) {
		json_decref(input);
		return 0;
	}
	if (planned_tie && ties == 0)
		die("planned relu tie not present: %s", comment);
	const int wm = is_wm(rc->rule);
	double ldr = cro_ld_fbl_ratio(&net, rc->rule, &rc->h, rc->W, rc->b, rc->B, rc->k, rc->N,
	                              rc->x, rc->t, wm ? rc->M : NULL, rc->noise, &r->o);
	if (ldr < 0.0)
		die("the extended-precision check is unavailable on this platform");
	if (!(ldr <= 0.5))
		die("%s: the double trajectory is %.3g tolerances from the long double one: %s",
		    file_rules[g->rule], ldr, comment);
	if (ldr > g->ld_worst)
		g->ld_worst = ldr;
	check_factors(rc, r, comment);
	if (identity)
		identity_check(g, rc, r, comment);

	json_t *t = json_object();
	json_object_set_new(t, "tcId", json_integer(0));
	json_object_set_new(t, "id", test_id(g, network, input));
	json_object_set_new(t, "comment", json_string(comment));
	json_t *flags = json_array();
	if (identity)
		add_flag(g, flags, "Identity");
	if (ties > 0)
		add_flag(g, flags, "ReluTie");
	size_t rows = 0, bn = blen(ns);
	int sat = 0, w1 = 0, b1 = 0, vary = 0, varyM = 0, unnorm = 0, zc = 0;
	for (size_t s = 0; s < rc->k; s++) {
		rows += rc->N[s];
		b1 |= rc->N[s] == 1;
		vary |= rc->N[s] != rc->N[0];
		varyM |= rc->M[s] != rc->M[0];
	}
	for (size_t s = 0; s < rows; s++) {
		size_t off = 0;
		for (size_t l = 0; l < ns->L; l++) {
			for (size_t i = 0; i < ns->n[l + 1]; i++)
				if ((ns->act[l] == CRO_ACT_TANH || ns->act[l] == CRO_ACT_LOGISTIC) &&
				    fabs(r->a[s * bn + off + i]) >= 15.0)
					sat = 1;
			off += ns->n[l + 1];
		}
	}
	for (size_t l = 0; l <= ns->L; l++)
		w1 |= ns->n[l] == 1;
	if (ns->loss == CRO_LOSS_SOFTMAX_CE) {
		size_t nL = ns->n[ns->L];
		for (size_t s = 0; s < rows; s++) {
			double tau = 0.0;
			for (size_t k = 0; k < nL; k++)
				tau += rc->t[s * nL + k];
			unnorm |= tau != 1.0;
		}
	}
	{
		const char *keys[3];
		size_t nk = hyper_keys(rc->rule, keys);
		cro_fbl_hyper hh = rc->h;
		for (size_t i = 0; i < nk; i++)
			if (strcmp(keys[i], "decay_B") != 0 && *hyper_slot(&hh, keys[i]) == 0.0)
				zc = 1;
	}
	if (sat)
		add_flag(g, flags, "Saturated");
	if (regime == REG_LARGE)
		add_flag(g, flags, "LargeMagnitude");
	if (regime == REG_TINY)
		add_flag(g, flags, "TinyMagnitude");
	if (w1)
		add_flag(g, flags, "Width1");
	if (b1)
		add_flag(g, flags, "Batch1");
	if (unnorm)
		add_flag(g, flags, "UnnormalizedTarget");
	if ((rc->rule == CRO_FBL_WM_LINEAR || rc->rule == CRO_FBL_WM_NONLINEAR) && rc->h.decay_B == 0.0)
		add_flag(g, flags, "ZeroDecay");
	if (zc)
		add_flag(g, flags, "ZeroCoefficient");
	if (vary)
		add_flag(g, flags, "VaryingBatch");
	if (varyM && wm && ns->L >= 2)
		add_flag(g, flags, "VaryingNoise");
	json_object_set_new(t, "flags", flags);
	json_object_set_new(t, "input", input);
	json_object_set_new(t, "result", json_string(ties > 0 ? "acceptable" : "valid"));
	const size_t Wn = Wlen(ns), Bn = Blen(ns);
	json_t *e = json_object(), *ga = json_object(), *tol = json_object();
	json_t *eW = json_array(), *eb = json_array(), *eB = json_array();
	json_t *gW = json_array(), *gb = json_array(), *gB = json_array();
	for (size_t s = 0; s < rc->k; s++) {
		json_array_append_new(eW, W_json(ns, r->W + s * Wn));
		json_array_append_new(eb, b_json(ns, r->b + s * bn));
		json_array_append_new(eB, fb_json(ns, CRO_RULE_FA, r->B + s * Bn));
		json_array_append_new(gW, W_json(ns, r->Wg + s * Wn));
		json_array_append_new(gb, b_json(ns, r->bg + s * bn));
		json_array_append_new(gB, fb_json(ns, CRO_RULE_FA, r->Bg + s * Bn));
	}
	json_object_set_new(e, "loss", vec_json(r->loss, rc->k));
	json_object_set_new(e, "W", eW);
	json_object_set_new(e, "b", eb);
	json_object_set_new(e, "B", eB);
	json_object_set_new(ga, "loss", vec_json(r->lossg, rc->k));
	json_object_set_new(ga, "W", gW);
	json_object_set_new(ga, "b", gb);
	json_object_set_new(ga, "B", gB);
	json_object_set_new(tol, "loss", json_integer((json_int_t)r->o.k_loss));
	json_object_set_new(tol, "W", json_integer((json_int_t)r->o.k_state));
	json_object_set_new(tol, "b", json_integer((json_int_t)r->o.k_state));
	json_object_set_new(tol, "B", json_integer((json_int_t)r->o.k_state));
	json_object_set_new(t, "expected", e);
	json_object_set_new(t, "gauge", ga);
	json_object_set_new(t, "tolerance", tol);
	json_array_append_new(json_object_get(grp, "tests"), t);
	if (ties > 0)
		g->acceptable++;
	else
		g->valid++;
	g->steps += rc->k;
	return 1;
}

// Adds an invalid trajectory after confirming the oracle refuses it.
static void fbl_add_invalid(gen *g, json_t *grp, json_t *input, const char *error,
                            const char *flag, const char *comment)
{
	json_t *network = json_object_get(grp, "network");
	cro_status st = fbl_run_json(g->rule, g->variant, network, input, &fc_read, &res_read);
	if (strcmp(cro_status_name(st), error) != 0)
		die("%s error case \"%s\": oracle says %s, expected %s", file_rules[g->rule], comment,
		    cro_status_name(st), error);
	json_t *t = json_object();
	json_object_set_new(t, "tcId", json_integer(0));
	json_object_set_new(t, "id", test_id(g, network, input));
	json_object_set_new(t, "comment", json_string(comment));
	json_t *flags = json_array();
	add_flag(g, flags, flag);
	json_object_set_new(t, "flags", flags);
	json_object_set_new(t, "input", input);
	json_object_set_new(t, "result", json_string("invalid"));
	json_object_set_new(t, "error", json_string(error));
	json_array_append_new(json_object_get(grp, "tests"), t);
	g->invalid++;
}

// ---------------------------------------------------------------- inputs

// Batch and noise schedules: one sample per step, one size for all steps,
// or sizes drawn per step (not all equal).
enum { SCHED_ONE, SCHED_CONST, SCHED_VARY };
// Hyper-parameter requests: a negative eta or eta_B asks for a drawn one
// (ETA_SMALL in [0.005, 0.03), ETA_MODERATE in [0.1, 0.5)); a negative
// coefficient (DRAW) for one in [0.05, 1.5); other values are used as given.
#define ETA_SMALL (-1.0)
#define ETA_MODERATE (-2.0)
#define DRAW (-1.0)

// A network for trajectories: widths 1 .. 5.
static netspec fbl_net(gen *g, size_t L, int loss)
{
	netspec ns;
	memset(&ns, 0, sizeof ns);
	ns.L = L;
	ns.loss = loss;
	for (size_t l = 0; l <= L; l++)
		ns.n[l] = gsl_rng_uniform(g->r) < 0.15 ? 1 : I(g, 2, 5);
	for (size_t l = 0; l < L; l++)
		set_act(g, &ns, l, (int)I(g, 0, CRO_ACT_COUNT - 1));
	if (loss == CRO_LOSS_SOFTMAX_CE && gsl_rng_uniform(g->r) < 0.6)
		set_act(g, &ns, L - 1, CRO_ACT_IDENTITY);
	if (loss == CRO_LOSS_SOFTMAX_CE && ns.n[L] == 1)
		ns.n[L] = I(g, 2, 5);
	return ns;
}

static void draw_sizes(gen *g, size_t k, size_t *out, int sched, size_t lo, size_t hi)
{
	size_t N = I(g, lo + 1 <= hi ? lo + 1 : lo, hi);
	for (;;) {
		int vary = 0;
		for (size_t s = 0; s < k; s++) {
			out[s] = sched == SCHED_ONE ? 1 : sched == SCHED_CONST ? N : I(g, lo, hi);
			vary |= out[s] != out[0];
		}
		if (sched != SCHED_VARY || vary || k == 1)
			return;
	}
}

static double draw_eta(gen *g, double req)
{
	if (req == ETA_SMALL)
		return U(g, 0.005, 0.03);
	if (req == ETA_MODERATE)
		return U(g, 0.1, 0.5);
	return req;
}

static double draw_coef(gen *g, double req)
{
	return req == DRAW ? U(g, 0.05, 1.5) : req;
}

// Hyper-parameters of a request, drawn in a fixed order (one draw per
// statement: the order of evaluation of arguments is unspecified).
static void draw_hyper(gen *g, int rule, const cro_fbl_hyper *req, cro_fbl_hyper *h)
{
	h->eta = draw_eta(g, req->eta);
	h->eta_B = draw_eta(g, req->eta_B);
	h->decay_B = h->alpha = h->beta = h->gamma = 0.0;
	if (rule == CRO_FBL_WM_LINEAR || rule == CRO_FBL_WM_NONLINEAR) {
		h->decay_B = draw_coef(g, req->decay_B);
		return;
	}
	h->alpha = draw_coef(g, req->alpha);
	h->beta = draw_coef(g, req->beta);
	if (rule == CRO_FBL_IA)
		h->gamma = draw_coef(g, req->gamma);
}

// Initial state, data and noise of one regime.
static void fbl_draw(gen *g, fcase *fc, int regime, int identity)
{
	static inputs tmp;
	const netspec *ns = &fc->ns;
	size_t wo = 0, bo = 0;
	for (size_t l = 1; l <= ns->L; l++) {
		size_t fan = ns->n[l - 1];
		int satl = regime == REG_SAT && (ns->act[l - 1] == CRO_ACT_TANH ||
		                                  ns->act[l - 1] == CRO_ACT_LOGISTIC);
		for (size_t i = 0; i < ns->n[l] * fan; i++)
			fc->W[wo + i] = satl ? pm(g) * U(g, 6.0, 14.0) : U(g, -2.2, 2.2) / sqrt((double)fan);
		for (size_t i = 0; i < ns->n[l]; i++) {
			double v = satl ? U(g, -12.0, 12.0) : U(g, -0.8, 0.8);
			fc->b[bo + i] = regime == REG_TINY && l == 1 ? v * 1e-150 : v;
		}
		wo += ns->n[l] * fan;
		bo += ns->n[l];
	}
	for (size_t l = 2; l <= ns->L; l++) {
		const size_t q = ns->n[l - 1], rr = ns->n[l];
		const double *Wl = fc->W + Woff(ns, l);
		double *Bl = fc->B + Boff(ns, l);
		for (size_t j = 0; j < q; j++)
			for (size_t i = 0; i < rr; i++)
				Bl[j * rr + i] = identity ? Wl[i * q + j] : U(g, -1.6, 1.6) / sqrt((double)rr);
	}
	size_t xo = 0, to = 0, no = 0, n0 = ns->n[0], nL = ns->n[ns->L];
	const size_t per = noise_per_row(ns);
	for (size_t s = 0; s < fc->k; s++) {
		for (size_t i = 0; i < fc->N[s] * n0; i++) {
			double v = U(g, -2.5, 2.5);
			fc->x[xo + i] = regime == REG_LARGE ? v * 1e100 : regime == REG_TINY ? v * 1e-150 : v;
		}
		tmp.N = fc->N[s];
		rand_targets(g, ns, &tmp);
		memcpy(fc->t + to, tmp.t, fc->N[s] * nL * sizeof(double));
		for (size_t i = 0; i < fc->M[s] * per; i++)
			fc->noise[no + i] = U(g, -1.0, 1.0);
		xo += fc->N[s] * n0;
		to += fc->N[s] * nL;
		no += fc->M[s] * per;
	}
}

static const char *const reg_names[] = { "normal", "saturated", "large", "tiny", "zero" };

static void fbl_comment(const fcase *fc, int regime, int identity, const char *extra,
                        char *buf, size_t len)
{
	char nc[160];
	net_comment(&fc->ns, nc, sizeof nc);
	size_t k = (size_t)snprintf(buf, len, "%s, %zu step%s, batches ", nc, fc->k,
	                            fc->k == 1 ? "" : "s");
	for (size_t s = 0; s < fc->k && k < len; s++)
		k += (size_t)snprintf(buf + k, len - k, "%s%zu", s ? "," : "", fc->N[s]);
	if (is_wm(fc->rule) && fc->ns.L >= 2) {
		if (k < len)
			k += (size_t)snprintf(buf + k, len - k, ", noise rows ");
		for (size_t s = 0; s < fc->k && k < len; s++)
			k += (size_t)snprintf(buf + k, len - k, "%s%zu", s ? "," : "", fc->M[s]);
	}
	if (k < len)
		k += (size_t)snprintf(buf + k, len - k, ", eta %.3g, eta_B %.3g", fc->h.eta, fc->h.eta_B);
	if (fc->rule == CRO_FBL_WM_LINEAR || fc->rule == CRO_FBL_WM_NONLINEAR) {
		if (k < len)
			k += (size_t)snprintf(buf + k, len - k, ", decay_B %.3g", fc->h.decay_B);
	} else if (k < len) {
		k += (size_t)snprintf(buf + k, len - k, ", alpha %.3g, beta %.3g", fc->h.alpha,
		                      fc->h.beta);
		if (fc->rule == CRO_FBL_IA && k < len)
			k += (size_t)snprintf(buf + k, len - k, ", gamma %.3g", fc->h.gamma);
	}
	if (k < len)
		snprintf(buf + k, len - k, ", %s%s%s%s", reg_names[regime],
		         identity ? ", identity feedback B_0 = W_0^T" : "", extra ? ", " : "",
		         extra ? extra : "");
}

// The rule of the file (and of the group's variant).
static int cur_rule(const gen *g)
{
	return file_rule(g->rule, g->variant);
}

// One random valid trajectory of k steps; draws again on an unplanned tie or
// an overflow. req: hyper-parameter requests (see ETA_SMALL, DRAW).
static void fbl_valid(gen *g, json_t *grp, const netspec *ns, size_t k, int sched, int msched,
                      const cro_fbl_hyper *req, int regime, int identity, const char *extra)
{
	static fcase fc;
	char comment[640];
	const int rule = cur_rule(g);
	if (regime == REG_SAT) {
		int any = 0;
		for (size_t l = 0; l < ns->L; l++)
			any |= ns->act[l] == CRO_ACT_TANH || ns->act[l] == CRO_ACT_LOGISTIC;
		if (!any)
			regime = REG_NORMAL;
	}
	if (identity && ns->L < 2)
		die("identity trajectory at depth 1");
	for (int attempt = 0; attempt < 50; attempt++) {
		memset(&fc, 0, sizeof fc);
		fc.ns = *ns;
		fc.rule = rule;
		fc.k = k;
		draw_sizes(g, k, fc.N, sched, 1, 5);
		if (is_wm(rule) && ns->L >= 2)
			draw_sizes(g, k, fc.M, msched, 1, k > 2 ? 4 : 7);
		draw_hyper(g, rule, req, &fc.h);
		// Inputs near 1e100 make dW (and, for AA and IA, the layer inputs'
		// second moments) near 1e200: a later step needs the rates near
		// 1e-201 to keep the updates of the order of the state.
		if (regime == REG_LARGE && k > 1) {
			fc.h.eta = U(g, 1.0, 4.0) * 1e-201;
			if (rule == CRO_FBL_AA || rule == CRO_FBL_IA)
				fc.h.eta_B = U(g, 1.0, 4.0) * 1e-201;
		}
		if (identity) {
			// The coefficients that make the feedback's update vanish at B = W^T.
			if (rule == CRO_FBL_WM_LINEAR)
				fc.h.decay_B = 1.0;
			else
				fc.h.alpha = fc.h.beta * 0.5;
		}
		fbl_draw(g, &fc, regime, identity);
		fbl_comment(&fc, regime, identity, extra, comment, sizeof comment);
		if (fbl_add_valid(g, grp, &fc, comment, identity, 0, regime))
			return;
	}
	die("no acceptable draw after 50 attempts: %s", comment);
}

static cro_fbl_hyper hreq(double eta, double eta_B, double c1, double c2, double c3)
{
	// c1: decay_B (WM linear, nonlinear) or alpha; c2: beta; c3: gamma.
	cro_fbl_hyper h;
	h.eta = eta;
	h.eta_B = eta_B;
	h.decay_B = c1;
	h.alpha = c1;
	h.beta = c2;
	h.gamma = c3;
	return h;
}

// ---------------------------------------------------------------- case plan

// Next WM variant, cycling; NULL for the other files.
static const char *next_variant(gen *g)
{
	static size_t k = 0;
	if (g->rule != R_WM)
		return NULL;
	return variant_names[k++ % 3];
}

// Depths 1 .. 4, both losses, every activation (one forced per group, the
// others random), the WM variants in turn: one step with one sample, two
// steps with different batches (and noise sizes), ten steps with one size
// and with different ones, a coefficient 0, identity feedback (SA, AA) or
// two more steps, one magnitude regime, three steps of one sample each,
// eta and eta_B small and moderate.
static void fbl_coverage_groups(gen *g)
{
	size_t gi = 0;
	for (size_t L = 1; L <= 4; L++)
		for (int loss = 0; loss < CRO_LOSS_COUNT; loss++)
			for (int v = 0; v < 3; v++, gi++) {
				netspec ns = fbl_net(g, L, loss);
				int act = (int)(gi % CRO_ACT_COUNT);
				size_t pos = I(g, 0, L - 1);
				set_act(g, &ns, pos, act);
				g->variant = next_variant(g);
				const int rule = cur_rule(g);
				json_t *grp = new_group(g, net_json(&ns));
				char extra[80];
				snprintf(extra, sizeof extra, "%s at layer %zu", cro_act_name(act), pos + 1);
				int id = L >= 2 && (rule == CRO_FBL_SA || rule == CRO_FBL_AA);
				int reg = v == 0 ? REG_SAT : v == 1 ? REG_TINY : REG_LARGE;
				// A zero coefficient, cycling over the rule's coefficients
				// (decay_B for the linear and nonlinear mirrors).
				double z1 = DRAW, z2 = DRAW, z3 = DRAW;
				if (rule == CRO_FBL_IA)
					z1 = gi % 3 == 0 ? 0.0 : DRAW, z2 = gi % 3 == 1 ? 0.0 : DRAW,
					z3 = gi % 3 == 2 ? 0.0 : DRAW;
				else if (rule == CRO_FBL_WM_LINEAR || rule == CRO_FBL_WM_NONLINEAR)
					z1 = 0.0;
				else
					z1 = gi % 2 ? 0.0 : DRAW, z2 = gi % 2 ? DRAW : 0.0;
				cro_fbl_hyper r1 = hreq(ETA_SMALL, ETA_SMALL, DRAW, DRAW, DRAW);
				cro_fbl_hyper r2 = hreq(ETA_MODERATE, ETA_MODERATE, DRAW, DRAW, DRAW);
				cro_fbl_hyper r3 = hreq(ETA_SMALL, ETA_MODERATE, DRAW, DRAW, DRAW);
				cro_fbl_hyper rz = hreq(ETA_MODERATE, ETA_SMALL, z1, z2, z3);
				fbl_valid(g, grp, &ns, 1, SCHED_ONE, SCHED_ONE, &r1, REG_NORMAL, 0, extra);
				fbl_valid(g, grp, &ns, 2, SCHED_VARY, SCHED_VARY, &r2, REG_NORMAL, 0, extra);
				fbl_valid(g, grp, &ns, 10, SCHED_CONST, SCHED_CONST, &r1, REG_NORMAL, 0, extra);
				fbl_valid(g, grp, &ns, 10, SCHED_VARY, SCHED_VARY, &rz, REG_NORMAL, 0, extra);
				if (id)
					fbl_valid(g, grp, &ns, gi % 2 ? 1 : 2, SCHED_CONST, SCHED_CONST, &r3,
					          REG_NORMAL, 1, extra);
				else
					fbl_valid(g, grp, &ns, 2, SCHED_VARY, SCHED_CONST, &r3, REG_NORMAL, 0, extra);
				fbl_valid(g, grp, &ns, reg == REG_LARGE && gi % 2 ? 1 : 2, SCHED_CONST,
				          SCHED_VARY, gi % 2 ? &r2 : &r1, reg, 0, extra);
				fbl_valid(g, grp, &ns, 3, SCHED_ONE, SCHED_VARY, &r3, REG_NORMAL, 0, extra);
			}
	g->variant = NULL;
}

// Every width 1, depths 1 .. 4.
static void fbl_width1_groups(gen *g)
{
	for (size_t L = 1; L <= 4; L++) {
		netspec ns = fbl_net(g, L, L % 2 ? CRO_LOSS_SOFTMAX_CE : CRO_LOSS_MSE);
		for (size_t l = 0; l <= L; l++)
			ns.n[l] = 1;
		g->variant = next_variant(g);
		json_t *grp = new_group(g, net_json(&ns));
		const char *w = "all widths 1";
		cro_fbl_hyper r1 = hreq(ETA_SMALL, ETA_SMALL, DRAW, DRAW, DRAW);
		cro_fbl_hyper r2 = hreq(ETA_MODERATE, ETA_MODERATE, DRAW, DRAW, DRAW);
		fbl_valid(g, grp, &ns, 1, SCHED_ONE, SCHED_ONE, &r1, REG_NORMAL, 0, w);
		fbl_valid(g, grp, &ns, 10, SCHED_VARY, SCHED_VARY, &r2, REG_NORMAL, 0, w);
		fbl_valid(g, grp, &ns, 2, SCHED_CONST, SCHED_CONST, &r1, REG_NORMAL, 0, w);
	}
	g->variant = NULL;
}

// The rule's hyper-parameters at their edges, on one network per rule (per
// variant for WM): every coefficient 0 (the feedback does not move: an FA
// trajectory), a rate eta_B above 1 with a small eta, a tiny eta_B, a rounded
// product, decay_B -0.0 (>= 0, valid).
static void fbl_hyper_groups(gen *g)
{
	netspec ns;
	memset(&ns, 0, sizeof ns);
	ns.L = 3;
	ns.n[0] = 4; ns.n[1] = 5; ns.n[2] = 3; ns.n[3] = 2;
	ns.loss = CRO_LOSS_MSE;
	set_act(g, &ns, 0, CRO_ACT_TANH);
	set_act(g, &ns, 1, CRO_ACT_LEAKY_RELU);
	set_act(g, &ns, 2, CRO_ACT_IDENTITY);
	const int nv = g->rule == R_WM ? 3 : 1;
	for (int v = 0; v < nv; v++) {
		g->variant = g->rule == R_WM ? variant_names[v] : NULL;
		const int rule = cur_rule(g);
		json_t *grp = new_group(g, net_json(&ns));
		cro_fbl_hyper h;
		if (rule == CRO_FBL_WM_LINEAR || rule == CRO_FBL_WM_NONLINEAR) {
			h = hreq(ETA_SMALL, ETA_SMALL, -0.0, 0.0, 0.0);
			fbl_valid(g, grp, &ns, 2, SCHED_CONST, SCHED_CONST, &h, REG_NORMAL, 0,
			          "decay_B is -0.0, which is >= 0 (WM-IN-2): valid");
			h = hreq(ETA_SMALL, 0.5, 2.0, 0.0, 0.0);
			fbl_valid(g, grp, &ns, 10, SCHED_VARY, SCHED_VARY, &h, REG_NORMAL, 0,
			          "eta_B decay_B = 1: the decay term cancels B exactly in exact arithmetic");
		} else {
			h = hreq(ETA_MODERATE, ETA_MODERATE, 0.0, 0.0, 0.0);
			fbl_valid(g, grp, &ns, 2, SCHED_VARY, SCHED_VARY, &h, REG_NORMAL, 0,
			          "every coefficient 0: the feedback's update is exactly 0 and B stays "
			          "B_0 (an FA trajectory)");
			h = hreq(ETA_SMALL, 0.1, 0.3, 0.7, 0.45);
			fbl_valid(g, grp, &ns, 10, SCHED_CONST, SCHED_CONST, &h, REG_NORMAL, 0,
			          "coefficients with rounded products (0.1 * 0.3 is not 0.03)");
		}
		h = hreq(ETA_SMALL, ETA_SMALL, DRAW, DRAW, DRAW);
		h.eta_B = U(g, 1.0, 2.0);
		h.eta = U(g, 1.0, 4.0) * 1e-3;
		fbl_valid(g, grp, &ns, 2, SCHED_CONST, SCHED_VARY, &h, REG_NORMAL, 0,
		          "eta_B above 1, small eta");
		h = hreq(ETA_MODERATE, ETA_SMALL, DRAW, DRAW, DRAW);
		h.eta_B = U(g, 1.0, 4.0) * 1e-9;
		fbl_valid(g, grp, &ns, 10, SCHED_VARY, SCHED_CONST, &h, REG_NORMAL, 0,
		          "tiny eta_B: B changes in its last bits only");
	}
	g->variant = NULL;
}

// Planned relu ties (NOT-TOL-4, NOT-STEP-6) at step 1: a = 0 exactly with
// G(a) > 0, from dyadic weights and inputs, in layer 1 (whose output is the
// layer input of layer 2 for the Kunin rules).
static void fbl_tie_groups(gen *g)
{
	static fcase fc;
	for (int v = 0; v < 2; v++) {
		netspec ns;
		memset(&ns, 0, sizeof ns);
		ns.L = 2;
		ns.n[0] = 3; ns.n[1] = 5; ns.n[2] = 2;
		ns.loss = CRO_LOSS_MSE;
		set_act(g, &ns, 0, v ? CRO_ACT_LEAKY_RELU : CRO_ACT_RELU);
		set_act(g, &ns, 1, CRO_ACT_TANH);
		g->variant = g->rule == R_WM ? variant_names[v] : NULL;
		json_t *grp = new_group(g, net_json(&ns));
		int done = 0;
		for (int attempt = 0; attempt < 50 && !done; attempt++) {
			memset(&fc, 0, sizeof fc);
			fc.ns = ns;
			fc.rule = cur_rule(g);
			fc.k = 2;
			fc.N[0] = v ? 3 : 1;
			fc.N[1] = 2;
			if (is_wm(fc.rule))
				fc.M[0] = 2, fc.M[1] = 3;
			cro_fbl_hyper req = hreq(ETA_SMALL, ETA_SMALL, DRAW, DRAW, DRAW);
			draw_hyper(g, fc.rule, &req, &fc.h);
			fbl_draw(g, &fc, REG_NORMAL, 0);
			for (size_t i = 0; i < Wlen(&ns); i++)
				fc.W[i] = dyadic(g);
			for (size_t i = 0; i < fc.N[0] * 3; i++)
				fc.x[i] = dyadic(g);
			// Unit 2 of layer 1, sample 1 of step 1: every product and
			// partial sum of these dyadic numbers is exact, so a = 0.
			double s = 0.0;
			for (size_t j = 0; j < 3; j++)
				s += fc.W[2 * 3 + j] * fc.x[j];
			fc.b[2] = -s;
			char comment[640];
			fbl_comment(&fc, REG_NORMAL, 0, "layer-1 unit 2 of sample 1 of step 1 has a = 0 "
			            "exactly with G(a) > 0 (tie)", comment, sizeof comment);
			done = fbl_add_valid(g, grp, &fc, comment, 0, 1, REG_NORMAL);
		}
		if (!done)
			die("%s tie case could not be drawn", file_rules[g->rule]);
	}
	g->variant = NULL;
}

// softmax_ce targets whose rows do not sum to 1 (NOT-LOSS-2), in trajectories.
static void fbl_target_groups(gen *g)
{
	for (size_t L = 2; L <= 3; L++) {
		netspec ns = fbl_net(g, L, CRO_LOSS_SOFTMAX_CE);
		g->variant = next_variant(g);
		json_t *grp = new_group(g, net_json(&ns));
		cro_fbl_hyper r1 = hreq(ETA_SMALL, ETA_SMALL, DRAW, DRAW, DRAW);
		cro_fbl_hyper r2 = hreq(ETA_MODERATE, ETA_MODERATE, DRAW, DRAW, DRAW);
		g->tmode = TGT_UNNORM;
		fbl_valid(g, grp, &ns, 2, SCHED_VARY, SCHED_VARY, &r2, REG_NORMAL, 0,
		          "target rows sum to 0.5, 2 or 0.75 (tau != 1)");
		require_flag(grp, "UnnormalizedTarget", "unnormalized targets");
		g->tmode = TGT_NEGATIVE;
		fbl_valid(g, grp, &ns, 10, SCHED_CONST, SCHED_CONST, &r1, REG_NORMAL, 0,
		          "each step's last target row has a negative entry (tau != 1)");
		require_flag(grp, "UnnormalizedTarget", "negative targets");
		g->tmode = TGT_PROB;
	}
	g->variant = NULL;
}

// WM-ID: identity feedback with noise rows c e_m, c^2 = M, one row per
// input unit of every layer l >= 2 (so E = I exactly and the mirror update
// vanishes at B = W^T), for the linear and kunin variants.
static void wm_identity_groups(gen *g)
{
	static fcase fc;
	static const struct { size_t L, n[4]; double c; } nets[] = {
		{ 2, { 3, 4, 2, 0 }, 2.0 },
		{ 3, { 2, 4, 4, 3 }, 2.0 },
		{ 2, { 1, 1, 1, 0 }, 1.0 },
	};
	for (size_t ni = 0; ni < sizeof nets / sizeof nets[0]; ni++)
		for (int v = 0; v < 3; v += 2) {
			netspec ns;
			memset(&ns, 0, sizeof ns);
			ns.L = nets[ni].L;
			for (size_t l = 0; l <= ns.L; l++)
				ns.n[l] = nets[ni].n[l];
			ns.loss = ni == 1 ? CRO_LOSS_SOFTMAX_CE : CRO_LOSS_MSE;
			for (size_t l = 0; l < ns.L; l++)
				set_act(g, &ns, l, l + 1 == ns.L ? CRO_ACT_IDENTITY : (int)I(g, 1, 2));
			g->variant = variant_names[v];
			json_t *grp = new_group(g, net_json(&ns));
			for (size_t k = 1; k <= 2; k++) {
				int done = 0;
				char comment[640];
				for (int attempt = 0; attempt < 50 && !done; attempt++) {
					memset(&fc, 0, sizeof fc);
					fc.ns = ns;
					fc.rule = cur_rule(g);
					fc.k = k;
					const size_t M = ns.n[1];
					for (size_t s = 0; s < k; s++) {
						fc.N[s] = k == 1 ? 1 : I(g, 2, 4);
						fc.M[s] = M;
					}
					cro_fbl_hyper req = hreq(ETA_SMALL, ETA_MODERATE, DRAW, DRAW, DRAW);
					draw_hyper(g, fc.rule, &req, &fc.h);
					if (fc.rule == CRO_FBL_WM_LINEAR)
						fc.h.decay_B = 1.0;
					else
						fc.h.alpha = fc.h.beta * 0.5;
					fbl_draw(g, &fc, REG_NORMAL, 1);
					// Noise rows c e_m for every layer and step.
					size_t o = 0;
					for (size_t s = 0; s < k; s++)
						for (size_t l = 2; l <= ns.L; l++)
							for (size_t m = 0; m < M; m++)
								for (size_t j = 0; j < ns.n[l - 1]; j++)
									fc.noise[o++] = m == j ? nets[ni].c : 0.0;
					fbl_comment(&fc, REG_NORMAL, 1, "noise rows c e_m with c^2 = M: "
					            "(1/M) sum xi xi^T = I exactly", comment, sizeof comment);
					done = fbl_add_valid(g, grp, &fc, comment, 1, 0, REG_NORMAL);
				}
				if (!done)
					die("wm identity case could not be drawn: %s", comment);
			}
		}
	g->variant = NULL;
}

// Many noise rows on a small network: M_s large enough that the mirror's
// rounding chain is the step's longest, so r_s > 2 (wm.md WM-TOL-1).
static void wm_many_noise_groups(gen *g)
{
	static fcase fc;
	netspec ns;
	memset(&ns, 0, sizeof ns);
	ns.L = 2;
	ns.n[0] = 2; ns.n[1] = 3; ns.n[2] = 2;
	ns.loss = CRO_LOSS_MSE;
	set_act(g, &ns, 0, CRO_ACT_TANH);
	set_act(g, &ns, 1, CRO_ACT_IDENTITY);
	static const size_t Ms[3][2] = { { 48, 48 }, { 40, 64 }, { 57, 0 } };
	for (int v = 0; v < 3; v++) {
		g->variant = variant_names[v];
		json_t *grp = new_group(g, net_json(&ns));
		for (size_t k = 1; k <= 2; k++) {
			int done = 0;
			char comment[640];
			for (int attempt = 0; attempt < 50 && !done; attempt++) {
				memset(&fc, 0, sizeof fc);
				fc.ns = ns;
				fc.rule = cur_rule(g);
				fc.k = k;
				for (size_t s = 0; s < k; s++) {
					fc.N[s] = I(g, 1, 4);
					fc.M[s] = k == 1 ? Ms[2][0] : Ms[v % 2][s];
				}
				cro_fbl_hyper req = hreq(ETA_SMALL, ETA_SMALL, DRAW, DRAW, DRAW);
				draw_hyper(g, fc.rule, &req, &fc.h);
				fbl_draw(g, &fc, REG_NORMAL, 0);
				fbl_comment(&fc, REG_NORMAL, 0, "many noise rows: r_s > 2 (WM-TOL-1)",
				            comment, sizeof comment);
				done = fbl_add_valid(g, grp, &fc, comment, 0, 0, REG_NORMAL);
			}
			if (!done)
				die("wm many-noise case could not be drawn: %s", comment);
			if (rule_r(&ns, fc.rule, fc.N[0], fc.M[0]) <= 2.0)
				die("wm many-noise case with r_s = 2: %s", comment);
		}
	}
	g->variant = NULL;
}

// ---------------------------------------------------------------- errors

static void hyper_errors(gen *g, json_t *grp, json_t *base, int rule)
{
	static const struct { const char *key; double v; const char *s; const char *why; } hp[] = {
		{ "eta", 0.0, NULL, "eta is 0" },
		{ "eta", -0.0, NULL, "eta is -0.0 (not > 0)" },
		{ "eta", -0.0375, NULL, "eta is negative" },
		{ "eta", 0.0, "NaN", "eta is NaN" },
		{ "eta", 0.0, "Infinity", "eta is +Infinity" },
		{ "eta", 0.0, "-Infinity", "eta is -Infinity" },
		{ "eta_B", 0.0, NULL, "eta_B is 0" },
		{ "eta_B", -0.0, NULL, "eta_B is -0.0 (not > 0)" },
		{ "eta_B", -0.25, NULL, "eta_B is negative" },
		{ "eta_B", 0.0, "NaN", "eta_B is NaN" },
		{ "eta_B", 0.0, "Infinity", "eta_B is +Infinity" },
	};
	for (size_t i = 0; i < sizeof hp / sizeof hp[0]; i++) {
		json_t *c = json_deep_copy(base);
		json_object_set_new(c, hp[i].key, hp[i].s ? json_string(hp[i].s) : jnum(hp[i].v));
		fbl_add_invalid(g, grp, c, "invalid_parameter", "InvalidParameter", hp[i].why);
	}
	const char *keys[3];
	size_t nk = hyper_keys(rule, keys);
	for (size_t i = 0; i < nk; i++) {
		static const struct { double v; const char *s; const char *why; } cp[] = {
			{ -0.125, NULL, "is negative" },
			{ 0.0, "NaN", "is NaN" },
			{ 0.0, "Infinity", "is +Infinity" },
			{ 0.0, "-Infinity", "is -Infinity" },
		};
		for (size_t j = 0; j < sizeof cp / sizeof cp[0]; j++) {
			// Every form for the first coefficient; a negative and a NaN
			// for the others.
			if (i > 0 && j >= 2)
				continue;
			char why[64];
			snprintf(why, sizeof why, "%s %s", keys[i], cp[j].why);
			json_t *c = json_deep_copy(base);
			json_object_set_new(c, keys[i], cp[j].s ? json_string(cp[j].s) : jnum(cp[j].v));
			fbl_add_invalid(g, grp, c, "invalid_parameter", "InvalidParameter", why);
		}
	}
}

// Sets noise[s][layer][i][j] (k < 0: replaces noise[s][layer] by v).
static void poke_noise(json_t *input, size_t s, size_t layer, size_t i, size_t j, json_t *v)
{
	json_t *m = json_array_get(json_array_get(json_object_get(input, "noise"), s), layer);
	json_array_set_new(json_array_get(m, i), j, v);
}

static void fbl_error_groups(gen *g)
{
	static fcase fc;
	netspec ns;
	memset(&ns, 0, sizeof ns);
	ns.L = 3;
	ns.n[0] = 3; ns.n[1] = 4; ns.n[2] = 3; ns.n[3] = 2;
	ns.loss = CRO_LOSS_MSE;
	set_act(g, &ns, 0, CRO_ACT_TANH);
	set_act(g, &ns, 1, CRO_ACT_LOGISTIC);
	set_act(g, &ns, 2, CRO_ACT_IDENTITY);
	const int wm = g->rule == R_WM;
	g->variant = wm ? "linear" : NULL;
	json_t *grp = new_group(g, net_json(&ns));
	memset(&fc, 0, sizeof fc);
	fc.ns = ns;
	fc.rule = cur_rule(g);
	fc.k = 2;
	fc.N[0] = 3; fc.N[1] = 2;
	if (wm)
		fc.M[0] = 3, fc.M[1] = 2;
	cro_fbl_hyper req = hreq(ETA_SMALL, ETA_SMALL, DRAW, DRAW, DRAW);
	draw_hyper(g, fc.rule, &req, &fc.h);
	fbl_draw(g, &fc, REG_NORMAL, 0);
	json_t *base = fbl_input_json(&fc), *c;
	hyper_errors(g, grp, base, fc.rule);

	// Steps (NOT-STEP-2).
	c = json_deep_copy(base);
	json_array_remove(json_object_get(c, "t"), 1);
	fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "x has 2 steps, t has 1");
	c = json_deep_copy(base);
	json_array_append(json_object_get(c, "t"), json_array_get(json_object_get(c, "t"), 1));
	fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
	                "x has 2 steps, t has 3 (its last repeated)");
	c = json_deep_copy(base);
	json_object_set_new(c, "x", json_array());
	json_object_set_new(c, "t", json_array());
	if (wm)
		json_object_set_new(c, "noise", json_array());
	fbl_add_invalid(g, grp, c, "zero_size", "ZeroSize",
	                wm ? "no step: x = [], t = [], noise = []" : "no step: x = [] and t = []");
	c = json_deep_copy(base);
	json_array_set_new(json_object_get(c, "x"), 1, json_array());
	json_array_set_new(json_object_get(c, "t"), 1, json_array());
	fbl_add_invalid(g, grp, c, "zero_size", "ZeroSize", "step 2 has an empty batch: x[1] = [], t[1] = []");
	c = json_deep_copy(base);
	json_array_remove(json_array_get(json_object_get(c, "t"), 1), 1);
	fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "step 2: x has 2 samples, t has 1");
	c = json_deep_copy(base);
	json_array_remove(json_array_get(json_array_get(json_object_get(c, "x"), 1), 0), 2);
	fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
	                "step 2: row 1 of x has 2 entries, not n_0 = 3");
	// The state's shapes (FA-ERR-1).
	c = json_deep_copy(base);
	json_array_append_new(json_array_get(json_object_get(c, "W"), 0), vec_json(fc.W, 3));
	fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "W_1 has 5 rows, not n_1 = 4");
	c = json_deep_copy(base);
	{
		// B_2 in W_2's orientation, 3 x 4 instead of 4 x 3 (NOT-FB-1).
		double tr[12];
		for (size_t j = 0; j < 4; j++)
			for (size_t i = 0; i < 3; i++)
				tr[i * 4 + j] = fc.B[j * 3 + i];
		json_array_set_new(json_object_get(c, "B"), 0, mat_json(tr, 3, 4));
	}
	fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
	                "B_2 given in W_2's orientation: 3 x 4 instead of n_1 x n_2 = 4 x 3");
	c = json_deep_copy(base);
	json_array_remove(json_object_get(c, "B"), 1);
	fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "B holds 1 matrix at depth 3");
	c = json_deep_copy(base);
	json_array_append_new(json_array_get(json_object_get(c, "b"), 1), jnum(-0.6180339887));
	fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "b_2 has 4 entries, not n_2 = 3");
	// Non-finite inputs (NOT-NET-5), at step 2 too.
	c = json_deep_copy(base);
	poke_str(c, "x", 1, 0, 1, "NaN");
	fbl_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput",
	                "x of step 2: x[1][0][1] is NaN (step 1 is valid)");
	c = json_deep_copy(base);
	poke_str(c, "t", 0, 2, 0, "-Infinity");
	fbl_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "t of step 1: t[0][2][0] is -Infinity");
	c = json_deep_copy(base);
	poke_str(c, "B", 1, 2, 1, "Infinity");
	fbl_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "B_3[2][1] is +Infinity");
	c = json_deep_copy(base);
	poke_str(c, "W", 1, 1, 2, "NaN");
	fbl_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "W_2[1][2] is NaN");
	if (wm) {
		// WM-IN-1, WM-ERR-1: the noise.
		c = json_deep_copy(base);
		json_array_remove(json_object_get(c, "noise"), 1);
		fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
		                "x and t have 2 steps, noise has 1 (the noise of step 2 missing)");
		c = json_deep_copy(base);
		json_array_append(json_object_get(c, "noise"), json_array_get(json_object_get(c, "noise"), 0));
		fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
		                "x and t have 2 steps, noise has 3");
		c = json_deep_copy(base);
		{
			json_t *m = json_array_get(json_array_get(json_object_get(c, "noise"), 0), 0);
			for (size_t i = 0; i < json_array_size(m); i++)
				json_array_append_new(json_array_get(m, i), jnum(0.3125));
		}
		fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
		                "step 1: the noise of layer 2 has 5 columns, not n_1 = 4");
		c = json_deep_copy(base);
		{
			json_t *m = json_array_get(json_array_get(json_object_get(c, "noise"), 1), 1);
			for (size_t i = 0; i < json_array_size(m); i++)
				json_array_remove(json_array_get(m, i), 2);
		}
		fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
		                "step 2: the noise of layer 3 has 2 columns, not n_2 = 3");
		c = json_deep_copy(base);
		json_array_remove(json_array_get(json_array_get(json_object_get(c, "noise"), 0), 1), 0);
		fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
		                "step 1: layer 2 has 3 noise rows, layer 3 has 2 (different M_s)");
		c = json_deep_copy(base);
		json_array_remove(json_array_get(json_object_get(c, "noise"), 1), 1);
		fbl_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
		                "step 2: the noise holds 1 matrix, not L - 1 = 2");
		c = json_deep_copy(base);
		{
			json_t *st = json_array_get(json_object_get(c, "noise"), 1);
			json_array_set_new(st, 0, json_array());
			json_array_set_new(st, 1, json_array());
		}
		fbl_add_invalid(g, grp, c, "zero_size", "ZeroSize",
		                "step 2 has no noise row: M_2 = 0 (noise[1] = [[], []])");
		c = json_deep_copy(base);
		poke_noise(c, 1, 1, 1, 2, json_string("NaN"));
		fbl_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput",
		                "noise of step 2, layer 3: noise[1][1][1][2] is NaN");
		c = json_deep_copy(base);
		poke_noise(c, 0, 0, 2, 0, json_string("-Infinity"));
		fbl_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput",
		                "noise of step 1, layer 2: noise[0][0][2][0] is -Infinity");
		// The other variants' own hyper-parameters.
		for (int v = 1; v < 3; v++) {
			g->variant = variant_names[v];
			json_t *vg = new_group(g, net_json(&ns));
			static fcase fv;
			fv = fc;
			fv.rule = cur_rule(g);
			draw_hyper(g, fv.rule, &req, &fv.h);
			json_t *vb = fbl_input_json(&fv);
			const char *keys[3];
			size_t nk = hyper_keys(fv.rule, keys);
			for (size_t i = 0; i < nk; i++) {
				char why[64];
				snprintf(why, sizeof why, "%s is negative", keys[i]);
				c = json_deep_copy(vb);
				json_object_set_new(c, keys[i], jnum(-1.5));
				fbl_add_invalid(g, vg, c, "invalid_parameter", "InvalidParameter", why);
				snprintf(why, sizeof why, "%s is NaN", keys[i]);
				c = json_deep_copy(vb);
				json_object_set_new(c, keys[i], json_string("NaN"));
				fbl_add_invalid(g, vg, c, "invalid_parameter", "InvalidParameter", why);
			}
			c = json_deep_copy(vb);
			json_object_set_new(c, "eta_B", jnum(0.0));
			fbl_add_invalid(g, vg, c, "invalid_parameter", "InvalidParameter", "eta_B is 0");
			json_decref(vb);
		}
		// WM-ERR-1: an unknown variant (the inputs of the linear variant).
		g->variant = "quadratic";
		json_t *ug = new_group(g, net_json(&ns));
		fbl_add_invalid(g, ug, json_deep_copy(base), "invalid_parameter", "InvalidParameter",
		                "unknown variant \"quadratic\" (WM-IN-3)");
		g->variant = "linear";
	}
	json_decref(base);

	// A zero width, arrays shaped accordingly.
	{
		netspec z = ns;
		z.n[1] = 0;
		grp = new_group(g, net_json(&z));
		json_t *in0 = json_object(), *W = json_array(), *b = json_array(), *W2 = json_array();
		json_t *B = json_array();
		json_array_append_new(W, json_array());  // W_1: 0 x 3
		for (size_t i = 0; i < 3; i++)           // W_2: 3 x 0
			json_array_append_new(W2, json_array());
		json_array_append_new(W, W2);
		json_array_append_new(W, mat_json(fc.W + Woff(&ns, 3), 2, 3));
		json_array_append_new(b, json_array());
		json_array_append_new(b, vec_json(fc.b + 4, 3));
		json_array_append_new(b, vec_json(fc.b + 7, 2));
		json_array_append_new(B, json_array()); // B_2: 0 x 3
		json_array_append_new(B, mat_json(fc.B + Boff(&ns, 3), 3, 2));
		json_object_set_new(in0, "W", W);
		json_object_set_new(in0, "b", b);
		json_object_set_new(in0, "B", B);
		json_object_set_new(in0, "eta", jnum(fc.h.eta));
		json_object_set_new(in0, "eta_B", jnum(fc.h.eta_B));
		const char *keys[3];
		size_t nk = hyper_keys(fc.rule, keys);
		for (size_t i = 0; i < nk; i++)
			json_object_set_new(in0, keys[i], jnum(*hyper_slot(&fc.h, keys[i])));
		json_object_set_new(in0, "x", steps_json(&fc, fc.x, 3));
		json_object_set_new(in0, "t", steps_json(&fc, fc.t, 2));
		if (wm) {
			// The noise of layer 2 has n_1 = 0 columns: M_s empty rows.
			json_t *nz = json_array();
			for (size_t s = 0; s < 2; s++) {
				json_t *st = json_array(), *m = json_array();
				for (size_t i = 0; i < fc.M[s]; i++)
					json_array_append_new(m, json_array());
				json_array_append_new(st, m);
				json_array_append_new(st, mat_json(fc.noise, fc.M[s], 3));
				json_array_append_new(nz, st);
			}
			json_object_set_new(in0, "noise", nz);
		}
		fbl_add_invalid(g, grp, in0, "zero_size", "ZeroSize", "n_1 = 0, arrays shaped accordingly");
	}
	// Unknown activation and loss; a non-finite slope.
	{
		json_t *nj = net_json(&ns);
		json_object_set_new(json_array_get(json_object_get(nj, "activations"), 0),
		                    "name", json_string("softsign"));
		grp = new_group(g, nj);
		fbl_add_invalid(g, grp, fbl_input_json(&fc), "unknown_activation", "UnknownActivation",
		                "layer 1 activation \"softsign\"");
		nj = net_json(&ns);
		json_object_set_new(nj, "loss", json_string("hinge"));
		grp = new_group(g, nj);
		fbl_add_invalid(g, grp, fbl_input_json(&fc), "unknown_loss", "UnknownLoss", "loss \"hinge\"");
		netspec lk = ns;
		set_act(g, &lk, 0, CRO_ACT_LEAKY_RELU);
		nj = net_json(&lk);
		json_object_set_new(json_array_get(json_object_get(nj, "activations"), 0),
		                    "slope", json_string("NaN"));
		grp = new_group(g, nj);
		fbl_add_invalid(g, grp, fbl_input_json(&fc), "invalid_parameter", "InvalidParameter",
		                "leaky_relu slope NaN (NOT-ACT-6)");
	}
	// Finite inputs that overflow: at step 1, at step 2, in the update of W,
	// and in the feedback's update.
	{
		static fcase o;
		netspec o1;
		memset(&o1, 0, sizeof o1);
		o1.L = 1; o1.n[0] = 1; o1.n[1] = 1; o1.loss = CRO_LOSS_MSE;
		set_act(g, &o1, 0, CRO_ACT_IDENTITY);
		grp = new_group(g, net_json(&o1));
		memset(&o, 0, sizeof o);
		o.ns = o1;
		o.rule = fc.rule;
		o.h = fc.h;
		o.h.eta = 0.01;
		o.k = 2; o.N[0] = 1; o.N[1] = 1;
		o.W[0] = 1.3e300; o.b[0] = 0.25;
		o.x[0] = -2.7e300; o.x[1] = 0.5;
		o.t[0] = 0.8125; o.t[1] = -0.375;
		fbl_add_invalid(g, grp, fbl_input_json(&o), "non_finite_result", "NonFiniteResult",
		                "depth 1: step 1: a_1 = 1.3e300 * -2.7e300 overflows");
		o.W[0] = 0.75; o.x[0] = 1.3e100; o.x[1] = 1.1e100; o.t[0] = 0.5; o.t[1] = 0.5;
		fbl_add_invalid(g, grp, fbl_input_json(&o), "non_finite_result", "NonFiniteResult",
		                "depth 1: step 1 is finite (W_1 becomes about -1.3e198); step 2: "
		                "y = -1.4e298, the loss y^2 / 2 overflows");
		o.k = 1; o.W[0] = 1.0; o.x[0] = 1e150; o.t[0] = 0.0; o.h.eta = 1e10;
		fbl_add_invalid(g, grp, fbl_input_json(&o), "non_finite_result", "NonFiniteResult",
		                "depth 1: loss 5e299 and dW 1e300 are finite, eta dW = 1e310 "
		                "overflows: the new W_1 is -Infinity");
		// Depth 2, widths 1-1-1: every value of order 1 except the
		// feedback's update, which eta_B = 1.5e308 makes overflow.
		netspec o2;
		memset(&o2, 0, sizeof o2);
		o2.L = 2; o2.n[0] = 1; o2.n[1] = 1; o2.n[2] = 1; o2.loss = CRO_LOSS_MSE;
		set_act(g, &o2, 0, CRO_ACT_TANH);
		set_act(g, &o2, 1, CRO_ACT_IDENTITY);
		grp = new_group(g, net_json(&o2));
		memset(&o, 0, sizeof o);
		o.ns = o2;
		o.rule = fc.rule;
		o.h = fc.h;
		o.h.eta = 0.01;
		o.h.eta_B = 1.5e308;
		if (o.rule == CRO_FBL_WM_LINEAR)
			o.h.decay_B = 0.5;
		else
			o.h.alpha = 0.5, o.h.beta = 0.75, o.h.gamma = 0.25;
		o.k = 1; o.N[0] = 1; o.M[0] = wm ? 1 : 0;
		o.W[0] = 0.625; o.W[1] = -3.25; o.b[0] = 0.125; o.b[1] = 0.375;
		o.B[0] = 0.875; o.x[0] = 2.5; o.t[0] = -0.25; o.noise[0] = 0.75;
		fbl_add_invalid(g, grp, fbl_input_json(&o), "non_finite_result", "NonFiniteResult",
		                "depth 2: the loss and every gradient are of order 1, eta_B = 1.5e308 "
		                "makes eta_B G overflow: the new B_2 is infinite");
		if (wm) {
			o.h.eta_B = 0.01;
			o.noise[0] = 1.5e200;
			fbl_add_invalid(g, grp, fbl_input_json(&o), "non_finite_result", "NonFiniteResult",
			                "depth 2: noise 1.5e200: the mirror term xi (W_2 xi)^T overflows");
		} else if (o.rule != CRO_FBL_SA) {
			// Identity layer 1 and tanh layer 2: h_1 = 1.5e160 reaches the
			// output only through tanh(1.5e150) = 1, whose derivative is
			// exactly 0, so the loss and FA's gradient are finite.
			o.h.eta_B = 0.01;
			o.W[0] = 1.0; o.W[1] = 1e-10; o.x[0] = 1.5e160;
			netspec o3 = o2;
			set_act(g, &o3, 0, CRO_ACT_IDENTITY);
			set_act(g, &o3, 1, CRO_ACT_TANH);
			json_t *g2 = new_group(g, net_json(&o3));
			o.ns = o3;
			fbl_add_invalid(g, g2, fbl_input_json(&o), "non_finite_result", "NonFiniteResult",
			                o.rule == CRO_FBL_AA ?
			                "depth 2, identity/tanh, x = 1.5e160: the loss and FA's gradient "
			                "are finite (tanh' = 0 at the output), the mean x_n q_n^T of sparse "
			                "overflows in G_2" :
			                "depth 2, identity/tanh, x = 1.5e160: the loss and FA's gradient "
			                "are finite (tanh' = 0 at the output), the mean x_n p_n^T of amp "
			                "overflows in G_2");
		} else {
			o.h.eta_B = 0.01;
			o.h.beta = 1e300;
			o.W[1] = -1e10;
			fbl_add_invalid(g, grp, fbl_input_json(&o), "non_finite_result", "NonFiniteResult",
			                "depth 2: beta = 1e300, W_2 = -1e10: beta (-W_2^T) overflows in G_2");
		}
	}
	g->variant = NULL;
}

void fbl_plan(gen *g)
{
	fbl_coverage_groups(g);
	fbl_width1_groups(g);
	fbl_hyper_groups(g);
	fbl_tie_groups(g);
	fbl_target_groups(g);
	if (g->rule == R_WM) {
		wm_identity_groups(g);
		wm_many_noise_groups(g);
	}
	fbl_error_groups(g);
}

// ---------------------------------------------------------------- re-read

// Parses the finished text again and recomputes every test from it; every
// expected value, gauge and tolerance must come back bit for bit.
void fbl_verify_text(gen *g, const char *text)
{
	json_error_t err;
	json_t *root = json_loads(text, 0, &err);
	if (!root)
		die("the output does not parse: %s (line %d)", err.text, err.line);
	size_t gi, ti, count = 0;
	json_t *grp, *t;
	json_array_foreach(json_object_get(root, "testGroups"), gi, grp) {
		const char *variant = json_string_value(json_object_get(grp, "variant"));
		json_array_foreach(json_object_get(grp, "tests"), ti, t) {
			count++;
			if ((size_t)json_integer_value(json_object_get(t, "tcId")) != count)
				die("tcId %zu out of order", count);
			fcase *rc = &fc_read;
			fres *r = &res_read;
			cro_status st = fbl_run_json(g->rule, variant, json_object_get(grp, "network"),
			                             json_object_get(t, "input"), rc, r);
			const char *res = json_string_value(json_object_get(t, "result"));
			if (strcmp(res, "invalid") == 0) {
				if (strcmp(cro_status_name(st), json_string_value(json_object_get(t, "error"))) != 0)
					die("tcId %zu: re-read error %s", count, cro_status_name(st));
				continue;
			}
			if (st != CRO_OK)
				die("tcId %zu: re-read status %s", count, cro_status_name(st));
			json_t *e = json_object_get(t, "expected"), *ga = json_object_get(t, "gauge");
			json_t *tol = json_object_get(t, "tolerance");
			const netspec *ns = &rc->ns;
			const double *fields[4][2] = {
				{ r->loss, r->lossg }, { r->W, r->Wg }, { r->b, r->bg }, { r->B, r->Bg },
			};
			static const char *const names[4] = { "loss", "W", "b", "B" };
			const size_t per[4] = { 1, Wlen(ns), blen(ns), Blen(ns) };
			for (size_t f = 0; f < 4; f++) {
				size_t k = 0;
				cmp_list(json_object_get(e, names[f]), fields[f][0], &k, names[f]);
				if (k != per[f] * rc->k)
					die("tcId %zu: expected %s holds %zu numbers, not %zu", count, names[f], k,
					    per[f] * rc->k);
				k = 0;
				cmp_list(json_object_get(ga, names[f]), fields[f][1], &k, names[f]);
				if (k != per[f] * rc->k)
					die("tcId %zu: gauge %s holds %zu numbers", count, names[f], k);
				double want = f == 0 ? r->o.k_loss : r->o.k_state;
				if ((double)json_integer_value(json_object_get(tol, names[f])) != want)
					die("tcId %zu: tolerance %s differs", count, names[f]);
			}
		}
	}
	if ((size_t)json_integer_value(json_object_get(root, "numberOfTests")) != count)
		die("numberOfTests differs from the count");
	json_decref(root);
}
