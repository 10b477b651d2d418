// response.c: judging adapter responses (spec/protocol.md PROTO-JUDGE-*,
// tolerances spec/notation.md NOT-TOL-3).
#include "response.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// At most this many out-of-tolerance numbers are listed per case.
#define CK_MAX_LISTED 10

void ck_result_init(ck_result *r)
{
	memset(r, 0, sizeof *r);
	r->verdict = CK_PASS;
}

void ck_result_free(ck_result *r)
{
	free(r->msg);
	ck_result_init(r);
}

static void vaddf(ck_result *r, const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof line, fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n >= sizeof line ? sizeof line - 1 : (size_t)n;
	if (r->msg_cap - r->msg_len < len + 2) {
		size_t cap = 2 * r->msg_cap + len + 2;
		char *m = realloc(r->msg, cap);
		if (!m)
			return; // Out of memory: the line is lost, the verdict is not.
		r->msg = m;
		r->msg_cap = cap;
	}
	memcpy(r->msg + r->msg_len, line, len);
	r->msg_len += len;
	r->msg[r->msg_len++] = '\n';
	r->msg[r->msg_len] = '\0';
}

void ck_result_addf(ck_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vaddf(r, fmt, ap);
	va_end(ap);
}

void ck_result_failf(ck_result *r, const ck_case *c, const char *fmt, ...)
{
	char text[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	r->verdict = CK_FAIL;
	ck_result_addf(r, "FAIL %s tcId %lld: %s", c->rule, c->tcId, text);
}

void ck_excerpt(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t k = 0;
	if (buflen == 0)
		return;
	for (size_t i = 0; i < len && k + 8 < buflen && i < 80; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 32 && ch < 127 && ch != '\\')
			buf[k++] = (char)ch;
		else
			k += (size_t)snprintf(buf + k, buflen - k, "\\x%02x", ch);
	}
	if (len > 80 && k + 4 < buflen) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
}

// Judges one number against its expected value and gauge (NOT-TOL-3).
static void judge_num(ck_result *r, const ck_case *c, const char *idx, double got, double exp,
                      double G, double k)
{
	const double u = ldexp(1.0, -53);
	double tol = k * u * G;
	double ratio;
	if (got == exp)
		ratio = 0.0; // Also when tol underflows to 0.
	else if (G == 0)
		ratio = INFINITY; // Exact: must be equal.
	else
		ratio = fabs(got - exp) / tol; // NaN (a failure) when got is NaN.
	if (!(ratio <= r->worst))
		r->worst = ratio;
	if (ratio <= 1)
		return;
	r->nbad++;
	if (r->nbad <= CK_MAX_LISTED) {
		if (c->result == CK_ACCEPTABLE)
			ck_result_addf(r, "ACCEPTABLE %s tcId %lld [%s]: %s got %.17g expected %.17g "
			               "tolerance %.3g (k=%g G=%.3g) ratio %.3g", c->rule, c->tcId, c->flags,
			               idx, got, exp, tol, k, G, ratio);
		else
			ck_result_addf(r, "FAIL %s tcId %lld: %s got %.17g expected %.17g "
			               "tolerance %.3g (k=%g G=%.3g) ratio %.3g", c->rule, c->tcId,
			               idx, got, exp, tol, k, G, ratio);
	}
}

// Judges the response value got against the expected value shape of field f,
// at index path p: got must have shape's nesting and lengths, and every
// number is judged in turn (NOT-TOL-3), *k counting them into f->exp and
// f->gauge. Returns -1 on a shape problem or a non-number (already reported).
static int judge_value(ck_result *r, const ck_case *c, const ck_field *f, ck_path *p,
                       const json_t *shape, const json_t *got, size_t *k)
{
	char kind[64];
	if (!json_is_array(shape)) {
		if (json_is_array(got)) {
			ck_result_failf(r, c, "wrong shape: output.%s must be a number (got a list of %zu)",
			                p->s, json_array_size(got));
			return -1;
		}
		if (!json_is_number(got)) {
			ck_json_kind(got, kind, sizeof kind);
			ck_result_failf(r, c, "%s is not a number (got %s)", p->s, kind);
			return -1;
		}
		judge_num(r, c, p->s, json_number_value(got), f->exp[*k], f->gauge[*k], f->k);
		++*k;
		return 0;
	}
	size_t n = json_array_size(shape), len = p->len;
	if (!json_is_array(got) || json_array_size(got) != n) {
		if (json_is_array(got))
			snprintf(kind, sizeof kind, "%zu", json_array_size(got));
		else
			ck_json_kind(got, kind, sizeof kind);
		ck_result_failf(r, c, "wrong shape: output.%s must be a list of %zu (got %s)", p->s, n, kind);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		p->len = len + (size_t)snprintf(p->s + len, sizeof p->s - len, "[%zu]", i);
		if (judge_value(r, c, f, p, json_array_get(shape, i), json_array_get(got, i), k))
			return -1;
	}
	p->len = len;
	p->s[len] = '\0';
	return 0;
}

// Judges the output object o field by field against the case's expected
// fields (PROTO-JUDGE-1, -3, -4): no extra field, no missing field, each of
// the expected shape, each number within its tolerance.
static void judge_output(const json_t *o, const ck_case *c, ck_result *r)
{
	const char *key;
	const json_t *v;
	if (!json_is_object(o)) {
		ck_result_failf(r, c, "output is not an object");
		return;
	}
	json_object_foreach((json_t *)o, key, v) {
		size_t i = 0;
		while (i < c->nfields && strcmp(key, c->fields[i].name) != 0)
			i++;
		if (i == c->nfields) {
			char ex[400];
			ck_excerpt(key, strlen(key), ex, sizeof ex);
			ck_result_failf(r, c, "output has an extra field \"%s\"", ex);
			return;
		}
	}
	for (size_t i = 0; i < c->nfields; i++)
		if (!json_object_get(o, c->fields[i].name)) {
			ck_result_failf(r, c, "output has no field %s", c->fields[i].name);
			return;
		}
	for (size_t i = 0; i < c->nfields; i++) {
		const ck_field *f = &c->fields[i];
		ck_path p;
		size_t k = 0;
		p.len = (size_t)snprintf(p.s, sizeof p.s, "%s", f->name);
		if (judge_value(r, c, f, &p, f->shape, json_object_get(o, f->name), &k))
			return;
	}
	if (r->nbad > CK_MAX_LISTED)
		ck_result_addf(r, "%s %s tcId %lld: ... and %zu more numbers outside their tolerance",
		               c->result == CK_ACCEPTABLE ? "ACCEPTABLE" : "FAIL", c->rule, c->tcId,
		               r->nbad - CK_MAX_LISTED);
	if (r->nbad > 0)
		r->verdict = c->result == CK_ACCEPTABLE ? CK_ACCEPT_MISMATCH : CK_FAIL;
}

void ck_response_judge_json(const json_t *resp, const ck_case *c, long long seq, ck_result *out)
{
	const char *key;
	const json_t *v, *sj, *oj, *ej;
	ck_result_init(out);
	if (!json_is_object(resp)) {
		ck_result_failf(out, c, "the response is not a JSON object");
		return;
	}
	sj = json_object_get(resp, "seq");
	if (!sj) {
		ck_result_failf(out, c, "the response has no seq");
		return;
	}
	if (!json_is_number(sj) || json_number_value(sj) != (double)seq) {
		char ex[400];
		if (json_is_number(sj)) {
			snprintf(ex, sizeof ex, "%.17g", json_number_value(sj));
		} else {
			char *t = json_dumps(sj, JSON_ENCODE_ANY | JSON_COMPACT);
			ck_excerpt(t ? t : "?", t ? strlen(t) : 1, ex, sizeof ex);
			free(t);
		}
		ck_result_failf(out, c, "the response is for seq %s, the request was seq %lld", ex, seq);
		return;
	}
	json_object_foreach((json_t *)resp, key, v) {
		if (strcmp(key, "seq") && strcmp(key, "output") && strcmp(key, "error")) {
			char ex[400];
			ck_excerpt(key, strlen(key), ex, sizeof ex);
			ck_result_failf(out, c, "the response has an extra field \"%s\"", ex);
			return;
		}
	}
	oj = json_object_get(resp, "output");
	ej = json_object_get(resp, "error");
	if (oj && ej) {
		ck_result_failf(out, c, "the response holds both output and error (PROTO-RSP-1)");
		return;
	}
	if (!oj && !ej) {
		ck_result_failf(out, c, "the response holds neither output nor error (PROTO-RSP-1)");
		return;
	}
	if (ej) {
		const char *name = json_string_value(ej);
		char ex[400];
		if (!name) {
			ck_result_failf(out, c, "error is not a string");
			return;
		}
		if (strcmp(name, "unsupported_rule") == 0) {
			out->verdict = CK_SKIP; // PROTO-RSP-3
			return;
		}
		ck_excerpt(name, strlen(name), ex, sizeof ex);
		if (c->result != CK_INVALID)
			ck_result_failf(out, c, "expected an output, got error \"%s\"", ex);
		else if (strcmp(name, c->error) != 0)
			ck_result_failf(out, c, "expected error \"%s\", got error \"%s\"", c->error, ex);
		return;
	}
	if (c->result == CK_INVALID) {
		ck_result_failf(out, c, "expected error \"%s\", got an output", c->error);
		return;
	}
	judge_output(oj, c, out);
}

void ck_response_judge(const char *line, size_t len, const ck_case *c, long long seq, ck_result *out)
{
	json_error_t je;
	json_t *resp = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
	if (!resp) {
		char ex[400], why[400];
		ck_result_init(out);
		ck_excerpt(line, len, ex, sizeof ex);
		ck_excerpt(je.text, strlen(je.text), why, sizeof why);
		ck_result_failf(out, c, "the response is not JSON (column %d: %s): \"%s\"", je.column,
		                why, ex);
		return;
	}
	ck_response_judge_json(resp, c, seq, out);
	json_decref(resp);
}
