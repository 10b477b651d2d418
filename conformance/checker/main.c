// main.c: the command-line checker `credit` (spec/protocol.md, spec/vectors.md).
//
//   credit check  judge ref/ (in process) or an adapter (--impl) on the vectors
//   credit serve  the reference as a JSON Lines adapter (PROTO-REF-1)
//   credit run    one request in, one response out (PROTO-REF-2)
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../../ref/credit.h"
#include "impl.h"
#include "junit.h"
#include "refadapter.h"
#include "response.h"
#include "vectors.h"

#define CK_PROTOCOL 1

// The rules whose vectors `credit check` runs by default: conformance/vectors/<stem>.json.
static const char *const all_rules[] = { "bp", "fa", "dfa", "ss", "kp", "wm", "align", "sa", "aa", "ia" };
#define N_RULES (sizeof all_rules / sizeof all_rules[0])

static const char usage_main[] =
"usage: credit <command> [options]\n"
"\n"
"Checks implementations of the credit-assignment rules bp, fa, dfa, ss, kp, wm,\n"
"align, sa, aa, ia against the golden vectors of conformance/vectors/\n"
"(spec/vectors.md), through the adapter protocol of spec/protocol.md.\n"
"\n"
"commands:\n"
"  check   judge the reference (in process) or an adapter (--impl) on the vectors\n"
"  serve   answer adapter requests with the reference on stdin/stdout (JSON Lines)\n"
"  run     read one request on stdin, write one response line\n"
"\n"
"options:\n"
"  --help      this text; `credit <command> --help` describes a command\n"
"  --version   the library version and the protocol version\n"
"\n"
"examples:\n"
"  credit check\n"
"  credit check --rule fa --case 17 --verbose\n"
"  credit check --impl '/usr/bin/python3 conformance/adapters/python/credit_adapter.py' --junit out.xml\n"
"  echo '{\"rule\":\"bp\",\"network\":{\"widths\":[1,1],\"activations\":[{\"name\":\"identity\"}],\"loss\":\"mse\"},\"input\":{\"W\":[[[2.0]]],\"b\":[[0.5]],\"x\":[[1.0]],\"t\":[[0.0]]}}' | credit run\n";

// Seconds between two progress lines of a long `credit check`.
#define PROGRESS_SECONDS 5.0

static const char usage_check[] =
"usage: credit check [--rule R] [--case N] [--vectors DIR] [--junit FILE]\n"
"                    [--impl 'COMMAND'] [--timeout SECONDS] [--verbose]\n"
"\n"
"Loads DIR/<rule>.json for every rule (bp fa dfa ss kp wm align sa aa ia, or\n"
"only --rule R) and judges every case (or only tcId N): without --impl against the\n"
"reference library run in process, with --impl against the adapter started as\n"
"/bin/sh -c COMMAND, which gets one request line per case and must answer one\n"
"response line (spec/protocol.md).\n"
"\n"
"  --rule R          only rule R\n"
"  --case N          only the case with tcId N (of every selected rule)\n"
"  --vectors DIR     vector directory (default $CREDIT_VECTORS, else conformance/vectors)\n"
"  --junit FILE      also write JUnit XML: a testsuite per rule, a testcase per tcId\n"
"  --impl COMMAND    check an external adapter instead of the reference\n"
"  --timeout S       seconds an adapter may take per case (default 10); on a timeout\n"
"                    the adapter is killed and that case and all later ones fail\n"
"  --verbose         also print a line for every passing case\n"
"\n"
"A number passes when |got - expected| <= k*u*G (NOT-TOL-3); its error ratio is\n"
"|got - expected| / (k*u*G). Output: one line per failure (rule, tcId, field and\n"
"index, got, expected, tolerance, ratio; or the error names; or the protocol\n"
"problem), one summary line per rule (cases, passed, failed, acceptable\n"
"mismatches and skipped when any, the worst error ratio of the valid cases), and\n"
"last `N passed, M failed` (`, K skipped` when K > 0). A mismatch on an\n"
"`acceptable` case is printed as ACCEPTABLE and counts as passed (an error\n"
"answer to it still fails); an adapter's `unsupported_rule` answer makes the\n"
"case skipped. Protocol problems (not JSON, wrong seq, missing or extra field,\n"
"wrong shape, non-number, adapter exit or crash, timeout) fail the case.\n"
"A run that lasts longer than 5 s prints a progress line on stderr every 5 s.\n"
"\n"
"exit status: 0 when nothing failed and at least one case ran; 1 when a case\n"
"failed or none ran; 2 on a usage error or an unreadable or invalid vector file.\n"
"\n"
"examples:\n"
"  credit check\n"
"  credit check --rule dfa --case 3 --verbose\n"
"  credit check --impl 'credit serve' --timeout 5 --junit build/junit.xml\n";

static const char usage_serve[] =
"usage: credit serve\n"
"\n"
"Adapter loop (PROTO-REF-1): reads one JSON request per line on stdin and writes\n"
"one response line per request on stdout, computed by the reference library,\n"
"flushing after each; exits 0 at end of input. Blank lines are ignored.\n"
"\n"
"How requests are read (also for `credit run` and `credit check` without --impl):\n"
"  - activation/loss names outside the spec become unknown_activation/unknown_loss;\n"
"    \"NaN\", \"Infinity\", \"-Infinity\" in input arrays are those values;\n"
"  - a matrix or vector whose counts do not match the widths (wrong rows or\n"
"    columns, ragged rows, a missing or surplus layer or activation, t with\n"
"    another row count than x) is size_mismatch, unless the library reports an\n"
"    earlier error such as zero_size first;\n"
"  - a missing feedback array (B, D, M, scale) is size_mismatch (for depth 1\n"
"    give []); other extra input fields are ignored;\n"
"  - sign symmetry: variant uSF reads input.scale (L-1 numbers), brSF/frSF read\n"
"    input.M (L-1 matrices shaped like W_2..W_L); both given is size_mismatch;\n"
"    another variant is invalid_parameter;\n"
"  - a missing leaky_relu slope is invalid_parameter;\n"
"  - kp (a trajectory): input.x and input.t are lists of batches, one per step;\n"
"    no step is zero_size, t with another number of batches is size_mismatch;\n"
"    eta and decay must be numbers (or \"NaN\", \"Infinity\", \"-Infinity\"),\n"
"    else malformed_request; a wrong shape in a step is judged on that step;\n"
"  - wm, sa, aa, ia (trajectories) as kp, with their own hyper-parameters\n"
"    (eta, eta_B, decay_B or alpha, beta, gamma); wm reads variant (linear when\n"
"    absent) and input.noise, one list of L-1 matrices per step;\n"
"  - align: network {\"widths\": [n_in, n_out]}, input W, B, x of one layer;\n"
"  - another rule is answered {\"error\":\"unsupported_rule\"};\n"
"  - a line that is not JSON, or a request with a value of the wrong JSON type\n"
"    (e.g. a string where a matrix belongs, a width that is not a non-negative\n"
"    integer, no W/b/x/t, protocol other than 1) is answered\n"
"    {\"error\":\"malformed_request\"} (with seq when it can be read) and a\n"
"    message on stderr.\n"
"\n"
"example:\n"
"  credit check --impl 'build/credit serve'\n";

static const char usage_run[] =
"usage: credit run [--rule R]\n"
"\n"
"Reads one request (a JSON object, spec/protocol.md; protocol, seq and tcId are\n"
"optional) from stdin and writes one response line, computed by the reference\n"
"library as `credit serve` does (see `credit serve --help`). --rule R sets or\n"
"overrides the request's rule. Exits 0, also for an error response; exits 2\n"
"with a message when stdin does not hold one JSON object.\n"
"\n"
"example:\n"
"  echo '{\"rule\":\"bp\",\"network\":{\"widths\":[1,1],\"activations\":[{\"name\":\"tanh\"}],\"loss\":\"mse\"},\"input\":{\"W\":[[[2.0]]],\"b\":[[0.5]],\"x\":[[1.0]],\"t\":[[0.0]]}}' | credit run\n";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "credit%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see `credit%s%s --help`)\n", cmd ? " " : "", cmd ? cmd : "");
	return 2;
}

static int valid_stem(const char *s)
{
	if (!*s || strlen(s) > 30)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

// Per-rule tallies of `credit check`.
typedef struct {
	size_t cases, passed, failed, accept, skipped;
	double worst;
} tally;

static int cmd_check(int argc, char **argv)
{
	const char *rule = NULL, *dir = getenv("CREDIT_VECTORS"), *junit_path = NULL, *impl_cmd = NULL;
	long long only_case = -1;
	double timeout = 10;
	int verbose = 0;
	const char *rules[N_RULES];
	size_t nrules = 0, total_pass = 0, total_fail = 0, total_skip = 0;
	ck_vecfile files[N_RULES];
	ck_impl *impl = NULL;
	ck_junit *junit = NULL;
	char err[1024];
	long long seq = 0;
	int rc;
	if (!dir || !*dir)
		dir = "conformance/vectors";
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_check, stdout);
			return 0;
		} else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			verbose = 1;
			continue;
		}
		if (strcmp(a, "--rule") && strcmp(a, "--case") && strcmp(a, "--vectors") &&
		    strcmp(a, "--junit") && strcmp(a, "--impl") && strcmp(a, "--timeout"))
			return usage_error("check", "unknown option %s", a);
		if (!v)
			return usage_error("check", "%s needs a value", a);
		i++;
		if (strcmp(a, "--rule") == 0) {
			if (!valid_stem(v))
				return usage_error("check", "--rule %s is not a rule stem", v);
			rule = v;
		} else if (strcmp(a, "--case") == 0) {
			char *end;
			errno = 0;
			only_case = strtoll(v, &end, 10);
			if (errno || *end || end == v || only_case < 1)
				return usage_error("check", "--case %s is not a positive tcId", v);
		} else if (strcmp(a, "--vectors") == 0) {
			dir = v;
		} else if (strcmp(a, "--junit") == 0) {
			junit_path = v;
		} else if (strcmp(a, "--impl") == 0) {
			impl_cmd = v;
		} else {
			char *end;
			timeout = strtod(v, &end);
			if (*end || end == v || !(timeout > 0) || timeout > 86400)
				return usage_error("check", "--timeout %s is not a number of seconds in (0, 86400]", v);
		}
	}
	if (rule)
		rules[nrules++] = rule;
	else
		for (size_t i = 0; i < N_RULES; i++)
			rules[nrules++] = all_rules[i];
	// Load and validate every file before running anything (exit 2 on a bad one).
	memset(files, 0, sizeof files);
	for (size_t r = 0; r < nrules; r++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.json", dir, rules[r]);
		if (ck_vectors_load(path, rules[r], &files[r], err, sizeof err)) {
			fprintf(stderr, "credit check: %s\n", err);
			for (size_t q = 0; q < r; q++)
				ck_vectors_free(&files[q]);
			return 2;
		}
	}
	if (junit_path && !(junit = ck_junit_new())) {
		fprintf(stderr, "credit check: out of memory\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (impl_cmd) {
		impl = ck_impl_start(impl_cmd, err, sizeof err);
		if (!impl) {
			fprintf(stderr, "credit check: cannot start the adapter '%s': %s\n", impl_cmd, err);
			return 2;
		}
	}
	// A slow adapter can take minutes: a progress line on stderr every
	// PROGRESS_SECONDS (never for a run that is done sooner).
	const double start = now();
	double last_progress = start;
	for (size_t r = 0; r < nrules; r++) {
		tally t;
		memset(&t, 0, sizeof t);
		for (size_t k = 0; k < files[r].ncases; k++) {
			const ck_case *c = &files[r].cases[k];
			ck_result res;
			json_t *req;
			double t0 = now();
			if (only_case > 0 && c->tcId != only_case)
				continue;
			t.cases++;
			seq++;
			req = ck_case_request(c, seq);
			ck_result_init(&res);
			if (!req) {
				ck_result_failf(&res, c, "out of memory building the request");
			} else if (!impl) {
				// In process: the reference adapter answers the same request object.
				json_t *resp = ck_refadapter_answer(req, NULL, stderr);
				if (resp)
					ck_response_judge_json(resp, c, seq, &res);
				else
					ck_result_failf(&res, c, "out of memory answering the request");
				json_decref(resp);
			} else {
				char *text = json_dumps(req, JSON_COMPACT);
				const char *line;
				size_t len;
				if (!text) {
					ck_result_failf(&res, c, "out of memory writing the request");
				} else {
					ck_io io = ck_impl_exchange(impl, text, strlen(text), timeout, &line, &len,
					                            err, sizeof err);
					if (io == CK_IO_OK)
						ck_response_judge(line, len, c, seq, &res);
					else
						ck_result_failf(&res, c, "%s", err);
					free(text);
				}
			}
			json_decref(req);
			switch (res.verdict) {
			case CK_PASS:
				t.passed++;
				break;
			case CK_ACCEPT_MISMATCH:
				t.passed++;
				t.accept++;
				break;
			case CK_SKIP:
				t.skipped++;
				break;
			default:
				t.failed++;
			}
			if (c->result == CK_VALID && res.verdict != CK_SKIP && !(res.worst <= t.worst))
				t.worst = res.worst;
			if (res.msg)
				fputs(res.msg, stdout);
			if (verbose && res.verdict == CK_PASS)
				printf("PASS %s tcId %lld (worst ratio %.3g)\n", c->rule, c->tcId, res.worst);
			if (verbose && res.verdict == CK_SKIP)
				printf("SKIP %s tcId %lld: unsupported_rule\n", c->rule, c->tcId);
			if (junit && ck_junit_add(junit, c->rule, c->tcId,
			                          res.verdict == CK_FAIL ? 1 : res.verdict == CK_SKIP ? 2 : 0,
			                          now() - t0, res.msg)) {
				fprintf(stderr, "credit check: out of memory\n");
				return 2;
			}
			ck_result_free(&res);
			if (now() - last_progress >= PROGRESS_SECONDS) {
				last_progress = now();
				fprintf(stderr, "credit check: %s: %zu of %zu cases done, %zu failed, %.0f s\n",
				        files[r].rule, k + 1, files[r].ncases, t.failed, last_progress - start);
			}
		}
		printf("%s: %zu cases, %zu passed, %zu failed", files[r].rule, t.cases, t.passed, t.failed);
		if (t.accept)
			printf(", %zu acceptable mismatches", t.accept);
		if (t.skipped)
			printf(", %zu skipped", t.skipped);
		printf(", worst error %.3g of tolerance\n", t.worst);
		fflush(stdout);
		total_pass += t.passed;
		total_fail += t.failed;
		total_skip += t.skipped;
	}
	if (impl && ck_impl_finish(impl, timeout, err, sizeof err) && err[0])
		fprintf(stderr, "credit check: note: at the end of the run %s\n", err);
	for (size_t r = 0; r < nrules; r++)
		ck_vectors_free(&files[r]);
	rc = total_fail ? 1 : 0;
	if (total_pass + total_fail == 0) {
		fprintf(stderr, "credit check: no case ran%s\n",
		        only_case > 0 ? " (no case has that tcId)" : total_skip ? " (all skipped)" : "");
		rc = 1;
	}
	if (junit) {
		if (ck_junit_write(junit, junit_path, err, sizeof err)) {
			fprintf(stderr, "credit check: %s\n", err);
			rc = 2;
		}
		ck_junit_free(junit);
	}
	printf("%zu passed, %zu failed", total_pass, total_fail);
	if (total_skip)
		printf(", %zu skipped", total_skip);
	printf("\n");
	return rc;
}

// Writes one response line and flushes; -1 on a write error.
static int emit(json_t *resp)
{
	char *text = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
	int bad;
	if (!text) {
		fputs("{\"error\":\"malformed_request\"}\n", stdout);
		fprintf(stderr, "credit: out of memory writing a response\n");
	} else {
		fputs(text, stdout);
		fputc('\n', stdout);
	}
	free(text);
	bad = fflush(stdout) != 0 || ferror(stdout);
	return bad ? -1 : 0;
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static int cmd_serve(int argc, char **argv)
{
	char *buf = NULL;
	size_t cap = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_serve, stdout);
			return 0;
		}
		return usage_error("serve", "unknown option %s", argv[i]);
	}
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		size_t len = 0;
		int toolong = 0, eof = 0;
		// Reads one line byte by byte (a NUL byte is data, not an end),
		// keeping at most CK_MAX_LINE bytes (PROTO-IO-2).
		for (;;) {
			int ch = getc(stdin);
			if (ch == EOF) {
				eof = 1;
				break;
			}
			if (ch == '\n')
				break;
			if (len >= CK_MAX_LINE) {
				toolong = 1;
				continue; // Discard the rest of an overlong line.
			}
			if (len == cap) {
				size_t ncap = cap ? 2 * cap : 1 << 16;
				char *nb = realloc(buf, ncap);
				if (!nb) {
					fprintf(stderr, "credit serve: out of memory\n");
					free(buf);
					return 1;
				}
				buf = nb;
				cap = ncap;
			}
			buf[len++] = (char)ch;
		}
		if (eof && len == 0 && !toolong && !ferror(stdin))
			break;
		if (ferror(stdin)) {
			fprintf(stderr, "credit serve: read error: %s\n", strerror(errno));
			free(buf);
			return 1;
		}
		if (toolong) {
			fprintf(stderr, "credit serve: malformed request: line longer than %zu bytes\n", CK_MAX_LINE);
			if (emit(NULL) != 0)
				break;
		} else if (!blank(buf, len)) {
			json_t *resp = ck_refadapter_answer_line(buf, len, NULL, stderr);
			int w = emit(resp);
			json_decref(resp);
			if (w != 0) {
				fprintf(stderr, "credit serve: cannot write the response: %s\n", strerror(errno));
				free(buf);
				return 1;
			}
		}
		if (eof)
			break;
	}
	free(buf);
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	const char *rule = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	json_error_t je;
	json_t *req, *resp;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_run, stdout);
			return 0;
		} else if (strcmp(argv[i], "--rule") == 0 && i + 1 < argc) {
			rule = argv[++i];
		} else {
			return usage_error("run", "unknown option or missing value: %s", argv[i]);
		}
	}
	for (;;) {
		size_t got;
		if (cap - len < 65536) {
			size_t ncap = cap ? 2 * cap : 1 << 16;
			char *nb = len > CK_MAX_LINE ? NULL : realloc(buf, ncap);
			if (!nb) {
				fprintf(stderr, "credit run: the request is too large\n");
				free(buf);
				return 2;
			}
			buf = nb;
			cap = ncap;
		}
		got = fread(buf + len, 1, cap - len, stdin);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(stdin)) {
		fprintf(stderr, "credit run: read error: %s\n", strerror(errno));
		free(buf);
		return 2;
	}
	req = json_loadb(buf ? buf : "", len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
	free(buf);
	if (!req || !json_is_object(req)) {
		if (req)
			fprintf(stderr, "credit run: the request is not a JSON object\n");
		else
			fprintf(stderr, "credit run: the request is not JSON: line %d column %d: %s\n",
			        je.line, je.column, je.text);
		json_decref(req);
		return 2;
	}
	resp = ck_refadapter_answer(req, rule, stderr);
	json_decref(req);
	signal(SIGPIPE, SIG_IGN);
	if (emit(resp) != 0) {
		fprintf(stderr, "credit run: cannot write the response\n");
		json_decref(resp);
		return 1;
	}
	json_decref(resp);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error(NULL, "%s", "a command is needed");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("credit %s (protocol %d, spec revision %s)\n", CR_VERSION, CK_PROTOCOL, CR_SPEC_REVISION);
		return 0;
	}
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc, argv);
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc, argv);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc, argv);
	return usage_error(NULL, "unknown command %s", argv[1]);
}
