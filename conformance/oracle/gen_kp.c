// conformance/oracle/gen_kp.c: the plan of conformance/vectors/kp.json, the
// Kolen-Pollack trajectories (spec/rules/kp.md; spec/notation.md NOT-STEP-*;
// the format of spec/vectors.md with the trajectory fields of NOT-STEP-2/3).
//
// Every valid trajectory is computed by the oracle (kp.c) from its JSON input
// as written (parsed back), and is written only if it passes three checks
// that do not share its code path:
//   - long double (ldcheck.c): the whole trajectory recomputed with plain
//     loops in long double from the same inputs; every loss and state entry
//     of every step must be within half its tolerance, with the factor that
//     value carries after its step (NOT-STEP-5), stricter than the file's;
//   - KP-ID-1: W_l - B_l^T after step s, formed with GSL from the oracle's
//     states, must equal c^s (W_l,0 - B_l,0^T) within the tolerance of the
//     two states (k_s u (G(W) + G(B^T)), k_s the factor after step s);
//   - KP-ID-2: with B_0 = W_0^T (flag Identity), B_l = W_l^T and their gauges
//     agree bit for bit at every step.
// A relu tie (NOT-TOL-4, with the factor the step's state carries, NOT-STEP-6)
// makes the generator draw again, except in the planned tie cases. The error
// cases are confirmed by the oracle, and the finished text is parsed again and
// every test recomputed (kp_verify_text) before anything is written.
#include "gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_matrix.h>

#define KMAX 10 // most steps of a trajectory in this file

// A trajectory's input (NOT-STEP-2), flat.
typedef struct {
	netspec ns;
	double eta, decay;
	size_t k;              // steps
	size_t N[KMAX];        // N_s
	double W[CAP], b[CAP], B[CAP];
	double x[CAP], t[CAP]; // the steps' batches one after the other
	size_t Wl, bl, Bl, xl, tl;
} kpcase;

// The oracle's trajectory (cro_kp_traj), in the buffers o points to.
typedef struct {
	double loss[KMAX], lossg[KMAX];
	double W[KMAX * CAP], Wg[KMAX * CAP];
	double b[KMAX * CAP], bg[KMAX * CAP];
	double B[KMAX * CAP], Bg[KMAX * CAP];
	double a[CAP], ag[CAP];
	cro_kp_traj_out o;
} kpres;

static void kpres_init(kpres *r)
{
	memset(&r->o, 0, sizeof r->o);
	r->o.loss = r->loss; r->o.loss_gauge = r->lossg;
	r->o.W = r->W; r->o.W_gauge = r->Wg;
	r->o.b = r->b; r->o.b_gauge = r->bg;
	r->o.B = r->B; r->o.B_gauge = r->Bg;
	r->o.a = r->a; r->o.a_gauge = r->ag;
}

static size_t Blen(const netspec *ns) // B_2 .. B_L
{
	size_t s = 0;
	for (size_t l = 2; l <= ns->L; l++)
		s += ns->n[l - 1] * ns->n[l];
	return s;
}

static size_t Boff(const netspec *ns, size_t l) // offset of B_l, l >= 2
{
	size_t s = 0;
	for (size_t k = 2; k < l; k++)
		s += ns->n[k - 1] * ns->n[k];
	return s;
}

// NOT-TOL-2's k_grad for a batch of N.
static double kgrad(const netspec *ns, size_t N)
{
	size_t S = 0;
	for (size_t l = 0; l <= ns->L; l++)
		S += ns->n[l];
	return 2.0 * (2.0 * (double)S + (double)N + 10.0 * (double)(ns->L + 1));
}

// ---------------------------------------------------------------- flags

const char *kp_flag_desc(const char *flag)
{
	static const char *const d[][2] = {
		{ "Identity", "B_l = W_l^T initially (B_0 = W_0^T), so every step computes B_l and "
		  "W_l^T by identical operations on identical numbers: B_l = W_l^T at every step "
		  "(KP-ID-2) and the trajectory is backpropagation's with weight decay. The "
		  "generator checked that the expected B_l and W_l^T, and their gauges, agree "
		  "bit for bit at every step." },
		{ "ReluTie", "A relu or leaky_relu pre-activation a at some step has 0 < G(a) and "
		  "|a| <= (k_s + k_grad) u G(a), k_s the tolerance factor the state of that step "
		  "already carries (NOT-TOL-4, NOT-STEP-6): implementations may take different "
		  "branches of f'. Here a = 0 exactly at step 1 (dyadic inputs); the expected "
		  "values use the spec's branch (relu'(0) = 0, leaky'(0) = s); a mismatch is "
		  "reported, not failed." },
		{ "LargeMagnitude", "Every step's inputs x are about 1e100: pre-activations, losses "
		  "and gradients reach about 1e200 without overflowing. With more than one step "
		  "eta is about 1e-201, so that eta dW stays of the order of the weights." },
		{ "TinyMagnitude", "Every step's inputs x and the initial layer-1 biases are about "
		  "1e-150: layer-1 gradients are near 1e-150; no value falls below the smallest "
		  "normal double." },
		{ "Batch1", "Some step's batch has one sample." },
		{ "SizeMismatch", "An array's shape does not match the network, or x and t hold "
		  "different numbers of steps, or a step's x and t different numbers of samples "
		  "(expected error size_mismatch)." },
		{ "ZeroSize", "A width is 0, the trajectory has no step (x = [] and t = []), or a "
		  "step's batch is empty (expected error zero_size)." },
		{ "NonFiniteInput", "An entry of W, b, B or of some step's x or t is NaN or an "
		  "infinity, written as the strings \"NaN\", \"Infinity\", \"-Infinity\" "
		  "(expected error non_finite_input)." },
		{ "NonFiniteResult", "Finite inputs whose loss, gradient or new state overflows at "
		  "some step (expected error non_finite_result, KP-ERR-1)." },
		{ "InvalidParameter", "A hyper-parameter out of its domain (KP-IN-2: eta not finite "
		  "or <= 0, decay not finite or < 0; non-finite values written as the strings of "
		  "VEC-NUM-2) or a leaky_relu slope that is not finite (NOT-ACT-6); expected error "
		  "invalid_parameter." },
	};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
		if (strcmp(flag, d[i][0]) == 0)
			return d[i][1];
	return NULL;
}

// ---------------------------------------------------------------- JSON

static json_t *B_json(const netspec *ns, const double *B)
{
	return fb_json(ns, CRO_RULE_FA, B);
}

static json_t *steps_json(const kpcase *kc, const double *v, size_t width)
{
	json_t *a = json_array();
	size_t o = 0;
	for (size_t s = 0; s < kc->k; s++) {
		json_array_append_new(a, mat_json(v + o, kc->N[s], width));
		o += kc->N[s] * width;
	}
	return a;
}

static json_t *kp_input_json(const kpcase *kc)
{
	const netspec *ns = &kc->ns;
	json_t *o = json_object();
	json_object_set_new(o, "W", W_json(ns, kc->W));
	json_object_set_new(o, "b", b_json(ns, kc->b));
	json_object_set_new(o, "B", B_json(ns, kc->B));
	json_object_set_new(o, "eta", jnum(kc->eta));
	json_object_set_new(o, "decay", jnum(kc->decay));
	json_object_set_new(o, "x", steps_json(kc, kc->x, ns->n[0]));
	json_object_set_new(o, "t", steps_json(kc, kc->t, ns->n[ns->L]));
	return o;
}

// Reads a kp test (network, input) into flat arrays and runs the oracle, as
// an independent reader of the file would: the hyper-parameters first
// (KP-API-1), then no step at all, the network, the number of steps of x
// and t, the shapes, and the oracle's own checks.
static cro_status kp_run_json(json_t *network, json_t *input, kpcase *kc, kpres *res)
{
	cro_status early;
	kpres_init(res);
	if (!read_network(network, &kc->ns, &early))
		return early;
	const netspec *ns = &kc->ns;
	cro_net net = as_cro(ns);
	kc->eta = kc->decay = NAN;
	read_num(json_object_get(input, "eta"), &kc->eta);
	read_num(json_object_get(input, "decay"), &kc->decay);
	// With no step the oracle stops at the hyper-parameters or at zero_size.
	cro_status st = cro_kp_traj(&net, kc->eta, kc->decay, NULL, 0, NULL, 0, NULL, 0, 0, NULL,
	                            NULL, 0, NULL, 0, &res->o);
	if (st != CRO_ERR_ZERO_SIZE)
		return st;
	json_t *x = json_object_get(input, "x"), *t = json_object_get(input, "t");
	size_t nx = json_array_size(x), nt = json_array_size(t);
	if (nx == 0 && nt == 0)
		return CRO_ERR_ZERO_SIZE;
	st = cro_net_check(&net);
	if (st != CRO_OK)
		return st;
	if (nx != nt)
		return CRO_ERR_SIZE_MISMATCH;
	if (nx > KMAX)
		die("%zu steps, above the generator's maximum", nx);
	kc->Wl = kc->bl = kc->Bl = kc->xl = kc->tl = 0;
	json_t *W = json_object_get(input, "W"), *b = json_object_get(input, "b");
	json_t *B = json_object_get(input, "B");
	if (json_array_size(W) != ns->L || json_array_size(b) != ns->L ||
	    json_array_size(B) != ns->L - 1)
		return CRO_ERR_SIZE_MISMATCH;
	for (size_t l = 1; l <= ns->L; l++)
		if (!read_mat(json_array_get(W, l - 1), ns->n[l], ns->n[l - 1], kc->W, &kc->Wl) ||
		    !read_vec(json_array_get(b, l - 1), ns->n[l], kc->b, &kc->bl))
			return CRO_ERR_SIZE_MISMATCH;
	for (size_t l = 2; l <= ns->L; l++) // B_l is n_{l-1} x n_l (NOT-FB-1)
		if (!read_mat(json_array_get(B, l - 2), ns->n[l - 1], ns->n[l], kc->B, &kc->Bl))
			return CRO_ERR_SIZE_MISMATCH;
	kc->k = nx;
	for (size_t s = 0; s < nx; s++) {
		json_t *xs = json_array_get(x, s), *ts = json_array_get(t, s);
		kc->N[s] = json_array_size(xs);
		if (!read_mat(xs, kc->N[s], ns->n[0], kc->x, &kc->xl) ||
		    !read_mat(ts, kc->N[s], ns->n[ns->L], kc->t, &kc->tl))
			return CRO_ERR_SIZE_MISMATCH;
	}
	size_t rows = 0;
	for (size_t s = 0; s < nx; s++)
		rows += kc->N[s];
	if (rows * blen(ns) > CAP)
		die("pre-activations of %zu samples exceed the generator's buffer", rows);
	return cro_kp_traj(&net, kc->eta, kc->decay, kc->W, kc->Wl, kc->b, kc->bl, kc->B, kc->Bl,
	                   kc->k, kc->N, kc->x, kc->xl, kc->t, kc->tl, &res->o);
}

// ---------------------------------------------------------------- checks

// KP-ID-1: W_l - B_l^T after step s equals c^s (W_l,0 - B_l,0^T), formed
// with GSL, within the tolerance k_s u (G(W_l) + G(B_l^T)) of the state
// after step s (NOT-STEP-5).
static void kp_contraction(gen *g, const kpcase *kc, const kpres *r, const char *comment)
{
	const netspec *ns = &kc->ns;
	const size_t Wn = Wlen(ns), Bn = Blen(ns);
	const double c = r->o.c;
	double ks[KMAX], acc = 0.0;
	for (size_t s = 0; s < kc->k; s++) {
		acc += kgrad(ns, kc->N[s]) + 6.0; // 2 r, r = 3 (kp.md)
		ks[s] = acc;
	}
	if (acc != r->o.k_state)
		die("k_state %g of the oracle is not sum (k_grad + 6) = %g: %s", r->o.k_state, acc, comment);
	for (size_t l = 2; l <= ns->L; l++) {
		const size_t rr = ns->n[l], q = ns->n[l - 1], wo = Woff(ns, l), bo = Boff(ns, l);
		gsl_matrix *E = gsl_matrix_alloc(rr, q), *T = gsl_matrix_alloc(rr, q);
		gsl_matrix *D = gsl_matrix_alloc(rr, q);
		if (!E || !T || !D)
			die("out of memory");
		gsl_matrix_const_view W0 = gsl_matrix_const_view_array(kc->W + wo, rr, q);
		gsl_matrix_const_view B0 = gsl_matrix_const_view_array(kc->B + bo, q, rr);
		gsl_matrix_transpose_memcpy(T, &B0.matrix);
		gsl_matrix_memcpy(E, &W0.matrix);
		gsl_matrix_sub(E, T);
		for (size_t s = 0; s < kc->k; s++) {
			gsl_matrix_scale(E, c); // c^(s+1) (W_0 - B_0^T)
			gsl_matrix_const_view Ws = gsl_matrix_const_view_array(r->W + s * Wn + wo, rr, q);
			gsl_matrix_const_view Bs = gsl_matrix_const_view_array(r->B + s * Bn + bo, q, rr);
			gsl_matrix_transpose_memcpy(T, &Bs.matrix);
			gsl_matrix_memcpy(D, &Ws.matrix);
			gsl_matrix_sub(D, T);
			for (size_t i = 0; i < rr; i++)
				for (size_t j = 0; j < q; j++) {
					double G = r->Wg[s * Wn + wo + i * q + j] + r->Bg[s * Bn + bo + j * rr + i];
					double diff = fabs(gsl_matrix_get(D, i, j) - gsl_matrix_get(E, i, j));
					double tol = ks[s] * CRO_U * G;
					double ratio = tol > 0.0 ? diff / tol : (diff > 0.0 ? INFINITY : 0.0);
					if (!(ratio <= 1.0))
						die("KP-ID-1 fails at step %zu, layer %zu, entry (%zu, %zu): "
						    "W - B^T = %.17g, c^s (W_0 - B_0^T) = %.17g, ratio %g: %s",
						    s + 1, l, i, j, gsl_matrix_get(D, i, j), gsl_matrix_get(E, i, j),
						    ratio, comment);
					if (ratio > g->contr_worst)
						g->contr_worst = ratio;
					g->contr_checked++;
				}
		}
		gsl_matrix_free(E);
		gsl_matrix_free(T);
		gsl_matrix_free(D);
	}
}

// KP-ID-2: B_0 = W_0^T keeps B_l = W_l^T, values and gauges, bit for bit.
static void kp_identity_check(gen *g, const kpcase *kc, const kpres *r, const char *comment)
{
	const netspec *ns = &kc->ns;
	const size_t Wn = Wlen(ns), Bn = Blen(ns);
	for (size_t l = 2; l <= ns->L; l++) {
		const size_t rr = ns->n[l], q = ns->n[l - 1], wo = Woff(ns, l), bo = Boff(ns, l);
		for (size_t i = 0; i < rr; i++)
			for (size_t j = 0; j < q; j++)
				if (!same_bits(kc->B[bo + j * rr + i], kc->W[wo + i * q + j]))
					die("identity case without B_0 = W_0^T: %s", comment);
		for (size_t s = 0; s < kc->k; s++)
			for (size_t i = 0; i < rr; i++)
				for (size_t j = 0; j < q; j++) {
					size_t wi = s * Wn + wo + i * q + j, bi = s * Bn + bo + j * rr + i;
					if (!same_bits(r->B[bi], r->W[wi]) || !same_bits(r->Bg[bi], r->Wg[wi]))
						die("KP-ID-2 fails at step %zu, layer %zu, W[%zu][%zu] = %.17g, "
						    "B[%zu][%zu] = %.17g: %s", s + 1, l, i, j, r->W[wi], j, i,
						    r->B[bi], comment);
				}
	}
	g->id_checked++;
}

// ---------------------------------------------------------------- tests

static kpcase kc_read;
static kpres res_read;

// Adds a valid (or, with planned_tie, acceptable) trajectory. Returns 0 when
// the draw is to be replaced: an unplanned relu tie, or a trajectory whose
// values or gauges overflow.
static int kp_add_valid(gen *g, json_t *grp, const kpcase *kc, const char *comment,
                        int identity, int planned_tie, int regime)
{
	json_t *network = json_object_get(grp, "network");
	json_t *input = kp_input_json(kc);
	char *txt = json_dumps(input, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_error_t err;
	json_t *back = json_loads(txt, 0, &err);
	free(txt);
	if (!back)
		die("reparse: %s", err.text);
	kpcase *rc = &kc_read;
	kpres *r = &res_read;
	cro_status st = kp_run_json(network, back, rc, r);
	json_decref(back);
	if (st == CRO_ERR_GAUGE || st == CRO_ERR_NONFINITE_RESULT) {
		json_decref(input);
		return 0;
	}
	if (st != CRO_OK)
		die("kp: oracle refused a valid case (%s at step %zu): %s", cro_status_name(st),
		    r->o.failed_step + 1, comment);
	const netspec *ns = &rc->ns;
	cro_net net = as_cro(ns);
	size_t ties = r->o.ties;
	if (ties > 0 && !planned_tie) {
		json_decref(input);
		return 0;
	}
	if (planned_tie && ties == 0)
		die("planned relu tie not present: %s", comment);
	double ldr = cro_ld_kp_ratio(&net, rc->eta, rc->decay, rc->W, rc->b, rc->B, rc->k, rc->N,
	                             rc->x, rc->t, &r->o);
	if (ldr < 0.0)
		die("the extended-precision check is unavailable on this platform");
	if (!(ldr <= 0.5))
		die("kp: the double trajectory is %.3g tolerances from the long double one: %s",
		    ldr, comment);
	if (ldr > g->ld_worst)
		g->ld_worst = ldr;
	kp_contraction(g, rc, r, comment);
	if (identity)
		kp_identity_check(g, rc, r, comment);

	json_t *t = json_object();
	json_object_set_new(t, "tcId", json_integer(0));
	json_object_set_new(t, "id", test_id(g, network, input));
	json_object_set_new(t, "comment", json_string(comment));
	json_t *flags = json_array();
	if (identity)
		add_flag(g, flags, "Identity");
	if (ties > 0)
		add_flag(g, flags, "ReluTie");
	size_t rows = 0, bn = blen(ns);
	int sat = 0, w1 = 0, b1 = 0, vary = 0, unnorm = 0;
	for (size_t s = 0; s < rc->k; s++) {
		rows += rc->N[s];
		b1 |= rc->N[s] == 1;
		vary |= rc->N[s] != rc->N[0];
	}
	for (size_t s = 0; s < rows; s++) {
		size_t off = 0;
		for (size_t l = 0; l < ns->L; l++) {
			for (size_t i = 0; i < ns->n[l + 1]; i++)
				if ((ns->act[l] == CRO_ACT_TANH || ns->act[l] == CRO_ACT_LOGISTIC) &&
				    fabs(r->a[s * bn + off + i]) >= 15.0)
					sat = 1;
			off += ns->n[l + 1];
		}
	}
	for (size_t l = 0; l <= ns->L; l++)
		w1 |= ns->n[l] == 1;
	if (ns->loss == CRO_LOSS_SOFTMAX_CE) {
		size_t nL = ns->n[ns->L];
		for (size_t s = 0; s < rows; s++) {
			double tau = 0.0;
			for (size_t k = 0; k < nL; k++)
				tau += rc->t[s * nL + k];
			unnorm |= tau != 1.0;
		}
	}
	if (sat)
		add_flag(g, flags, "Saturated");
	if (regime == REG_LARGE)
		add_flag(g, flags, "LargeMagnitude");
	if (regime == REG_TINY)
		add_flag(g, flags, "TinyMagnitude");
	if (w1)
		add_flag(g, flags, "Width1");
	if (b1)
		add_flag(g, flags, "Batch1");
	if (unnorm)
		add_flag(g, flags, "UnnormalizedTarget");
	if (rc->decay == 0.0)
		add_flag(g, flags, "ZeroDecay");
	if (vary)
		add_flag(g, flags, "VaryingBatch");
	json_object_set_new(t, "flags", flags);
	json_object_set_new(t, "input", input);
	json_object_set_new(t, "result", json_string(ties > 0 ? "acceptable" : "valid"));
	const size_t Wn = Wlen(ns), Bn = Blen(ns);
	json_t *e = json_object(), *ga = json_object(), *tol = json_object();
	json_t *eW = json_array(), *eb = json_array(), *eB = json_array();
	json_t *gW = json_array(), *gb = json_array(), *gB = json_array();
	for (size_t s = 0; s < rc->k; s++) {
		json_array_append_new(eW, W_json(ns, r->W + s * Wn));
		json_array_append_new(eb, b_json(ns, r->b + s * bn));
		json_array_append_new(eB, B_json(ns, r->B + s * Bn));
		json_array_append_new(gW, W_json(ns, r->Wg + s * Wn));
		json_array_append_new(gb, b_json(ns, r->bg + s * bn));
		json_array_append_new(gB, B_json(ns, r->Bg + s * Bn));
	}
	json_object_set_new(e, "loss", vec_json(r->loss, rc->k));
	json_object_set_new(e, "W", eW);
	json_object_set_new(e, "b", eb);
	json_object_set_new(e, "B", eB);
	json_object_set_new(ga, "loss", vec_json(r->lossg, rc->k));
	json_object_set_new(ga, "W", gW);
	json_object_set_new(ga, "b", gb);
	json_object_set_new(ga, "B", gB);
	json_object_set_new(tol, "loss", json_integer((json_int_t)r->o.k_loss));
	json_object_set_new(tol, "W", json_integer((json_int_t)r->o.k_state));
	json_object_set_new(tol, "b", json_integer((json_int_t)r->o.k_state));
	json_object_set_new(tol, "B", json_integer((json_int_t)r->o.k_state));
	json_object_set_new(t, "expected", e);
	json_object_set_new(t, "gauge", ga);
	json_object_set_new(t, "tolerance", tol);
	json_array_append_new(json_object_get(grp, "tests"), t);
	if (ties > 0)
		g->acceptable++;
	else
		g->valid++;
	g->steps += rc->k;
	return 1;
}

// Adds an invalid trajectory after confirming the oracle refuses it.
static void kp_add_invalid(gen *g, json_t *grp, json_t *input, const char *error,
                           const char *flag, const char *comment)
{
	json_t *network = json_object_get(grp, "network");
	cro_status st = kp_run_json(network, input, &kc_read, &res_read);
	if (strcmp(cro_status_name(st), error) != 0)
		die("kp error case \"%s\": oracle says %s, expected %s", comment,
		    cro_status_name(st), error);
	json_t *t = json_object();
	json_object_set_new(t, "tcId", json_integer(0));
	json_object_set_new(t, "id", test_id(g, network, input));
	json_object_set_new(t, "comment", json_string(comment));
	json_t *flags = json_array();
	add_flag(g, flags, flag);
	json_object_set_new(t, "flags", flags);
	json_object_set_new(t, "input", input);
	json_object_set_new(t, "result", json_string("invalid"));
	json_object_set_new(t, "error", json_string(error));
	json_array_append_new(json_object_get(grp, "tests"), t);
	g->invalid++;
}

// ---------------------------------------------------------------- inputs

// Batch schedules: one sample per step, one batch size for all steps, or
// sizes drawn per step (not all equal).
enum { SCHED_ONE, SCHED_CONST, SCHED_VARY };
// Hyper-parameter requests of kp_valid: an eta below 0 asks for a drawn one,
// a decay below 0 too; other values are used as given (-0.0 included).
#define ETA_SMALL (-1.0)
#define ETA_MODERATE (-2.0)
#define DECAY_DRAW (-1.0)

// A network for trajectories: widths 1 .. 5 (few numbers per step).
static netspec kp_net(gen *g, size_t L, int loss)
{
	netspec ns;
	memset(&ns, 0, sizeof ns);
	ns.L = L;
	ns.loss = loss;
	for (size_t l = 0; l <= L; l++)
		ns.n[l] = gsl_rng_uniform(g->r) < 0.15 ? 1 : I(g, 2, 5);
	for (size_t l = 0; l < L; l++)
		set_act(g, &ns, l, (int)I(g, 0, CRO_ACT_COUNT - 1));
	if (loss == CRO_LOSS_SOFTMAX_CE && gsl_rng_uniform(g->r) < 0.6)
		set_act(g, &ns, L - 1, CRO_ACT_IDENTITY);
	if (loss == CRO_LOSS_SOFTMAX_CE && ns.n[L] == 1)
		ns.n[L] = I(g, 2, 5);
	return ns;
}

static void draw_batches(gen *g, kpcase *kc, int sched)
{
	size_t N = I(g, 2, 5);
	for (;;) {
		int vary = 0;
		for (size_t s = 0; s < kc->k; s++) {
			kc->N[s] = sched == SCHED_ONE ? 1 : sched == SCHED_CONST ? N : I(g, 1, 5);
			vary |= kc->N[s] != kc->N[0];
		}
		if (sched != SCHED_VARY || vary || kc->k == 1)
			return;
	}
}

// Initial state and data of one regime (spec of kp_valid).
static void kp_draw(gen *g, kpcase *kc, int regime, int identity)
{
	static inputs tmp;
	const netspec *ns = &kc->ns;
	size_t wo = 0, bo = 0;
	for (size_t l = 1; l <= ns->L; l++) {
		size_t fan = ns->n[l - 1];
		int satl = regime == REG_SAT && (ns->act[l - 1] == CRO_ACT_TANH ||
		                                  ns->act[l - 1] == CRO_ACT_LOGISTIC);
		for (size_t i = 0; i < ns->n[l] * fan; i++)
			kc->W[wo + i] = satl ? pm(g) * U(g, 6.0, 14.0) : U(g, -2.2, 2.2) / sqrt((double)fan);
		for (size_t i = 0; i < ns->n[l]; i++) {
			double v = satl ? U(g, -12.0, 12.0) : U(g, -0.8, 0.8);
			kc->b[bo + i] = regime == REG_TINY && l == 1 ? v * 1e-150 : v;
		}
		wo += ns->n[l] * fan;
		bo += ns->n[l];
	}
	for (size_t l = 2; l <= ns->L; l++) {
		// B_l is n_{l-1} x n_l: W_l^T for the identity cases.
		const size_t q = ns->n[l - 1], rr = ns->n[l];
		const double *Wl = kc->W + Woff(ns, l);
		double *Bl = kc->B + Boff(ns, l);
		for (size_t j = 0; j < q; j++)
			for (size_t i = 0; i < rr; i++)
				Bl[j * rr + i] = identity ? Wl[i * q + j] : U(g, -1.6, 1.6) / sqrt((double)rr);
	}
	size_t xo = 0, to = 0, n0 = ns->n[0], nL = ns->n[ns->L];
	for (size_t s = 0; s < kc->k; s++) {
		for (size_t i = 0; i < kc->N[s] * n0; i++) {
			double v = U(g, -2.5, 2.5);
			kc->x[xo + i] = regime == REG_LARGE ? v * 1e100 : regime == REG_TINY ? v * 1e-150 : v;
		}
		tmp.N = kc->N[s];
		rand_targets(g, ns, &tmp);
		memcpy(kc->t + to, tmp.t, kc->N[s] * nL * sizeof(double));
		xo += kc->N[s] * n0;
		to += kc->N[s] * nL;
	}
}

static const char *const kp_reg_names[] = { "normal", "saturated", "large", "tiny", "zero" };

static void kp_comment(const kpcase *kc, int regime, int identity, const char *extra,
                       char *buf, size_t len)
{
	char nc[160];
	net_comment(&kc->ns, nc, sizeof nc);
	size_t k = (size_t)snprintf(buf, len, "%s, %zu step%s, batches ", nc, kc->k,
	                            kc->k == 1 ? "" : "s");
	for (size_t s = 0; s < kc->k && k < len; s++)
		k += (size_t)snprintf(buf + k, len - k, "%s%zu", s ? "," : "", kc->N[s]);
	if (k < len)
		k += (size_t)snprintf(buf + k, len - k, ", eta %.3g, decay %.3g, %s%s%s%s", kc->eta,
		                      kc->decay, kp_reg_names[regime],
		                      identity ? ", identity feedback B_0 = W_0^T" : "",
		                      extra ? ", " : "", extra ? extra : "");
}

// One random valid trajectory of k steps; draws again on an unplanned tie or
// an overflow. eta and decay: see ETA_SMALL, ETA_MODERATE, DECAY_DRAW.
static void kp_valid(gen *g, json_t *grp, const netspec *ns, size_t k, int sched,
                     double eta, double decay, int regime, int identity, const char *extra)
{
	static kpcase kc;
	char comment[512];
	if (regime == REG_SAT) {
		int any = 0;
		for (size_t l = 0; l < ns->L; l++)
			any |= ns->act[l] == CRO_ACT_TANH || ns->act[l] == CRO_ACT_LOGISTIC;
		if (!any)
			regime = REG_NORMAL;
	}
	if (identity && ns->L < 2)
		die("identity trajectory at depth 1");
	for (int attempt = 0; attempt < 50; attempt++) {
		memset(&kc, 0, sizeof kc);
		kc.ns = *ns;
		kc.k = k;
		draw_batches(g, &kc, sched);
		kc.eta = eta == ETA_SMALL ? U(g, 0.005, 0.03) : eta == ETA_MODERATE ? U(g, 0.1, 0.5) : eta;
		// Inputs near 1e100 make dW near 1e200: a later step needs eta
		// near 1e-201 to keep eta dW of the order of the weights.
		if (regime == REG_LARGE && k > 1)
			kc.eta = U(g, 1.0, 4.0) * 1e-201;
		kc.decay = decay < 0.0 ? U(g, 0.05, 1.5) : decay;
		kp_draw(g, &kc, regime, identity);
		kp_comment(&kc, regime, identity, extra, comment, sizeof comment);
		if (kp_add_valid(g, grp, &kc, comment, identity, 0, regime))
			return;
	}
	die("no acceptable draw after 50 attempts: %s", comment);
}

// ---------------------------------------------------------------- case plan

// Depths 1 .. 4, both losses, every activation (one forced per group, the
// others random): one step with one sample, two steps with different
// batches, ten steps with one batch size and with different ones, identity
// feedback, one magnitude regime, decay 0 and > 0, eta small and moderate.
static void kp_coverage_groups(gen *g)
{
	size_t gi = 0;
	for (size_t L = 1; L <= 4; L++)
		for (int loss = 0; loss < CRO_LOSS_COUNT; loss++)
			for (int v = 0; v < 3; v++, gi++) {
				netspec ns = kp_net(g, L, loss);
				int act = (int)(gi % CRO_ACT_COUNT);
				size_t pos = I(g, 0, L - 1);
				set_act(g, &ns, pos, act);
				json_t *grp = new_group(g, net_json(&ns));
				char extra[80];
				snprintf(extra, sizeof extra, "%s at layer %zu", cro_act_name(act), pos + 1);
				int id = L >= 2;
				int reg = v == 0 ? REG_SAT : v == 1 ? REG_TINY : REG_LARGE;
				kp_valid(g, grp, &ns, 1, SCHED_ONE, ETA_SMALL, 0.0, REG_NORMAL, 0, extra);
				kp_valid(g, grp, &ns, 2, SCHED_VARY, ETA_MODERATE, DECAY_DRAW, REG_NORMAL, 0, extra);
				kp_valid(g, grp, &ns, 10, SCHED_CONST, ETA_SMALL, DECAY_DRAW, REG_NORMAL, 0, extra);
				kp_valid(g, grp, &ns, 10, SCHED_VARY, ETA_MODERATE, 0.0, REG_NORMAL, 0, extra);
				kp_valid(g, grp, &ns, id ? 10 : 2, SCHED_VARY, ETA_MODERATE,
				         v == 1 ? 0.0 : DECAY_DRAW, REG_NORMAL, id, extra);
				kp_valid(g, grp, &ns, reg == REG_LARGE && gi % 2 ? 1 : 2, SCHED_CONST,
				         gi % 2 ? ETA_MODERATE : ETA_SMALL, DECAY_DRAW, reg, 0, extra);
				if (id)
					kp_valid(g, grp, &ns, 2, SCHED_CONST, ETA_SMALL, 0.0, REG_NORMAL, 1, extra);
				else
					kp_valid(g, grp, &ns, 10, SCHED_ONE, ETA_MODERATE, DECAY_DRAW, REG_NORMAL, 0, extra);
			}
}

// Every width 1, depths 1 .. 4.
static void kp_width1_groups(gen *g)
{
	for (size_t L = 1; L <= 4; L++) {
		netspec ns = kp_net(g, L, L % 2 ? CRO_LOSS_SOFTMAX_CE : CRO_LOSS_MSE);
		for (size_t l = 0; l <= L; l++)
			ns.n[l] = 1;
		json_t *grp = new_group(g, net_json(&ns));
		const char *w = "all widths 1";
		kp_valid(g, grp, &ns, 1, SCHED_ONE, ETA_SMALL, 0.0, REG_NORMAL, 0, w);
		kp_valid(g, grp, &ns, 10, SCHED_VARY, ETA_MODERATE, DECAY_DRAW, REG_NORMAL, 0, w);
		if (L >= 2)
			kp_valid(g, grp, &ns, 10, SCHED_CONST, ETA_SMALL, DECAY_DRAW, REG_NORMAL, 1, w);
		else
			kp_valid(g, grp, &ns, 2, SCHED_CONST, ETA_MODERATE, DECAY_DRAW, REG_NORMAL, 0, w);
	}
}

// Hyper-parameters at the edges of KP-STEP-2: c = 0 exactly, c < 0, decay
// -0.0 (>= 0, so valid, and c = 1), a rounded eta decay, a tiny eta with a
// large decay, an eta above 1.
static void kp_hyper_groups(gen *g)
{
	netspec ns;
	memset(&ns, 0, sizeof ns);
	ns.L = 3;
	ns.n[0] = 4; ns.n[1] = 5; ns.n[2] = 3; ns.n[3] = 2;
	ns.loss = CRO_LOSS_MSE;
	set_act(g, &ns, 0, CRO_ACT_TANH);
	set_act(g, &ns, 1, CRO_ACT_LEAKY_RELU);
	set_act(g, &ns, 2, CRO_ACT_IDENTITY);
	json_t *grp = new_group(g, net_json(&ns));
	kp_valid(g, grp, &ns, 2, SCHED_CONST, 0.5, 2.0, REG_NORMAL, 0,
	         "eta decay = 1 exactly: c = 0, the new W_l and B_l are -eta dW_l and -eta dW_l^T");
	kp_valid(g, grp, &ns, 2, SCHED_VARY, 0.375, 4.5, REG_NORMAL, 0,
	         "eta decay = 1.6875: c = -0.6875 < 0");
	kp_valid(g, grp, &ns, 2, SCHED_CONST, ETA_SMALL, -0.0, REG_NORMAL, 0,
	         "decay is -0.0, which is >= 0 (KP-IN-2): valid, c = 1");
	kp_valid(g, grp, &ns, 10, SCHED_CONST, 0.1, 0.3, REG_NORMAL, 0,
	         "eta decay = 0.1 * 0.3 rounds to 0.030000000000000002 (KP-STEP-2)");
	// One draw per statement: the order of evaluation of arguments is unspecified.
	double eta = U(g, 1.0, 4.0) * 1e-6;
	double decay = U(g, 1e3, 5e3);
	kp_valid(g, grp, &ns, 10, SCHED_VARY, eta, decay, REG_NORMAL, 0, "tiny eta, large decay");
	eta = U(g, 1.0, 2.0);
	kp_valid(g, grp, &ns, 2, SCHED_CONST, eta, 0.0, REG_NORMAL, 0, "eta above 1");
}

// Planned relu ties (NOT-TOL-4, NOT-STEP-6) at step 1: a = 0 exactly with
// G(a) > 0, from dyadic weights and inputs.
static void kp_tie_groups(gen *g)
{
	static kpcase kc;
	for (int v = 0; v < 2; v++) {
		netspec ns;
		memset(&ns, 0, sizeof ns);
		ns.L = 2;
		ns.n[0] = 3; ns.n[1] = 5; ns.n[2] = 2;
		ns.loss = CRO_LOSS_MSE;
		set_act(g, &ns, 0, v ? CRO_ACT_LEAKY_RELU : CRO_ACT_RELU);
		set_act(g, &ns, 1, CRO_ACT_TANH);
		json_t *grp = new_group(g, net_json(&ns));
		int done = 0;
		for (int attempt = 0; attempt < 50 && !done; attempt++) {
			memset(&kc, 0, sizeof kc);
			kc.ns = ns;
			kc.k = 2;
			kc.N[0] = v ? 3 : 1;
			kc.N[1] = 2;
			kc.eta = U(g, 0.005, 0.03);
			kc.decay = U(g, 0.05, 1.5);
			kp_draw(g, &kc, REG_NORMAL, 0);
			for (size_t i = 0; i < Wlen(&ns); i++)
				kc.W[i] = dyadic(g);
			for (size_t i = 0; i < kc.N[0] * 3; i++)
				kc.x[i] = dyadic(g);
			// Unit 2 of layer 1, sample 1 of step 1: every product and
			// partial sum of these dyadic numbers is exact, so a = 0.
			double s = 0.0;
			for (size_t j = 0; j < 3; j++)
				s += kc.W[2 * 3 + j] * kc.x[j];
			kc.b[2] = -s;
			char comment[512];
			kp_comment(&kc, REG_NORMAL, 0, "layer-1 unit 2 of sample 1 of step 1 has a = 0 "
			           "exactly with G(a) > 0 (tie)", comment, sizeof comment);
			done = kp_add_valid(g, grp, &kc, comment, 0, 1, REG_NORMAL);
		}
		if (!done)
			die("kp tie case could not be drawn");
	}
}

// softmax_ce targets whose rows do not sum to 1 (NOT-LOSS-2), in trajectories.
static void kp_target_groups(gen *g)
{
	for (size_t L = 2; L <= 3; L++) {
		netspec ns = kp_net(g, L, CRO_LOSS_SOFTMAX_CE);
		json_t *grp = new_group(g, net_json(&ns));
		g->tmode = TGT_UNNORM;
		kp_valid(g, grp, &ns, 2, SCHED_VARY, ETA_MODERATE, DECAY_DRAW, REG_NORMAL, 0,
		         "target rows sum to 0.5, 2 or 0.75 (tau != 1)");
		require_flag(grp, "UnnormalizedTarget", "kp unnormalized targets");
		g->tmode = TGT_NEGATIVE;
		kp_valid(g, grp, &ns, 10, SCHED_CONST, ETA_SMALL, DECAY_DRAW, REG_NORMAL, 0,
		         "each step's last target row has a negative entry (tau != 1)");
		require_flag(grp, "UnnormalizedTarget", "kp negative targets");
		g->tmode = TGT_PROB;
	}
}

// ---------------------------------------------------------------- errors

static void kp_error_groups(gen *g)
{
	static kpcase kc;
	netspec ns;
	memset(&ns, 0, sizeof ns);
	ns.L = 2;
	ns.n[0] = 3; ns.n[1] = 4; ns.n[2] = 2;
	ns.loss = CRO_LOSS_MSE;
	set_act(g, &ns, 0, CRO_ACT_TANH);
	set_act(g, &ns, 1, CRO_ACT_IDENTITY);
	json_t *grp = new_group(g, net_json(&ns));
	memset(&kc, 0, sizeof kc);
	kc.ns = ns;
	kc.k = 2;
	kc.N[0] = 3;
	kc.N[1] = 2;
	kc.eta = U(g, 0.005, 0.03);
	kc.decay = U(g, 0.05, 1.5);
	kp_draw(g, &kc, REG_NORMAL, 0);
	json_t *base = kp_input_json(&kc), *c;

	// KP-IN-2, KP-ERR-1: the hyper-parameters.
	static const struct { const char *key; double v; const char *s; const char *why; } hp[] = {
		{ "eta", 0.0, NULL, "eta is 0" },
		{ "eta", -0.0, NULL, "eta is -0.0 (not > 0)" },
		{ "eta", -0.0375, NULL, "eta is negative" },
		{ "eta", 0.0, "NaN", "eta is NaN" },
		{ "eta", 0.0, "Infinity", "eta is +Infinity" },
		{ "eta", 0.0, "-Infinity", "eta is -Infinity" },
		{ "decay", -0.25, NULL, "decay is negative" },
		{ "decay", 0.0, "NaN", "decay is NaN" },
		{ "decay", 0.0, "Infinity", "decay is +Infinity" },
		{ "decay", 0.0, "-Infinity", "decay is -Infinity" },
	};
	for (size_t i = 0; i < sizeof hp / sizeof hp[0]; i++) {
		c = json_deep_copy(base);
		json_object_set_new(c, hp[i].key, hp[i].s ? json_string(hp[i].s) : jnum(hp[i].v));
		kp_add_invalid(g, grp, c, "invalid_parameter", "InvalidParameter", hp[i].why);
	}
	// Steps (NOT-STEP-2, KP-ERR-1).
	c = json_deep_copy(base);
	json_array_remove(json_object_get(c, "t"), 1);
	kp_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "x has 2 steps, t has 1");
	c = json_deep_copy(base);
	json_array_append(json_object_get(c, "t"), json_array_get(json_object_get(c, "t"), 1));
	kp_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
	               "x has 2 steps, t has 3 (its last repeated)");
	c = json_deep_copy(base);
	json_object_set_new(c, "x", json_array());
	json_object_set_new(c, "t", json_array());
	kp_add_invalid(g, grp, c, "zero_size", "ZeroSize", "no step: x = [] and t = []");
	c = json_deep_copy(base);
	json_array_set_new(json_object_get(c, "x"), 1, json_array());
	json_array_set_new(json_object_get(c, "t"), 1, json_array());
	kp_add_invalid(g, grp, c, "zero_size", "ZeroSize", "step 2 has an empty batch: x[1] = [], t[1] = []");
	c = json_deep_copy(base);
	json_array_remove(json_array_get(json_object_get(c, "t"), 1), 1);
	kp_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
	               "step 2: x has 2 samples, t has 1");
	c = json_deep_copy(base);
	json_array_remove(json_array_get(json_array_get(json_object_get(c, "x"), 1), 0), 2);
	kp_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
	               "step 2: row 1 of x has 2 entries, not n_0 = 3");
	// The state's shapes (FA-ERR-1).
	c = json_deep_copy(base);
	json_array_append_new(json_array_get(json_object_get(c, "W"), 0), vec_json(kc.W, 3));
	kp_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "W_1 has 5 rows, not n_1 = 4");
	c = json_deep_copy(base);
	{
		// B_2 in W_2's orientation, 2 x 4 instead of 4 x 2 (NOT-FB-1).
		double tr[8];
		for (size_t j = 0; j < 4; j++)
			for (size_t i = 0; i < 2; i++)
				tr[i * 4 + j] = kc.B[j * 2 + i];
		json_array_set_new(json_object_get(c, "B"), 0, mat_json(tr, 2, 4));
	}
	kp_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch",
	               "B_2 given in W_2's orientation: 2 x 4 instead of n_1 x n_2 = 4 x 2");
	c = json_deep_copy(base);
	json_object_set_new(c, "B", json_array());
	kp_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "B is [] at depth 2");
	c = json_deep_copy(base);
	json_array_append_new(json_array_get(json_object_get(c, "b"), 1), jnum(-0.6180339887));
	kp_add_invalid(g, grp, c, "size_mismatch", "SizeMismatch", "b_2 has 3 entries, not n_2 = 2");
	// Non-finite inputs (NOT-NET-5), at step 2 too.
	c = json_deep_copy(base);
	poke_str(c, "x", 1, 0, 1, "NaN");
	kp_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput",
	               "x of step 2: x[1][0][1] is NaN (step 1 is valid)");
	c = json_deep_copy(base);
	poke_str(c, "t", 0, 2, 0, "-Infinity");
	kp_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "t of step 1: t[0][2][0] is -Infinity");
	c = json_deep_copy(base);
	poke_str(c, "B", 0, 3, 1, "Infinity");
	kp_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "B_2[3][1] is +Infinity");
	c = json_deep_copy(base);
	poke_str(c, "W", 1, 1, 2, "NaN");
	kp_add_invalid(g, grp, c, "non_finite_input", "NonFiniteInput", "W_2[1][2] is NaN");
	json_decref(base);

	// A zero width, arrays shaped accordingly.
	{
		netspec z = ns;
		z.n[1] = 0;
		grp = new_group(g, net_json(&z));
		json_t *in0 = json_object(), *W = json_array(), *b = json_array(), *W2 = json_array();
		json_t *B = json_array();
		json_array_append_new(W, json_array());  // W_1: 0 x 3
		json_array_append_new(W2, json_array()); // W_2: 2 x 0
		json_array_append_new(W2, json_array());
		json_array_append_new(W, W2);
		json_array_append_new(b, json_array());
		json_array_append_new(b, vec_json(kc.b + 4, 2));
		json_array_append_new(B, json_array()); // B_2: 0 x 2
		json_object_set_new(in0, "W", W);
		json_object_set_new(in0, "b", b);
		json_object_set_new(in0, "B", B);
		json_object_set_new(in0, "eta", jnum(kc.eta));
		json_object_set_new(in0, "decay", jnum(kc.decay));
		json_object_set_new(in0, "x", steps_json(&kc, kc.x, 3));
		json_object_set_new(in0, "t", steps_json(&kc, kc.t, 2));
		kp_add_invalid(g, grp, in0, "zero_size", "ZeroSize", "n_1 = 0, arrays shaped accordingly");
	}
	// Unknown activation and loss; a non-finite slope.
	{
		json_t *nj = net_json(&ns);
		json_object_set_new(json_array_get(json_object_get(nj, "activations"), 0),
		                    "name", json_string("softsign"));
		grp = new_group(g, nj);
		kp_add_invalid(g, grp, kp_input_json(&kc), "unknown_activation", "UnknownActivation",
		               "layer 1 activation \"softsign\"");
		nj = net_json(&ns);
		json_object_set_new(nj, "loss", json_string("hinge"));
		grp = new_group(g, nj);
		kp_add_invalid(g, grp, kp_input_json(&kc), "unknown_loss", "UnknownLoss", "loss \"hinge\"");
		netspec lk = ns;
		set_act(g, &lk, 0, CRO_ACT_LEAKY_RELU);
		nj = net_json(&lk);
		json_object_set_new(json_array_get(json_object_get(nj, "activations"), 0),
		                    "slope", json_string("NaN"));
		grp = new_group(g, nj);
		kp_add_invalid(g, grp, kp_input_json(&kc), "invalid_parameter", "InvalidParameter",
		               "leaky_relu slope NaN (NOT-ACT-6)");
	}
	// Finite inputs that overflow: at step 1, at step 2, and in the update.
	{
		static kpcase o;
		netspec o1;
		memset(&o1, 0, sizeof o1);
		o1.L = 1; o1.n[0] = 1; o1.n[1] = 1; o1.loss = CRO_LOSS_MSE;
		set_act(g, &o1, 0, CRO_ACT_IDENTITY);
		grp = new_group(g, net_json(&o1));
		memset(&o, 0, sizeof o);
		o.ns = o1;
		o.k = 2; o.N[0] = 1; o.N[1] = 1;
		o.eta = 0.01; o.decay = 0.5;
		o.W[0] = 1.3e300; o.b[0] = 0.25;
		o.x[0] = -2.7e300; o.x[1] = 0.5;
		o.t[0] = 0.8125; o.t[1] = -0.375;
		kp_add_invalid(g, grp, kp_input_json(&o), "non_finite_result", "NonFiniteResult",
		               "step 1: a_1 = 1.3e300 * -2.7e300 overflows");
		o.W[0] = 0.75; o.x[0] = 1.3e100; o.x[1] = 1.1e100; o.t[0] = 0.5; o.t[1] = 0.5;
		kp_add_invalid(g, grp, kp_input_json(&o), "non_finite_result", "NonFiniteResult",
		               "step 1 is finite (W_1 becomes about -1.3e198); step 2: y = -1.4e298, "
		               "the loss y^2 / 2 overflows");
		o.k = 1; o.W[0] = 1.0; o.x[0] = 1e150; o.t[0] = 0.0; o.eta = 1e10;
		kp_add_invalid(g, grp, kp_input_json(&o), "non_finite_result", "NonFiniteResult",
		               "loss 5e299 and dW 1e300 are finite, eta dW = 1e310 overflows: the new "
		               "W_1 is -Infinity (KP-ERR-1)");
	}
}

void kp_plan(gen *g)
{
	kp_coverage_groups(g);
	kp_width1_groups(g);
	kp_hyper_groups(g);
	kp_tie_groups(g);
	kp_target_groups(g);
	kp_error_groups(g);
}

// ---------------------------------------------------------------- re-read

// Parses the finished text again and recomputes every test from it; every
// expected value, gauge and tolerance must come back bit for bit.
void kp_verify_text(gen *g, const char *text)
{
	(void)g;
	json_error_t err;
	json_t *root = json_loads(text, 0, &err);
	if (!root)
		die("the output does not parse: %s (line %d)", err.text, err.line);
	size_t gi, ti, count = 0;
	json_t *grp, *t;
	json_array_foreach(json_object_get(root, "testGroups"), gi, grp) {
		json_array_foreach(json_object_get(grp, "tests"), ti, t) {
			count++;
			if ((size_t)json_integer_value(json_object_get(t, "tcId")) != count)
				die("tcId %zu out of order", count);
			kpcase *rc = &kc_read;
			kpres *r = &res_read;
			cro_status st = kp_run_json(json_object_get(grp, "network"),
			                            json_object_get(t, "input"), rc, r);
			const char *res = json_string_value(json_object_get(t, "result"));
			if (strcmp(res, "invalid") == 0) {
				if (strcmp(cro_status_name(st), json_string_value(json_object_get(t, "error"))) != 0)
					die("tcId %zu: re-read error %s", count, cro_status_name(st));
				continue;
			}
			if (st != CRO_OK)
				die("tcId %zu: re-read status %s", count, cro_status_name(st));
			json_t *e = json_object_get(t, "expected"), *ga = json_object_get(t, "gauge");
			json_t *tol = json_object_get(t, "tolerance");
			const netspec *ns = &rc->ns;
			const double *fields[4][2] = {
				{ r->loss, r->lossg }, { r->W, r->Wg }, { r->b, r->bg }, { r->B, r->Bg },
			};
			static const char *const names[4] = { "loss", "W", "b", "B" };
			const size_t per[4] = { 1, Wlen(ns), blen(ns), Blen(ns) };
			for (size_t f = 0; f < 4; f++) {
				size_t k = 0;
				cmp_list(json_object_get(e, names[f]), fields[f][0], &k, names[f]);
				if (k != per[f] * rc->k)
					die("tcId %zu: expected %s holds %zu numbers, not %zu", count, names[f], k,
					    per[f] * rc->k);
				k = 0;
				cmp_list(json_object_get(ga, names[f]), fields[f][1], &k, names[f]);
				if (k != per[f] * rc->k)
					die("tcId %zu: gauge %s holds %zu numbers", count, names[f], k);
				double want = f == 0 ? r->o.k_loss : r->o.k_state;
				if ((double)json_integer_value(json_object_get(tol, names[f])) != want)
					die("tcId %zu: tolerance %s differs", count, names[f]);
			}
		}
	}
	if ((size_t)json_integer_value(json_object_get(root, "numberOfTests")) != count)
		die("numberOfTests differs from the count");
	json_decref(root);
}
