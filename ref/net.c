// net.c: validation, layout, forward pass and the shared batch driver
// (spec/notation.md NOT-NET-*, NOT-RED-*; the order of checks is in net.h).
#include "net.h"
#include "act.h"
#include "bp.h"
#include "dfa.h"
#include "fa.h"
#include "linalg.h"
#include "loss.h"
#include "ss.h"

// *r = a * b; 0 when the product overflows size_t.
/*@
  requires valid_r: \valid(r);
  assigns *r;
  ensures value: \result != 0 ==> *r == a * b;
  ensures pos: \result != 0 && a >= 1 && b >= 1 ==> *r >= 1;
  ensures ge: \result != 0 && b >= 1 ==> *r >= a;
*/
static int mul_ok(size_t a, size_t b, size_t *r)
{
	if (a != 0 && b > SIZE_MAX / a)
		return 0;
	//@ assert fits: a == 0 || a * b <= a * (SIZE_MAX / a) <= SIZE_MAX;
	//@ assert pos: a >= 1 && b >= 1 ==> a * b >= b;
	//@ assert ge: b >= 1 ==> a * b >= a;
	*r = a * b;
	return 1;
}

// *r = a + b; 0 when the sum overflows size_t.
/*@
  requires valid_r: \valid(r);
  assigns *r;
  ensures value: \result != 0 ==> *r == a + b;
*/
static int add_ok(size_t a, size_t b, size_t *r)
{
	if (b > SIZE_MAX - a)
		return 0;
	*r = a + b;
	return 1;
}

// An array pointer may be NULL only when it holds nothing.
/*@
  assigns \nothing;
  ensures ok: \result != 0 <==> (p != \null || len == 0);
*/
static int present(const double *p, size_t len)
{
	return p != NULL || len == 0;
}

// Check 1: null pointers.
/*@
  requires valid_c: \valid_read(c);
  requires valid_net: net == \null || \valid_read(net);
  assigns \nothing;
  ensures ok: \result == CR_OK ==> net != \null && net->widths != \null &&
    (net->acts != \null || net->depth == 0) && c->loss != \null &&
    (c->W != \null || c->W_len == 0) && (c->b != \null || c->b_len == 0) &&
    (c->F != \null || c->F_len == 0) && (c->S != \null || c->S_len == 0) &&
    (c->x != \null || c->x_len == 0) && (c->t != \null || c->t_len == 0) &&
    (c->dW != \null || c->dW_len == 0) && (c->db != \null || c->db_len == 0) &&
    (c->work != \null || c->work_len == 0);
*/
static cr_status check_null(const cr_net *net, const cr_args *c)
{
	if (net == NULL || net->widths == NULL || (net->acts == NULL && net->depth != 0))
		return CR_ERR_NULL;
	if (c->loss == NULL)
		return CR_ERR_NULL;
	if (!present(c->W, c->W_len) || !present(c->b, c->b_len) || !present(c->F, c->F_len)
	    || !present(c->S, c->S_len) || !present(c->x, c->x_len) || !present(c->t, c->t_len)
	    || !present(c->dW, c->dW_len) || !present(c->db, c->db_len)
	    || !present(c->work, c->work_len))
		return CR_ERR_NULL;
	return CR_OK;
}

// Check 2: zero sizes (NOT-NET-1, NOT-NET-4).
/*@
  requires valid_widths: \valid_read(widths + (0 .. depth));
  assigns \nothing;
  ensures ok: \result == CR_OK ==> depth >= 1 && batch >= 1 &&
    \forall integer i; 0 <= i <= depth ==> widths[i] >= 1;
*/
static cr_status check_zero(const size_t *widths, size_t depth, size_t batch)
{
	if (depth == 0 || batch == 0)
		return CR_ERR_ZERO_SIZE;
	/*@
	  loop invariant bound: 0 <= i <= depth;
	  loop invariant nonzero: \forall integer k; 0 <= k < i ==> widths[k] >= 1;
	  loop assigns i;
	  loop variant depth - i;
	*/
	for (size_t i = 0; i < depth; i++)
		if (widths[i] == 0)
			return CR_ERR_ZERO_SIZE;
	if (widths[depth] == 0)
		return CR_ERR_ZERO_SIZE;
	return CR_OK;
}

// Check 3: computes the layout; size_too_large when the depth exceeds
// CR_MAX_DEPTH or a length overflows size_t. Needs checks 1 and 2 passed.
// Every array is built in a local array of its own and copied into *lay at
// the end: separate variables let the proofs see that a write to one never
// changes another (proofs/README.md).
/*@
  requires valid_widths: \valid_read(widths + (0 .. depth));
  requires nonzero: depth >= 1 && batch >= 1 && \forall integer i; 0 <= i <= depth ==> widths[i] >= 1;
  requires valid_lay: \valid(lay);
  requires separated: \separated(lay, widths + (0 .. depth));
  assigns *lay;
  ensures shape: \result == CR_OK ==> shape_ok(lay);
  ensures fb: \result == CR_OK ==> fb_ok(lay, rule);
  ensures fixed: \result == CR_OK ==> lay->depth == depth && lay->batch == batch;
  ensures xt: \result == CR_OK ==> lay->x_len == batch * lay->n[0] &&
    lay->t_len == batch * lay->n[depth];
  ensures fpos: \result == CR_OK && (rule == CR_RULE_FA || rule == CR_RULE_SS) && depth >= 2 ==>
    lay->F_len >= 1;
*/
static cr_status make_layout(const size_t *widths, size_t depth, size_t batch, int rule,
                             cr_layout *lay)
{
	if (depth > CR_MAX_DEPTH)
		return CR_ERR_SIZE;
	size_t n[CR_MAX_DEPTH + 1], wsz[CR_MAX_DEPTH + 1], fsz[CR_MAX_DEPTH + 1];
	size_t woff[CR_MAX_DEPTH + 2], boff[CR_MAX_DEPTH + 2], foff[CR_MAX_DEPTH + 2];
	/*@
	  loop invariant bound: 0 <= l <= depth + 2;
	  loop invariant zero: \forall integer i; 0 <= i < l ==> foff[i] == 0;
	  loop assigns l, foff[0 .. depth + 1];
	  loop variant depth + 2 - l;
	*/
	for (size_t l = 0; l <= depth + 1; l++)
		foff[l] = 0;
	/*@
	  loop invariant bound: 0 <= l <= depth + 1;
	  loop assigns l, fsz[0 .. depth];
	  loop variant depth + 1 - l;
	*/
	for (size_t l = 0; l <= depth; l++)
		fsz[l] = 0;
	wsz[0] = 0;
	woff[0] = 0;
	boff[0] = 0;
	woff[1] = 0;
	boff[1] = 0;
	/*@
	  loop invariant bound: 0 <= l <= depth + 1;
	  loop invariant n: \forall integer i; 0 <= i < l ==> n[i] >= 1;
	  loop assigns l, n[0 .. depth];
	  loop variant depth + 1 - l;
	*/
	for (size_t l = 0; l <= depth; l++)
		n[l] = widths[l];
	// w and bo are the running totals of the W and b offsets. Every width
	// is at least 1, so n_l <= n_l n_{l-1} and bo <= w: the b offsets cannot
	// overflow when the W offsets do not.
	size_t w = 0, bo = 0;
	/*@
	  loop invariant bound: 1 <= l <= depth + 1;
	  loop invariant wsz: \forall integer i; 1 <= i < l ==> wsz[i] == n[i] * n[i - 1] && wsz[i] >= 1;
	  loop invariant woff: \forall integer i; 1 <= i < l ==> woff[i] + wsz[i] <= w;
	  loop invariant w1: woff[1] == 0 && boff[1] == 0;
	  loop invariant w0: l == 1 ==> w == 0 && bo == 0;
	  loop invariant w2: \forall integer i; 2 <= i < l ==> woff[2] <= woff[i];
	  loop invariant bsz: \forall integer i; 1 <= i < l ==> boff[i] + n[i] <= bo;
	  loop invariant bcur: l >= 2 ==> bo == boff[l - 1] + n[l - 1];
	  loop invariant bstep: \forall integer i; 2 <= i < l ==> boff[i] == boff[i - 1] + n[i - 1];
	  loop invariant bmono: \forall integer i; 1 <= i < l - 1 ==> boff[i] + n[i] <= boff[l - 1];
	  loop invariant bw: bo <= w;
	  loop assigns l, w, bo, wsz[1 .. depth], woff[1 .. depth], boff[1 .. depth];
	  loop variant depth + 1 - l;
	*/
	for (size_t l = 1; l <= depth; l++) {
		size_t sz, w1;
		woff[l] = w;
		boff[l] = bo;
		if (!mul_ok(n[l], n[l - 1], &sz) || !add_ok(w, sz, &w1))
			return CR_ERR_SIZE;
		//@ assert step: sz == n[l] * n[l - 1] && sz >= 1 && sz >= n[l] && w1 == w + sz;
		wsz[l] = sz;
		w = w1;
		bo += n[l];
	}
	woff[depth + 1] = w;
	boff[depth + 1] = bo;

	// Feedback offsets. B_l and M_l (l >= 2) have W_l's size, so they sit
	// where W_l sits, shifted by the size of W_1. D_l (l < L) is n_l x n_L.
	size_t F_len = 0;
	if (rule == CR_RULE_FA || rule == CR_RULE_SS) {
		size_t w2 = depth >= 2 ? woff[2] : w;
		//@ assert w2: w2 <= w;
		/*@
		  loop invariant bound: 2 <= l <= depth + 1;
		  loop invariant fb: \forall integer i; 2 <= i < l ==>
		    fsz[i] == wsz[i] && foff[i] + fsz[i] <= w - w2;
		  loop assigns l, foff[2 .. depth], fsz[2 .. depth];
		  loop variant depth + 1 - l;
		*/
		for (size_t l = 2; l <= depth; l++) {
			//@ assert layer: w2 <= woff[l] && woff[l] + wsz[l] <= w;
			foff[l] = woff[l] - w2;
			fsz[l] = wsz[l];
		}
		foff[depth + 1] = w - w2;
		F_len = w - w2;
	} else if (rule == CR_RULE_DFA) {
		// fo is the running total of the D offsets.
		size_t fo = 0;
		/*@
		  loop invariant bound: 1 <= l <= depth;
		  loop invariant fb: \forall integer i; 1 <= i < l ==>
		    fsz[i] == n[i] * n[depth] && foff[i] + fsz[i] <= fo;
		  loop assigns l, fo, foff[1 .. depth - 1], fsz[1 .. depth - 1];
		  loop variant depth - l;
		*/
		for (size_t l = 1; l < depth; l++) {
			size_t sz, f1;
			foff[l] = fo;
			if (!mul_ok(n[l], n[depth], &sz) || !add_ok(fo, sz, &f1))
				return CR_ERR_SIZE;
			//@ assert step: sz == n[l] * n[depth] && f1 == fo + sz;
			fsz[l] = sz;
			fo = f1;
		}
		foff[depth] = fo;
		F_len = fo;
	}

	// The samples and targets, and the workspace: a, h, delta, the sum of
	// db (b_len each) and the sum of dW (W_len).
	size_t x_len, t_len, four_b, work_len;
	if (!mul_ok(batch, n[0], &x_len) || !mul_ok(batch, n[depth], &t_len)
	    || !mul_ok(4, bo, &four_b) || !add_ok(four_b, w, &work_len))
		return CR_ERR_SIZE;

	lay->depth = depth;
	lay->batch = batch;
	lay->W_len = w;
	lay->b_len = bo;
	lay->F_len = F_len;
	lay->x_len = x_len;
	lay->t_len = t_len;
	lay->work_len = work_len;
	lay->woff[depth + 1] = w;
	lay->boff[depth + 1] = bo;
	lay->foff[depth + 1] = foff[depth + 1];
	/*@
	  loop invariant bound: 0 <= l <= depth + 1;
	  loop invariant copy_n: \forall integer i; 0 <= i < l ==> lay->n[i] == n[i];
	  loop invariant copy_wsz: \forall integer i; 0 <= i < l ==> lay->wsz[i] == wsz[i];
	  loop invariant copy_fsz: \forall integer i; 0 <= i < l ==> lay->fsz[i] == fsz[i];
	  loop invariant copy_woff: \forall integer i; 0 <= i < l ==> lay->woff[i] == woff[i];
	  loop invariant copy_boff: \forall integer i; 0 <= i < l ==> lay->boff[i] == boff[i];
	  loop invariant copy_foff: \forall integer i; 0 <= i < l ==> lay->foff[i] == foff[i];
	  loop invariant fixed: lay->depth == depth && lay->batch == batch && lay->W_len == w &&
	    lay->b_len == bo && lay->F_len == F_len;
	  loop invariant fixed_2: lay->x_len == x_len && lay->t_len == t_len &&
	    lay->work_len == work_len;
	  loop invariant fixed_3: lay->woff[depth + 1] == w && lay->boff[depth + 1] == bo &&
	    lay->foff[depth + 1] == foff[depth + 1];
	  loop assigns l, lay->n[0 .. depth], lay->wsz[0 .. depth], lay->fsz[0 .. depth],
	    lay->woff[0 .. depth], lay->boff[0 .. depth], lay->foff[0 .. depth];
	  loop variant depth + 1 - l;
	*/
	for (size_t l = 0; l <= depth; l++) {
		lay->n[l] = n[l];
		lay->wsz[l] = wsz[l];
		lay->fsz[l] = fsz[l];
		lay->woff[l] = woff[l];
		lay->boff[l] = boff[l];
		lay->foff[l] = foff[l];
	}
	// The conjuncts of shape_ok and fb_ok, one at a time.
	//@ assert s_n: \forall integer i; 0 <= i <= depth ==> lay->n[i] >= 1;
	/*@ assert s_w: \forall integer i; 1 <= i <= depth ==>
	      lay->wsz[i] == lay->n[i] * lay->n[i - 1] && lay->wsz[i] >= 1; */
	/*@ assert s_off: \forall integer i; 1 <= i <= depth ==>
	      lay->woff[i] + lay->wsz[i] <= lay->W_len && lay->boff[i] + lay->n[i] <= lay->b_len; */
	//@ assert s_1: lay->woff[1] == 0 && lay->boff[1] == 0;
	/*@ assert s_step: \forall integer i; 2 <= i <= depth ==>
	      lay->boff[i] == lay->boff[i - 1] + lay->n[i - 1]; */
	/*@ assert s_mono: \forall integer i; 1 <= i < depth ==>
	      lay->boff[i] + lay->n[i] <= lay->boff[depth]; */
	//@ assert s_xt: lay->x_len == batch * lay->n[0] && lay->t_len == batch * lay->n[depth];
	//@ assert s_work: lay->work_len == 4 * lay->b_len + lay->W_len;
	/*@ assert f_fa: (rule == CR_RULE_FA || rule == CR_RULE_SS) ==>
	      \forall integer i; 2 <= i <= depth ==>
	        lay->fsz[i] == lay->wsz[i] && lay->foff[i] + lay->fsz[i] <= lay->F_len; */
	/*@ assert f_dfa: rule == CR_RULE_DFA ==> \forall integer i; 1 <= i < depth ==>
	      lay->fsz[i] == lay->n[i] * lay->n[depth] && lay->foff[i] + lay->fsz[i] <= lay->F_len; */
	return CR_OK;
}

size_t cr_workspace_len(const cr_net *net, size_t batch)
{
	// Any rule gives the same workspace length; BP computes no feedback offsets.
	cr_layout lay;
	if (net == NULL || net->widths == NULL || check_zero(net->widths, net->depth, batch) != CR_OK
	    || make_layout(net->widths, net->depth, batch, CR_RULE_BP, &lay) != CR_OK)
		return 0;
	return lay.work_len;
}

// Checks 4 to 6: activation kinds, loss kind, parameters; copies the
// activations and the loss into the layout.
/*@
  requires valid_net: \valid_read(net) && \valid_read(net->acts + (0 .. lay->depth - 1));
  requires valid_lay: \valid(lay) && 1 <= lay->depth <= CR_MAX_DEPTH;
  requires separated: \separated(lay, net) && \separated(lay, net->acts + (0 .. lay->depth - 1));
  assigns lay->kind[1 .. lay->depth], lay->slope[1 .. lay->depth], lay->loss;
  ensures ok: \result == CR_OK ==> kinds_ok(lay);
*/
static cr_status check_kinds(const cr_net *net, cr_layout *lay)
{
	size_t L = lay->depth;
	/*@
	  loop invariant bound: 1 <= l <= L + 1;
	  loop invariant kinds: \forall integer i; 1 <= i < l ==> 0 <= lay->kind[i] < CR_ACT_COUNT;
	  loop assigns l, lay->kind[1 .. L], lay->slope[1 .. L];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 1; l <= L; l++) {
		int k = net->acts[l - 1].kind;
		if (k < 0 || k >= CR_ACT_COUNT)
			return CR_ERR_ACTIVATION;
		lay->kind[l] = k;
		lay->slope[l] = net->acts[l - 1].slope;
	}
	if (net->loss < 0 || net->loss >= CR_LOSS_COUNT)
		return CR_ERR_LOSS;
	lay->loss = net->loss;
	// NOT-ACT-6: the leaky slope is any finite number.
	/*@
	  loop invariant bound: 1 <= l <= L + 1;
	  loop assigns l;
	  loop variant L + 1 - l;
	*/
	for (size_t l = 1; l <= L; l++)
		if (lay->kind[l] == CR_ACT_LEAKY_RELU && !cr_linalg_finite(lay->slope[l]))
			return CR_ERR_PARAM;
	return CR_OK;
}

// Check 7: every length against the network.
/*@
  requires valid_c: \valid_read(c);
  requires valid_lay: \valid_read(lay) && lay->depth >= 1;
  assigns \nothing;
  ensures ok: \result == CR_OK ==> c->W_len == lay->W_len && c->b_len == lay->b_len &&
    c->x_len == lay->x_len && c->t_len == lay->t_len && c->dW_len == lay->W_len &&
    c->db_len == lay->b_len &&
    (rule != CR_RULE_SS ==> c->F_len == lay->F_len && c->S_len == 0) &&
    (rule == CR_RULE_SS ==> (c->S_len == 0 ==> c->F_len == lay->F_len) &&
                            (c->S_len != 0 ==> c->F_len == 0 && c->S_len == lay->depth - 1));
*/
static cr_status check_lengths(int rule, const cr_args *c, const cr_layout *lay)
{
	size_t L = lay->depth;
	if (c->W_len != lay->W_len || c->b_len != lay->b_len
	    || c->x_len != lay->x_len || c->t_len != lay->t_len
	    || c->dW_len != lay->W_len || c->db_len != lay->b_len)
		return CR_ERR_SIZE_MISMATCH;
	if (rule == CR_RULE_SS) {
		// The lengths decide the variant (SS-API-1): M_len 0 with
		// scale_len L - 1 (uSF), or M_len = F_len with scale_len 0 (frSF,
		// brSF); for depth 1 both are 0. Both given, or neither, is a
		// mismatch.
		if (c->S_len != 0 ? (c->S_len != L - 1 || c->F_len != 0)
		                  : c->F_len != lay->F_len)
			return CR_ERR_SIZE_MISMATCH;
	} else if (c->F_len != lay->F_len || c->S_len != 0) {
		return CR_ERR_SIZE_MISMATCH;
	}
	return CR_OK;
}

// Check 9: every input finite (NOT-NET-5).
/*@
  requires valid_c: \valid_read(c) && arr_ok(c->W, c->W_len) && arr_ok(c->b, c->b_len) &&
    arr_ok(c->F, c->F_len) && arr_ok(c->S, c->S_len) && arr_ok(c->x, c->x_len) &&
    arr_ok(c->t, c->t_len);
  requires present: (c->W != \null || c->W_len == 0) && (c->b != \null || c->b_len == 0) &&
    (c->F != \null || c->F_len == 0) && (c->S != \null || c->S_len == 0) &&
    (c->x != \null || c->x_len == 0) && (c->t != \null || c->t_len == 0);
  assigns \nothing;
*/
static cr_status check_finite(const cr_args *c)
{
	if (!cr_linalg_all_finite(c->W_len, c->W) || !cr_linalg_all_finite(c->b_len, c->b)
	    || !cr_linalg_all_finite(c->x_len, c->x) || !cr_linalg_all_finite(c->t_len, c->t)
	    || !cr_linalg_all_finite(c->F_len, c->F) || !cr_linalg_all_finite(c->S_len, c->S))
		return CR_ERR_NONFINITE_INPUT;
	return CR_OK;
}

// All checks, in the order of net.h.
/*@
  requires valid_c: \valid_read(c) && args_valid(c);
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==>
    net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: net != \null ==>
    net->acts == \null || net->depth == 0 || \valid_read(net->acts + (0 .. net->depth - 1));
  requires valid_lay: \valid(lay);
  requires separated: \separated(lay, net) && \separated(lay, c);
  requires separated_widths: net != \null ==> \separated(lay, net->widths + (0 .. net->depth)) &&
    \separated(lay, net->acts + (0 .. net->depth - 1));
  assigns *lay;
  ensures shape: \result == CR_OK ==> shape_ok(lay) && lay->batch == batch;
  ensures xt: \result == CR_OK ==> lay->x_len == batch * lay->n[0] &&
    lay->t_len == batch * lay->n[lay->depth];
  ensures fb: \result == CR_OK ==> fb_ok(lay, rule);
  ensures kinds: \result == CR_OK ==> kinds_ok(lay);
  ensures lengths: \result == CR_OK ==> c->W_len == lay->W_len && c->b_len == lay->b_len &&
    c->x_len == lay->x_len && c->t_len == lay->t_len && c->dW_len == lay->W_len &&
    c->db_len == lay->b_len;
  ensures work: \result == CR_OK ==> c->work_len >= lay->work_len && \valid(c->loss);
  ensures mem: \result == CR_OK ==> \valid_read(c->W + (0 .. c->W_len - 1)) &&
    \valid_read(c->b + (0 .. c->b_len - 1)) && \valid_read(c->F + (0 .. c->F_len - 1)) &&
    \valid_read(c->S + (0 .. c->S_len - 1)) && \valid_read(c->x + (0 .. c->x_len - 1)) &&
    \valid_read(c->t + (0 .. c->t_len - 1)) && \valid(c->dW + (0 .. c->dW_len - 1)) &&
    \valid(c->db + (0 .. c->db_len - 1)) && \valid(c->work + (0 .. c->work_len - 1));
  ensures feedback: \result == CR_OK ==> (rule != CR_RULE_SS ==> c->F_len == lay->F_len) &&
    (rule == CR_RULE_SS && c->F_len != 0 ==> c->F_len == lay->F_len) &&
    (rule == CR_RULE_SS && c->F_len == 0 && lay->depth >= 2 ==> c->S_len == lay->depth - 1);
*/
static cr_status validate(const cr_net *net, size_t batch, int rule, const cr_args *c,
                          cr_layout *lay)
{
	cr_status st = check_null(net, c);
	if (st == CR_OK)
		st = check_zero(net->widths, net->depth, batch);
	if (st == CR_OK)
		st = make_layout(net->widths, net->depth, batch, rule, lay);
	if (st == CR_OK)
		st = check_kinds(net, lay);
	if (st == CR_OK)
		st = check_lengths(rule, c, lay);
	if (st == CR_OK && c->work_len < lay->work_len)
		st = CR_ERR_WORKSPACE;
	if (st == CR_OK)
		st = check_finite(c);
	return st;
}

// NOT-NET-2: a_l = W_l h_{l-1} + b_l, h_l = f_l(a_l), h_0 = xs.
//   xs [n_0]  a, h [b_len]
/*@
  requires valid_lay: \valid_read(lay) && shape_ok(lay) && kinds_ok(lay);
  requires valid_W: \valid_read(W + (0 .. lay->W_len - 1));
  requires valid_b: \valid_read(b + (0 .. lay->b_len - 1));
  requires valid_xs: \valid_read(xs + (0 .. lay->n[0] - 1));
  requires valid_ah: \valid(a + (0 .. lay->b_len - 1)) && \valid(h + (0 .. lay->b_len - 1));
  requires separated: \separated(a + (0 .. lay->b_len - 1), h + (0 .. lay->b_len - 1),
    \union(W + (0 .. lay->W_len - 1), b + (0 .. lay->b_len - 1), xs + (0 .. lay->n[0] - 1)));
  requires separated_lay: \separated(lay, a + (0 .. lay->b_len - 1), h + (0 .. lay->b_len - 1));
  assigns a[0 .. lay->b_len - 1], h[0 .. lay->b_len - 1];
*/
static void forward(const cr_layout *lay, const double *W, const double *b,
                    const double *xs, double *a, double *h)
{
	size_t L = lay->depth;
	//@ assert layer1: lay->n[1] <= lay->b_len && lay->wsz[1] <= lay->W_len && lay->wsz[1] == lay->n[1] * lay->n[0];
	cr_linalg_affine(lay->n[1], lay->n[0], W, xs, b, a);
	cr_act_apply(lay->kind[1], lay->slope[1], lay->n[1], a, h);
	/*@
	  loop invariant bound: 2 <= l <= L + 1;
	  loop assigns l, a[0 .. lay->b_len - 1], h[0 .. lay->b_len - 1];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 2; l <= L; l++) {
		size_t o = lay->boff[l], p = lay->boff[l - 1];
		/*@ assert layer: o + lay->n[l] <= lay->b_len && p + lay->n[l - 1] <= lay->b_len &&
		      o == p + lay->n[l - 1] && lay->woff[l] + lay->wsz[l] <= lay->W_len &&
		      lay->wsz[l] == lay->n[l] * lay->n[l - 1]; */
		cr_linalg_affine(lay->n[l], lay->n[l - 1], W + lay->woff[l], h + p, b + o, a + o);
		cr_act_apply(lay->kind[l], lay->slope[l], lay->n[l], a + o, h + o);
	}
}

// The rule's step: delta_{l-1} from delta_l (bp, fa, ss) or from delta_L
// (dfa), for 2 <= l <= L.
//   a, h, d [b_len]
/*@
  requires valid_lay: \valid_read(lay) && shape_ok(lay) && kinds_ok(lay);
  requires valid_c: \valid_read(c) && rule_ok(lay, c, rule);
  requires layer: 2 <= l <= lay->depth;
  requires valid_ahd: \valid(a + (0 .. lay->b_len - 1)) && \valid(h + (0 .. lay->b_len - 1)) &&
    \valid(d + (0 .. lay->b_len - 1));
  requires separated: \separated(a + (0 .. lay->b_len - 1), h + (0 .. lay->b_len - 1),
    d + (0 .. lay->b_len - 1), \union(c->W + (0 .. lay->W_len - 1), c->F + (0 .. c->F_len - 1),
    c->S + (0 .. c->S_len - 1)));
  requires separated_lay: \separated(lay, c, d + (0 .. lay->b_len - 1));
  assigns d[lay->boff[l - 1] .. lay->boff[l] - 1];
*/
static void back(const cr_layout *lay, int rule, const cr_args *c, size_t l,
                 const double *a, const double *h, double *d)
{
	size_t L = lay->depth;
	size_t o = lay->boff[l], p = lay->boff[l - 1];
	int k = lay->kind[l - 1];
	double s = lay->slope[l - 1];
	/*@ assert layer: o + lay->n[l] <= lay->b_len && p + lay->n[l - 1] <= lay->b_len &&
	      o == p + lay->n[l - 1] && lay->woff[l] + lay->wsz[l] <= lay->W_len &&
	      lay->wsz[l] == lay->n[l] * lay->n[l - 1]; */
	/*@ assert last: p + lay->n[l - 1] <= lay->boff[L] && lay->boff[L] + lay->n[L] <= lay->b_len; */
	/*@ assert fb: ((rule == CR_RULE_FA || rule == CR_RULE_SS) ==>
	      lay->fsz[l] == lay->wsz[l] && lay->foff[l] + lay->fsz[l] <= lay->F_len) &&
	    (rule == CR_RULE_DFA ==> lay->fsz[l - 1] == lay->n[l - 1] * lay->n[L] &&
	      lay->foff[l - 1] + lay->fsz[l - 1] <= lay->F_len); */
	switch (rule) {
	case CR_RULE_FA:
		cr_fa_delta(lay->n[l], lay->n[l - 1], c->F + lay->foff[l], d + o, k, s,
		            a + p, h + p, d + p);
		break;
	case CR_RULE_DFA:
		cr_dfa_delta(lay->n[l - 1], lay->n[L], c->F + lay->foff[l - 1], d + lay->boff[L],
		             k, s, a + p, h + p, d + p);
		break;
	case CR_RULE_SS:
		if (c->F_len != 0)
			cr_ss_delta_mag(lay->n[l], lay->n[l - 1], c->W + lay->woff[l],
			                c->F + lay->foff[l], d + o, k, s, a + p, h + p, d + p);
		else
			cr_ss_delta_uniform(lay->n[l], lay->n[l - 1], c->W + lay->woff[l],
			                    c->S[l - 2], d + o, k, s, a + p, h + p, d + p);
		break;
	default:
		cr_bp_delta(lay->n[l], lay->n[l - 1], c->W + lay->woff[l], d + o, k, s,
		            a + p, h + p, d + p);
		break;
	}
}

// One sample: forward, loss, delta_L, the rule's deltas, and the sums
// gW += delta_l h_{l-1}^T, gb += delta_l. Returns the sample's loss.
//   xs [n_0]  ts [n_L]  a, h, d, gb [b_len]  gW [W_len]
/*@
  requires valid_lay: \valid_read(lay) && shape_ok(lay) && kinds_ok(lay);
  requires valid_c: \valid_read(c) && rule_ok(lay, c, rule);
  requires valid_xt: \valid_read(xs + (0 .. lay->n[0] - 1)) && \valid_read(ts + (0 .. lay->n[lay->depth] - 1));
  requires valid_ahd: \valid(a + (0 .. lay->b_len - 1)) && \valid(h + (0 .. lay->b_len - 1)) &&
    \valid(d + (0 .. lay->b_len - 1)) && \valid(gb + (0 .. lay->b_len - 1)) &&
    \valid(gW + (0 .. lay->W_len - 1));
  requires separated: \separated(a + (0 .. lay->b_len - 1), h + (0 .. lay->b_len - 1),
    d + (0 .. lay->b_len - 1), gb + (0 .. lay->b_len - 1), gW + (0 .. lay->W_len - 1),
    \union(c->W + (0 .. lay->W_len - 1), c->b + (0 .. lay->b_len - 1), c->F + (0 .. c->F_len - 1),
    c->S + (0 .. c->S_len - 1), xs + (0 .. lay->n[0] - 1), ts + (0 .. lay->n[lay->depth] - 1)));
  requires separated_lay: \separated(lay, c, \union(a + (0 .. lay->b_len - 1), h + (0 .. lay->b_len - 1),
    d + (0 .. lay->b_len - 1), gb + (0 .. lay->b_len - 1), gW + (0 .. lay->W_len - 1)));
  assigns a[0 .. lay->b_len - 1], h[0 .. lay->b_len - 1], d[0 .. lay->b_len - 1],
          gb[0 .. lay->b_len - 1], gW[0 .. lay->W_len - 1];
*/
static double sample(const cr_layout *lay, int rule, const cr_args *c,
                     const double *xs, const double *ts,
                     double *a, double *h, double *d, double *gb, double *gW)
{
	size_t L = lay->depth;
	size_t oL = lay->boff[L];
	//@ assert out: oL + lay->n[L] <= lay->b_len;
	//@ assert layer1: lay->n[1] <= lay->b_len && lay->wsz[1] <= lay->W_len && lay->wsz[1] == lay->n[1] * lay->n[0];
	forward(lay, c->W, c->b, xs, a, h);
	// NOT-RED-2: e = dl/dy, delta_L = f_L'(a_L) o e.
	double l_s = cr_loss_eval(lay->loss, lay->n[L], h + oL, ts, d + oL);
	cr_act_deriv_mul(lay->kind[L], lay->slope[L], lay->n[L], a + oL, h + oL, d + oL);
	/*@
	  loop invariant bound: 1 <= l <= L;
	  loop assigns l, d[0 .. lay->b_len - 1];
	  loop variant l;
	*/
	for (size_t l = L; l >= 2; l--)
		back(lay, rule, c, l, a, h, d);
	// NOT-RED-1: per-sample terms of dW_l and db_l.
	cr_linalg_outer_acc(lay->n[1], lay->n[0], d, xs, gW);
	cr_linalg_add_acc(lay->n[1], d, gb);
	/*@
	  loop invariant bound: 2 <= l <= L + 1;
	  loop assigns l, gb[0 .. lay->b_len - 1], gW[0 .. lay->W_len - 1];
	  loop variant L + 1 - l;
	*/
	for (size_t l = 2; l <= L; l++) {
		size_t o = lay->boff[l], p = lay->boff[l - 1];
		/*@ assert layer: o + lay->n[l] <= lay->b_len && p + lay->n[l - 1] <= lay->b_len &&
		      o == p + lay->n[l - 1] && lay->woff[l] + lay->wsz[l] <= lay->W_len &&
		      lay->wsz[l] == lay->n[l] * lay->n[l - 1]; */
		cr_linalg_outer_acc(lay->n[l], lay->n[l - 1], d + o, h + p, gW + lay->woff[l]);
		cr_linalg_add_acc(lay->n[l], d + o, gb + o);
	}
	return l_s;
}

cr_status cr_net_grad(const cr_net *net, size_t batch, int rule, const cr_args *c)
{
	cr_layout lay;
	cr_status st = validate(net, batch, rule, c, &lay);
	if (st != CR_OK)
		return st;

	size_t nb = lay.b_len, n0 = lay.n[0], nL = lay.n[lay.depth];
	//@ assert batch: lay.batch == batch;
	//@ assert work: lay.work_len == 4 * nb + lay.W_len;
	//@ assert x_len: lay.x_len == batch * n0;
	//@ assert t_len: lay.t_len == batch * nL;
	double *a = c->work;
	double *h = a + nb;
	double *d = h + nb;
	double *gb = d + nb;
	double *gW = gb + nb;
	cr_linalg_zero(nb, gb);
	cr_linalg_zero(lay.W_len, gW);
	double lsum = 0.0;
	/*@
	  loop invariant bound: 0 <= s <= batch;
	  loop assigns s, lsum, c->work[0 .. c->work_len - 1];
	  loop variant batch - s;
	*/
	for (size_t s = 0; s < batch; s++) {
		//@ ghost cr_row_fits(s, batch, n0);
		//@ ghost cr_row_fits(s, batch, nL);
		lsum += sample(&lay, rule, c, c->x + s * n0, c->t + s * nL, a, h, d, gb, gW);
	}

	// NOT-RED-1: the batch mean; NOT-NET-5: no non-finite result escapes.
	double N = (double)batch;
	double mean = lsum / N;
	cr_linalg_div(nb, gb, N);
	cr_linalg_div(lay.W_len, gW, N);
	if (!cr_linalg_finite(mean) || !cr_linalg_all_finite(nb, gb)
	    || !cr_linalg_all_finite(lay.W_len, gW))
		return CR_ERR_NONFINITE_RESULT;
	*c->loss = mean;
	cr_linalg_copy(lay.W_len, gW, c->dW);
	cr_linalg_copy(nb, gb, c->db);
	return CR_OK;
}
