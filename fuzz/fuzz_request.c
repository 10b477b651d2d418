// fuzz_request.c: AFL++ / libFuzzer target for the reference adapter's request
// handling (conformance/checker/refadapter.h: `credit serve` and `credit run`,
// spec/protocol.md PROTO-REF-*) on arbitrary bytes.
//
// Whatever the line, the answer must be a response object with exactly one of
// output and error (PROTO-RSP-1); an output holds a finite loss and finite
// dW, db numbers only (NOT-NET-5), and the response serialises as JSON.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../conformance/checker/refadapter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void finding(const char *what)
{
	fprintf(stderr, "fuzz_request FINDING: %s\n", what);
	abort();
}

// Every number in j (nested lists) must be finite; anything else is a finding.
static void check_numbers(const json_t *j, int depth)
{
	size_t i;
	const json_t *e;
	if (depth > 4)
		finding("an output nests deeper than a list of matrices");
	if (json_is_number(j)) {
		if (!isfinite(json_number_value(j)))
			finding("an output number is not finite");
		return;
	}
	if (!json_is_array(j))
		finding("an output holds something other than numbers and lists");
	json_array_foreach(j, i, e)
		check_numbers(e, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size ? size : 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	json_t *resp = ck_refadapter_answer_line(line, size, NULL, NULL);
	if (!resp)
		finding("no response (NULL)");
	if (!json_is_object(resp))
		finding("the response is not an object");
	const json_t *out = json_object_get(resp, "output");
	const json_t *err = json_object_get(resp, "error");
	if ((out != NULL) == (err != NULL))
		finding("the response holds both or neither of output and error");
	if (err && !json_is_string(err))
		finding("error is not a string");
	if (out) {
		const json_t *loss = json_object_get(out, "loss");
		if (!json_is_number(loss) || !isfinite(json_number_value(loss)))
			finding("output.loss is not a finite number");
		const json_t *dW = json_object_get(out, "dW"), *db = json_object_get(out, "db");
		if (!dW || !db)
			finding("output lacks dW or db");
		check_numbers(dW, 0);
		check_numbers(db, 0);
	}
	char *text = json_dumps(resp, JSON_COMPACT);
	if (!text)
		finding("the response cannot be serialised");
	free(text);
	json_decref(resp);
	free(line);
	return 0;
}
