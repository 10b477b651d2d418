// conformance/oracle/ldcheck.c: an extended-precision recomputation of a
// rule, to check that the gauges of NOT-TOL-1 really bound the rounding error
// of the oracle's double results.
//
// The same equations as oracle.c (spec/notation.md, spec/rules/*.md), written
// as plain loops in long double (64-bit significand on x86-64, 11 bits more
// than double). Its own rounding error is about 2^-11 of the double result's,
// so |double - long double| / (k u G) measures the double computation's error
// ratio (NOT-TOL-3) to within a few thousandths. A ratio near or above 1/2
// (k carries a factor 2 for two implementations) would mean a gauge that does
// not bound the error: a defect of the gauge rules or of the oracle.
// The trajectory checks (cro_ld_kp_ratio, cro_ld_fbl_ratio) run the whole
// trajectory in long double from the inputs, the primitives' check
// (cro_ld_align_ratio) the five primitives of spec/rules/align.md; each
// compares with the factor the value carries (NOT-STEP-5, ALIGN-TOL-1).
#include "oracle.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef long double ld;

static ld ld_act(int kind, ld s, ld a, ld *d)
{
	ld h;
	switch (kind) {
	case CRO_ACT_TANH:
		h = tanhl(a);
		*d = 1.0L - h * h;
		return h;
	case CRO_ACT_LOGISTIC:
		if (a >= 0.0L) {
			h = 1.0L / (1.0L + expl(-a));
		} else {
			ld e = expl(a);
			h = e / (1.0L + e);
		}
		*d = h * (1.0L - h);
		return h;
	case CRO_ACT_RELU:
		*d = a > 0.0L ? 1.0L : 0.0L;
		return a > 0.0L ? a : 0.0L;
	case CRO_ACT_LEAKY_RELU:
		*d = a > 0.0L ? 1.0L : s;
		return a > 0.0L ? a : s * a;
	default:
		*d = 1.0L;
		return a;
	}
}

static ld sgnl(ld v)
{
	return v > 0.0L ? 1.0L : (v < 0.0L ? -1.0L : 0.0L);
}

// Offsets of W_l, b_l and of the rule's feedback matrix of layer l (B_l / M_l
// for l >= 2, D_l for l < L), and the feedback length.
static size_t offsets(const cro_net *net, int rule, size_t *wo, size_t *bo, size_t *fo)
{
	const size_t L = net->depth, *n = net->widths;
	size_t o1 = 0, o2 = 0, o3 = 0;
	for (size_t l = 1; l <= L; l++) {
		wo[l] = o1; bo[l] = o2;
		o1 += n[l] * n[l - 1];
		o2 += n[l];
	}
	for (size_t l = 1; l <= L; l++) {
		fo[l] = o3;
		if (rule == CRO_RULE_DFA && l < L)
			o3 += n[l] * n[L];
		else if ((rule == CRO_RULE_FA || rule == CRO_RULE_SS_BRSF ||
		          rule == CRO_RULE_SS_FRSF) && l >= 2)
			o3 += n[l] * n[l - 1];
	}
	return rule == CRO_RULE_SS_USF ? L - 1 : o3;
}

// The rule's batch sums in long double: *loss = sum_n l^(n), dW and db the
// sums of delta h^T and delta (not yet divided by N). W, b, fb are the state
// in long double. hout [batch sum n_l] (may be NULL) receives the layer
// outputs h_l of every sample, in the layout of cro_out.a. Returns 0 when
// memory runs out.
static int ld_grad(const cro_net *net, int rule, size_t batch, const ld *W, const ld *b,
                   const ld *fb, const double *x, const double *t, ld *loss_sum, ld *dW, ld *db,
                   ld *hout)
{
	const size_t L = net->depth, *n = net->widths;
	size_t Wn = cro_W_len(net), bn = cro_b_len(net), maxw = 0;
	size_t wo[CRO_MAX_DEPTH + 2], bo[CRO_MAX_DEPTH + 2], fo[CRO_MAX_DEPTH + 2];
	for (size_t l = 0; l <= L; l++)
		if (n[l] > maxw)
			maxw = n[l];
	offsets(net, rule, wo, bo, fo);
	ld *h = calloc((L + 1) * maxw, sizeof(ld)), *d = calloc((L + 1) * maxw, sizeof(ld));
	ld *dl = calloc((L + 1) * maxw, sizeof(ld)), *e = calloc(maxw, sizeof(ld));
	if (!h || !d || !dl || !e) {
		free(h); free(d); free(dl); free(e);
		return 0;
	}
	for (size_t i = 0; i < Wn; i++)
		dW[i] = 0.0L;
	for (size_t i = 0; i < bn; i++)
		db[i] = 0.0L;
#define H(l, i) h[(l) * maxw + (i)]
#define DD(l, i) d[(l) * maxw + (i)]
#define DL(l, i) dl[(l) * maxw + (i)]
	ld loss = 0.0L;
	for (size_t s = 0; s < batch; s++) {
		for (size_t j = 0; j < n[0]; j++)
			H(0, j) = x[s * n[0] + j];
		for (size_t l = 1; l <= L; l++) {
			ld sl = net->slopes ? net->slopes[l - 1] : 0.0L;
			for (size_t i = 0; i < n[l]; i++) {
				ld a = b[bo[l] + i];
				for (size_t j = 0; j < n[l - 1]; j++)
					a += W[wo[l] + i * n[l - 1] + j] * H(l - 1, j);
				ld dv;
				H(l, i) = ld_act(net->acts[l - 1], sl, a, &dv);
				DD(l, i) = dv;
				if (hout)
					hout[s * bn + bo[l] + i] = H(l, i);
			}
		}
		const double *ts = t + s * n[L];
		if (net->loss == CRO_LOSS_MSE) {
			for (size_t k = 0; k < n[L]; k++) {
				e[k] = H(L, k) - ts[k];
				loss += 0.5L * e[k] * e[k];
			}
		} else {
			ld m = H(L, 0), sum = 0.0L, tau = 0.0L;
			for (size_t k = 1; k < n[L]; k++)
				if (H(L, k) > m)
					m = H(L, k);
			for (size_t k = 0; k < n[L]; k++) {
				sum += expl(H(L, k) - m);
				tau += ts[k];
			}
			ld lse = m + logl(sum);
			for (size_t k = 0; k < n[L]; k++) {
				loss += ts[k] * (lse - H(L, k));
				e[k] = tau * expl(H(L, k) - m) / sum - ts[k];
			}
		}
		for (size_t k = 0; k < n[L]; k++)
			DL(L, k) = DD(L, k) * e[k];
		for (size_t l = L; l >= 2; l--) {
			for (size_t j = 0; j < n[l - 1]; j++) {
				ld g = 0.0L;
				if (rule == CRO_RULE_DFA) { // D_{l-1} delta_L
					for (size_t k = 0; k < n[L]; k++)
						g += fb[fo[l - 1] + j * n[L] + k] * DL(L, k);
				} else {
					for (size_t i = 0; i < n[l]; i++) {
						size_t wi = wo[l] + i * n[l - 1] + j; // W_l[i][j]
						ld f;
						if (rule == CRO_RULE_FA)
							f = fb[fo[l] + j * n[l] + i]; // B_l[j][i]
						else if (rule == CRO_RULE_SS_USF)
							f = fabsl(fb[l - 2]) * sgnl(W[wi]);
						else if (rule == CRO_RULE_SS_BRSF || rule == CRO_RULE_SS_FRSF)
							f = fabsl(fb[fo[l] + i * n[l - 1] + j]) * sgnl(W[wi]);
						else
							f = W[wi];
						g += f * DL(l, i);
					}
				}
				DL(l - 1, j) = DD(l - 1, j) * g;
			}
		}
		for (size_t l = 1; l <= L; l++)
			for (size_t i = 0; i < n[l]; i++) {
				db[bo[l] + i] += DL(l, i);
				for (size_t j = 0; j < n[l - 1]; j++)
					dW[wo[l] + i * n[l - 1] + j] += DL(l, i) * H(l - 1, j);
			}
	}
#undef H
#undef DD
#undef DL
	*loss_sum = loss;
	free(h); free(d); free(dl); free(e);
	return 1;
}

// |got - exact| / (k u G), 0 when equal, +inf when G = 0 and they differ.
static double ratio(ld exact, double got, double G, double k)
{
	ld diff = fabsl((ld)got - exact), tol = (ld)k * (ld)CRO_U * (ld)G;
	return tol > 0.0L ? (double)(diff / tol) : (diff > 0.0L ? INFINITY : 0.0);
}

static ld *ld_copy(const double *v, size_t n)
{
	ld *c = calloc(n ? n : 1, sizeof(ld));
	if (c)
		for (size_t i = 0; i < n; i++)
			c[i] = v[i];
	return c;
}

double cro_ld_ratio(const cro_net *net, int rule, size_t batch,
                    const double *W, const double *b, const double *fb,
                    const double *x, const double *t, const cro_out *out)
{
	if (LDBL_MANT_DIG < 64)
		return -1.0;
	size_t Wn = cro_W_len(net), bn = cro_b_len(net);
	size_t wo[CRO_MAX_DEPTH + 2], bo[CRO_MAX_DEPTH + 2], fo[CRO_MAX_DEPTH + 2];
	size_t fn = offsets(net, rule, wo, bo, fo);
	ld *lW = ld_copy(W, Wn), *lb = ld_copy(b, bn), *lf = ld_copy(fb, fb ? fn : 0);
	ld *dW = calloc(Wn, sizeof(ld)), *db = calloc(bn, sizeof(ld)), loss = 0.0L;
	int ok = lW && lb && lf && dW && db &&
	         ld_grad(net, rule, batch, lW, lb, lf, x, t, &loss, dW, db, NULL);
	double worst = ok ? 0.0 : -1.0;
	const ld N = (ld)batch;
	for (size_t i = 0; ok && i < Wn + bn + 1; i++) {
		double r;
		if (i < Wn)
			r = ratio(dW[i] / N, out->dW[i], out->dW_gauge[i], out->k_grad);
		else if (i < Wn + bn)
			r = ratio(db[i - Wn] / N, out->db[i - Wn], out->db_gauge[i - Wn], out->k_grad);
		else
			r = ratio(loss / N, out->loss, out->loss_gauge, out->k_loss);
		if (!(r <= worst))
			worst = r;
	}
	free(lW); free(lb); free(lf); free(dW); free(db);
	return worst;
}

// NOT-TOL-2 factors for a batch of N.
static double k_loss_of(const cro_net *net, size_t N)
{
	size_t S = 0;
	for (size_t l = 0; l <= net->depth; l++)
		S += net->widths[l];
	return 2.0 * ((double)S + (double)N + 10.0 * (double)(net->depth + 1));
}

static double k_grad_of(const cro_net *net, size_t N)
{
	size_t S = 0;
	for (size_t l = 0; l <= net->depth; l++)
		S += net->widths[l];
	return 2.0 * (2.0 * (double)S + (double)N + 10.0 * (double)(net->depth + 1));
}

double cro_ld_kp_ratio(const cro_net *net, double eta, double decay,
                       const double *W, const double *b, const double *B,
                       size_t steps, const size_t *batch,
                       const double *x, const double *t, const cro_kp_traj_out *out)
{
	if (LDBL_MANT_DIG < 64)
		return -1.0;
	const size_t L = net->depth, *n = net->widths;
	size_t Wn = cro_W_len(net), bn = cro_b_len(net);
	size_t wo[CRO_MAX_DEPTH + 2], bo[CRO_MAX_DEPTH + 2], fo[CRO_MAX_DEPTH + 2];
	size_t Bn = offsets(net, CRO_RULE_FA, wo, bo, fo);
	ld *lW = ld_copy(W, Wn), *lb = ld_copy(b, bn), *lB = ld_copy(B, B ? Bn : 0);
	ld *dW = calloc(Wn, sizeof(ld)), *db = calloc(bn, sizeof(ld));
	int ok = lW && lb && lB && dW && db;
	double worst = ok ? 0.0 : -1.0;
	// KP-STEP-2 without rounding: the exact c of the inputs.
	const ld E = eta, c = 1.0L - E * (ld)decay;
	double k_in = 0.0;
	size_t xo = 0, to = 0;
	for (size_t s = 0; ok && s < steps; s++) {
		ld loss;
		ok = ld_grad(net, CRO_RULE_FA, batch[s], lW, lb, lB, x + xo, t + to, &loss, dW, db, NULL);
		if (!ok) {
			worst = -1.0;
			break;
		}
		const ld N = (ld)batch[s];
		const double kl = k_in + k_loss_of(net, batch[s]);
		const double ks = k_in + k_grad_of(net, batch[s]) + 6.0; // 2 r, r = 3 (kp.md)
		double r = ratio(loss / N, out->loss[s], out->loss_gauge[s], kl);
		if (!(r <= worst))
			worst = r;
		// KP-STEP-3..5 on the exact state, all from the state before the step.
		for (size_t l = 2; l <= L; l++)
			for (size_t j = 0; j < n[l - 1]; j++)
				for (size_t i = 0; i < n[l]; i++) {
					size_t bi = fo[l] + j * n[l] + i, wi = wo[l] + i * n[l - 1] + j;
					lB[bi] = c * lB[bi] - E * (dW[wi] / N);
				}
		for (size_t i = 0; i < Wn; i++)
			lW[i] = c * lW[i] - E * (dW[i] / N);
		for (size_t i = 0; i < bn; i++)
			lb[i] = lb[i] - E * (db[i] / N);
		for (size_t i = 0; i < Wn; i++) {
			r = ratio(lW[i], out->W[s * Wn + i], out->W_gauge[s * Wn + i], ks);
			if (!(r <= worst))
				worst = r;
		}
		for (size_t i = 0; i < bn; i++) {
			r = ratio(lb[i], out->b[s * bn + i], out->b_gauge[s * bn + i], ks);
			if (!(r <= worst))
				worst = r;
		}
		for (size_t i = 0; i < Bn; i++) {
			r = ratio(lB[i], out->B[s * Bn + i], out->B_gauge[s * Bn + i], ks);
			if (!(r <= worst))
				worst = r;
		}
		k_in = ks;
		xo += batch[s] * n[0];
		to += batch[s] * n[L];
	}
	free(lW); free(lb); free(lB); free(dW); free(db);
	return worst;
}

// ---------------------------------------------------------------- align, wm, sa, aa, ia

// The five primitives of one layer in long double (align.md ALIGN-PRIM-*):
// W [c a], B [a c], x [N a]; R [5] and dR [5][a c] (dR may be NULL).
static void ld_prims(size_t a, size_t c, size_t N, const ld *W, const ld *B, const ld *x,
                     ld *R, ld *const *dR, ld *p, ld *q, ld *r)
{
	const size_t ac = a * c;
	for (int k = 0; k < CRO_PRIM_COUNT; k++) {
		R[k] = 0.0L;
		if (dR)
			for (size_t i = 0; i < ac; i++)
				dR[k][i] = 0.0L;
	}
	for (size_t i = 0; i < ac; i++)
		R[CRO_PRIM_DECAY] += W[i] * W[i] + B[i] * B[i];
	for (size_t j = 0; j < c; j++)
		for (size_t i = 0; i < a; i++)
			R[CRO_PRIM_SELF] -= W[j * a + i] * B[i * c + j];
	for (size_t n = 0; n < N; n++) {
		const ld *xn = x + n * a;
		for (size_t k = 0; k < c; k++) {
			p[k] = q[k] = 0.0L;
			for (size_t i = 0; i < a; i++) {
				p[k] += W[k * a + i] * xn[i];
				q[k] += B[i * c + k] * xn[i];
			}
		}
		for (size_t i = 0; i < a; i++) {
			r[i] = 0.0L;
			for (size_t k = 0; k < c; k++)
				r[i] += B[i * c + k] * p[k];
		}
		for (size_t k = 0; k < c; k++) {
			R[CRO_PRIM_AMP] -= p[k] * q[k];
			R[CRO_PRIM_SPARSE] += p[k] * p[k] + q[k] * q[k];
		}
		for (size_t i = 0; i < a; i++)
			R[CRO_PRIM_NULL] += r[i] * r[i];
		if (dR)
			for (size_t i = 0; i < a; i++)
				for (size_t k = 0; k < c; k++) {
					dR[CRO_PRIM_AMP][i * c + k] -= xn[i] * p[k];
					dR[CRO_PRIM_SPARSE][i * c + k] += 2.0L * xn[i] * q[k];
					dR[CRO_PRIM_NULL][i * c + k] += 2.0L * r[i] * p[k];
				}
	}
	const ld Nl = (ld)N;
	for (int k = CRO_PRIM_AMP; k < CRO_PRIM_COUNT; k++) {
		R[k] /= Nl;
		if (dR)
			for (size_t i = 0; i < ac; i++)
				dR[k][i] /= Nl;
	}
	if (dR)
		for (size_t i = 0; i < a; i++)
			for (size_t k = 0; k < c; k++) {
				dR[CRO_PRIM_DECAY][i * c + k] = 2.0L * B[i * c + k];
				dR[CRO_PRIM_SELF][i * c + k] = -W[k * a + i];
			}
}

double cro_ld_align_ratio(size_t n_in, size_t n_out, size_t batch,
                          const double *W, const double *B, const double *x,
                          const cro_align_out *out)
{
	if (LDBL_MANT_DIG < 64)
		return -1.0;
	const size_t a = n_in, c = n_out, ac = a * c;
	ld *buf = calloc(2 * ac + batch * a + 5 * ac + 2 * c + a + 1, sizeof(ld));
	if (!buf)
		return -1.0;
	ld *lW = buf, *lB = lW + ac, *lx = lB + ac, *d0 = lx + batch * a;
	ld *p = d0 + 5 * ac, *q = p + c, *r = q + c;
	ld *dR[CRO_PRIM_COUNT], R[CRO_PRIM_COUNT];
	for (int k = 0; k < CRO_PRIM_COUNT; k++)
		dR[k] = d0 + (size_t)k * ac;
	for (size_t i = 0; i < ac; i++) {
		lW[i] = W[i];
		lB[i] = B[i];
	}
	for (size_t i = 0; i < batch * a; i++)
		lx[i] = x[i];
	ld_prims(a, c, batch, lW, lB, lx, R, dR, p, q, r);
	double worst = 0.0;
	for (int k = 0; k < CRO_PRIM_COUNT; k++) {
		double rr = ratio(R[k], out->R[k], out->R_gauge[k], out->k_R[k]);
		if (!(rr <= worst))
			worst = rr;
		for (size_t i = 0; i < ac; i++) {
			rr = ratio(dR[k][i], out->dR[k][i], out->dR_gauge[k][i], out->k_dR[k]);
			if (!(rr <= worst))
				worst = rr;
		}
	}
	free(buf);
	return worst;
}

// The mirror update dB of one layer in long double (wm.md WM-STEP-2/3).
static void ld_mirror(int rule, const cro_fbl_hyper *h, int act, ld slope, size_t a, size_t c,
                      size_t M, const ld *W, const ld *b, const ld *B, const double *noise,
                      ld *dB, ld *y)
{
	const size_t ac = a * c;
	for (size_t i = 0; i < ac; i++)
		dB[i] = 0.0L;
	for (size_t m = 0; m < M; m++) {
		const double *xi = noise + m * a;
		for (size_t k = 0; k < c; k++) {
			ld s = 0.0L, d;
			for (size_t i = 0; i < a; i++)
				s += W[k * a + i] * (ld)xi[i];
			y[k] = rule == CRO_FBL_WM_NONLINEAR ? ld_act(act, slope, s + b[k], &d) : s;
		}
		for (size_t i = 0; i < a; i++)
			for (size_t k = 0; k < c; k++)
				dB[i * c + k] += (ld)xi[i] * y[k];
	}
	// dB holds sum_m xi_m y_m^T; form the rule's update from it.
	for (size_t i = 0; i < ac; i++) {
		const ld mean = dB[i] / (ld)M;
		if (rule == CRO_FBL_WM_KUNIN)
			dB[i] = (ld)h->alpha * (2.0L * B[i]) + (ld)h->beta * (-mean);
		else
			dB[i] = (ld)h->decay_B * B[i] - mean;
	}
}

// NOT-TOL-2 factor k_grad and the rule's r_s, computed here from the formulas
// of the rule files (not with cro_fbl_r).
static double ld_r(const cro_net *net, int rule, size_t N, size_t M)
{
	const size_t L = net->depth, *n = net->widths;
	if (L == 1 || rule == CRO_FBL_SA)
		return 2.0;
	double S = 0.0, m1 = 0.0, m2 = 0.0, r;
	for (size_t l = 0; l <= L; l++)
		S += (double)n[l];
	for (size_t l = 2; l <= L; l++) {
		m1 = fmax(m1, (double)n[l - 1]);
		m2 = fmax(m2, (double)(n[l - 1] + n[l]));
	}
	if (rule == CRO_FBL_AA)
		r = m1 + 6.0 - S;
	else if (rule == CRO_FBL_IA)
		r = m2 + 7.0 - S;
	else
		r = m1 + (double)M + (rule == CRO_FBL_WM_LINEAR ? 5.0 : rule == CRO_FBL_WM_KUNIN ? 6.0 : 16.0) -
		    (2.0 * S + (double)N + 10.0 * (double)(L + 1));
	return fmax(r, 2.0);
}

double cro_ld_fbl_ratio(const cro_net *net, int rule, const cro_fbl_hyper *h,
                        const double *W, const double *b, const double *B,
                        size_t steps, const size_t *batch,
                        const double *x, const double *t,
                        const size_t *noise_rows, const double *noise,
                        const cro_fbl_traj_out *out)
{
	if (LDBL_MANT_DIG < 64)
		return -1.0;
	const size_t L = net->depth, *n = net->widths;
	const int wm = rule == CRO_FBL_WM_LINEAR || rule == CRO_FBL_WM_NONLINEAR ||
	               rule == CRO_FBL_WM_KUNIN;
	size_t Wn = cro_W_len(net), bn = cro_b_len(net), maxw = 0, maxN = 0, maxM = 0;
	size_t wo[CRO_MAX_DEPTH + 2], bo[CRO_MAX_DEPTH + 2], fo[CRO_MAX_DEPTH + 2];
	size_t Bn = offsets(net, CRO_RULE_FA, wo, bo, fo);
	for (size_t l = 0; l <= L; l++)
		if (n[l] > maxw)
			maxw = n[l];
	for (size_t s = 0; s < steps; s++) {
		if (batch[s] > maxN)
			maxN = batch[s];
		if (wm && L >= 2 && noise_rows[s] > maxM)
			maxM = noise_rows[s];
	}
	ld *lW = ld_copy(W, Wn), *lb = ld_copy(b, bn), *lB = ld_copy(B, B ? Bn : 0);
	ld *dW = calloc(Wn, sizeof(ld)), *db = calloc(bn, sizeof(ld));
	ld *G = calloc(Bn ? Bn : 1, sizeof(ld)), *hh = calloc(maxN * bn, sizeof(ld));
	ld *xin = calloc(maxN * maxw, sizeof(ld)), *tmp = calloc(5 * maxw * maxw + 3 * maxw, sizeof(ld));
	int ok = lW && lb && lB && dW && db && G && hh && xin && tmp;
	double worst = ok ? 0.0 : -1.0;
	const ld eta = h->eta, etaB = h->eta_B;
	double k_in = 0.0;
	size_t xo = 0, to = 0, no = 0;
	for (size_t s = 0; ok && s < steps; s++) {
		ld loss;
		ok = ld_grad(net, CRO_RULE_FA, batch[s], lW, lb, lB, x + xo, t + to, &loss, dW, db, hh);
		if (!ok) {
			worst = -1.0;
			break;
		}
		const ld N = (ld)batch[s];
		const size_t M = wm && L >= 2 ? noise_rows[s] : 0;
		const double kl = k_in + k_loss_of(net, batch[s]);
		const double ks = k_in + k_grad_of(net, batch[s]) + 2.0 * ld_r(net, rule, batch[s], M);
		double r = ratio(loss / N, out->loss[s], out->loss_gauge[s], kl);
		if (!(r <= worst))
			worst = r;
		// The feedback's update of each layer, from the state before the step.
		size_t nofs = no;
		for (size_t l = 2; l <= L; l++) {
			const size_t a = n[l - 1], c = n[l], ac = a * c;
			ld *Gl = G + fo[l];
			if (wm) {
				ld_mirror(rule, h, net->acts[l - 1], net->slopes ? net->slopes[l - 1] : 0.0L,
				          a, c, M, lW + wo[l], lb + bo[l], lB + fo[l], noise + nofs, Gl, tmp);
				nofs += M * a;
				continue;
			}
			for (size_t q = 0; q < batch[s]; q++)
				for (size_t j = 0; j < a; j++)
					xin[q * a + j] = hh[q * bn + bo[l - 1] + j];
			ld R[CRO_PRIM_COUNT], *dR[CRO_PRIM_COUNT];
			for (int k = 0; k < CRO_PRIM_COUNT; k++)
				dR[k] = tmp + (size_t)k * maxw * maxw;
			ld *pv = tmp + 5 * maxw * maxw;
			ld_prims(a, c, batch[s], lW + wo[l], lB + fo[l], xin, R, dR, pv, pv + maxw, pv + 2 * maxw);
			for (size_t i = 0; i < ac; i++) {
				if (rule == CRO_FBL_SA)
					Gl[i] = (ld)h->alpha * dR[CRO_PRIM_DECAY][i] + (ld)h->beta * dR[CRO_PRIM_SELF][i];
				else if (rule == CRO_FBL_AA)
					Gl[i] = (ld)h->alpha * dR[CRO_PRIM_SPARSE][i] + (ld)h->beta * dR[CRO_PRIM_AMP][i];
				else
					Gl[i] = (ld)h->alpha * dR[CRO_PRIM_AMP][i] + (ld)h->beta * dR[CRO_PRIM_NULL][i] +
					        (ld)h->gamma * dR[CRO_PRIM_DECAY][i];
			}
		}
		for (size_t i = 0; i < Bn; i++)
			lB[i] -= etaB * G[i];
		for (size_t i = 0; i < Wn; i++)
			lW[i] -= eta * (dW[i] / N);
		for (size_t i = 0; i < bn; i++)
			lb[i] -= eta * (db[i] / N);
		for (size_t i = 0; i < Wn; i++) {
			r = ratio(lW[i], out->W[s * Wn + i], out->W_gauge[s * Wn + i], ks);
			if (!(r <= worst))
				worst = r;
		}
		for (size_t i = 0; i < bn; i++) {
			r = ratio(lb[i], out->b[s * bn + i], out->b_gauge[s * bn + i], ks);
			if (!(r <= worst))
				worst = r;
		}
		for (size_t i = 0; i < Bn; i++) {
			r = ratio(lB[i], out->B[s * Bn + i], out->B_gauge[s * Bn + i], ks);
			if (!(r <= worst))
				worst = r;
		}
		k_in = ks;
		xo += batch[s] * n[0];
		to += batch[s] * n[L];
		no = nofs;
	}
	free(lW); free(lb); free(lB); free(dW); free(db); free(G); free(hh); free(xin); free(tmp);
	return worst;
}
