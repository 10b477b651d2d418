// refadapter.c: the in-process reference adapter (spec/protocol.md
// PROTO-REF-1/2). Converts a request's network and input into ref/'s flat
// arrays (NOT-NET-3, NOT-FB-3), calls cr_<rule>_grad and turns the status
// into a response. The conversion rules are listed in refadapter.h.
#include "refadapter.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../ref/credit.h"

#define ANY SIZE_MAX

// A growing flat array of the numbers of one input field.
typedef struct {
	double *v;
	size_t n, cap;
} flat;

typedef struct {
	char why[512];   // the reason a request is malformed
	int mismatch;    // some shape does not match the network
} ctx;

static int malformed(ctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->why, sizeof x->why, fmt, ap);
	va_end(ap);
	return -1;
}

static int push(ctx *x, flat *f, double v)
{
	if (f->n + 1 >= f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		double *nv = realloc(f->v, cap * sizeof *nv);
		if (!nv)
			return malformed(x, "out of memory");
		f->v = nv;
		f->cap = cap;
	}
	f->v[f->n++] = v;
	return 0;
}

// A number, or one of the strings of VEC-NUM-2.
static int get_num(const json_t *e, double *v)
{
	const char *s = json_string_value(e);
	if (json_is_number(e)) {
		*v = json_number_value(e);
		return 0;
	}
	if (s && strcmp(s, "NaN") == 0)
		*v = NAN;
	else if (s && strcmp(s, "Infinity") == 0)
		*v = INFINITY;
	else if (s && strcmp(s, "-Infinity") == 0)
		*v = -INFINITY;
	else
		return -1;
	return 0;
}

// Appends a rows x cols matrix (rows or cols ANY: any count, the row
// count is returned in *nrows) to f; a wrong count sets x->mismatch.
static int read_matrix(ctx *x, const char *name, const json_t *m, size_t rows, size_t cols,
                       flat *f, size_t *nrows)
{
	size_t i, width = ANY;
	const json_t *r;
	if (!json_is_array(m))
		return malformed(x, "%s is not a list of rows", name);
	if (rows != ANY && json_array_size(m) != rows)
		x->mismatch = 1;
	json_array_foreach(m, i, r) {
		size_t q;
		const json_t *e;
		if (!json_is_array(r))
			return malformed(x, "%s[%zu] is not a list of numbers", name, i);
		if (cols != ANY && json_array_size(r) != cols)
			x->mismatch = 1;
		if (width != ANY && json_array_size(r) != width)
			x->mismatch = 1; // A ragged matrix.
		width = json_array_size(r);
		json_array_foreach(r, q, e) {
			double v;
			if (get_num(e, &v))
				return malformed(x, "%s[%zu][%zu] is not a number", name, i, q);
			if (push(x, f, v))
				return -1;
		}
	}
	if (nrows)
		*nrows = json_array_size(m);
	return 0;
}

// Appends a vector of len numbers (len ANY: any count).
static int read_vector(ctx *x, const char *name, const json_t *j, size_t len, flat *f)
{
	size_t i;
	const json_t *e;
	if (!json_is_array(j))
		return malformed(x, "%s is not a list of numbers", name);
	if (len != ANY && json_array_size(j) != len)
		x->mismatch = 1;
	json_array_foreach(j, i, e) {
		double v;
		if (get_num(e, &v))
			return malformed(x, "%s[%zu] is not a number", name, i);
		if (push(x, f, v))
			return -1;
	}
	return 0;
}

// Shapes of the per-layer arrays, for layer index l of the list.
typedef enum { SH_W, SH_B, SH_BFB, SH_D, SH_M } shape;

static void layer_shape(shape s, const size_t *w, size_t L, size_t i, size_t *rows, size_t *cols)
{
	switch (s) {
	case SH_W: *rows = w[i + 1]; *cols = w[i]; break;          // W_{i+1}: n_{i+1} x n_i
	case SH_B: *rows = w[i + 1]; *cols = 1; break;             // b_{i+1}
	case SH_BFB: *rows = w[i + 1]; *cols = w[i + 2]; break;    // B_{i+2}: n_{i+1} x n_{i+2} (NOT-FB-1)
	case SH_D: *rows = w[i + 1]; *cols = w[L]; break;          // D_{i+1}: n_{i+1} x n_L (NOT-FB-2)
	case SH_M: *rows = w[i + 2]; *cols = w[i + 1]; break;      // M_{i+2}: shape of W_{i+2}
	}
}

// Reads a list of `count` per-layer arrays (NOT-FB-3 order). A missing field
// (j NULL) with allow_missing is an empty list.
static int read_layers(ctx *x, const char *name, const json_t *j, shape s, const size_t *w,
                       size_t L, size_t count, flat *f)
{
	size_t i;
	const json_t *m;
	char sub[64];
	if (!j) {
		x->mismatch = 1; // A missing array is size_mismatch (FA-ERR-1, DFA-ERR-1, SS-ERR-1).
		return 0;
	}
	if (!json_is_array(j))
		return malformed(x, "input.%s is not a list", name);
	if (json_array_size(j) != count)
		x->mismatch = 1;
	json_array_foreach(j, i, m) {
		size_t rows = ANY, cols = ANY;
		if (i < count)
			layer_shape(s, w, L, i, &rows, &cols);
		snprintf(sub, sizeof sub, "input.%s[%zu]", name, i);
		if (s == SH_B ? read_vector(x, sub, m, rows, f) : read_matrix(x, sub, m, rows, cols, f, NULL))
			return -1;
	}
	return 0;
}

// Expected flat length of `count` per-layer arrays; SIZE_MAX on overflow.
static size_t layers_len(shape s, const size_t *w, size_t L, size_t count)
{
	size_t total = 0;
	for (size_t i = 0; i < count; i++) {
		size_t r, c;
		layer_shape(s, w, L, i, &r, &c);
		if (c != 0 && r > SIZE_MAX / c)
			return SIZE_MAX;
		if (total > SIZE_MAX - r * c)
			return SIZE_MAX;
		total += r * c;
	}
	return total;
}

// Checked product a * b; SIZE_MAX on overflow.
static size_t mul(size_t a, size_t b)
{
	return (b != 0 && a > SIZE_MAX / b) ? SIZE_MAX : a * b;
}

static json_t *seq_copy(const json_t *req)
{
	const json_t *s = json_is_object(req) ? json_object_get(req, "seq") : NULL;
	double v;
	if (!json_is_number(s))
		return NULL;
	v = json_number_value(s);
	if (floor(v) == v && fabs(v) < 9e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *error_response(const json_t *req, const char *name)
{
	json_t *r = json_object();
	json_t *s = seq_copy(req);
	if (!r)
		return NULL;
	if (s)
		json_object_set_new(r, "seq", s);
	json_object_set_new(r, "error", json_string(name));
	return r;
}

static json_t *layers_json(const double *v, const size_t *w, size_t L, int mats)
{
	json_t *list = json_array();
	size_t p = 0;
	for (size_t l = 1; l <= L; l++) {
		json_t *m = json_array();
		for (size_t i = 0; i < w[l]; i++) {
			if (mats) {
				json_t *row = json_array();
				for (size_t q = 0; q < w[l - 1]; q++)
					json_array_append_new(row, json_real(v[p++]));
				json_array_append_new(m, row);
			} else {
				json_array_append_new(m, json_real(v[p++]));
			}
		}
		json_array_append_new(list, m);
	}
	return list;
}

static int act_kind(const char *name)
{
	static const char *const names[] = { "identity", "tanh", "logistic", "relu", "leaky_relu" };
	for (int k = 0; k < (int)(sizeof names / sizeof names[0]); k++)
		if (strcmp(name, names[k]) == 0)
			return k; // The order of cr_act_kind.
	return CR_ACT_COUNT; // Out of range: ref/ reports unknown_activation.
}

// The list of L - 1 feedback matrices B_2 .. B_L, B_l being n_{l-1} x n_l
// (NOT-FB-1, NOT-FB-3), from the flat array v.
static json_t *feedback_json(const double *v, const size_t *w, size_t L)
{
	json_t *list = json_array();
	size_t p = 0;
	for (size_t l = 2; l <= L; l++) {
		json_t *m = json_array();
		for (size_t i = 0; i < w[l - 1]; i++) {
			json_t *row = json_array();
			for (size_t q = 0; q < w[l]; q++)
				json_array_append_new(row, json_real(v[p++]));
			json_array_append_new(m, row);
		}
		json_array_append_new(list, m);
	}
	return list;
}

// A hyper-parameter of a trajectory (KP-IN-2, WM-IN-2, ALIGN-STEP-4): a
// number or one of the strings of VEC-NUM-2; missing or of another type is
// malformed.
static int read_param(ctx *x, const json_t *in, const char *name, double *v)
{
	const json_t *j = json_object_get(in, name);
	if (!j || get_num(j, v))
		return malformed(x, "input.%s is %s", name, j ? "not a number" : "missing");
	return 0;
}

// The rules whose requests are trajectories (NOT-STEP-*).
typedef enum { T_KP, T_WM, T_SA, T_AA, T_IA } traj_rule;

// A trajectory rule's hyper-parameters; those a rule does not use stay 0.
typedef struct {
	int variant; // wm: a cr_wm_variant
	double eta, decay, eta_B, decay_B, alpha, beta, gamma;
} hyper;

// Reads the rule's hyper-parameters (and the weight mirror's variant, from
// the request: absent is linear, WM-IN-3). Returns -1 when malformed, 1 when
// the variant is unknown (invalid_parameter), else 0.
static int read_hyper(ctx *x, const json_t *req, const json_t *in, traj_rule r, hyper *h,
                      FILE *diag)
{
	memset(h, 0, sizeof *h);
	switch (r) {
	case T_KP:
		return read_param(x, in, "eta", &h->eta) || read_param(x, in, "decay", &h->decay) ? -1 : 0;
	case T_WM: {
		const json_t *v = json_object_get(req, "variant");
		const char *vs = json_string_value(v);
		if (v && !vs)
			return malformed(x, "variant is not a string");
		if (!vs || strcmp(vs, "linear") == 0)
			h->variant = CR_WM_LINEAR;
		else if (strcmp(vs, "nonlinear") == 0)
			h->variant = CR_WM_NONLINEAR;
		else if (strcmp(vs, "kunin") == 0)
			h->variant = CR_WM_KUNIN;
		else {
			if (diag)
				fprintf(diag, "credit: unknown weight-mirror variant \"%s\"\n", vs);
			return 1;
		}
		if (read_param(x, in, "eta", &h->eta) || read_param(x, in, "eta_B", &h->eta_B))
			return -1;
		if (h->variant == CR_WM_KUNIN)
			return read_param(x, in, "alpha", &h->alpha) || read_param(x, in, "beta", &h->beta) ? -1 : 0;
		return read_param(x, in, "decay_B", &h->decay_B) ? -1 : 0;
	}
	case T_IA:
		if (read_param(x, in, "gamma", &h->gamma))
			return -1;
		/* fall through */
	default: // T_SA, T_AA
		return read_param(x, in, "eta", &h->eta) || read_param(x, in, "eta_B", &h->eta_B) ||
		       read_param(x, in, "alpha", &h->alpha) || read_param(x, in, "beta", &h->beta) ? -1 : 0;
	}
}

// The weight mirror's noise of every step (WM-IN-1): k entries, each a list
// of L - 1 matrices, the one of layer l being M_s x n_{l-1} with the same M_s
// for every layer of the step. Appends them to Z, step after step (zo[s] ..
// zo[s+1]), with M[s]; a wrong count or shape sets x->mismatch (and records
// the first such step in *bad_step), a missing "noise" is size_mismatch.
static int read_noise(ctx *x, const json_t *in, const size_t *w, size_t L, size_t k,
                      flat *Z, size_t *zo, size_t *M, size_t *bad_step)
{
	const json_t *jz = json_object_get(in, "noise");
	char name[64];
	zo[0] = 0;
	if (!jz) {
		x->mismatch = 1;
		for (size_t s = 0; s < k; s++)
			zo[s + 1] = 0, M[s] = 0;
		return 0;
	}
	if (!json_is_array(jz))
		return malformed(x, "input.noise is not a list of steps (WM-IN-1)");
	if (json_array_size(jz) != k)
		x->mismatch = 1;
	for (size_t s = 0; s < k; s++) {
		const json_t *step = json_array_get(jz, s);
		int before = x->mismatch;
		M[s] = 0;
		x->mismatch = 0;
		if (step && !json_is_array(step))
			return malformed(x, "input.noise[%zu] is not a list of matrices", s);
		if (!step || json_array_size(step) != (L ? L - 1 : 0))
			x->mismatch = 1;
		for (size_t i = 0; step && i < json_array_size(step); i++) {
			const json_t *m = json_array_get(step, i);
			size_t rows = 0;
			snprintf(name, sizeof name, "input.noise[%zu][%zu]", s, i);
			if (read_matrix(x, name, m, i == 0 ? ANY : M[s], i + 1 < L ? w[i + 1] : ANY, Z, &rows))
				return -1;
			if (i == 0)
				M[s] = rows;
		}
		zo[s + 1] = Z->n;
		if (x->mismatch && *bad_step == ANY)
			*bad_step = s;
		x->mismatch = before;
	}
	// Noise for steps beyond x's count is read for malformedness only.
	for (size_t s = k; s < json_array_size(jz); s++) {
		const json_t *step = json_array_get(jz, s);
		if (!json_is_array(step))
			return malformed(x, "input.noise[%zu] is not a list of matrices", s);
		for (size_t i = 0; i < json_array_size(step); i++) {
			snprintf(name, sizeof name, "input.noise[%zu][%zu]", s, i);
			if (read_matrix(x, name, json_array_get(step, i), ANY, ANY, Z, NULL))
				return -1;
		}
	}
	return 0;
}

// The workspace one step of rule r needs.
static size_t step_work_len(traj_rule r, const cr_net *cn, size_t N, size_t M)
{
	switch (r) {
	case T_KP: return cr_kp_workspace_len(cn, N);
	case T_WM: return cr_wm_workspace_len(cn, N, M);
	default: return cr_align_step_workspace_len(cn, N);
	}
}

// One step of rule r: state (W, b, B) of lengths nW, nb, nB at cur, the
// step's batch and noise, the next state at nxt (same layout). Lengths
// passed as given, so that ref/ reports any mismatch itself.
static cr_status step_call(traj_rule r, const hyper *h, const cr_net *cn, size_t N,
                           const double *W, size_t nW, const double *b, size_t nb,
                           const double *B, size_t nB, const double *X, size_t nX,
                           const double *T, size_t nT, size_t M, const double *Z, size_t nZ,
                           double *loss, double *W1, size_t nW1, double *b1, size_t nb1,
                           double *B1, size_t nB1, double *work, size_t wl)
{
	switch (r) {
	case T_KP:
		return cr_kp_step(cn, N, h->eta, h->decay, W, nW, b, nb, B, nB, X, nX, T, nT,
		                  loss, W1, nW1, b1, nb1, B1, nB1, work, wl);
	case T_WM:
		return cr_wm_step(cn, N, h->variant, h->eta, h->eta_B, h->decay_B, h->alpha, h->beta,
		                  W, nW, b, nb, B, nB, X, nX, T, nT, M, Z, nZ,
		                  loss, W1, nW1, b1, nb1, B1, nB1, work, wl);
	case T_SA:
		return cr_sa_step(cn, N, h->eta, h->eta_B, h->alpha, h->beta, W, nW, b, nb, B, nB,
		                  X, nX, T, nT, loss, W1, nW1, b1, nb1, B1, nB1, work, wl);
	case T_AA:
		return cr_aa_step(cn, N, h->eta, h->eta_B, h->alpha, h->beta, W, nW, b, nb, B, nB,
		                  X, nX, T, nT, loss, W1, nW1, b1, nb1, B1, nB1, work, wl);
	default:
		return cr_ia_step(cn, N, h->eta, h->eta_B, h->alpha, h->beta, h->gamma, W, nW, b, nb,
		                  B, nB, X, nX, T, nT, loss, W1, nW1, b1, nb1, B1, nB1, work, wl);
	}
}

// A trajectory request (NOT-STEP-2/3) of rule r (kp, wm, sa, aa, ia): calls
// the rule's cr_<stem>_step once per step, alternating two state buffers. W
// and b are already read (their shapes checked against the network); this
// reads the hyper-parameters, B, the per-step batches x[s], t[s] and, for
// the weight mirror, the noise. Returns -1 for a malformed request (x->why
// set), else 0 with *resp set.
//   - no step at all ("x": []) is zero_size; t (or the noise) with another
//     number of steps than x is size_mismatch;
//   - a shape that does not match (W, b, B, or a step's x[s], t[s], noise)
//     is handed to ref/ with deliberately mismatched flat lengths, on the
//     first step whose shapes are wrong (the first step for W, b, B), so
//     that ref/'s order of checks decides between size_mismatch and an
//     earlier error (invalid_parameter, zero_size, ...);
//   - otherwise the first step whose status is not CR_OK ends the trajectory
//     with that error, and no output (NOT-STEP-3).
static int traj_answer(ctx *x, traj_rule r, const json_t *req, const json_t *in,
                       const cr_net *cn, const size_t *w, size_t L, flat *W, flat *b,
                       FILE *diag, json_t **resp)
{
	const json_t *jx = json_object_get(in, "x"), *jt = json_object_get(in, "t");
	flat B = { 0 }, X = { 0 }, T = { 0 }, Z = { 0 };
	size_t k, kt, s, bad_step = ANY, *N = NULL, *xo = NULL, *to = NULL, *zo = NULL, *M = NULL;
	double *state = NULL, *work = NULL;
	json_t *jl = NULL, *jW = NULL, *jb = NULL, *jB = NULL;
	int rc = -1, state_bad, hr;
	hyper h;
	char name[64];
	*resp = NULL;

	hr = read_hyper(x, req, in, r, &h, diag);
	if (hr < 0)
		return -1;
	if (hr > 0) {
		*resp = error_response(req, "invalid_parameter"); // WM-IN-3: an unknown variant.
		return 0;
	}
	if (!json_is_array(jx) || !json_is_array(jt))
		return malformed(x, "input.x and input.t must be lists of batches (NOT-STEP-2)");
	if (read_layers(x, "B", json_object_get(in, "B"), SH_BFB, w, L, L ? L - 1 : 0, &B))
		goto out;
	state_bad = x->mismatch;
	x->mismatch = 0;
	k = json_array_size(jx);
	kt = json_array_size(jt);
	N = malloc((k + 1) * sizeof *N);
	xo = malloc((k + 1) * sizeof *xo);
	to = malloc((k + 1) * sizeof *to);
	zo = malloc((k + 1) * sizeof *zo);
	M = malloc((k + 1) * sizeof *M);
	if (!N || !xo || !to || !zo || !M) {
		malformed(x, "out of memory");
		goto out;
	}
	// Every batch is read, so that a malformed one is reported whatever the
	// step counts; t[s] must have as many rows as x[s].
	xo[0] = to[0] = 0;
	for (s = 0; s < k || s < kt; s++) {
		size_t rows = 0;
		x->mismatch = 0;
		if (s < k) {
			snprintf(name, sizeof name, "input.x[%zu]", s);
			if (read_matrix(x, name, json_array_get(jx, s), ANY, w[0], &X, &N[s]))
				goto out;
			xo[s + 1] = X.n;
		}
		if (s < kt) {
			snprintf(name, sizeof name, "input.t[%zu]", s);
			if (read_matrix(x, name, json_array_get(jt, s), s < k ? N[s] : ANY, w[L], &T, &rows))
				goto out;
			if (s < k)
				to[s + 1] = T.n;
		} else if (s < k) {
			to[s + 1] = T.n;
		}
		if (x->mismatch && bad_step == ANY && s < k)
			bad_step = s;
	}
	x->mismatch = 0;
	for (s = 0; s <= k; s++)
		zo[s] = 0, M[s] = 0;
	if (r == T_WM) {
		if (read_noise(x, in, w, L, k, &Z, zo, M, &bad_step))
			goto out;
		if (x->mismatch && k > 0) // A missing noise, or another number of steps.
			state_bad = 1;
		x->mismatch = 0;
	}
	rc = 0;
	if (k == 0) {
		*resp = error_response(req, "zero_size"); // No step at all (KP-ERR-1, WM-ERR-1).
		goto out;
	}
	if (kt != k) {
		*resp = error_response(req, "size_mismatch"); // NOT-STEP-2.
		goto out;
	}
	// Room for one entry more in every array, and no NULL pointer (see the
	// mismatch case below and ck_refadapter_answer).
	if (push(x, W, 0) || push(x, b, 0) || push(x, &B, 0) || push(x, &X, 0) || push(x, &T, 0) ||
	    push(x, &Z, 0)) {
		rc = -1;
		goto out;
	}
	W->n--, b->n--, B.n--, X.n--, T.n--, Z.n--;

	if (state_bad || bad_step != ANY) {
		// One call of ref/ with the flat lengths as read, on the step whose
		// shapes are wrong; when every count happens to be right although a
		// shape is wrong, W gets one entry more (the buffer has room).
		size_t m = state_bad ? 0 : bad_step, Wn = W->n;
		size_t xn = xo[m + 1] - xo[m], tn = to[m + 1] - to[m], zn = zo[m + 1] - zo[m];
		double d[5] = { 0, 0, 0, 0, 0 };
		cr_status st;
		if (Wn == layers_len(SH_W, w, L, L) && b->n == layers_len(SH_B, w, L, L) &&
		    B.n == layers_len(SH_BFB, w, L, L ? L - 1 : 0) && xn == mul(N[m], w[0]) &&
		    tn == mul(N[m], w[L]))
			Wn++;
		st = step_call(r, &h, cn, N[m], W->v, Wn, b->v, b->n, B.v, B.n, X.v + xo[m], xn,
		               T.v + to[m], tn, M[m], Z.v + zo[m], zn, d, d + 1, 1, d + 2, 1, d + 3, 1,
		               d + 4, 1);
		if (st == CR_OK || st == CR_ERR_NULL || st == CR_ERR_WORKSPACE)
			st = CR_ERR_SIZE_MISMATCH;
		*resp = error_response(req, cr_status_name((int)st));
		goto out;
	}

	{
		size_t nW = W->n, nb = b->n, nB = B.n, ns = nW + nb + nB, wcap = 0;
		double *cur, *nxt, loss;
		state = malloc((2 * ns + 1) * sizeof *state);
		jl = json_array();
		jW = json_array();
		jb = json_array();
		jB = json_array();
		if (!state || !jl || !jW || !jb || !jB) {
			*resp = error_response(req, "size_too_large");
			goto out;
		}
		cur = state;
		nxt = state + ns;
		memcpy(cur, W->v, nW * sizeof *cur);
		memcpy(cur + nW, b->v, nb * sizeof *cur);
		memcpy(cur + nW + nb, B.v, nB * sizeof *cur);
		for (s = 0; s < k; s++) {
			size_t wl = step_work_len(r, cn, N[s], M[s]), nz = zo[s + 1] - zo[s];
			cr_status st;
			double *tmp;
			if (wl > wcap) {
				free(work);
				work = wl < SIZE_MAX / sizeof(double) ? malloc(wl * sizeof *work) : NULL;
				wcap = work ? wl : 0;
				if (!work) {
					if (diag)
						fprintf(diag, "credit: cannot allocate %zu doubles of workspace\n", wl);
					*resp = error_response(req, "size_too_large");
					goto out;
				}
			}
			st = step_call(r, &h, cn, N[s], cur, nW, cur + nW, nb, nB ? cur + nW + nb : NULL, nB,
			               X.v + xo[s], xo[s + 1] - xo[s], T.v + to[s], to[s + 1] - to[s],
			               M[s], nz ? Z.v + zo[s] : NULL, nz, &loss, nxt, nW, nxt + nW, nb,
			               nB ? nxt + nW + nb : NULL, nB, wl ? work : NULL, wl);
			if (st != CR_OK) {
				*resp = error_response(req, cr_status_name((int)st));
				goto out;
			}
			json_array_append_new(jl, json_real(loss));
			json_array_append_new(jW, layers_json(nxt, w, L, 1));
			json_array_append_new(jb, layers_json(nxt + nW, w, L, 0));
			json_array_append_new(jB, feedback_json(nxt + nW + nb, w, L));
			tmp = cur, cur = nxt, nxt = tmp;
		}
		*resp = json_object();
		if (*resp) {
			json_t *o = json_object(), *sq = seq_copy(req);
			if (sq)
				json_object_set_new(*resp, "seq", sq);
			json_object_set_new(o, "loss", jl);
			json_object_set_new(o, "W", jW);
			json_object_set_new(o, "b", jb);
			json_object_set_new(o, "B", jB);
			json_object_set_new(*resp, "output", o);
			jl = jW = jb = jB = NULL;
		}
	}
out:
	json_decref(jl);
	json_decref(jW);
	json_decref(jb);
	json_decref(jB);
	free(state);
	free(work);
	free(N);
	free(xo);
	free(to);
	free(zo);
	free(M);
	free(B.v);
	free(X.v);
	free(T.v);
	free(Z.v);
	return rc;
}

// A matrix as a list of rows, from rows x cols numbers at v.
static json_t *matrix_json(const double *v, size_t rows, size_t cols)
{
	json_t *m = json_array();
	for (size_t i = 0; i < rows; i++) {
		json_t *row = json_array();
		for (size_t q = 0; q < cols; q++)
			json_array_append_new(row, json_real(v[i * cols + q]));
		json_array_append_new(m, row);
	}
	return m;
}

// The primitives of one layer (spec/rules/align.md ALIGN-OUT-1): network
// {"widths": [n_in, n_out]}, input W (n_out x n_in), B (n_in x n_out), x
// (N x n_in). Returns -1 for a malformed request, else 0 with *resp set.
// Shapes are handed to ref/ as flat lengths: a wrong one is ref/'s
// size_mismatch (or an earlier zero_size).
static int align_answer(ctx *x, const json_t *req, FILE *diag, json_t **resp)
{
	static const char *const names[CR_PRIM_COUNT] = { "decay", "self", "amp", "sparse", "null" };
	const json_t *net = json_object_get(req, "network"), *in = json_object_get(req, "input");
	const json_t *widths = json_is_object(net) ? json_object_get(net, "widths") : NULL;
	flat W = { 0 }, B = { 0 }, X = { 0 };
	size_t n[2], N = 0, g_len, wl;
	double *out = NULL, *work = NULL;
	cr_status st;
	int rc = -1;
	*resp = NULL;
	if (!json_is_object(in) || !json_is_array(widths) || json_array_size(widths) != 2)
		return malformed(x, "an align request needs network.widths [n_in, n_out] and an input object");
	for (size_t i = 0; i < 2; i++) {
		const json_t *j = json_array_get(widths, i);
		double v;
		if (!json_is_number(j) || !((v = json_number_value(j)) >= 0) || floor(v) != v ||
		    v > 9007199254740992.0)
			return malformed(x, "network.widths[%zu] is not a non-negative integer", i);
		n[i] = (size_t)v;
	}
	if (!json_object_get(in, "W") || !json_object_get(in, "B") || !json_object_get(in, "x"))
		return malformed(x, "input needs W, B and x");
	if (read_matrix(x, "input.W", json_object_get(in, "W"), n[1], n[0], &W, NULL) ||
	    read_matrix(x, "input.B", json_object_get(in, "B"), n[0], n[1], &B, NULL) ||
	    read_matrix(x, "input.x", json_object_get(in, "x"), ANY, n[0], &X, &N) ||
	    push(x, &W, 0) || push(x, &B, 0) || push(x, &X, 0))
		goto out;
	W.n--, B.n--, X.n--;
	rc = 0;
	if (x->mismatch && W.n == mul(n[1], n[0]) && B.n == mul(n[0], n[1]) && X.n == mul(N, n[0]))
		W.n++; // Counts right although a shape is wrong (ragged rows): still a mismatch.
	g_len = mul(CR_PRIM_COUNT, mul(n[0], n[1]));
	wl = cr_align_workspace_len(n[0], n[1]);
	if (g_len == SIZE_MAX || g_len > SIZE_MAX / sizeof(double) - CR_PRIM_COUNT - 1 ||
	    wl > SIZE_MAX / sizeof(double) - 1 ||
	    !(out = malloc((CR_PRIM_COUNT + g_len + 1) * sizeof *out)) ||
	    !(work = malloc((wl + 1) * sizeof *work))) {
		if (diag)
			fprintf(diag, "credit: cannot allocate the primitives' outputs\n");
		*resp = error_response(req, "size_too_large");
		goto out;
	}
	st = cr_align_prims(n[0], n[1], N, W.v, W.n, B.v, B.n, X.v, X.n, out, out + CR_PRIM_COUNT,
	                    g_len, work, wl);
	if (x->mismatch && (st == CR_OK || st == CR_ERR_NULL || st == CR_ERR_WORKSPACE))
		st = CR_ERR_SIZE_MISMATCH;
	if (st != CR_OK) {
		*resp = error_response(req, cr_status_name((int)st));
		goto out;
	}
	*resp = json_object();
	if (*resp) {
		json_t *o = json_object(), *sq = seq_copy(req);
		char key[16];
		if (sq)
			json_object_set_new(*resp, "seq", sq);
		for (size_t p = 0; p < CR_PRIM_COUNT; p++)
			json_object_set_new(o, names[p], json_real(out[p]));
		for (size_t p = 0; p < CR_PRIM_COUNT; p++) {
			snprintf(key, sizeof key, "d_%s", names[p]);
			json_object_set_new(o, key, matrix_json(out + CR_PRIM_COUNT + p * n[0] * n[1], n[0], n[1]));
		}
		json_object_set_new(*resp, "output", o);
	}
out:
	free(out);
	free(work);
	free(W.v);
	free(B.v);
	free(X.v);
	return rc;
}

json_t *ck_refadapter_answer(const json_t *req, const char *rule, FILE *diag)
{
	ctx x;
	const json_t *net, *in, *widths, *acts, *j;
	const char *loss_name;
	size_t L, N = 0, n_rows_t = 0, i, nw;
	size_t *w = NULL;
	cr_act *act = NULL;
	cr_net cn;
	flat W = { 0 }, b = { 0 }, X = { 0 }, T = { 0 }, F = { 0 };
	double *out = NULL, *work = NULL, dummy[4] = { 0, 0, 0, 0 };
	json_t *resp = NULL;
	cr_status status;
	int uses_scale = 0;
	enum { R_BP, R_FA, R_DFA, R_SS, R_KP, R_WM, R_SA, R_AA, R_IA } r;
	memset(&x, 0, sizeof x);

	if (!json_is_object(req)) {
		malformed(&x, "the request is not a JSON object");
		goto bad;
	}
	j = json_object_get(req, "protocol");
	if (j && (!json_is_number(j) || json_number_value(j) != 1)) {
		malformed(&x, "protocol is not 1");
		goto bad;
	}
	if (!rule)
		rule = json_string_value(json_object_get(req, "rule"));
	if (!rule) {
		malformed(&x, "rule is not a string");
		goto bad;
	}
	if (strcmp(rule, "bp") == 0)
		r = R_BP;
	else if (strcmp(rule, "fa") == 0)
		r = R_FA;
	else if (strcmp(rule, "dfa") == 0)
		r = R_DFA;
	else if (strcmp(rule, "ss") == 0)
		r = R_SS;
	else if (strcmp(rule, "kp") == 0)
		r = R_KP;
	else if (strcmp(rule, "wm") == 0)
		r = R_WM;
	else if (strcmp(rule, "sa") == 0)
		r = R_SA;
	else if (strcmp(rule, "aa") == 0)
		r = R_AA;
	else if (strcmp(rule, "ia") == 0)
		r = R_IA;
	else if (strcmp(rule, "align") == 0) {
		// One layer, no activations or loss (ALIGN-OUT-1).
		if (align_answer(&x, req, diag, &resp))
			goto bad;
		return resp;
	} else
		return error_response(req, "unsupported_rule");

	net = json_object_get(req, "network");
	in = json_object_get(req, "input");
	if (!json_is_object(net) || !json_is_object(in)) {
		malformed(&x, "network or input is not an object");
		goto bad;
	}
	widths = json_object_get(net, "widths");
	acts = json_object_get(net, "activations");
	loss_name = json_string_value(json_object_get(net, "loss"));
	if (!json_is_array(widths) || json_array_size(widths) == 0 || !json_is_array(acts) || !loss_name) {
		malformed(&x, "network needs widths (a non-empty list), activations (a list) and loss (a string)");
		goto bad;
	}
	nw = json_array_size(widths);
	L = nw - 1;
	w = malloc(nw * sizeof *w);
	act = malloc((L ? L : 1) * sizeof *act);
	if (!w || !act) {
		malformed(&x, "out of memory");
		goto bad;
	}
	for (i = 0; i < nw; i++) {
		double v;
		j = json_array_get(widths, i);
		if (!json_is_number(j) || !((v = json_number_value(j)) >= 0) || floor(v) != v ||
		    v > 9007199254740992.0) {
			malformed(&x, "network.widths[%zu] is not a non-negative integer", i);
			goto bad;
		}
		w[i] = (size_t)v;
	}
	if (json_array_size(acts) != L)
		x.mismatch = 1;
	for (i = 0; i < L; i++) {
		const json_t *a = json_array_get(acts, i);
		const char *name;
		act[i].kind = CR_ACT_IDENTITY; // Padding for a missing layer (a mismatch).
		act[i].slope = 0;
		if (i >= json_array_size(acts))
			continue;
		name = json_string_value(json_object_get(a, "name"));
		if (!json_is_object(a) || !name) {
			malformed(&x, "network.activations[%zu] is not an object with a name", i);
			goto bad;
		}
		act[i].kind = act_kind(name);
		if (act[i].kind == CR_ACT_LEAKY_RELU) {
			// NOT-ACT-6: a missing or non-finite slope is invalid_parameter (ref/ checks).
			j = json_object_get(a, "slope");
			if (!j)
				act[i].slope = NAN;
			else if (get_num(j, &act[i].slope)) {
				malformed(&x, "network.activations[%zu].slope is not a number", i);
				goto bad;
			}
		}
	}
	cn.depth = L;
	cn.widths = w;
	cn.acts = act;
	cn.loss = strcmp(loss_name, "mse") == 0 ? CR_LOSS_MSE
	        : strcmp(loss_name, "softmax_ce") == 0 ? CR_LOSS_SOFTMAX_CE : CR_LOSS_COUNT;

	// The arrays (VEC-TEST-3). x fixes the batch size; t must have as many rows.
	if (!json_object_get(in, "W") || !json_object_get(in, "b") || !json_object_get(in, "x") ||
	    !json_object_get(in, "t")) {
		malformed(&x, "input needs W, b, x and t");
		goto bad;
	}
	if (read_layers(&x, "W", json_object_get(in, "W"), SH_W, w, L, L, &W) ||
	    read_layers(&x, "b", json_object_get(in, "b"), SH_B, w, L, L, &b))
		goto bad;
	if (r >= R_KP) {
		// A trajectory (NOT-STEP-2): x and t are lists of batches.
		static const traj_rule tr[] = { T_KP, T_WM, T_SA, T_AA, T_IA };
		if (traj_answer(&x, tr[r - R_KP], req, in, &cn, w, L, &W, &b, diag, &resp))
			goto bad;
		goto done;
	}
	if (read_matrix(&x, "input.x", json_object_get(in, "x"), ANY, w[0], &X, &N) ||
	    read_matrix(&x, "input.t", json_object_get(in, "t"), N, w[L], &T, &n_rows_t))
		goto bad;
	switch (r) {
	case R_BP:
		break;
	case R_KP: // Trajectories: answered above.
	case R_WM:
	case R_SA:
	case R_AA:
	case R_IA:
		break;
	case R_FA:
		if (read_layers(&x, "B", json_object_get(in, "B"), SH_BFB, w, L, L ? L - 1 : 0, &F))
			goto bad;
		break;
	case R_DFA:
		if (read_layers(&x, "D", json_object_get(in, "D"), SH_D, w, L, L ? L - 1 : 0, &F))
			goto bad;
		break;
	case R_SS: {
		const json_t *v = json_object_get(req, "variant");
		const char *vs = json_string_value(v);
		if (v && !vs) {
			malformed(&x, "variant is not a string");
			goto bad;
		}
		if (vs && strcmp(vs, "uSF") && strcmp(vs, "brSF") && strcmp(vs, "frSF")) {
			if (diag)
				fprintf(diag, "credit: unknown sign-symmetry variant \"%s\"\n", vs);
			resp = error_response(req, "invalid_parameter");
			goto done;
		}
		uses_scale = vs ? strcmp(vs, "uSF") == 0
		                : !json_object_get(in, "M") && json_object_get(in, "scale") != NULL;
		if (uses_scale ? (json_object_get(in, "scale") &&
		                  read_vector(&x, "input.scale", json_object_get(in, "scale"), L ? L - 1 : 0, &F))
		               : read_layers(&x, "M", json_object_get(in, "M"), SH_M, w, L, L ? L - 1 : 0, &F))
			goto bad;
		// SS-ERR-1: the variant's array missing, or both M and scale given.
		if ((uses_scale && !json_object_get(in, "scale")) ||
		    (json_object_get(in, "scale") && json_object_get(in, "M")))
			x.mismatch = 1;
		break;
	}
	}
	if (push(&x, &W, 0) || push(&x, &b, 0) || push(&x, &X, 0) || push(&x, &T, 0) || push(&x, &F, 0))
		goto bad; // Room for one entry more (see below); the counts are restored.
	W.n--, b.n--, X.n--, T.n--, F.n--;

	{
		size_t Wn = W.n, bn = b.n, Xn = X.n, Tn = T.n, Fn = F.n;
		size_t wl = 0, dWn = 1, dbn = 1;
		double *loss = dummy, *dW = dummy + 1, *db = dummy + 2;
		const double *Fp;
		if (x.mismatch) {
			// ref/ sees only flat lengths: when every count happens to be right
			// although a shape is wrong, hand it one W entry more (the buffer
			// has room) so that it reports the mismatch in its own order.
			size_t F_want = r == R_FA ? layers_len(SH_BFB, w, L, L ? L - 1 : 0)
			              : r == R_DFA ? layers_len(SH_D, w, L, L ? L - 1 : 0)
			              : r == R_SS ? (uses_scale ? (L ? L - 1 : 0) : layers_len(SH_M, w, L, L ? L - 1 : 0))
			              : 0;
			if (Wn == layers_len(SH_W, w, L, L) && bn == layers_len(SH_B, w, L, L) &&
			    Xn == mul(N, w[0]) && Tn == mul(N, w[L]) && Fn == F_want)
				Wn = W.n + 1;
			work = dummy + 3; // Outputs and workspace are 1-double dummies of length 1.
			wl = 1;
		} else {
			dWn = W.n;
			dbn = b.n;
			out = malloc((dWn + dbn + 1) * sizeof *out);
			wl = cr_workspace_len(&cn, N);
			work = wl < SIZE_MAX / sizeof(double) ? malloc((wl ? wl : 1) * sizeof *work) : NULL;
			if (!out || !work) {
				if (diag)
					fprintf(diag, "credit: cannot allocate %zu doubles of workspace\n", wl);
				resp = error_response(req, "size_too_large");
				goto done;
			}
			loss = out;
			dW = out + 1;
			db = out + 1 + dWn;
		}
		Fp = Fn ? F.v : NULL;
		switch (r) {
		case R_BP:
			status = cr_bp_grad(&cn, N, W.v, Wn, b.v, bn, X.v, Xn, T.v, Tn,
			                    loss, dW, dWn, db, dbn, work, wl);
			break;
		case R_FA:
			status = cr_fa_grad(&cn, N, W.v, Wn, b.v, bn, Fp, Fn, X.v, Xn, T.v, Tn,
			                    loss, dW, dWn, db, dbn, work, wl);
			break;
		case R_DFA:
			status = cr_dfa_grad(&cn, N, W.v, Wn, b.v, bn, Fp, Fn, X.v, Xn, T.v, Tn,
			                     loss, dW, dWn, db, dbn, work, wl);
			break;
		default:
			status = cr_ss_grad(&cn, N, W.v, Wn, b.v, bn, uses_scale ? NULL : Fp, uses_scale ? 0 : Fn,
			                    uses_scale ? Fp : NULL, uses_scale ? Fn : 0, X.v, Xn, T.v, Tn,
			                    loss, dW, dWn, db, dbn, work, wl);
			break;
		}
		if (x.mismatch) {
			// ref/ decides whether an earlier error (zero_size, ...) comes first.
			if (status == CR_OK || status == CR_ERR_NULL || status == CR_ERR_WORKSPACE)
				status = CR_ERR_SIZE_MISMATCH;
			resp = error_response(req, cr_status_name((int)status));
			goto done;
		}
		if (status != CR_OK) {
			resp = error_response(req, cr_status_name((int)status));
			goto done;
		}
		resp = json_object();
		if (resp) {
			json_t *o = json_object(), *s = seq_copy(req);
			if (s)
				json_object_set_new(resp, "seq", s);
			json_object_set_new(o, "loss", json_real(*loss));
			json_object_set_new(o, "dW", layers_json(dW, w, L, 1));
			json_object_set_new(o, "db", layers_json(db, w, L, 0));
			json_object_set_new(resp, "output", o);
		}
		goto done;
	}
bad:
	if (diag)
		fprintf(diag, "credit: malformed request: %s\n", x.why);
	resp = error_response(req, "malformed_request");
done:
	if (work != dummy + 3)
		free(work);
	free(out);
	free(W.v);
	free(b.v);
	free(X.v);
	free(T.v);
	free(F.v);
	free(w);
	free(act);
	(void)n_rows_t;
	return resp;
}

json_t *ck_refadapter_answer_line(const char *line, size_t len, const char *rule, FILE *diag)
{
	json_error_t je;
	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
	json_t *resp;
	if (!req) {
		if (diag)
			fprintf(diag, "credit: malformed request: line is not JSON (column %d: %s)\n",
			        je.column, je.text);
		return error_response(NULL, "malformed_request");
	}
	resp = ck_refadapter_answer(req, rule, diag);
	json_decref(req);
	return resp;
}
