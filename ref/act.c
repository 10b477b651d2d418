// act.c: activation functions and derivatives, spec/notation.md NOT-ACT-*.
#include <math.h>

#include "act.h"

// The logistic without overflow (NOT-ACT-7): for a < 0, e^{-a} could
// overflow, so it is computed as e^{a} / (1 + e^{a}).
/*@ assigns \nothing; */
static double logistic(double a)
{
	if (a < 0.0) {
		double e = exp(a);
		return e / (1.0 + e);
	}
	return 1.0 / (1.0 + exp(-a));
}

void cr_act_apply(int kind, double slope, size_t n, const double *a, double *h)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, h[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++) {
		double v = a[i];
		switch (kind) {
		case CR_ACT_TANH:        // NOT-ACT-2
			h[i] = tanh(v);
			break;
		case CR_ACT_LOGISTIC:    // NOT-ACT-3, NOT-ACT-7
			h[i] = logistic(v);
			break;
		case CR_ACT_RELU:        // NOT-ACT-4
			h[i] = v > 0.0 ? v : 0.0;
			break;
		case CR_ACT_LEAKY_RELU:  // NOT-ACT-5
			h[i] = v > 0.0 ? v : slope * v;
			break;
		default:                 // NOT-ACT-1, identity
			h[i] = v;
			break;
		}
	}
}

void cr_act_deriv_mul(int kind, double slope, size_t n, const double *a, const double *h,
                      double *v)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, v[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++) {
		double d;
		switch (kind) {
		case CR_ACT_TANH:        // NOT-ACT-2: f' = 1 - f^2
			d = 1.0 - h[i] * h[i];
			break;
		case CR_ACT_LOGISTIC:    // NOT-ACT-3: f' = f (1 - f)
			d = h[i] * (1.0 - h[i]);
			break;
		case CR_ACT_RELU:        // NOT-ACT-4: relu'(0) = 0
			d = a[i] > 0.0 ? 1.0 : 0.0;
			break;
		case CR_ACT_LEAKY_RELU:  // NOT-ACT-5: f'(0) = s
			d = a[i] > 0.0 ? 1.0 : slope;
			break;
		default:                 // NOT-ACT-1: f' = 1
			d = 1.0;
			break;
		}
		v[i] = d * v[i];
	}
}
