// conformance/oracle/oracle.c: loss, gradients and gauges of bp, fa, dfa and
// ss with GSL BLAS (spec/notation.md, spec/rules/*.md). See oracle.h.
//
// Every value is computed together with its gauge G by the rules of
// NOT-TOL-1, applied to the same operations: a matrix-vector product W h + b
// has gauge |W| (|h| + G(h)) + |b|, computed with a second dgemv on |W|.
// When the caller passes gauges of W, b or the feedback (cro_grad_g(), for
// a state that was itself computed, NOT-STEP-4), the product's gauge is
// G(W) |h| + |W| G(h) + G(b), two dgemvs, and the feedback product likewise.
#include "oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

static const char *const status_names[CRO_STATUS_COUNT] = {
	"ok", "null_pointer", "zero_size", "size_too_large", "size_mismatch",
	"unknown_activation", "unknown_loss", "invalid_parameter",
	"non_finite_input", "non_finite_result", "unknown_rule", "out_of_memory",
	"gauge_overflow",
};
static const char *const act_names[CRO_ACT_COUNT] = {
	"identity", "tanh", "logistic", "relu", "leaky_relu",
};
static const char *const loss_names[CRO_LOSS_COUNT] = { "mse", "softmax_ce" };
static const char *const rule_names[CRO_RULE_COUNT] = {
	"bp", "fa", "dfa", "ss_usf", "ss_brsf", "ss_frsf",
};

const char *cro_status_name(int status)
{
	if (status < 0 || status >= CRO_STATUS_COUNT)
		return "unknown_status";
	return status_names[status];
}

const char *cro_act_name(int kind)
{
	return (kind >= 0 && kind < CRO_ACT_COUNT) ? act_names[kind] : "unknown";
}

const char *cro_loss_name(int kind)
{
	return (kind >= 0 && kind < CRO_LOSS_COUNT) ? loss_names[kind] : "unknown";
}

const char *cro_rule_name(int rule)
{
	return (rule >= 0 && rule < CRO_RULE_COUNT) ? rule_names[rule] : "unknown";
}

int cro_act_from_name(const char *name)
{
	for (int k = 0; k < CRO_ACT_COUNT; k++)
		if (name && strcmp(name, act_names[k]) == 0)
			return k;
	return -1;
}

int cro_loss_from_name(const char *name)
{
	for (int k = 0; k < CRO_LOSS_COUNT; k++)
		if (name && strcmp(name, loss_names[k]) == 0)
			return k;
	return -1;
}

// a * b + c in size_t, 0 on overflow (sizes here are never 0 when valid).
static int mul_add(size_t a, size_t b, size_t *acc)
{
	if (a != 0 && b > ((size_t)-1 - *acc) / a)
		return 0;
	*acc += a * b;
	return 1;
}

size_t cro_W_len(const cro_net *net)
{
	size_t n = 0;
	if (!net || !net->widths || net->depth == 0)
		return 0;
	for (size_t l = 1; l <= net->depth; l++)
		if (!mul_add(net->widths[l], net->widths[l - 1], &n))
			return 0;
	return n;
}

size_t cro_b_len(const cro_net *net)
{
	size_t n = 0;
	if (!net || !net->widths || net->depth == 0)
		return 0;
	for (size_t l = 1; l <= net->depth; l++)
		if (!mul_add(net->widths[l], 1, &n))
			return 0;
	return n;
}

size_t cro_fb_len(const cro_net *net, int rule)
{
	size_t n = 0, L;
	if (!net || !net->widths || net->depth == 0)
		return 0;
	L = net->depth;
	switch (rule) {
	case CRO_RULE_FA:
	case CRO_RULE_SS_BRSF:
	case CRO_RULE_SS_FRSF:
		for (size_t l = 2; l <= L; l++)
			if (!mul_add(net->widths[l], net->widths[l - 1], &n))
				return 0;
		return n;
	case CRO_RULE_DFA:
		for (size_t l = 1; l < L; l++)
			if (!mul_add(net->widths[l], net->widths[L], &n))
				return 0;
		return n;
	case CRO_RULE_SS_USF:
		return L - 1;
	default:
		return 0;
	}
}

size_t cro_a_len(const cro_net *net, size_t batch)
{
	size_t n = 0;
	if (!mul_add(batch, cro_b_len(net), &n))
		return 0;
	return n;
}

static int all_finite(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

// One layer's activation and derivative with their gauges (NOT-ACT-*,
// NOT-TOL-1). The derivatives of tanh and the logistic are computed from
// h = f(a) as NOT-ACT-2/3 write them.
static void act_apply(int kind, double s, double a, double Ga,
                      double *h, double *Gh, double *d, double *Gd)
{
	switch (kind) {
	case CRO_ACT_TANH:
		*h = tanh(a);
		*d = 1.0 - *h * *h;
		*Gh = fabs(*d) * Ga + fabs(*h);
		*Gd = 1.0 + 2.0 * fabs(*h) * *Gh;
		break;
	case CRO_ACT_LOGISTIC:
		// NOT-ACT-7: never exp of a large positive number.
		if (a >= 0.0) {
			*h = 1.0 / (1.0 + exp(-a));
		} else {
			double e = exp(a);
			*h = e / (1.0 + e);
		}
		*d = *h * (1.0 - *h);
		*Gh = fabs(*d) * Ga + fabs(*h);
		*Gd = *Gh * fabs(1.0 - *h) + fabs(*h) * (1.0 + *Gh);
		break;
	case CRO_ACT_RELU:
		// NOT-ACT-4: relu'(0) = 0.
		if (a > 0.0) {
			*h = a; *d = 1.0; *Gh = Ga;
		} else {
			*h = 0.0; *d = 0.0; *Gh = 0.0;
		}
		*Gd = 0.0;
		break;
	case CRO_ACT_LEAKY_RELU:
		// NOT-ACT-5: f'(0) = s.
		if (a > 0.0) {
			*h = a; *d = 1.0; *Gh = Ga;
		} else {
			*h = s * a; *d = s; *Gh = fabs(s) * Ga;
		}
		*Gd = 0.0;
		break;
	default: // CRO_ACT_IDENTITY
		*h = a; *d = 1.0; *Gh = Ga; *Gd = 0.0;
		break;
	}
}

void cro_act_eval(int kind, double slope, double a, double Ga,
                  double *h, double *Gh, double *d, double *Gd)
{
	act_apply(kind, slope, a, Ga, h, Gh, d, Gd);
}

// The loss of one sample and the output error e = dl/dy (NOT-LOSS-1/2) with
// their gauges. y, Gy, t: [n]; e, Ge, p: [n] outputs (p is scratch).
static void loss_apply(int loss, size_t n, const double *y, const double *Gy,
                       const double *t, double *l, double *Gl, double *e,
                       double *Ge, double *p)
{
	if (loss == CRO_LOSS_MSE) {
		double sum = 0.0, G = 0.0;
		for (size_t k = 0; k < n; k++) {
			e[k] = y[k] - t[k];
			Ge[k] = Gy[k] + fabs(t[k]);
			sum += e[k] * e[k];
			G += fabs(e[k]) * Ge[k];
		}
		*l = 0.5 * sum;
		*Gl = G;
		return;
	}
	// NOT-LOSS-2: softmax cross-entropy on logits, max subtracted.
	size_t ks = 0;
	for (size_t k = 1; k < n; k++)
		if (y[k] > y[ks])
			ks = k;
	double m = y[ks], s = 0.0, tau = 0.0, tabs = 0.0;
	for (size_t k = 0; k < n; k++) {
		p[k] = exp(y[k] - m);
		s += p[k];
		tau += t[k];
		tabs += fabs(t[k]);
	}
	double lse = m + log(s);
	double pG = 0.0;
	for (size_t k = 0; k < n; k++) {
		p[k] = p[k] / s;
		pG += p[k] * Gy[k];
	}
	double Glse = fabs(m) + Gy[ks] + fabs(log(s));
	for (size_t k = 0; k < n; k++)
		Glse += p[k] * (Gy[k] + Gy[ks]);
	double sum = 0.0, G = 0.0;
	for (size_t k = 0; k < n; k++) {
		double Gp = p[k] * (Gy[k] + pG) + p[k];
		sum += t[k] * (lse - y[k]);
		G += fabs(t[k]) * (Glse + Gy[k] + fabs(lse - y[k]));
		e[k] = tau * p[k] - t[k];
		Ge[k] = p[k] * tabs + fabs(tau) * Gp + fabs(t[k]);
	}
	*l = sum;
	*Gl = G;
}

// Per-layer GSL objects. Index l runs 0..L; index 0 is unused for matrices.
typedef struct {
	size_t L;
	gsl_matrix Wv[CRO_MAX_DEPTH + 1]; // read-only views of W_l
	gsl_matrix *absW[CRO_MAX_DEPTH + 1];
	gsl_matrix *F[CRO_MAX_DEPTH + 1];    // feedback: see fb_trans
	gsl_matrix *absF[CRO_MAX_DEPTH + 1];
	gsl_matrix GWv[CRO_MAX_DEPTH + 1];   // read-only views of G(W_l), when given
	gsl_matrix *GF[CRO_MAX_DEPTH + 1];   // G(F), when the feedback gauge is given
	gsl_vector *h[CRO_MAX_DEPTH + 1], *Gh[CRO_MAX_DEPTH + 1];
	gsl_vector *ah[CRO_MAX_DEPTH + 1];   // |h| + G(h), the gauge operand
	gsl_vector *a[CRO_MAX_DEPTH + 1], *Ga[CRO_MAX_DEPTH + 1];
	gsl_vector *d[CRO_MAX_DEPTH + 1], *Gd[CRO_MAX_DEPTH + 1];
	gsl_vector *dl[CRO_MAX_DEPTH + 1], *Gdl[CRO_MAX_DEPTH + 1]; // delta
	gsl_vector *g[CRO_MAX_DEPTH + 1], *Gg[CRO_MAX_DEPTH + 1];   // feedback product
	gsl_vector *absdl[CRO_MAX_DEPTH + 1];
	gsl_vector *sdl[CRO_MAX_DEPTH + 1];  // |delta| + G(delta)
	gsl_vector *absh[CRO_MAX_DEPTH + 1];
	gsl_vector *e, *Ge, *p;
} work;

static void work_free(work *w)
{
	for (size_t l = 0; l <= w->L; l++) {
		gsl_matrix_free(w->absW[l]);
		gsl_matrix_free(w->F[l]);
		gsl_matrix_free(w->absF[l]);
		gsl_matrix_free(w->GF[l]);
		gsl_vector *const vs[] = { w->h[l], w->Gh[l], w->ah[l], w->a[l], w->Ga[l],
			w->d[l], w->Gd[l], w->dl[l], w->Gdl[l], w->g[l], w->Gg[l],
			w->absdl[l], w->sdl[l], w->absh[l] };
		for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
			gsl_vector_free(vs[i]);
	}
	gsl_vector_free(w->e);
	gsl_vector_free(w->Ge);
	gsl_vector_free(w->p);
}

static int work_alloc(work *w, const size_t *n, size_t L)
{
	memset(w, 0, sizeof *w);
	w->L = L;
	int ok = 1;
	for (size_t l = 0; l <= L; l++) {
		gsl_vector **const vs[] = { &w->h[l], &w->Gh[l], &w->ah[l], &w->a[l],
			&w->Ga[l], &w->d[l], &w->Gd[l], &w->dl[l], &w->Gdl[l], &w->g[l],
			&w->Gg[l], &w->absdl[l], &w->sdl[l], &w->absh[l] };
		for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
			*vs[i] = gsl_vector_calloc(n[l]);
			ok = ok && *vs[i];
		}
	}
	w->e = gsl_vector_calloc(n[L]);
	w->Ge = gsl_vector_calloc(n[L]);
	w->p = gsl_vector_calloc(n[L]);
	return ok && w->e && w->Ge && w->p;
}

static double sgn(double v)
{
	return v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : 0.0);
}

// A gauge array of a computed state: every entry finite and >= 0.
static int gauges_ok(const double *G, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(G[i]) || !(G[i] >= 0.0))
			return 0;
	return 1;
}

// An r x c matrix holding the gauges G, or NULL (an allocation failure sets *ok = 0).
static gsl_matrix *gauge_copy(const double *G, size_t r, size_t c, int *ok)
{
	gsl_matrix *m = gsl_matrix_alloc(r, c);
	if (!m) {
		*ok = 0;
		return NULL;
	}
	memcpy(m->data, G, r * c * sizeof(double));
	return m;
}

cro_status cro_grad(const cro_net *net, int rule, size_t batch,
                    const double *W, size_t W_len, const double *b, size_t b_len,
                    const double *fb, size_t fb_len,
                    const double *x, size_t x_len, const double *t, size_t t_len,
                    cro_out *out)
{
	return cro_grad_g(net, rule, batch, W, W_len, b, b_len, fb, fb_len, x, x_len,
	                  t, t_len, NULL, NULL, NULL, out);
}

cro_status cro_grad_g(const cro_net *net, int rule, size_t batch,
                      const double *W, size_t W_len, const double *b, size_t b_len,
                      const double *fb, size_t fb_len,
                      const double *x, size_t x_len, const double *t, size_t t_len,
                      const double *GW, const double *Gb, const double *Gfb,
                      cro_out *out)
{
	gsl_set_error_handler_off();
	if (!net || !out || !net->widths || !net->acts)
		return CRO_ERR_NULL;
	const size_t L = net->depth;
	const size_t *n = net->widths;
	// NOT-NET-1, NOT-NET-4: every size at least 1.
	if (L == 0)
		return CRO_ERR_ZERO_SIZE;
	if (L > CRO_MAX_DEPTH)
		return CRO_ERR_SIZE;
	for (size_t l = 0; l <= L; l++)
		if (n[l] == 0)
			return CRO_ERR_ZERO_SIZE;
	if (batch == 0)
		return CRO_ERR_ZERO_SIZE;
	for (size_t l = 0; l < L; l++)
		if (net->acts[l] < 0 || net->acts[l] >= CRO_ACT_COUNT)
			return CRO_ERR_ACTIVATION;
	if (net->loss < 0 || net->loss >= CRO_LOSS_COUNT)
		return CRO_ERR_LOSS;
	// NOT-ACT-6: the slope is a network parameter, any finite number.
	for (size_t l = 0; l < L; l++)
		if (net->acts[l] == CRO_ACT_LEAKY_RELU &&
		    (!net->slopes || !isfinite(net->slopes[l])))
			return CRO_ERR_PARAM;
	if (rule < 0 || rule >= CRO_RULE_COUNT)
		return CRO_ERR_RULE;
	size_t Wn = cro_W_len(net), bn = cro_b_len(net), An = cro_a_len(net, batch);
	size_t xn = 0, tn = 0;
	if (Wn == 0 || bn == 0 || An == 0 || !mul_add(batch, n[0], &xn) ||
	    !mul_add(batch, n[L], &tn))
		return CRO_ERR_SIZE;
	if (W_len != Wn || b_len != bn || fb_len != cro_fb_len(net, rule) ||
	    x_len != xn || t_len != tn)
		return CRO_ERR_SIZE_MISMATCH;
	if (!W || !b || !x || !t || (fb_len > 0 && !fb) || !out->dW ||
	    !out->dW_gauge || !out->db || !out->db_gauge)
		return CRO_ERR_NULL;
	// NOT-NET-5.
	if (!all_finite(W, W_len) || !all_finite(b, b_len) || !all_finite(x, x_len) ||
	    !all_finite(t, t_len) || (fb_len > 0 && !all_finite(fb, fb_len)))
		return CRO_ERR_NONFINITE_INPUT;
	// Gauges of a computed state (NOT-STEP-4) must be usable.
	if ((GW && !gauges_ok(GW, W_len)) || (Gb && !gauges_ok(Gb, b_len)) ||
	    (Gfb && fb_len > 0 && !gauges_ok(Gfb, fb_len)))
		return CRO_ERR_GAUGE;

	work w;
	if (!work_alloc(&w, n, L)) {
		work_free(&w);
		return CRO_ERR_NOMEM;
	}
	size_t woff[CRO_MAX_DEPTH + 1], boff[CRO_MAX_DEPTH + 1];
	size_t wo = 0, bo = 0, fo = 0;
	int fb_trans = (rule == CRO_RULE_BP || rule == CRO_RULE_SS_USF ||
	                rule == CRO_RULE_SS_BRSF || rule == CRO_RULE_SS_FRSF);
	int ok = 1;
	for (size_t l = 1; l <= L; l++) {
		woff[l] = wo;
		boff[l] = bo;
		gsl_matrix_const_view Wview = gsl_matrix_const_view_array(W + wo, n[l], n[l - 1]);
		w.Wv[l] = Wview.matrix;
		if (GW) {
			gsl_matrix_const_view GWview = gsl_matrix_const_view_array(GW + wo, n[l], n[l - 1]);
			w.GWv[l] = GWview.matrix;
		}
		w.absW[l] = gsl_matrix_alloc(n[l], n[l - 1]);
		ok = ok && w.absW[l];
		if (!ok)
			break;
		for (size_t i = 0; i < n[l] * n[l - 1]; i++)
			w.absW[l]->data[i] = fabs(W[wo + i]);
		// The feedback matrix that carries delta_l down (sequential rules,
		// l >= 2) or delta_L to layer l (DFA, l <= L-1). With fb_trans it
		// is stored n_l x n_{l-1} and applied transposed.
		gsl_matrix *F = NULL;
		if (rule == CRO_RULE_DFA && l < L) {
			F = gsl_matrix_alloc(n[l], n[L]); // D_l (NOT-FB-2)
			if (F)
				memcpy(F->data, fb + fo, n[l] * n[L] * sizeof(double));
			if (Gfb)
				w.GF[l] = gauge_copy(Gfb + fo, n[l], n[L], &ok);
			fo += n[l] * n[L];
		} else if (rule == CRO_RULE_FA && l >= 2) {
			F = gsl_matrix_alloc(n[l - 1], n[l]); // B_l (NOT-FB-1)
			if (F)
				memcpy(F->data, fb + fo, n[l - 1] * n[l] * sizeof(double));
			if (Gfb)
				w.GF[l] = gauge_copy(Gfb + fo, n[l - 1], n[l], &ok);
			fo += n[l - 1] * n[l];
		} else if (rule == CRO_RULE_BP && l >= 2) {
			F = gsl_matrix_alloc(n[l], n[l - 1]); // W_l, used as W_l^T
			if (F)
				memcpy(F->data, W + wo, n[l] * n[l - 1] * sizeof(double));
			if (GW)
				w.GF[l] = gauge_copy(GW + wo, n[l], n[l - 1], &ok);
		} else if ((rule == CRO_RULE_SS_BRSF || rule == CRO_RULE_SS_FRSF) && l >= 2) {
			F = gsl_matrix_alloc(n[l], n[l - 1]); // B_l^T = |M_l| o sign(W_l)
			if (F)
				for (size_t i = 0; i < n[l] * n[l - 1]; i++)
					F->data[i] = fabs(fb[fo + i]) * sgn(W[wo + i]);
			// |.| and sign are exact: G(F) = G(M) |sign(W)|.
			if (Gfb && (w.GF[l] = gauge_copy(Gfb + fo, n[l], n[l - 1], &ok)) != NULL)
				for (size_t i = 0; i < n[l] * n[l - 1]; i++)
					w.GF[l]->data[i] *= fabs(sgn(W[wo + i]));
			fo += n[l] * n[l - 1];
		} else if (rule == CRO_RULE_SS_USF && l >= 2) {
			F = gsl_matrix_alloc(n[l], n[l - 1]); // B_l^T = |scale| sign(W_l)
			if (F)
				for (size_t i = 0; i < n[l] * n[l - 1]; i++)
					F->data[i] = fabs(fb[l - 2]) * sgn(W[wo + i]);
			if (Gfb && (w.GF[l] = gsl_matrix_alloc(n[l], n[l - 1])) != NULL)
				for (size_t i = 0; i < n[l] * n[l - 1]; i++)
					w.GF[l]->data[i] = Gfb[l - 2] * fabs(sgn(W[wo + i]));
			else if (Gfb)
				ok = 0;
		}
		if (F) {
			// Feedback entries are inputs or exact functions of inputs
			// (|.| and sign are exact): their gauge is their magnitude.
			w.F[l] = F;
			w.absF[l] = gsl_matrix_alloc(F->size1, F->size2);
			ok = ok && w.absF[l];
			if (!ok)
				break;
			for (size_t i = 0; i < F->size1 * F->size2; i++)
				w.absF[l]->data[i] = fabs(F->data[i]);
		}
		wo += n[l] * n[l - 1];
		bo += n[l];
	}
	if (!ok) {
		work_free(&w);
		return CRO_ERR_NOMEM;
	}

	memset(out->dW, 0, Wn * sizeof(double));
	memset(out->dW_gauge, 0, Wn * sizeof(double));
	memset(out->db, 0, bn * sizeof(double));
	memset(out->db_gauge, 0, bn * sizeof(double));
	double loss_sum = 0.0, loss_G = 0.0;
	int inter_ok = 1;

	for (size_t s = 0; s < batch; s++) {
		// Forward pass, NOT-NET-2: a_l = W_l h_{l-1} + b_l, h_l = f_l(a_l).
		for (size_t j = 0; j < n[0]; j++) {
			w.h[0]->data[j] = x[s * n[0] + j];
			w.Gh[0]->data[j] = fabs(x[s * n[0] + j]);
		}
		size_t aoff = 0;
		for (size_t l = 1; l <= L; l++) {
			for (size_t j = 0; j < n[l - 1]; j++)
				w.ah[l - 1]->data[j] = fabs(w.h[l - 1]->data[j]) + w.Gh[l - 1]->data[j];
			for (size_t i = 0; i < n[l]; i++) {
				w.a[l]->data[i] = b[boff[l] + i];
				w.Ga[l]->data[i] = Gb ? Gb[boff[l] + i] : fabs(b[boff[l] + i]);
			}
			gsl_blas_dgemv(CblasNoTrans, 1.0, &w.Wv[l], w.h[l - 1], 1.0, w.a[l]);
			if (GW) {
				// G(W h) = G(W) |h| + |W| G(h) (NOT-TOL-1).
				for (size_t j = 0; j < n[l - 1]; j++)
					w.absh[l - 1]->data[j] = fabs(w.h[l - 1]->data[j]);
				gsl_blas_dgemv(CblasNoTrans, 1.0, &w.GWv[l], w.absh[l - 1], 1.0, w.Ga[l]);
				gsl_blas_dgemv(CblasNoTrans, 1.0, w.absW[l], w.Gh[l - 1], 1.0, w.Ga[l]);
			} else {
				gsl_blas_dgemv(CblasNoTrans, 1.0, w.absW[l], w.ah[l - 1], 1.0, w.Ga[l]);
			}
			double sl = net->slopes ? net->slopes[l - 1] : 0.0;
			for (size_t i = 0; i < n[l]; i++) {
				double ai = w.a[l]->data[i], Gai = w.Ga[l]->data[i];
				act_apply(net->acts[l - 1], sl, ai, Gai, &w.h[l]->data[i],
				          &w.Gh[l]->data[i], &w.d[l]->data[i], &w.Gd[l]->data[i]);
				if (out->a)
					out->a[s * bn + aoff + i] = ai;
				if (out->a_gauge)
					out->a_gauge[s * bn + aoff + i] = Gai;
				if (out->h)
					out->h[s * bn + aoff + i] = w.h[l]->data[i];
				if (out->h_gauge)
					out->h_gauge[s * bn + aoff + i] = w.Gh[l]->data[i];
				if (!isfinite(ai) || !isfinite(Gai) || !isfinite(w.Gh[l]->data[i]) ||
				    !isfinite(w.h[l]->data[i]))
					inter_ok = 0;
			}
			aoff += n[l];
		}
		// Loss and output error (NOT-LOSS-*), output delta (NOT-RED-2).
		double l1, Gl1;
		loss_apply(net->loss, n[L], w.h[L]->data, w.Gh[L]->data, t + s * n[L],
		           &l1, &Gl1, w.e->data, w.Ge->data, w.p->data);
		loss_sum += l1;
		loss_G += Gl1;
		for (size_t i = 0; i < n[L]; i++) {
			double d = w.d[L]->data[i], e = w.e->data[i];
			w.dl[L]->data[i] = d * e;
			w.Gdl[L]->data[i] = w.Gd[L]->data[i] * fabs(e) + fabs(d) * w.Ge->data[i];
		}
		// Hidden deltas: delta_l = f_l'(a_l) o g_l, where g_l is
		// B_{l+1} delta_{l+1} (BP, FA, SS) or D_l delta_L (DFA).
		for (size_t l = L; l >= 2; l--) {
			size_t src = (rule == CRO_RULE_DFA) ? L : l;
			gsl_matrix *F = (rule == CRO_RULE_DFA) ? w.F[l - 1] : w.F[l];
			gsl_matrix *aF = (rule == CRO_RULE_DFA) ? w.absF[l - 1] : w.absF[l];
			gsl_matrix *GF = (rule == CRO_RULE_DFA) ? w.GF[l - 1] : w.GF[l];
			CBLAS_TRANSPOSE_t tr = (fb_trans && rule != CRO_RULE_DFA) ? CblasTrans : CblasNoTrans;
			gsl_blas_dgemv(tr, 1.0, F, w.dl[src], 0.0, w.g[l - 1]);
			if (GF) {
				// G(F delta) = G(F) |delta| + |F| G(delta).
				for (size_t i = 0; i < n[src]; i++)
					w.absdl[src]->data[i] = fabs(w.dl[src]->data[i]);
				gsl_blas_dgemv(tr, 1.0, GF, w.absdl[src], 0.0, w.Gg[l - 1]);
				gsl_blas_dgemv(tr, 1.0, aF, w.Gdl[src], 1.0, w.Gg[l - 1]);
			} else {
				for (size_t i = 0; i < n[src]; i++)
					w.sdl[src]->data[i] = fabs(w.dl[src]->data[i]) + w.Gdl[src]->data[i];
				gsl_blas_dgemv(tr, 1.0, aF, w.sdl[src], 0.0, w.Gg[l - 1]);
			}
			for (size_t i = 0; i < n[l - 1]; i++) {
				double d = w.d[l - 1]->data[i], g = w.g[l - 1]->data[i];
				w.dl[l - 1]->data[i] = d * g;
				w.Gdl[l - 1]->data[i] = w.Gd[l - 1]->data[i] * fabs(g) +
				                        fabs(d) * w.Gg[l - 1]->data[i];
			}
		}
		// NOT-RED-1: accumulate delta_l h_{l-1}^T and delta_l; divide at the end.
		for (size_t l = 1; l <= L; l++) {
			gsl_matrix_view dWv = gsl_matrix_view_array(out->dW + woff[l], n[l], n[l - 1]);
			gsl_matrix_view GWv = gsl_matrix_view_array(out->dW_gauge + woff[l], n[l], n[l - 1]);
			for (size_t j = 0; j < n[l - 1]; j++)
				w.absh[l - 1]->data[j] = fabs(w.h[l - 1]->data[j]);
			for (size_t i = 0; i < n[l]; i++) {
				w.absdl[l]->data[i] = fabs(w.dl[l]->data[i]);
				out->db[boff[l] + i] += w.dl[l]->data[i];
				out->db_gauge[boff[l] + i] += w.Gdl[l]->data[i];
			}
			gsl_blas_dger(1.0, w.dl[l], w.h[l - 1], &dWv.matrix);
			gsl_blas_dger(1.0, w.Gdl[l], w.absh[l - 1], &GWv.matrix);
			gsl_blas_dger(1.0, w.absdl[l], w.Gh[l - 1], &GWv.matrix);
		}
	}
	work_free(&w);

	const double N = (double)batch;
	out->loss = loss_sum / N;
	out->loss_gauge = loss_G / N;
	for (size_t i = 0; i < Wn; i++) {
		out->dW[i] /= N;
		out->dW_gauge[i] /= N;
	}
	for (size_t i = 0; i < bn; i++) {
		out->db[i] /= N;
		out->db_gauge[i] /= N;
	}
	// NOT-TOL-2.
	size_t S = 0;
	for (size_t l = 0; l <= L; l++)
		S += n[l];
	out->k_loss = 2.0 * ((double)S + N + 10.0 * (double)(L + 1));
	out->k_grad = 2.0 * (2.0 * (double)S + N + 10.0 * (double)(L + 1));

	if (!isfinite(out->loss) || !all_finite(out->dW, Wn) || !all_finite(out->db, bn))
		return CRO_ERR_NONFINITE_RESULT;
	if (!inter_ok || !isfinite(out->loss_gauge) || !all_finite(out->dW_gauge, Wn) ||
	    !all_finite(out->db_gauge, bn))
		return CRO_ERR_GAUGE;
	return CRO_OK;
}

size_t cro_relu_ties(const cro_net *net, size_t batch, const cro_out *out)
{
	return cro_relu_ties_k(net, batch, out->a, out->a_gauge, out->k_grad);
}

size_t cro_relu_ties_k(const cro_net *net, size_t batch, const double *a,
                       const double *a_gauge, double k)
{
	size_t ties = 0, bn = cro_b_len(net);
	for (size_t s = 0; s < batch; s++) {
		size_t off = 0;
		for (size_t l = 1; l <= net->depth; l++) {
			int kind = net->acts[l - 1];
			for (size_t i = 0; i < net->widths[l]; i++) {
				double v = a[s * bn + off + i], G = a_gauge[s * bn + off + i];
				if ((kind == CRO_ACT_RELU || kind == CRO_ACT_LEAKY_RELU) && G > 0.0 &&
				    fabs(v) <= k * CRO_U * G)
					ties++;
			}
			off += net->widths[l];
		}
	}
	return ties;
}

cro_status cro_net_check(const cro_net *net)
{
	if (!net || !net->widths || !net->acts)
		return CRO_ERR_NULL;
	const size_t L = net->depth;
	if (L == 0)
		return CRO_ERR_ZERO_SIZE;
	if (L > CRO_MAX_DEPTH)
		return CRO_ERR_SIZE;
	for (size_t l = 0; l <= L; l++)
		if (net->widths[l] == 0)
			return CRO_ERR_ZERO_SIZE;
	for (size_t l = 0; l < L; l++)
		if (net->acts[l] < 0 || net->acts[l] >= CRO_ACT_COUNT)
			return CRO_ERR_ACTIVATION;
	if (net->loss < 0 || net->loss >= CRO_LOSS_COUNT)
		return CRO_ERR_LOSS;
	for (size_t l = 0; l < L; l++)
		if (net->acts[l] == CRO_ACT_LEAKY_RELU &&
		    (!net->slopes || !isfinite(net->slopes[l])))
			return CRO_ERR_PARAM;
	return CRO_OK;
}
