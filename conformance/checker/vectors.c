// vectors.c: loading and validating golden-vector files (spec/vectors.md).
#define _POSIX_C_SOURCE 200809L
#include "vectors.h"

// The most weights one case may hold (the vectors hold at most a few hundred).
#define CK_MAX_WEIGHTS 10000000

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Writes a formatted message to err and returns -1, so that a failing check
// reads `return fail(...)`.
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (errlen > 0)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int ck_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	char *b = NULL;
	size_t n = 0, cap = 0;
	*buf = NULL;
	*len = 0;
	if (!fp)
		return fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
	for (;;) {
		if (cap - n < 65536) {
			size_t ncap = cap ? 2 * cap : 1u << 20;
			char *nb = realloc(b, ncap + 1);
			if (!nb) {
				free(b);
				fclose(fp);
				return fail(err, errlen, "%s: out of memory reading the file", path);
			}
			b = nb;
			cap = ncap;
		}
		size_t got = fread(b + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		int e = errno;
		free(b);
		fclose(fp);
		return fail(err, errlen, "%s: read error: %s", path, strerror(e));
	}
	fclose(fp);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

// A JSON number (integer or real) as a double; 0 when j is not a number.
static int get_num(const json_t *j, double *v)
{
	if (!json_is_number(j))
		return 0;
	*v = json_number_value(j);
	return 1;
}

// A non-negative integral JSON number below 2^53 as a size_t.
static int get_size(const json_t *j, size_t *v)
{
	double d;
	if (!get_num(j, &d) || !(d >= 0) || d > 9007199254740992.0 || floor(d) != d)
		return 0;
	*v = (size_t)d;
	return 1;
}

// Context of a message: file, group, test.
typedef struct {
	const char *file;
	size_t group, test;
	long long tcId;
	char *err;
	size_t errlen;
} where;

#define TFAIL(w, ...) tfail(w, __VA_ARGS__)
static int tfail(const where *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (w->tcId > 0)
		return fail(w->err, w->errlen, "%s: testGroups[%zu].tests[%zu] (tcId %lld): %s",
		            w->file, w->group, w->test, w->tcId, msg);
	return fail(w->err, w->errlen, "%s: testGroups[%zu].tests[%zu]: %s",
	            w->file, w->group, w->test, msg);
}

// Reads a list of `depth` matrices, matrix l being widths[l+1] x widths[l]
// (mats = 1), or a list of `depth` vectors of widths[l+1] entries (mats = 0),
// into out[0 .. total-1]. nonneg asks every number to be >= 0 (gauges).
static int get_layers(const where *w, const char *field, const json_t *j, size_t depth,
                      const size_t *widths, int mats, int nonneg, double *out)
{
	size_t k = 0;
	if (!json_is_array(j))
		return TFAIL(w, "%s is not a list", field);
	if (json_array_size(j) != depth)
		return TFAIL(w, "%s has %zu layers, the network has %zu", field, json_array_size(j), depth);
	for (size_t l = 0; l < depth; l++) {
		const json_t *m = json_array_get(j, l);
		size_t rows = widths[l + 1], cols = mats ? widths[l] : 1;
		if (!json_is_array(m) || json_array_size(m) != rows)
			return TFAIL(w, "%s[%zu] is not a list of %zu %s", field, l, rows,
			             mats ? "rows" : "numbers");
		for (size_t i = 0; i < rows; i++) {
			const json_t *r = json_array_get(m, i);
			for (size_t c = 0; c < cols; c++) {
				const json_t *e = r;
				double v;
				if (mats) {
					if (!json_is_array(r) || json_array_size(r) != cols)
						return TFAIL(w, "%s[%zu][%zu] is not a list of %zu numbers",
						             field, l, i, cols);
					e = json_array_get(r, c);
				}
				if (!get_num(e, &v) || !isfinite(v) || (nonneg && v < 0)) {
					if (mats)
						return TFAIL(w, "%s[%zu][%zu][%zu] is not a %snumber", field, l, i, c,
						             nonneg ? "non-negative " : "");
					return TFAIL(w, "%s[%zu][%zu] is not a %snumber", field, l, i,
					             nonneg ? "non-negative " : "");
				}
				out[k++] = v;
			}
		}
	}
	return 0;
}

// Checks the valid/acceptable part of a test: widths, expected, gauge,
// tolerance (VEC-TEST-5).
static int get_expected(const where *w, ck_case *c, const json_t *t)
{
	const json_t *widths = json_object_get(c->network, "widths");
	const json_t *ex = json_object_get(t, "expected");
	const json_t *ga = json_object_get(t, "gauge");
	const json_t *to = json_object_get(t, "tolerance");
	size_t n;
	if (!json_is_array(widths) || json_array_size(widths) < 2 || json_array_size(widths) > 65)
		return TFAIL(w, "network.widths must be a list of 2 to 65 widths for a %s test",
		             c->result == CK_VALID ? "valid" : "acceptable");
	c->depth = json_array_size(widths) - 1;
	c->widths = malloc((c->depth + 1) * sizeof *c->widths);
	if (!c->widths)
		return TFAIL(w, "out of memory");
	c->dW_len = 0;
	c->db_len = 0;
	for (size_t l = 0; l <= c->depth; l++) {
		if (!get_size(json_array_get(widths, l), &n) || n == 0 || n > 1000000)
			return TFAIL(w, "network.widths[%zu] is not a width between 1 and 10^6", l);
		c->widths[l] = n;
		if (l > 0) {
			// Both factors are at most 10^6, so the product fits; the running
			// sum is capped at once, so it never wraps, and no file can make
			// the loader allocate more than about 320 MB for one case.
			c->dW_len += n * c->widths[l - 1];
			c->db_len += n;
			if (c->dW_len > CK_MAX_WEIGHTS)
				return TFAIL(w, "network too large: more than %d weights", CK_MAX_WEIGHTS);
		}
	}
	if (!json_is_object(ex) || !json_is_object(ga) || !json_is_object(to))
		return TFAIL(w, "a %s test needs the objects expected, gauge and tolerance",
		             c->result == CK_VALID ? "valid" : "acceptable");
	c->dW = malloc((2 * c->dW_len + 2 * c->db_len) * sizeof(double));
	if (!c->dW)
		return TFAIL(w, "out of memory");
	c->dW_gauge = c->dW + c->dW_len;
	c->db = c->dW_gauge + c->dW_len;
	c->db_gauge = c->db + c->db_len;
	if (json_object_size(ex) != 3 || json_object_size(ga) != 3)
		return TFAIL(w, "expected and gauge must hold exactly loss, dW and db");
	if (!get_num(json_object_get(ex, "loss"), &c->loss) || !isfinite(c->loss))
		return TFAIL(w, "expected.loss is not a number");
	if (!get_num(json_object_get(ga, "loss"), &c->loss_gauge) || !isfinite(c->loss_gauge) ||
	    c->loss_gauge < 0)
		return TFAIL(w, "gauge.loss is not a non-negative number");
	if (get_layers(w, "expected.dW", json_object_get(ex, "dW"), c->depth, c->widths, 1, 0, c->dW) ||
	    get_layers(w, "expected.db", json_object_get(ex, "db"), c->depth, c->widths, 0, 0, c->db) ||
	    get_layers(w, "gauge.dW", json_object_get(ga, "dW"), c->depth, c->widths, 1, 1, c->dW_gauge) ||
	    get_layers(w, "gauge.db", json_object_get(ga, "db"), c->depth, c->widths, 0, 1, c->db_gauge))
		return -1;
	if (!get_num(json_object_get(to, "loss"), &c->k_loss) || !(c->k_loss > 0) || !isfinite(c->k_loss) ||
	    !get_num(json_object_get(to, "dW"), &c->k_dW) || !(c->k_dW > 0) || !isfinite(c->k_dW) ||
	    !get_num(json_object_get(to, "db"), &c->k_db) || !(c->k_db > 0) || !isfinite(c->k_db))
		return TFAIL(w, "tolerance must hold positive numbers loss, dW and db");
	return 0;
}

static const char *const error_names[] = {
	"zero_size", "size_too_large", "size_mismatch", "unknown_activation", "unknown_loss",
	"invalid_parameter", "non_finite_input", "non_finite_result", NULL
};

static int get_test(where *w, ck_case *c, const json_t *t)
{
	const json_t *j;
	const char *res;
	double id;
	if (!json_is_object(t))
		return TFAIL(w, "a test is not an object");
	j = json_object_get(t, "tcId");
	if (!get_num(j, &id) || id < 1 || id > 1e15 || floor(id) != id)
		return TFAIL(w, "tcId is not a positive integer");
	c->tcId = (long long)id;
	w->tcId = c->tcId;
	j = json_object_get(t, "id");
	if (!json_is_string(j) || strncmp(json_string_value(j), "sha256:", 7) != 0)
		return TFAIL(w, "id is not a string \"sha256:...\" (VEC-TEST-2)");
	c->input = json_object_get(t, "input");
	if (!json_is_object(c->input))
		return TFAIL(w, "input is not an object");
	j = json_object_get(t, "flags");
	c->flags[0] = '\0';
	if (j) {
		size_t i;
		json_t *f;
		if (!json_is_array(j))
			return TFAIL(w, "flags is not a list");
		json_array_foreach(j, i, f) {
			if (!json_is_string(f))
				return TFAIL(w, "flags[%zu] is not a string", i);
			size_t used = strlen(c->flags);
			snprintf(c->flags + used, sizeof c->flags - used, "%s%s", used ? "," : "",
			         json_string_value(f));
		}
	}
	res = json_string_value(json_object_get(t, "result"));
	if (!res)
		return TFAIL(w, "result is not a string");
	if (strcmp(res, "valid") == 0)
		c->result = CK_VALID;
	else if (strcmp(res, "acceptable") == 0)
		c->result = CK_ACCEPTABLE;
	else if (strcmp(res, "invalid") == 0)
		c->result = CK_INVALID;
	else
		return TFAIL(w, "result \"%s\" is not valid, invalid or acceptable", res);
	if (c->result == CK_INVALID) {
		int known = 0;
		c->error = json_string_value(json_object_get(t, "error"));
		if (!c->error)
			return TFAIL(w, "an invalid test needs an error name");
		for (size_t i = 0; error_names[i]; i++)
			known |= strcmp(error_names[i], c->error) == 0;
		if (!known)
			return TFAIL(w, "error \"%s\" is not an error name of spec/vectors.md", c->error);
		if (json_object_get(t, "expected"))
			return TFAIL(w, "an invalid test has no expected outputs");
		return 0;
	}
	return get_expected(w, c, t);
}

int ck_vectors_parse(const char *buf, size_t len, const char *name, const char *want_rule,
                     ck_vecfile *out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *groups, *g;
	const char *rule;
	double v;
	size_t gi, total = 0, k = 0;
	memset(out, 0, sizeof *out);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return fail(err, errlen, "%s: line %d column %d: %s", name, je.line, je.column, je.text);
	out->root = root;
	out->name = malloc(strlen(name) + 1);
	if (!out->name) {
		ck_vectors_free(out);
		return fail(err, errlen, "%s: out of memory", name);
	}
	strcpy(out->name, name);
	if (!json_is_object(root)) {
		ck_vectors_free(out);
		return fail(err, errlen, "%s: the document is not a JSON object", name);
	}
	if (!get_num(json_object_get(root, "formatVersion"), &v) || v != 1) {
		ck_vectors_free(out);
		return fail(err, errlen, "%s: formatVersion is not 1", name);
	}
	rule = json_string_value(json_object_get(root, "rule"));
	if (!rule || strlen(rule) == 0 || strlen(rule) >= sizeof out->rule) {
		ck_vectors_free(out);
		return fail(err, errlen, "%s: rule is not a rule stem", name);
	}
	if (want_rule && strcmp(rule, want_rule) != 0) {
		ck_vectors_free(out);
		return fail(err, errlen, "%s: the file is for rule \"%s\", not \"%s\"", name, rule, want_rule);
	}
	strcpy(out->rule, rule);
	if (!get_num(json_object_get(root, "unitRoundoff"), &out->u) || out->u != ldexp(1.0, -53)) {
		ck_vectors_free(out);
		return fail(err, errlen, "%s: unitRoundoff is not 2^-53 (VEC-FILE-4)", name);
	}
	groups = json_object_get(root, "testGroups");
	if (!json_is_array(groups)) {
		ck_vectors_free(out);
		return fail(err, errlen, "%s: testGroups is not a list", name);
	}
	json_array_foreach(groups, gi, g) {
		const json_t *tests = json_object_get(g, "tests");
		if (!json_is_object(g) || !json_is_array(tests)) {
			ck_vectors_free(out);
			return fail(err, errlen, "%s: testGroups[%zu] is not an object with a list tests", name, gi);
		}
		total += json_array_size(tests);
	}
	if (!get_num(json_object_get(root, "numberOfTests"), &v) || v != (double)total) {
		ck_vectors_free(out);
		return fail(err, errlen, "%s: numberOfTests does not equal the %zu tests of the file (VEC-FILE-2)",
		            name, total);
	}
	out->cases = calloc(total ? total : 1, sizeof *out->cases);
	if (!out->cases) {
		ck_vectors_free(out);
		return fail(err, errlen, "%s: out of memory", name);
	}
	json_array_foreach(groups, gi, g) {
		json_t *tests = json_object_get(g, "tests"), *t;
		json_t *net = json_object_get(g, "network");
		json_t *variant = json_object_get(g, "variant");
		size_t ti;
		if (!json_is_object(net) || (variant && !json_is_string(variant))) {
			ck_vectors_free(out);
			return fail(err, errlen, "%s: testGroups[%zu]: network is not an object or variant not a string",
			            name, gi);
		}
		json_array_foreach(tests, ti, t) {
			where w = { name, gi, ti, 0, err, errlen };
			ck_case *c = &out->cases[k];
			c->rule = out->rule;
			c->network = net;
			c->variant = variant;
			out->ncases = ++k;
			if (get_test(&w, c, t)) {
				ck_vectors_free(out);
				return -1;
			}
			if (c->tcId != (long long)k) {
				TFAIL(&w, "tcId is %lld, but it is test number %zu of the file (VEC-TEST-1)", c->tcId, k);
				ck_vectors_free(out);
				return -1;
			}
		}
	}
	return 0;
}

int ck_vectors_load(const char *path, const char *want_rule, ck_vecfile *out, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int r;
	memset(out, 0, sizeof *out);
	if (ck_read_file(path, &buf, &len, err, errlen))
		return -1;
	r = ck_vectors_parse(buf, len, path, want_rule, out, err, errlen);
	free(buf);
	return r;
}

void ck_vectors_free(ck_vecfile *f)
{
	for (size_t i = 0; i < f->ncases; i++) {
		free(f->cases[i].widths);
		free(f->cases[i].dW);
	}
	free(f->cases);
	free(f->name);
	if (f->root)
		json_decref(f->root);
	memset(f, 0, sizeof *f);
}

json_t *ck_case_request(const ck_case *c, long long seq)
{
	json_t *r = json_object();
	if (!r)
		return NULL;
	if (json_object_set_new(r, "protocol", json_integer(1)) ||
	    json_object_set_new(r, "seq", json_integer(seq)) ||
	    json_object_set_new(r, "rule", json_string(c->rule)) ||
	    json_object_set_new(r, "tcId", json_integer(c->tcId)) ||
	    json_object_set(r, "network", c->network) ||
	    (c->variant && json_object_set(r, "variant", c->variant)) ||
	    json_object_set(r, "input", c->input)) {
		json_decref(r);
		return NULL;
	}
	return r;
}
