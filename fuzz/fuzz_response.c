// fuzz_response.c: AFL++ / libFuzzer target for the adapter-response judge
// (conformance/checker/response.h, spec/protocol.md PROTO-RSP-*,
// PROTO-JUDGE-*) on arbitrary bytes, against fixed cases.
//
// The first byte chooses the case (byte % 4: a valid one, an invalid one
// expecting size_mismatch, an acceptable ReluTie one, all with the outputs
// loss, dW, db; and a valid trajectory of NOT-STEP-3, loss [2], W [2][1][1][2],
// b [2][1][1], B [2][0]); the rest is the response line, judged with seq 1.
// The judge must never crash, must name the case in every message line
// (printable ASCII, '\n'-terminated), and a PASS of a valid case is re-checked
// here independently: the response is parsed again, its output compared field
// by field with the expected value's nesting and every number with NOT-TOL-3,
// so a judge that passes a wrong answer aborts.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../conformance/checker/response.h"
#include "../conformance/checker/vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

// A one-layer network (widths [2, 1], identity, mse) with three tests. The
// numbers need not be a true gradient: the judge trusts the vector file.
static const char vector_file[] =
	"{\"schema\":\"vectors.schema.json\",\"formatVersion\":1,\"rule\":\"bp\","
	"\"specRevision\":\"1\",\"generator\":{\"name\":\"fuzz_response\",\"version\":\"0\","
	"\"gsl\":\"none\",\"seed\":1},\"numberOfTests\":3,\"header\":[\"fuzz_response\"],"
	"\"notes\":{\"ReluTie\":{\"bugType\":\"NUMERICS\",\"description\":\"tie\"},"
	"\"SizeMismatch\":{\"bugType\":\"INVALID_INPUT\",\"description\":\"mismatch\"}},"
	"\"unitRoundoff\":1.1102230246251565e-16,\"testGroups\":[{\"network\":{\"widths\":[2,1],"
	"\"activations\":[{\"name\":\"identity\"}],\"loss\":\"mse\"},\"tests\":["
	"{\"tcId\":1,\"id\":\"sha256:01\",\"comment\":\"valid\",\"flags\":[],"
	"\"input\":{\"W\":[[[0.5,-1.25]]],\"b\":[[0.1]],\"x\":[[1.0,2.0]],\"t\":[[0.5]]},"
	"\"result\":\"valid\",\"expected\":{\"loss\":1.7112499999999999,"
	"\"dW\":[[[-1.8500000000000001,-3.7000000000000002]]],\"db\":[[-1.8500000000000001]]},"
	"\"gauge\":{\"loss\":6.0,\"dW\":[[[4.0,8.0]]],\"db\":[[3.5]]},"
	"\"tolerance\":{\"loss\":30.0,\"dW\":42.0,\"db\":42.0}},"
	"{\"tcId\":2,\"id\":\"sha256:02\",\"comment\":\"invalid\",\"flags\":[\"SizeMismatch\"],"
	"\"input\":{\"W\":[[[0.5]]],\"b\":[[0.1]],\"x\":[[1.0,2.0]],\"t\":[[0.5]]},"
	"\"result\":\"invalid\",\"error\":\"size_mismatch\"},"
	"{\"tcId\":3,\"id\":\"sha256:03\",\"comment\":\"acceptable\",\"flags\":[\"ReluTie\"],"
	"\"input\":{\"W\":[[[0.5,-0.25]]],\"b\":[[0.0]],\"x\":[[1.0,2.0]],\"t\":[[0.5]]},"
	"\"result\":\"acceptable\",\"expected\":{\"loss\":0.125,"
	"\"dW\":[[[-0.5,-1.0]]],\"db\":[[-0.5]]},"
	"\"gauge\":{\"loss\":1.0,\"dW\":[[[2.0,4.0]]],\"db\":[[1.0]]},"
	"\"tolerance\":{\"loss\":30.0,\"dW\":42.0,\"db\":42.0}}]}]}";

// A trajectory (NOT-STEP-3) of two steps through a depth-1 network: B holds
// L - 1 = 0 matrices per step, so it is a list of two empty lists.
static const char traj_file[] =
	"{\"formatVersion\":1,\"rule\":\"kp\",\"numberOfTests\":1,"
	"\"unitRoundoff\":1.1102230246251565e-16,\"testGroups\":[{\"network\":{\"widths\":[2,1],"
	"\"activations\":[{\"name\":\"identity\"}],\"loss\":\"mse\"},\"tests\":["
	"{\"tcId\":1,\"id\":\"sha256:04\",\"flags\":[],"
	"\"input\":{\"W\":[[[0.5,-1.25]]],\"b\":[[0.1]],\"B\":[],\"eta\":0.125,\"decay\":0.0625,"
	"\"x\":[[[1.0,2.0]],[[-1.0,0.5]]],\"t\":[[[0.5]],[[0.25]]]},"
	"\"result\":\"valid\",\"expected\":{\"loss\":[1.7112499999999999,0.34],"
	"\"W\":[[[[0.73,-0.79]]],[[[0.61,-0.83]]]],\"b\":[[[0.33]],[[0.27]]],\"B\":[[],[]]},"
	"\"gauge\":{\"loss\":[6.0,2.5],\"W\":[[[[4.0,8.0]]],[[[9.0,17.0]]]],\"b\":[[[3.5]],[[7.0]]],"
	"\"B\":[[],[]]},\"tolerance\":{\"loss\":90.0,\"W\":130.0,\"b\":130.0,\"B\":130.0}}]}]}";

static ck_vecfile file, traj;
static int loaded;

static void finding(const char *what, const char *line, size_t len)
{
	char ex[200];
	ck_excerpt(line, len, ex, sizeof ex);
	fprintf(stderr, "fuzz_response FINDING: %s; response %s\n", what, ex);
	abort();
}

// NOT-TOL-3 on one number of the response.
static int within(const json_t *j, double exp, double G, double k)
{
	if (!json_is_number(j))
		return 0;
	return fabs(json_number_value(j) - exp) <= k * ldexp(1.0, -53) * G;
}

// True when got has the nesting and lengths of the expected value shape and
// each of its numbers is within tolerance of f's next one (*k counts them).
static int value_right(const ck_field *f, const json_t *shape, const json_t *got, size_t *k)
{
	if (json_is_number(shape)) {
		if (*k >= f->n || !within(got, f->exp[*k], f->gauge[*k], f->k))
			return 0;
		++*k;
		return 1;
	}
	if (!json_is_array(got) || json_array_size(got) != json_array_size(shape))
		return 0;
	for (size_t i = 0; i < json_array_size(shape); i++)
		if (!value_right(f, json_array_get(shape, i), json_array_get(got, i), k))
			return 0;
	return 1;
}

// The independent re-check of a PASS on a valid case: an output object with
// exactly the case's fields, each right.
static int output_right(const ck_case *c, const char *line, size_t len)
{
	json_t *r = json_loadb(line, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
	const json_t *o = json_object_get(r, "output");
	int ok = json_object_get(r, "error") == NULL && json_is_object(o)
	         && json_object_size(o) == c->nfields;
	for (size_t i = 0; ok && i < c->nfields; i++) {
		const ck_field *f = &c->fields[i];
		size_t k = 0;
		ok = value_right(f, f->shape, json_object_get(o, f->name), &k) && k == f->n;
	}
	json_decref(r);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!loaded) {
		char err[512];
		if (ck_vectors_parse(vector_file, sizeof vector_file - 1, "fuzz_response", "bp", &file,
		                     err, sizeof err) != 0 || file.ncases != 3 ||
		    ck_vectors_parse(traj_file, sizeof traj_file - 1, "fuzz_response_traj", "kp", &traj,
		                     err, sizeof err) != 0 || traj.ncases != 1) {
			fprintf(stderr, "fuzz_response: an embedded vector file does not load: %s\n", err);
			abort();
		}
		loaded = 1;
	}
	size_t which = size ? data[0] % 4u : 0;
	const ck_case *c = which < 3 ? &file.cases[which] : &traj.cases[0];
	size_t len = size ? size - 1 : 0;
	// An exact copy, so that a read past len is seen.
	char *line = malloc(len ? len : 1);
	if (!line)
		return 0;
	memcpy(line, data + (size ? 1 : 0), len);

	ck_result res;
	ck_response_judge(line, len, c, 1, &res);
	if (res.verdict != CK_PASS && res.verdict != CK_FAIL && res.verdict != CK_ACCEPT_MISMATCH
	    && res.verdict != CK_SKIP)
		finding("verdict out of range", line, len);
	if (res.verdict == CK_FAIL && res.msg == NULL)
		finding("a failure without a message", line, len);
	if (res.msg) {
		if (res.msg_len != strlen(res.msg) || res.msg_len == 0 || res.msg[res.msg_len - 1] != '\n')
			finding("the message is not complete lines", line, len);
		for (size_t i = 0; i < res.msg_len; i++)
			if (res.msg[i] != '\n' && (res.msg[i] < 0x20 || res.msg[i] > 0x7e))
				finding("the message holds a non-printable byte", line, len);
	}
	if (res.verdict == CK_ACCEPT_MISMATCH && c->result != CK_ACCEPTABLE)
		finding("ACCEPT_MISMATCH for a case that is not acceptable", line, len);
	if (res.verdict == CK_PASS && c->result == CK_VALID && !output_right(c, line, len))
		finding("PASS for a response that is not within tolerance", line, len);
	if (res.verdict == CK_PASS && c->result == CK_INVALID) {
		json_t *r = json_loadb(line, len, JSON_DECODE_ANY, NULL);
		const char *e = json_string_value(json_object_get(r, "error"));
		int ok = e && strcmp(e, "size_mismatch") == 0;
		json_decref(r);
		if (!ok)
			finding("PASS of an invalid case without error size_mismatch", line, len);
	}
	ck_result_free(&res);
	free(line);
	return 0;
}
