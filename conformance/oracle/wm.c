// conformance/oracle/wm.c: the weight mirror's update of one feedback matrix
// (spec/rules/wm.md WM-STEP-2/3) with GSL, each value with its gauge
// (NOT-TOL-1, NOT-STEP-4). The engaged FA step, the update of W, b and B and
// the trajectory are those every feedback-learning rule shares (align.c,
// cro_fbl_step). See oracle.h.
//
// linear:    dB = lambda_B B - (1/M) sum_m xi_m (W xi_m)^T
// nonlinear: dB = lambda_B B - (1/M) sum_m xi_m f(W xi_m + b)^T
// kunin:     dB = alpha (2 B) + beta (-(1/M) sum_m xi_m (W xi_m)^T), the
//            gradient of alpha decay + beta amp with the noise as the layer
//            input (ALIGN-PRIM-1, -3): cro_kunin_grad() of align.c.
// The noise term of linear is -d_amp of cro_align_prims() with the noise as
// the inputs, so lambda_B B - S is computed as lambda_B B + d_amp (IEEE
// subtraction is addition of the negation, so the two are the same number).
#include "oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

static int finite_all(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

// The nonlinear mirror's mean (1/M) sum_m xi_m y_m^T, y_m = f(W xi_m + b),
// into S [n_in n_out] with its gauge; the pre-activations into a, ag.
static cro_status nonlinear_mean(int act, double slope, size_t n_in, size_t n_out, size_t M,
                                 const double *W, const double *b, const double *noise,
                                 const double *GW, const double *Gb, double *S, double *GS,
                                 double *a, double *ag)
{
	cro_status st = CRO_OK;
	gsl_matrix *aW = gsl_matrix_alloc(n_out, n_in), *gW = gsl_matrix_alloc(n_out, n_in);
	gsl_vector *xi = gsl_vector_alloc(n_in), *axi = gsl_vector_alloc(n_in);
	gsl_vector *y = gsl_vector_alloc(n_out), *Gy = gsl_vector_alloc(n_out);
	gsl_vector *ay = gsl_vector_alloc(n_out);
	gsl_vector *av = gsl_vector_alloc(n_out), *Gav = gsl_vector_alloc(n_out);
	if (!aW || !gW || !xi || !axi || !y || !Gy || !ay || !av || !Gav) {
		st = CRO_ERR_NOMEM;
		goto done;
	}
	for (size_t i = 0; i < n_out * n_in; i++) {
		aW->data[i] = fabs(W[i]);
		gW->data[i] = GW ? GW[i] : fabs(W[i]);
	}
	gsl_matrix_const_view Wv = gsl_matrix_const_view_array(W, n_out, n_in);
	gsl_matrix_view Sv = gsl_matrix_view_array(S, n_in, n_out);
	gsl_matrix_view GSv = gsl_matrix_view_array(GS, n_in, n_out);
	gsl_matrix_set_zero(&Sv.matrix);
	gsl_matrix_set_zero(&GSv.matrix);
	for (size_t m = 0; m < M; m++) {
		for (size_t j = 0; j < n_in; j++) {
			xi->data[j] = noise[m * n_in + j];
			axi->data[j] = fabs(xi->data[j]);
		}
		// a = W xi + b (the bias added after the dot product, as the
		// forward pass of cro_grad does), G(a) = G(W) |xi| + |W| |xi| + G(b).
		for (size_t i = 0; i < n_out; i++) {
			av->data[i] = b[i];
			Gav->data[i] = Gb ? Gb[i] : fabs(b[i]);
		}
		gsl_blas_dgemv(CblasNoTrans, 1.0, &Wv.matrix, xi, 1.0, av);
		gsl_blas_dgemv(CblasNoTrans, 1.0, gW, axi, 1.0, Gav);
		gsl_blas_dgemv(CblasNoTrans, 1.0, aW, axi, 1.0, Gav);
		for (size_t i = 0; i < n_out; i++) {
			double d, Gd;
			cro_act_eval(act, slope, av->data[i], Gav->data[i], &y->data[i], &Gy->data[i],
			             &d, &Gd);
			ay->data[i] = fabs(y->data[i]);
			if (a)
				a[m * n_out + i] = av->data[i];
			if (ag)
				ag[m * n_out + i] = Gav->data[i];
		}
		// S += xi y^T, G(S) += |xi| |y|^T + |xi| G(y)^T (G(xi) = |xi|).
		gsl_blas_dger(1.0, xi, y, &Sv.matrix);
		gsl_blas_dger(1.0, axi, ay, &GSv.matrix);
		gsl_blas_dger(1.0, axi, Gy, &GSv.matrix);
	}
	for (size_t i = 0; i < n_in * n_out; i++) {
		S[i] /= (double)M;
		GS[i] /= (double)M;
	}
done:
	gsl_matrix_free(aW); gsl_matrix_free(gW);
	gsl_vector_free(xi); gsl_vector_free(axi); gsl_vector_free(y); gsl_vector_free(Gy);
	gsl_vector_free(ay); gsl_vector_free(av); gsl_vector_free(Gav);
	return st;
}

cro_status cro_wm_mirror(int rule, const cro_fbl_hyper *h, int act, double slope,
                         size_t n_in, size_t n_out, size_t M,
                         const double *W, const double *b, const double *B,
                         const double *noise, const double *GW, const double *Gb,
                         const double *GB, double *dB, double *dB_gauge,
                         double *a, double *a_gauge)
{
	gsl_set_error_handler_off();
	const size_t ac = n_in * n_out;
	if (rule == CRO_FBL_WM_KUNIN)
		return cro_kunin_grad(rule, h, n_in, n_out, M, W, B, noise, GW, GB, NULL, dB, dB_gauge);
	if (rule != CRO_FBL_WM_LINEAR && rule != CRO_FBL_WM_NONLINEAR)
		return CRO_ERR_RULE;
	double *S = calloc(2 * ac, sizeof(double));
	if (!S)
		return CRO_ERR_NOMEM;
	double *GS = S + ac;
	cro_status st;
	double sign;
	if (rule == CRO_FBL_WM_LINEAR) {
		// d_amp = -(1/M) sum_m xi_m (W xi_m)^T (ALIGN-PRIM-3 on the noise).
		cro_align_out o;
		memset(&o, 0, sizeof o);
		o.dR[CRO_PRIM_AMP] = S;
		o.dR_gauge[CRO_PRIM_AMP] = GS;
		st = cro_align_prims(n_in, n_out, M, (1u << CRO_PRIM_AMP) | CRO_PRIM_GRADS_ONLY, W, ac,
		                     B, ac, noise, M * n_in,
		                     GW, GB, NULL, &o);
		sign = 1.0; // dB = lambda_B B + d_amp
	} else {
		st = nonlinear_mean(act, slope, n_in, n_out, M, W, b, noise, GW, Gb, S, GS, a, a_gauge);
		sign = -1.0; // dB = lambda_B B - S
	}
	if (st == CRO_OK) {
		// WM-STEP-3: the two terms rounded, then the difference; G(lambda_B
		// B) = |lambda_B| |B| + |lambda_B| G(B) (lambda_B is an input).
		const double lam = h->decay_B;
		for (size_t i = 0; i < ac; i++) {
			const double t1 = lam * B[i];
			dB[i] = sign > 0.0 ? t1 + S[i] : t1 - S[i];
			dB_gauge[i] = fabs(lam) * fabs(B[i]) + fabs(lam) * (GB ? GB[i] : fabs(B[i])) + GS[i];
		}
		if (!finite_all(dB, ac))
			st = CRO_ERR_NONFINITE_RESULT;
		else if (!finite_all(dB_gauge, ac))
			st = CRO_ERR_GAUGE;
	}
	free(S);
	return st;
}
