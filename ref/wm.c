// wm.c: the weight mirror, spec/rules/wm.md (one step: WM-STEP-1..4,
// WM-IN-1..3, WM-ERR-1; trajectories of steps: spec/notation.md NOT-STEP-1).
//
// A step is feedback alignment's gradient with the current B (the engaged
// mode, WM-STEP-1) and, for every layer l = 2..L, the mirror: each noise row
// xi_m of Xi_l drives layer l, whose response is y_m = W_l xi_m (linear,
// kunin) or y_m = f_l(W_l xi_m + b_l) (nonlinear), and
//   dB_l = p (q B_l) - r S_l,   S_l = (1/M) sum_m xi_m y_m^T,
// with (p, q, r) = (decay_B, 1, 1) for linear and nonlinear (WM-STEP-3:
// lambda_B B_l - S_l, the products by 1 being exact) and (alpha, 2, beta)
// for kunin (alpha (2 B_l) + beta (-S_l), which is alpha (2 B_l) - beta S_l
// bit for bit: IEEE rounding is symmetric in sign and a + (-c) is a - c).
// Then W <- W - eta dW, b <- b - eta db, B <- B - eta_B dB (WM-STEP-4), all
// from the state the step started from. cr_fa_grad computes loss, dW and db
// into the workspace, the mirror dB beside them; every new entry is checked
// finite before any output is written (NOT-NET-5), then the outputs are
// written.
//
// Rounding (WM-STEP-3): the response is cr_linalg_gemv's (or _affine's, the
// bias added after the dot product, as in the forward pass) sum over j in
// ascending order; S_l is summed over the rows m = 0 .. M-1 in that order,
// starting from 0, each product xi_m[i] y_m[j] rounded, then divided by M
// once; the two terms of dB_l are rounded, then their difference; each
// update rounds the product, then the difference.
//
// Order of the checks of cr_wm_step (the first failing one is returned):
//   1. invalid_parameter    variant outside cr_wm_variant (WM-IN-3); eta or
//                           eta_B not finite or <= 0; for linear and
//                           nonlinear decay_B, for kunin alpha or beta, not
//                           finite or < 0 (WM-IN-2). The hyper-parameters
//                           the variant does not use are not read (WM-IN-2
//                           names them only for their variants, and a
//                           vector of another variant does not carry them).
//   2. null_pointer         loss; every array (W, b, B, x, t, noise,
//                           W_next, b_next, B_next, work) unless its length
//                           is 0;
//   3. the network and the batch as cr_workspace_len sees them: when they
//      are invalid, cr_fa_grad is called without outputs and its status
//      (null_pointer, zero_size or size_too_large) is returned; then
//      zero_size when L >= 2 and noise_rows is 0 (M_s = 0, WM-ERR-1);
//      size_too_large when the noise length or cr_wm_workspace_len
//      overflows size_t;
//   4. null_pointer         net->acts; unknown_activation: a layer's kind
//                           outside cr_act_kind (checked here because the
//                           nonlinear mirror applies the kinds);
//   5. size_mismatch        W_len, b_len, B_len, noise_len against the
//                           widths and noise_rows, and W_next_len,
//                           b_next_len, B_next_len against W_len, b_len,
//                           B_len;
//   6. workspace_too_small  work_len < cr_wm_workspace_len(...);
//   7. non_finite_input     NaN or +-Inf in the noise;
//   8. every other check of cr_fa_grad, in its order (ref/net.h):
//      unknown_loss, a leaky slope, x_len and t_len, non_finite_input in W,
//      b, B, x, t;
//   9. non_finite_result    the loss, dW or db (reported by cr_fa_grad), or a
//                           new entry of W, b or B (checked here, in the
//                           order W, b, B). A mirror update dB that is not
//                           finite makes its new B entry B - eta_B dB not
//                           finite (eta_B > 0 and B finite), so it is
//                           reported there.
// Checks 4 to 7 come before cr_fa_grad's checks of loss, slopes and inputs,
// so a call with several defects may get another applicable name than
// cr_fa_grad would give; the spec allows any (BP-ERR-2, WM-ERR-1).
#include "wm.h"
#include "act.h"
#include "linalg.h"

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
*/
static int mul_ok(size_t a, size_t b, size_t *r)
{
	if (a != 0 && b > SIZE_MAX / a)
		return 0;
	//@ assert fits: a == 0 || a * b <= a * (SIZE_MAX / a) <= SIZE_MAX;
	*r = a * b;
	return 1;
}

// fa + w + bl + f + 2 nmax, the workspace of a step (wm.h), summed term by
// term; 0 when a sum overflows size_t (fa >= 1, so a sum that fits is not 0).
/*@
  requires fa: fa >= 1;
  assigns \nothing;
  ensures sum: \result != 0 ==> \result == fa + w + bl + f + 2 * nmax;
*/
static size_t work_sum(size_t fa, size_t w, size_t bl, size_t f, size_t nmax)
{
	size_t t = fa;
	if (w > SIZE_MAX - t)
		return 0;
	t += w;
	if (bl > SIZE_MAX - t)
		return 0;
	t += bl;
	if (f > SIZE_MAX - t)
		return 0;
	t += f;
	if (nmax > SIZE_MAX - t)
		return 0;
	t += nmax;
	if (nmax > SIZE_MAX - t)
		return 0;
	return t + nmax;
}

// The layers' part of a step's shape: n, sz, woff, boff, foff, W_len,
// b_len, B_len and nmax; .status is CR_OK, or CR_ERR_SIZE when a length
// overflows size_t. (A function of its own so that the proof goals of each
// part see one loop nest.)
/*@
  requires valid_net: \valid_read(net);
  requires depth: 1 <= net->depth <= CR_MAX_DEPTH;
  requires valid_widths: \valid_read(net->widths + (0 .. net->depth));
  assigns \nothing;
  ensures depth: \result.status == CR_OK ==> \result.depth == net->depth;
  ensures layers: \result.status == CR_OK ==> wm_layers_ok(\result);
*/
static cr_wm_shape wm_shape_layers(const cr_net *net)
{
	cr_wm_shape s;
	s.status = CR_ERR_SIZE;
	size_t L = net->depth;
	s.depth = L;
	/*@
	  loop invariant bound: 0 <= l <= L + 1;
	  loop assigns l, s.n[0 .. L];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 0; l <= L; l++)
		s.n[l] = net->widths[l];
	// The products first, in a loop of their own: the provers keep the
	// non-linear facts apart from the sums below.
	/*@
	  loop invariant bound: 1 <= l <= L + 1;
	  loop invariant prod: \forall integer k; 1 <= k < l ==> s.sz[k] == s.n[k] * s.n[k - 1];
	  loop assigns l, s.sz[1 .. L];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 1; l <= L; l++) {
		size_t sz;
		if (!mul_ok(s.n[l], s.n[l - 1], &sz))
			return s;
		s.sz[l] = sz;
	}
	// w, bl, f: the running totals of W, b and B; nmax the widest layer
	// l >= 2.
	size_t w = 0, bl = 0, f = 0, nmax = 0;
	/*@
	  loop invariant bound: 1 <= l <= L + 1;
	  loop invariant woff: \forall integer k; 1 <= k < l ==> s.woff[k] + s.sz[k] <= w;
	  loop invariant boff: \forall integer k; 1 <= k < l ==> s.boff[k] + s.n[k] <= bl;
	  loop invariant foff: \forall integer k; 2 <= k < l ==> s.foff[k] + s.sz[k] <= f;
	  loop invariant nmax: \forall integer k; 2 <= k < l ==> s.n[k] <= nmax;
	  loop invariant fw: f <= w;
	  loop assigns l, w, bl, f, nmax, s.woff[1 .. L], s.boff[1 .. L], s.foff[2 .. L];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 1; l <= L; l++) {
		if (s.sz[l] > SIZE_MAX - w || s.n[l] > SIZE_MAX - bl)
			return s;
		s.woff[l] = w;
		s.boff[l] = bl;
		if (l >= 2) {
			s.foff[l] = f;
			f += s.sz[l];
			if (s.n[l] > nmax)
				nmax = s.n[l];
		}
		w += s.sz[l];
		bl += s.n[l];
	}
	s.W_len = w;
	s.b_len = bl;
	s.B_len = f;
	s.nmax = nmax;
	s.status = CR_OK;
	return s;
}

// The shape of a step for the network, the batch and M = rows noise rows.
// .status is CR_OK, or:
//   CR_ERR_SIZE       net or its widths are NULL, the depth is 0 or above
//                     CR_MAX_DEPTH, cr_workspace_len(net, batch) is 0 (a zero
//                     width or batch, or a length of cr_fa_grad's that
//                     overflows), or a length of the step overflows size_t;
//   CR_ERR_ZERO_SIZE  the network is valid, L >= 2 and rows is 0.
// The caller asks cr_workspace_len which of the first kind it is. Returned
// by value and built in a local, so that the proofs see no memory for it.
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==>
    net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  assigns \nothing;
  ensures net: \result.status == CR_OK ==>
    net != \null && net->widths != \null && \result.depth == net->depth;
  ensures lens: \result.status == CR_OK ==> wm_lens_ok(\result);
  ensures layers: \result.status == CR_OK ==> wm_layers_ok(\result);
  ensures noise: \result.status == CR_OK ==> wm_noise_ok(\result) && \result.rows == rows;
*/
static cr_wm_shape wm_shape(const cr_net *net, size_t batch, size_t rows)
{
	cr_wm_shape s;
	s.status = CR_ERR_SIZE;
	if (net == NULL || net->widths == NULL || net->depth == 0 || net->depth > CR_MAX_DEPTH)
		return s;
	s = wm_shape_layers(net);
	if (s.status != CR_OK)
		return s;
	size_t L = s.depth;
	s.rows = rows;
	// The noise: Xi_l is rows x n_{l-1}, l = 2..L; nz its running total.
	size_t nz = 0;
	/*@
	  loop invariant bound: 2 <= l <= L + 1;
	  loop invariant nsz: \forall integer k; 2 <= k < l ==> s.nsz[k] == rows * s.n[k - 1];
	  loop invariant noff: \forall integer k; 2 <= k < l ==> s.noff[k] + s.nsz[k] <= nz;
	  loop assigns l, nz, s.nsz[2 .. L], s.noff[2 .. L];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 2; l <= L; l++) {
		size_t ns;
		if (!mul_ok(rows, s.n[l - 1], &ns) || ns > SIZE_MAX - nz) {
			s.status = CR_ERR_SIZE;
			return s;
		}
		s.nsz[l] = ns;
		s.noff[l] = nz;
		nz += ns;
	}
	s.noise_len = nz;
	s.status = CR_ERR_SIZE;
	size_t fa = cr_workspace_len(net, batch);
	if (fa == 0)
		return s;
	if (L >= 2 && rows == 0) {
		s.status = CR_ERR_ZERO_SIZE;
		return s;
	}
	size_t wl = work_sum(fa, s.W_len, s.b_len, s.B_len, s.nmax);
	if (wl == 0)
		return s;
	s.fa_work = fa;
	s.work_len = wl;
	s.status = CR_OK;
	return s;
}

// Check 4: net->acts present and every kind in range; the kinds copied out
// (the nonlinear mirror applies them after cr_fa_grad).
/*@
  requires valid_net: \valid_read(net);
  requires depth: 1 <= net->depth <= CR_MAX_DEPTH;
  requires valid_acts: net->acts == \null || \valid_read(net->acts + (0 .. net->depth - 1));
  assigns \nothing;
  ensures acts: \result.status == CR_OK ==> net->acts != \null;
  ensures kinds: \result.status == CR_OK ==> wm_kinds_ok(\result, net->depth);
*/
static cr_wm_acts wm_acts(const cr_net *net)
{
	cr_wm_acts r;
	r.status = CR_ERR_NULL;
	if (net->acts == NULL)
		return r;
	size_t L = net->depth;
	r.status = CR_ERR_ACTIVATION;
	/*@
	  loop invariant bound: 1 <= l <= L + 1;
	  loop invariant kinds: \forall integer k; 1 <= k < l ==> 0 <= r.kind[k] < CR_ACT_COUNT;
	  loop assigns l, r.kind[1 .. L];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 1; l <= L; l++) {
		int k = net->acts[l - 1].kind;
		if (k < 0 || k >= CR_ACT_COUNT)
			return r;
		r.kind[l] = k;
	}
	r.status = CR_OK;
	return r;
}

// WM-IN-2, WM-IN-3: a known variant; eta and eta_B finite and > 0; decay_B
// (linear, nonlinear) or alpha and beta (kunin) finite and >= 0. NaN fails
// every comparison. (This and wm_combine are functions of their own so that
// the proof goals of cr_wm_step carry almost no float constant: CVC4 1.8
// aborts on float literals, proofs/README.md.)
/*@
  assigns \nothing;
  ensures bool: \result == 0 || \result == 1;
*/
static int wm_params_ok(int variant, double eta, double eta_B, double decay_B, double alpha,
                        double beta)
{
	if (variant < 0 || variant >= CR_WM_COUNT)
		return 0;
	if (!(cr_linalg_finite(eta) && eta > 0.0 && cr_linalg_finite(eta_B) && eta_B > 0.0))
		return 0;
	if (variant == CR_WM_KUNIN)
		return cr_linalg_finite(alpha) && alpha >= 0.0 && cr_linalg_finite(beta) && beta >= 0.0;
	return cr_linalg_finite(decay_B) && decay_B >= 0.0;
}

// dB_i = p (q B_i) - r dB_i for every i, in place, with the variant's
// coefficients (file comment): (decay_B, 1, 1) for linear and nonlinear,
// (alpha, 2, beta) for kunin. dB holds S on entry and the mirror update on
// return (WM-STEP-3: each term rounded, then the difference). The float
// constants stay in this function's goals (see wm_params_ok).
//   B [n]  dB [n]
/*@
  requires valid_B: \valid_read(B + (0 .. n - 1));
  requires valid_dB: \valid(dB + (0 .. n - 1));
  requires separated: \separated(dB + (0 .. n - 1), B + (0 .. n - 1));
  assigns dB[0 .. n - 1];
*/
static void wm_combine(size_t n, int variant, double decay_B, double alpha, double beta,
                       const double *B, double *dB)
{
	int kunin = variant == CR_WM_KUNIN;
	double p = kunin ? alpha : decay_B, q = kunin ? 2.0 : 1.0, r = kunin ? beta : 1.0;
	/*@
	  loop invariant bound: 0 <= i <= n;
	  loop assigns i, dB[0 .. n - 1];
	  loop variant n - i;
	*/
	for (size_t i = 0; i < n; i++)
		dB[i] = p * (q * B[i]) - r * dB[i];
}

// The mirror of one layer (WM-STEP-2/3): W_l is n_out x n_in (ac entries),
// b_l has n_out, B_l is n_in x n_out, the noise Xi_l is rows x n_in, one xi_m
// per row. Writes dB_l; a and y are scratch for one response.
//   W [ac]  b [n_out]  B [ac]  xi [rows * n_in]  dB [ac]  a [n_out]  y [n_out]
/*@
  requires kind: 0 <= kind < CR_ACT_COUNT;
  requires size: ac == n_out * n_in;
  requires noise_size: rows * n_in <= SIZE_MAX;
  requires valid_W: \valid_read(W + (0 .. ac - 1));
  requires valid_b: \valid_read(b + (0 .. n_out - 1));
  requires valid_B: \valid_read(B + (0 .. ac - 1));
  requires valid_xi: \valid_read(xi + (0 .. rows * n_in - 1));
  requires valid_dB: \valid(dB + (0 .. ac - 1));
  requires valid_a: \valid(a + (0 .. n_out - 1));
  requires valid_y: \valid(y + (0 .. n_out - 1));
  requires separated: \separated(dB + (0 .. ac - 1), a + (0 .. n_out - 1), y + (0 .. n_out - 1));
  requires separated_W: \separated(\union(dB + (0 .. ac - 1), a + (0 .. n_out - 1), y + (0 .. n_out - 1)),
                                   W + (0 .. ac - 1));
  requires separated_b: \separated(\union(dB + (0 .. ac - 1), a + (0 .. n_out - 1), y + (0 .. n_out - 1)),
                                   b + (0 .. n_out - 1));
  requires separated_B: \separated(\union(dB + (0 .. ac - 1), a + (0 .. n_out - 1), y + (0 .. n_out - 1)),
                                   B + (0 .. ac - 1));
  requires separated_xi: \separated(\union(dB + (0 .. ac - 1), a + (0 .. n_out - 1), y + (0 .. n_out - 1)),
                                    xi + (0 .. rows * n_in - 1));
  assigns dB[0 .. ac - 1], a[0 .. n_out - 1], y[0 .. n_out - 1];
*/
static void wm_mirror(int variant, int kind, double slope, size_t n_in, size_t n_out, size_t ac,
                      size_t rows, const double *W, const double *b, const double *B,
                      const double *xi, double decay_B, double alpha, double beta, double *dB,
                      double *a, double *y)
{
	// S = sum_m xi_m y_m^T, accumulated in dB.
	cr_linalg_zero(ac, dB);
	/*@
	  loop invariant bound: 0 <= m <= rows;
	  loop assigns m, dB[0 .. ac - 1], a[0 .. n_out - 1], y[0 .. n_out - 1];
	  loop variant rows - m;
	*/
	for (size_t m = 0; m < rows; m++) {
		//@ ghost cr_row_fits(m, rows, n_in);
		const double *xm = xi + m * n_in; // xi_m [n_in]
		if (variant == CR_WM_NONLINEAR) {
			cr_linalg_affine(n_out, n_in, W, xm, b, a);
			cr_act_apply(kind, slope, n_out, a, y);
		} else {
			cr_linalg_gemv(n_out, n_in, W, xm, y);
		}
		cr_linalg_outer_acc(n_in, n_out, xm, y, dB);
	}
	// The mean: one division by M; then dB = p (q B) - r S.
	cr_linalg_div(ac, dB, (double)rows);
	wm_combine(ac, variant, decay_B, alpha, beta, B, dB);
}

// The mirror of every layer l = 2..L (WM-STEP-2/3) into dB = out, the
// update of B_l at s.foff[l], with the kinds of k (checked by wm_acts) and
// the leaky slopes read from acts (any value is safe for cr_act_apply). The
// rest of out is scratch for one response: a = out + B_len, y = a + nmax
// (one region, so that the contract separates one range from the inputs).
//   W [W_len]  b [b_len]  B [B_len]  noise [noise_len]  acts [depth]
//   out [B_len + 2 nmax]   (lengths: the fields of s)
/*@
  requires layers: wm_layers_ok(s);
  requires noise_shape: wm_noise_ok(s);
  requires depth: 1 <= s.depth <= CR_MAX_DEPTH;
  requires kinds: wm_kinds_ok(k, s.depth);
  requires valid_acts: \valid_read(acts + (0 .. s.depth - 1));
  requires valid_W: \valid_read(W + (0 .. s.W_len - 1));
  requires valid_b: \valid_read(b + (0 .. s.b_len - 1));
  requires valid_B: \valid_read(B + (0 .. s.B_len - 1));
  requires valid_noise: \valid_read(noise + (0 .. s.noise_len - 1));
  requires valid_out: \valid(out + (0 .. s.B_len + 2 * s.nmax - 1));
  requires separated_W: \separated(out + (0 .. s.B_len + 2 * s.nmax - 1), W + (0 .. s.W_len - 1));
  requires separated_b: \separated(out + (0 .. s.B_len + 2 * s.nmax - 1), b + (0 .. s.b_len - 1));
  requires separated_B: \separated(out + (0 .. s.B_len + 2 * s.nmax - 1), B + (0 .. s.B_len - 1));
  requires separated_noise: \separated(out + (0 .. s.B_len + 2 * s.nmax - 1),
                                       noise + (0 .. s.noise_len - 1));
  assigns out[0 .. s.B_len + 2 * s.nmax - 1];
*/
static void wm_mirror_all(cr_wm_shape s, cr_wm_acts k, const cr_act *acts, int variant,
                          double decay_B, double alpha, double beta, const double *W,
                          const double *b, const double *B, const double *noise, double *out)
{
	double *a = out + s.B_len; // [nmax]
	double *y = a + s.nmax;    // [nmax]
	size_t L = s.depth;
	/*@
	  loop invariant bound: 2 <= l <= L + 1;
	  loop assigns l, out[0 .. s.B_len + 2 * s.nmax - 1];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 2; l <= L; l++)
		wm_mirror(variant, k.kind[l], acts[l - 1].slope, s.n[l - 1], s.n[l], s.sz[l], s.rows,
		          W + s.woff[l], b + s.boff[l], B + s.foff[l], noise + s.noff[l], decay_B, alpha,
		          beta, out + s.foff[l], a, y);
}

// WM-STEP-1: FA's loss, dW and db through cr_fa_grad, with its scratch in
// work[0 .. fa_work - 1], dW after it and db after dW (wm.h). One range of
// the workspace in the contract, so that the caller's frame goals see one
// inclusion instead of three.
//   W [W_len]  b [b_len]  B [B_len]  x [x_len]  t [t_len]  loss [1]
//   work [fa_work + W_len + b_len]
/*@
  requires valid_net: \valid_read(net);
  requires valid_widths: \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: \valid_read(net->acts + (0 .. net->depth - 1));
  requires valid_W: W == \null || \valid_read(W + (0 .. W_len - 1));
  requires valid_b: b == \null || \valid_read(b + (0 .. b_len - 1));
  requires valid_B: B == \null || \valid_read(B + (0 .. B_len - 1));
  requires valid_x: x == \null || \valid_read(x + (0 .. x_len - 1));
  requires valid_t: t == \null || \valid_read(t + (0 .. t_len - 1));
  requires valid_loss: \valid(loss);
  requires valid_work: \valid(work + (0 .. fa_work + W_len + b_len - 1));
  requires separated: \separated(loss, work + (0 .. fa_work + W_len + b_len - 1));
  requires separated_work: \separated(work + (0 .. fa_work + W_len + b_len - 1),
                                      \union(W + (0 .. W_len - 1), b + (0 .. b_len - 1),
                                             B + (0 .. B_len - 1), x + (0 .. x_len - 1),
                                             t + (0 .. t_len - 1)));
  requires separated_net: \separated(\union(loss, work + (0 .. fa_work + W_len + b_len - 1)), net);
  assigns *loss, work[0 .. fa_work + W_len + b_len - 1];
*/
static cr_status wm_engaged(const cr_net *net, size_t batch, const double *W, size_t W_len,
                            const double *b, size_t b_len, const double *B, size_t B_len,
                            const double *x, size_t x_len, const double *t, size_t t_len,
                            double *loss, double *work, size_t fa_work)
{
	return cr_fa_grad(net, batch, W, W_len, b, b_len, B, B_len, x, x_len, t, t_len, loss,
	                  work + fa_work, W_len, work + fa_work + W_len, b_len, work, fa_work);
}

size_t cr_wm_workspace_len(const cr_net *net, size_t batch, size_t noise_rows)
{
	cr_wm_shape s = wm_shape(net, batch, noise_rows);
	return s.status == CR_OK ? s.work_len : 0;
}

cr_status cr_wm_step(const cr_net *net, size_t batch, int variant, double eta, double eta_B,
                     double decay_B, double alpha, double beta,
                     const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *B, size_t B_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     size_t noise_rows, const double *noise, size_t noise_len,
                     double *loss, double *W_next, size_t W_next_len, double *b_next, size_t b_next_len,
                     double *B_next, size_t B_next_len, double *work, size_t work_len)
{
	double l_s; // the step's loss, held back until every check has passed

	// Check 1 (WM-IN-2, WM-IN-3).
	if (!wm_params_ok(variant, eta, eta_B, decay_B, alpha, beta))
		return CR_ERR_PARAM;
	// Check 2.
	if (loss == NULL || !present(W, W_len) || !present(b, b_len) || !present(B, B_len)
	    || !present(x, x_len) || !present(t, t_len) || !present(noise, noise_len)
	    || !present(W_next, W_next_len) || !present(b_next, b_next_len)
	    || !present(B_next, B_next_len) || !present(work, work_len))
		return CR_ERR_NULL;
	// Check 3. For an invalid network or batch, cr_fa_grad finds the defect
	// in its checks 1 to 3, before it looks at dW_len (0 here, which no
	// valid network has) and before it writes anything.
	cr_wm_shape s = wm_shape(net, batch, noise_rows);
	if (s.status != CR_OK) {
		if (cr_workspace_len(net, batch) != 0)
			return s.status; // M = 0, or only the step's own lengths overflow.
		return cr_fa_grad(net, batch, W, W_len, b, b_len, B, B_len, x, x_len, t, t_len,
		                  &l_s, NULL, 0, NULL, 0, NULL, 0);
	}
	// Check 4.
	cr_wm_acts acts = wm_acts(net);
	if (acts.status != CR_OK)
		return acts.status;
	// Checks 5 to 7.
	if (W_len != s.W_len || b_len != s.b_len || B_len != s.B_len || noise_len != s.noise_len
	    || W_next_len != W_len || b_next_len != b_len || B_next_len != B_len)
		return CR_ERR_SIZE_MISMATCH;
	if (work_len < s.work_len)
		return CR_ERR_WORKSPACE;
	if (!cr_linalg_all_finite(noise_len, noise))
		return CR_ERR_NONFINITE_INPUT;

	// WM-STEP-1: FA's loss, dW and db for the state the step starts from,
	// written by wm_engaged at dW and db below.
	//@ assert room: work != \null && s.fa_work + W_len + b_len + B_len + 2 * s.nmax <= work_len;
	double *dW = work + s.fa_work; // [W_len]
	double *db = dW + W_len;       // [b_len]
	double *dB = db + b_len;       // [B_len + 2 nmax]: B_l's update at s.foff[l],
	                               // then the mirror's scratch
	cr_status st = wm_engaged(net, batch, W, W_len, b, b_len, B, B_len, x, x_len, t, t_len, &l_s,
	                          work, s.fa_work);
	if (st != CR_OK)
		return st;

	// WM-STEP-2/3: the mirror, from W, b and B as the step found them
	// (WM-STEP-4).
	wm_mirror_all(s, acts, net->acts, variant, decay_B, alpha, beta, W, b, B, noise, dB);

	// Check 9 on the new state, computed exactly as it is written below
	// (WM-STEP-4): nothing is written unless every entry is finite. The
	// products 1 W, 1 b, 1 B are exact, so each update is v - eta dv with
	// the product rounded, then the difference.
	if (!cr_linalg_scale_sub_finite(W_len, 1.0, W, eta, dW)
	    || !cr_linalg_scale_sub_finite(b_len, 1.0, b, eta, db)
	    || !cr_linalg_scale_sub_finite(B_len, 1.0, B, eta_B, dB))
		return CR_ERR_NONFINITE_RESULT;
	cr_linalg_scale_sub(W_len, 1.0, W, eta, dW, W_next);
	cr_linalg_scale_sub(b_len, 1.0, b, eta, db, b_next);
	cr_linalg_scale_sub(B_len, 1.0, B, eta_B, dB, B_next);
	*loss = l_s;
	return CR_OK;
}
