// test_claims.c: the claim each paper makes for its rule, measured by training
// small networks with ref/'s gradients (spec/rules/*.md, sections "claims").
//
//   FA-CLAIM-1  (Lillicrap et al. 2016) learning with a fixed random B brings
//               the forward weights into alignment with the feedback: the
//               angle between W_2 and B_2^T, and between the hidden signals
//               B_2 delta_2 and W_2^T delta_2, falls from about 90 degrees to
//               well below 90, and the loss falls.
//   DFA-CLAIM-1 (Nokland 2016) the same for direct feedback: the angle between
//               D_1 delta_L and W_2^T delta_L falls below 90 degrees, and the
//               loss falls.
//   SS-CLAIM-1  (Liao et al. 2016) sign-concordant feedback with random
//               magnitudes learns: its loss falls by orders of magnitude.
//   KP-CLAIM-1  (Akrout et al. 2019) Kolen-Pollack drives the feedback to the
//               transpose of the forward weights: the angle between B_l and
//               W_l^T falls to a fraction of a degree, while FA, run on the
//               same data from the same start, leaves it tens of degrees
//               away; the loss falls.
//   WM-CLAIM-1  (Akrout et al. 2019) the weight mirror, driven by fresh
//               white noise every step, brings B_l towards W_l^T: the angle
//               between them ends well below FA's on the same data from the
//               same start, and the network learns.
//
// The task: a linear teacher y = T x (T fixed, uniform in [-1, 1)), inputs
// uniform in [-1, 1), a linear student network 10-20-15-5 trained by plain SGD
// (W <- W - eta dW, NOT-RED-3) with batches of 8 fresh samples. The angle is
// arccos of the cosine of the flattened matrices, in degrees (the measure of
// biotorch's compute_matrix_angle and Akrout et al.'s angle_between).
// The figures each run prints are recorded in the rule files.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_test.h>

#include "credit.h"

enum { N0 = 10, N1 = 20, N2 = 15, N3 = 5, BATCH = 8, STEPS = 3000, PROBES = 32 };
enum { OFF_W2 = N1 * N0, OFF_W3 = N1 * N0 + N2 * N1, LEN_W = OFF_W3 + N3 * N2,
       LEN_B = N1 + N2 + N3 };
enum { RULE_FA = 1, RULE_DFA, RULE_SS, RULE_KP, RULE_WM };
// KP-CLAIM-1: the weight decay of the KP runs (KP-IN-2). With eta = 0.02,
// c = 1 - eta decay = 0.998 and W - B^T shrinks to c^3000 = 0.0025 of its
// start (KP-ID-1).
#define KP_DECAY 0.1
// WM-CLAIM-1: the weight mirror (linear variant, WM-STEP-*) with WM_ROWS
// noise rows per layer and step (as many as the batch has samples), uniform
// in [-1, 1) from a generator of its own (seeded WM_NOISE_SEED + seed), so
// that the WM and FA runs of a seed see the same teacher, start and batches.
// The noise's covariance is E = I/3, so the mirror pulls B_l towards
// E W_l^T / decay_B = W_l^T with decay_B = 1/3 (WM-ID-1), averaging over a
// time constant of 1 / (eta_B decay_B) = 300 steps.
#define WM_ROWS 8
#define WM_ETA_B 0.01
#define WM_DECAY_B (1.0 / 3.0)
#define WM_NOISE_SEED 1000
enum { WM_NOISE_LEN = WM_ROWS * (N1 + N2) };
// Feedback arrays (NOT-FB-*): FA B = [B_2 (n1 x n2) | B_3 (n2 x n3)];
// DFA D = [D_1 (n1 x n3) | D_2 (n2 x n3)]; SS M = [M_2 (n2 x n1) | M_3 (n3 x n2)].
enum { LEN_FA = N1 * N2 + N2 * N3, LEN_DFA = N1 * N3 + N2 * N3, LEN_SS = N2 * N1 + N3 * N2 };

typedef struct {
	double W[LEN_W], b[LEN_B];
	double F[LEN_FA > LEN_DFA ? LEN_FA : LEN_DFA]; // the rule's feedback
	size_t F_len;
	double T[N3 * N0];    // the teacher
} model;

static double unif(gsl_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * gsl_rng_uniform(r);
}

// Angle in degrees between two vectors of n entries (flattened matrices).
static double angle(const double *u, const double *v, size_t n)
{
	double uv = 0, uu = 0, vv = 0;
	for (size_t i = 0; i < n; i++) {
		uv += u[i] * v[i];
		uu += u[i] * u[i];
		vv += v[i] * v[i];
	}
	double c = uv / sqrt(uu * vv);
	if (c > 1)
		c = 1;
	if (c < -1)
		c = -1;
	return acos(c) * 180.0 / acos(-1.0);
}

// y = A v for an r x c matrix A; or y = A^T v when trans (A still r x c).
static void mv(const double *A, size_t r, size_t c, int trans, const double *v, double *y)
{
	size_t ny = trans ? c : r;
	for (size_t i = 0; i < ny; i++)
		y[i] = 0;
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < c; j++) {
			if (trans)
				y[j] += A[i * c + j] * v[i];
			else
				y[i] += A[i * c + j] * v[j];
		}
}

// The angle between W_3 (n3 x n2) and the transpose of B_3 (n2 x n3), FA.
static double angle_W3_B3(const model *m)
{
	double Bt[N3 * N2];
	const double *B3 = m->F + N1 * N2;
	for (size_t i = 0; i < N2; i++)
		for (size_t k = 0; k < N3; k++)
			Bt[k * N2 + i] = B3[i * N3 + k];
	return angle(m->W + OFF_W3, Bt, N3 * N2);
}

// The angle between W_l (n_l x n_{l-1}) and the transpose of B_l
// (n_{l-1} x n_l), l = 2 or 3; B = [B_2 | B_3] (NOT-FB-3).
static double angle_W_B(const model *m, int l)
{
	double Bt[N2 * N1];
	size_t nl = l == 2 ? N2 : N3, np = l == 2 ? N1 : N2;
	const double *Bl = m->F + (l == 2 ? 0 : N1 * N2);
	const double *Wl = m->W + (l == 2 ? OFF_W2 : OFF_W3);
	for (size_t j = 0; j < np; j++)
		for (size_t i = 0; i < nl; i++)
			Bt[i * np + j] = Bl[j * nl + i];
	return angle(Wl, Bt, nl * np);
}

// The mean, over PROBES random inputs, of the angle between the error signal
// the rule sends to hidden layer 1 and backpropagation's. The network is
// linear, so f' = 1 and with delta = y - t (NOT-RED-2):
//   BP:  W_2^T W_3^T delta;  FA, KP, WM: B_2 B_3 delta;  DFA: D_1 delta.
static double angle_signal1(const model *m, int rule, gsl_rng *r)
{
	double sum = 0;
	for (int s = 0; s < PROBES; s++) {
		double x[N0], h1[N1], h2[N2], d[N3], t[N3], u2[N2], bp1[N1], fb2[N2], fb1[N1];
		for (size_t j = 0; j < N0; j++)
			x[j] = unif(r, -1, 1);
		mv(m->W, N1, N0, 0, x, h1);
		for (size_t i = 0; i < N1; i++)
			h1[i] += m->b[i];
		mv(m->W + OFF_W2, N2, N1, 0, h1, h2);
		for (size_t i = 0; i < N2; i++)
			h2[i] += m->b[N1 + i];
		mv(m->W + OFF_W3, N3, N2, 0, h2, d);
		mv(m->T, N3, N0, 0, x, t);
		for (size_t k = 0; k < N3; k++)
			d[k] += m->b[N1 + N2 + k] - t[k];
		mv(m->W + OFF_W3, N3, N2, 1, d, u2);
		mv(m->W + OFF_W2, N2, N1, 1, u2, bp1);
		if (rule == RULE_FA || rule == RULE_KP || rule == RULE_WM) {
			mv(m->F + N1 * N2, N2, N3, 0, d, fb2);
			mv(m->F, N1, N2, 0, fb2, fb1);
		} else {
			mv(m->F, N1, N3, 0, d, fb1);
		}
		sum += angle(fb1, bp1, N1);
	}
	return sum / PROBES;
}

// One SGD step with ref/'s gradient on a fresh batch; returns the batch loss
// before the step.
static double step(model *m, int rule, double eta, gsl_rng *r, gsl_rng *noise_r)
{
	static const size_t widths[4] = {N0, N1, N2, N3};
	static const cr_act acts[3] = {{CR_ACT_IDENTITY, 0}, {CR_ACT_IDENTITY, 0}, {CR_ACT_IDENTITY, 0}};
	const cr_net net = {3, widths, acts, CR_LOSS_MSE};
	double x[BATCH * N0], t[BATCH * N3], dW[LEN_W], db[LEN_B], loss = NAN;
	for (size_t s = 0; s < BATCH; s++) {
		for (size_t j = 0; j < N0; j++)
			x[s * N0 + j] = unif(r, -1, 1);
		mv(m->T, N3, N0, 0, x + s * N0, t + s * N3);
	}
	size_t nwork = rule == RULE_KP   ? cr_kp_workspace_len(&net, BATCH)
	               : rule == RULE_WM ? cr_wm_workspace_len(&net, BATCH, WM_ROWS)
	                                 : cr_workspace_len(&net, BATCH);
	double *work = malloc(nwork * sizeof *work);
	if (work == NULL)
		abort();
	size_t nx = BATCH * N0, nt = BATCH * N3;
	cr_status st;
	switch (rule) {
	case RULE_FA:
		st = cr_fa_grad(&net, BATCH, m->W, LEN_W, m->b, LEN_B, m->F, m->F_len, x, nx, t, nt,
		                &loss, dW, LEN_W, db, LEN_B, work, nwork);
		break;
	case RULE_DFA:
		st = cr_dfa_grad(&net, BATCH, m->W, LEN_W, m->b, LEN_B, m->F, m->F_len, x, nx, t, nt,
		                 &loss, dW, LEN_W, db, LEN_B, work, nwork);
		break;
	case RULE_SS:
		st = cr_ss_grad(&net, BATCH, m->W, LEN_W, m->b, LEN_B, m->F, m->F_len, NULL, 0,
		                x, nx, t, nt, &loss, dW, LEN_W, db, LEN_B, work, nwork);
		break;
	default: { // RULE_KP, RULE_WM: the step updates W, b and B itself.
		double W1[LEN_W], b1[LEN_B], B1[LEN_FA];
		if (rule == RULE_KP) { // KP-STEP-1..6
			st = cr_kp_step(&net, BATCH, eta, KP_DECAY, m->W, LEN_W, m->b, LEN_B, m->F,
			                m->F_len, x, nx, t, nt, &loss, W1, LEN_W, b1, LEN_B, B1, LEN_FA,
			                work, nwork);
		} else { // WM-STEP-1..4, fresh white noise: Xi_2 (M x n1) | Xi_3 (M x n2)
			double noise[WM_NOISE_LEN];
			for (size_t i = 0; i < WM_NOISE_LEN; i++)
				noise[i] = unif(noise_r, -1, 1);
			st = cr_wm_step(&net, BATCH, CR_WM_LINEAR, eta, WM_ETA_B, WM_DECAY_B, 0.0, 0.0, m->W,
			                LEN_W, m->b, LEN_B, m->F, m->F_len, x, nx, t, nt, WM_ROWS, noise,
			                WM_NOISE_LEN, &loss, W1, LEN_W, b1, LEN_B, B1, LEN_FA, work, nwork);
		}
		free(work);
		if (st != CR_OK)
			gsl_test(1, "training step of rule %d returns %s", rule, cr_status_name(st));
		memcpy(m->W, W1, sizeof W1);
		memcpy(m->b, b1, sizeof b1);
		memcpy(m->F, B1, sizeof B1);
		return loss;
	}
	}
	free(work);
	if (st != CR_OK)
		gsl_test(1, "training step of rule %d returns %s", rule, cr_status_name(st));
	for (size_t i = 0; i < LEN_W; i++)
		m->W[i] -= eta * dW[i];
	for (size_t i = 0; i < LEN_B; i++)
		m->b[i] -= eta * db[i];
	return loss;
}

// A fresh model: small forward weights (Lillicrap et al. start near zero, so
// that the feedback, not the initial W, shapes learning), zero biases,
// feedback uniform in [-0.5, 0.5), teacher uniform in [-1, 1).
static void init(model *m, int rule, gsl_rng *r)
{
	for (size_t i = 0; i < LEN_W; i++)
		m->W[i] = unif(r, -0.01, 0.01);
	memset(m->b, 0, sizeof m->b);
	// KP's and WM's B have FA's layout, so the KP, WM and FA runs of a seed
	// draw the same teacher, start and batches.
	m->F_len = (rule == RULE_FA || rule == RULE_KP || rule == RULE_WM) ? LEN_FA
	           : rule == RULE_DFA                                      ? LEN_DFA
	                                                                   : LEN_SS;
	for (size_t i = 0; i < m->F_len; i++)
		m->F[i] = unif(r, -0.5, 0.5);
	for (size_t i = 0; i < N3 * N0; i++)
		m->T[i] = unif(r, -1, 1);
}

// Mean loss of the first and of the last 100 steps of a run, and the angles
// before and after it.
typedef struct {
	double loss0, loss1, angle_w0, angle_w1, angle_s0, angle_s1;
	double fb0[2], fb1[2]; // FA and KP: angle(W_l, B_l^T), l = 2, 3, before and after
} run_figures;

static run_figures train(int rule, unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937), *noise_r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, seed);
	gsl_rng_set(noise_r, WM_NOISE_SEED + seed);
	model m;
	init(&m, rule, r);
	run_figures f = {0, 0, 0, 0, 0, 0, {0, 0}, {0, 0}};
	// KP and WM measure the signal angle too, which also makes their runs
	// draw the same random numbers as FA's: same teacher, start, probes and
	// batches.
	int aligns = rule == RULE_FA || rule == RULE_DFA || rule == RULE_KP || rule == RULE_WM;
	int feedback = rule == RULE_FA || rule == RULE_KP || rule == RULE_WM;
	if (aligns) {
		f.angle_w0 = rule == RULE_FA ? angle_W3_B3(&m) : 0;
		f.angle_s0 = angle_signal1(&m, rule, r);
	}
	if (feedback)
		for (int l = 2; l <= 3; l++)
			f.fb0[l - 2] = angle_W_B(&m, l);
	for (int s = 0; s < STEPS; s++) {
		double l = step(&m, rule, 0.02, r, noise_r);
		if (s < 100)
			f.loss0 += l / 100;
		if (s >= STEPS - 100)
			f.loss1 += l / 100;
	}
	if (aligns) {
		f.angle_w1 = rule == RULE_FA ? angle_W3_B3(&m) : 0;
		f.angle_s1 = angle_signal1(&m, rule, r);
	}
	if (feedback)
		for (int l = 2; l <= 3; l++)
			f.fb1[l - 2] = angle_W_B(&m, l);
	gsl_rng_free(r);
	gsl_rng_free(noise_r);
	return f;
}

int main(void)
{
	static const char *names[] = {"", "FA", "DFA", "SS", "KP", "WM"};
	for (unsigned long seed = 1; seed <= 3; seed++) {
		run_figures f[RULE_WM + 1];
		for (int rule = RULE_FA; rule <= RULE_SS; rule++) {
			f[rule] = train(rule, seed);
			printf("claims: seed %lu %-3s loss %.3g -> %.3g", seed, names[rule],
			       f[rule].loss0, f[rule].loss1);
			if (rule == RULE_FA)
				printf(", angle(W3, B3^T) %.1f -> %.1f deg", f[rule].angle_w0, f[rule].angle_w1);
			if (rule == RULE_FA || rule == RULE_DFA)
				printf(", layer-1 signal angle to BP %.1f -> %.1f deg", f[rule].angle_s0,
				       f[rule].angle_s1);
			printf("\n");
		}
		// FA-CLAIM-1, DFA-CLAIM-1, SS-CLAIM-1: every rule learns the teacher,
		// the loss falling at least 100-fold (measured: 1e8-fold or more).
		for (int rule = RULE_FA; rule <= RULE_SS; rule++)
			gsl_test(!(f[rule].loss1 < f[rule].loss0 / 100),
			         "%s-CLAIM-1: seed %lu, the loss falls 100-fold (%.3g -> %.3g)",
			         names[rule], seed, f[rule].loss0, f[rule].loss1);
		// FA-CLAIM-1, DFA-CLAIM-1: alignment. The papers' claim is that the
		// rule's update comes within 90 degrees of backpropagation's. At the
		// start the random feedback is unrelated to W (measured 83-94
		// degrees); the test asks for an angle below 90 that has fallen by at
		// least 20 degrees (measured after training: 20-53 degrees).
		struct { int rule; const char *what; double a0, a1; } al[3] = {
			{RULE_FA, "FA-CLAIM-1: angle(W3, B3^T)", f[RULE_FA].angle_w0, f[RULE_FA].angle_w1},
			{RULE_FA, "FA-CLAIM-1: angle(B2 B3 d, W2^T W3^T d)", f[RULE_FA].angle_s0, f[RULE_FA].angle_s1},
			{RULE_DFA, "DFA-CLAIM-1: angle(D1 d, W2^T W3^T d)", f[RULE_DFA].angle_s0, f[RULE_DFA].angle_s1},
		};
		for (int i = 0; i < 3; i++)
			gsl_test(!(al[i].a1 < 90 && al[i].a1 < al[i].a0 - 20), "%s, seed %lu: %.1f -> %.1f deg",
			         al[i].what, seed, al[i].a0, al[i].a1);

		// KP-CLAIM-1: the KP run of this seed (same teacher, start and
		// batches as the FA run above) and the feedback angles of both.
		f[RULE_KP] = train(RULE_KP, seed);
		printf("claims: seed %lu KP  loss %.3g -> %.3g (decay %g)", seed, f[RULE_KP].loss0,
		       f[RULE_KP].loss1, KP_DECAY);
		for (int l = 2; l <= 3; l++)
			printf(", angle(W%d, B%d^T) %.3g -> %.3g deg", l, l, f[RULE_KP].fb0[l - 2],
			       f[RULE_KP].fb1[l - 2]);
		printf(", layer-1 signal angle to BP %.1f -> %.3g deg", f[RULE_KP].angle_s0,
		       f[RULE_KP].angle_s1);
		printf("\nclaims: seed %lu FA  (fixed B)", seed);
		for (int l = 2; l <= 3; l++)
			printf(", angle(W%d, B%d^T) %.3g -> %.3g deg", l, l, f[RULE_FA].fb0[l - 2],
			       f[RULE_FA].fb1[l - 2]);
		printf("\n");
		// KP-CLAIM-1. Measured (decay 0.1, seeds 1-3): KP from 87-93 degrees
		// to 0.24-0.25 (W2) and 0.035-0.081 (W3); FA from the same start to
		// 55-61 (W2) and 20-34 (W3); KP's loss falls 15- to 35-fold (weight
		// decay keeps it above the teacher's 0). Required, with margin: KP
		// below 2 degrees (8 times the worst measured), FA above 15, and KP's
		// loss 10-fold lower.
		for (int l = 2; l <= 3; l++) {
			gsl_test(!(f[RULE_KP].fb1[l - 2] < 2.0),
			         "KP-CLAIM-1: seed %lu, KP angle(W%d, B%d^T) %.3g -> %.3g deg falls below 2",
			         seed, l, l, f[RULE_KP].fb0[l - 2], f[RULE_KP].fb1[l - 2]);
			gsl_test(!(f[RULE_FA].fb1[l - 2] > 15.0),
			         "KP-CLAIM-1: seed %lu, FA angle(W%d, B%d^T) %.3g -> %.3g deg stays above 15",
			         seed, l, l, f[RULE_FA].fb0[l - 2], f[RULE_FA].fb1[l - 2]);
		}
		gsl_test(!(f[RULE_KP].loss1 < f[RULE_KP].loss0 / 10),
		         "KP-CLAIM-1: seed %lu, the KP loss falls 10-fold (%.3g -> %.3g)", seed,
		         f[RULE_KP].loss0, f[RULE_KP].loss1);

		// WM-CLAIM-1: the WM run of this seed (same teacher, start and
		// batches as the FA run) against FA's feedback angles.
		f[RULE_WM] = train(RULE_WM, seed);
		printf("claims: seed %lu WM  loss %.3g -> %.3g (M %d, eta_B %g, decay_B %.4g)", seed,
		       f[RULE_WM].loss0, f[RULE_WM].loss1, WM_ROWS, WM_ETA_B, WM_DECAY_B);
		for (int l = 2; l <= 3; l++)
			printf(", angle(W%d, B%d^T) %.3g -> %.3g deg", l, l, f[RULE_WM].fb0[l - 2],
			       f[RULE_WM].fb1[l - 2]);
		printf(", layer-1 signal angle to BP %.1f -> %.3g deg\n", f[RULE_WM].angle_s0,
		       f[RULE_WM].angle_s1);
		// WM-CLAIM-1. Measured (M 8, eta_B 0.01, decay_B 1/3, seeds 1-3): WM
		// from 87-93 degrees to 2.8-4.1 (W2 and W3), FA from the same start
		// to 55-61 (W2) and 20-34 (W3); WM's loss falls 1e7-fold or more.
		// The mirror's angle is set by the noise it averages (about
		// 1/sqrt(M / (eta_B decay_B)) radians): 1.1-1.5 degrees with 64 rows.
		// Required, with margin: WM below 10 degrees and below half of FA's,
		// for each seed and layer, and WM's loss 100-fold lower.
		for (int l = 2; l <= 3; l++)
			gsl_test(!(f[RULE_WM].fb1[l - 2] < 10.0 &&
			           f[RULE_WM].fb1[l - 2] < f[RULE_FA].fb1[l - 2] / 2),
			         "WM-CLAIM-1: seed %lu, WM angle(W%d, B%d^T) %.3g -> %.3g deg below 10 and "
			         "below half of FA's %.3g",
			         seed, l, l, f[RULE_WM].fb0[l - 2], f[RULE_WM].fb1[l - 2],
			         f[RULE_FA].fb1[l - 2]);
		gsl_test(!(f[RULE_WM].loss1 < f[RULE_WM].loss0 / 100),
		         "WM-CLAIM-1: seed %lu, the WM loss falls 100-fold (%.3g -> %.3g)", seed,
		         f[RULE_WM].loss0, f[RULE_WM].loss1);
	}
	return gsl_test_summary();
}
