// linalg.c: dense kernels shared by every rule (see linalg.h).
#include <float.h>

#include "linalg.h"

/*@ ghost
  /@
    requires row: r < rows;
    assigns \nothing;
    ensures fits: 0 <= r * cols && r * cols + cols <= rows * cols;
  @/
  void cr_row_fits(size_t r, size_t rows, size_t cols) { }
*/

void cr_linalg_affine(size_t rows, size_t cols, const double *A, const double *x,
                      const double *b, double *y)
{
	/*@
	  loop invariant bound: 0 <= i <= rows;
	  loop assigns i, y[0 .. rows - 1];
	  loop variant rows - i;
	*/
	for (size_t i = 0; i < rows; i++) {
		//@ ghost cr_row_fits(i, rows, cols);
		double s = 0.0;
		/*@
		  loop invariant bound: 0 <= j <= cols;
		  loop assigns j, s;
		  loop variant cols - j;
		*/
		for (size_t j = 0; j < cols; j++)
			s += A[i * cols + j] * x[j];
		y[i] = s + b[i];
	}
}

void cr_linalg_gemv(size_t rows, size_t cols, const double *A, const double *x, double *y)
{
	/*@
	  loop invariant bound: 0 <= i <= rows;
	  loop assigns i, y[0 .. rows - 1];
	  loop variant rows - i;
	*/
	for (size_t i = 0; i < rows; i++) {
		//@ ghost cr_row_fits(i, rows, cols);
		double s = 0.0;
		/*@
		  loop invariant bound: 0 <= j <= cols;
		  loop assigns j, s;
		  loop variant cols - j;
		*/
		for (size_t j = 0; j < cols; j++)
			s += A[i * cols + j] * x[j];
		y[i] = s;
	}
}

void cr_linalg_gemv_t(size_t rows, size_t cols, const double *A, const double *d, double *y)
{
	// Row by row, so that A is read with unit stride; every y_j still sums
	// its terms in ascending i, starting from 0.
	cr_linalg_zero(cols, y);
	/*@
	  loop invariant bound: 0 <= i <= rows;
	  loop assigns i, y[0 .. cols - 1];
	  loop variant rows - i;
	*/
	for (size_t i = 0; i < rows; i++) {
		//@ ghost cr_row_fits(i, rows, cols);
		/*@
		  loop invariant bound: 0 <= j <= cols;
		  loop assigns j, y[0 .. cols - 1];
		  loop variant cols - j;
		*/
		for (size_t j = 0; j < cols; j++)
			y[j] += A[i * cols + j] * d[i];
	}
}

void cr_linalg_outer_acc(size_t rows, size_t cols, const double *d, const double *h, double *G)
{
	/*@
	  loop invariant bound: 0 <= i <= rows;
	  loop assigns i, G[0 .. rows * cols - 1];
	  loop variant rows - i;
	*/
	for (size_t i = 0; i < rows; i++) {
		//@ ghost cr_row_fits(i, rows, cols);
		/*@
		  loop invariant bound: 0 <= j <= cols;
		  loop assigns j, G[i * cols .. i * cols + cols - 1];
		  loop variant cols - j;
		*/
		for (size_t j = 0; j < cols; j++)
			G[i * cols + j] += d[i] * h[j];
	}
}

void cr_linalg_add_acc(size_t n, const double *x, double *y)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, y[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		y[i] += x[i];
}

void cr_linalg_div(size_t n, double *x, double s)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, x[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		x[i] = x[i] / s;
}

void cr_linalg_zero(size_t n, double *x)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, x[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		x[i] = 0.0;
}

void cr_linalg_copy(size_t n, const double *src, double *dst)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, dst[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

int cr_linalg_finite(double v)
{
	// NaN fails both comparisons; +-Inf fails one (NOT-NET-5).
	return v >= -DBL_MAX && v <= DBL_MAX;
}

int cr_linalg_all_finite(size_t n, const double *x)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i;
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		if (!cr_linalg_finite(x[i]))
			return 0;
	return 1;
}

void cr_linalg_scale_sub(size_t n, double c, const double *x, double eta, const double *g,
                         double *y)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, y[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		y[i] = c * x[i] - eta * g[i];
}

int cr_linalg_scale_sub_finite(size_t n, double c, const double *x, double eta, const double *g)
{
	// The expression of cr_linalg_scale_sub, so the value checked is the
	// value that would be written (-ffp-contract=off: no fused multiply-add).
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i;
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		if (!cr_linalg_finite(c * x[i] - eta * g[i]))
			return 0;
	return 1;
}

void cr_linalg_scale_sub_t(size_t rows, size_t cols, double c, const double *X, double eta,
                           const double *G, double *Y)
{
	// Row j of X and Y (unit stride) meets column j of G (stride cols).
	/*@
	  loop invariant bound: 0 <= j <= cols;
	  loop assigns j, Y[0 .. rows * cols - 1];
	  loop variant cols - j;
	*/
	for (size_t j = 0; j < cols; j++) {
		//@ ghost cr_row_fits(j, cols, rows);
		/*@
		  loop invariant bound: 0 <= i <= rows;
		  loop assigns i, Y[j * rows .. j * rows + rows - 1];
		  loop variant rows - i;
		*/
		for (size_t i = 0; i < rows; i++) {
			//@ ghost cr_row_fits(i, rows, cols);
			Y[j * rows + i] = c * X[j * rows + i] - eta * G[i * cols + j];
		}
	}
}

int cr_linalg_scale_sub_t_finite(size_t rows, size_t cols, double c, const double *X,
                                 double eta, const double *G)
{
	/*@
	  loop invariant bound: 0 <= j <= cols;
	  loop assigns j;
	  loop variant cols - j;
	*/
	for (size_t j = 0; j < cols; j++) {
		//@ ghost cr_row_fits(j, cols, rows);
		/*@
		  loop invariant bound: 0 <= i <= rows;
		  loop assigns i;
		  loop variant rows - i;
		*/
		for (size_t i = 0; i < rows; i++) {
			//@ ghost cr_row_fits(i, rows, cols);
			if (!cr_linalg_finite(c * X[j * rows + i] - eta * G[i * cols + j]))
				return 0;
		}
	}
	return 1;
}
