// vectors.h: loading a golden-vector file (spec/vectors.md) into cases.
//
// A loaded file is validated once, here, so that the rest of the checker
// never sees a malformed case: the header (VEC-FILE-*), every group
// (VEC-GROUP-*) and every test (VEC-TEST-*), and for valid and acceptable
// tests expected, gauge and tolerance (VEC-TEST-5): the same field names in
// all three, and a gauge of exactly the nesting and lengths of expected.
// Nothing here knows a rule: the output fields are whatever `expected` holds
// (loss, dW, db for bp/fa/dfa/ss; the trajectories of NOT-STEP-3 for kp), and
// expected itself is the shape template a response is judged against. The
// `input` of a test is *not* checked beyond being an object: invalid tests
// hold deliberately wrong inputs, and it is the implementation under test
// that must refuse them.
#ifndef CK_VECTORS_H
#define CK_VECTORS_H

#include <stddef.h>
#include <jansson.h>

// Limits that keep a hostile file from making the loader allocate without
// bound or recurse deeply: the most numbers one case's expected may hold (its
// gauge holds as many), the deepest nesting of lists in a field (a trajectory
// of matrices, [k][L][rows][cols], needs 4), the most fields of expected, and
// the longest field name.
#define CK_MAX_NUMBERS  10000000
#define CK_MAX_NESTING  6
#define CK_MAX_FIELDS   64
#define CK_MAX_NAME     64

// What a test expects (VEC-TEST-4).
typedef enum { CK_VALID = 0, CK_INVALID, CK_ACCEPTABLE } ck_expect;

// One output field of a valid or acceptable test (VEC-TEST-5). Its value is a
// number or a list, nested at most CK_MAX_NESTING deep, of numbers; exp and
// gauge list its numbers depth first (so a matrix row by row), in the order
// a response's numbers are judged.
typedef struct {
	const char *name;       // the field name: an identifier [A-Za-z_][A-Za-z0-9_]*
	const json_t *shape;    // expected.<name> (borrowed): the template of the answer
	const double *exp;      // [n] the expected numbers, finite
	const double *gauge;    // [n] their gauges G (NOT-TOL-1), finite and >= 0
	size_t n;               // how many numbers the field holds (0: empty lists only)
	double k;               // tolerance.<name> (NOT-TOL-2), finite and > 0
} ck_field;

// The index path of a value inside a field, "W[1][0][2][3]", as the loader's
// and the judge's messages print it: s[0 .. len-1], NUL-terminated. A field
// name of at most CK_MAX_NAME characters and CK_MAX_NESTING indices of at
// most 20 digits each fit.
typedef struct {
	char s[CK_MAX_NAME + CK_MAX_NESTING * 24 + 8];
	size_t len;
} ck_path;

// One test case. The json_t pointers are borrowed from the file's root.
typedef struct {
	const char *rule;       // the file's rule stem ("bp", ...)
	long long tcId;         // VEC-TEST-1
	ck_expect result;       // VEC-TEST-4
	const char *error;      // CK_INVALID: the expected error name, else NULL
	char flags[256];        // the flags, comma separated ("" when none)
	json_t *network;        // VEC-GROUP-1
	json_t *variant;        // VEC-GROUP-2, NULL when absent
	json_t *input;          // VEC-TEST-3
	// The rest is set for CK_VALID and CK_ACCEPTABLE only (0 and NULL else).
	size_t nfields;         // 1 .. CK_MAX_FIELDS
	ck_field *fields;       // [nfields], in the order of expected
	size_t nnums;           // sum of the fields' n, at most CK_MAX_NUMBERS
	double *nums;           // [2 nnums]: owns every field's exp and gauge
} ck_case;

// One loaded vector file.
typedef struct {
	char *name;             // the file name used in messages
	char rule[32];          // its rule stem
	double u;               // unitRoundoff, checked to be 2^-53 (VEC-FILE-4)
	json_t *root;           // the parsed document (owns every json_t above)
	size_t ncases;
	ck_case *cases;         // [ncases]
} ck_vecfile;

// Parses and validates the vector file text buf[0 .. len-1]. name is used in
// messages only; want_rule, when not NULL, is the rule the file must declare.
// Returns 0 and fills *out (free with ck_vectors_free), or -1 and writes a
// message naming the file, the place (JSON line/column, or test and field)
// and the problem into err[0 .. errlen-1]; *out is then empty.
int ck_vectors_parse(const char *buf, size_t len, const char *name, const char *want_rule,
                     ck_vecfile *out, char *err, size_t errlen);

// Reads the file at path and parses it as ck_vectors_parse does.
int ck_vectors_load(const char *path, const char *want_rule, ck_vecfile *out,
                    char *err, size_t errlen);

// Releases everything ck_vectors_parse allocated; safe on an empty *f.
void ck_vectors_free(ck_vecfile *f);

// Builds the adapter request of PROTO-REQ-1 for case c with sequence number
// seq: {"protocol":1,"seq":..,"rule":..,"tcId":..,"network":..,
// ["variant":..,] "input":..}. Returns a new reference, NULL when out of memory.
json_t *ck_case_request(const ck_case *c, long long seq);

// Describes the JSON value j for a message ("a number", "a list of 3",
// "a string", "an object", "a boolean", "null", "nothing" for NULL) into
// buf[0 .. len-1].
void ck_json_kind(const json_t *j, char *buf, size_t len);

// Reads a whole file into a malloc'ed buffer (NUL-terminated); 0 or -1 with
// a message naming the file and errno's text.
int ck_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen);

#endif
