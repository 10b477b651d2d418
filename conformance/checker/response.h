// response.h: judging one adapter response against one case
// (spec/protocol.md, PROTO-RSP-*, PROTO-JUDGE-*; tolerances NOT-TOL-3).
//
// The same judge serves the in-process reference and external adapters: the
// in-process path hands over a json_t, the external path the raw line. It
// knows no rule: a response's output is compared field by field with the
// case's expected values (ck_field), their nesting being the shape the output
// must have, each number judged with NOT-TOL-3 and named by its index path
// ("W[1][0][2][3]").
#ifndef CK_RESPONSE_H
#define CK_RESPONSE_H

#include <stddef.h>
#include <jansson.h>
#include "vectors.h"

typedef enum {
	CK_PASS = 0,      // the response is right
	CK_FAIL,          // wrong, or a protocol problem
	CK_ACCEPT_MISMATCH, // an acceptable case whose numbers differ (PROTO-JUDGE-3): not a failure
	CK_SKIP           // the adapter answered unsupported_rule (PROTO-RSP-3)
} ck_verdict;

// The judgement of one case. msg holds zero or more complete lines ('\n'
// terminated, printable ASCII only), each naming the rule and tcId.
typedef struct {
	ck_verdict verdict;
	double worst;     // largest error ratio |got - exp| / (k u G) seen (0 if none; may be inf)
	char *msg;        // malloc'ed, NUL-terminated; NULL when empty
	size_t msg_len, msg_cap;
	size_t nbad;      // numbers outside their tolerance
} ck_result;

// Empties *r (verdict CK_PASS, no message).
void ck_result_init(ck_result *r);
// Frees r's message.
void ck_result_free(ck_result *r);
// Appends one formatted line (a '\n' is added) to r's message.
void ck_result_addf(ck_result *r, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
// Marks r failed with the line "FAIL <rule> tcId <n>: <text>".
void ck_result_failf(ck_result *r, const ck_case *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

// Judges the parsed response resp (may be NULL: then "not JSON") for case c,
// whose request carried sequence number seq, into *out (initialised here).
void ck_response_judge_json(const json_t *resp, const ck_case *c, long long seq, ck_result *out);

// Parses the response line line[0 .. len-1] (without its '\n') and judges it
// as ck_response_judge_json does; junk is reported with a printable excerpt.
void ck_response_judge(const char *line, size_t len, const ck_case *c, long long seq,
                       ck_result *out);

// Writes a printable excerpt of s[0 .. len-1] (at most about 80 characters,
// non-printable bytes as \xNN) into buf[0 .. buflen-1].
void ck_excerpt(const char *s, size_t len, char *buf, size_t buflen);

#endif
