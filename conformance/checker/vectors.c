// vectors.c: loading and validating golden-vector files (spec/vectors.md).
#define _POSIX_C_SOURCE 200809L
#include "vectors.h"

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

void ck_json_kind(const json_t *j, char *buf, size_t len)
{
	const char *k;
	if (len == 0)
		return;
	if (json_is_array(j)) {
		snprintf(buf, len, "a list of %zu", json_array_size(j));
		return;
	}
	k = !j ? "nothing" : json_is_number(j) ? "a number" : json_is_string(j) ? "a string"
	  : json_is_object(j) ? "an object" : json_is_boolean(j) ? "a boolean" : "null";
	snprintf(buf, len, "%s", k);
}

// An output field name (VEC-TEST-5): an identifier of at most CK_MAX_NAME
// characters, so that it can be printed in any message as it is.
static int is_field_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CK_MAX_NAME || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

// Walks expected value ex and gauge value ga of one field together, level
// lists deep so far: checks that ga has exactly ex's nesting and lengths,
// every expected number finite, every gauge finite and >= 0, and counts the
// numbers into *count (the whole case's, capped at CK_MAX_NUMBERS).
static int walk_field(const where *w, ck_path *p, const json_t *ex, const json_t *ga, int level,
                      size_t *count)
{
	char kind[64];
	if (json_is_number(ex)) {
		double v = json_number_value(ex), g;
		if (!isfinite(v))
			return TFAIL(w, "expected.%s is not a finite number", p->s);
		if (!get_num(ga, &g)) {
			ck_json_kind(ga, kind, sizeof kind);
			return TFAIL(w, "gauge.%s must be a number like expected.%s (got %s)", p->s, p->s, kind);
		}
		if (!isfinite(g) || g < 0)
			return TFAIL(w, "gauge.%s is not a finite non-negative number", p->s);
		if (++*count > CK_MAX_NUMBERS)
			return TFAIL(w, "expected holds more than %d numbers", CK_MAX_NUMBERS);
		return 0;
	}
	if (!json_is_array(ex)) {
		ck_json_kind(ex, kind, sizeof kind);
		return TFAIL(w, "expected.%s is not a number or a list of numbers (got %s)", p->s, kind);
	}
	if (level == CK_MAX_NESTING)
		return TFAIL(w, "expected.%s is a list nested more than %d deep", p->s, CK_MAX_NESTING);
	if (!json_is_array(ga) || json_array_size(ga) != json_array_size(ex)) {
		ck_json_kind(ga, kind, sizeof kind);
		return TFAIL(w, "gauge.%s must be a list of %zu like expected.%s (got %s)", p->s,
		             json_array_size(ex), p->s, kind);
	}
	size_t len = p->len;
	for (size_t i = 0; i < json_array_size(ex); i++) {
		p->len = len + (size_t)snprintf(p->s + len, sizeof p->s - len, "[%zu]", i);
		if (walk_field(w, p, json_array_get(ex, i), json_array_get(ga, i), level + 1, count))
			return -1;
	}
	p->len = len;
	p->s[len] = '\0';
	return 0;
}

// Copies the numbers of a value checked by walk_field, depth first, to
// out[*k ..].
static void flatten(const json_t *j, double *out, size_t *k)
{
	if (json_is_array(j)) {
		for (size_t i = 0; i < json_array_size(j); i++)
			flatten(json_array_get(j, i), out, k);
	} else {
		out[(*k)++] = json_number_value(j);
	}
}

// Checks the valid/acceptable part of a test (VEC-TEST-5) and fills the
// case's fields: expected, gauge and tolerance hold the same field names;
// gauge has expected's shape; every tolerance is a positive number.
static int get_expected(const where *w, ck_case *c, const json_t *t)
{
	const json_t *widths = json_object_get(c->network, "widths");
	const json_t *ex = json_object_get(t, "expected");
	const json_t *ga = json_object_get(t, "gauge");
	const json_t *to = json_object_get(t, "tolerance");
	const char *key;
	json_t *v;
	size_t n, i;
	// VEC-GROUP-1 for a test that must succeed; the widths are not needed to
	// judge it (its expected is the template), only checked to be sane.
	if (!json_is_array(widths) || json_array_size(widths) < 2 || json_array_size(widths) > 65)
		return TFAIL(w, "network.widths must be a list of 2 to 65 widths for a %s test",
		             c->result == CK_VALID ? "valid" : "acceptable");
	for (size_t l = 0; l < json_array_size(widths); l++)
		if (!get_size(json_array_get(widths, l), &n) || n == 0 || n > 1000000)
			return TFAIL(w, "network.widths[%zu] is not a width between 1 and 10^6", l);
	if (!json_is_object(ex) || !json_is_object(ga) || !json_is_object(to))
		return TFAIL(w, "a %s test needs the objects expected, gauge and tolerance",
		             c->result == CK_VALID ? "valid" : "acceptable");
	if (json_object_size(ex) == 0 || json_object_size(ex) > CK_MAX_FIELDS)
		return TFAIL(w, "expected must hold 1 to %d output fields, not %zu", CK_MAX_FIELDS,
		             json_object_size(ex));
	// Same names in all three: every field of expected is in gauge and
	// tolerance, and they have no other (same sizes, keys unique).
	json_object_foreach((json_t *)ex, key, v) {
		double k;
		if (!is_field_name(key))
			return TFAIL(w, "expected has a field whose name is not an identifier of at most %d "
			             "characters", CK_MAX_NAME);
		if (!json_object_get(ga, key))
			return TFAIL(w, "gauge has no field %s (expected has)", key);
		if (!json_object_get(to, key))
			return TFAIL(w, "tolerance has no field %s (expected has)", key);
		if (!get_num(json_object_get(to, key), &k) || !(k > 0) || !isfinite(k))
			return TFAIL(w, "tolerance.%s is not a positive number", key);
	}
	json_object_foreach((json_t *)ga, key, v)
		if (!json_object_get(ex, key))
			return TFAIL(w, "gauge has a field \"%.*s\" that expected has not", CK_MAX_NAME, key);
	json_object_foreach((json_t *)to, key, v)
		if (!json_object_get(ex, key))
			return TFAIL(w, "tolerance has a field \"%.*s\" that expected has not", CK_MAX_NAME, key);
	// Shapes and numbers, counted before anything is allocated.
	c->nnums = 0;
	json_object_foreach((json_t *)ex, key, v) {
		ck_path p;
		p.len = (size_t)snprintf(p.s, sizeof p.s, "%s", key);
		if (walk_field(w, &p, v, json_object_get(ga, key), 0, &c->nnums))
			return -1;
	}
	c->fields = calloc(json_object_size(ex), sizeof *c->fields);
	c->nums = malloc((c->nnums ? 2 * c->nnums : 1) * sizeof *c->nums);
	if (!c->fields || !c->nums)
		return TFAIL(w, "out of memory");
	n = 0;
	i = 0;
	json_object_foreach((json_t *)ex, key, v) {
		ck_field *f = &c->fields[i++];
		size_t k0 = n, kg = c->nnums + n;
		f->name = key;
		f->shape = v;
		f->exp = c->nums + n;
		f->gauge = c->nums + c->nnums + n;
		flatten(v, c->nums, &n);
		flatten(json_object_get(ga, key), c->nums, &kg);
		f->n = n - k0;
		get_num(json_object_get(to, key), &f->k);
	}
	c->nfields = i;
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
		if (json_object_get(t, "expected") || json_object_get(t, "gauge") ||
		    json_object_get(t, "tolerance"))
			return TFAIL(w, "an invalid test has no expected, gauge or tolerance (VEC-TEST-5)");
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
		free(f->cases[i].fields);
		free(f->cases[i].nums);
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
