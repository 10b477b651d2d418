// fuzz_vectors.c: AFL++ / libFuzzer target for the golden-vector loader
// (conformance/checker/vectors.h, spec/vectors.md) on arbitrary bytes.
//
// The loader must either refuse the text with a message or return cases whose
// every promised field is usable: for valid and acceptable cases, widths of
// depth + 1 entries and dW, db (with gauges) of the lengths the widths imply
// (VEC-TEST-5). Every array is read in full so that ASan sees an overflow, and
// every case is turned into an adapter request (PROTO-REQ-1).
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

// Reads every number of the case so that ASan sees any short array; returns
// their sum so the reads are not optimised away.
static double touch_case(const ck_case *c, size_t i)
{
	double s = c->loss + c->loss_gauge + c->k_loss + c->k_dW + c->k_db;
	size_t Wn = 0, bn = 0;
	if (!c->rule || !c->network || !c->input)
		finding("rule, network or input is NULL", i);
	if (memchr(c->flags, '\0', sizeof c->flags) == NULL)
		finding("flags is not NUL-terminated", i);
	if (c->result == CK_INVALID) {
		if (!c->error)
			finding("an invalid case has no error name", i);
		return s;
	}
	if (c->result != CK_VALID && c->result != CK_ACCEPTABLE)
		finding("result out of range", i);
	if (!c->widths)
		finding("a valid case has no widths", i);
	for (size_t l = 1; l <= c->depth; l++) {
		Wn += c->widths[l] * c->widths[l - 1];
		bn += c->widths[l];
	}
	s += (double)c->widths[0];
	// VEC-TEST-5: expected and gauge have the network's shapes.
	if (c->dW_len != Wn || c->db_len != bn)
		finding("dW_len or db_len does not match the widths", i);
	for (size_t k = 0; k < c->dW_len; k++)
		s += c->dW[k] + c->dW_gauge[k];
	for (size_t k = 0; k < c->db_len; k++)
		s += c->db[k] + c->db_gauge[k];
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
