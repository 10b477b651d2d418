// conformance/oracle/gen.c: `credit-oracle OUTDIR` writes the golden vectors
// OUTDIR/{bp,fa,dfa,ss,kp,wm,align,sa,aa,ia}.json and OUTDIR/SHA256SUMS
// (spec/vectors.md). The plan of the trajectory file kp.json is in gen_kp.c,
// those of wm, sa, aa, ia in gen_fbl.c, that of align.json in gen_align.c.
//
// Every random number comes from gsl_rng_mt19937 with the seed recorded in the
// file header (VEC-FILE-1). Every valid case is computed by the oracle from its
// JSON input as written (parsed back) and recomputed in long double to check
// that its gauges bound its rounding error (ldcheck.c); BP cases are checked
// against gsl_deriv_central (fd.c), identity cases of fa/dfa/ss against BP,
// every error case is confirmed by the oracle, and the finished text is parsed
// again and every test recomputed before anything is written. Any
// disagreement is a generator error: it is printed and the program exits
// non-zero without writing any file. The output is byte-for-byte
// reproducible (no clock, no addresses, fixed seeds, insertion-ordered keys).
// Cases added later (unnormalized softmax targets, exact-zero relu / leaky
// pre-activations, sign-symmetry feedback lengths) are drawn after the
// original plan, so the earlier cases keep their draws, ids and tcIds.
#include "gen.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_version.h>
#include <jansson.h>
#include <nettle/sha2.h>

#define GEN_VERSION "0.1.0"
static const unsigned long seeds[R_COUNT] = {
	20261101, 20261102, 20261103, 20261104, 20261105,
	20261106, 20261107, 20261108, 20261109, 20261110,
};
const char *const file_rules[R_COUNT] = {
	"bp", "fa", "dfa", "ss", "kp", "wm", "align", "sa", "aa", "ia",
};

static const char *const reg_names[] = { "normal", "saturated", "large", "tiny", "zero weights" };

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "credit-oracle: generator error: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static const char *const flag_names[] = {
	"Identity", "ReluTie", "Saturated", "LargeMagnitude", "TinyMagnitude",
	"ZeroWeights", "Width1", "Batch1", "SizeMismatch", "ZeroSize",
	"NonFiniteInput", "NonFiniteResult", "UnknownActivation", "UnknownLoss",
	"InvalidParameter", "UnnormalizedTarget", "ExactZeroPreactivation",
	"ZeroDecay", "VaryingBatch", "VaryingNoise", "ZeroCoefficient",
};
static const char *const flag_types[] = {
	"IDENTITY", "NUMERICS", "NUMERICS", "NUMERICS", "NUMERICS",
	"EDGE_CASE", "EDGE_CASE", "EDGE_CASE", "INVALID_INPUT", "INVALID_INPUT",
	"INVALID_INPUT", "INVALID_INPUT", "INVALID_INPUT", "INVALID_INPUT",
	"INVALID_INPUT", "FUNCTIONALITY", "EDGE_CASE",
	"FUNCTIONALITY", "EDGE_CASE", "EDGE_CASE", "FUNCTIONALITY",
};
static const char *const flag_desc[] = {
	"The feedback makes the rule equal to backpropagation (FA with B_l = W_l^T; "
	"DFA with depth 2 and D_1 = W_2^T, or identity hidden layers 2..L-1 with "
	"D_l = W_{l+1}^T ... W_L^T, an exact product because the weights are dyadic; SS with "
	"|M_l| = |W_l| or every |W_l| entry equal to |scale|; any rule at depth 1). "
	"The expected values are the rule's own; the generator checked them against "
	"BP within the sum of both tolerances.",
	"A relu or leaky_relu pre-activation a has 0 < G(a) and |a| <= k_grad u G(a) "
	"(NOT-TOL-4): implementations may take different branches of f'. The expected "
	"values use the spec's branch (a = 0 exactly here, f'(0) = 0 for relu, s for "
	"leaky_relu); a mismatch is reported, not failed.",
	"Some tanh or logistic pre-activation has |a| >= 15, where the derivative "
	"computed from h = f(a) underflows or cancels.",
	"The layer-1 weights or the inputs are about 1e100: pre-activations, losses "
	"and gradients reach about 1e200 without overflowing.",
	"The inputs x and the layer-1 biases are about 1e-150: layer-1 gradients are "
	"near 1e-150; no value falls below the smallest normal double.",
	"Some weights are exactly 0 or -0 (sign symmetry uses sign(+0) = sign(-0) = 0).",
	"Some layer has width 1.",
	"The batch has one sample.",
	"An array's shape does not match the network (expected error size_mismatch).",
	"A width or the batch size is 0 (expected error zero_size).",
	"An input holds NaN or an infinity, written as the strings \"NaN\", "
	"\"Infinity\", \"-Infinity\" (expected error non_finite_input).",
	"Finite inputs whose forward pass or loss overflows (expected error "
	"non_finite_result).",
	"An activation name outside NOT-ACT-1..5 (expected error unknown_activation).",
	"A loss name outside NOT-LOSS-1/2 (expected error unknown_loss).",
	"A leaky_relu slope that is not finite, written as a string as in VEC-NUM-2 "
	"(expected error invalid_parameter, NOT-ACT-6).",
	"Some softmax_ce target row does not sum to 1: non-negative multiples of 1/256 "
	"summing exactly to 0.5, 2 or 0.75, or a row with a negative entry, so tau = sum_k t_k "
	"is exact and not 1. NOT-LOSS-2 gives dl/dy_k = tau p_k - t_k; implementations that "
	"use p - t instead of tau*p - t fail these.",
	"Some relu or leaky_relu pre-activation is exactly 0 with gauge G(a) = 0 (a row of "
	"W_l that is all zeros with b_l entry 0), so it is not a tie (NOT-TOL-4): every "
	"implementation must use relu'(0) = 0 and leaky'(0) = s (NOT-ACT-4/5). "
	"Implementations with f'(0) = 1 (or relu'(0) = 1) fail these.",
	// Trajectory rules only (kp).
	"The weight decay is 0, so c = 1 - eta decay = 1 exactly and W_l - B_l^T keeps "
	"its initial value up to rounding (KP-ID-3).",
	"The steps' batches have different numbers of samples N_s (NOT-STEP-2); each "
	"step's loss and gradient are means over its own batch. Implementations that "
	"keep one batch size fail these.",
	// Weight mirror only.
	"The steps have different numbers of noise samples M_s (WM-IN-1); each step's "
	"mirror term is a mean over its own M_s rows. Implementations that keep one M "
	"(or use the batch size N_s) fail these.",
	// Rules with coefficients (wm kunin, sa, aa, ia).
	"Some coefficient (alpha, beta or gamma) is exactly 0, so that primitive's term "
	"is exactly 0. Implementations that attach a coefficient to the wrong primitive "
	"fail these.",
};
#define NFLAGS (sizeof flag_names / sizeof flag_names[0])

static int flag_index(const char *name)
{
	for (size_t i = 0; i < NFLAGS; i++)
		if (strcmp(name, flag_names[i]) == 0)
			return (int)i;
	die("unknown flag %s", name);
	return -1;
}

double U(gen *g, double lo, double hi)
{
	return lo + (hi - lo) * gsl_rng_uniform(g->r);
}

size_t I(gen *g, size_t lo, size_t hi) // inclusive
{
	return lo + (size_t)gsl_rng_uniform_int(g->r, (unsigned long)(hi - lo + 1));
}

double pm(gen *g)
{
	return gsl_rng_uniform(g->r) < 0.5 ? -1.0 : 1.0;
}

// A dyadic value k/64 with 10 < |k| <= 190, avoiding +-0.5, +-1, +-2: few
// enough bits that products of four such numbers and sums of hundreds of
// them are exact in double.
double dyadic(gen *g)
{
	for (;;) {
		double k = (double)I(g, 11, 190);
		if (k == 32.0 || k == 64.0 || k == 128.0)
			continue;
		return pm(g) * k / 64.0;
	}
}

static size_t rand_width(gen *g)
{
	return gsl_rng_uniform(g->r) < 0.15 ? 1 : I(g, 2, 9);
}

double rand_slope(gen *g)
{
	double u = gsl_rng_uniform(g->r);
	if (u < 0.34)
		return 0.0137;
	if (u < 0.67)
		return 0.3;
	return U(g, 0.005, 0.45);
}

void set_act(gen *g, netspec *ns, size_t l, int kind)
{
	ns->act[l] = kind;
	ns->slope[l] = kind == CRO_ACT_LEAKY_RELU ? rand_slope(g) : 0.0;
}

static netspec rand_net(gen *g, size_t L, int loss)
{
	netspec ns;
	memset(&ns, 0, sizeof ns);
	ns.L = L;
	ns.loss = loss;
	for (size_t l = 0; l <= L; l++)
		ns.n[l] = rand_width(g);
	for (size_t l = 0; l < L; l++)
		set_act(g, &ns, l, (int)I(g, 0, CRO_ACT_COUNT - 1));
	// Softmax cross-entropy usually reads identity logits (NOT-LOSS-2).
	if (loss == CRO_LOSS_SOFTMAX_CE && gsl_rng_uniform(g->r) < 0.6)
		set_act(g, &ns, L - 1, CRO_ACT_IDENTITY);
	// A softmax over one logit has loss and gradient exactly 0: only the
	// width-1 groups use it.
	if (loss == CRO_LOSS_SOFTMAX_CE && ns.n[L] == 1)
		ns.n[L] = I(g, 2, 9);
	return ns;
}

cro_net as_cro(const netspec *ns)
{
	cro_net n;
	n.depth = ns->L;
	n.widths = ns->n;
	n.acts = ns->act;
	n.slopes = ns->slope;
	n.loss = ns->loss;
	return n;
}

size_t Wlen(const netspec *ns)
{
	size_t s = 0;
	for (size_t l = 1; l <= ns->L; l++)
		s += ns->n[l] * ns->n[l - 1];
	return s;
}

size_t Woff(const netspec *ns, size_t l) // offset of W_l
{
	size_t s = 0;
	for (size_t k = 1; k < l; k++)
		s += ns->n[k] * ns->n[k - 1];
	return s;
}

size_t blen_upto(const netspec *ns, size_t l) // offset of b_l
{
	size_t s = 0;
	for (size_t k = 1; k < l; k++)
		s += ns->n[k];
	return s;
}

size_t blen(const netspec *ns)
{
	size_t s = 0;
	for (size_t l = 1; l <= ns->L; l++)
		s += ns->n[l];
	return s;
}

static int oracle_rule(const gen *g)
{
	switch (g->rule) {
	case R_FA: return CRO_RULE_FA;
	case R_DFA: return CRO_RULE_DFA;
	case R_SS:
		if (strcmp(g->variant, "uSF") == 0)
			return CRO_RULE_SS_USF;
		return strcmp(g->variant, "brSF") == 0 ? CRO_RULE_SS_BRSF : CRO_RULE_SS_FRSF;
	default: return CRO_RULE_BP;
	}
}

// ---------------------------------------------------------------- JSON out

json_t *jnum(double v)
{
	json_t *j = json_real(v);
	if (!j)
		die("json_real(%g) failed", v);
	return j;
}

json_t *vec_json(const double *p, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, jnum(p[i]));
	return a;
}

json_t *mat_json(const double *p, size_t r, size_t c)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r; i++)
		json_array_append_new(a, vec_json(p + i * c, c));
	return a;
}

json_t *net_json(const netspec *ns)
{
	json_t *w = json_array(), *acts = json_array();
	for (size_t l = 0; l <= ns->L; l++)
		json_array_append_new(w, json_integer((json_int_t)ns->n[l]));
	for (size_t l = 0; l < ns->L; l++) {
		json_t *a = json_object();
		json_object_set_new(a, "name", json_string(cro_act_name(ns->act[l])));
		if (ns->act[l] == CRO_ACT_LEAKY_RELU)
			json_object_set_new(a, "slope", jnum(ns->slope[l]));
		json_array_append_new(acts, a);
	}
	json_t *o = json_object();
	json_object_set_new(o, "widths", w);
	json_object_set_new(o, "activations", acts);
	json_object_set_new(o, "loss", json_string(cro_loss_name(ns->loss)));
	return o;
}

// Lists of per-layer matrices / vectors (NOT-NET-3, NOT-FB-3).
json_t *W_json(const netspec *ns, const double *W)
{
	json_t *a = json_array();
	size_t o = 0;
	for (size_t l = 1; l <= ns->L; l++) {
		json_array_append_new(a, mat_json(W + o, ns->n[l], ns->n[l - 1]));
		o += ns->n[l] * ns->n[l - 1];
	}
	return a;
}

json_t *b_json(const netspec *ns, const double *b)
{
	json_t *a = json_array();
	size_t o = 0;
	for (size_t l = 1; l <= ns->L; l++) {
		json_array_append_new(a, vec_json(b + o, ns->n[l]));
		o += ns->n[l];
	}
	return a;
}

static const char *fb_key(int orule)
{
	switch (orule) {
	case CRO_RULE_FA: return "B";
	case CRO_RULE_DFA: return "D";
	case CRO_RULE_SS_USF: return "scale";
	case CRO_RULE_SS_BRSF: case CRO_RULE_SS_FRSF: return "M";
	default: return NULL;
	}
}

// Shape (rows, cols) of feedback matrix k (0-based) of a rule.
static void fb_shape(const netspec *ns, int orule, size_t k, size_t *r, size_t *c)
{
	if (orule == CRO_RULE_FA) { // B_{k+2}: n_{k+1} x n_{k+2}
		*r = ns->n[k + 1]; *c = ns->n[k + 2];
	} else if (orule == CRO_RULE_DFA) { // D_{k+1}: n_{k+1} x n_L
		*r = ns->n[k + 1]; *c = ns->n[ns->L];
	} else { // M_{k+2}: n_{k+2} x n_{k+1}
		*r = ns->n[k + 2]; *c = ns->n[k + 1];
	}
}

json_t *fb_json(const netspec *ns, int orule, const double *fb)
{
	if (orule == CRO_RULE_SS_USF)
		return vec_json(fb, ns->L - 1);
	json_t *a = json_array();
	size_t o = 0;
	for (size_t k = 0; k + 1 < ns->L; k++) {
		size_t r, c;
		fb_shape(ns, orule, k, &r, &c);
		json_array_append_new(a, mat_json(fb + o, r, c));
		o += r * c;
	}
	return a;
}

static json_t *input_json(const netspec *ns, int orule, const inputs *in)
{
	json_t *o = json_object();
	json_object_set_new(o, "W", W_json(ns, in->W));
	json_object_set_new(o, "b", b_json(ns, in->b));
	if (fb_key(orule))
		json_object_set_new(o, fb_key(orule), fb_json(ns, orule, in->fb));
	json_object_set_new(o, "x", mat_json(in->x, in->N, ns->n[0]));
	json_object_set_new(o, "t", mat_json(in->t, in->N, ns->n[ns->L]));
	return o;
}

// ---------------------------------------------------------------- JSON in

// Reads a number or one of the strings of VEC-NUM-2.
int read_num(json_t *j, double *v)
{
	if (json_is_number(j)) {
		*v = json_number_value(j);
		return 1;
	}
	const char *s = json_string_value(j);
	if (!s)
		return 0;
	if (strcmp(s, "NaN") == 0) *v = NAN;
	else if (strcmp(s, "Infinity") == 0) *v = INFINITY;
	else if (strcmp(s, "-Infinity") == 0) *v = -INFINITY;
	else return 0;
	return 1;
}

// Appends an r x c matrix given as a JSON list of rows; 0 on a shape mismatch.
int read_mat(json_t *m, size_t r, size_t c, double *out, size_t *len)
{
	if (!json_is_array(m) || json_array_size(m) != r)
		return 0;
	for (size_t i = 0; i < r; i++) {
		json_t *row = json_array_get(m, i);
		if (!json_is_array(row) || json_array_size(row) != c)
			return 0;
		for (size_t j = 0; j < c; j++) {
			if (*len >= CAP || !read_num(json_array_get(row, j), &out[*len]))
				return 0;
			(*len)++;
		}
	}
	return 1;
}

int read_vec(json_t *v, size_t n, double *out, size_t *len)
{
	if (!json_is_array(v) || json_array_size(v) != n)
		return 0;
	for (size_t j = 0; j < n; j++) {
		if (*len >= CAP || !read_num(json_array_get(v, j), &out[*len]))
			return 0;
		(*len)++;
	}
	return 1;
}

typedef struct {
	netspec ns;
	inputs in;
	size_t Wl, bl, fbl, xl, tl;
} flatcase;

int read_network(json_t *network, netspec *ns, cro_status *early)
{
	memset(ns, 0, sizeof *ns);
	json_t *widths = json_object_get(network, "widths");
	json_t *acts = json_object_get(network, "activations");
	size_t nw = json_array_size(widths);
	if (nw < 2) {
		*early = CRO_ERR_ZERO_SIZE;
		return 0;
	}
	if (nw - 1 > MAXL)
		die("depth %zu above the generator's maximum", nw - 1);
	ns->L = nw - 1;
	for (size_t l = 0; l < nw; l++)
		ns->n[l] = (size_t)json_integer_value(json_array_get(widths, l));
	if (json_array_size(acts) != ns->L) {
		*early = CRO_ERR_SIZE_MISMATCH;
		return 0;
	}
	for (size_t l = 0; l < ns->L; l++) {
		json_t *a = json_array_get(acts, l);
		int k = cro_act_from_name(json_string_value(json_object_get(a, "name")));
		ns->act[l] = k < 0 ? CRO_ACT_COUNT : k;
		ns->slope[l] = 0.0;
		if (k == CRO_ACT_LEAKY_RELU && !read_num(json_object_get(a, "slope"), &ns->slope[l]))
			ns->slope[l] = NAN;
	}
	int lk = cro_loss_from_name(json_string_value(json_object_get(network, "loss")));
	ns->loss = lk < 0 ? CRO_LOSS_COUNT : lk;
	return 1;
}

// Turns a test's JSON (network, input) into flat arrays and runs the oracle,
// as an independent reader of the file would. Network-level errors come
// first (the oracle's order), then shapes, then the oracle's own checks.
static cro_status run_json(int file_rule, const char *variant, json_t *network,
                           json_t *input, flatcase *fc, cro_out *out)
{
	netspec *ns = &fc->ns;
	cro_status early;
	if (!read_network(network, ns, &early))
		return early;
	int orule = CRO_RULE_BP;
	if (file_rule == R_FA) orule = CRO_RULE_FA;
	if (file_rule == R_DFA) orule = CRO_RULE_DFA;
	if (file_rule == R_SS)
		orule = strcmp(variant, "uSF") == 0 ? CRO_RULE_SS_USF :
		        strcmp(variant, "brSF") == 0 ? CRO_RULE_SS_BRSF : CRO_RULE_SS_FRSF;
	json_t *x = json_object_get(input, "x");
	fc->in.N = json_array_size(x);
	cro_net net = as_cro(ns);
	// Network-level checks: with empty arrays the oracle stops at the first
	// network error, or at size_mismatch when the network is valid.
	cro_status st = cro_grad(&net, orule, fc->in.N, NULL, 0, NULL, 0, NULL, 0,
	                         NULL, 0, NULL, 0, out);
	if (st != CRO_ERR_SIZE_MISMATCH)
		return st;
	fc->Wl = fc->bl = fc->fbl = fc->xl = fc->tl = 0;
	json_t *W = json_object_get(input, "W"), *b = json_object_get(input, "b");
	if (json_array_size(W) != ns->L || json_array_size(b) != ns->L)
		return CRO_ERR_SIZE_MISMATCH;
	for (size_t l = 1; l <= ns->L; l++)
		if (!read_mat(json_array_get(W, l - 1), ns->n[l], ns->n[l - 1], fc->in.W, &fc->Wl) ||
		    !read_vec(json_array_get(b, l - 1), ns->n[l], fc->in.b, &fc->bl))
			return CRO_ERR_SIZE_MISMATCH;
	// SS-IN-4, SS-ERR-1: a sign-symmetry test holds exactly one of M and
	// scale; holding both is size_mismatch whatever the variant.
	if (file_rule == R_SS && json_object_get(input, "M") && json_object_get(input, "scale"))
		return CRO_ERR_SIZE_MISMATCH;
	if (fb_key(orule)) {
		json_t *f = json_object_get(input, fb_key(orule));
		if (orule == CRO_RULE_SS_USF) {
			if (!read_vec(f, ns->L - 1, fc->in.fb, &fc->fbl))
				return CRO_ERR_SIZE_MISMATCH;
		} else {
			if (json_array_size(f) != ns->L - 1)
				return CRO_ERR_SIZE_MISMATCH;
			for (size_t k = 0; k + 1 < ns->L; k++) {
				size_t r, c;
				fb_shape(ns, orule, k, &r, &c);
				if (!read_mat(json_array_get(f, k), r, c, fc->in.fb, &fc->fbl))
					return CRO_ERR_SIZE_MISMATCH;
			}
		}
	}
	json_t *t = json_object_get(input, "t");
	if (!read_mat(x, fc->in.N, ns->n[0], fc->in.x, &fc->xl) ||
	    !read_mat(t, fc->in.N, ns->n[ns->L], fc->in.t, &fc->tl))
		return CRO_ERR_SIZE_MISMATCH;
	return cro_grad(&net, orule, fc->in.N, fc->in.W, fc->Wl, fc->in.b, fc->bl,
	                fc->in.fb, fc->fbl, fc->in.x, fc->xl, fc->in.t, fc->tl, out);
}

// ---------------------------------------------------------------- hashing

static void sha256_hex(const char *data, size_t len, char hex[65])
{
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)data);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, d);
	for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	hex[64] = '\0';
}

// VEC-TEST-2: sha256 of the compact, key-sorted canonical input.
json_t *test_id(gen *g, json_t *network, json_t *input)
{
	json_t *c = json_object();
	json_object_set_new(c, "rule", json_string(file_rules[g->rule]));
	json_object_set(c, "network", network);
	if (g->variant)
		json_object_set_new(c, "variant", json_string(g->variant));
	json_object_set(c, "input", input);
	char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	if (!s)
		die("json_dumps of a canonical input failed");
	char hex[65], id[80];
	sha256_hex(s, strlen(s), hex);
	snprintf(id, sizeof id, "sha256:%s", hex);
	free(s);
	json_decref(c);
	return json_string(id);
}

// ---------------------------------------------------------------- tests

typedef struct {
	double dW[CAP], dWg[CAP], db[CAP], dbg[CAP], a[CAP], ag[CAP];
	cro_out o;
} outbuf;

static void outbuf_init(outbuf *b)
{
	b->o.dW = b->dW; b->o.dW_gauge = b->dWg;
	b->o.db = b->db; b->o.db_gauge = b->dbg;
	b->o.a = b->a; b->o.a_gauge = b->ag;
}

static outbuf ob_rule, ob_bp;

json_t *new_group(gen *g, json_t *network)
{
	json_t *grp = json_object();
	json_object_set_new(grp, "network", network);
	if (g->variant)
		json_object_set_new(grp, "variant", json_string(g->variant));
	json_object_set_new(grp, "tests", json_array());
	json_array_append_new(g->groups, grp);
	return grp;
}

void add_flag(gen *g, json_t *flags, const char *f)
{
	g->flags_used |= 1u << flag_index(f);
	json_array_append_new(flags, json_string(f));
}

// Compares a rule's result with BP's on the same input: the identity cases.
static void identity_check(gen *g, const netspec *ns, const cro_out *r, const cro_out *bp)
{
	double worst = 0.0;
	size_t Wn = Wlen(ns), bn = blen(ns);
	for (size_t i = 0; i < Wn + bn + 1; i++) {
		double x, y, Gx, Gy, k;
		if (i < Wn) {
			x = r->dW[i]; y = bp->dW[i]; Gx = r->dW_gauge[i]; Gy = bp->dW_gauge[i]; k = r->k_grad;
		} else if (i < Wn + bn) {
			size_t j = i - Wn;
			x = r->db[j]; y = bp->db[j]; Gx = r->db_gauge[j]; Gy = bp->db_gauge[j]; k = r->k_grad;
		} else {
			x = r->loss; y = bp->loss; Gx = r->loss_gauge; Gy = bp->loss_gauge; k = r->k_loss;
		}
		double tol = k * CRO_U * (Gx + Gy), d = fabs(x - y);
		double ratio = tol > 0.0 ? d / tol : (d > 0.0 ? INFINITY : 0.0);
		if (!(ratio <= 1.0))
			die("%s identity case differs from BP at entry %zu: %.17g vs %.17g (ratio %g)",
			    file_rules[g->rule], i, x, y, ratio);
		if (ratio > worst)
			worst = ratio;
	}
	g->id_checked++;
	if (worst > g->id_worst)
		g->id_worst = worst;
}

// Does some softmax_ce target row sum to anything but 1 (tau != 1,
// NOT-LOSS-2)? The generator's targets are multiples of 1/256, so the sum is
// exact.
int unnormalized_targets(const netspec *ns, const inputs *in)
{
	if (ns->loss != CRO_LOSS_SOFTMAX_CE)
		return 0;
	size_t nL = ns->n[ns->L];
	for (size_t s = 0; s < in->N; s++) {
		double tau = 0.0;
		for (size_t k = 0; k < nL; k++)
			tau += in->t[s * nL + k];
		if (tau != 1.0)
			return 1;
	}
	return 0;
}

// Number of relu / leaky_relu pre-activations that are exactly 0 with gauge
// 0: f'(0) of NOT-ACT-4/5 applies in every implementation (not a tie,
// NOT-TOL-4).
static size_t exact_zero_preacts(const netspec *ns, size_t N, const cro_out *o)
{
	size_t bn = blen(ns), count = 0;
	for (size_t s = 0; s < N; s++) {
		size_t off = 0;
		for (size_t l = 0; l < ns->L; l++) {
			if (ns->act[l] == CRO_ACT_RELU || ns->act[l] == CRO_ACT_LEAKY_RELU)
				for (size_t i = 0; i < ns->n[l + 1]; i++)
					if (o->a[s * bn + off + i] == 0.0 && o->a_gauge[s * bn + off + i] == 0.0)
						count++;
			off += ns->n[l + 1];
		}
	}
	return count;
}

// Adds a valid (or, with planned_tie, acceptable) test. Returns 0 when the
// input turned out to have an unplanned relu tie (the caller draws again).
static int add_valid(gen *g, json_t *grp, const netspec *ns, const inputs *in,
                     const char *comment, int identity, int planned_tie, int regime)
{
	int orule = oracle_rule(g);
	json_t *network = json_object_get(grp, "network");
	json_t *input = input_json(ns, orule, in);
	// Compute from the JSON as written (after a round trip through the text).
	char *txt = json_dumps(input, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_error_t err;
	json_t *back = json_loads(txt, 0, &err);
	free(txt);
	if (!back)
		die("reparse: %s", err.text);
	flatcase fc;
	outbuf_init(&ob_rule);
	cro_status st = run_json(g->rule, g->variant, network, back, &fc, &ob_rule.o);
	json_decref(back);
	if (st == CRO_ERR_GAUGE || st == CRO_ERR_NONFINITE_RESULT) {
		json_decref(input);
		return 0; // outside the range we can vouch for: draw again
	}
	if (st != CRO_OK)
		die("%s: oracle refused a valid case (%s): %s", file_rules[g->rule],
		    cro_status_name(st), comment);
	cro_net net = as_cro(&fc.ns);
	const cro_out *o = &ob_rule.o;
	size_t ties = cro_relu_ties(&net, fc.in.N, o);
	if (ties > 0 && !planned_tie) {
		json_decref(input);
		return 0;
	}
	if (planned_tie && ties == 0)
		die("planned relu tie not present: %s", comment);
	// The gauges must bound the oracle's own rounding error (ldcheck.c).
	double ldr = cro_ld_ratio(&net, orule, fc.in.N, fc.in.W, fc.in.b, fc.in.fb,
	                          fc.in.x, fc.in.t, o);
	if (ldr < 0.0)
		die("the extended-precision check is unavailable on this platform");
	if (!(ldr <= 0.5))
		die("%s: the double result is %.3g tolerances from the long double one: %s",
		    file_rules[g->rule], ldr, comment);
	if (ldr > g->ld_worst)
		g->ld_worst = ldr;
	// BP of the same input: the FD check (bp) or the identity check.
	if (g->rule == R_BP || identity) {
		outbuf_init(&ob_bp);
		st = cro_grad(&net, CRO_RULE_BP, fc.in.N, fc.in.W, fc.Wl, fc.in.b, fc.bl,
		              NULL, 0, fc.in.x, fc.xl, fc.in.t, fc.tl, &ob_bp.o);
		if (st != CRO_OK)
			die("BP refused a valid case (%s): %s", cro_status_name(st), comment);
	}
	if (g->rule == R_BP) {
		cro_fd_stats fs;
		st = cro_fd_check(&net, fc.in.N, fc.in.W, fc.Wl, fc.in.b, fc.bl, fc.in.x,
		                  fc.xl, fc.in.t, fc.tl, &ob_bp.o, &fs);
		if (st != CRO_OK)
			die("FD evaluation failed (%s): %s", cro_status_name(st), comment);
		if (fs.failed > 0)
			die("FD check failed on %zu entries of \"%s\": worst %s[%zu] g=%.17g "
			    "fd=%.17g bound=%.3g ratio=%.3g", fs.failed, comment,
			    fs.worst_is_b ? "db" : "dW", fs.worst_index, fs.worst_g,
			    fs.worst_fd, fs.worst_bound, fs.worst_ratio);
		g->fd.checked += fs.checked;
		g->fd.skipped += fs.skipped;
		if (fs.worst_ratio > g->fd.worst_ratio)
			g->fd.worst_ratio = fs.worst_ratio;
	} else if (identity) {
		identity_check(g, &fc.ns, o, &ob_bp.o);
	}

	json_t *t = json_object();
	json_object_set_new(t, "tcId", json_integer(0)); // numbered at the end
	json_object_set_new(t, "id", test_id(g, network, input));
	json_object_set_new(t, "comment", json_string(comment));
	json_t *flags = json_array();
	if (identity)
		add_flag(g, flags, "Identity");
	if (ties > 0)
		add_flag(g, flags, "ReluTie");
	int sat = 0, zero = 0, w1 = 0;
	size_t bn = blen(ns);
	for (size_t s = 0; s < in->N; s++) {
		size_t off = 0;
		for (size_t l = 0; l < ns->L; l++) {
			for (size_t i = 0; i < ns->n[l + 1]; i++)
				if ((ns->act[l] == CRO_ACT_TANH || ns->act[l] == CRO_ACT_LOGISTIC) &&
				    fabs(o->a[s * bn + off + i]) >= 15.0)
					sat = 1;
			off += ns->n[l + 1];
		}
	}
	for (size_t i = 0; i < Wlen(ns); i++)
		if (in->W[i] == 0.0)
			zero = 1;
	for (size_t l = 0; l <= ns->L; l++)
		if (ns->n[l] == 1)
			w1 = 1;
	if (sat)
		add_flag(g, flags, "Saturated");
	if (regime == REG_LARGE)
		add_flag(g, flags, "LargeMagnitude");
	if (regime == REG_TINY)
		add_flag(g, flags, "TinyMagnitude");
	if (zero)
		add_flag(g, flags, "ZeroWeights");
	if (w1)
		add_flag(g, flags, "Width1");
	if (in->N == 1)
		add_flag(g, flags, "Batch1");
	if (unnormalized_targets(ns, in))
		add_flag(g, flags, "UnnormalizedTarget");
	if (exact_zero_preacts(ns, in->N, o) > 0)
		add_flag(g, flags, "ExactZeroPreactivation");
	json_object_set_new(t, "flags", flags);
	json_object_set_new(t, "input", input);
	json_object_set_new(t, "result", json_string(ties > 0 ? "acceptable" : "valid"));
	json_t *e = json_object(), *ga = json_object(), *tol = json_object();
	json_object_set_new(e, "loss", jnum(o->loss));
	json_object_set_new(e, "dW", W_json(ns, o->dW));
	json_object_set_new(e, "db", b_json(ns, o->db));
	json_object_set_new(ga, "loss", jnum(o->loss_gauge));
	json_object_set_new(ga, "dW", W_json(ns, o->dW_gauge));
	json_object_set_new(ga, "db", b_json(ns, o->db_gauge));
	json_object_set_new(tol, "loss", json_integer((json_int_t)o->k_loss));
	json_object_set_new(tol, "dW", json_integer((json_int_t)o->k_grad));
	json_object_set_new(tol, "db", json_integer((json_int_t)o->k_grad));
	json_object_set_new(t, "expected", e);
	json_object_set_new(t, "gauge", ga);
	json_object_set_new(t, "tolerance", tol);
	json_array_append_new(json_object_get(grp, "tests"), t);
	if (ties > 0)
		g->acceptable++;
	else
		g->valid++;
	return 1;
}

// Adds an invalid test after confirming the oracle refuses it with `error`.
static void add_invalid(gen *g, json_t *grp, json_t *input, const char *error,
                        const char *flag, const char *comment)
{
	json_t *network = json_object_get(grp, "network");
	flatcase fc;
	outbuf_init(&ob_rule);
	cro_status st = run_json(g->rule, g->variant, network, input, &fc, &ob_rule.o);
	if (strcmp(cro_status_name(st), error) != 0)
		die("%s error case \"%s\": oracle says %s, expected %s", file_rules[g->rule],
		    comment, cro_status_name(st), error);
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

// Gaps between sorted random cut points of [0, total]: nL non-negative
// integers summing to total.
static void cut_gaps(gen *g, size_t nL, size_t total, size_t *gap)
{
	size_t cut[11];
	cut[0] = 0;
	for (size_t k = 1; k < nL; k++) {
		size_t c = I(g, 0, total), j = k;
		while (j > 1 && cut[j - 1] > c) {
			cut[j] = cut[j - 1];
			j--;
		}
		cut[j] = c;
	}
	cut[nL] = total;
	for (size_t k = 0; k < nL; k++)
		gap[k] = cut[k + 1] - cut[k];
}

// Target row s of N for the UnnormalizedTarget cases (NOT-LOSS-2 with
// tau != 1). Entries are multiples of 1/256, so tau = sum_k t_k is exact in
// any order. Non-negative rows sum to 0.5, 2 or 0.75 (the first row's total
// drawn, the next rows cycling); with TGT_NEGATIVE the last row instead has
// one entry in [-1, -1/256] and the others in [0, 1], its sum drawn again
// until it is not 1.
static void unnormalized_row(gen *g, size_t nL, size_t s, size_t N, double *t)
{
	static const size_t totals[] = { 128, 512, 192 }; // 0.5, 2, 0.75 times 256
	static size_t first;
	if (s == 0)
		first = I(g, 0, 2);
	if (g->tmode == TGT_NEGATIVE && s + 1 == N) {
		for (;;) {
			size_t neg = I(g, 0, nL - 1);
			double tau = 0.0;
			for (size_t k = 0; k < nL; k++) {
				t[k] = k == neg ? -(double)I(g, 1, 256) / 256.0 : (double)I(g, 0, 256) / 256.0;
				tau += t[k];
			}
			if (tau != 1.0)
				return;
		}
	}
	size_t gap[10];
	cut_gaps(g, nL, totals[(first + s) % 3], gap);
	for (size_t k = 0; k < nL; k++)
		t[k] = (double)gap[k] / 256.0;
}

void rand_targets(gen *g, const netspec *ns, inputs *in)
{
	size_t nL = ns->n[ns->L];
	for (size_t s = 0; s < in->N; s++) {
		double *t = in->t + s * nL;
		if (ns->loss == CRO_LOSS_MSE) {
			for (size_t k = 0; k < nL; k++)
				t[k] = U(g, -1.4, 1.4);
		} else if (g->tmode != TGT_PROB) {
			unnormalized_row(g, nL, s, in->N, t);
		} else if (gsl_rng_uniform(g->r) < 0.3) {
			// One-hot.
			size_t hot = I(g, 0, nL - 1);
			for (size_t k = 0; k < nL; k++)
				t[k] = k == hot ? 1.0 : 0.0;
		} else {
			// Multiples of 1/256 summing exactly to 1 (tau = 1, NOT-LOSS-2):
			// the gaps between sorted random cut points of [0, 256].
			size_t cut[10];
			cut[0] = 0;
			for (size_t k = 1; k < nL; k++) {
				size_t c = I(g, 0, 256), j = k;
				while (j > 1 && cut[j - 1] > c) {
					cut[j] = cut[j - 1];
					j--;
				}
				cut[j] = c;
			}
			cut[nL] = 256;
			for (size_t k = 0; k < nL; k++)
				t[k] = (double)(cut[k + 1] - cut[k]) / 256.0;
		}
	}
}

// Weights, biases, samples and targets of one regime (feedback is separate).
static void rand_inputs(gen *g, const netspec *ns, size_t N, int regime, int dyad, inputs *in)
{
	in->N = N;
	size_t wo = 0, bo = 0;
	for (size_t l = 1; l <= ns->L; l++) {
		size_t fan = ns->n[l - 1];
		int satl = regime == REG_SAT && (ns->act[l - 1] == CRO_ACT_TANH ||
		                                  ns->act[l - 1] == CRO_ACT_LOGISTIC);
		for (size_t i = 0; i < ns->n[l] * fan; i++) {
			double v = dyad ? dyadic(g) : U(g, -2.2, 2.2) / sqrt((double)fan);
			if (satl)
				v = pm(g) * U(g, 6.0, 14.0);
			if (regime == REG_LARGE && l == 1 && (g->rule + (int)ns->L) % 2 == 0)
				v *= 1e100;
			in->W[wo + i] = v;
		}
		for (size_t i = 0; i < ns->n[l]; i++) {
			double v = dyad ? dyadic(g) / 4.0 : U(g, -0.8, 0.8);
			if (satl)
				v = U(g, -12.0, 12.0);
			if (regime == REG_TINY && l == 1)
				v *= 1e-150;
			in->b[bo + i] = v;
		}
		if (regime == REG_ZERO) {
			size_t zeros = 0;
			for (size_t i = 0; i < ns->n[l] * fan; i++)
				if (gsl_rng_uniform(g->r) < 0.35) {
					// Both zeros: sign(+0) = sign(-0) = 0 (SS-SIGN-1).
					in->W[wo + i] = gsl_rng_uniform(g->r) < 0.5 ? 0.0 : -0.0;
					zeros++;
				}
			if (zeros == 0)
				in->W[wo + I(g, 0, ns->n[l] * fan - 1)] = 0.0;
		}
		wo += ns->n[l] * fan;
		bo += ns->n[l];
	}
	for (size_t i = 0; i < N * ns->n[0]; i++) {
		double v = dyad ? dyadic(g) : U(g, -2.5, 2.5);
		if (regime == REG_LARGE && (g->rule + (int)ns->L) % 2 == 1)
			v *= 1e100;
		if (regime == REG_TINY)
			v *= 1e-150;
		in->x[i] = v;
	}
	rand_targets(g, ns, in);
}

// DFA-ID-2: every hidden layer 2 .. L-1 is identity (layers 1 and L free).
static int all_identity(const netspec *ns)
{
	for (size_t l = 1; l + 1 < ns->L; l++)
		if (ns->act[l] != CRO_ACT_IDENTITY)
			return 0;
	return 1;
}

// Can this rule have an identity case on this network?
static int identity_possible(const gen *g, const netspec *ns)
{
	if (g->rule == R_BP)
		return 0;
	if (g->rule == R_DFA)
		return ns->L <= 2 || all_identity(ns);
	return 1;
}

// Feedback arrays: random, or (identity) the ones that make the rule BP.
static void make_feedback(gen *g, const netspec *ns, int identity, inputs *in)
{
	int orule = oracle_rule(g);
	size_t L = ns->L, o = 0;
	if (orule == CRO_RULE_BP || L == 1)
		return;
	if (orule == CRO_RULE_SS_USF) {
		for (size_t l = 2; l <= L; l++) {
			if (!identity) {
				in->fb[l - 2] = pm(g) * U(g, 0.2, 1.7);
				continue;
			}
			// Every |W_l| entry equal to c (or 0: sign(0) = 0 gives 0 = W).
			double c = U(g, 0.3, 1.9);
			in->fb[l - 2] = pm(g) * c;
			size_t wo = Woff(ns, l);
			for (size_t i = 0; i < ns->n[l] * ns->n[l - 1]; i++)
				if (in->W[wo + i] != 0.0)
					in->W[wo + i] = (in->W[wo + i] > 0.0 ? c : -c);
		}
		return;
	}
	for (size_t k = 0; k + 1 < L; k++) {
		size_t r, c;
		fb_shape(ns, orule, k, &r, &c);
		double *F = in->fb + o;
		if (!identity) {
			for (size_t i = 0; i < r * c; i++)
				F[i] = U(g, -1.6, 1.6) / sqrt((double)c);
		} else if (orule == CRO_RULE_FA) { // B_l = W_l^T, l = k + 2
			const double *Wl = in->W + Woff(ns, k + 2); // n_{k+2} x n_{k+1}
			for (size_t i = 0; i < r; i++)
				for (size_t j = 0; j < c; j++)
					F[i * c + j] = Wl[j * r + i];
		} else if (orule == CRO_RULE_SS_BRSF || orule == CRO_RULE_SS_FRSF) {
			// |M_l| = |W_l|; the sign of M is irrelevant (|M| is used), so
			// some entries are negated to show it.
			const double *Wl = in->W + Woff(ns, k + 2);
			for (size_t i = 0; i < r * c; i++)
				F[i] = (gsl_rng_uniform(g->r) < 0.3 ? -1.0 : 1.0) * fabs(Wl[i]);
		} else { // DFA: D_l = W_{l+1}^T ... W_L^T = (W_L ... W_{l+1})^T, l = k + 1
			size_t l = k + 1;
			gsl_matrix *P = gsl_matrix_alloc(ns->n[L], ns->n[L]);
			gsl_matrix_set_identity(P);
			for (size_t m = L; m > l; m--) { // P <- P W_m
				gsl_matrix_const_view Wm = gsl_matrix_const_view_array(
					in->W + Woff(ns, m), ns->n[m], ns->n[m - 1]);
				gsl_matrix *Q = gsl_matrix_alloc(ns->n[L], ns->n[m - 1]);
				gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, P, &Wm.matrix, 0.0, Q);
				gsl_matrix_free(P);
				P = Q;
			}
			// P is n_L x n_l; D_l is its transpose, n_l x n_L.
			for (size_t i = 0; i < r; i++)
				for (size_t j = 0; j < c; j++)
					F[i * c + j] = gsl_matrix_get(P, j, i);
			gsl_matrix_free(P);
		}
		o += r * c;
	}
}

// For the DFA product identity: the product must be exact, which holds for
// the dyadic weights used; confirm it in long double, one chain at a time.
static void check_dfa_product_exact(const netspec *ns, const inputs *in)
{
	size_t L = ns->L, o = 0;
	for (size_t l = 1; l < L; l++) {
		size_t nl = ns->n[l], nL = ns->n[L];
		// v = e_j^T (W_L ... W_{l+1}) row by row: P[jj][i] for jj < nL, i < nl.
		long double P[9][9], Q[9][9];
		for (size_t a = 0; a < nL; a++)
			for (size_t b = 0; b < nL; b++)
				P[a][b] = a == b ? 1.0L : 0.0L;
		size_t cols = nL;
		for (size_t m = L; m > l; m--) {
			const double *Wm = in->W + Woff(ns, m);
			for (size_t a = 0; a < nL; a++)
				for (size_t j = 0; j < ns->n[m - 1]; j++) {
					long double s = 0.0L;
					for (size_t i = 0; i < cols; i++)
						s += P[a][i] * (long double)Wm[i * ns->n[m - 1] + j];
					Q[a][j] = s;
				}
			cols = ns->n[m - 1];
			memcpy(P, Q, sizeof P);
		}
		for (size_t i = 0; i < nl; i++)
			for (size_t j = 0; j < nL; j++)
				if ((long double)in->fb[o + i * nL + j] != P[j][i])
					die("DFA identity product is not exact");
		o += nl * nL;
	}
}

void net_comment(const netspec *ns, char *buf, size_t len)
{
	size_t k = (size_t)snprintf(buf, len, "depth %zu, widths ", ns->L);
	for (size_t l = 0; l <= ns->L && k < len; l++)
		k += (size_t)snprintf(buf + k, len - k, "%s%zu", l ? "-" : "", ns->n[l]);
	for (size_t l = 0; l < ns->L && k < len; l++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s", l ? "/" : ", ", cro_act_name(ns->act[l]));
	if (k < len)
		snprintf(buf + k, len - k, ", %s", cro_loss_name(ns->loss));
}

// One random valid test; retries on an unplanned tie or an overflowing gauge.
static void valid_test(gen *g, json_t *grp, const netspec *ns, size_t N, int regime,
                       int identity, int dyad, const char *extra)
{
	static inputs in;
	char comment[256], nc[160];
	// Saturation needs a tanh or logistic layer; without one, zero weights.
	if (regime == REG_SAT) {
		int any = 0;
		for (size_t l = 0; l < ns->L; l++)
			any |= ns->act[l] == CRO_ACT_TANH || ns->act[l] == CRO_ACT_LOGISTIC;
		if (!any)
			regime = REG_ZERO;
	}
	// The DFA product identity needs an exact product: dyadic weights.
	if (identity && g->rule == R_DFA && ns->L > 2)
		dyad = 1;
	net_comment(ns, nc, sizeof nc);
	snprintf(comment, sizeof comment, "%s, batch %zu, %s%s%s%s", nc, N, reg_names[regime],
	         identity ? ", identity feedback" : "", extra ? ", " : "", extra ? extra : "");
	for (int attempt = 0; attempt < 50; attempt++) {
		rand_inputs(g, ns, N, regime, dyad, &in);
		make_feedback(g, ns, identity, &in);
		if (identity && g->rule == R_DFA && ns->L > 2)
			check_dfa_product_exact(ns, &in);
		if (add_valid(g, grp, ns, &in, comment, identity, 0, regime))
			return;
	}
	die("no acceptable draw after 50 attempts: %s", comment);
}

static size_t rand_batch(gen *g)
{
	return I(g, 2, 7);
}

// Next SS variant, cycling; NULL for other rules.
static const char *next_variant(gen *g)
{
	static const char *const v[] = { "uSF", "frSF", "brSF" };
	static size_t k = 0;
	if (g->rule != R_SS)
		return NULL;
	return v[k++ % 3];
}

// ---------------------------------------------------------------- case plan

static void coverage_groups(gen *g)
{
	static const char *const pos_names[] = { "first", "middle", "last" };
	size_t gi = 0;
	for (int act = 0; act < CRO_ACT_COUNT; act++)
		for (int pos = 0; pos < 3; pos++)
			for (int loss = 0; loss < CRO_LOSS_COUNT; loss++, gi++) {
				size_t L = pos == 0 ? I(g, 2, 5) : pos == 1 ? I(g, 3, 5) : I(g, 1, 5);
				netspec ns = rand_net(g, L, loss);
				size_t l = pos == 0 ? 0 : pos == 1 ? I(g, 1, L - 2) : L - 1;
				set_act(g, &ns, l, act);
				g->variant = next_variant(g);
				json_t *grp = new_group(g, net_json(&ns));
				char extra[64];
				snprintf(extra, sizeof extra, "%s in %s position", cro_act_name(act), pos_names[pos]);
				int r1 = REG_SAT + (int)(gi % 4), r2 = REG_SAT + (int)((gi + 1) % 4);
				valid_test(g, grp, &ns, 1, REG_NORMAL, 0, 0, extra);
				valid_test(g, grp, &ns, rand_batch(g), REG_NORMAL, 0, 0, extra);
				valid_test(g, grp, &ns, I(g, 1, 7), r1, 0, 0, extra);
				if (identity_possible(g, &ns))
					valid_test(g, grp, &ns, I(g, 1, 7), REG_NORMAL, 1, 0, extra);
				else
					valid_test(g, grp, &ns, rand_batch(g), REG_ZERO, 0, 0, extra);
				valid_test(g, grp, &ns, I(g, 1, 7), r2, 0, 0, extra);
				valid_test(g, grp, &ns, rand_batch(g), REG_NORMAL, 0, 0, extra);
				if (identity_possible(g, &ns))
					valid_test(g, grp, &ns, I(g, 1, 7), REG_ZERO, 1, 0, extra);
				else
					valid_test(g, grp, &ns, I(g, 1, 7), REG_NORMAL, 0, 0, extra);
			}
}

static void shape_groups(gen *g)
{
	// Width 1 everywhere, depths 1, 2, 3, 5.
	static const size_t depths[] = { 1, 2, 3, 5 };
	for (size_t k = 0; k < 4; k++) {
		netspec ns = rand_net(g, depths[k], k % 2 ? CRO_LOSS_SOFTMAX_CE : CRO_LOSS_MSE);
		for (size_t l = 0; l <= ns.L; l++)
			ns.n[l] = 1;
		g->variant = next_variant(g);
		json_t *grp = new_group(g, net_json(&ns));
		valid_test(g, grp, &ns, 1, REG_NORMAL, 0, 0, "all widths 1");
		valid_test(g, grp, &ns, rand_batch(g), REG_NORMAL, identity_possible(g, &ns), 0, "all widths 1");
		valid_test(g, grp, &ns, rand_batch(g), REG_ZERO, 0, 0, "all widths 1");
	}
	// Depth 1: every rule is BP there.
	for (int k = 0; k < 4; k++) {
		netspec ns = rand_net(g, 1, k % 2);
		set_act(g, &ns, 0, k == 0 ? CRO_ACT_TANH : k == 1 ? CRO_ACT_IDENTITY :
		                   k == 2 ? CRO_ACT_LEAKY_RELU : CRO_ACT_LOGISTIC);
		g->variant = next_variant(g);
		json_t *grp = new_group(g, net_json(&ns));
		valid_test(g, grp, &ns, 1, REG_NORMAL, g->rule != R_BP, 0, "depth 1");
		valid_test(g, grp, &ns, rand_batch(g), REG_NORMAL, g->rule != R_BP, 0, "depth 1");
		valid_test(g, grp, &ns, rand_batch(g), k % 2 ? REG_LARGE : REG_TINY, 0, 0, "depth 1");
	}
	// All-identity networks, depths 2..5, dyadic weights: the DFA product
	// identity (and FA / SS identities) hold exactly.
	for (size_t L = 2; L <= 5; L++) {
		netspec ns = rand_net(g, L, L % 2 ? CRO_LOSS_SOFTMAX_CE : CRO_LOSS_MSE);
		for (size_t l = 1; l + 1 < L; l++)
			set_act(g, &ns, l, CRO_ACT_IDENTITY);
		if (L == 5) // one fully linear network
			for (size_t l = 0; l < L; l++)
				set_act(g, &ns, l, CRO_ACT_IDENTITY);
		g->variant = next_variant(g);
		json_t *grp = new_group(g, net_json(&ns));
		int idp = g->rule != R_BP;
		valid_test(g, grp, &ns, 1, REG_NORMAL, idp, 1, "linear hidden layers, dyadic weights");
		valid_test(g, grp, &ns, rand_batch(g), REG_NORMAL, idp, 1, "linear hidden layers, dyadic weights");
		valid_test(g, grp, &ns, rand_batch(g), REG_NORMAL, 0, 0, "linear hidden layers");
	}
	// DFA's other identity: depth 2, any activations, D_1 = W_2^T.
	for (int k = 0; k < 2; k++) {
		netspec ns = rand_net(g, 2, k);
		set_act(g, &ns, 0, k ? CRO_ACT_LOGISTIC : CRO_ACT_TANH);
		g->variant = next_variant(g);
		json_t *grp = new_group(g, net_json(&ns));
		valid_test(g, grp, &ns, rand_batch(g), REG_NORMAL, g->rule != R_BP, 0, "depth 2");
		valid_test(g, grp, &ns, rand_batch(g), REG_SAT, g->rule != R_BP, 0, "depth 2");
	}
}

// Relu ties (NOT-TOL-4) and relu'(0), leaky'(0) with G(a) = 0.
static void tie_groups(gen *g)
{
	for (int k = 0; k < 2; k++) {
		netspec ns;
		memset(&ns, 0, sizeof ns);
		ns.L = 2;
		ns.n[0] = 3; ns.n[1] = 5; ns.n[2] = 2;
		ns.loss = CRO_LOSS_MSE;
		set_act(g, &ns, 0, k ? CRO_ACT_LEAKY_RELU : CRO_ACT_RELU);
		set_act(g, &ns, 1, CRO_ACT_TANH);
		g->variant = next_variant(g);
		json_t *grp = new_group(g, net_json(&ns));
		static inputs in;
		for (int v = 0; v < 3; v++) {
			size_t N = v == 0 ? 1 : 3;
			int done = 0;
			for (int attempt = 0; attempt < 50 && !done; attempt++) {
				rand_inputs(g, &ns, N, REG_NORMAL, 1, &in);
				make_feedback(g, &ns, 0, &in);
				// Unit 2 of layer 1, sample 0: a = W x + b is exactly 0,
				// since every product and partial sum of these dyadic
				// numbers is exact in any order.
				double s = 0.0;
				for (size_t j = 0; j < 3; j++)
					s += in.W[2 * 3 + j] * in.x[j];
				in.b[2] = -s;
				char comment[200];
				if (v < 2) {
					snprintf(comment, sizeof comment, "depth 2, widths 3-5-2, %s/tanh, mse, batch %zu, "
					         "layer-1 unit 2 of sample 1 has a = 0 exactly with G(a) > 0 (tie)",
					         cro_act_name(ns.act[0]), N);
					done = add_valid(g, grp, &ns, &in, comment, 0, 1, REG_NORMAL);
				} else {
					// Row 2 of W_1 and b_1[2] zero: a = 0 with G(a) = 0,
					// not a tie; f'(0) is the spec's (0 or the slope).
					for (size_t j = 0; j < 3; j++)
						in.W[2 * 3 + j] = 0.0;
					in.b[2] = 0.0;
					snprintf(comment, sizeof comment, "depth 2, widths 3-5-2, %s/tanh, mse, batch %zu, "
					         "layer-1 unit 2 has a = 0 with G(a) = 0: f'(0) of NOT-ACT-4/5, not a tie",
					         cro_act_name(ns.act[0]), N);
					done = add_valid(g, grp, &ns, &in, comment, 0, 0, REG_ZERO);
				}
			}
			if (!done)
				die("tie case could not be drawn");
		}
	}
}

// ---------------------------------------------------------------- errors

// Replaces entry path [i][j][k] (k < 0: [i][j]) of input[key] by a string.
void poke_str(json_t *input, const char *key, size_t i, size_t j, long k, const char *s)
{
	json_t *a = json_array_get(json_object_get(input, key), i);
	if (k < 0) {
		json_array_set_new(a, j, json_string(s));
	} else {
		json_array_set_new(json_array_get(a, j), (size_t)k, json_string(s));
	}
}

static void error_groups(gen *g)
{
	static inputs in;
	netspec ns;
	memset(&ns, 0, sizeof ns);
	ns.L = 2;
	ns.n[0] = 3; ns.n[1] = 4; ns.n[2] = 2;
	ns.loss = CRO_LOSS_MSE;
	set_act(g, &ns, 0, CRO_ACT_TANH);
	set_act(g, &ns, 1, CRO_ACT_IDENTITY);
	g->variant = g->rule == R_SS ? "frSF" : NULL;
	int orule = oracle_rule(g);
	json_t *grp = new_group(g, net_json(&ns));
	rand_inputs(g, &ns, 3, REG_NORMAL, 0, &in);
	make_feedback(g, &ns, 0, &in);
	json_t *base = input_json(&ns, orule, &in), *c;

	c = json_deep_copy(base); // W_1 with an extra row
	json_array_append_new(json_array_get(json_object_get(c, "W"), 0),
	                      vec_json(in.W, 3));
	add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "W_1 has 5 rows, not n_1 = 4");
	c = json_deep_copy(base); // ragged x
	json_array_remove(json_array_get(json_object_get(c, "x"), 2), 2);
	add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "row 3 of x has 2 entries, not n_0 = 3");
	c = json_deep_copy(base);
	json_array_remove(json_object_get(c, "t"), 2);
	add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "t has 2 rows, x has 3");
	c = json_deep_copy(base);
	for (size_t s = 0; s < 3; s++)
		json_array_append_new(json_array_get(json_object_get(c, "t"), s), jnum(0.375));
	add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "every row of t has 3 entries, not n_L = 2");
	c = json_deep_copy(base);
	json_array_remove(json_object_get(c, "W"), 1);
	json_array_remove(json_object_get(c, "b"), 1);
	add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "layer 2 missing from W and b");
	c = json_deep_copy(base);
	json_array_append_new(json_array_get(json_object_get(c, "b"), 1), jnum(-0.6180339887));
	add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "b_2 has 3 entries, not n_2 = 2");
	if (orule != CRO_RULE_BP) {
		c = json_deep_copy(base);
		const char *key = fb_key(orule);
		// The feedback matrix in the other orientation (the classic
		// W-shaped feedback bug, NOT-FB-4).
		size_t r, cc;
		fb_shape(&ns, orule, 0, &r, &cc);
		double tr[64];
		for (size_t i = 0; i < r; i++)
			for (size_t j = 0; j < cc; j++)
				tr[j * r + i] = in.fb[i * cc + j];
		json_array_set_new(json_object_get(c, key), 0, mat_json(tr, cc, r));
		char msg[120];
		snprintf(msg, sizeof msg, "%s[0] transposed: %zu x %zu instead of %zu x %zu", key, cc, r, r, cc);
		add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", msg);
	}
	c = json_deep_copy(base);
	json_object_set_new(c, "x", json_array());
	json_object_set_new(c, "t", json_array());
	add_invalid(g, grp, c, "zero_size", "ZeroSize", "empty batch: x = [] and t = []");
	c = json_deep_copy(base);
	poke_str(c, "W", 0, 1, 2, "NaN");
	add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "W_1[1][2] is NaN");
	c = json_deep_copy(base);
	poke_str(c, "b", 1, 0, -1, "Infinity");
	add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "b_2[0] is +Infinity");
	c = json_deep_copy(base);
	poke_str(c, "x", 1, 0, -1, "-Infinity");
	add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "x[1][0] is -Infinity");
	c = json_deep_copy(base);
	poke_str(c, "t", 2, 1, -1, "NaN");
	add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "t[2][1] is NaN");
	if (orule != CRO_RULE_BP) {
		c = json_deep_copy(base);
		poke_str(c, fb_key(orule), 0, 0, 0, "Infinity");
		char msg[80];
		snprintf(msg, sizeof msg, "%s[0][0][0] is +Infinity", fb_key(orule));
		add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", msg);
	}
	json_decref(base);

	if (g->rule == R_SS) { // uSF: scale of the wrong length, non-finite scale
		g->variant = "uSF";
		orule = oracle_rule(g);
		grp = new_group(g, net_json(&ns));
		make_feedback(g, &ns, 0, &in);
		base = input_json(&ns, orule, &in);
		c = json_deep_copy(base);
		json_array_append_new(json_object_get(c, "scale"), jnum(0.7071));
		add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "scale has 2 entries, not L - 1 = 1");
		c = json_deep_copy(base);
		json_array_set_new(json_object_get(c, "scale"), 0, json_string("NaN"));
		add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "scale[0] is NaN");
		json_decref(base);
		g->variant = "frSF";
		orule = oracle_rule(g);
	}

	// A zero width; every array has the shape that width implies.
	{
		netspec z = ns;
		z.n[1] = 0;
		grp = new_group(g, net_json(&z));
		json_t *in0 = json_object();
		json_t *W = json_array(), *b = json_array(), *W2 = json_array();
		json_array_append_new(W, json_array());         // W_1: 0 x 3
		json_array_append_new(W2, json_array());        // W_2: 2 x 0
		json_array_append_new(W2, json_array());
		json_array_append_new(W, W2);
		json_array_append_new(b, json_array());
		json_array_append_new(b, vec_json(in.b + 4, 2));
		json_object_set_new(in0, "W", W);
		json_object_set_new(in0, "b", b);
		if (orule == CRO_RULE_FA || orule == CRO_RULE_DFA) { // B_2 0 x 2, D_1 0 x 2
			json_t *f = json_array();
			json_array_append_new(f, json_array());
			json_object_set_new(in0, fb_key(orule), f);
		} else if (orule != CRO_RULE_BP) { // M_2: 2 x 0
			json_t *f = json_array(), *m = json_array();
			json_array_append_new(m, json_array());
			json_array_append_new(m, json_array());
			json_array_append_new(f, m);
			json_object_set_new(in0, "M", f);
		}
		json_object_set_new(in0, "x", mat_json(in.x, 3, 3));
		json_object_set_new(in0, "t", mat_json(in.t, 3, 2));
		add_invalid(g, grp, in0, "zero_size", "ZeroSize", "n_1 = 0, arrays shaped accordingly");
	}
	// Unknown activation and loss names; non-finite slopes.
	{
		json_t *nj = net_json(&ns);
		json_object_set_new(json_array_get(json_object_get(nj, "activations"), 0),
		                    "name", json_string("softsign"));
		grp = new_group(g, nj);
		add_invalid(g, grp, input_json(&ns, orule, &in), "unknown_activation",
		            "UnknownActivation", "layer 1 activation \"softsign\"");
		nj = net_json(&ns);
		json_object_set_new(nj, "loss", json_string("hinge"));
		grp = new_group(g, nj);
		add_invalid(g, grp, input_json(&ns, orule, &in), "unknown_loss", "UnknownLoss",
		            "loss \"hinge\"");
		static const char *const bad[] = { "NaN", "Infinity" };
		for (int k = 0; k < 2; k++) {
			netspec lk = ns;
			set_act(g, &lk, 0, CRO_ACT_LEAKY_RELU);
			nj = net_json(&lk);
			json_object_set_new(json_array_get(json_object_get(nj, "activations"), 0),
			                    "slope", json_string(bad[k]));
			grp = new_group(g, nj);
			char msg[80];
			snprintf(msg, sizeof msg, "leaky_relu slope %s (NOT-ACT-6)", bad[k]);
			add_invalid(g, grp, input_json(&lk, orule, &in), "invalid_parameter",
			            "InvalidParameter", msg);
		}
	}
	// Finite inputs that overflow.
	{
		netspec o1;
		memset(&o1, 0, sizeof o1);
		o1.L = 1; o1.n[0] = 1; o1.n[1] = 1; o1.loss = CRO_LOSS_MSE;
		set_act(g, &o1, 0, CRO_ACT_IDENTITY);
		static inputs v;
		memset(&v, 0, sizeof v);
		v.N = 1;
		v.W[0] = 1.3e300; v.b[0] = 0.25; v.x[0] = -2.7e300; v.t[0] = 0.8125;
		grp = new_group(g, net_json(&o1));
		add_invalid(g, grp, input_json(&o1, orule, &v), "non_finite_result", "NonFiniteResult",
		            "a_1 = 1.3e300 * -2.7e300 overflows");
		v.W[0] = 1.1e100; v.x[0] = 1.7e100; v.t[0] = -2.9e100;
		add_invalid(g, grp, input_json(&o1, orule, &v), "non_finite_result", "NonFiniteResult",
		            "y = 1.87e200 is finite, the loss (y - t)^2 / 2 overflows");
		netspec o2;
		memset(&o2, 0, sizeof o2);
		o2.L = 2; o2.n[0] = 1; o2.n[1] = 1; o2.n[2] = 3; o2.loss = CRO_LOSS_SOFTMAX_CE;
		set_act(g, &o2, 0, CRO_ACT_IDENTITY);
		set_act(g, &o2, 1, CRO_ACT_IDENTITY);
		memset(&v, 0, sizeof v);
		v.N = 2;
		v.W[0] = 2.2e300; v.W[1] = 0.75; v.W[2] = -1.25; v.W[3] = 0.3;
		v.b[0] = 0.1; v.b[1] = -0.2; v.b[2] = 0.4; v.b[3] = 0.05;
		v.x[0] = 3.1e300; v.x[1] = 0.9;
		v.t[0] = 0.25; v.t[1] = 0.5; v.t[2] = 0.25; v.t[3] = 0.0; v.t[4] = 1.0; v.t[5] = 0.0;
		make_feedback(g, &o2, 0, &v);
		grp = new_group(g, net_json(&o2));
		add_invalid(g, grp, input_json(&o2, orule, &v), "non_finite_result", "NonFiniteResult",
		            "sample 1: a_1 = 2.2e300 * 3.1e300 overflows before the softmax");
	}
}

// ---------------------------------------------------------------- added cases

// Dies unless the last test of grp carries flag f (the case was drawn to
// have it).
void require_flag(json_t *grp, const char *f, const char *what)
{
	json_t *tests = json_object_get(grp, "tests");
	json_t *flags = json_object_get(json_array_get(tests, json_array_size(tests) - 1), "flags");
	size_t i;
	json_t *e;
	json_array_foreach(flags, i, e)
		if (strcmp(json_string_value(e), f) == 0)
			return;
	die("%s: flag %s missing", what, f);
}

// UnnormalizedTarget: softmax_ce targets with tau = sum_k t_k != 1
// (NOT-LOSS-2), depths 1-3, batch 1 and > 1, one case per group with a
// negative target entry. Identity cases are checked against BP as usual.
static void unnormalized_target_groups(gen *g)
{
	for (size_t L = 1; L <= 3; L++)
		for (int k = 0; k < 2; k++) {
			netspec ns = rand_net(g, L, CRO_LOSS_SOFTMAX_CE);
			if (k == 0) // the usual identity logits
				set_act(g, &ns, L - 1, CRO_ACT_IDENTITY);
			g->variant = next_variant(g);
			json_t *grp = new_group(g, net_json(&ns));
			const char *un = "target rows sum to 0.5, 2 or 0.75 (tau != 1)";
			const char *ng = "last target row has a negative entry (tau != 1)";
			g->tmode = TGT_UNNORM;
			valid_test(g, grp, &ns, 1, REG_NORMAL, 0, 0, un);
			require_flag(grp, "UnnormalizedTarget", un);
			valid_test(g, grp, &ns, rand_batch(g), REG_NORMAL, 0, 0, un);
			require_flag(grp, "UnnormalizedTarget", un);
			valid_test(g, grp, &ns, rand_batch(g), REG_NORMAL, identity_possible(g, &ns), 0, un);
			require_flag(grp, "UnnormalizedTarget", un);
			g->tmode = TGT_NEGATIVE;
			valid_test(g, grp, &ns, rand_batch(g), REG_NORMAL, 0, 0, ng);
			require_flag(grp, "UnnormalizedTarget", ng);
			if (k == 1) {
				valid_test(g, grp, &ns, 1, REG_NORMAL, 0, 0, ng);
				require_flag(grp, "UnnormalizedTarget", ng);
			}
			g->tmode = TGT_PROB;
		}
}

// Would f'(0) = 1 change this case's outputs? For each layer l with a zero
// unit z_l: a leaky_relu unit needs db_l[z_l] != 0 (its incoming error is
// nonzero in some sample); a hidden relu unit needs delta_{l+1} nonzero in
// some sample (some db_{l+1} entry != 0), without which nothing reaches it.
// An output relu unit has the error e_z, nonzero for these random targets.
static int zero_units_sensitive(gen *g, const netspec *ns, const inputs *in, const size_t *zrow)
{
	static outbuf ob;
	outbuf_init(&ob);
	int orule = oracle_rule(g);
	cro_net net = as_cro(ns);
	size_t nL = ns->n[ns->L];
	cro_status st = cro_grad(&net, orule, in->N, in->W, Wlen(ns), in->b, blen(ns), in->fb,
	                         cro_fb_len(&net, orule), in->x, in->N * ns->n[0], in->t,
	                         in->N * nL, &ob.o);
	if (st != CRO_OK)
		return 1; // add_valid decides
	for (size_t l = 1; l <= ns->L; l++) {
		const double *db = ob.o.db + blen_upto(ns, l);
		if (ns->act[l - 1] == CRO_ACT_LEAKY_RELU && db[zrow[l - 1]] == 0.0)
			return 0;
		if (ns->act[l - 1] == CRO_ACT_RELU && l < ns->L) {
			const double *dbn = ob.o.db + blen_upto(ns, l + 1);
			int any = 0;
			for (size_t k = 0; k < ns->n[l + 1]; k++)
				any |= dbn[k] != 0.0;
			if (!any)
				return 0;
		}
	}
	return 1;
}

// ExactZeroPreactivation: rows of W_l that are all zeros with the b_l entry
// 0, in hidden and output layers, so a relu / leaky_relu pre-activation is
// exactly 0 with G(a) = 0 in every sample (not a tie, NOT-TOL-4); the spec's
// f'(0) (NOT-ACT-4/5) decides the gradients. Batch > 1.
static void zero_preact_groups(gen *g)
{
	static const int acts[4][3] = {
		{ CRO_ACT_RELU, CRO_ACT_LEAKY_RELU, -1 },
		{ CRO_ACT_LEAKY_RELU, CRO_ACT_RELU, CRO_ACT_RELU },
		{ CRO_ACT_RELU, CRO_ACT_LEAKY_RELU, CRO_ACT_LEAKY_RELU },
		{ CRO_ACT_LEAKY_RELU, CRO_ACT_RELU, -1 },
	};
	static inputs in;
	for (int c = 0; c < 4; c++) {
		netspec ns;
		memset(&ns, 0, sizeof ns);
		ns.L = acts[c][2] < 0 ? 2 : 3;
		ns.loss = c % 2 ? CRO_LOSS_SOFTMAX_CE : CRO_LOSS_MSE;
		for (size_t l = 0; l <= ns.L; l++)
			ns.n[l] = I(g, 2, 6);
		for (size_t l = 0; l < ns.L; l++)
			set_act(g, &ns, l, acts[c][l]);
		g->variant = next_variant(g);
		json_t *grp = new_group(g, net_json(&ns));
		char nc[160];
		net_comment(&ns, nc, sizeof nc);
		for (int v = 0; v < 3; v++) {
			size_t N = rand_batch(g);
			int identity = v == 1 && identity_possible(g, &ns);
			size_t zrow[MAXL];
			int done = 0;
			for (int attempt = 0; attempt < 50 && !done; attempt++) {
				rand_inputs(g, &ns, N, REG_NORMAL, 0, &in);
				// One zero row per layer; the zeros come before the
				// feedback so identity feedback sees them.
				for (size_t l = 1; l <= ns.L; l++) {
					zrow[l - 1] = I(g, 0, ns.n[l] - 1);
					double *Wl = in.W + Woff(&ns, l);
					for (size_t j = 0; j < ns.n[l - 1]; j++)
						Wl[zrow[l - 1] * ns.n[l - 1] + j] = 0.0;
					in.b[blen_upto(&ns, l) + zrow[l - 1]] = 0.0;
				}
				make_feedback(g, &ns, identity, &in);
				if (!zero_units_sensitive(g, &ns, &in, zrow))
					continue;
				char comment[320];
				size_t k = (size_t)snprintf(comment, sizeof comment, "%s, batch %zu, %s"
				                            "a = 0 with G(a) = 0 at unit ", nc, N,
				                            identity ? "identity feedback, " : "");
				for (size_t l = 1; l <= ns.L && k < sizeof comment; l++)
					k += (size_t)snprintf(comment + k, sizeof comment - k, "%s%zu of layer %zu",
					                      l > 1 ? ", " : "", zrow[l - 1], l);
				if (k < sizeof comment)
					snprintf(comment + k, sizeof comment - k,
					         " (zero row of W_l, b_l entry 0): f'(0) of NOT-ACT-4/5, not a tie");
				done = add_valid(g, grp, &ns, &in, comment, identity, 0, REG_ZERO);
				if (done)
					require_flag(grp, "ExactZeroPreactivation", comment);
			}
			if (!done)
				die("exact-zero pre-activation case could not be drawn");
		}
	}
}

// SS-ERR-1, SS-API-1: feedback arrays whose lengths fit no variant, at
// depth >= 2 (expected error size_mismatch).
static void ss_size_groups(gen *g)
{
	static inputs in;
	static const char *const variants[] = { "frSF", "brSF", "uSF" };
	for (size_t L = 2; L <= 3; L++) {
		netspec ns;
		memset(&ns, 0, sizeof ns);
		ns.L = L;
		ns.n[0] = 3; ns.n[1] = 4; ns.n[2] = L == 2 ? 2 : 3; ns.n[3] = 2;
		ns.loss = CRO_LOSS_MSE;
		set_act(g, &ns, 0, CRO_ACT_TANH);
		set_act(g, &ns, 1, L == 2 ? CRO_ACT_IDENTITY : CRO_ACT_RELU);
		if (L == 3)
			set_act(g, &ns, 2, CRO_ACT_IDENTITY);
		rand_inputs(g, &ns, 3, REG_NORMAL, 0, &in);
		// Both feedback forms of this input, for mixing.
		static inputs ms, sc;
		ms = in;
		sc = in;
		g->variant = "frSF";
		make_feedback(g, &ns, 0, &ms);
		g->variant = "uSF";
		make_feedback(g, &ns, 0, &sc);
		json_t *Mj = fb_json(&ns, CRO_RULE_SS_FRSF, ms.fb);
		json_t *Sj = fb_json(&ns, CRO_RULE_SS_USF, sc.fb);
		for (int v = 0; v < 3; v++) {
			g->variant = variants[v];
			int usf = v == 2;
			json_t *grp = new_group(g, net_json(&ns));
			json_t *base = input_json(&ns, oracle_rule(g), usf ? &sc : &ms), *c;
			char msg[160];
			c = json_deep_copy(base);
			json_object_set_new(c, usf ? "scale" : "M", json_array());
			snprintf(msg, sizeof msg, "%s is [] at depth %zu (SS-API-1: neither form's lengths)",
			         usf ? "scale" : "M", L);
			add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", msg);
			c = json_deep_copy(base);
			json_object_set_new(c, usf ? "M" : "scale", json_deep_copy(usf ? Mj : Sj));
			snprintf(msg, sizeof msg, "both M and scale given, each of the right length (SS-IN-4)");
			add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", msg);
			if (L == 3 && v != 1) {
				c = json_deep_copy(base);
				json_object_del(c, usf ? "scale" : "M");
				json_object_set_new(c, usf ? "M" : "scale", json_deep_copy(usf ? Mj : Sj));
				snprintf(msg, sizeof msg, "%s given instead of %s", usf ? "M" : "scale",
				         usf ? "scale" : "M");
				add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", msg);
			}
			if (L == 3 && v == 0) {
				c = json_deep_copy(base);
				json_t *M = json_object_get(c, "M");
				json_array_append(M, json_array_get(M, json_array_size(M) - 1));
				add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
				            "M has 3 matrices, not L - 1 = 2 (the last repeated)");
			}
			if (L == 3 && v == 2) {
				c = json_deep_copy(base);
				json_array_remove(json_object_get(c, "scale"), 1);
				add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
				            "scale has 1 entry, not L - 1 = 2");
			}
			json_decref(base);
		}
		json_decref(Mj);
		json_decref(Sj);
	}
}

// ---------------------------------------------------------------- output

typedef struct {
	char *p;
	size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 16;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			die("out of memory");
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_indent(sbuf *b, int n)
{
	for (int i = 0; i < n; i++)
		sb_put(b, " ", 1);
}

static int is_scalar(json_t *v) { return !json_is_array(v) && !json_is_object(v); }

static int all_scalar(json_t *v)
{
	size_t i;
	json_t *e;
	const char *k;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (!is_scalar(e))
				return 0;
		return 1;
	}
	json_object_foreach(v, k, e)
		if (!is_scalar(e))
			return 0;
	return 1;
}

// Pretty printer: containers of scalars on one line (so a matrix row, an
// activation or a tolerance reads as one line), everything else one element
// per line, indented by one space per level. Numbers are jansson's %.17g
// (VEC-NUM-1); key order is insertion order.
static void emit(sbuf *b, json_t *v, int ind)
{
	const size_t fl = JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY;
	if (is_scalar(v) || all_scalar(v)) {
		char *s = json_dumps(v, fl);
		if (!s)
			die("json_dumps failed");
		sb_str(b, s);
		free(s);
		return;
	}
	if (json_is_array(v)) {
		sb_str(b, "[\n");
		for (size_t i = 0; i < json_array_size(v); i++) {
			sb_indent(b, ind + 1);
			emit(b, json_array_get(v, i), ind + 1);
			sb_str(b, i + 1 < json_array_size(v) ? ",\n" : "\n");
		}
		sb_indent(b, ind);
		sb_str(b, "]");
		return;
	}
	sb_str(b, "{\n");
	const char *k;
	json_t *e;
	size_t i = 0, n = json_object_size(v);
	json_object_foreach(v, k, e) {
		json_t *ks = json_string(k);
		char *kd = json_dumps(ks, JSON_ENCODE_ANY);
		json_decref(ks);
		sb_indent(b, ind + 1);
		sb_str(b, kd);
		sb_str(b, ": ");
		free(kd);
		emit(b, e, ind + 1);
		sb_str(b, ++i < n ? ",\n" : "\n");
	}
	sb_indent(b, ind);
	sb_str(b, "}");
}

int same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

// Compares a JSON list of matrices or vectors with a flat array.
void cmp_list(json_t *j, const double *v, size_t *k, const char *what)
{
	size_t i;
	json_t *e;
	json_array_foreach(j, i, e) {
		if (json_is_array(e)) {
			cmp_list(e, v, k, what);
		} else {
			if (!same_bits(json_real_value(e), v[*k]))
				die("re-read %s entry %zu differs: %.17g vs %.17g", what, *k,
				    json_real_value(e), v[*k]);
			(*k)++;
		}
	}
}

// Parses the finished text again and recomputes every test from it.
static void verify_text(gen *g, const char *text)
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
			flatcase fc;
			outbuf_init(&ob_rule);
			cro_status st = run_json(g->rule, variant, json_object_get(grp, "network"),
			                         json_object_get(t, "input"), &fc, &ob_rule.o);
			const char *res = json_string_value(json_object_get(t, "result"));
			if (strcmp(res, "invalid") == 0) {
				if (strcmp(cro_status_name(st), json_string_value(json_object_get(t, "error"))) != 0)
					die("tcId %zu: re-read error %s", count, cro_status_name(st));
				continue;
			}
			if (st != CRO_OK)
				die("tcId %zu: re-read status %s", count, cro_status_name(st));
			json_t *e = json_object_get(t, "expected"), *ga = json_object_get(t, "gauge");
			size_t k = 0;
			if (!same_bits(json_real_value(json_object_get(e, "loss")), ob_rule.o.loss) ||
			    !same_bits(json_real_value(json_object_get(ga, "loss")), ob_rule.o.loss_gauge))
				die("tcId %zu: re-read loss differs", count);
			cmp_list(json_object_get(e, "dW"), ob_rule.o.dW, &k, "dW");
			k = 0;
			cmp_list(json_object_get(e, "db"), ob_rule.o.db, &k, "db");
			k = 0;
			cmp_list(json_object_get(ga, "dW"), ob_rule.o.dW_gauge, &k, "dW gauge");
			k = 0;
			cmp_list(json_object_get(ga, "db"), ob_rule.o.db_gauge, &k, "db gauge");
		}
	}
	if ((size_t)json_integer_value(json_object_get(root, "numberOfTests")) != count)
		die("numberOfTests differs from the count");
	json_decref(root);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void write_file(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		die("cannot write %s", tmp);
	if (rename(tmp, path) != 0)
		die("cannot rename %s to %s", tmp, path);
}

// Builds and verifies one file; returns its text (malloc'd) and length.
static char *generate(int rule, size_t *text_len)
{
	gen g;
	memset(&g, 0, sizeof g);
	g.rule = rule;
	g.r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g.r, seeds[rule]);
	g.groups = json_array();

	if (rule == R_KP) {
		kp_plan(&g);
	} else if (rule == R_ALIGN) {
		align_plan(&g);
	} else if (rule >= R_WM) {
		fbl_plan(&g);
	} else {
		coverage_groups(&g);
		shape_groups(&g);
		tie_groups(&g);
		error_groups(&g);
		// Added after the original plan so the earlier cases keep their
		// random draws, ids and tcIds.
		unnormalized_target_groups(&g);
		zero_preact_groups(&g);
		if (rule == R_SS)
			ss_size_groups(&g);
	}

	// Number the tests and check that no two ask the same question.
	size_t n = 0, gi, ti;
	json_t *grp, *t;
	json_array_foreach(g.groups, gi, grp)
		json_array_foreach(json_object_get(grp, "tests"), ti, t)
			json_object_set_new(t, "tcId", json_integer((json_int_t)++n));
	const char **ids = malloc(n * sizeof *ids);
	size_t k = 0;
	json_array_foreach(g.groups, gi, grp)
		json_array_foreach(json_object_get(grp, "tests"), ti, t)
			ids[k++] = json_string_value(json_object_get(t, "id"));
	qsort(ids, n, sizeof *ids, cmp_str);
	for (k = 1; k < n; k++)
		if (strcmp(ids[k - 1], ids[k]) == 0)
			die("duplicate test id %s", ids[k]);
	free(ids);

	json_t *root = json_object();
	json_object_set_new(root, "schema", json_string("vectors.schema.json"));
	json_object_set_new(root, "formatVersion", json_integer(1));
	json_object_set_new(root, "rule", json_string(file_rules[rule]));
	// kp follows spec revision 2 (NOT-STEP-*); the gradient files still
	// follow revision 1, which revision 2 left unchanged for them.
	json_object_set_new(root, "specRevision", json_string(rule >= R_KP ? "2" : "1"));
	json_t *gj = json_object();
	json_object_set_new(gj, "name", json_string("credit-oracle"));
	json_object_set_new(gj, "version", json_string(GEN_VERSION));
	json_object_set_new(gj, "gsl", json_string(gsl_version));
	json_object_set_new(gj, "seed", json_integer((json_int_t)seeds[rule]));
	json_object_set_new(root, "generator", gj);
	json_object_set_new(root, "numberOfTests", json_integer((json_int_t)n));
	json_t *hdr = json_array();
	char line[256];
	snprintf(line, sizeof line, "Golden vectors for the %s rule (spec/rules/%s.md), "
	         "generated by conformance/oracle/ (GSL BLAS, independent of ref/).",
	         file_rules[rule], file_rules[rule]);
	json_array_append_new(hdr, json_string(line));
	json_array_append_new(hdr, json_string("Regenerate with `make vectors`; `make vectors-check` "
	                                       "verifies the files are byte-identical to a fresh run."));
	json_array_append_new(hdr, json_string("A value passes when |got - expected| <= k u G "
	                                       "(NOT-TOL-3), k from tolerance, G from gauge."));
	if (rule == R_BP)
		json_array_append_new(hdr, json_string("Every BP gradient entry was checked against "
		                                       "gsl_deriv_central of the loss (see conformance/oracle/fd.c)."));
	else if (rule == R_KP) {
		json_array_append_new(hdr, json_string("Each test is a trajectory of k steps (NOT-STEP-*): "
		                                       "expected.loss[s] is the loss of step s + 1, expected.W[s], "
		                                       "b[s], B[s] the state after it; one tolerance factor per "
		                                       "field (NOT-STEP-5, r = 3), one gauge per value (NOT-STEP-4)."));
		json_array_append_new(hdr, json_string("Every valid trajectory was recomputed in long double "
		                                       "(conformance/oracle/ldcheck.c) and checked for the "
		                                       "contraction W_l - B_l^T = c^s (W_l,0 - B_l,0^T) of KP-ID-1 "
		                                       "at every step; Identity cases have B_l = W_l^T bit for bit "
		                                       "at every step (KP-ID-2)."));
	} else if (rule == R_ALIGN) {
		align_header(hdr);
	} else if (rule >= R_WM) {
		fbl_header(rule, hdr);
	} else
		json_array_append_new(hdr, json_string("Identity cases were checked against BP; "
		                                       "other cases have no exact reference."));
	json_object_set_new(root, "header", hdr);
	json_t *notes = json_object();
	for (size_t f = 0; f < NFLAGS; f++)
		if (g.flags_used & (1u << f)) {
			json_t *nobj = json_object();
			json_object_set_new(nobj, "bugType", json_string(flag_types[f]));
			const char *d = rule == R_KP ? kp_flag_desc(flag_names[f]) :
			                rule == R_ALIGN ? align_flag_desc(flag_names[f]) :
			                rule >= R_WM ? fbl_flag_desc(rule, flag_names[f]) : NULL;
			json_object_set_new(nobj, "description", json_string(d ? d : flag_desc[f]));
			json_object_set_new(notes, flag_names[f], nobj);
		}
	json_object_set_new(root, "notes", notes);
	json_object_set_new(root, "unitRoundoff", jnum(CRO_U));
	json_object_set_new(root, "testGroups", g.groups);

	sbuf b = { 0 };
	emit(&b, root, 0);
	sb_str(&b, "\n");
	if (rule == R_KP)
		kp_verify_text(&g, b.p);
	else if (rule == R_ALIGN)
		align_verify_text(&g, b.p);
	else if (rule >= R_WM)
		fbl_verify_text(&g, b.p);
	else
		verify_text(&g, b.p);

	if (rule == R_KP)
		printf("%-3s: %zu tests (%zu valid, %zu invalid, %zu acceptable), %zu steps, "
		       "%zu identity trajectories with B = W^T bit for bit, KP-ID-1 contraction "
		       "worst ratio %.3g over %zu entries, worst long double ratio %.3g, %zu bytes\n",
		       file_rules[rule], n, g.valid, g.invalid, g.acceptable, g.steps, g.id_checked,
		       g.contr_worst, g.contr_checked, g.ld_worst, b.len);
	else if (rule == R_ALIGN)
		printf("%-3s: %zu tests (%zu valid, %zu invalid, %zu acceptable), FD entries %zu "
		       "checked, worst FD ratio %.3g, %zu identity cases (B = W^T) exact, worst "
		       "long double ratio %.3g, %zu bytes\n",
		       file_rules[rule], n, g.valid, g.invalid, g.acceptable, g.fd.checked,
		       g.fd.worst_ratio, g.id_checked, g.ld_worst, b.len);
	else if (rule >= R_WM)
		printf("%-3s: %zu tests (%zu valid, %zu invalid, %zu acceptable), %zu steps, %zu "
		       "identity trajectories (first step: G = 0 exactly, W, b, loss equal to KP's "
		       "with decay 0 bit for bit), worst long double ratio %.3g, %zu bytes\n",
		       file_rules[rule], n, g.valid, g.invalid, g.acceptable, g.steps, g.id_checked,
		       g.ld_worst, b.len);
	else if (rule == R_BP)
		printf("%-3s: %zu tests (%zu valid, %zu invalid, %zu acceptable), FD entries "
		       "%zu checked, %zu skipped at kinks, worst FD ratio %.3g, worst long double "
		       "ratio %.3g, %zu bytes\n",
		       file_rules[rule], n, g.valid, g.invalid, g.acceptable, g.fd.checked,
		       g.fd.skipped, g.fd.worst_ratio, g.ld_worst, b.len);
	else
		printf("%-3s: %zu tests (%zu valid, %zu invalid, %zu acceptable), %zu identity "
		       "cases checked against BP, worst ratio %.3g, worst long double ratio %.3g, "
		       "%zu bytes\n",
		       file_rules[rule], n, g.valid, g.invalid, g.acceptable, g.id_checked,
		       g.id_worst, g.ld_worst, b.len);
	fflush(stdout);
	json_decref(root);
	gsl_rng_free(g.r);
	*text_len = b.len;
	return b.p;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: credit-oracle OUTDIR\n"
		        "Writes OUTDIR/{bp,fa,dfa,ss,kp,wm,align,sa,aa,ia}.json and OUTDIR/SHA256SUMS.\n");
		return 2;
	}
	// All files are built and verified before any is written, so a
	// generator error leaves OUTDIR as it was.
	char *text[R_COUNT];
	size_t len[R_COUNT];
	for (int r = R_BP; r < R_COUNT; r++)
		text[r] = generate(r, &len[r]);
	char sums[2048] = "", path[4096], hex[65];
	for (int r = R_BP; r < R_COUNT; r++) {
		snprintf(path, sizeof path, "%s/%s.json", argv[1], file_rules[r]);
		write_file(path, text[r], len[r]);
		sha256_hex(text[r], len[r], hex);
		size_t sl = strlen(sums);
		snprintf(sums + sl, sizeof sums - sl, "%s  %s.json\n", hex, file_rules[r]);
		free(text[r]);
	}
	snprintf(path, sizeof path, "%s/SHA256SUMS", argv[1]);
	write_file(path, sums, strlen(sums));
	return 0;
}
