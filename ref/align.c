// align.c: Kunin et al.'s layer-local alignment primitives and the step of
// the rules built from them, spec/rules/align.md (ALIGN-PROJ-1/2,
// ALIGN-PRIM-1..5, ALIGN-OUT-1, ALIGN-ERR-1; ALIGN-STEP-1..5; trajectories of
// steps: spec/notation.md NOT-STEP-1). The rules' own combinations of the
// primitive gradients are in sa.c, aa.c and ia.c.
//
// One layer: W is n_out x n_in (W_l), B is n_in x n_out (B_l, NOT-FB-1), the
// N layer inputs x_n are the rows of X (N x n_in). Per sample the
// projections p = W x, q = B^T x and the reconstruction r = B p are formed
// with the kernels of linalg.h (ALIGN-PROJ-1), and the batch sums
// sum_n x_n p_n^T (amp), sum_n x_n q_n^T (sparse) and sum_n r_n p_n^T (null)
// are accumulated sample after sample; each is divided by N once at the end
// (ALIGN-PROJ-2): amp' = -(S/N), sparse' = (2 S)/N, null' = (2 S)/N. The
// gradients of decay and self are exact: 2B and -W^T.
//
// A step of a Kunin rule (cr_align_step, reached through cr_sa_step,
// cr_aa_step, cr_ia_step): cr_fa_grad gives the loss, dW and db under the
// state the step starts from (ALIGN-STEP-1); for AA and IA the forward pass
// is run again sample by sample with the kernels of net.c's forward pass
// (cr_linalg_affine, cr_act_apply: the same numbers), and every layer
// l = 2..L accumulates the sums its rule needs from its inputs h_{l-1}; the
// primitive gradients are finished for every layer, the rule combines them
// into G (ALIGN-STEP-2), and W - eta dW, b - eta db, B - eta_B G are checked
// finite and only then written (ALIGN-STEP-3, NOT-NET-5).
//
// Order of the checks of cr_align_prims (the first failing one is returned):
//   1. null_pointer         value; W, B, x, grad, work unless its length is 0;
//   2. zero_size            n_in, n_out or batch 0 (ALIGN-ERR-1);
//   3. size_too_large       n_in n_out, 5 n_in n_out, batch n_in or the
//                           workspace length overflows size_t;
//   4. size_mismatch        W_len or B_len != n_in n_out, x_len != batch n_in,
//                           grad_len != 5 n_in n_out;
//   5. workspace_too_small  work_len < cr_align_workspace_len(n_in, n_out);
//   6. non_finite_input     W, B, x;
//   7. non_finite_result    a value or a gradient entry.
//
// Order of the checks of a step (the first failing one is returned):
//   1. invalid_parameter    eta or eta_B not finite or <= 0; alpha, beta or
//                           gamma not finite or < 0 (ALIGN-STEP-4; first, as
//                           KP-API-1);
//   2. null_pointer         loss; net->acts when net is given with depth >= 1;
//                           every array (W, b, B, x, t, W_next, b_next, B_next,
//                           work) unless its length is 0;
//   3. the network and the batch as cr_workspace_len sees them: when they
//      are invalid, cr_fa_grad is called without outputs and its status
//      (null_pointer, zero_size or size_too_large) is returned;
//      size_too_large when cr_align_step_workspace_len overflows size_t;
//   4. size_mismatch        W_len, b_len, B_len, x_len, t_len against the
//                           widths and the batch, and W_next_len, b_next_len,
//                           B_next_len against W_len, b_len, B_len;
//   5. workspace_too_small  work_len < cr_align_step_workspace_len(net, batch);
//   6. unknown_activation   a layer's kind outside cr_act_kind (the forward
//                           pass of ALIGN-STEP-2 needs it), then every other
//                           check of cr_fa_grad, in its order (ref/net.h):
//                           unknown_loss, a leaky slope, non_finite_input;
//   7. non_finite_result    the loss, dW or db (reported by cr_fa_grad), or a
//                           new entry of W, b or B (checked here, in the
//                           order W, b, B).
// Checks 4 to 6 come before some of cr_fa_grad's own, so a call with several
// defects may get another applicable name than cr_fa_grad would give; the
// spec allows any (BP-ERR-2).
#include "align.h"
#include "aa.h"
#include "act.h"
#include "ia.h"
#include "linalg.h"
#include "sa.h"

// ---------------------------------------------------------------- helpers

// An array pointer may be NULL only when it holds nothing.
/*@
  assigns \nothing;
  ensures ok: \result != 0 <==> (p != \null || len == 0);
*/
static int present(const double *p, size_t len)
{
	return p != NULL || len == 0;
}

// *r = a * b; 0 when the product overflows size_t.
/*@
  requires valid_r: \valid(r);
  assigns *r;
  ensures value: \result != 0 ==> *r == a * b;
  ensures ge: \result != 0 && b >= 1 ==> *r >= a;
*/
static int mul_ok(size_t a, size_t b, size_t *r)
{
	if (a != 0 && b > SIZE_MAX / a)
		return 0;
	//@ assert fits: a == 0 || a * b <= a * (SIZE_MAX / a) <= SIZE_MAX;
	//@ assert ge: b >= 1 ==> a * b >= a;
	*r = a * b;
	return 1;
}

// ---------------------------------------------------------------- kernels

// d_i = 2 v_i (exact unless it overflows): the gradient of decay
// (ALIGN-PRIM-1) and, for IA, its third term.
//   v [n]  d [n]
/*@
  requires valid_v: \valid_read(v + (0 .. n - 1));
  requires valid_d: \valid(d + (0 .. n - 1));
  requires separated: \separated(d + (0 .. n - 1), v + (0 .. n - 1));
  assigns d[0 .. n - 1];
*/
static void twice(size_t n, const double *v, double *d)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, d[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		d[i] = 2.0 * v[i];
}

// D = -W^T (exact): W is rows x cols, D is cols x rows; the gradient of self
// (ALIGN-PRIM-2), D_ji = -W_ij.
//   W [rows * cols]  D [cols * rows]
/*@
  requires size: rows * cols <= SIZE_MAX;
  requires valid_W: \valid_read(W + (0 .. rows * cols - 1));
  requires valid_D: \valid(D + (0 .. rows * cols - 1));
  requires separated: \separated(D + (0 .. rows * cols - 1), W + (0 .. rows * cols - 1));
  assigns D[0 .. rows * cols - 1];
*/
static void neg_t(size_t rows, size_t cols, const double *W, double *D)
{
	// Row j of D (unit stride) takes column j of W (stride cols).
	/*@
	  loop invariant bound: 0 <= j <= cols;
	  loop assigns j, D[0 .. rows * cols - 1];
	  loop variant cols - j;
	*/
	for (size_t j = 0; j < cols; j++) {
		//@ ghost cr_row_fits(j, cols, rows);
		/*@
		  loop invariant bound: 0 <= i <= rows;
		  loop assigns i, D[j * rows .. j * rows + rows - 1];
		  loop variant rows - i;
		*/
		for (size_t i = 0; i < rows; i++) {
			//@ ghost cr_row_fits(i, rows, cols);
			D[j * rows + i] = -W[i * cols + j];
		}
	}
}

// S_i = -(S_i / N): the mean of amp's batch sum with its sign
// (ALIGN-PRIM-3, ALIGN-PROJ-2; the negation is exact).
//   S [n]
/*@
  requires valid_S: \valid(S + (0 .. n - 1));
  assigns S[0 .. n - 1];
*/
static void mean_neg(size_t n, double *S, double N)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, S[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		S[i] = -(S[i] / N);
}

// S_i = (2 S_i) / N: the mean (2/N) sum of sparse and null (ALIGN-PRIM-4/5,
// ALIGN-PROJ-2; the factor 2 is exact).
//   S [n]
/*@
  requires valid_S: \valid(S + (0 .. n - 1));
  assigns S[0 .. n - 1];
*/
static void mean_twice(size_t n, double *S, double N)
{
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, S[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		S[i] = (2.0 * S[i]) / N;
}

// u . v, summed over i in ascending order from 0.
//   u [n]  v [n]
/*@
  requires valid: \valid_read(u + (0 .. n - 1)) && \valid_read(v + (0 .. n - 1));
  assigns \nothing;
*/
static double dot(size_t n, const double *u, const double *v)
{
	double s = 0.0;
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, s;
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		s += u[i] * v[i];
	return s;
}

// sum_{i,j} W_ij B_ji = tr(W B): W is rows x cols, B is cols x rows; row i
// of W in ascending j, rows in ascending i (self's value, ALIGN-PRIM-2).
//   W [rows * cols]  B [cols * rows]
/*@
  requires size: rows * cols <= SIZE_MAX;
  requires valid: \valid_read(W + (0 .. rows * cols - 1)) && \valid_read(B + (0 .. rows * cols - 1));
  assigns \nothing;
*/
static double trace_prod(size_t rows, size_t cols, const double *W, const double *B)
{
	double s = 0.0;
	/*@
	  loop invariant bound: 0 <= i <= rows;
	  loop assigns i, s;
	  loop variant rows - i;
	*/
	for (size_t i = 0; i < rows; i++) {
		//@ ghost cr_row_fits(i, rows, cols);
		/*@
		  loop invariant bound: 0 <= j <= cols;
		  loop assigns j, s;
		  loop variant cols - j;
		*/
		for (size_t j = 0; j < cols; j++) {
			//@ ghost cr_row_fits(j, cols, rows);
			s += W[i * cols + j] * B[j * rows + i];
		}
	}
	return s;
}

// ---------------------------------------------------------------- primitives

// The lengths of a primitives call: ac = n_in n_out, grad_len = 5 ac,
// x_len = batch n_in, work_len = 3 ac + 2 n_out + n_in (the three batch sums,
// then p, q [n_out] and r [n_in]). ok is 0 for a zero size or an overflow.
typedef struct {
	int ok;
	size_t ac, grad_len, x_len, work_len;
} prim_shape;

/*@
  assigns \nothing;
  ensures ok: \result.ok != 0 ==> a >= 1 && c >= 1 && N >= 1 &&
    \result.ac == a * c && \result.grad_len == 5 * \result.ac &&
    \result.x_len == N * a && \result.work_len == 3 * \result.ac + 2 * c + a;
*/
static prim_shape prims_shape(size_t a, size_t c, size_t N)
{
	prim_shape s;
	size_t ac, xl;
	s.ok = 0;
	// a, c <= ac, so 2 c + a <= 3 ac and the sum below cannot wrap once
	// 3 ac <= SIZE_MAX - 2 c - a is known.
	if (a == 0 || c == 0 || N == 0 || !mul_ok(a, c, &ac) || !mul_ok(N, a, &xl)
	    || ac > SIZE_MAX / 5 || 3 * ac > SIZE_MAX - 2 * c - a)
		return s;
	s.ac = ac;
	s.grad_len = 5 * ac;
	s.x_len = xl;
	s.work_len = 3 * ac + 2 * c + a;
	s.ok = 1;
	return s;
}

size_t cr_align_workspace_len(size_t n_in, size_t n_out)
{
	prim_shape s = prims_shape(n_in, n_out, 1);
	return s.ok ? s.work_len : 0;
}

// The batch sums of a primitives call's values (ALIGN-PRIM-3..5).
typedef struct {
	double amp, sparse, null; // sum_n p.q, sum_n (|p|^2 + |q|^2), sum_n |r|^2
} prim_sums;

// Every sample of the batch: p, q, r (ALIGN-PROJ-1), the value sums, and
// Sa = sum_n x_n p_n^T, Ss = sum_n x_n q_n^T, Sn = sum_n r_n p_n^T.
//   W [c * a]  B [a * c]  x [N * a]  p, q [c]  r [a]  Sa, Ss, Sn [a * c]
/*@
  requires size: a * c <= SIZE_MAX && N * a <= SIZE_MAX;
  requires valid_in: \valid_read(W + (0 .. a * c - 1)) && \valid_read(B + (0 .. a * c - 1)) &&
                     \valid_read(x + (0 .. N * a - 1));
  requires valid_pqr: \valid(p + (0 .. c - 1)) && \valid(q + (0 .. c - 1)) && \valid(r + (0 .. a - 1));
  requires valid_S: \valid(Sa + (0 .. a * c - 1)) && \valid(Ss + (0 .. a * c - 1)) &&
                    \valid(Sn + (0 .. a * c - 1));
  requires separated: \separated(p + (0 .. c - 1), q + (0 .. c - 1), r + (0 .. a - 1),
    Sa + (0 .. a * c - 1), Ss + (0 .. a * c - 1), Sn + (0 .. a * c - 1),
    \union(W + (0 .. a * c - 1), B + (0 .. a * c - 1), x + (0 .. N * a - 1)));
  assigns p[0 .. c - 1], q[0 .. c - 1], r[0 .. a - 1], Sa[0 .. a * c - 1], Ss[0 .. a * c - 1],
          Sn[0 .. a * c - 1];
*/
static prim_sums prims_batch(size_t a, size_t c, size_t N, const double *W, const double *B,
                             const double *x, double *p, double *q, double *r, double *Sa,
                             double *Ss, double *Sn)
{
	prim_sums v;
	v.amp = 0.0;
	v.sparse = 0.0;
	v.null = 0.0;
	cr_linalg_zero(a * c, Sa);
	cr_linalg_zero(a * c, Ss);
	cr_linalg_zero(a * c, Sn);
	/*@
	  loop invariant bound: 0 <= n <= N;
	  loop assigns n, v, p[0 .. c - 1], q[0 .. c - 1], r[0 .. a - 1], Sa[0 .. a * c - 1],
	               Ss[0 .. a * c - 1], Sn[0 .. a * c - 1];
	  loop variant N - n;
	*/
	for (size_t n = 0; n < N; n++) {
		//@ ghost cr_row_fits(n, N, a);
		const double *xn = x + n * a;
		cr_linalg_gemv(c, a, W, xn, p);  // p = W x
		cr_linalg_gemv_t(a, c, B, xn, q); // q = B^T x
		cr_linalg_gemv(a, c, B, p, r);   // r = B p
		v.amp += dot(c, p, q);
		v.sparse += dot(c, p, p) + dot(c, q, q);
		v.null += dot(a, r, r);
		cr_linalg_outer_acc(a, c, xn, p, Sa);
		cr_linalg_outer_acc(a, c, xn, q, Ss);
		cr_linalg_outer_acc(a, c, r, p, Sn);
	}
	return v;
}

// The five values (ALIGN-PRIM-1..5) from the batch sums.
/*@
  requires size: a * c <= SIZE_MAX;
  requires valid: \valid_read(W + (0 .. a * c - 1)) && \valid_read(B + (0 .. a * c - 1));
  requires valid_value: \valid(value + (0 .. CR_PRIM_COUNT - 1));
  requires separated: \separated(value + (0 .. CR_PRIM_COUNT - 1),
                                 \union(W + (0 .. a * c - 1), B + (0 .. a * c - 1)));
  assigns value[0 .. CR_PRIM_COUNT - 1];
*/
static void prims_values(size_t a, size_t c, double N, const double *W, const double *B,
                         prim_sums v, double *value)
{
	value[CR_PRIM_DECAY] = dot(a * c, W, W) + dot(a * c, B, B);
	value[CR_PRIM_SELF] = -trace_prod(c, a, W, B);
	value[CR_PRIM_AMP] = -(v.amp / N);
	value[CR_PRIM_SPARSE] = v.sparse / N;
	value[CR_PRIM_NULL] = v.null / N;
}

cr_status cr_align_prims(size_t n_in, size_t n_out, size_t batch, const double *W, size_t W_len,
                         const double *B, size_t B_len, const double *x, size_t x_len,
                         double *value, double *grad, size_t grad_len, double *work,
                         size_t work_len)
{
	double val[CR_PRIM_COUNT]; // the values, held back until every check has passed

	// Check 1.
	if (value == NULL || !present(W, W_len) || !present(B, B_len) || !present(x, x_len)
	    || !present(grad, grad_len) || !present(work, work_len))
		return CR_ERR_NULL;
	// Checks 2 and 3.
	if (n_in == 0 || n_out == 0 || batch == 0)
		return CR_ERR_ZERO_SIZE;
	prim_shape s = prims_shape(n_in, n_out, batch);
	if (!s.ok)
		return CR_ERR_SIZE;
	// Checks 4 to 6.
	size_t ac = s.ac;
	if (W_len != ac || B_len != ac || x_len != s.x_len || grad_len != s.grad_len)
		return CR_ERR_SIZE_MISMATCH;
	if (work_len < s.work_len)
		return CR_ERR_WORKSPACE;
	if (!cr_linalg_all_finite(ac, W) || !cr_linalg_all_finite(ac, B)
	    || !cr_linalg_all_finite(x_len, x))
		return CR_ERR_NONFINITE_INPUT;

	double *Sa = work;        // [ac]  amp's sum, then its gradient
	double *Ss = Sa + ac;     // [ac]  sparse's
	double *Sn = Ss + ac;     // [ac]  null's
	double *p = Sn + ac;      // [n_out]
	double *q = p + n_out;    // [n_out]
	double *r = q + n_out;    // [n_in]
	//@ assert in_work: 3 * ac + 2 * n_out + n_in <= work_len;
	prim_sums v = prims_batch(n_in, n_out, batch, W, B, x, p, q, r, Sa, Ss, Sn);
	double N = (double)batch;
	prims_values(n_in, n_out, N, W, B, v, val);
	mean_neg(ac, Sa, N);
	mean_twice(ac, Ss, N);
	mean_twice(ac, Sn, N);

	// Check 7: nothing is written unless every value and gradient entry is
	// finite. -W^T is finite with W, and 2B is finite when decay's value is:
	// a finite |B|^2 bounds every B_i^2, so |B_i| <= 2^512 and 2 B_i cannot
	// overflow.
	if (!cr_linalg_all_finite(CR_PRIM_COUNT, val) || !cr_linalg_all_finite(ac, Sa)
	    || !cr_linalg_all_finite(ac, Ss)
	    || !cr_linalg_all_finite(ac, Sn))
		return CR_ERR_NONFINITE_RESULT;

	cr_linalg_copy(CR_PRIM_COUNT, val, value);
	twice(ac, B, grad + CR_PRIM_DECAY * ac);      // ALIGN-PRIM-1: 2B
	neg_t(n_out, n_in, W, grad + CR_PRIM_SELF * ac); // ALIGN-PRIM-2: -W^T
	cr_linalg_copy(ac, Sa, grad + CR_PRIM_AMP * ac);
	cr_linalg_copy(ac, Ss, grad + CR_PRIM_SPARSE * ac);
	cr_linalg_copy(ac, Sn, grad + CR_PRIM_NULL * ac);
	return CR_OK;
}

// ---------------------------------------------------------------- the step

// The layers of a step's shape: n, sz, woff, boff, foff, m and the totals
// W_len, b_len, B_len; .ok is 0 when net or its widths are NULL, the depth is
// 0 or above CR_MAX_DEPTH, a width is 0 or a total overflows size_t. Every
// width is at least 1, so n_l <= n_l n_{l-1} and the total of b stays below
// that of W: it cannot overflow when W's does not. Returned by value and
// built in a local, so that the proofs see no memory for it.
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==>
    net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  assigns \nothing;
  ensures layers: \result.ok != 0 ==> align_layers_ok(\result);
  ensures depth: \result.ok != 0 ==> net != \null && net->widths != \null &&
    \result.depth == net->depth;
*/
static cr_align_shape shape_layers(const cr_net *net)
{
	cr_align_shape s;
	s.ok = 0;
	if (net == NULL || net->widths == NULL || net->depth == 0 || net->depth > CR_MAX_DEPTH)
		return s;
	size_t L = net->depth;
	s.depth = L;
	/*@
	  loop invariant bound: 0 <= l <= L + 1;
	  loop invariant nonzero: \forall integer k; 0 <= k < l ==> s.n[k] >= 1;
	  loop assigns l, s.n[0 .. L];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 0; l <= L; l++) {
		if (net->widths[l] == 0)
			return s;
		s.n[l] = net->widths[l];
	}
	// w, f, bl: the running totals of W, B and b.
	size_t w = 0, f = 0, bl = 0;
	/*@
	  loop invariant bound: 1 <= l <= L + 1;
	  loop invariant prod: \forall integer k; 1 <= k < l ==> s.sz[k] == s.n[k] * s.n[k - 1];
	  loop invariant woff: \forall integer k; 1 <= k < l ==> s.woff[k] + s.sz[k] <= w;
	  loop invariant boff: \forall integer k; 1 <= k < l ==> s.boff[k] + s.n[k] <= bl;
	  loop invariant foff: \forall integer k; 2 <= k < l ==> s.foff[k] + s.sz[k] <= f;
	  loop invariant fw: f <= w;
	  loop invariant bw: bl <= w;
	  loop assigns l, w, f, bl, s.sz[1 .. L], s.woff[1 .. L], s.boff[1 .. L], s.foff[2 .. L];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 1; l <= L; l++) {
		size_t sz;
		if (!mul_ok(s.n[l], s.n[l - 1], &sz) || sz > SIZE_MAX - w)
			return s;
		//@ assert ge: sz >= s.n[l];
		s.sz[l] = sz;
		s.woff[l] = w;
		s.boff[l] = bl;
		w += sz;
		bl += s.n[l];
		if (l >= 2) {
			s.foff[l] = f;
			f += sz;
		}
	}
	size_t m = 1;
	/*@
	  loop invariant bound: 1 <= l <= L + 1;
	  loop invariant wide: \forall integer k; 1 <= k < l ==> s.n[k] <= m;
	  loop invariant m: m >= 1;
	  loop assigns l, m;
	  loop variant L + 1 - l;
	*/
	for (size_t l = 1; l <= L; l++)
		if (s.n[l] > m)
			m = s.n[l];
	s.W_len = w;
	s.b_len = bl;
	s.B_len = f;
	s.m = m;
	s.ok = 1;
	return s;
}

// The lengths of a step for the batch (cr_align_lens): x_len, t_len,
// fa_work and the workspace offsets (align.h); .ok is 0 when the layers are
// not valid, the batch is 0, a length overflows size_t, or
// cr_workspace_len(net, batch) is 0.
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==>
    net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires shape: s.ok != 0 ==> align_layers_ok(s);
  assigns \nothing;
  ensures ok: \result.ok != 0 ==> s.ok != 0 && \result.batch == batch;
  ensures lens: \result.ok != 0 ==> align_lens_ok(s, \result);
  ensures xt: \result.ok != 0 ==> align_xt_ok(s, \result);
*/
static cr_align_lens shape_lens(cr_align_shape s, const cr_net *net, size_t batch)
{
	cr_align_lens z;
	size_t xl, tl, b3, f4, m3;
	z.ok = 0;
	if (!s.ok)
		return z;
	size_t fa = cr_workspace_len(net, batch), L = s.depth;
	size_t o = fa, w = s.W_len, bl = s.b_len, f = s.B_len, m = s.m;
	// The workspace: fa + W_len + 3 b_len + 4 B_len + 3 m (align.h), each
	// part and each partial sum checked against SIZE_MAX.
	if (batch == 0 || !mul_ok(batch, s.n[0], &xl) || !mul_ok(batch, s.n[L], &tl) || fa == 0
	    || !mul_ok(3, bl, &b3) || !mul_ok(4, f, &f4) || !mul_ok(3, m, &m3) || w > SIZE_MAX - o
	    || b3 > SIZE_MAX - o - w || f4 > SIZE_MAX - o - w - b3 || m3 > SIZE_MAX - o - w - b3 - f4)
		return z;
	z.batch = batch;
	z.x_len = xl;
	z.t_len = tl;
	z.fa_work = fa;
	z.o_dW = o;
	z.o_db = o + w;
	z.o_D0 = z.o_db + bl;
	z.o_D1 = z.o_D0 + f;
	z.o_D2 = z.o_D1 + f;
	z.o_G = z.o_D2 + f;
	z.o_a = z.o_G + f;
	z.o_h = z.o_a + bl;
	z.o_p = z.o_h + bl;
	z.o_q = z.o_p + m;
	z.o_r = z.o_q + m;
	z.work_len = z.o_r + m;
	z.ok = 1;
	return z;
}

size_t cr_align_step_workspace_len(const cr_net *net, size_t batch)
{
	cr_align_lens z = shape_lens(shape_layers(net), net, batch);
	return z.ok ? z.work_len : 0;
}

// The activations of layers 1..L, copied; .ok is 0 when a kind is not a
// cr_act_kind (unknown_activation).
/*@
  requires depth: 1 <= L <= CR_MAX_DEPTH;
  requires valid_acts: \valid_read(acts + (0 .. L - 1));
  assigns \nothing;
  ensures ok: \result.ok != 0 ==> align_acts_ok(\result, L);
*/
static cr_align_acts align_acts(const cr_act *acts, size_t L)
{
	cr_align_acts k;
	k.ok = 0;
	/*@
	  loop invariant bound: 1 <= l <= L + 1;
	  loop invariant kinds: \forall integer i; 1 <= i < l ==> 0 <= k.kind[i] < CR_ACT_COUNT;
	  loop assigns l, k.kind[1 .. L], k.slope[1 .. L];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 1; l <= L; l++) {
		int kind = acts[l - 1].kind;
		if (kind < 0 || kind >= CR_ACT_COUNT)
			return k;
		k.kind[l] = kind;
		k.slope[l] = acts[l - 1].slope;
	}
	k.ok = 1;
	return k;
}

// ALIGN-STEP-4: eta and eta_B finite and > 0; alpha, beta, gamma finite and
// >= 0 (-0.0 included). NaN fails every comparison. (A function of its own
// so that the proof goals of the driver carry no float constant: CVC4 1.8
// aborts on float literals, proofs/README.md.)
/*@
  assigns \nothing;
  ensures bool: \result == 0 || \result == 1;
*/
static int params_ok(double eta, double eta_B, double alpha, double beta, double gamma)
{
	return cr_linalg_finite(eta) && eta > 0.0 && cr_linalg_finite(eta_B) && eta_B > 0.0
	       && cr_linalg_finite(alpha) && alpha >= 0.0 && cr_linalg_finite(beta) && beta >= 0.0
	       && cr_linalg_finite(gamma) && gamma >= 0.0;
}

// The forward pass of one sample up to layer L - 1 (NOT-NET-2), with the
// kernels and the order of net.c's: a_l = W_l h_{l-1} + b_l, h_l = f_l(a_l).
//   xs [n_0]  a, h [b_len] (layer l at boff[l])
/*@
  requires shape: align_layers_ok(s) && s.depth >= 2;
  requires acts: align_acts_ok(k, s.depth);
  requires valid_in: \valid_read(W + (0 .. s.W_len - 1)) && \valid_read(b + (0 .. s.b_len - 1)) &&
                     \valid_read(xs + (0 .. s.n[0] - 1));
  requires valid_ah: \valid(a + (0 .. s.b_len - 1)) && \valid(h + (0 .. s.b_len - 1));
  requires separated: \separated(a + (0 .. s.b_len - 1), h + (0 .. s.b_len - 1),
    \union(W + (0 .. s.W_len - 1), b + (0 .. s.b_len - 1), xs + (0 .. s.n[0] - 1)));
  assigns a[0 .. s.b_len - 1], h[0 .. s.b_len - 1];
*/
static void forward(cr_align_shape s, cr_align_acts k, const double *W, const double *b,
                    const double *xs, double *a, double *h)
{
	size_t L = s.depth;
	//@ assert layer1: s.woff[1] + s.n[1] * s.n[0] <= s.W_len && s.boff[1] + s.n[1] <= s.b_len;
	cr_linalg_affine(s.n[1], s.n[0], W + s.woff[1], xs, b + s.boff[1], a + s.boff[1]);
	cr_act_apply(k.kind[1], k.slope[1], s.n[1], a + s.boff[1], h + s.boff[1]);
	/*@
	  loop invariant bound: 2 <= l <= L;
	  loop assigns l, a[0 .. s.b_len - 1], h[0 .. s.b_len - 1];
	  loop variant L - l;
	*/
	for (size_t l = 2; l < L; l++) {
		/*@ assert layer: s.woff[l] + s.n[l] * s.n[l - 1] <= s.W_len &&
		      s.boff[l] + s.n[l] <= s.b_len && s.boff[l - 1] + s.n[l - 1] <= s.b_len; */
		cr_linalg_affine(s.n[l], s.n[l - 1], W + s.woff[l], h + s.boff[l - 1], b + s.boff[l],
		                 a + s.boff[l]);
		cr_act_apply(k.kind[l], k.slope[l], s.n[l], a + s.boff[l], h + s.boff[l]);
	}
}

// One sample's contribution to the sums of one layer (W: c x a, B: a x c,
// input x): for AA S0 += x q^T (sparse) and S1 += x p^T (amp); for IA
// S0 += x p^T (amp) and S1 += r p^T (null). The kernels and their order are
// prims_batch's, so the sums are the ones cr_align_prims forms.
//   W, B [a * c]  x [a]  p, q [c]  r [a]  S0, S1 [a * c]
/*@
  requires rule: rule == CR_ALIGN_AA || rule == CR_ALIGN_IA;
  requires size: a * c <= SIZE_MAX;
  requires valid_in: \valid_read(W + (0 .. a * c - 1)) && \valid_read(B + (0 .. a * c - 1)) &&
                     \valid_read(x + (0 .. a - 1));
  requires valid_pqr: \valid(p + (0 .. c - 1)) && \valid(q + (0 .. c - 1)) && \valid(r + (0 .. a - 1));
  requires valid_S: \valid(S0 + (0 .. a * c - 1)) && \valid(S1 + (0 .. a * c - 1));
  requires separated: \separated(p + (0 .. c - 1), q + (0 .. c - 1), r + (0 .. a - 1),
    S0 + (0 .. a * c - 1), S1 + (0 .. a * c - 1),
    \union(W + (0 .. a * c - 1), B + (0 .. a * c - 1), x + (0 .. a - 1)));
  assigns p[0 .. c - 1], q[0 .. c - 1], r[0 .. a - 1], S0[0 .. a * c - 1], S1[0 .. a * c - 1];
*/
static void layer_acc(int rule, size_t a, size_t c, const double *W, const double *B,
                      const double *x, double *p, double *q, double *r, double *S0, double *S1)
{
	cr_linalg_gemv(c, a, W, x, p); // p = W x
	if (rule == CR_ALIGN_AA) {
		cr_linalg_gemv_t(a, c, B, x, q); // q = B^T x
		cr_linalg_outer_acc(a, c, x, q, S0);
		cr_linalg_outer_acc(a, c, x, p, S1);
	} else {
		cr_linalg_gemv(a, c, B, p, r); // r = B p
		cr_linalg_outer_acc(a, c, x, p, S0);
		cr_linalg_outer_acc(a, c, r, p, S1);
	}
}

// ALIGN-STEP-2, the sums: for every sample, the forward pass, then for every
// layer l = 2..L the sums of layer_acc from its inputs h_{l-1}, into D0 and
// D1 at foff[l].
//   W [W_len]  b [b_len]  B [B_len]  x [x_len]  a, h [b_len]  p, q, r [m]
//   D0, D1 [B_len]
/*@
  requires rule: rule == CR_ALIGN_AA || rule == CR_ALIGN_IA;
  requires shape: align_layers_ok(s) && align_xt_ok(s, z) && s.depth >= 2;
  requires acts: align_acts_ok(k, s.depth);
  requires valid_in: \valid_read(W + (0 .. s.W_len - 1)) && \valid_read(b + (0 .. s.b_len - 1)) &&
                     \valid_read(B + (0 .. s.B_len - 1)) && \valid_read(x + (0 .. z.x_len - 1));
  requires valid_ah: \valid(a + (0 .. s.b_len - 1)) && \valid(h + (0 .. s.b_len - 1));
  requires valid_pqr: \valid(p + (0 .. s.m - 1)) && \valid(q + (0 .. s.m - 1)) && \valid(r + (0 .. s.m - 1));
  requires valid_D: \valid(D0 + (0 .. s.B_len - 1)) && \valid(D1 + (0 .. s.B_len - 1));
  requires separated: \separated(a + (0 .. s.b_len - 1), h + (0 .. s.b_len - 1),
    p + (0 .. s.m - 1), q + (0 .. s.m - 1), r + (0 .. s.m - 1),
    D0 + (0 .. s.B_len - 1), D1 + (0 .. s.B_len - 1),
    \union(W + (0 .. s.W_len - 1), b + (0 .. s.b_len - 1), B + (0 .. s.B_len - 1),
           x + (0 .. z.x_len - 1)));
  assigns a[0 .. s.b_len - 1], h[0 .. s.b_len - 1], p[0 .. s.m - 1], q[0 .. s.m - 1],
          r[0 .. s.m - 1], D0[0 .. s.B_len - 1], D1[0 .. s.B_len - 1];
*/
static void batch_sums(cr_align_shape s, cr_align_lens z, cr_align_acts k, int rule,
                       const double *W, const double *b, const double *B, const double *x,
                       double *a, double *h, double *p, double *q, double *r, double *D0,
                       double *D1)
{
	size_t L = s.depth, n0 = s.n[0];
	cr_linalg_zero(s.B_len, D0);
	cr_linalg_zero(s.B_len, D1);
	/*@
	  loop invariant bound: 0 <= i <= z.batch;
	  loop assigns i, a[0 .. s.b_len - 1], h[0 .. s.b_len - 1], p[0 .. s.m - 1], q[0 .. s.m - 1],
	               r[0 .. s.m - 1], D0[0 .. s.B_len - 1], D1[0 .. s.B_len - 1];
	  loop variant z.batch - i;
	*/
	for (size_t i = 0; i < z.batch; i++) {
		//@ ghost cr_row_fits(i, z.batch, n0);
		forward(s, k, W, b, x + i * n0, a, h);
		/*@
		  loop invariant bound: 2 <= l <= L + 1;
		  loop assigns l, p[0 .. s.m - 1], q[0 .. s.m - 1], r[0 .. s.m - 1],
		               D0[0 .. s.B_len - 1], D1[0 .. s.B_len - 1];
		  loop variant L + 1 - l;
		*/
		for (size_t l = 2; l <= L; l++) {
			/*@ assert layer: s.sz[l] == s.n[l] * s.n[l - 1] && s.woff[l] + s.sz[l] <= s.W_len &&
			      s.foff[l] + s.sz[l] <= s.B_len && s.boff[l - 1] + s.n[l - 1] <= s.b_len &&
			      s.n[l] <= s.m && s.n[l - 1] <= s.m; */
			//@ assert comm: s.n[l - 1] * s.n[l] == s.sz[l];
			/*@ assert v_in: \valid_read(W + s.woff[l] + (0 .. s.sz[l] - 1)) &&
			      \valid_read(B + s.foff[l] + (0 .. s.sz[l] - 1)) &&
			      \valid_read(h + s.boff[l - 1] + (0 .. s.n[l - 1] - 1)); */
			layer_acc(rule, s.n[l - 1], s.n[l], W + s.woff[l], B + s.foff[l], h + s.boff[l - 1],
			          p, q, r, D0 + s.foff[l], D1 + s.foff[l]);
		}
	}
}

// ALIGN-STEP-2, the primitive gradients of every layer, laid out as B, in
// the order of the rule's terms: SA D0 = 2B, D1 = -W^T; AA D0 = (2 D0)/N,
// D1 = -(D1/N); IA D0 = -(D0/N), D1 = (2 D1)/N, D2 = 2B.
//   W [W_len]  B, D0, D1, D2 [B_len]
/*@
  requires rule: 0 <= rule < CR_ALIGN_RULE_COUNT;
  requires shape: align_layers_ok(s);
  requires valid_in: \valid_read(W + (0 .. s.W_len - 1)) && \valid_read(B + (0 .. s.B_len - 1));
  requires valid_D: \valid(D0 + (0 .. s.B_len - 1)) && \valid(D1 + (0 .. s.B_len - 1)) &&
                    \valid(D2 + (0 .. s.B_len - 1));
  requires separated: \separated(D0 + (0 .. s.B_len - 1), D1 + (0 .. s.B_len - 1),
    D2 + (0 .. s.B_len - 1), \union(W + (0 .. s.W_len - 1), B + (0 .. s.B_len - 1)));
  assigns D0[0 .. s.B_len - 1], D1[0 .. s.B_len - 1], D2[0 .. s.B_len - 1];
*/
static void finish(cr_align_shape s, int rule, double N, const double *W, const double *B,
                   double *D0, double *D1, double *D2)
{
	size_t L = s.depth;
	if (rule == CR_ALIGN_SA) {
		twice(s.B_len, B, D0);
		/*@
		  loop invariant bound: 2 <= l <= L + 1;
		  loop assigns l, D1[0 .. s.B_len - 1];
		  loop variant L + 1 - l;
		*/
		for (size_t l = 2; l <= L; l++) {
			/*@ assert layer: s.sz[l] == s.n[l] * s.n[l - 1] && s.woff[l] + s.sz[l] <= s.W_len &&
			      s.foff[l] + s.sz[l] <= s.B_len; */
			neg_t(s.n[l], s.n[l - 1], W + s.woff[l], D1 + s.foff[l]);
		}
	} else if (rule == CR_ALIGN_AA) {
		mean_twice(s.B_len, D0, N);
		mean_neg(s.B_len, D1, N);
	} else {
		mean_neg(s.B_len, D0, N);
		mean_twice(s.B_len, D1, N);
		twice(s.B_len, B, D2);
	}
}

// G = the rule's combination of D0, D1 (and D2) (SA-REG-1, AA-REG-1,
// IA-REG-1; sa.c, aa.c, ia.c).
//   D0, D1, D2, G [n]
/*@
  requires rule: 0 <= rule < CR_ALIGN_RULE_COUNT;
  requires valid_D: \valid_read(D0 + (0 .. n - 1)) && \valid_read(D1 + (0 .. n - 1)) &&
                    \valid_read(D2 + (0 .. n - 1));
  requires valid_G: \valid(G + (0 .. n - 1));
  requires separated: \separated(G + (0 .. n - 1),
                                 \union(D0 + (0 .. n - 1), D1 + (0 .. n - 1), D2 + (0 .. n - 1)));
  assigns G[0 .. n - 1];
*/
static void combine(int rule, size_t n, double alpha, double beta, double gamma,
                    const double *D0, const double *D1, const double *D2, double *G)
{
	if (rule == CR_ALIGN_SA)
		cr_sa_combine(n, alpha, D0, beta, D1, G);
	else if (rule == CR_ALIGN_AA)
		cr_aa_combine(n, alpha, D0, beta, D1, G);
	else
		cr_ia_combine(n, alpha, D0, beta, D1, gamma, D2, G);
}

// ALIGN-STEP-2: G of every layer into work + o_G, from the state W, b, B and
// the batch x (the layer inputs of AA and IA: the forward pass again).
// Writes only the part of the workspace from o_D0 on.
//   W [W_len]  b [b_len]  B [B_len]  x [x_len]  work [work_len]
/*@
  requires rule: 0 <= rule < CR_ALIGN_RULE_COUNT;
  requires shape: align_layers_ok(s) && align_lens_ok(s, z) && align_xt_ok(s, z);
  requires acts: align_acts_ok(k, s.depth);
  requires valid_in: \valid_read(W + (0 .. s.W_len - 1)) && \valid_read(b + (0 .. s.b_len - 1)) &&
                     \valid_read(B + (0 .. s.B_len - 1)) && \valid_read(x + (0 .. z.x_len - 1));
  requires valid_work: \valid(work + (0 .. z.work_len - 1));
  requires separated: \separated(work + (0 .. z.work_len - 1),
    \union(W + (0 .. s.W_len - 1), b + (0 .. s.b_len - 1), B + (0 .. s.B_len - 1),
           x + (0 .. z.x_len - 1)));
  assigns work[z.o_D0 .. z.work_len - 1];
*/
static void feedback_grad(cr_align_shape s, cr_align_lens z, cr_align_acts k, int rule,
                          double alpha, double beta, double gamma, const double *W, const double *b,
                          const double *B, const double *x, double *work)
{
	double *D0 = work + z.o_D0; // [B_len] each
	double *D1 = work + z.o_D1;
	double *D2 = work + z.o_D2;
	double *G = work + z.o_G;
	if (rule != CR_ALIGN_SA && s.depth >= 2) {
		double *a = work + z.o_a, *h = work + z.o_h; // [b_len] each
		double *p = work + z.o_p, *q = work + z.o_q, *r = work + z.o_r; // [m] each
		/*@ assert sep_work: \separated(a + (0 .. s.b_len - 1), h + (0 .. s.b_len - 1),
		      p + (0 .. s.m - 1), q + (0 .. s.m - 1), r + (0 .. s.m - 1),
		      D0 + (0 .. s.B_len - 1), D1 + (0 .. s.B_len - 1)); */
		batch_sums(s, z, k, rule, W, b, B, x, a, h, p, q, r, D0, D1);
	}
	finish(s, rule, (double)z.batch, W, B, D0, D1, D2);
	combine(rule, s.B_len, alpha, beta, gamma, D0, D1, D2, G);
}

// ALIGN-STEP-3 and check 7: W_next = W - eta dW, b_next = b - eta db,
// B_next = B - eta_B G (the product rounded, then the difference; 1 v is
// exact), written only when every new entry is finite. Returns 1 when
// written, 0 when some entry is not finite (nothing written).
//   W, dW, W_next [nW]  b, db, b_next [nb]  B, G, B_next [nB]
/*@
  requires valid_in: \valid_read(W + (0 .. nW - 1)) && \valid_read(dW + (0 .. nW - 1)) &&
                     \valid_read(b + (0 .. nb - 1)) && \valid_read(db + (0 .. nb - 1)) &&
                     \valid_read(B + (0 .. nB - 1)) && \valid_read(G + (0 .. nB - 1));
  requires valid_out: \valid(W_next + (0 .. nW - 1)) && \valid(b_next + (0 .. nb - 1)) &&
                      \valid(B_next + (0 .. nB - 1));
  requires separated: \separated(W_next + (0 .. nW - 1), b_next + (0 .. nb - 1), B_next + (0 .. nB - 1),
    \union(W + (0 .. nW - 1), dW + (0 .. nW - 1), b + (0 .. nb - 1), db + (0 .. nb - 1),
           B + (0 .. nB - 1), G + (0 .. nB - 1)));
  assigns W_next[0 .. nW - 1], b_next[0 .. nb - 1], B_next[0 .. nB - 1];
  ensures bool: \result == 0 || \result == 1;
*/
static int apply(size_t nW, size_t nb, size_t nB, double eta, double eta_B, const double *W,
                 const double *dW, const double *b, const double *db, const double *B,
                 const double *G, double *W_next, double *b_next, double *B_next)
{
	if (!cr_linalg_scale_sub_finite(nW, 1.0, W, eta, dW)
	    || !cr_linalg_scale_sub_finite(nb, 1.0, b, eta, db)
	    || !cr_linalg_scale_sub_finite(nB, 1.0, B, eta_B, G))
		return 0;
	cr_linalg_scale_sub(nW, 1.0, W, eta, dW, W_next);
	cr_linalg_scale_sub(nb, 1.0, b, eta, db, b_next);
	cr_linalg_scale_sub(nB, 1.0, B, eta_B, G, B_next);
	return 1;
}

// The step once every argument has passed checks 1 to 6: FA's loss and
// gradient (ALIGN-STEP-1), G (ALIGN-STEP-2), and the new state written only
// when it is finite (ALIGN-STEP-3, check 7). The lengths are the shape's.
/*@
  requires rule: 0 <= rule < CR_ALIGN_RULE_COUNT;
  requires shape: align_layers_ok(s) && align_lens_ok(s, z) && align_xt_ok(s, z);
  requires acts: align_acts_ok(k, s.depth);
  requires valid_net: \valid_read(net) && \valid_read(net->widths + (0 .. net->depth)) &&
                      \valid_read(net->acts + (0 .. net->depth - 1)) && net->depth == s.depth;
  requires valid_in: \valid_read(W + (0 .. s.W_len - 1)) && \valid_read(b + (0 .. s.b_len - 1)) &&
                     \valid_read(B + (0 .. s.B_len - 1)) && \valid_read(x + (0 .. z.x_len - 1)) &&
                     \valid_read(t + (0 .. z.t_len - 1));
  requires valid_out: \valid(loss) && \valid(W_next + (0 .. s.W_len - 1)) &&
                      \valid(b_next + (0 .. s.b_len - 1)) && \valid(B_next + (0 .. s.B_len - 1)) &&
                      \valid(work + (0 .. z.work_len - 1));
  requires separated: \separated(loss, W_next + (0 .. s.W_len - 1), b_next + (0 .. s.b_len - 1),
                                 B_next + (0 .. s.B_len - 1), work + (0 .. z.work_len - 1));
  requires separated_in: \separated(\union(loss, W_next + (0 .. s.W_len - 1), b_next + (0 .. s.b_len - 1),
                                           B_next + (0 .. s.B_len - 1), work + (0 .. z.work_len - 1)),
                                    \union(W + (0 .. s.W_len - 1), b + (0 .. s.b_len - 1), B + (0 .. s.B_len - 1),
                                           x + (0 .. z.x_len - 1), t + (0 .. z.t_len - 1)));
  requires separated_net: \separated(\union(loss, W_next + (0 .. s.W_len - 1),
    b_next + (0 .. s.b_len - 1), B_next + (0 .. s.B_len - 1), work + (0 .. z.work_len - 1)), net);
  assigns *loss, W_next[0 .. s.W_len - 1], b_next[0 .. s.b_len - 1], B_next[0 .. s.B_len - 1],
          work[0 .. z.work_len - 1];
*/
static cr_status step_run(const cr_net *net, cr_align_shape s, cr_align_lens z,
                          cr_align_acts k, int rule, double eta, double eta_B, double alpha,
                          double beta, double gamma, const double *W, const double *b,
                          const double *B, const double *x, const double *t, double *loss,
                          double *W_next, double *b_next, double *B_next, double *work)
{
	double l_s; // the step's loss, held back until every check has passed
	double *dW = work + z.o_dW; // [W_len]
	double *db = work + z.o_db; // [b_len]
	// ALIGN-STEP-1: FA's loss, dW and db for the state the step starts
	// from, computed in full before anything changes.
	cr_status st = cr_fa_grad(net, z.batch, W, s.W_len, b, s.b_len, B, s.B_len, x, z.x_len, t,
	                          z.t_len, &l_s, dW, s.W_len, db, s.b_len, work, z.fa_work);
	if (st != CR_OK)
		return st;
	feedback_grad(s, z, k, rule, alpha, beta, gamma, W, b, B, x, work);
	if (!apply(s.W_len, s.b_len, s.B_len, eta, eta_B, W, dW, b, db, B, work + z.o_G, W_next,
	           b_next, B_next))
		return CR_ERR_NONFINITE_RESULT;
	*loss = l_s;
	return CR_OK;
}

cr_status cr_align_step(const cr_net *net, size_t batch, int rule, double eta, double eta_B,
                        double alpha, double beta, double gamma,
                        const double *W, size_t W_len, const double *b, size_t b_len,
                        const double *B, size_t B_len,
                        const double *x, size_t x_len, const double *t, size_t t_len,
                        double *loss, double *W_next, size_t W_next_len, double *b_next,
                        size_t b_next_len, double *B_next, size_t B_next_len,
                        double *work, size_t work_len)
{
	// Check 1 (ALIGN-STEP-4).
	if (!params_ok(eta, eta_B, alpha, beta, gamma))
		return CR_ERR_PARAM;
	// Check 2.
	if (loss == NULL || (net != NULL && net->depth != 0 && net->acts == NULL)
	    || !present(W, W_len) || !present(b, b_len) || !present(B, B_len) || !present(x, x_len)
	    || !present(t, t_len) || !present(W_next, W_next_len) || !present(b_next, b_next_len)
	    || !present(B_next, B_next_len) || !present(work, work_len))
		return CR_ERR_NULL;
	// Check 3. For an invalid network or batch, cr_fa_grad finds the defect
	// in its checks 1 to 3, before it looks at dW_len (0 here, which no
	// valid network has) and before it writes anything.
	cr_align_shape s = shape_layers(net);
	cr_align_lens z = shape_lens(s, net, batch);
	if (!z.ok) {
		double l_s;
		if (cr_workspace_len(net, batch) != 0)
			return CR_ERR_SIZE; // Only the room of the step overflows.
		return cr_fa_grad(net, batch, W, W_len, b, b_len, B, B_len, x, x_len, t, t_len, &l_s,
		                  NULL, 0, NULL, 0, NULL, 0);
	}
	// Checks 4 and 5.
	if (W_len != s.W_len || b_len != s.b_len || B_len != s.B_len || x_len != z.x_len
	    || t_len != z.t_len || W_next_len != W_len || b_next_len != b_len
	    || B_next_len != B_len)
		return CR_ERR_SIZE_MISMATCH;
	if (work_len < z.work_len)
		return CR_ERR_WORKSPACE;
	// Check 6, then the step.
	cr_align_acts k = align_acts(net->acts, s.depth);
	if (!k.ok)
		return CR_ERR_ACTIVATION;
	return step_run(net, s, z, k, rule, eta, eta_B, alpha, beta, gamma, W, b, B, x, t, loss, W_next,
	                b_next, B_next, work);
}
