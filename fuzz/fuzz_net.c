// fuzz_net.c: the differential harness of the network-level fuzz targets
// (fuzz_net.h). ref/ (ref/credit.h) is compared with the GSL oracle
// (conformance/oracle/oracle.h), which never calls ref/.
//
// Input layout (every byte read past the end is a filler, so any input,
// even an empty one, decodes to a call):
//   depth        1 byte, L = byte % 7 (0..6; 0 is zero_size)
//   widths       L + 1 bytes, n = 0 when (byte & 31) == 0, else 1 + byte % 4
//   batch        1 byte, 0 when (byte & 31) == 0, else 1 + byte % 3
//   activations  L bytes, kind = byte % 5, or an out-of-range kind when byte >= 0xf8
//   loss         1 byte, kind = byte & 1, or an out-of-range kind when byte >= 0xf8
//   perturbation 1 byte: below 0x48, one of the nine lengths (W, b, F, S, x,
//                t, dW, db, work) is made one larger or one smaller
//   form         1 byte (ss only): M (brSF), scale (uSF), both or neither
//   values       the leaky slopes, then W, b, F (B, D or M), S (scale), x, t,
//                each decoded by next_double() below: mostly ordinary numbers
//                in [-10.9, 10.9], sometimes raw IEEE bit patterns or special
//                values (NaN, +-Inf, subnormals, +-DBL_MAX, ...).
// Every array is allocated with exactly the length passed for it, so that
// ASan sees any read or write outside it.
#include "fuzz_net.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ref/credit.h"
#include "../conformance/oracle/oracle.h"

#define MAXL 6 // largest depth decoded (CR_MAX_DEPTH is far larger)

// The byte reader: past the end it yields a deterministic filler.
typedef struct {
	const uint8_t *p;
	size_t n, i;
	uint32_t fill;
} reader;

static unsigned next_byte(reader *r)
{
	if (r->i < r->n)
		return r->p[r->i++];
	r->fill = r->fill * 1103515245u + 12345u;
	return (unsigned)((r->fill >> 16) & 0xffu);
}

// Values chosen to sit on the edges of IEEE arithmetic and of the activations.
static const double specials[] = {
	0.0, -0.0, 4.9406564584124654e-324, -2.2250738585072014e-308, DBL_MAX, -DBL_MAX,
	1e154, -1e154, 1e-160, 1e300, -1e300, 710.0, -745.5, 40.0, 0.5, 1.0,
};
#define NSPECIAL (sizeof specials / sizeof specials[0])

// One double. Past the end of the input: an ordinary value from the filler.
// Otherwise a tag byte chooses: 0xff a raw 8-byte IEEE pattern (NaN, Inf and
// subnormals included), 0xfe a special value, 0xfd NaN or +-Inf; any other
// tag with the next byte forms a 16-bit integer v and the value (v - 32768) / 3000,
// which is not a dyadic fraction, so sums round as they do on real data.
static double next_double(reader *r)
{
	if (r->i >= r->n) {
		unsigned v = (next_byte(r) << 8) | next_byte(r);
		return ((double)v - 32768.0) / 9000.0;
	}
	unsigned tag = next_byte(r);
	if (tag == 0xffu) {
		uint8_t raw[8];
		double d;
		for (size_t k = 0; k < 8; k++)
			raw[k] = (uint8_t)next_byte(r);
		memcpy(&d, raw, sizeof d);
		return d;
	}
	if (tag == 0xfeu)
		return specials[next_byte(r) % NSPECIAL];
	if (tag == 0xfdu) {
		unsigned k = next_byte(r) % 3;
		return k == 0 ? NAN : (k == 1 ? INFINITY : -INFINITY);
	}
	unsigned v = (tag << 8) | next_byte(r);
	return ((double)v - 32768.0) / 3000.0;
}

static const int bad_kinds[8] = {-1, 5, 6, 7, 100, INT_MAX, INT_MIN, -2};

// A buffer of exactly len doubles (one byte when len is 0, so the pointer is
// never NULL and any access is an overflow).
static double *alloc_doubles(size_t len)
{
	double *p = malloc(len ? len * sizeof *p : 1);
	if (!p) {
		fprintf(stderr, "fuzz_net: out of memory\n");
		abort();
	}
	return p;
}

// Everything one input decodes to, and the oracle's outputs.
typedef struct {
	int rule;
	size_t L, batch;
	size_t n[MAXL + 1];
	cr_act acts[MAXL + 1];
	int okinds[MAXL + 1];
	double slopes[MAXL + 1];
	int loss;
	int form;                 // ss: 0 M, 1 scale, 2 both, 3 neither
	int pert_which, pert_sign; // pert_which -1: no perturbation
	// Lengths passed to ref/ (after the perturbation) and true ones.
	size_t W_len, b_len, F_len, S_len, x_len, t_len, dW_len, db_len, work_len;
	size_t W_true, b_true, work_true;
	double *W, *b, *F, *S, *x, *t, *loss_out, *dW, *db, *work;
	double *copy[6];          // copies of W, b, F, S, x, t
} fcase;

static const char *const rule_names[4] = {"bp", "fa", "dfa", "ss"};
static const char *const form_names[4] = {"M", "scale", "both", "neither"};
static const char *const len_names[9] = {"W", "b", "F", "S", "x", "t", "dW", "db", "work"};

// Prints the decoded case, so that a crash report can be read without a debugger.
static void describe(const fcase *c)
{
	fprintf(stderr, "case: rule %s, depth %zu, widths [", rule_names[c->rule], c->L);
	for (size_t l = 0; l <= c->L; l++)
		fprintf(stderr, "%s%zu", l ? ", " : "", c->n[l]);
	fprintf(stderr, "], batch %zu, acts [", c->batch);
	for (size_t l = 0; l < c->L; l++)
		fprintf(stderr, "%s%d/%.17g", l ? ", " : "", c->acts[l].kind, c->acts[l].slope);
	fprintf(stderr, "], loss %d", c->loss);
	if (c->rule == CR_FUZZ_SS)
		fprintf(stderr, ", form %s", form_names[c->form]);
	if (c->pert_which >= 0)
		fprintf(stderr, ", %s_len %s1", len_names[c->pert_which], c->pert_sign ? "+" : "-");
	fprintf(stderr, "\n  lengths W %zu b %zu F %zu S %zu x %zu t %zu dW %zu db %zu work %zu\n",
	        c->W_len, c->b_len, c->F_len, c->S_len, c->x_len, c->t_len, c->dW_len,
	        c->db_len, c->work_len);
}

static void fail(const fcase *c, const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_net FINDING: ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\n");
	describe(c);
	abort();
}

// The position of an error in ref/'s order of checks (ref/net.h); 10 for
// "ok", "non_finite_result" and the oracle's gauge_overflow, which are not
// argument errors.
static int rank(const char *name)
{
	static const char *const order[] = {
		"null_pointer", "zero_size", "size_too_large", "unknown_activation",
		"unknown_loss", "invalid_parameter", "size_mismatch", "workspace_too_small",
		"non_finite_input",
	};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (strcmp(name, order[i]) == 0)
			return (int)i + 1;
	return 10;
}

// Applies the perturbation to length number which (0..8).
static size_t perturb(const fcase *c, int which, size_t len)
{
	if (c->pert_which != which)
		return len;
	if (c->pert_sign)
		return len + 1;
	return len ? len - 1 : 0;
}

static void decode(fcase *c, int rule, reader *r)
{
	memset(c, 0, sizeof *c);
	c->rule = rule;
	c->L = next_byte(r) % 7;
	for (size_t l = 0; l <= c->L; l++) {
		unsigned v = next_byte(r);
		c->n[l] = (v & 31u) == 0 ? 0 : 1 + v % 4;
	}
	unsigned v = next_byte(r);
	c->batch = (v & 31u) == 0 ? 0 : 1 + v % 3;
	for (size_t l = 0; l < c->L; l++) {
		v = next_byte(r);
		c->acts[l].kind = v >= 0xf8u ? bad_kinds[v - 0xf8u] : (int)(v % 5);
		c->okinds[l] = c->acts[l].kind;
	}
	v = next_byte(r);
	c->loss = v >= 0xf8u ? bad_kinds[v - 0xf8u] : (int)(v & 1u);
	v = next_byte(r);
	c->pert_which = v < 0x48u ? (int)(v % 9) : -1;
	c->pert_sign = (int)((v / 9) & 1u);
	if (rule == CR_FUZZ_SS) {
		v = next_byte(r);
		c->form = (v & 15u) == 0 ? 2 : ((v & 15u) == 1 ? 3 : (int)((v >> 4) & 1u));
	}
	for (size_t l = 0; l < c->L; l++) {
		c->slopes[l] = c->acts[l].kind == CR_ACT_LEAKY_RELU ? next_double(r) : 0.0;
		c->acts[l].slope = c->slopes[l];
	}

	// The lengths the widths imply (all small: no overflow).
	size_t L = c->L, Wn = 0, bn = 0, Fn = 0, Sn = L ? L - 1 : 0;
	for (size_t l = 1; l <= L; l++) {
		Wn += c->n[l] * c->n[l - 1];
		bn += c->n[l];
	}
	if (rule == CR_FUZZ_FA || rule == CR_FUZZ_SS) {
		for (size_t l = 2; l <= L; l++)
			Fn += c->n[l] * c->n[l - 1];
	} else if (rule == CR_FUZZ_DFA) {
		for (size_t l = 1; l < L; l++)
			Fn += c->n[l] * c->n[L];
	}
	if (rule != CR_FUZZ_SS)
		Sn = 0;
	else if (c->form == 0)
		Sn = 0;
	else if (c->form == 1)
		Fn = 0;
	else if (c->form == 3)
		Fn = Sn = 0;
	c->W_true = Wn;
	c->b_true = bn;
	cr_net net = {c->L, c->n, c->acts, c->loss};
	c->work_true = cr_workspace_len(&net, c->batch);

	c->W_len = perturb(c, 0, Wn);
	c->b_len = perturb(c, 1, bn);
	c->F_len = perturb(c, 2, Fn);
	c->S_len = perturb(c, 3, Sn);
	c->x_len = perturb(c, 4, c->batch * (L ? c->n[0] : 0));
	c->t_len = perturb(c, 5, c->batch * (L ? c->n[L] : 0));
	c->dW_len = perturb(c, 6, Wn);
	c->db_len = perturb(c, 7, bn);
	c->work_len = perturb(c, 8, c->work_true);

	double **in[6] = {&c->W, &c->b, &c->F, &c->S, &c->x, &c->t};
	size_t lens[6] = {c->W_len, c->b_len, c->F_len, c->S_len, c->x_len, c->t_len};
	for (size_t k = 0; k < 6; k++) {
		*in[k] = alloc_doubles(lens[k]);
		for (size_t i = 0; i < lens[k]; i++)
			(*in[k])[i] = next_double(r);
		c->copy[k] = alloc_doubles(lens[k]);
		memcpy(c->copy[k], *in[k], lens[k] * sizeof(double));
	}
	c->loss_out = alloc_doubles(1);
	c->dW = alloc_doubles(c->dW_len);
	c->db = alloc_doubles(c->db_len);
	c->work = alloc_doubles(c->work_len);
}

static void release(fcase *c)
{
	double *all[] = {c->W, c->b, c->F, c->S, c->x, c->t, c->loss_out, c->dW, c->db, c->work,
	                 c->copy[0], c->copy[1], c->copy[2], c->copy[3], c->copy[4], c->copy[5]};
	for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
		free(all[k]);
}

// The sentinel every output holds before the call: a NaN with a payload, so
// an entry left unwritten on success is non-finite, and any write on an
// error is seen bit for bit.
static double sentinel(void)
{
	uint64_t bits = 0x7ff8dead5eed0001u;
	double d;
	memcpy(&d, &bits, sizeof d);
	return d;
}

static void fill_sentinel(double *p, size_t len)
{
	double s = sentinel();
	for (size_t i = 0; i < len; i++)
		p[i] = s;
}

static int all_sentinel(const double *p, size_t len)
{
	double s = sentinel();
	for (size_t i = 0; i < len; i++)
		if (memcmp(&p[i], &s, sizeof s) != 0)
			return 0;
	return 1;
}

static cr_status call_ref(fcase *c)
{
	cr_net net = {c->L, c->n, c->acts, c->loss};
	switch (c->rule) {
	case CR_FUZZ_FA:
		return cr_fa_grad(&net, c->batch, c->W, c->W_len, c->b, c->b_len, c->F, c->F_len,
		                  c->x, c->x_len, c->t, c->t_len, c->loss_out, c->dW, c->dW_len,
		                  c->db, c->db_len, c->work, c->work_len);
	case CR_FUZZ_DFA:
		return cr_dfa_grad(&net, c->batch, c->W, c->W_len, c->b, c->b_len, c->F, c->F_len,
		                   c->x, c->x_len, c->t, c->t_len, c->loss_out, c->dW, c->dW_len,
		                   c->db, c->db_len, c->work, c->work_len);
	case CR_FUZZ_SS:
		return cr_ss_grad(&net, c->batch, c->W, c->W_len, c->b, c->b_len, c->F, c->F_len,
		                  c->S, c->S_len, c->x, c->x_len, c->t, c->t_len, c->loss_out,
		                  c->dW, c->dW_len, c->db, c->db_len, c->work, c->work_len);
	default:
		return cr_bp_grad(&net, c->batch, c->W, c->W_len, c->b, c->b_len, c->x, c->x_len,
		                  c->t, c->t_len, c->loss_out, c->dW, c->dW_len, c->db, c->db_len,
		                  c->work, c->work_len);
	}
}

// NOT-TOL-3: |got - exp| <= k u G, equality when G = 0.
static void compare(const fcase *c, const char *field, size_t i, double got, double exp,
                    double G, double k)
{
	double diff = fabs(got - exp), tol = k * CRO_U * G;
	if (diff <= tol)
		return;
	fprintf(stderr, "fuzz_net FINDING: %s[%zu]: ref %.17g oracle %.17g gauge %.17g k %g "
	        "ratio %.3g\n", field, i, got, exp, G, k, tol > 0.0 ? diff / tol : INFINITY);
	describe(c);
	abort();
}

// Whether the oracle's result lies within its tolerance of overflow, so that
// ref/ may legitimately overflow where the oracle did not: some output or
// pre-activation with |v| + k u G(v) >= DBL_MAX.
static int near_overflow(const fcase *c, const cro_out *o, size_t a_len)
{
	if (fabs(o->loss) + o->k_loss * CRO_U * o->loss_gauge >= DBL_MAX)
		return 1;
	for (size_t i = 0; i < c->W_true; i++)
		if (fabs(o->dW[i]) + o->k_grad * CRO_U * o->dW_gauge[i] >= DBL_MAX)
			return 1;
	for (size_t i = 0; i < c->b_true; i++)
		if (fabs(o->db[i]) + o->k_grad * CRO_U * o->db_gauge[i] >= DBL_MAX)
			return 1;
	for (size_t i = 0; i < a_len; i++)
		if (fabs(o->a[i]) + o->k_grad * CRO_U * o->a_gauge[i] >= DBL_MAX)
			return 1;
	return 0;
}

// Outcome counts, printed at exit when CR_FUZZ_STATS is set (replay builds),
// so that one can see how many inputs reach the numeric comparison.
enum { ST_ERROR, ST_COMPARED, ST_TIE, ST_OVERFLOW, ST_COUNT };
static unsigned long stats[ST_COUNT];

static void print_stats(void)
{
	fprintf(stderr, "fuzz_net: %lu argument errors, %lu compared, %lu relu ties skipped, "
	        "%lu overflow (non_finite_result or gauge_overflow)\n", stats[ST_ERROR],
	        stats[ST_COMPARED], stats[ST_TIE], stats[ST_OVERFLOW]);
}

static void register_stats(void)
{
	static int registered;
	if (!registered) {
		registered = 1;
		if (getenv("CR_FUZZ_STATS"))
			atexit(print_stats);
	}
}

int cr_fuzz_net(int rule, const uint8_t *data, size_t size)
{
	register_stats();
	reader r = {data, size, 0, 0x2545f491u};
	fcase c;
	decode(&c, rule, &r);

	// ref/, with every output pre-filled with the sentinel.
	fill_sentinel(c.loss_out, 1);
	fill_sentinel(c.dW, c.dW_len);
	fill_sentinel(c.db, c.db_len);
	cr_status st = call_ref(&c);
	const char *got = cr_status_name((int)st);
	double *in[6] = {c.W, c.b, c.F, c.S, c.x, c.t};
	size_t lens[6] = {c.W_len, c.b_len, c.F_len, c.S_len, c.x_len, c.t_len};
	for (size_t k = 0; k < 6; k++)
		if (memcmp(in[k], c.copy[k], lens[k] * sizeof(double)) != 0)
			fail(&c, "ref modified its read-only input %s (status %s)", len_names[k], got);
	if (st != CR_OK && !(all_sentinel(c.loss_out, 1) && all_sentinel(c.dW, c.dW_len)
	                     && all_sentinel(c.db, c.db_len)))
		fail(&c, "ref wrote an output although it returned %s%s", got, "");
	if (st == CR_OK) {
		if (!isfinite(*c.loss_out))
			fail(&c, "ref returned %s with a non-finite loss%s", got, "");
		for (size_t i = 0; i < c.dW_len; i++)
			if (!isfinite(c.dW[i]))
				fail(&c, "ref returned %s with a non-finite dW%s", got, "");
		for (size_t i = 0; i < c.db_len; i++)
			if (!isfinite(c.db[i]))
				fail(&c, "ref returned %s with a non-finite db%s", got, "");
	}

	// The oracle on the same arrays. Sign symmetry: uSF when only scale is
	// given (by its length, after the perturbation), brSF (the same
	// computation as frSF) on M otherwise.
	int orule = CRO_RULE_BP;
	const double *fb = NULL;
	size_t fb_len = 0;
	if (rule == CR_FUZZ_FA) {
		orule = CRO_RULE_FA;
		fb = c.F, fb_len = c.F_len;
	} else if (rule == CR_FUZZ_DFA) {
		orule = CRO_RULE_DFA;
		fb = c.F, fb_len = c.F_len;
	} else if (rule == CR_FUZZ_SS && c.S_len != 0 && c.F_len == 0) {
		orule = CRO_RULE_SS_USF;
		fb = c.S, fb_len = c.S_len;
	} else if (rule == CR_FUZZ_SS) {
		orule = CRO_RULE_SS_BRSF;
		fb = c.F, fb_len = c.F_len;
	}
	cro_net onet = {c.L, c.n, c.okinds, c.slopes, c.loss};
	size_t a_len = c.batch * c.b_true;
	cro_out o;
	memset(&o, 0, sizeof o);
	o.dW = alloc_doubles(c.W_true);
	o.dW_gauge = alloc_doubles(c.W_true);
	o.db = alloc_doubles(c.b_true);
	o.db_gauge = alloc_doubles(c.b_true);
	o.a = alloc_doubles(a_len);
	o.a_gauge = alloc_doubles(a_len);
	cro_status ost = cro_grad(&onet, orule, c.batch, c.W, c.W_len, c.b, c.b_len, fb, fb_len,
	                          c.x, c.x_len, c.t, c.t_len, &o);
	const char *oname = cro_status_name((int)ost);
	if (ost == CRO_ERR_NULL || ost == CRO_ERR_RULE)
		fail(&c, "harness bug: the oracle returned %s (ref %s)", oname, got);

	// The error ref/ must return: the oracle's, unless one of the checks only
	// ref/ makes comes first in ref/'s order (ref/net.h).
	const char *want = oname;
	// Sign symmetry (SS-API-1): for depth >= 2 both or neither of M and
	// scale is size_mismatch; for depth 1 both lengths must be 0, and the
	// scale the oracle did not see (brSF) must then be empty.
	if (rule == CR_FUZZ_SS && c.L >= 2 && (c.F_len != 0) == (c.S_len != 0)
	    && rank("size_mismatch") < rank(want))
		want = "size_mismatch";
	if (rule == CR_FUZZ_SS && c.L == 1 && orule == CRO_RULE_SS_BRSF && c.S_len != 0
	    && rank("size_mismatch") < rank(want))
		want = "size_mismatch";
	if ((c.dW_len != c.W_true || c.db_len != c.b_true) && rank("size_mismatch") < rank(want))
		want = "size_mismatch";
	if (c.work_len < c.work_true && rank("workspace_too_small") < rank(want))
		want = "workspace_too_small";

	if (rank(want) < 10 || rank(got) < 10) {
		if (strcmp(want, got) != 0)
			fail(&c, "status: ref %s, expected %s", got, want);
		stats[ST_ERROR]++;
	} else if (ost == CRO_OK && st == CR_OK) {
		// Both computed. NOT-TOL-4: a relu tie may take either branch.
		if (cro_relu_ties(&onet, c.batch, &o) != 0) {
			stats[ST_TIE]++;
		} else {
			stats[ST_COMPARED]++;
			compare(&c, "loss", 0, *c.loss_out, o.loss, o.loss_gauge, o.k_loss);
			for (size_t i = 0; i < c.W_true; i++)
				compare(&c, "dW", i, c.dW[i], o.dW[i], o.dW_gauge[i], o.k_grad);
			for (size_t i = 0; i < c.b_true; i++)
				compare(&c, "db", i, c.db[i], o.db[i], o.db_gauge[i], o.k_grad);
		}
	} else if (ost == CRO_OK && st == CR_ERR_NONFINITE_RESULT) {
		if (!near_overflow(&c, &o, a_len))
			fail(&c, "ref returned %s but the oracle's result is %s and far from overflow",
			     got, oname);
		stats[ST_OVERFLOW]++;
	} else {
		stats[ST_OVERFLOW]++;
	}
	// Otherwise the oracle overflowed (non_finite_result) or its gauges did
	// (gauge_overflow): no tolerance exists, and ref/ may return either ok
	// (checked finite above) or non_finite_result.

	free(o.dW);
	free(o.dW_gauge);
	free(o.db);
	free(o.db_gauge);
	free(o.a);
	free(o.a_gauge);
	release(&c);
	return 0;
}

// ------------------------------------------------------------------ KP
//
// cr_fuzz_kp: one Kolen-Pollack step (cr_kp_step, spec/rules/kp.md) against
// the oracle's cro_kp_step. The input decodes as for fuzz_fa (the network,
// batch, perturbation, B in F, with the lengths dW and db standing for
// W_next and b_next; a perturbation of S means none), then two bytes choose
// how eta and decay are drawn: below 0xf0 an ordinary value (eta in
// (0, 1], decay in [0, 0.5)), otherwise next_double() (0, negative, NaN,
// infinite...). cr_kp_step checks in another order than cr_fa_grad
// (ref/kp.c), and a call with several defects may get any applicable name
// (BP-ERR-2), so the harness computes the set of names that apply and
// requires ref/'s error to be one of them, and no error when none applies.

// Bits of the applicable errors.
enum {
	AP_PARAM = 1, AP_ZERO = 2, AP_ACT = 4, AP_LOSS = 8, AP_MISMATCH = 16,
	AP_WORK = 32, AP_NONFINITE = 64
};

static unsigned applicable_bit(const char *name)
{
	static const struct { const char *name; unsigned bit; } map[] = {
		{"invalid_parameter", AP_PARAM}, {"zero_size", AP_ZERO},
		{"unknown_activation", AP_ACT}, {"unknown_loss", AP_LOSS},
		{"size_mismatch", AP_MISMATCH}, {"workspace_too_small", AP_WORK},
		{"non_finite_input", AP_NONFINITE},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(name, map[i].name) == 0)
			return map[i].bit;
	return 0;
}

static int any_nonfinite(const double *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isfinite(p[i]))
			return 1;
	return 0;
}

static double kp_param(reader *r, double scale)
{
	unsigned v = next_byte(r);
	if (v < 0xf0u)
		return scale * (double)(v + 1u) / 240.0;
	return next_double(r);
}

static int near_max(double v, double G, double k)
{
	return fabs(v) + k * CRO_U * G >= DBL_MAX;
}

int cr_fuzz_kp(const uint8_t *data, size_t size)
{
	register_stats();
	reader r = {data, size, 0, 0x2545f491u};
	fcase c;
	decode(&c, CR_FUZZ_FA, &r);
	if (c.pert_which == 3) {
		c.pert_which = -1;
		c.S_len = 0;
	}
	double eta = kp_param(&r, 1.0), decay = kp_param(&r, 0.5) - 0.5 / 240.0;
	cr_net net = {c.L, c.n, c.acts, c.loss};
	size_t F_true = 0;
	for (size_t l = 2; l <= c.L; l++)
		F_true += c.n[l] * c.n[l - 1];
	size_t work_true = cr_kp_workspace_len(&net, c.batch);
	free(c.work);
	c.work_len = perturb(&c, 8, work_true);
	c.work = alloc_doubles(c.work_len);
	double *B_next = alloc_doubles(F_true);
	fill_sentinel(c.loss_out, 1);
	fill_sentinel(c.dW, c.dW_len);
	fill_sentinel(c.db, c.db_len);
	fill_sentinel(B_next, F_true);
	cr_status st = cr_kp_step(&net, c.batch, eta, decay, c.W, c.W_len, c.b, c.b_len, c.F,
	                          c.F_len, c.x, c.x_len, c.t, c.t_len, c.loss_out, c.dW, c.dW_len,
	                          c.db, c.db_len, B_next, F_true, c.work, c.work_len);
	const char *got = cr_status_name((int)st);
	double *in[6] = {c.W, c.b, c.F, c.S, c.x, c.t};
	size_t lens[6] = {c.W_len, c.b_len, c.F_len, c.S_len, c.x_len, c.t_len};
	for (size_t k = 0; k < 6; k++)
		if (memcmp(in[k], c.copy[k], lens[k] * sizeof(double)) != 0)
			fail(&c, "kp: ref modified its read-only input %s (status %s)", len_names[k], got);
	if (st != CR_OK && !(all_sentinel(c.loss_out, 1) && all_sentinel(c.dW, c.dW_len)
	                     && all_sentinel(c.db, c.db_len) && all_sentinel(B_next, F_true)))
		fail(&c, "kp: ref wrote an output although it returned %s%s", got, "");
	if (st == CR_OK && (!isfinite(*c.loss_out) || any_nonfinite(c.dW, c.dW_len)
	                    || any_nonfinite(c.db, c.db_len) || any_nonfinite(B_next, F_true)))
		fail(&c, "kp: ref returned %s with a non-finite output%s", got, "");

	// The errors that apply to this call (spec/rules/kp.md KP-ERR-1).
	unsigned ap = 0;
	if (!(isfinite(eta) && eta > 0.0 && isfinite(decay) && decay >= 0.0))
		ap |= AP_PARAM;
	int zero = c.L == 0 || c.batch == 0;
	for (size_t l = 0; l <= c.L; l++)
		zero |= c.n[l] == 0;
	if (zero)
		ap |= AP_ZERO;
	for (size_t l = 0; l < c.L; l++) {
		if (c.acts[l].kind < 0 || c.acts[l].kind >= CR_ACT_COUNT)
			ap |= AP_ACT;
		else if (c.acts[l].kind == CR_ACT_LEAKY_RELU && !isfinite(c.acts[l].slope))
			ap |= AP_PARAM;
	}
	if (c.loss < 0 || c.loss >= CR_LOSS_COUNT)
		ap |= AP_LOSS;
	// A perturbation changes nothing when it would take a length below 0.
	if (c.W_len != c.W_true || c.b_len != c.b_true || c.F_len != F_true
	    || c.x_len != c.batch * (c.L ? c.n[0] : 0) || c.t_len != c.batch * (c.L ? c.n[c.L] : 0)
	    || c.dW_len != c.W_true || c.db_len != c.b_true)
		ap |= AP_MISMATCH;
	if (c.work_len < work_true)
		ap |= AP_WORK;
	if (any_nonfinite(c.W, c.W_len) || any_nonfinite(c.b, c.b_len) || any_nonfinite(c.F, c.F_len)
	    || any_nonfinite(c.x, c.x_len) || any_nonfinite(c.t, c.t_len))
		ap |= AP_NONFINITE;
	// A zero width or batch makes the workspace length 0, so a perturbed
	// work_len may be anything: zero_size decides.
	unsigned bit = applicable_bit(got);
	if (ap != 0) {
		if ((bit & ap) == 0)
			fail(&c, "kp: status %s, but it does not apply (eta/decay and the case above)%s",
			     got, "");
		stats[ST_ERROR]++;
	} else if (bit != 0 || (st != CR_OK && st != CR_ERR_NONFINITE_RESULT)) {
		fail(&c, "kp: status %s for a call without a defect%s", got, "");
	} else {
		cro_net onet = {c.L, c.n, c.okinds, c.slopes, c.loss};
		size_t a_len = c.batch * c.b_true;
		cro_kp_out o;
		memset(&o, 0, sizeof o);
		o.W = alloc_doubles(c.W_true);
		o.W_gauge = alloc_doubles(c.W_true);
		o.b = alloc_doubles(c.b_true);
		o.b_gauge = alloc_doubles(c.b_true);
		o.B = alloc_doubles(F_true);
		o.B_gauge = alloc_doubles(F_true);
		o.dW = alloc_doubles(c.W_true);
		o.dW_gauge = alloc_doubles(c.W_true);
		o.db = alloc_doubles(c.b_true);
		o.db_gauge = alloc_doubles(c.b_true);
		o.a = alloc_doubles(a_len);
		o.a_gauge = alloc_doubles(a_len);
		cro_status ost = cro_kp_step(&onet, c.batch, eta, decay, c.W, c.W_len, c.b, c.b_len,
		                             c.F, c.F_len, c.x, c.x_len, c.t, c.t_len, NULL, NULL,
		                             NULL, 0.0, &o);
		const char *oname = cro_status_name((int)ost);
		if (ost == CRO_OK && st == CR_OK) {
			if (o.ties != 0) {
				stats[ST_TIE]++;
			} else {
				stats[ST_COMPARED]++;
				compare(&c, "kp loss", 0, *c.loss_out, o.loss, o.loss_gauge, o.k_loss);
				for (size_t i = 0; i < c.W_true; i++)
					compare(&c, "kp W_next", i, c.dW[i], o.W[i], o.W_gauge[i], o.k_state);
				for (size_t i = 0; i < c.b_true; i++)
					compare(&c, "kp b_next", i, c.db[i], o.b[i], o.b_gauge[i], o.k_state);
				for (size_t i = 0; i < F_true; i++)
					compare(&c, "kp B_next", i, B_next[i], o.B[i], o.B_gauge[i], o.k_state);
			}
		} else if (ost == CRO_OK && st == CR_ERR_NONFINITE_RESULT) {
			// ref/ may overflow only where the oracle is within its
			// tolerance of overflow.
			int near = near_max(o.loss, o.loss_gauge, o.k_loss);
			for (size_t i = 0; i < c.W_true; i++)
				near |= near_max(o.W[i], o.W_gauge[i], o.k_state)
				        | near_max(o.dW[i], o.dW_gauge[i], o.k_state);
			for (size_t i = 0; i < c.b_true; i++)
				near |= near_max(o.b[i], o.b_gauge[i], o.k_state)
				        | near_max(o.db[i], o.db_gauge[i], o.k_state);
			for (size_t i = 0; i < F_true; i++)
				near |= near_max(o.B[i], o.B_gauge[i], o.k_state);
			for (size_t i = 0; i < a_len; i++)
				near |= near_max(o.a[i], o.a_gauge[i], o.k_state);
			if (!near)
				fail(&c, "kp: ref returned %s but the oracle's result is %s and far from overflow",
				     got, oname);
			stats[ST_OVERFLOW]++;
		} else if (ost != CRO_ERR_NONFINITE_RESULT && ost != CRO_ERR_GAUGE) {
			fail(&c, "kp: the oracle returned %s for a call without a defect (ref %s)", oname, got);
		} else {
			stats[ST_OVERFLOW]++;
		}
		double *os[] = {o.W, o.W_gauge, o.b, o.b_gauge, o.B, o.B_gauge, o.dW, o.dW_gauge,
		                o.db, o.db_gauge, o.a, o.a_gauge};
		for (size_t k = 0; k < sizeof os / sizeof os[0]; k++)
			free(os[k]);
	}
	free(B_next);
	release(&c);
	return 0;
}

// ------------------------------------------------------------- WM, SA, AA, IA
//
// cr_fuzz_fbl: one step of a feedback-learning rule (cr_wm_step, cr_sa_step,
// cr_aa_step, cr_ia_step) against the oracle's cro_fbl_step. The input
// decodes as for kp (FA's layout, B in F, dW and db standing for W_next and
// b_next), then: for wm a variant byte (0xf8 and above: an unknown variant,
// else byte % 3), then five hyper-parameter bytes drawn as kp_param does
// (eta, eta_B > 0 ordinary; decay_B, alpha, beta, gamma >= 0 ordinary), then
// for wm a noise-row byte (0 when (byte & 31) == 0, else 1 + byte % 3), a
// perturbation byte for the noise length and the noise values. As for kp,
// ref/'s error must be one that applies (BP-ERR-2).

static int fbl_oracle_rule(int rule, int variant)
{
	switch (rule) {
	case CR_FUZZ_WM: return CRO_FBL_WM_LINEAR + variant;
	case CR_FUZZ_SA: return CRO_FBL_SA;
	case CR_FUZZ_AA: return CRO_FBL_AA;
	default: return CRO_FBL_IA;
	}
}

int cr_fuzz_fbl(int rule, const uint8_t *data, size_t size)
{
	register_stats();
	reader r = {data, size, 0, 0x2545f491u};
	fcase c;
	decode(&c, CR_FUZZ_FA, &r);
	if (c.pert_which == 3) {
		c.pert_which = -1;
		c.S_len = 0;
	}
	int variant = 0;
	if (rule == CR_FUZZ_WM) {
		unsigned v = next_byte(&r);
		variant = v >= 0xf8u ? bad_kinds[v - 0xf8u] : (int)(v % 3);
	}
	cro_fbl_hyper h;
	h.eta = kp_param(&r, 1.0);
	h.eta_B = kp_param(&r, 1.0);
	h.decay_B = kp_param(&r, 0.5) - 0.5 / 240.0;
	h.alpha = kp_param(&r, 0.5) - 0.5 / 240.0;
	h.beta = kp_param(&r, 1.0) - 1.0 / 240.0;
	h.gamma = kp_param(&r, 0.5) - 0.5 / 240.0;
	size_t M = 0, Z_true = 0, Z_len = 0;
	int z_pert = 0;
	double *Z = NULL;
	if (rule == CR_FUZZ_WM) {
		unsigned v = next_byte(&r);
		M = (v & 31u) == 0 ? 0 : 1 + v % 3;
		for (size_t l = 2; l <= c.L; l++)
			Z_true += M * c.n[l - 1];
		v = next_byte(&r);
		z_pert = v < 0x20u ? (v & 1u ? 1 : -1) : 0;
		Z_len = z_pert > 0 ? Z_true + 1 : (z_pert < 0 && Z_true > 0 ? Z_true - 1 : Z_true);
	}
	Z = alloc_doubles(Z_len);
	for (size_t i = 0; i < Z_len; i++)
		Z[i] = next_double(&r);
	double *Z_copy = alloc_doubles(Z_len);
	memcpy(Z_copy, Z, Z_len * sizeof(double));

	cr_net net = {c.L, c.n, c.acts, c.loss};
	size_t F_true = 0;
	for (size_t l = 2; l <= c.L; l++)
		F_true += c.n[l] * c.n[l - 1];
	size_t work_true = rule == CR_FUZZ_WM ? cr_wm_workspace_len(&net, c.batch, M)
	                                      : cr_align_step_workspace_len(&net, c.batch);
	free(c.work);
	c.work_len = perturb(&c, 8, work_true);
	c.work = alloc_doubles(c.work_len);
	double *B_next = alloc_doubles(F_true);
	fill_sentinel(c.loss_out, 1);
	fill_sentinel(c.dW, c.dW_len);
	fill_sentinel(c.db, c.db_len);
	fill_sentinel(B_next, F_true);
	cr_status st;
	switch (rule) {
	case CR_FUZZ_WM:
		st = cr_wm_step(&net, c.batch, variant, h.eta, h.eta_B, h.decay_B, h.alpha, h.beta,
		                c.W, c.W_len, c.b, c.b_len, c.F, c.F_len, c.x, c.x_len, c.t, c.t_len,
		                M, Z, Z_len, c.loss_out, c.dW, c.dW_len, c.db, c.db_len, B_next, F_true,
		                c.work, c.work_len);
		break;
	case CR_FUZZ_SA:
		st = cr_sa_step(&net, c.batch, h.eta, h.eta_B, h.alpha, h.beta, c.W, c.W_len, c.b,
		                c.b_len, c.F, c.F_len, c.x, c.x_len, c.t, c.t_len, c.loss_out, c.dW,
		                c.dW_len, c.db, c.db_len, B_next, F_true, c.work, c.work_len);
		break;
	case CR_FUZZ_AA:
		st = cr_aa_step(&net, c.batch, h.eta, h.eta_B, h.alpha, h.beta, c.W, c.W_len, c.b,
		                c.b_len, c.F, c.F_len, c.x, c.x_len, c.t, c.t_len, c.loss_out, c.dW,
		                c.dW_len, c.db, c.db_len, B_next, F_true, c.work, c.work_len);
		break;
	default:
		st = cr_ia_step(&net, c.batch, h.eta, h.eta_B, h.alpha, h.beta, h.gamma, c.W, c.W_len,
		                c.b, c.b_len, c.F, c.F_len, c.x, c.x_len, c.t, c.t_len, c.loss_out,
		                c.dW, c.dW_len, c.db, c.db_len, B_next, F_true, c.work, c.work_len);
		break;
	}
	const char *got = cr_status_name((int)st);
	double *in[6] = {c.W, c.b, c.F, c.S, c.x, c.t};
	size_t lens[6] = {c.W_len, c.b_len, c.F_len, c.S_len, c.x_len, c.t_len};
	for (size_t k = 0; k < 6; k++)
		if (memcmp(in[k], c.copy[k], lens[k] * sizeof(double)) != 0)
			fail(&c, "fbl: ref modified its read-only input %s (status %s)", len_names[k], got);
	if (memcmp(Z, Z_copy, Z_len * sizeof(double)) != 0)
		fail(&c, "fbl: ref modified its read-only noise (status %s)%s", got, "");
	if (st != CR_OK && !(all_sentinel(c.loss_out, 1) && all_sentinel(c.dW, c.dW_len)
	                     && all_sentinel(c.db, c.db_len) && all_sentinel(B_next, F_true)))
		fail(&c, "fbl: ref wrote an output although it returned %s%s", got, "");
	if (st == CR_OK && (!isfinite(*c.loss_out) || any_nonfinite(c.dW, c.dW_len)
	                    || any_nonfinite(c.db, c.db_len) || any_nonfinite(B_next, F_true)))
		fail(&c, "fbl: ref returned %s with a non-finite output%s", got, "");

	// The errors that apply (KP-ERR-1 as extended by WM-ERR-1, ALIGN-STEP-4/5).
	int orule = fbl_oracle_rule(rule, variant);
	unsigned ap = 0;
	int params_ok = isfinite(h.eta) && h.eta > 0.0 && isfinite(h.eta_B) && h.eta_B > 0.0;
	if (rule == CR_FUZZ_WM && (variant < 0 || variant > 2))
		params_ok = 0;
	else if (rule == CR_FUZZ_WM && variant != 2)
		params_ok = params_ok && isfinite(h.decay_B) && h.decay_B >= 0.0;
	else
		params_ok = params_ok && isfinite(h.alpha) && h.alpha >= 0.0 && isfinite(h.beta)
		            && h.beta >= 0.0 && (rule != CR_FUZZ_IA || (isfinite(h.gamma) && h.gamma >= 0.0));
	if (!params_ok)
		ap |= AP_PARAM;
	int zero = c.L == 0 || c.batch == 0 || (rule == CR_FUZZ_WM && c.L >= 2 && M == 0);
	for (size_t l = 0; l <= c.L; l++)
		zero |= c.n[l] == 0;
	if (zero)
		ap |= AP_ZERO;
	for (size_t l = 0; l < c.L; l++) {
		if (c.acts[l].kind < 0 || c.acts[l].kind >= CR_ACT_COUNT)
			ap |= AP_ACT;
		else if (c.acts[l].kind == CR_ACT_LEAKY_RELU && !isfinite(c.acts[l].slope))
			ap |= AP_PARAM;
	}
	if (c.loss < 0 || c.loss >= CR_LOSS_COUNT)
		ap |= AP_LOSS;
	if (c.W_len != c.W_true || c.b_len != c.b_true || c.F_len != F_true
	    || c.x_len != c.batch * (c.L ? c.n[0] : 0) || c.t_len != c.batch * (c.L ? c.n[c.L] : 0)
	    || c.dW_len != c.W_true || c.db_len != c.b_true || Z_len != Z_true)
		ap |= AP_MISMATCH;
	if (c.work_len < work_true)
		ap |= AP_WORK;
	if (any_nonfinite(c.W, c.W_len) || any_nonfinite(c.b, c.b_len) || any_nonfinite(c.F, c.F_len)
	    || any_nonfinite(c.x, c.x_len) || any_nonfinite(c.t, c.t_len) || any_nonfinite(Z, Z_len))
		ap |= AP_NONFINITE;
	unsigned bit = applicable_bit(got);
	if (ap != 0) {
		if ((bit & ap) == 0)
			fail(&c, "fbl: status %s, but it does not apply (hyper-parameters, noise and the case above)%s",
			     got, "");
		stats[ST_ERROR]++;
	} else if (bit != 0 || (st != CR_OK && st != CR_ERR_NONFINITE_RESULT)) {
		fail(&c, "fbl: status %s for a call without a defect%s", got, "");
	} else {
		cro_net onet = {c.L, c.n, c.okinds, c.slopes, c.loss};
		size_t a_len = c.batch * c.b_true;
		cro_fbl_out o;
		memset(&o, 0, sizeof o);
		o.W = alloc_doubles(c.W_true);
		o.W_gauge = alloc_doubles(c.W_true);
		o.b = alloc_doubles(c.b_true);
		o.b_gauge = alloc_doubles(c.b_true);
		o.B = alloc_doubles(F_true);
		o.B_gauge = alloc_doubles(F_true);
		o.G = alloc_doubles(F_true);
		o.G_gauge = alloc_doubles(F_true);
		o.a = alloc_doubles(a_len);
		o.a_gauge = alloc_doubles(a_len);
		cro_status ost = cro_fbl_step(&onet, orule, c.batch, &h, c.W, c.W_len, c.b, c.b_len,
		                              c.F, c.F_len, c.x, c.x_len, c.t, c.t_len, M, Z, Z_len,
		                              NULL, NULL, NULL, 0.0, &o);
		const char *oname = cro_status_name((int)ost);
		if (ost == CRO_OK && st == CR_OK) {
			if (o.ties != 0) {
				stats[ST_TIE]++;
			} else {
				stats[ST_COMPARED]++;
				compare(&c, "fbl loss", 0, *c.loss_out, o.loss, o.loss_gauge, o.k_loss);
				for (size_t i = 0; i < c.W_true; i++)
					compare(&c, "fbl W_next", i, c.dW[i], o.W[i], o.W_gauge[i], o.k_state);
				for (size_t i = 0; i < c.b_true; i++)
					compare(&c, "fbl b_next", i, c.db[i], o.b[i], o.b_gauge[i], o.k_state);
				for (size_t i = 0; i < F_true; i++)
					compare(&c, "fbl B_next", i, B_next[i], o.B[i], o.B_gauge[i], o.k_state);
			}
		} else if (ost == CRO_OK && st == CR_ERR_NONFINITE_RESULT) {
			// ref/ may overflow only where the oracle is within its
			// tolerance of overflow (an output, the feedback update G or a
			// pre-activation); intermediate sums the oracle does not return
			// are judged through these.
			int near = near_max(o.loss, o.loss_gauge, o.k_loss);
			for (size_t i = 0; i < c.W_true; i++)
				near |= near_max(o.W[i], o.W_gauge[i], o.k_state);
			for (size_t i = 0; i < c.b_true; i++)
				near |= near_max(o.b[i], o.b_gauge[i], o.k_state);
			for (size_t i = 0; i < F_true; i++)
				near |= near_max(o.B[i], o.B_gauge[i], o.k_state)
				        | near_max(o.G[i], o.G_gauge[i], o.k_state);
			for (size_t i = 0; i < a_len; i++)
				near |= near_max(o.a[i], o.a_gauge[i], o.k_state);
			if (!near)
				fail(&c, "fbl: ref returned %s but the oracle's result is %s and far from overflow",
				     got, oname);
			stats[ST_OVERFLOW]++;
		} else if (ost != CRO_ERR_NONFINITE_RESULT && ost != CRO_ERR_GAUGE) {
			fail(&c, "fbl: the oracle returned %s for a call without a defect (ref %s)", oname, got);
		} else {
			stats[ST_OVERFLOW]++;
		}
		double *os[] = {o.W, o.W_gauge, o.b, o.b_gauge, o.B, o.B_gauge, o.G, o.G_gauge, o.a,
		                o.a_gauge};
		for (size_t k = 0; k < sizeof os / sizeof os[0]; k++)
			free(os[k]);
	}
	free(Z);
	free(Z_copy);
	free(B_next);
	release(&c);
	return 0;
}

// ---------------------------------------------------------------- ALIGN
//
// cr_fuzz_align: the primitives of one layer (cr_align_prims) against the
// oracle's cro_align_prims. Input: n_in, n_out (0 when (byte & 31) == 0,
// else 1 + byte % 4), N (the same, 1 + byte % 3), a perturbation byte (below
// 0x28: one of W, B, x, grad, work one longer or shorter), then W, B, x by
// next_double().

int cr_fuzz_align(const uint8_t *data, size_t size)
{
	register_stats();
	reader r = {data, size, 0, 0x2545f491u};
	size_t n[3];
	for (size_t i = 0; i < 3; i++) {
		unsigned v = next_byte(&r);
		n[i] = (v & 31u) == 0 ? 0 : 1 + v % (i < 2 ? 4u : 3u);
	}
	size_t n_in = n[0], n_out = n[1], N = n[2];
	unsigned pv = next_byte(&r);
	int which = pv < 0x28u ? (int)(pv % 5) : -1, sign = (int)((pv / 5) & 1u);
	size_t want[5] = {n_out * n_in, n_in * n_out, N * n_in, CR_PRIM_COUNT * n_in * n_out,
	                  cr_align_workspace_len(n_in, n_out)};
	size_t len[5];
	for (int k = 0; k < 5; k++)
		len[k] = which != k ? want[k] : (sign ? want[k] + 1 : (want[k] ? want[k] - 1 : 0));
	double *W = alloc_doubles(len[0]), *B = alloc_doubles(len[1]), *x = alloc_doubles(len[2]);
	for (size_t i = 0; i < len[0]; i++)
		W[i] = next_double(&r);
	for (size_t i = 0; i < len[1]; i++)
		B[i] = next_double(&r);
	for (size_t i = 0; i < len[2]; i++)
		x[i] = next_double(&r);
	double *copy = alloc_doubles(len[0] + len[1] + len[2]);
	memcpy(copy, W, len[0] * sizeof(double));
	memcpy(copy + len[0], B, len[1] * sizeof(double));
	memcpy(copy + len[0] + len[1], x, len[2] * sizeof(double));
	double value[CR_PRIM_COUNT], *grad = alloc_doubles(len[3]), *work = alloc_doubles(len[4]);
	fill_sentinel(value, CR_PRIM_COUNT);
	fill_sentinel(grad, len[3]);
	cr_status st = cr_align_prims(n_in, n_out, N, W, len[0], B, len[1], x, len[2], value, grad,
	                              len[3], work, len[4]);
	const char *got = cr_status_name((int)st);
	fcase c; // for the messages only
	memset(&c, 0, sizeof c);
	c.L = 1, c.n[0] = n_in, c.n[1] = n_out, c.batch = N, c.pert_which = -1;
	if (memcmp(copy, W, len[0] * sizeof(double)) || memcmp(copy + len[0], B, len[1] * sizeof(double))
	    || memcmp(copy + len[0] + len[1], x, len[2] * sizeof(double)))
		fail(&c, "align: ref modified its read-only input (status %s)%s", got, "");
	if (st != CR_OK && !(all_sentinel(value, CR_PRIM_COUNT) && all_sentinel(grad, len[3])))
		fail(&c, "align: ref wrote an output although it returned %s%s", got, "");
	if (st == CR_OK && (any_nonfinite(value, CR_PRIM_COUNT) || any_nonfinite(grad, len[3])))
		fail(&c, "align: ref returned %s with a non-finite output%s", got, "");
	unsigned ap = 0;
	if (n_in == 0 || n_out == 0 || N == 0)
		ap |= AP_ZERO;
	if (which >= 0 && which <= 3 && len[which] != want[which])
		ap |= AP_MISMATCH;
	if (len[4] < want[4])
		ap |= AP_WORK;
	if (any_nonfinite(W, len[0]) || any_nonfinite(B, len[1]) || any_nonfinite(x, len[2]))
		ap |= AP_NONFINITE;
	unsigned bit = applicable_bit(got);
	if (ap != 0) {
		if ((bit & ap) == 0)
			fail(&c, "align: status %s, but it does not apply (n_in, n_out, N, lengths)%s", got, "");
		stats[ST_ERROR]++;
	} else if (bit != 0 || (st != CR_OK && st != CR_ERR_NONFINITE_RESULT)) {
		fail(&c, "align: status %s for a call without a defect%s", got, "");
	} else {
		size_t g = n_in * n_out;
		cro_align_out o;
		memset(&o, 0, sizeof o);
		double *buf = alloc_doubles(2 * CR_PRIM_COUNT * g);
		for (size_t p = 0; p < CR_PRIM_COUNT; p++) {
			o.dR[p] = buf + 2 * p * g;
			o.dR_gauge[p] = buf + (2 * p + 1) * g;
		}
		cro_status ost = cro_align_prims(n_in, n_out, N, CRO_PRIM_ALL, W, len[0], B, len[1], x,
		                                 len[2], NULL, NULL, NULL, &o);
		const char *oname = cro_status_name((int)ost);
		if (ost == CRO_OK && st == CR_OK) {
			stats[ST_COMPARED]++;
			for (size_t p = 0; p < CR_PRIM_COUNT; p++) {
				compare(&c, "align value", p, value[p], o.R[p], o.R_gauge[p], o.k_R[p]);
				for (size_t i = 0; i < g; i++)
					compare(&c, "align grad", p * g + i, grad[p * g + i], o.dR[p][i],
					        o.dR_gauge[p][i], o.k_dR[p]);
			}
		} else if (ost == CRO_OK && st == CR_ERR_NONFINITE_RESULT) {
			int near = 0;
			for (size_t p = 0; p < CR_PRIM_COUNT; p++) {
				near |= near_max(o.R[p], o.R_gauge[p], o.k_R[p]);
				for (size_t i = 0; i < g; i++)
					near |= near_max(o.dR[p][i], o.dR_gauge[p][i], o.k_dR[p]);
			}
			if (!near)
				fail(&c, "align: ref returned %s but the oracle's result is %s and far from overflow",
				     got, oname);
			stats[ST_OVERFLOW]++;
		} else if (ost != CRO_ERR_NONFINITE_RESULT && ost != CRO_ERR_GAUGE) {
			fail(&c, "align: the oracle returned %s for a call without a defect (ref %s)", oname, got);
		} else {
			stats[ST_OVERFLOW]++;
		}
		free(buf);
	}
	free(W);
	free(B);
	free(x);
	free(copy);
	free(grad);
	free(work);
	return 0;
}
