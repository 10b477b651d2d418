// conformance/oracle/gen.h: what the vector generator's files share. gen.c
// writes every file and holds the gradient rules' plan (bp, fa, dfa, ss);
// gen_kp.c holds the trajectory rule kp (spec/rules/kp.md), gen_fbl.c the
// trajectory rules whose feedback learns by a gradient of its own (wm, sa,
// aa, ia) and gen_align.c the primitives' one-step file (align). Internal to
// the generator: nothing outside conformance/oracle/ includes it.
#ifndef CRO_GEN_H
#define CRO_GEN_H

#include "oracle.h"

#include <stddef.h>

#include <gsl/gsl_rng.h>
#include <jansson.h>

#define MAXL 5
#define CAP 4096 // doubles per flat array; far above the largest case

// Files, in the order they are generated (file_rules, seeds).
enum { R_BP, R_FA, R_DFA, R_SS, R_KP, R_WM, R_ALIGN, R_SA, R_AA, R_IA, R_COUNT };

enum { REG_NORMAL, REG_SAT, REG_LARGE, REG_TINY, REG_ZERO, REG_COUNT };

// Softmax cross-entropy target modes: probability vectors (tau = 1), rows
// of non-negative multiples of 1/256 summing to 0.5, 2 or 0.75, or those
// with one row holding a negative entry (NOT-LOSS-2 allows any finite t).
enum { TGT_PROB, TGT_UNNORM, TGT_NEGATIVE };

typedef struct {
	size_t L;
	size_t n[MAXL + 1];
	int act[MAXL];
	double slope[MAXL];
	int loss;
} netspec;

typedef struct {
	size_t N;
	double W[CAP], b[CAP], fb[CAP], x[CAP], t[CAP];
} inputs;

typedef struct {
	int rule;        // R_*
	const char *variant; // "uSF", "brSF", "frSF" or NULL
	gsl_rng *r;
	json_t *groups;
	size_t valid, invalid, acceptable;
	cro_fd_stats fd;     // aggregated over the file
	double id_worst;     // worst identity cross-check ratio
	double ld_worst;     // worst error ratio against long double (ldcheck.c)
	size_t id_checked;
	unsigned flags_used; // bit set over flag_names
	int tmode;           // softmax_ce targets: TGT_* (rand_targets)
	// kp only (gen_kp.c)
	double contr_worst;  // worst KP-ID-1 contraction ratio
	size_t contr_checked; // entries of W_l - B_l^T checked, over all steps
	size_t steps;        // steps of all valid trajectories (kp, wm, sa, aa, ia)
} gen;

extern const char *const file_rules[R_COUNT];

void die(const char *fmt, ...);
double U(gen *g, double lo, double hi);
size_t I(gen *g, size_t lo, size_t hi); // inclusive
double pm(gen *g);
double dyadic(gen *g);
double rand_slope(gen *g);
void set_act(gen *g, netspec *ns, size_t l, int kind);
cro_net as_cro(const netspec *ns);
size_t Wlen(const netspec *ns);
size_t Woff(const netspec *ns, size_t l);
size_t blen(const netspec *ns);
size_t blen_upto(const netspec *ns, size_t l);

json_t *jnum(double v);
json_t *vec_json(const double *p, size_t n);
json_t *mat_json(const double *p, size_t r, size_t c);
json_t *net_json(const netspec *ns);
json_t *W_json(const netspec *ns, const double *W);
json_t *b_json(const netspec *ns, const double *b);
json_t *fb_json(const netspec *ns, int orule, const double *fb);
int read_num(json_t *j, double *v);
int read_mat(json_t *m, size_t r, size_t c, double *out, size_t *len);
int read_vec(json_t *v, size_t n, double *out, size_t *len);
// The network of a test; 0 with *early set when the JSON alone decides
// (fewer than two widths: zero_size; activations not L: size_mismatch).
int read_network(json_t *network, netspec *ns, cro_status *early);

json_t *test_id(gen *g, json_t *network, json_t *input);
json_t *new_group(gen *g, json_t *network);
void add_flag(gen *g, json_t *flags, const char *f);
void rand_targets(gen *g, const netspec *ns, inputs *in);
int unnormalized_targets(const netspec *ns, const inputs *in);
void net_comment(const netspec *ns, char *buf, size_t len);
void poke_str(json_t *input, const char *key, size_t i, size_t j, long k, const char *s);
void require_flag(json_t *grp, const char *f, const char *what);
int same_bits(double a, double b);
void cmp_list(json_t *j, const double *v, size_t *k, const char *what);

// gen_kp.c
void kp_plan(gen *g);
void kp_verify_text(gen *g, const char *text);
// The kp file's description of a flag, where it differs from the gradient
// rules' (NULL otherwise).
const char *kp_flag_desc(const char *flag);

// gen_fbl.c: wm, sa, aa, ia
void fbl_plan(gen *g);
void fbl_verify_text(gen *g, const char *text);
const char *fbl_flag_desc(int rule, const char *flag);
void fbl_header(int rule, json_t *hdr);

// gen_align.c: align
void align_plan(gen *g);
void align_verify_text(gen *g, const char *text);
const char *align_flag_desc(const char *flag);
void align_header(json_t *hdr);

#endif
