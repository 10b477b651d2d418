// junit.h: writing the results of `credit check` as JUnit XML: one
// <testsuite> per rule, one <testcase> per tcId, the failure text escaped.
#ifndef CK_JUNIT_H
#define CK_JUNIT_H

#include <stddef.h>

typedef struct ck_junit ck_junit;

// An empty report; NULL when out of memory.
ck_junit *ck_junit_new(void);

// Records one case: rule, tcId, its outcome (0 passed, 1 failed, 2 skipped),
// seconds taken and the message text (may be NULL or hold several lines).
// Returns -1 when out of memory.
int ck_junit_add(ck_junit *j, const char *rule, long long tcId, int outcome, double seconds,
                 const char *msg);

// Writes the report to path. Returns 0, or -1 with a message in err.
int ck_junit_write(const ck_junit *j, const char *path, char *err, size_t errlen);

void ck_junit_free(ck_junit *j);

// Writes s to fp with the XML escapes of attribute and text content; bytes
// that XML 1.0 cannot hold (control characters, non-ASCII) become '?'.
#include <stdio.h>
void ck_junit_escape(FILE *fp, const char *s);

#endif
