// conformance/oracle/align.c: Kunin et al.'s layer-local primitives
// (spec/rules/align.md ALIGN-PRIM-*, ALIGN-TOL-1), the feedback gradients of
// the rules SA, AA and IA (spec/rules/sa.md, aa.md, ia.md), and the step and
// trajectory every feedback-learning rule shares (ALIGN-STEP-*, and WM-STEP-*
// of spec/rules/wm.md, whose mirror is in wm.c). See oracle.h.
//
// One layer: W is n_out x n_in (W_l), B is n_in x n_out (B_l, NOT-FB-1), the
// layer inputs x_n are the rows of an N x n_in matrix. Per sample the
// projections p = W x, q = B^T x and the reconstruction r = B p are
// gsl_blas_dgemv products; the batch sums are accumulated sample after sample
// (gsl_blas_ddot for the values, gsl_blas_dger for the gradients) and divided
// by N at the end. Every value carries its gauge (NOT-TOL-1): a product's
// gauge is G(A) |v| + |A| G(v), two more dgemvs, and a state entry computed by
// an earlier step enters with the gauge it was computed with (NOT-STEP-4).
#include "oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

static const char *const prim_names[CRO_PRIM_COUNT] = {
	"decay", "self", "amp", "sparse", "null",
};
static const char *const fbl_names[CRO_FBL_COUNT] = {
	"wm_linear", "wm_nonlinear", "wm_kunin", "sa", "aa", "ia",
};

const char *cro_prim_name(int prim)
{
	return (prim >= 0 && prim < CRO_PRIM_COUNT) ? prim_names[prim] : "unknown";
}

const char *cro_fbl_name(int rule)
{
	return (rule >= 0 && rule < CRO_FBL_COUNT) ? fbl_names[rule] : "unknown";
}

int cro_fbl_is_wm(int rule)
{
	return rule == CRO_FBL_WM_LINEAR || rule == CRO_FBL_WM_NONLINEAR || rule == CRO_FBL_WM_KUNIN;
}

static int finite_all(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

static int gauges_ok(const double *G, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(G[i]) || !(G[i] >= 0.0))
			return 0;
	return 1;
}

// calloc of n doubles, at least one.
static double *dalloc(size_t n)
{
	return calloc(n ? n : 1, sizeof(double));
}

// ---------------------------------------------------------------- primitives

// ALIGN-TOL-1: twice the longest rounding chain of each value (align.md), a
// dot product or sum of m terms counting m roundings.
void cro_align_tol(size_t n_in, size_t n_out, size_t batch, double k_R[CRO_PRIM_COUNT],
                   double k_dR[CRO_PRIM_COUNT])
{
	const double a = (double)n_in, c = (double)n_out, N = (double)batch;
	k_R[CRO_PRIM_DECAY] = 2.0 * (2.0 * a * c);
	k_dR[CRO_PRIM_DECAY] = 2.0;
	k_R[CRO_PRIM_SELF] = 2.0 * a * c;
	k_dR[CRO_PRIM_SELF] = 2.0;
	k_R[CRO_PRIM_AMP] = 2.0 * (a + c + N + 1.0);
	k_dR[CRO_PRIM_AMP] = 2.0 * (a + N + 2.0);
	k_R[CRO_PRIM_SPARSE] = 2.0 * (a + c + N + 2.0);
	k_dR[CRO_PRIM_SPARSE] = 2.0 * (a + N + 2.0);
	k_R[CRO_PRIM_NULL] = 2.0 * (2.0 * a + c + N + 1.0);
	k_dR[CRO_PRIM_NULL] = 2.0 * (a + c + N + 2.0);
}

// |A| into M (same shape), or the gauge array G when given.
static void abs_or_gauge(gsl_matrix *M, const double *A, const double *G)
{
	const size_t n = M->size1 * M->size2;
	for (size_t i = 0; i < n; i++)
		M->data[i] = G ? G[i] : fabs(A[i]);
}

static void vabs(gsl_vector *dst, const gsl_vector *src)
{
	for (size_t i = 0; i < src->size; i++)
		dst->data[i] = fabs(src->data[i]);
}

// G(A v) = G(A) |v| + |A| G(v) into Gy (trans: A^T v).
static void prod_gauge(CBLAS_TRANSPOSE_t tr, const gsl_matrix *GA, const gsl_matrix *absA,
                       const gsl_vector *absv, const gsl_vector *Gv, gsl_vector *Gy)
{
	gsl_blas_dgemv(tr, 1.0, GA, absv, 0.0, Gy);
	gsl_blas_dgemv(tr, 1.0, absA, Gv, 1.0, Gy);
}

// sum_k (G(u_k) |v_k| + |u_k| G(v_k)): the gauge of the dot product u.v.
static double dot_gauge(const gsl_vector *u, const gsl_vector *Gu, const gsl_vector *v,
                        const gsl_vector *Gv)
{
	double s = 0.0;
	for (size_t k = 0; k < u->size; k++)
		s += Gu->data[k] * fabs(v->data[k]) + fabs(u->data[k]) * Gv->data[k];
	return s;
}

// M += u v^T and GM += G(u) |v|^T + |u| G(v)^T (absu, absv scratch).
static void outer_acc(const gsl_vector *u, const gsl_vector *Gu, const gsl_vector *v,
                      const gsl_vector *Gv, gsl_vector *absu, gsl_vector *absv,
                      gsl_matrix *M, gsl_matrix *GM)
{
	vabs(absu, u);
	vabs(absv, v);
	gsl_blas_dger(1.0, u, v, M);
	gsl_blas_dger(1.0, Gu, absv, GM);
	gsl_blas_dger(1.0, absu, Gv, GM);
}

cro_status cro_align_prims(size_t n_in, size_t n_out, size_t batch, unsigned mask,
                           const double *W, size_t W_len, const double *B, size_t B_len,
                           const double *x, size_t x_len,
                           const double *GW, const double *GB, const double *Gx,
                           cro_align_out *out)
{
	gsl_set_error_handler_off();
	if (!out)
		return CRO_ERR_NULL;
	// ALIGN-ERR-1.
	if (n_in == 0 || n_out == 0 || batch == 0)
		return CRO_ERR_ZERO_SIZE;
	if (n_in > ((size_t)-1) / n_out || batch > ((size_t)-1) / n_in)
		return CRO_ERR_SIZE;
	const size_t a = n_in, c = n_out, ac = a * c;
	if (W_len != ac || B_len != ac || x_len != batch * a)
		return CRO_ERR_SIZE_MISMATCH;
	if (!W || !B || !x)
		return CRO_ERR_NULL;
	for (int p = 0; p < CRO_PRIM_COUNT; p++)
		if ((mask & (1u << p)) && (!out->dR[p] || !out->dR_gauge[p]))
			return CRO_ERR_NULL;
	if (!finite_all(W, ac) || !finite_all(B, ac) || !finite_all(x, x_len))
		return CRO_ERR_NONFINITE_INPUT;
	if ((GW && !gauges_ok(GW, ac)) || (GB && !gauges_ok(GB, ac)) ||
	    (Gx && !gauges_ok(Gx, x_len)))
		return CRO_ERR_GAUGE;
	cro_align_tol(a, c, batch, out->k_R, out->k_dR);

	const int want_amp = (mask >> CRO_PRIM_AMP) & 1u, want_sp = (mask >> CRO_PRIM_SPARSE) & 1u;
	const int want_null = (mask >> CRO_PRIM_NULL) & 1u;
	const int values = !(mask & CRO_PRIM_GRADS_ONLY);
	const int per_sample = want_amp || want_sp || want_null;
	cro_status st = CRO_OK;
	gsl_matrix *aW = gsl_matrix_alloc(c, a), *gW = gsl_matrix_alloc(c, a);
	gsl_matrix *aB = gsl_matrix_alloc(a, c), *gB = gsl_matrix_alloc(a, c);
	gsl_matrix *Sa = gsl_matrix_calloc(a, c), *GSa = gsl_matrix_calloc(a, c);
	gsl_matrix *Ss = gsl_matrix_calloc(a, c), *GSs = gsl_matrix_calloc(a, c);
	gsl_matrix *Sn = gsl_matrix_calloc(a, c), *GSn = gsl_matrix_calloc(a, c);
	gsl_vector *xv = gsl_vector_alloc(a), *Gxv = gsl_vector_alloc(a), *ax = gsl_vector_alloc(a);
	gsl_vector *p = gsl_vector_alloc(c), *Gp = gsl_vector_alloc(c), *ap = gsl_vector_alloc(c);
	gsl_vector *q = gsl_vector_alloc(c), *Gq = gsl_vector_alloc(c), *aq = gsl_vector_alloc(c);
	gsl_vector *r = gsl_vector_alloc(a), *Gr = gsl_vector_alloc(a), *ar = gsl_vector_alloc(a);
	if (!aW || !gW || !aB || !gB || !Sa || !GSa || !Ss || !GSs || !Sn || !GSn || !xv ||
	    !Gxv || !ax || !p || !Gp || !ap || !q || !Gq || !aq || !r || !Gr || !ar) {
		st = CRO_ERR_NOMEM;
		goto done;
	}
	abs_or_gauge(aW, W, NULL);
	abs_or_gauge(gW, W, GW);
	abs_or_gauge(aB, B, NULL);
	abs_or_gauge(gB, B, GB);
	gsl_matrix_const_view Wv = gsl_matrix_const_view_array(W, c, a);
	gsl_matrix_const_view Bv = gsl_matrix_const_view_array(B, a, c);

	// ALIGN-PRIM-1: R = |W|^2 + |B|^2, dR = 2 B (exact).
	if (mask & (1u << CRO_PRIM_DECAY)) {
		gsl_vector_const_view w = gsl_vector_const_view_array(W, ac);
		gsl_vector_const_view bb = gsl_vector_const_view_array(B, ac);
		double sw = 0.0, sb = 0.0, G = 0.0;
		if (values) {
			gsl_blas_ddot(&w.vector, &w.vector, &sw);
			gsl_blas_ddot(&bb.vector, &bb.vector, &sb);
			for (size_t i = 0; i < ac; i++)
				G += 2.0 * fabs(W[i]) * gW->data[i] + 2.0 * fabs(B[i]) * gB->data[i];
		}
		out->R[CRO_PRIM_DECAY] = sw + sb;
		out->R_gauge[CRO_PRIM_DECAY] = G;
		for (size_t i = 0; i < ac; i++) {
			out->dR[CRO_PRIM_DECAY][i] = 2.0 * B[i];
			out->dR_gauge[CRO_PRIM_DECAY][i] = 2.0 * gB->data[i];
		}
	}
	// ALIGN-PRIM-2: R = -sum_{i,j} W_ji B_ij, dR = -W^T (exact).
	if (mask & (1u << CRO_PRIM_SELF)) {
		double s = 0.0, G = 0.0;
		for (size_t j = 0; values && j < c; j++)
			for (size_t i = 0; i < a; i++) {
				const double w = W[j * a + i], v = B[i * c + j];
				s += w * v;
				G += gW->data[j * a + i] * fabs(v) + fabs(w) * gB->data[i * c + j];
			}
		out->R[CRO_PRIM_SELF] = -s;
		out->R_gauge[CRO_PRIM_SELF] = G;
		for (size_t i = 0; i < a; i++)
			for (size_t j = 0; j < c; j++) {
				out->dR[CRO_PRIM_SELF][i * c + j] = -W[j * a + i];
				out->dR_gauge[CRO_PRIM_SELF][i * c + j] = gW->data[j * a + i];
			}
	}
	if (per_sample) {
		double amp = 0.0, Gamp = 0.0, sp = 0.0, Gsp = 0.0, nu = 0.0, Gnu = 0.0;
		for (size_t n = 0; n < batch; n++) {
			for (size_t i = 0; i < a; i++) {
				xv->data[i] = x[n * a + i];
				ax->data[i] = fabs(xv->data[i]);
				Gxv->data[i] = Gx ? Gx[n * a + i] : ax->data[i];
			}
			// ALIGN-PROJ-1: p = W x, q = B^T x, r = B p.
			gsl_blas_dgemv(CblasNoTrans, 1.0, &Wv.matrix, xv, 0.0, p);
			prod_gauge(CblasNoTrans, gW, aW, ax, Gxv, Gp);
			// q is needed by amp's value and by sparse (value and gradient).
			if ((want_amp && values) || want_sp) {
				gsl_blas_dgemv(CblasTrans, 1.0, &Bv.matrix, xv, 0.0, q);
				prod_gauge(CblasTrans, gB, aB, ax, Gxv, Gq);
			}
			if (want_amp) {
				// ALIGN-PRIM-3: p.q and x p^T.
				if (values) {
					double d;
					gsl_blas_ddot(p, q, &d);
					amp += d;
					Gamp += dot_gauge(p, Gp, q, Gq);
				}
				outer_acc(xv, Gxv, p, Gp, ax, ap, Sa, GSa);
			}
			if (want_sp) {
				// ALIGN-PRIM-4: |p|^2 + |q|^2 and x q^T.
				if (values) {
					double d1, d2;
					gsl_blas_ddot(p, p, &d1);
					gsl_blas_ddot(q, q, &d2);
					sp += d1 + d2;
					Gsp += dot_gauge(p, Gp, p, Gp) + dot_gauge(q, Gq, q, Gq);
				}
				outer_acc(xv, Gxv, q, Gq, ax, aq, Ss, GSs);
			}
			if (want_null) {
				// ALIGN-PRIM-5: |r|^2 and r p^T.
				vabs(ap, p);
				gsl_blas_dgemv(CblasNoTrans, 1.0, &Bv.matrix, p, 0.0, r);
				prod_gauge(CblasNoTrans, gB, aB, ap, Gp, Gr);
				if (values) {
					double d;
					gsl_blas_ddot(r, r, &d);
					nu += d;
					Gnu += dot_gauge(r, Gr, r, Gr);
				}
				outer_acc(r, Gr, p, Gp, ar, ap, Sn, GSn);
			}
		}
		const double N = (double)batch;
		// The means: the batch sum divided by N; the factor 2 of sparse
		// and null is exact, the sign of amp too.
		if (want_amp) {
			out->R[CRO_PRIM_AMP] = -(amp / N);
			out->R_gauge[CRO_PRIM_AMP] = Gamp / N;
			for (size_t i = 0; i < ac; i++) {
				out->dR[CRO_PRIM_AMP][i] = -(Sa->data[i] / N);
				out->dR_gauge[CRO_PRIM_AMP][i] = GSa->data[i] / N;
			}
		}
		if (want_sp) {
			out->R[CRO_PRIM_SPARSE] = sp / N;
			out->R_gauge[CRO_PRIM_SPARSE] = Gsp / N;
			for (size_t i = 0; i < ac; i++) {
				out->dR[CRO_PRIM_SPARSE][i] = 2.0 * Ss->data[i] / N;
				out->dR_gauge[CRO_PRIM_SPARSE][i] = 2.0 * GSs->data[i] / N;
			}
		}
		if (want_null) {
			out->R[CRO_PRIM_NULL] = nu / N;
			out->R_gauge[CRO_PRIM_NULL] = Gnu / N;
			for (size_t i = 0; i < ac; i++) {
				out->dR[CRO_PRIM_NULL][i] = 2.0 * Sn->data[i] / N;
				out->dR_gauge[CRO_PRIM_NULL][i] = 2.0 * GSn->data[i] / N;
			}
		}
	}
	for (int k = 0; k < CRO_PRIM_COUNT && st == CRO_OK; k++)
		if ((mask & (1u << k)) && (!isfinite(out->R[k]) || !finite_all(out->dR[k], ac)))
			st = CRO_ERR_NONFINITE_RESULT;
	for (int k = 0; k < CRO_PRIM_COUNT && st == CRO_OK; k++)
		if ((mask & (1u << k)) &&
		    (!isfinite(out->R_gauge[k]) || !finite_all(out->dR_gauge[k], ac)))
			st = CRO_ERR_GAUGE;
done:
	gsl_matrix_free(aW); gsl_matrix_free(gW); gsl_matrix_free(aB); gsl_matrix_free(gB);
	gsl_matrix_free(Sa); gsl_matrix_free(GSa); gsl_matrix_free(Ss); gsl_matrix_free(GSs);
	gsl_matrix_free(Sn); gsl_matrix_free(GSn);
	gsl_vector_free(xv); gsl_vector_free(Gxv); gsl_vector_free(ax);
	gsl_vector_free(p); gsl_vector_free(Gp); gsl_vector_free(ap);
	gsl_vector_free(q); gsl_vector_free(Gq); gsl_vector_free(aq);
	gsl_vector_free(r); gsl_vector_free(Gr); gsl_vector_free(ar);
	return st;
}

// ---------------------------------------------------------------- hyper-parameters

cro_status cro_fbl_check_params(int rule, const cro_fbl_hyper *h)
{
	if (rule < 0 || rule >= CRO_FBL_COUNT || !h) // WM-ERR-1: an unknown variant
		return CRO_ERR_PARAM;
	// WM-IN-2, ALIGN-STEP-4. Written so that NaN fails every comparison.
	if (!isfinite(h->eta) || !(h->eta > 0.0) || !isfinite(h->eta_B) || !(h->eta_B > 0.0))
		return CRO_ERR_PARAM;
	const double *nonneg[3] = { NULL, NULL, NULL };
	switch (rule) {
	case CRO_FBL_WM_LINEAR:
	case CRO_FBL_WM_NONLINEAR:
		nonneg[0] = &h->decay_B;
		break;
	case CRO_FBL_IA:
		nonneg[2] = &h->gamma;
		// fall through
	default: // WM kunin, SA, AA
		nonneg[0] = &h->alpha;
		nonneg[1] = &h->beta;
		break;
	}
	for (int i = 0; i < 3; i++)
		if (nonneg[i] && (!isfinite(*nonneg[i]) || !(*nonneg[i] >= 0.0)))
			return CRO_ERR_PARAM;
	return CRO_OK;
}

// ---------------------------------------------------------------- tolerance

double cro_fbl_r(const cro_net *net, int rule, size_t batch, size_t noise_rows)
{
	if (cro_net_check(net) != CRO_OK || rule < 0 || rule >= CRO_FBL_COUNT)
		return 0.0;
	const size_t L = net->depth, *n = net->widths;
	if (L == 1 || rule == CRO_FBL_SA)
		return 2.0;
	double S = 0.0, m1 = 0.0, m2 = 0.0;
	for (size_t l = 0; l <= L; l++)
		S += (double)n[l];
	for (size_t l = 2; l <= L; l++) {
		if ((double)n[l - 1] > m1)
			m1 = (double)n[l - 1];
		if ((double)(n[l - 1] + n[l]) > m2)
			m2 = (double)(n[l - 1] + n[l]);
	}
	double r;
	if (rule == CRO_FBL_AA)
		r = m1 + 6.0 - S;
	else if (rule == CRO_FBL_IA)
		r = m2 + 7.0 - S;
	else {
		const double cv = rule == CRO_FBL_WM_LINEAR ? 5.0 : rule == CRO_FBL_WM_NONLINEAR ? 16.0 : 6.0;
		r = m1 + (double)noise_rows + cv - (2.0 * S + (double)batch + 10.0 * (double)(L + 1));
	}
	return r > 2.0 ? r : 2.0;
}

// ---------------------------------------------------------------- Kunin rules

// c1 d1 + c2 d2 (+ c3 d3), each product rounded, then summed left to right,
// with the gauge sum_i |c_i| (|d_i| + G(d_i)) (the coefficients are inputs).
static void combine(size_t n, int terms, const double *c, double *const *d, double *const *Gd,
                    double *G, double *G_gauge)
{
	for (size_t i = 0; i < n; i++) {
		double v = c[0] * d[0][i], gv = fabs(c[0]) * (fabs(d[0][i]) + Gd[0][i]);
		for (int k = 1; k < terms; k++) {
			v = v + c[k] * d[k][i];
			gv += fabs(c[k]) * (fabs(d[k][i]) + Gd[k][i]);
		}
		G[i] = v;
		G_gauge[i] = gv;
	}
}

cro_status cro_kunin_grad(int rule, const cro_fbl_hyper *h, size_t n_in, size_t n_out,
                          size_t batch, const double *W, const double *B, const double *x,
                          const double *GW, const double *GB, const double *Gx,
                          double *G, double *G_gauge)
{
	// The rule's primitives and coefficients, in its file's order.
	int prim[3], terms;
	double coef[3];
	switch (rule) {
	case CRO_FBL_SA: // SA-REG-1: alpha decay + beta self
		prim[0] = CRO_PRIM_DECAY; coef[0] = h->alpha;
		prim[1] = CRO_PRIM_SELF; coef[1] = h->beta;
		terms = 2;
		break;
	case CRO_FBL_AA: // AA-REG-1: alpha sparse + beta amp
		prim[0] = CRO_PRIM_SPARSE; coef[0] = h->alpha;
		prim[1] = CRO_PRIM_AMP; coef[1] = h->beta;
		terms = 2;
		break;
	case CRO_FBL_IA: // IA-REG-1: alpha amp + beta null + gamma decay
		prim[0] = CRO_PRIM_AMP; coef[0] = h->alpha;
		prim[1] = CRO_PRIM_NULL; coef[1] = h->beta;
		prim[2] = CRO_PRIM_DECAY; coef[2] = h->gamma;
		terms = 3;
		break;
	case CRO_FBL_WM_KUNIN: // WM-STEP-3: alpha decay + beta amp (x: the noise)
		prim[0] = CRO_PRIM_DECAY; coef[0] = h->alpha;
		prim[1] = CRO_PRIM_AMP; coef[1] = h->beta;
		terms = 2;
		break;
	default:
		return CRO_ERR_RULE;
	}
	const size_t ac = n_in * n_out;
	cro_align_out o;
	memset(&o, 0, sizeof o);
	double *buf = dalloc(2 * 3 * ac);
	if (!buf)
		return CRO_ERR_NOMEM;
	unsigned mask = CRO_PRIM_GRADS_ONLY;
	double *d[3], *Gd[3];
	for (int k = 0; k < terms; k++) {
		mask |= 1u << prim[k];
		o.dR[prim[k]] = d[k] = buf + 2 * (size_t)k * ac;
		o.dR_gauge[prim[k]] = Gd[k] = buf + (2 * (size_t)k + 1) * ac;
	}
	cro_status st = cro_align_prims(n_in, n_out, batch, mask, W, ac, B, ac, x, batch * n_in,
	                                GW, GB, Gx, &o);
	if (st == CRO_OK) {
		combine(ac, terms, coef, d, Gd, G, G_gauge);
		if (!finite_all(G, ac))
			st = CRO_ERR_NONFINITE_RESULT;
		else if (!finite_all(G_gauge, ac))
			st = CRO_ERR_GAUGE;
	}
	free(buf);
	return st;
}

// ---------------------------------------------------------------- step

// v' = v - s dv (the product rounded, then the difference) with
// G(v') = G(v) + |s| |dv| + |s| G(dv) (s an input); Gv NULL: v is an input.
static void update(size_t n, double s, const double *v, const double *Gv, const double *dv,
                   const double *Gdv, double *out, double *Gout)
{
	gsl_vector_const_view vv = gsl_vector_const_view_array(v, n);
	gsl_vector_const_view dvv = gsl_vector_const_view_array(dv, n);
	gsl_vector_view ov = gsl_vector_view_array(out, n);
	for (size_t i = 0; i < n; i++)
		Gout[i] = (Gv ? Gv[i] : fabs(v[i])) + fabs(s) * fabs(dv[i]) + fabs(s) * Gdv[i];
	// out = -(s dv) + v, through a copy of s dv kept in out's own buffer:
	// gsl_vector_scale rounds each product, gsl_vector_add the sum.
	gsl_vector_memcpy(&ov.vector, &dvv.vector);
	gsl_vector_scale(&ov.vector, -s);
	gsl_vector_add(&ov.vector, &vv.vector);
}

cro_status cro_fbl_step(const cro_net *net, int rule, size_t batch, const cro_fbl_hyper *h,
                        const double *W, size_t W_len, const double *b, size_t b_len,
                        const double *B, size_t B_len,
                        const double *x, size_t x_len, const double *t, size_t t_len,
                        size_t noise_rows, const double *noise, size_t noise_len,
                        const double *GW, const double *Gb, const double *GB, double k_in,
                        cro_fbl_out *out)
{
	gsl_set_error_handler_off();
	// The hyper-parameters first (WM-ERR-1, ALIGN-STEP-5 as KP-API-1).
	cro_status st = cro_fbl_check_params(rule, h);
	if (st != CRO_OK)
		return st;
	if (!out)
		return CRO_ERR_NULL;
	st = cro_net_check(net);
	if (st != CRO_OK)
		return st;
	if (batch == 0)
		return CRO_ERR_ZERO_SIZE;
	const size_t L = net->depth, *n = net->widths;
	const int wm = cro_fbl_is_wm(rule);
	// The noise (WM-IN-1, WM-ERR-1): M rows per layer l = 2 .. L.
	size_t per_row = 0;
	for (size_t l = 2; l <= L; l++)
		per_row += n[l - 1];
	if (wm && L >= 2) {
		if (noise_rows == 0)
			return CRO_ERR_ZERO_SIZE;
		if (noise_rows > ((size_t)-1) / per_row)
			return CRO_ERR_SIZE;
		if (noise_len != noise_rows * per_row)
			return CRO_ERR_SIZE_MISMATCH;
		if (!noise)
			return CRO_ERR_NULL;
		if (!finite_all(noise, noise_len))
			return CRO_ERR_NONFINITE_INPUT;
	} else if (noise_len != 0) {
		return CRO_ERR_SIZE_MISMATCH;
	}

	const size_t Wn = cro_W_len(net), bn = cro_b_len(net), An = cro_a_len(net, batch);
	double *dW = dalloc(Wn), *dWg = dalloc(Wn), *db = dalloc(bn), *dbg = dalloc(bn);
	double *a = dalloc(An), *ag = dalloc(An), *hh = dalloc(An), *hg = dalloc(An);
	double *G = dalloc(B_len), *Gg = dalloc(B_len);
	size_t maxw = 0;
	for (size_t l = 0; l <= L; l++)
		if (n[l] > maxw)
			maxw = n[l];
	// Layer inputs of the batch (Kunin) or the mirror's pre-activations (WM).
	size_t rows = batch > noise_rows ? batch : noise_rows;
	double *xin = dalloc(rows * maxw), *Gxin = dalloc(rows * maxw);
	cro_out g;
	memset(&g, 0, sizeof g);
	g.dW = dW; g.dW_gauge = dWg; g.db = db; g.db_gauge = dbg;
	g.a = a; g.a_gauge = ag; g.h = hh; g.h_gauge = hg;
	if (!dW || !dWg || !db || !dbg || !a || !ag || !hh || !hg || !G || !Gg || !xin || !Gxin) {
		st = CRO_ERR_NOMEM;
		goto done;
	}
	// WM-STEP-1, ALIGN-STEP-1: FA's loss and gradient of the state as it is.
	st = cro_grad_g(net, CRO_RULE_FA, batch, W, W_len, b, b_len, B, B_len, x, x_len, t, t_len,
	                GW, Gb, GB, &g);
	if (st != CRO_OK)
		goto done;
	if (!out->W || !out->W_gauge || !out->b || !out->b_gauge ||
	    (B_len > 0 && (!out->B || !out->B_gauge))) {
		st = CRO_ERR_NULL;
		goto done;
	}
	if (!isfinite(k_in) || !(k_in >= 0.0)) {
		st = CRO_ERR_GAUGE;
		goto done;
	}
	out->ties = cro_relu_ties_k(net, batch, a, ag, k_in + g.k_grad);

	// WM-STEP-2/3, ALIGN-STEP-2: the feedback's update G_l of each layer,
	// from the state the step started from.
	size_t wo = n[1] * n[0], bo = n[1], fo = 0, no = 0, ho = 0;
	for (size_t l = 2; l <= L; l++) {
		const size_t q = n[l - 1], rr = n[l];
		const double *GWl = GW ? GW + wo : NULL, *Gbl = Gb ? Gb + bo : NULL;
		const double *GBl = GB ? GB + fo : NULL;
		if (wm) {
			const int nl = rule == CRO_FBL_WM_NONLINEAR;
			st = cro_wm_mirror(rule, h, net->acts[l - 1], net->slopes ? net->slopes[l - 1] : 0.0,
			                   q, rr, noise_rows, W + wo, b + bo, B + fo, noise + no, GWl, Gbl,
			                   GBl, G + fo, Gg + fo, nl ? xin : NULL, nl ? Gxin : NULL);
			if (st == CRO_OK && nl) {
				// NOT-STEP-6 for the mirror's pre-activations (wm.md).
				cro_net one;
				size_t w1[2] = { 1, rr };
				int act1[1] = { net->acts[l - 1] };
				double s1[1] = { net->slopes ? net->slopes[l - 1] : 0.0 };
				one.depth = 1; one.widths = w1; one.acts = act1; one.slopes = s1;
				one.loss = CRO_LOSS_MSE;
				out->ties += cro_relu_ties_k(&one, noise_rows, xin, Gxin, k_in + g.k_grad);
			}
			no += noise_rows * q;
		} else {
			// The layer inputs x_n = h_{l-1} of the batch (ALIGN-STEP-2).
			for (size_t s = 0; s < batch; s++)
				for (size_t j = 0; j < q; j++) {
					xin[s * q + j] = hh[s * bn + ho + j];
					Gxin[s * q + j] = hg[s * bn + ho + j];
				}
			st = cro_kunin_grad(rule, h, q, rr, batch, W + wo, B + fo, xin, GWl, GBl, Gxin,
			                    G + fo, Gg + fo);
		}
		if (st != CRO_OK)
			goto done;
		ho += q;
		wo += rr * q;
		bo += rr;
		fo += q * rr;
	}

	// WM-STEP-4, ALIGN-STEP-3: W' = W - eta dW, b' = b - eta db,
	// B' = B - eta_B G, all from the state the step started from.
	update(Wn, h->eta, W, GW, dW, dWg, out->W, out->W_gauge);
	update(bn, h->eta, b, Gb, db, dbg, out->b, out->b_gauge);
	if (B_len > 0)
		update(B_len, h->eta_B, B, GB, G, Gg, out->B, out->B_gauge);

	out->loss = g.loss;
	out->loss_gauge = g.loss_gauge;
	out->k_grad = g.k_grad;
	out->r = cro_fbl_r(net, rule, batch, noise_rows);
	out->k_loss = k_in + g.k_loss;
	out->k_state = k_in + g.k_grad + 2.0 * out->r;
	if (out->G)
		memcpy(out->G, G, B_len * sizeof(double));
	if (out->G_gauge)
		memcpy(out->G_gauge, Gg, B_len * sizeof(double));
	if (out->a)
		memcpy(out->a, a, An * sizeof(double));
	if (out->a_gauge)
		memcpy(out->a_gauge, ag, An * sizeof(double));
	if (!finite_all(out->W, Wn) || !finite_all(out->b, bn) ||
	    (B_len > 0 && !finite_all(out->B, B_len)))
		st = CRO_ERR_NONFINITE_RESULT;
	else if (!finite_all(out->W_gauge, Wn) || !finite_all(out->b_gauge, bn) ||
	         (B_len > 0 && !finite_all(out->B_gauge, B_len)))
		st = CRO_ERR_GAUGE;
done:
	free(dW); free(dWg); free(db); free(dbg); free(a); free(ag); free(hh); free(hg);
	free(G); free(Gg); free(xin); free(Gxin);
	return st;
}

// ---------------------------------------------------------------- trajectory

cro_status cro_fbl_traj(const cro_net *net, int rule, const cro_fbl_hyper *h,
                        const double *W, size_t W_len, const double *b, size_t b_len,
                        const double *B, size_t B_len,
                        size_t steps, const size_t *batch,
                        const double *x, size_t x_len, const double *t, size_t t_len,
                        const size_t *noise_rows, const double *noise, size_t noise_len,
                        cro_fbl_traj_out *out)
{
	cro_status st = cro_fbl_check_params(rule, h);
	if (st != CRO_OK)
		return st;
	if (steps == 0) // no step at all
		return CRO_ERR_ZERO_SIZE;
	const int wm = cro_fbl_is_wm(rule);
	if (!out || !batch || (wm && !noise_rows) || !out->loss || !out->loss_gauge || !out->W ||
	    !out->W_gauge || !out->b || !out->b_gauge || (B_len > 0 && (!out->B || !out->B_gauge)))
		return CRO_ERR_NULL;
	out->failed_step = steps;
	st = cro_net_check(net);
	if (st != CRO_OK)
		return st;
	const size_t L = net->depth, n0 = net->widths[0], nL = net->widths[L];
	const size_t bn = cro_b_len(net);
	size_t per_row = 0;
	for (size_t l = 2; l <= L; l++)
		per_row += net->widths[l - 1];
	size_t xs = 0, ts = 0, as = 0, ns = 0;
	for (size_t s = 0; s < steps; s++) {
		if (batch[s] == 0 || (wm && L >= 2 && noise_rows[s] == 0))
			return CRO_ERR_ZERO_SIZE;
		const size_t M = wm && L >= 2 ? noise_rows[s] : 0;
		if (batch[s] > ((size_t)-1 - xs) / n0 || batch[s] > ((size_t)-1 - ts) / nL ||
		    batch[s] > ((size_t)-1 - as) / bn ||
		    (per_row > 0 && M > ((size_t)-1 - ns) / per_row))
			return CRO_ERR_SIZE;
		xs += batch[s] * n0;
		ts += batch[s] * nL;
		as += batch[s] * bn;
		ns += M * per_row;
	}
	if (x_len != xs || t_len != ts || noise_len != ns)
		return CRO_ERR_SIZE_MISMATCH;
	if (!W || !b || !x || !t || (B_len > 0 && !B) || (noise_len > 0 && !noise))
		return CRO_ERR_NULL;

	const double *cW = W, *cb = b, *cB = B, *GW = NULL, *Gb = NULL, *GB = NULL;
	double k = 0.0;
	size_t xo = 0, to = 0, ao = 0, no = 0;
	out->ties = 0;
	for (size_t s = 0; s < steps; s++) {
		const size_t M = wm && L >= 2 ? noise_rows[s] : 0;
		cro_fbl_out o;
		memset(&o, 0, sizeof o);
		o.W = out->W + s * W_len;
		o.W_gauge = out->W_gauge + s * W_len;
		o.b = out->b + s * b_len;
		o.b_gauge = out->b_gauge + s * b_len;
		if (B_len > 0) {
			o.B = out->B + s * B_len;
			o.B_gauge = out->B_gauge + s * B_len;
		}
		if (out->a && out->a_gauge) {
			o.a = out->a + ao;
			o.a_gauge = out->a_gauge + ao;
		}
		st = cro_fbl_step(net, rule, batch[s], h, cW, W_len, cb, b_len, cB, B_len,
		                  x + xo, batch[s] * n0, t + to, batch[s] * nL,
		                  M, noise_len > 0 ? noise + no : NULL, M * per_row,
		                  GW, Gb, GB, k, &o);
		if (st != CRO_OK) {
			out->failed_step = s;
			return st;
		}
		out->loss[s] = o.loss;
		out->loss_gauge[s] = o.loss_gauge;
		out->ties += o.ties;
		out->k_loss = o.k_loss;
		// NOT-STEP-4/5: the next step starts from this state, its gauges
		// and its factor.
		k = o.k_state;
		cW = o.W; GW = o.W_gauge;
		cb = o.b; Gb = o.b_gauge;
		cB = o.B; GB = o.B_gauge;
		xo += batch[s] * n0;
		to += batch[s] * nL;
		ao += batch[s] * bn;
		no += M * per_row;
	}
	out->k_state = k;
	return CRO_OK;
}
