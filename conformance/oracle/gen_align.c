// conformance/oracle/gen_align.c: the plan of conformance/vectors/align.json,
// Kunin et al.'s five primitives of one layer and their gradients with
// respect to B (spec/rules/align.md ALIGN-PRIM-*, ALIGN-OUT-1, ALIGN-TOL-1),
// one-step cases in the format of spec/vectors.md.
//
// Every valid case is computed by the oracle (cro_align_prims, align.c) from
// its JSON input as written (parsed back), and is written only if
//   - long double (ldcheck.c, cro_ld_align_ratio): the five values and five
//     gradients recomputed with plain loops in long double agree within half
//     their tolerance;
//   - finite differences (fd.c, cro_fd_align): every entry of every gradient
//     agrees with gsl_deriv_central of its primitive's value;
//   - Identity cases (B = W^T): q_n = p_n, so sparse = -2 amp,
//     d_sparse = -2 d_amp and d_decay = -2 d_self hold bit for bit.
// The error cases are confirmed by the oracle, and the finished text is
// parsed again and every test recomputed (align_verify_text) before anything
// is written.
#include "gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	size_t a, c, N;        // n_{l-1}, n_l, samples
	double W[CAP], B[CAP], x[CAP];
	size_t Wl, Bl, xl;
} acase;

typedef struct {
	double d[CRO_PRIM_COUNT][CAP], dg[CRO_PRIM_COUNT][CAP];
	cro_align_out o;
} ares;

static void ares_init(ares *r)
{
	memset(&r->o, 0, sizeof r->o);
	for (int p = 0; p < CRO_PRIM_COUNT; p++) {
		r->o.dR[p] = r->d[p];
		r->o.dR_gauge[p] = r->dg[p];
	}
}

// Which array a magnitude regime scales: W, B or x.
enum { ON_W, ON_B, ON_X };
static const char *const on_names[] = { "W", "B", "x" };
enum { AREG_NORMAL, AREG_LARGE, AREG_TINY, AREG_ZERO, AREG_DYADIC };
static const char *const areg_names[] = { "normal", "large", "tiny", "zero entries", "dyadic" };

// ---------------------------------------------------------------- flags

const char *align_flag_desc(const char *flag)
{
	static const char *const d[][2] = {
		{ "Identity", "B = W^T: q_n = B^T x_n = W x_n = p_n, so sparse = -2 amp, "
		  "d_sparse = -2 d_amp and d_decay = -2 d_self hold exactly; the generator "
		  "checked them bit for bit. An implementation that transposes B in the "
		  "projections still passes these, so they come with the other cases." },
		{ "LargeMagnitude", "The entries of one of W, B, x (the comment says which) are "
		  "about 1e100: values and gradients reach about 1e200 without overflowing." },
		{ "TinyMagnitude", "The entries of one of W, B, x (the comment says which) are "
		  "about 1e-150: products of two such entries are near 1e-300; no value falls "
		  "below the smallest normal double." },
		{ "ZeroWeights", "Some entries of W, B and x are exactly 0 or -0." },
		{ "Width1", "n_{l-1} or n_l is 1." },
		{ "Batch1", "One layer input (N = 1)." },
		{ "SizeMismatch", "W, B or x does not have the shape the widths imply (W is "
		  "n_l x n_{l-1}, B is n_{l-1} x n_l, x is N x n_{l-1}); in particular B given in "
		  "W's orientation (expected error size_mismatch, ALIGN-ERR-1)." },
		{ "ZeroSize", "A width is 0, or there is no layer input (x = [], N = 0) "
		  "(expected error zero_size, ALIGN-ERR-1)." },
		{ "NonFiniteInput", "An entry of W, B or x is NaN or an infinity, written as the "
		  "strings \"NaN\", \"Infinity\", \"-Infinity\" (expected error non_finite_input)." },
		{ "NonFiniteResult", "Finite inputs whose primitive value or gradient overflows "
		  "(expected error non_finite_result, ALIGN-ERR-1)." },
	};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
		if (strcmp(flag, d[i][0]) == 0)
			return d[i][1];
	return NULL;
}

void align_header(json_t *hdr)
{
	json_array_append_new(hdr, json_string("Each test asks for Kunin et al.'s five primitives of "
	                                       "one layer and their gradients with respect to B "
	                                       "(ALIGN-OUT-1): network {\"widths\": [n_{l-1}, n_l]}, "
	                                       "input W (n_l x n_{l-1}), B (n_{l-1} x n_l), x "
	                                       "(N x n_{l-1}); one tolerance factor per field "
	                                       "(ALIGN-TOL-1)."));
	json_array_append_new(hdr, json_string("Every valid case was recomputed in long double "
	                                       "(conformance/oracle/ldcheck.c) and every gradient "
	                                       "entry checked against gsl_deriv_central of its "
	                                       "primitive (conformance/oracle/fd.c)."));
}

// ---------------------------------------------------------------- JSON

static json_t *align_net_json(size_t a, size_t c)
{
	json_t *o = json_object(), *w = json_array();
	json_array_append_new(w, json_integer((json_int_t)a));
	json_array_append_new(w, json_integer((json_int_t)c));
	json_object_set_new(o, "widths", w);
	return o;
}

static json_t *align_input_json(const acase *ac)
{
	json_t *o = json_object();
	json_object_set_new(o, "W", mat_json(ac->W, ac->c, ac->a));
	json_object_set_new(o, "B", mat_json(ac->B, ac->a, ac->c));
	json_object_set_new(o, "x", mat_json(ac->x, ac->N, ac->a));
	return o;
}

// Reads a test (network, input) and runs the oracle, as an independent
// reader of the file would: the widths (a zero width first), the shapes of
// W, B and x, then the oracle's own checks (N = 0, non-finite entries).
static cro_status align_run_json(json_t *network, json_t *input, acase *ac, ares *r)
{
	ares_init(r);
	json_t *w = json_object_get(network, "widths");
	if (json_array_size(w) != 2)
		die("align network without two widths");
	ac->a = (size_t)json_integer_value(json_array_get(w, 0));
	ac->c = (size_t)json_integer_value(json_array_get(w, 1));
	if (ac->a == 0 || ac->c == 0)
		return CRO_ERR_ZERO_SIZE;
	ac->Wl = ac->Bl = ac->xl = 0;
	json_t *x = json_object_get(input, "x");
	ac->N = json_array_size(x);
	if (!read_mat(json_object_get(input, "W"), ac->c, ac->a, ac->W, &ac->Wl) ||
	    !read_mat(json_object_get(input, "B"), ac->a, ac->c, ac->B, &ac->Bl) ||
	    !read_mat(x, ac->N, ac->a, ac->x, &ac->xl))
		return CRO_ERR_SIZE_MISMATCH;
	return cro_align_prims(ac->a, ac->c, ac->N, CRO_PRIM_ALL, ac->W, ac->Wl, ac->B, ac->Bl,
	                       ac->x, ac->xl, NULL, NULL, NULL, &r->o);
}

static void out_json(const acase *ac, const double *R, double *const *dR, const double *k_R,
                     const double *k_dR, json_t *obj, int tol)
{
	for (int p = 0; p < CRO_PRIM_COUNT; p++)
		json_object_set_new(obj, cro_prim_name(p),
		                    tol ? json_integer((json_int_t)k_R[p]) : jnum(R[p]));
	for (int p = 0; p < CRO_PRIM_COUNT; p++) {
		char key[16];
		snprintf(key, sizeof key, "d_%s", cro_prim_name(p));
		json_object_set_new(obj, key, tol ? json_integer((json_int_t)k_dR[p]) :
		                                    mat_json(dR[p], ac->a, ac->c));
	}
}

// ---------------------------------------------------------------- tests

static acase ac_read;
static ares res_read;

// B = W^T: the exact relations of the Identity flag.
static void identity_check(gen *g, const acase *ac, const ares *r, const char *comment)
{
	for (size_t i = 0; i < ac->a; i++)
		for (size_t k = 0; k < ac->c; k++)
			if (!same_bits(ac->B[i * ac->c + k], ac->W[k * ac->a + i]))
				die("align identity case without B = W^T: %s", comment);
	const cro_align_out *o = &r->o;
	if (!same_bits(o->R[CRO_PRIM_SPARSE], -2.0 * o->R[CRO_PRIM_AMP]))
		die("align identity: sparse %.17g != -2 amp %.17g: %s", o->R[CRO_PRIM_SPARSE],
		    o->R[CRO_PRIM_AMP], comment);
	for (size_t i = 0; i < ac->a * ac->c; i++)
		if (o->dR[CRO_PRIM_SPARSE][i] != -2.0 * o->dR[CRO_PRIM_AMP][i] ||
		    o->dR[CRO_PRIM_DECAY][i] != -2.0 * o->dR[CRO_PRIM_SELF][i])
			die("align identity: gradient relation fails at %zu: %s", i, comment);
	g->id_checked++;
}

static int align_add_valid(gen *g, json_t *grp, const acase *ac, const char *comment,
                           int identity, int regime)
{
	json_t *network = json_object_get(grp, "network");
	json_t *input = align_input_json(ac);
	char *txt = json_dumps(input, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_error_t err;
	json_t *back = json_loads(txt, 0, &err);
	free(txt);
	if (!back)
		die("reparse: %s", err.text);
	acase *rc = &ac_read;
	ares *r = &res_read;
	cro_status st = align_run_json(network, back, rc, r);
	json_decref(back);
	if (st == CRO_ERR_GAUGE || st == CRO_ERR_NONFINITE_RESULT) {
		json_decref(input);
		return 0;
	}
	if (st != CRO_OK)
		die("align: oracle refused a valid case (%s): %s", cro_status_name(st), comment);
	double ldr = cro_ld_align_ratio(rc->a, rc->c, rc->N, rc->W, rc->B, rc->x, &r->o);
	if (ldr < 0.0)
		die("the extended-precision check is unavailable on this platform");
	if (!(ldr <= 0.5))
		die("align: the double result is %.3g tolerances from the long double one: %s", ldr,
		    comment);
	if (ldr > g->ld_worst)
		g->ld_worst = ldr;
	cro_fd_stats fs;
	st = cro_fd_align(rc->a, rc->c, rc->N, rc->W, rc->B, rc->x, &r->o, &fs);
	if (st != CRO_OK)
		die("align: FD evaluation failed (%s): %s", cro_status_name(st), comment);
	if (fs.failed > 0)
		die("align: FD check failed on %zu entries of \"%s\": worst d_%s[%zu] g=%.17g fd=%.17g "
		    "bound=%.3g ratio=%.3g", fs.failed, comment,
		    cro_prim_name((int)(fs.worst_index / (rc->a * rc->c))),
		    fs.worst_index % (rc->a * rc->c), fs.worst_g, fs.worst_fd, fs.worst_bound,
		    fs.worst_ratio);
	g->fd.checked += fs.checked;
	if (fs.worst_ratio > g->fd.worst_ratio)
		g->fd.worst_ratio = fs.worst_ratio;
	if (identity)
		identity_check(g, rc, r, comment);

	json_t *t = json_object();
	json_object_set_new(t, "tcId", json_integer(0));
	json_object_set_new(t, "id", test_id(g, network, input));
	json_object_set_new(t, "comment", json_string(comment));
	json_t *flags = json_array();
	if (identity)
		add_flag(g, flags, "Identity");
	if (regime == AREG_LARGE)
		add_flag(g, flags, "LargeMagnitude");
	if (regime == AREG_TINY)
		add_flag(g, flags, "TinyMagnitude");
	if (regime == AREG_ZERO)
		add_flag(g, flags, "ZeroWeights");
	if (rc->a == 1 || rc->c == 1)
		add_flag(g, flags, "Width1");
	if (rc->N == 1)
		add_flag(g, flags, "Batch1");
	json_object_set_new(t, "flags", flags);
	json_object_set_new(t, "input", input);
	json_object_set_new(t, "result", json_string("valid"));
	json_t *e = json_object(), *ga = json_object(), *tol = json_object();
	out_json(rc, r->o.R, r->o.dR, NULL, NULL, e, 0);
	out_json(rc, r->o.R_gauge, r->o.dR_gauge, NULL, NULL, ga, 0);
	out_json(rc, NULL, NULL, r->o.k_R, r->o.k_dR, tol, 1);
	json_object_set_new(t, "expected", e);
	json_object_set_new(t, "gauge", ga);
	json_object_set_new(t, "tolerance", tol);
	json_array_append_new(json_object_get(grp, "tests"), t);
	g->valid++;
	return 1;
}

static void align_add_invalid(gen *g, json_t *grp, json_t *input, const char *error,
                              const char *flag, const char *comment)
{
	json_t *network = json_object_get(grp, "network");
	cro_status st = align_run_json(network, input, &ac_read, &res_read);
	if (strcmp(cro_status_name(st), error) != 0)
		die("align error case \"%s\": oracle says %s, expected %s", comment,
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

static void align_draw(gen *g, acase *ac, int regime, int on, int identity)
{
	const size_t a = ac->a, c = ac->c;
	for (size_t i = 0; i < c * a; i++)
		ac->W[i] = regime == AREG_DYADIC ? dyadic(g) : U(g, -2.2, 2.2) / sqrt((double)a);
	for (size_t i = 0; i < a; i++)
		for (size_t k = 0; k < c; k++)
			ac->B[i * c + k] = identity ? ac->W[k * a + i] :
			                   regime == AREG_DYADIC ? dyadic(g) : U(g, -1.6, 1.6) / sqrt((double)c);
	for (size_t i = 0; i < ac->N * a; i++)
		ac->x[i] = regime == AREG_DYADIC ? dyadic(g) : U(g, -2.5, 2.5);
	if (regime == AREG_LARGE || regime == AREG_TINY) {
		const double s = regime == AREG_LARGE ? 1e100 : 1e-150;
		double *v = on == ON_W ? ac->W : on == ON_B ? ac->B : ac->x;
		size_t n = on == ON_X ? ac->N * a : a * c;
		for (size_t i = 0; i < n; i++)
			v[i] *= s;
		// Keep B = W^T when both are scaled.
		if (identity && on == ON_W)
			for (size_t i = 0; i < a; i++)
				for (size_t k = 0; k < c; k++)
					ac->B[i * c + k] = ac->W[k * a + i];
	}
	if (regime == AREG_ZERO) {
		double *arrs[3] = { ac->W, ac->B, ac->x };
		size_t lens[3] = { a * c, a * c, ac->N * a };
		for (int k = 0; k < 3; k++) {
			size_t zeros = 0;
			for (size_t i = 0; i < lens[k]; i++)
				if (gsl_rng_uniform(g->r) < 0.35) {
					arrs[k][i] = gsl_rng_uniform(g->r) < 0.5 ? 0.0 : -0.0;
					zeros++;
				}
			if (zeros == 0)
				arrs[k][I(g, 0, lens[k] - 1)] = 0.0;
		}
	}
}

static void align_valid(gen *g, json_t *grp, size_t a, size_t c, size_t N, int regime, int on,
                        int identity)
{
	static acase ac;
	char comment[256];
	for (int attempt = 0; attempt < 50; attempt++) {
		memset(&ac, 0, sizeof ac);
		ac.a = a; ac.c = c; ac.N = N;
		align_draw(g, &ac, regime, on, identity);
		size_t k = (size_t)snprintf(comment, sizeof comment, "widths %zu-%zu, %zu input%s, %s",
		                            a, c, N, N == 1 ? "" : "s", areg_names[regime]);
		if ((regime == AREG_LARGE || regime == AREG_TINY) && k < sizeof comment)
			k += (size_t)snprintf(comment + k, sizeof comment - k, " %s", on_names[on]);
		if (identity && k < sizeof comment)
			snprintf(comment + k, sizeof comment - k, ", B = W^T");
		if (align_add_valid(g, grp, &ac, comment, identity, regime))
			return;
	}
	die("no acceptable draw after 50 attempts: %s", comment);
}

// ---------------------------------------------------------------- plan

// Width pairs (n_{l-1}, n_l): 1 and odd sizes, square and not.
static const size_t pairs[][2] = {
	{ 1, 1 }, { 1, 2 }, { 2, 1 }, { 1, 7 }, { 7, 1 }, { 2, 2 }, { 2, 3 }, { 3, 2 },
	{ 3, 3 }, { 3, 5 }, { 5, 3 }, { 4, 4 }, { 4, 7 }, { 7, 4 }, { 5, 5 }, { 5, 6 },
	{ 6, 5 }, { 7, 7 }, { 2, 9 }, { 9, 2 }, { 3, 8 }, { 9, 9 },
};

static void align_coverage_groups(gen *g)
{
	const size_t np = sizeof pairs / sizeof pairs[0];
	for (size_t pi = 0; pi < np; pi++) {
		const size_t a = pairs[pi][0], c = pairs[pi][1];
		json_t *grp = new_group(g, align_net_json(a, c));
		const int on1 = (int)(pi % 3), on2 = (int)((pi + 1) % 3);
		align_valid(g, grp, a, c, 1, AREG_NORMAL, 0, 0);
		align_valid(g, grp, a, c, I(g, 2, 7), AREG_NORMAL, 0, 0);
		align_valid(g, grp, a, c, pi % 2 ? 16 : 11, AREG_NORMAL, 0, 0);
		align_valid(g, grp, a, c, I(g, 1, 5), AREG_LARGE, on1, 0);
		align_valid(g, grp, a, c, I(g, 1, 5), AREG_TINY, on2, 0);
		align_valid(g, grp, a, c, I(g, 2, 6), AREG_ZERO, 0, 0);
		align_valid(g, grp, a, c, I(g, 1, 6), AREG_DYADIC, 0, 0);
		align_valid(g, grp, a, c, I(g, 1, 6), pi % 4 == 3 ? AREG_LARGE : AREG_NORMAL, ON_X, 1);
		align_valid(g, grp, a, c, I(g, 2, 7), AREG_NORMAL, 0, 0);
	}
}

static void align_error_groups(gen *g)
{
	static acase ac;
	memset(&ac, 0, sizeof ac);
	ac.a = 3; ac.c = 2; ac.N = 3;
	align_draw(g, &ac, AREG_NORMAL, 0, 0);
	json_t *grp = new_group(g, align_net_json(3, 2));
	json_t *base = align_input_json(&ac), *c;
	// Shapes (ALIGN-ERR-1).
	c = json_deep_copy(base);
	json_object_set_new(c, "B", mat_json(ac.W, 2, 3));
	align_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
	                  "B given in W's orientation: 2 x 3 instead of n_{l-1} x n_l = 3 x 2");
	c = json_deep_copy(base);
	json_object_set_new(c, "W", mat_json(ac.B, 3, 2));
	align_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
	                  "W given in B's orientation: 3 x 2 instead of n_l x n_{l-1} = 2 x 3");
	c = json_deep_copy(base);
	json_array_append_new(json_object_get(c, "B"), vec_json(ac.B, 2));
	align_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "B has 4 rows, not n_{l-1} = 3");
	c = json_deep_copy(base);
	json_array_remove(json_array_get(json_object_get(c, "x"), 1), 0);
	align_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
	                  "row 2 of x has 2 entries, not n_{l-1} = 3");
	c = json_deep_copy(base);
	json_array_append_new(json_array_get(json_object_get(c, "W"), 0), jnum(0.4375));
	align_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
	                  "row 1 of W has 4 entries, not n_{l-1} = 3");
	// No layer input.
	c = json_deep_copy(base);
	json_object_set_new(c, "x", json_array());
	align_add_invalid(g, grp, c, "zero_size", "ZeroSize", "x = []: N = 0");
	// Non-finite inputs.
	c = json_deep_copy(base);
	poke_str(c, "W", 1, 2, -1, "NaN");
	align_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "W[1][2] is NaN");
	c = json_deep_copy(base);
	poke_str(c, "B", 0, 1, -1, "Infinity");
	align_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "B[0][1] is +Infinity");
	c = json_deep_copy(base);
	poke_str(c, "x", 2, 0, -1, "-Infinity");
	align_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "x[2][0] is -Infinity");
	c = json_deep_copy(base);
	poke_str(c, "x", 0, 1, -1, "NaN");
	align_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "x[0][1] is NaN");
	// Overflow.
	{
		static acase o;
		o = ac;
		for (size_t i = 0; i < 6; i++)
			o.W[i] = (i % 2 ? -1.5 : 1.25) * 1e200;
		align_add_invalid(g, grp, align_input_json(&o), "non_finite_result", "NonFiniteResult",
		                  "W entries about 1e200: |W|^2 of decay overflows");
		o = ac;
		for (size_t i = 0; i < 6; i++)
			o.B[i] *= 1e160;
		for (size_t i = 0; i < 9; i++)
			o.x[i] *= 1e160;
		align_add_invalid(g, grp, align_input_json(&o), "non_finite_result", "NonFiniteResult",
		                  "B and x entries about 1e160: q_n = B^T x_n overflows");
	}
	json_decref(base);
	// Zero widths, arrays shaped accordingly.
	{
		grp = new_group(g, align_net_json(0, 3));
		json_t *in = json_object(), *W = json_array(), *x = json_array();
		for (size_t i = 0; i < 3; i++)
			json_array_append_new(W, json_array()); // W: 3 x 0
		for (size_t i = 0; i < 2; i++)
			json_array_append_new(x, json_array()); // x: 2 x 0
		json_object_set_new(in, "W", W);
		json_object_set_new(in, "B", json_array()); // B: 0 x 3
		json_object_set_new(in, "x", x);
		align_add_invalid(g, grp, in, "zero_size", "ZeroSize",
		                  "n_{l-1} = 0, arrays shaped accordingly");
		grp = new_group(g, align_net_json(3, 0));
		in = json_object();
		json_t *B = json_array();
		for (size_t i = 0; i < 3; i++)
			json_array_append_new(B, json_array()); // B: 3 x 0
		json_object_set_new(in, "W", json_array()); // W: 0 x 3
		json_object_set_new(in, "B", B);
		json_object_set_new(in, "x", mat_json(ac.x, 2, 3));
		align_add_invalid(g, grp, in, "zero_size", "ZeroSize", "n_l = 0, arrays shaped accordingly");
	}
}

void align_plan(gen *g)
{
	align_coverage_groups(g);
	align_error_groups(g);
}

// ---------------------------------------------------------------- re-read

void align_verify_text(gen *g, const char *text)
{
	(void)g;
	json_error_t err;
	json_t *root = json_loads(text, 0, &err);
	if (!root)
		die("the output does not parse: %s (line %d)", err.text, err.line);
	size_t gi, ti, count = 0;
	json_t *grp, *t;
	json_array_foreach(json_object_get(root, "testGroups"), gi, grp) {
		json_array_foreach(json_object_get(grp, "tests"), ti, t) {
			count++;
			if ((size_t)json_integer_value(json_object_get(t, "tcId")) != count)
				die("tcId %zu out of order", count);
			acase *rc = &ac_read;
			ares *r = &res_read;
			cro_status st = align_run_json(json_object_get(grp, "network"),
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
			for (int p = 0; p < CRO_PRIM_COUNT; p++) {
				const char *nm = cro_prim_name(p);
				char dk[16];
				snprintf(dk, sizeof dk, "d_%s", nm);
				if (!same_bits(json_real_value(json_object_get(e, nm)), r->o.R[p]) ||
				    !same_bits(json_real_value(json_object_get(ga, nm)), r->o.R_gauge[p]))
					die("tcId %zu: re-read %s differs", count, nm);
				size_t k = 0;
				cmp_list(json_object_get(e, dk), r->o.dR[p], &k, dk);
				if (k != rc->a * rc->c)
					die("tcId %zu: %s holds %zu numbers", count, dk, k);
				k = 0;
				cmp_list(json_object_get(ga, dk), r->o.dR_gauge[p], &k, dk);
				if ((double)json_integer_value(json_object_get(tol, nm)) != r->o.k_R[p] ||
				    (double)json_integer_value(json_object_get(tol, dk)) != r->o.k_dR[p])
					die("tcId %zu: tolerance of %s differs", count, nm);
			}
		}
	}
	if ((size_t)json_integer_value(json_object_get(root, "numberOfTests")) != count)
		die("numberOfTests differs from the count");
	json_decref(root);
}
