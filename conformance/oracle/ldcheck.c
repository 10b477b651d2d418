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

static ld sgnl(double v)
{
	return v > 0.0 ? 1.0L : (v < 0.0 ? -1.0L : 0.0L);
}

double cro_ld_ratio(const cro_net *net, int rule, size_t batch,
                    const double *W, const double *b, const double *fb,
                    const double *x, const double *t, const cro_out *out)
{
	if (LDBL_MANT_DIG < 64)
		return -1.0;
	const size_t L = net->depth, *n = net->widths;
	size_t Wn = cro_W_len(net), bn = cro_b_len(net), maxw = 0;
	size_t wo[CRO_MAX_DEPTH + 2], bo[CRO_MAX_DEPTH + 2], fo[CRO_MAX_DEPTH + 2];
	size_t o1 = 0, o2 = 0, o3 = 0;
	for (size_t l = 0; l <= L; l++)
		if (n[l] > maxw)
			maxw = n[l];
	for (size_t l = 1; l <= L; l++) {
		wo[l] = o1; bo[l] = o2;
		o1 += n[l] * n[l - 1];
		o2 += n[l];
	}
	// Offsets of the feedback matrices: fo[l] for B_l / M_l (l >= 2) or D_l.
	for (size_t l = 1; l <= L; l++) {
		fo[l] = o3;
		if (rule == CRO_RULE_DFA && l < L)
			o3 += n[l] * n[L];
		else if ((rule == CRO_RULE_FA || rule == CRO_RULE_SS_BRSF ||
		          rule == CRO_RULE_SS_FRSF) && l >= 2)
			o3 += n[l] * n[l - 1];
	}
	ld *h = calloc((L + 1) * maxw, sizeof(ld)), *d = calloc((L + 1) * maxw, sizeof(ld));
	ld *dl = calloc((L + 1) * maxw, sizeof(ld)), *e = calloc(maxw, sizeof(ld));
	ld *dW = calloc(Wn, sizeof(ld)), *db = calloc(bn, sizeof(ld));
	if (!h || !d || !dl || !e || !dW || !db) {
		free(h); free(d); free(dl); free(e); free(dW); free(db);
		return -1.0;
	}
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
					a += (ld)W[wo[l] + i * n[l - 1] + j] * H(l - 1, j);
				ld dv;
				H(l, i) = ld_act(net->acts[l - 1], sl, a, &dv);
				DD(l, i) = dv;
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
						g += (ld)fb[fo[l - 1] + j * n[L] + k] * DL(L, k);
				} else {
					for (size_t i = 0; i < n[l]; i++) {
						size_t wi = wo[l] + i * n[l - 1] + j; // W_l[i][j]
						ld f;
						if (rule == CRO_RULE_FA)
							f = fb[fo[l] + j * n[l] + i]; // B_l[j][i]
						else if (rule == CRO_RULE_SS_USF)
							f = fabsl((ld)fb[l - 2]) * sgnl(W[wi]);
						else if (rule == CRO_RULE_SS_BRSF || rule == CRO_RULE_SS_FRSF)
							f = fabsl((ld)fb[fo[l] + i * n[l - 1] + j]) * sgnl(W[wi]);
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
	const ld N = (ld)batch;
	double worst = 0.0;
	for (size_t i = 0; i < Wn + bn + 1; i++) {
		ld exact;
		double got, G, k;
		if (i < Wn) {
			exact = dW[i] / N; got = out->dW[i]; G = out->dW_gauge[i]; k = out->k_grad;
		} else if (i < Wn + bn) {
			exact = db[i - Wn] / N; got = out->db[i - Wn]; G = out->db_gauge[i - Wn]; k = out->k_grad;
		} else {
			exact = loss / N; got = out->loss; G = out->loss_gauge; k = out->k_loss;
		}
		ld diff = fabsl((ld)got - exact), tol = (ld)k * (ld)CRO_U * (ld)G;
		double r = tol > 0.0L ? (double)(diff / tol) : (diff > 0.0L ? INFINITY : 0.0);
		if (!(r <= worst))
			worst = r;
	}
	free(h); free(d); free(dl); free(e); free(dW); free(db);
	return worst;
}
