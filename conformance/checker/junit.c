// junit.c: JUnit XML output of `credit check --junit FILE`.
#include "junit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char rule[32];
	long long tcId;
	int outcome;
	double seconds;
	char *msg;
} entry;

struct ck_junit {
	entry *e;
	size_t n, cap;
};

ck_junit *ck_junit_new(void)
{
	return calloc(1, sizeof(ck_junit));
}

int ck_junit_add(ck_junit *j, const char *rule, long long tcId, int outcome, double seconds,
                 const char *msg)
{
	entry *e;
	if (j->n == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 256;
		entry *ne = realloc(j->e, cap * sizeof *ne);
		if (!ne)
			return -1;
		j->e = ne;
		j->cap = cap;
	}
	e = &j->e[j->n];
	snprintf(e->rule, sizeof e->rule, "%s", rule);
	e->tcId = tcId;
	e->outcome = outcome;
	e->seconds = seconds;
	e->msg = NULL;
	if (msg && *msg) {
		e->msg = malloc(strlen(msg) + 1);
		if (!e->msg)
			return -1;
		strcpy(e->msg, msg);
	}
	j->n++;
	return 0;
}

void ck_junit_escape(FILE *fp, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&apos;", fp); break;
		case '\n': fputs("&#10;", fp); break;
		case '\t': fputs("&#9;", fp); break;
		default:
			fputc(c >= 32 && c < 127 ? (int)c : '?', fp);
		}
	}
}

int ck_junit_write(const ck_junit *j, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "w");
	size_t tests = j->n, failures = 0, skipped = 0;
	if (!fp) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < j->n; i++) {
		failures += j->e[i].outcome == 1;
		skipped += j->e[i].outcome == 2;
	}
	fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(fp, "<testsuites name=\"credit\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" errors=\"0\">\n",
	        tests, failures, skipped);
	for (size_t i = 0; i < j->n;) {
		size_t k = i, nf = 0, ns = 0;
		double t = 0;
		while (k < j->n && strcmp(j->e[k].rule, j->e[i].rule) == 0) {
			nf += j->e[k].outcome == 1;
			ns += j->e[k].outcome == 2;
			t += j->e[k].seconds;
			k++;
		}
		fprintf(fp, "  <testsuite name=\"");
		ck_junit_escape(fp, j->e[i].rule);
		fprintf(fp, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" errors=\"0\" time=\"%.6f\">\n",
		        k - i, nf, ns, t);
		for (size_t q = i; q < k; q++) {
			const entry *e = &j->e[q];
			fprintf(fp, "    <testcase classname=\"credit.");
			ck_junit_escape(fp, e->rule);
			fprintf(fp, "\" name=\"tcId %lld\" time=\"%.6f\"", e->tcId, e->seconds);
			if (e->outcome == 0 && !e->msg) {
				fprintf(fp, "/>\n");
				continue;
			}
			fprintf(fp, ">\n");
			if (e->outcome == 1) {
				const char *nl = strchr(e->msg ? e->msg : "", '\n');
				char first[512];
				size_t fl = nl ? (size_t)(nl - e->msg) : strlen(e->msg ? e->msg : "");
				snprintf(first, sizeof first, "%.*s", (int)(fl < 511 ? fl : 511), e->msg ? e->msg : "");
				fprintf(fp, "      <failure message=\"");
				ck_junit_escape(fp, first);
				fprintf(fp, "\" type=\"mismatch\">");
				ck_junit_escape(fp, e->msg ? e->msg : "");
				fprintf(fp, "</failure>\n");
			} else if (e->outcome == 2) {
				fprintf(fp, "      <skipped message=\"unsupported_rule\"/>\n");
			} else {
				fprintf(fp, "      <system-out>");
				ck_junit_escape(fp, e->msg);
				fprintf(fp, "</system-out>\n");
			}
			fprintf(fp, "    </testcase>\n");
		}
		fprintf(fp, "  </testsuite>\n");
		i = k;
	}
	fprintf(fp, "</testsuites>\n");
	if (ferror(fp) | (fclose(fp) != 0)) {
		snprintf(err, errlen, "%s: write error", path);
		return -1;
	}
	return 0;
}

void ck_junit_free(ck_junit *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		free(j->e[i].msg);
	free(j->e);
	free(j);
}
