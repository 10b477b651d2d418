// kp.c: Kolen-Pollack, spec/rules/kp.md (one step: KP-STEP-1..6, KP-API-1;
// trajectories of steps: spec/notation.md NOT-STEP-1).
//
// A step is feedback alignment's gradient followed by an update that W and
// B share: W_l <- c W_l - eta dW_l and B_l <- c B_l - eta dW_l^T with
// c = 1 - eta decay, and b <- b - eta db. cr_fa_grad computes loss, dW and
// db into the workspace (KP-STEP-1); every new entry is checked finite
// before any output is written (NOT-NET-5), then the outputs are written.
//
// Order of the checks of cr_kp_step (the first failing one is returned):
//   1. invalid_parameter    eta not finite or <= 0, decay not finite or < 0
//                           (KP-IN-2; first, KP-API-1);
//   2. null_pointer         loss; every array (W, b, B, x, t, W_next,
//                           b_next, B_next, work) unless its length is 0;
//   3. the network and the batch as cr_workspace_len sees them: when they
//      are invalid, cr_fa_grad is called without outputs and its status
//      (null_pointer, zero_size or size_too_large) is returned;
//      size_too_large when cr_kp_workspace_len overflows size_t;
//   4. size_mismatch        W_len, b_len, B_len against the widths, and
//                           W_next_len, b_next_len, B_next_len against them;
//   5. workspace_too_small  work_len < cr_kp_workspace_len(net, batch);
//   6. every other check of cr_fa_grad, in its order (ref/net.h): net->acts,
//      unknown_activation, unknown_loss, a leaky slope, x_len and t_len,
//      non_finite_input;
//   7. non_finite_result    the loss, dW or db (reported by cr_fa_grad), or a
//                           new entry of W, b or B (checked here, in the
//                           order W, b, B).
// Checks 4 and 5 come before cr_fa_grad's checks of activations and loss, so
// a call with several defects may get another applicable name than
// cr_fa_grad would give; the spec allows any (BP-ERR-2).
#include "kp.h"
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

// The shape of a step for the network and the batch; .ok is 0 when net or
// its widths are NULL, the depth is 0 or above CR_MAX_DEPTH, a length
// overflows size_t, or cr_workspace_len(net, batch) is 0 (a zero width or
// batch, or a length of cr_fa_grad's that overflows). Returned by value and
// built in a local, so that the proofs see no memory for it.
/*@
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==>
    net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  assigns \nothing;
  ensures lens: \result.ok != 0 ==> kp_lens_ok(\result);
  ensures layers: \result.ok != 0 ==> kp_layers_ok(\result);
*/
static cr_kp_shape kp_shape(const cr_net *net, size_t batch)
{
	cr_kp_shape s;
	s.ok = 0;
	if (net == NULL || net->widths == NULL || net->depth == 0 || net->depth > CR_MAX_DEPTH)
		return s;
	size_t L = net->depth;
	s.depth = L;
	/*@
	  loop invariant bound: 0 <= l <= L + 1;
	  loop assigns l, s.n[0 .. L];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 0; l <= L; l++)
		s.n[l] = net->widths[l];
	// w, f, bl: the running totals of W, B and b.
	size_t w = 0, f = 0, bl = 0;
	/*@
	  loop invariant bound: 1 <= l <= L + 1;
	  loop invariant prod: \forall integer k; 1 <= k < l ==> s.sz[k] == s.n[k] * s.n[k - 1];
	  loop invariant woff: \forall integer k; 1 <= k < l ==> s.woff[k] + s.sz[k] <= w;
	  loop invariant foff: \forall integer k; 2 <= k < l ==> s.foff[k] + s.sz[k] <= f;
	  loop invariant fw: f <= w;
	  loop assigns l, w, f, bl, s.sz[1 .. L], s.woff[1 .. L], s.foff[2 .. L];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 1; l <= L; l++) {
		size_t sz;
		if (!mul_ok(s.n[l], s.n[l - 1], &sz) || sz > SIZE_MAX - w || s.n[l] > SIZE_MAX - bl)
			return s;
		s.sz[l] = sz;
		s.woff[l] = w;
		w += sz;
		bl += s.n[l];
		if (l >= 2) {
			s.foff[l] = f;
			f += sz;
		}
	}
	size_t fa = cr_workspace_len(net, batch);
	if (fa == 0 || w > SIZE_MAX - fa || bl > SIZE_MAX - fa - w)
		return s;
	s.W_len = w;
	s.b_len = bl;
	s.B_len = f;
	s.fa_work = fa;
	s.work_len = fa + w + bl;
	s.ok = 1;
	return s;
}

// KP-IN-2: eta finite and > 0, decay finite and >= 0. NaN fails every
// comparison. (This and kp_factor are functions of their own so that the
// proof goals of cr_kp_step carry almost no float constant: CVC4 1.8 aborts
// on float literals, proofs/README.md; z3 proves the few goals that do.)
/*@
  assigns \nothing;
  ensures bool: \result == 0 || \result == 1;
*/
static int kp_params_ok(double eta, double decay)
{
	return cr_linalg_finite(eta) && eta > 0.0 && cr_linalg_finite(decay) && decay >= 0.0;
}

// KP-STEP-2: c = 1 - eta decay, the product rounded, then the difference.
/*@
  assigns \nothing;
*/
static double kp_factor(double eta, double decay)
{
	return 1.0 - eta * decay;
}

size_t cr_kp_workspace_len(const cr_net *net, size_t batch)
{
	cr_kp_shape s = kp_shape(net, batch);
	return s.ok ? s.work_len : 0;
}

cr_status cr_kp_step(const cr_net *net, size_t batch, double eta, double decay,
                     const double *W, size_t W_len, const double *b, size_t b_len,
                     const double *B, size_t B_len,
                     const double *x, size_t x_len, const double *t, size_t t_len,
                     double *loss, double *W_next, size_t W_next_len, double *b_next, size_t b_next_len,
                     double *B_next, size_t B_next_len, double *work, size_t work_len)
{
	double l_s; // the step's loss, held back until every check has passed

	// Check 1 (KP-IN-2).
	if (!kp_params_ok(eta, decay))
		return CR_ERR_PARAM;
	// Check 2.
	if (loss == NULL || !present(W, W_len) || !present(b, b_len) || !present(B, B_len)
	    || !present(x, x_len) || !present(t, t_len) || !present(W_next, W_next_len)
	    || !present(b_next, b_next_len) || !present(B_next, B_next_len) || !present(work, work_len))
		return CR_ERR_NULL;
	// Check 3. For an invalid network or batch, cr_fa_grad finds the defect
	// in its checks 1 to 3, before it looks at dW_len (0 here, which no
	// valid network has) and before it writes anything.
	cr_kp_shape s = kp_shape(net, batch);
	if (!s.ok) {
		if (cr_workspace_len(net, batch) != 0)
			return CR_ERR_SIZE; // Only the room for dW and db overflows.
		return cr_fa_grad(net, batch, W, W_len, b, b_len, B, B_len, x, x_len, t, t_len,
		                  &l_s, NULL, 0, NULL, 0, NULL, 0);
	}
	// Checks 4 and 5.
	if (W_len != s.W_len || b_len != s.b_len || B_len != s.B_len || W_next_len != W_len
	    || b_next_len != b_len || B_next_len != B_len)
		return CR_ERR_SIZE_MISMATCH;
	if (work_len < s.work_len)
		return CR_ERR_WORKSPACE;

	// KP-STEP-1: FA's loss, dW and db for the state the step starts from,
	// computed in full before anything changes (KP-STEP-6).
	double *dW = work + s.fa_work; // [W_len]
	double *db = dW + W_len;       // [b_len]
	cr_status st = cr_fa_grad(net, batch, W, W_len, b, b_len, B, B_len, x, x_len, t, t_len,
	                          &l_s, dW, W_len, db, b_len, work, s.fa_work);
	if (st != CR_OK)
		return st;

	double c = kp_factor(eta, decay);
	size_t L = s.depth;

	// Check 7 on the new state, computed exactly as it is written below
	// (KP-STEP-3, -5, -4): nothing is written unless every entry is finite.
	// b_next = b - eta db is the update with c = 1, whose product is exact.
	if (!cr_linalg_scale_sub_finite(W_len, c, W, eta, dW)
	    || !cr_linalg_scale_sub_finite(b_len, 1.0, b, eta, db))
		return CR_ERR_NONFINITE_RESULT;
	/*@
	  loop invariant bound: 2 <= l <= L + 1;
	  loop assigns l;
	  loop variant L + 1 - l;
	*/
	for (size_t l = 2; l <= L; l++)
		if (!cr_linalg_scale_sub_t_finite(s.n[l], s.n[l - 1], c, B + s.foff[l], eta,
		                                  dW + s.woff[l]))
			return CR_ERR_NONFINITE_RESULT;

	// KP-STEP-3: W_next = c W - eta dW (every layer at once: the layout of
	// W and dW is the same).
	cr_linalg_scale_sub(W_len, c, W, eta, dW, W_next);
	// KP-STEP-5: b_next = b - eta db.
	cr_linalg_scale_sub(b_len, 1.0, b, eta, db, b_next);
	// KP-STEP-4: B_next_l = c B_l - eta dW_l^T, l = 2..L; B_l is
	// n_{l-1} x n_l, dW_l is n_l x n_{l-1}.
	/*@
	  loop invariant bound: 2 <= l <= L + 1;
	  loop assigns l, B_next[0 .. B_next_len - 1];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 2; l <= L; l++)
		cr_linalg_scale_sub_t(s.n[l], s.n[l - 1], c, B + s.foff[l], eta, dW + s.woff[l],
		                      B_next + s.foff[l]);
	*loss = l_s;
	return CR_OK;
}
