// fuzz_vectors.c: AFL++ / libFuzzer target for the golden-vector loader
// (conformance/checker/vectors.h, spec/vectors.md) on arbitrary bytes.
//
// The loader must either refuse the text with a message or return cases whose
// every promised field is usable: for valid and acceptable cases, 1 to
// CK_MAX_FIELDS output fields with identifier names, each holding exactly the
// numbers of its expected value (counted and compared here by a walk of its
// own over the JSON), finite, with gauges finite and >= 0 and a positive
// tolerance factor, the case at most CK_MAX_NUMBERS numbers (VEC-TEST-5).
// Every array is read in full so that ASan sees an overflow, and every case is
// turned into an adapter request (PROTO-REQ-1).
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../conformance/checker/vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void finding(const char *what, size_t i)
{
	fprintf(stderr, "fuzz_vectors FINDING: case %zu: %s\n", i, what);
	abort();
}

// Compares the numbers of value j (a number or nested lists of numbers, at
// most CK_MAX_NESTING deep) with exp[*k ..], depth first, advancing *k; 0 on
// any difference, a number past n, or a value that is neither.
static int same_numbers(const json_t *j, const double *exp, size_t n, size_t *k, int level)
{
	if (json_is_number(j)) {
		if (*k >= n || json_number_value(j) != exp[*k])
			return 0;
		++*k;
		return 1;
	}
	if (!json_is_array(j) || level >= CK_MAX_NESTING)
		return 0;
	for (size_t i = 0; i < json_array_size(j); i++)
		if (!same_numbers(json_array_get(j, i), exp, n, k, level + 1))
			return 0;
	return 1;
}

// Reads every number of the case so that ASan sees any short array; returns
// their sum so the reads are not optimised away.
static double touch_case(const ck_case *c, size_t i)
{
	double s = 0.0;
	size_t total = 0;
	if (!c->rule || !c->network || !c->input)
		finding("rule, network or input is NULL", i);
	if (memchr(c->flags, '\0', sizeof c->flags) == NULL)
		finding("flags is not NUL-terminated", i);
	if (c->result == CK_INVALID) {
		if (!c->error)
			finding("an invalid case has no error name", i);
		if (c->nfields != 0 || c->fields != NULL || c->nums != NULL)
			finding("an invalid case has output fields", i);
		return s;
	}
	if (c->result != CK_VALID && c->result != CK_ACCEPTABLE)
		finding("result out of range", i);
	if (c->nfields == 0 || c->nfields > CK_MAX_FIELDS || !c->fields || !c->nums)
		finding("a valid case without 1 to CK_MAX_FIELDS fields", i);
	for (size_t q = 0; q < c->nfields; q++) {
		const ck_field *f = &c->fields[q];
		size_t k = 0, len;
		if (!f->name || !f->shape || !f->exp || !f->gauge)
			finding("a field with a NULL member", i);
		len = strlen(f->name);
		if (len == 0 || len > CK_MAX_NAME || strspn(f->name, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != len || (f->name[0] >= '0' && f->name[0] <= '9'))
			finding("a field name that is not an identifier", i);
		for (size_t r = 0; r < q; r++)
			if (strcmp(c->fields[r].name, f->name) == 0)
				finding("two fields of the same name", i);
		// VEC-TEST-5: the numbers are those of expected, in order.
		if (!same_numbers(f->shape, f->exp, f->n, &k, 0) || k != f->n)
			finding("a field's numbers differ from its expected value", i);
		if (!(f->k > 0) || !isfinite(f->k))
			finding("a tolerance factor that is not a positive number", i);
		for (k = 0; k < f->n; k++) {
			if (!isfinite(f->exp[k]) || !isfinite(f->gauge[k]) || !(f->gauge[k] >= 0))
				finding("a non-finite expected number or a bad gauge", i);
			s += f->exp[k] + f->gauge[k];
		}
		s += f->k;
		total += f->n;
	}
	if (total != c->nnums || total > CK_MAX_NUMBERS)
		finding("the fields' numbers do not add up to nnums, or exceed CK_MAX_NUMBERS", i);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ck_vecfile f;
	char err[512];
	// An exact copy, not NUL-terminated, so that a read past len is seen.
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	err[0] = '\0';
	memset(err + 1, 'x', sizeof err - 1);
	int rc = ck_vectors_parse(buf, size, "fuzz.json", NULL, &f, err, sizeof err);
	if (rc != 0) {
		if (rc != -1)
			finding("ck_vectors_parse returned neither 0 nor -1", 0);
		if (memchr(err, '\0', sizeof err) == NULL || err[0] == '\0')
			finding("refused without a NUL-terminated message", 0);
		if (f.ncases != 0 || f.cases != NULL || f.root != NULL)
			finding("refused but *out is not empty", 0);
	} else {
		volatile double sink = 0.0;
		if (f.ncases != 0 && f.cases == NULL)
			finding("ncases > 0 but no cases", 0);
		for (size_t i = 0; i < f.ncases; i++) {
			sink += touch_case(&f.cases[i], i);
			json_t *req = ck_case_request(&f.cases[i], (long long)i + 1);
			if (!req)
				finding("ck_case_request returned NULL", i);
			char *text = json_dumps(req, JSON_COMPACT);
			if (!text)
				finding("the request cannot be serialised", i);
			free(text);
			json_decref(req);
		}
		(void)sink;
	}
	ck_vectors_free(&f);
	free(buf);
	return 0;
}
