// vectors.h: loading a golden-vector file (spec/vectors.md) into cases.
//
// A loaded file is validated once, here, so that the rest of the checker
// never sees a malformed case: the header (VEC-FILE-*), every group
// (VEC-GROUP-*) and every test (VEC-TEST-*), and for valid and acceptable
// tests the shapes of expected, gauge and tolerance against the network's
// widths (VEC-TEST-5). The `input` of a test is *not* checked beyond being an
// object: invalid tests hold deliberately wrong inputs, and it is the
// implementation under test that must refuse them.
#ifndef CK_VECTORS_H
#define CK_VECTORS_H

#include <stddef.h>
#include <jansson.h>

// What a test expects (VEC-TEST-4).
typedef enum { CK_VALID = 0, CK_INVALID, CK_ACCEPTABLE } ck_expect;

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
	// The rest is set for CK_VALID and CK_ACCEPTABLE only.
	size_t depth;           // L
	size_t *widths;         // [depth + 1]
	double loss, loss_gauge;            // expected loss and its gauge
	double *dW, *dW_gauge;  size_t dW_len;  // [sum n_l n_{l-1}] each, layer 1 first, row-major
	double *db, *db_gauge;  size_t db_len;  // [sum n_l] each
	double k_loss, k_dW, k_db;          // tolerance factors (NOT-TOL-2)
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

// Reads a whole file into a malloc'ed buffer (NUL-terminated); 0 or -1 with
// a message naming the file and errno's text.
int ck_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen);

#endif
