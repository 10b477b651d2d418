// linalg.h: the dense linear-algebra kernels every rule shares.
//
// Implements the products of spec/notation.md NOT-NET-2 (a = W h + b), the
// transposed product of backpropagation (W^T d), the outer-product
// accumulation of NOT-RED-1 (dW += delta h^T) and the elementwise helpers the
// batch driver needs. Matrices are flat, row-major, unit stride (NOT-NET-3):
// entry (i, j) of an r x c matrix A is A[i*c + j].
//
// These are level-1 kernels (STYLE habit 7): their preconditions are ACSL
// requires, proved at every call site by proofs/, never checked at run time.
#ifndef CR_LINALG_H
#define CR_LINALG_H

#include <stddef.h>
#include <stdint.h>

/*@ ghost
  // The one non-linear fact every row loop needs: row r of an rows x cols
  // matrix lies inside it. Proved once here; a ghost call at the top of each
  // row loop hands it to the provers as a linear hypothesis
  // (proofs/README.md, verification-study section 3.3).
  /@
    requires row: r < rows;
    assigns \nothing;
    ensures fits: 0 <= r * cols && r * cols + cols <= rows * cols;
  @/
  void cr_row_fits(size_t r, size_t rows, size_t cols);
*/

// y = A x + b (NOT-NET-2), each y_i summed over j in ascending order from 0,
// then b_i added.
//   A [rows * cols]  x [cols]  b [rows]  y [rows]
/*@
  requires size: rows * cols <= SIZE_MAX;
  requires valid_A: \valid_read(A + (0 .. rows * cols - 1));
  requires valid_x: \valid_read(x + (0 .. cols - 1));
  requires valid_b: \valid_read(b + (0 .. rows - 1));
  requires valid_y: \valid(y + (0 .. rows - 1));
  requires separated: \separated(y + (0 .. rows - 1),
                                 \union(A + (0 .. rows * cols - 1), x + (0 .. cols - 1), b + (0 .. rows - 1)));
  assigns y[0 .. rows - 1];
*/
void cr_linalg_affine(size_t rows, size_t cols, const double *A, const double *x,
                      const double *b, double *y);

// y = A x, each y_i summed over j in ascending order from 0.
//   A [rows * cols]  x [cols]  y [rows]
/*@
  requires size: rows * cols <= SIZE_MAX;
  requires valid_A: \valid_read(A + (0 .. rows * cols - 1));
  requires valid_x: \valid_read(x + (0 .. cols - 1));
  requires valid_y: \valid(y + (0 .. rows - 1));
  requires separated: \separated(y + (0 .. rows - 1),
                                 \union(A + (0 .. rows * cols - 1), x + (0 .. cols - 1)));
  assigns y[0 .. rows - 1];
*/
void cr_linalg_gemv(size_t rows, size_t cols, const double *A, const double *x, double *y);

// y = A^T d, each y_j summed over i in ascending order from 0 (the same order
// as cr_linalg_gemv on the explicit transpose, so that feedback alignment with
// B_l = W_l^T reproduces backpropagation bit for bit).
//   A [rows * cols]  d [rows]  y [cols]
/*@
  requires size: rows * cols <= SIZE_MAX;
  requires valid_A: \valid_read(A + (0 .. rows * cols - 1));
  requires valid_d: \valid_read(d + (0 .. rows - 1));
  requires valid_y: \valid(y + (0 .. cols - 1));
  requires separated: \separated(y + (0 .. cols - 1),
                                 \union(A + (0 .. rows * cols - 1), d + (0 .. rows - 1)));
  assigns y[0 .. cols - 1];
*/
void cr_linalg_gemv_t(size_t rows, size_t cols, const double *A, const double *d, double *y);

// G += d h^T: G_ij += d_i h_j (accumulates, as the name says).
//   d [rows]  h [cols]  G [rows * cols]
/*@
  requires size: rows * cols <= SIZE_MAX;
  requires valid_d: \valid_read(d + (0 .. rows - 1));
  requires valid_h: \valid_read(h + (0 .. cols - 1));
  requires valid_G: \valid(G + (0 .. rows * cols - 1));
  requires separated: \separated(G + (0 .. rows * cols - 1),
                                 \union(d + (0 .. rows - 1), h + (0 .. cols - 1)));
  assigns G[0 .. rows * cols - 1];
*/
void cr_linalg_outer_acc(size_t rows, size_t cols, const double *d, const double *h, double *G);

// y += x (accumulates).
//   x [n]  y [n]
/*@
  requires valid_x: \valid_read(x + (0 .. n - 1));
  requires valid_y: \valid(y + (0 .. n - 1));
  requires separated: \separated(y + (0 .. n - 1), x + (0 .. n - 1));
  assigns y[0 .. n - 1];
*/
void cr_linalg_add_acc(size_t n, const double *x, double *y);

// x_i = x_i / s for every i (the batch mean of NOT-RED-1 divides once, so
// each entry is rounded once).
//   x [n]
/*@
  requires valid_x: \valid(x + (0 .. n - 1));
  assigns x[0 .. n - 1];
*/
void cr_linalg_div(size_t n, double *x, double s);

// x = 0.
//   x [n]
/*@
  requires valid_x: \valid(x + (0 .. n - 1));
  assigns x[0 .. n - 1];
*/
void cr_linalg_zero(size_t n, double *x);

// dst = src.
//   src [n]  dst [n]
/*@
  requires valid_src: \valid_read(src + (0 .. n - 1));
  requires valid_dst: \valid(dst + (0 .. n - 1));
  requires separated: \separated(dst + (0 .. n - 1), src + (0 .. n - 1));
  assigns dst[0 .. n - 1];
*/
void cr_linalg_copy(size_t n, const double *src, double *dst);

// 1 when every x_i is finite (neither NaN nor +-Inf), else 0. A finite value
// is one with |v| <= DBL_MAX; NaN fails every comparison (NOT-NET-5).
//   x [n]
/*@
  requires valid_x: \valid_read(x + (0 .. n - 1));
  assigns \nothing;
  ensures bool: \result == 0 || \result == 1;
*/
int cr_linalg_all_finite(size_t n, const double *x);

// 1 when v is finite, else 0.
/*@
  assigns \nothing;
  ensures bool: \result == 0 || \result == 1;
*/
int cr_linalg_finite(double v);

// y_i = c x_i - eta g_i for every i: both products rounded, then the
// difference (the update of spec/rules/kp.md KP-STEP-3; with c = 1 the
// product c x_i is exact and this is KP-STEP-5's b - eta db).
//   x [n]  g [n]  y [n]
/*@
  requires valid_x: \valid_read(x + (0 .. n - 1));
  requires valid_g: \valid_read(g + (0 .. n - 1));
  requires valid_y: \valid(y + (0 .. n - 1));
  requires separated: \separated(y + (0 .. n - 1), \union(x + (0 .. n - 1), g + (0 .. n - 1)));
  assigns y[0 .. n - 1];
*/
void cr_linalg_scale_sub(size_t n, double c, const double *x, double eta, const double *g,
                         double *y);

// 1 when every c x_i - eta g_i, computed exactly as cr_linalg_scale_sub
// computes it, is finite; else 0. Writes nothing, so that a caller can check
// an update before it writes any output (NOT-NET-5).
//   x [n]  g [n]
/*@
  requires valid_x: \valid_read(x + (0 .. n - 1));
  requires valid_g: \valid_read(g + (0 .. n - 1));
  assigns \nothing;
  ensures bool: \result == 0 || \result == 1;
*/
int cr_linalg_scale_sub_finite(size_t n, double c, const double *x, double eta, const double *g);

// The transposed update Y = c X - eta G^T (KP-STEP-4): X and Y are
// cols x rows, G is rows x cols, and Y_ji = c X_ji - eta G_ij, rounded as in
// cr_linalg_scale_sub. When X holds the transpose of a matrix W shaped like G,
// every Y_ji is computed by the same operations on the same numbers as entry
// (i, j) of cr_linalg_scale_sub on W and G (KP-ID-2).
//   X [cols * rows]  G [rows * cols]  Y [cols * rows]
/*@
  requires size: rows * cols <= SIZE_MAX;
  requires valid_X: \valid_read(X + (0 .. rows * cols - 1));
  requires valid_G: \valid_read(G + (0 .. rows * cols - 1));
  requires valid_Y: \valid(Y + (0 .. rows * cols - 1));
  requires separated: \separated(Y + (0 .. rows * cols - 1),
                                 \union(X + (0 .. rows * cols - 1), G + (0 .. rows * cols - 1)));
  assigns Y[0 .. rows * cols - 1];
*/
void cr_linalg_scale_sub_t(size_t rows, size_t cols, double c, const double *X, double eta,
                           const double *G, double *Y);

// 1 when every entry cr_linalg_scale_sub_t would write is finite; else 0.
// Writes nothing.
//   X [cols * rows]  G [rows * cols]
/*@
  requires size: rows * cols <= SIZE_MAX;
  requires valid_X: \valid_read(X + (0 .. rows * cols - 1));
  requires valid_G: \valid_read(G + (0 .. rows * cols - 1));
  assigns \nothing;
  ensures bool: \result == 0 || \result == 1;
*/
int cr_linalg_scale_sub_t_finite(size_t rows, size_t cols, double c, const double *X,
                                 double eta, const double *G);

#endif
