// loss.c: per-sample losses and output errors, spec/notation.md NOT-LOSS-*.
#include <math.h>

#include "loss.h"

// NOT-LOSS-1: l = 1/2 sum_k (y_k - t_k)^2, e = y - t.
/*@
  requires nonempty: n >= 1;
  requires valid_y: \valid_read(y + (0 .. n - 1));
  requires valid_t: \valid_read(t + (0 .. n - 1));
  requires valid_e: \valid(e + (0 .. n - 1));
  requires separated: \separated(e + (0 .. n - 1), \union(y + (0 .. n - 1), t + (0 .. n - 1)));
  assigns e[0 .. n - 1];
*/
static double mse(size_t n, const double *y, const double *t, double *e)
{
	double s = 0.0;
	/*@
	  loop invariant bound: 0 <= k <= n;
	  loop assigns k, s, e[0 .. n - 1];
	  loop variant n - k;
	*/
	for (size_t k = 0; k < n; k++) {
		double d = y[k] - t[k];
		e[k] = d;
		s += d * d;
	}
	return 0.5 * s;
}

// NOT-LOSS-2: softmax cross-entropy on logits, with the maximum subtracted
// so that no exponential overflows. e first holds e^{y_k - m}, then the
// gradient tau p_k - t_k.
/*@
  requires nonempty: n >= 1;
  requires valid_y: \valid_read(y + (0 .. n - 1));
  requires valid_t: \valid_read(t + (0 .. n - 1));
  requires valid_e: \valid(e + (0 .. n - 1));
  requires separated: \separated(e + (0 .. n - 1), \union(y + (0 .. n - 1), t + (0 .. n - 1)));
  assigns e[0 .. n - 1];
*/
static double softmax_ce(size_t n, const double *y, const double *t, double *e)
{
	double m = y[0];
	/*@
	  loop invariant bound: 1 <= k <= n;
	  loop assigns k, m;
	  loop variant n - k;
	*/
	for (size_t k = 1; k < n; k++)
		if (y[k] > m)
			m = y[k];

	double s = 0.0;
	double tau = 0.0;
	/*@
	  loop invariant bound: 0 <= k <= n;
	  loop assigns k, s, tau, e[0 .. n - 1];
	  loop variant n - k;
	*/
	for (size_t k = 0; k < n; k++) {
		e[k] = exp(y[k] - m);
		s += e[k];
		tau += t[k];
	}
	double lse = m + log(s);

	double l = 0.0;
	/*@
	  loop invariant bound: 0 <= k <= n;
	  loop assigns k, l, e[0 .. n - 1];
	  loop variant n - k;
	*/
	for (size_t k = 0; k < n; k++) {
		l += t[k] * (lse - y[k]);
		e[k] = tau * (e[k] / s) - t[k];
	}
	return l;
}

double cr_loss_eval(int kind, size_t n, const double *y, const double *t, double *e)
{
	if (kind == CR_LOSS_SOFTMAX_CE)
		return softmax_ce(n, y, t, e);
	return mse(n, y, t, e);
}
