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

/*@
  // The product of two sizes as an uninterpreted function: the provers
  // rewrite equal arguments under it by congruence, which they fail to do
  // under the arithmetic product when the factors are memory reads of
  // different states (proofs/README.md). mul_def turns it back into a * b
  // where a contract needs the product.
  axiomatic Mul {
    logic integer mul(integer a, integer b);
    axiom mul_def: \forall integer a, b; mul(a, b) == a * b;
  }
*/

/*@
  // What layout_wb establishes, in parts; the later layout_* functions
  // carry each part through their loops as an invariant, so that every
  // function of the layout proves its own frame one store at a time.
  predicate wb_n(cr_layout *lay, integer depth) =
    \forall integer i; 0 <= i <= depth ==> lay->n[i] >= 1;
  predicate wb_w(cr_layout *lay, integer depth) =
    \forall integer i; 1 <= i <= depth ==>
      lay->wsz[i] == mul(lay->n[i], lay->n[i - 1]) && lay->wsz[i] >= 1;
  predicate wb_off(cr_layout *lay, integer depth) =
    \forall integer i; 1 <= i <= depth ==>
      lay->woff[i] + lay->wsz[i] <= lay->W_len && lay->boff[i] + lay->n[i] <= lay->b_len;
  predicate wb_1(cr_layout *lay) = lay->woff[1] == 0 && lay->boff[1] == 0;
  predicate wb_step(cr_layout *lay, integer depth) =
    \forall integer i; 2 <= i <= depth ==> lay->boff[i] == lay->boff[i - 1] + lay->n[i - 1];
  predicate wb_mono(cr_layout *lay, integer depth) =
    \forall integer i; 1 <= i < depth ==> lay->boff[i] + lay->n[i] <= lay->boff[depth];
  predicate wb_w2(cr_layout *lay, integer depth) =
    \forall integer i; 2 <= i <= depth ==> lay->woff[2] <= lay->woff[i];
  // The feedback of fa and ss, and of dfa.
  predicate fa_ok(cr_layout *lay, integer depth) =
    \forall integer i; 2 <= i <= depth ==>
      lay->fsz[i] == lay->wsz[i] && lay->foff[i] + lay->fsz[i] <= lay->F_len;
  predicate dfa_ok(cr_layout *lay, integer depth) =
    \forall integer i; 1 <= i < depth ==>
      lay->fsz[i] == mul(lay->n[i], lay->n[depth]) && lay->foff[i] + lay->fsz[i] <= lay->F_len;
*/

/*@ ghost
  // shape_ok and fb_ok from their conjuncts, in one memory state: the
  // provers unfold the predicates here, where nothing is stored, and
  // layout_lens proves each requires as a goal of its own.
  /@
    requires valid_lay: \valid_read(lay);
    requires depth: 1 <= lay->depth <= CR_MAX_DEPTH && lay->batch >= 1;
    requires n: \forall integer l; 0 <= l <= lay->depth ==> lay->n[l] >= 1;
    requires first: lay->woff[1] == 0 && lay->boff[1] == 0;
    requires w: \forall integer l; 1 <= l <= lay->depth ==>
      lay->wsz[l] == mul(lay->n[l], lay->n[l - 1]) && lay->wsz[l] >= 1;
    requires off: \forall integer l; 1 <= l <= lay->depth ==>
      lay->woff[l] + lay->wsz[l] <= lay->W_len && lay->boff[l] + lay->n[l] <= lay->b_len;
    requires step: \forall integer l; 2 <= l <= lay->depth ==>
      lay->boff[l] == lay->boff[l - 1] + lay->n[l - 1];
    requires mono: \forall integer l; 1 <= l < lay->depth ==>
      lay->boff[l] + lay->n[l] <= lay->boff[lay->depth];
    requires xt: lay->x_len == mul(lay->batch, lay->n[0]) &&
      lay->t_len == mul(lay->batch, lay->n[lay->depth]);
    requires work: lay->work_len == 4 * lay->b_len + lay->W_len;
    requires fa: (rule == CR_RULE_FA || rule == CR_RULE_SS) ==>
      \forall integer l; 2 <= l <= lay->depth ==>
        lay->fsz[l] == lay->wsz[l] && lay->foff[l] + lay->fsz[l] <= lay->F_len;
    requires dfa: rule == CR_RULE_DFA ==> \forall integer l; 1 <= l < lay->depth ==>
      lay->fsz[l] == mul(lay->n[l], lay->n[lay->depth]) && lay->foff[l] + lay->fsz[l] <= lay->F_len;
    assigns \nothing;
    ensures w: \forall integer l; 1 <= l <= lay->depth ==>
      lay->wsz[l] == lay->n[l] * lay->n[l - 1];
    ensures xt: lay->x_len == lay->batch * lay->n[0] &&
      lay->t_len == lay->batch * lay->n[lay->depth];
    ensures dfa: rule == CR_RULE_DFA ==> \forall integer l; 1 <= l < lay->depth ==>
      lay->fsz[l] == lay->n[l] * lay->n[lay->depth];
  @/
  void layout_lemma(cr_layout *lay, int rule) { }

  /@
    requires valid_lay: \valid_read(lay);
    requires depth: 1 <= lay->depth <= CR_MAX_DEPTH && lay->batch >= 1;
    requires n: \forall integer l; 0 <= l <= lay->depth ==> lay->n[l] >= 1;
    requires first: lay->woff[1] == 0 && lay->boff[1] == 0;
    requires w: \forall integer l; 1 <= l <= lay->depth ==>
      lay->wsz[l] == lay->n[l] * lay->n[l - 1] && lay->wsz[l] >= 1 &&
      lay->woff[l] + lay->wsz[l] <= lay->W_len && lay->boff[l] + lay->n[l] <= lay->b_len;
    requires step: \forall integer l; 2 <= l <= lay->depth ==>
      lay->boff[l] == lay->boff[l - 1] + lay->n[l - 1];
    requires mono: \forall integer l; 1 <= l < lay->depth ==>
      lay->boff[l] + lay->n[l] <= lay->boff[lay->depth];
    requires xt: lay->x_len == lay->batch * lay->n[0] &&
      lay->t_len == lay->batch * lay->n[lay->depth];
    requires work: lay->work_len == 4 * lay->b_len + lay->W_len;
    assigns \nothing;
    ensures shape: shape_ok(lay);
  @/
  void shape_lemma(cr_layout *lay) { }

  /@
    requires valid_lay: \valid_read(lay);
    requires fa: (rule == CR_RULE_FA || rule == CR_RULE_SS) ==>
      \forall integer l; 2 <= l <= lay->depth ==>
        lay->fsz[l] == lay->wsz[l] && lay->foff[l] + lay->fsz[l] <= lay->F_len;
    requires dfa: rule == CR_RULE_DFA ==> \forall integer l; 1 <= l < lay->depth ==>
      lay->fsz[l] == lay->n[l] * lay->n[lay->depth] && lay->foff[l] + lay->fsz[l] <= lay->F_len;
    assigns \nothing;
    ensures fb: fb_ok(lay, rule);
  @/
  void fb_lemma(cr_layout *lay, int rule) { }
*/

/*@ ghost
  // a * b == c * d from a == c and b == d, as one ground fact: the provers
  // do not rewrite memory reads under a product by themselves.
  /@
    requires eq: a == c && b == d;
    assigns \nothing;
    ensures eq: a * b == c * d;
  @/
  void mul_eq(size_t a, size_t b, size_t c, size_t d) { }

  // The sample and target lengths of a shape_ok layout, unfolded.
  /@
    requires valid_lay: \valid_read(lay);
    requires shape: shape_ok(lay) && lay->batch == batch;
    assigns \nothing;
    ensures xt: lay->x_len == batch * lay->n[0] && lay->t_len == batch * lay->n[lay->depth];
  @/
  void shape_xt(cr_layout *lay, size_t batch)
  {
    /@ assert xt: lay->x_len == lay->batch * lay->n[0] &&
         lay->t_len == lay->batch * lay->n[lay->depth]; @/
    mul_eq(lay->batch, lay->n[0], batch, lay->n[0]);
    mul_eq(lay->batch, lay->n[lay->depth], batch, lay->n[lay->depth]);
  }
*/

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

// Check 3, first part: the widths n, the sizes wsz_l = n_l n_{l-1}, the
// offsets woff, boff and the totals W_len, b_len. They are computed in local
// arrays (plain values for the proofs: no memory, no framing) and then copied
// into *lay one array at a time. w and bo are the running totals of the W and
// b offsets. Every width is at least 1, so n_l <= n_l n_{l-1} and bo <= w: the
// b offsets cannot overflow when the W offsets do not.
/*@
  requires valid_widths: \valid_read(widths + (0 .. depth));
  requires nonzero: 1 <= depth <= CR_MAX_DEPTH &&
    \forall integer i; 0 <= i <= depth ==> widths[i] >= 1;
  requires valid_lay: \valid(lay);
  requires separated: \separated(lay, widths + (0 .. depth));
  assigns lay->n[0 .. depth], lay->wsz[0 .. depth], lay->woff[0 .. depth + 1],
          lay->boff[0 .. depth + 1], lay->W_len, lay->b_len;
  ensures status: \result == CR_OK || \result == CR_ERR_SIZE;
  ensures n: \result == CR_OK ==> \forall integer i; 0 <= i <= depth ==> lay->n[i] >= 1;
  ensures wsz: \result == CR_OK ==> \forall integer i; 1 <= i <= depth ==>
    lay->wsz[i] == mul(lay->n[i], lay->n[i - 1]) && lay->wsz[i] >= 1;
  ensures off: \result == CR_OK ==> \forall integer i; 1 <= i <= depth ==>
    lay->woff[i] + lay->wsz[i] <= lay->W_len && lay->boff[i] + lay->n[i] <= lay->b_len;
  ensures first: \result == CR_OK ==> lay->woff[1] == 0 && lay->boff[1] == 0;
  ensures step: \result == CR_OK ==> \forall integer i; 2 <= i <= depth ==>
    lay->boff[i] == lay->boff[i - 1] + lay->n[i - 1];
  ensures mono: \result == CR_OK ==> \forall integer i; 1 <= i < depth ==>
    lay->boff[i] + lay->n[i] <= lay->boff[depth];
  ensures w2: \result == CR_OK ==> \forall integer i; 2 <= i <= depth ==>
    lay->woff[2] <= lay->woff[i];
*/
static cr_status layout_wb(const size_t *widths, size_t depth, cr_layout *lay)
{
	size_t n[CR_MAX_DEPTH + 1], wsz[CR_MAX_DEPTH + 1];
	size_t woff[CR_MAX_DEPTH + 2], boff[CR_MAX_DEPTH + 2];
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
	//@ assert mono: \forall integer i; 1 <= i < depth ==> boff[i] + n[i] <= boff[depth];
	//@ assert wsz: \forall integer i; 1 <= i <= depth ==> wsz[i] == n[i] * n[i - 1] && wsz[i] >= 1;
	lay->W_len = w;
	lay->b_len = bo;
	/*@
	  loop invariant bound: 0 <= l <= depth + 1;
	  loop invariant copy_n: \forall integer i; 0 <= i < l ==> lay->n[i] == n[i];
	  loop invariant fixed: lay->W_len == w && lay->b_len == bo;
	  loop assigns l, lay->n[0 .. depth];
	  loop variant depth + 1 - l;
	*/
	for (size_t l = 0; l <= depth; l++)
		lay->n[l] = n[l];
	/*@
	  loop invariant bound: 0 <= l <= depth + 1;
	  loop invariant copy_n: \forall integer i; 0 <= i <= depth ==> lay->n[i] == n[i];
	  loop invariant copy_wsz: \forall integer i; 0 <= i < l ==> lay->wsz[i] == wsz[i];
	  loop invariant fixed: lay->W_len == w && lay->b_len == bo;
	  loop assigns l, lay->wsz[0 .. depth];
	  loop variant depth + 1 - l;
	*/
	for (size_t l = 0; l <= depth; l++)
		lay->wsz[l] = wsz[l];
	/*@
	  loop invariant bound: 0 <= l <= depth + 2;
	  loop invariant copy_n: \forall integer i; 0 <= i <= depth ==> lay->n[i] == n[i];
	  loop invariant copy_wsz: \forall integer i; 0 <= i <= depth ==> lay->wsz[i] == wsz[i];
	  loop invariant copy_woff: \forall integer i; 0 <= i < l ==> lay->woff[i] == woff[i];
	  loop invariant fixed: lay->W_len == w && lay->b_len == bo;
	  loop assigns l, lay->woff[0 .. depth + 1];
	  loop variant depth + 2 - l;
	*/
	for (size_t l = 0; l <= depth + 1; l++)
		lay->woff[l] = woff[l];
	/*@
	  loop invariant bound: 0 <= l <= depth + 2;
	  loop invariant copy_n: \forall integer i; 0 <= i <= depth ==> lay->n[i] == n[i];
	  loop invariant copy_wsz: \forall integer i; 0 <= i <= depth ==> lay->wsz[i] == wsz[i];
	  loop invariant copy_woff: \forall integer i; 0 <= i <= depth + 1 ==> lay->woff[i] == woff[i];
	  loop invariant copy_boff: \forall integer i; 0 <= i < l ==> lay->boff[i] == boff[i];
	  loop invariant fixed: lay->W_len == w && lay->b_len == bo;
	  loop assigns l, lay->boff[0 .. depth + 1];
	  loop variant depth + 2 - l;
	*/
	for (size_t l = 0; l <= depth + 1; l++)
		lay->boff[l] = boff[l];
	/*@ assert s_w: \forall integer i; 1 <= i <= depth ==>
	      lay->wsz[i] == wsz[i] && lay->n[i] == n[i] && lay->n[i - 1] == n[i - 1]; */
	//@ assert s_w1: \forall integer i; 1 <= i <= depth ==> lay->wsz[i] == mul(n[i], n[i - 1]);
	/*@ assert s_w2: \forall integer i; 1 <= i <= depth ==>
	      mul(n[i], n[i - 1]) == mul(lay->n[i], lay->n[i - 1]); */
	return CR_OK;
}

// Check 3, the feedback offsets: all 0, no feedback (bp).
/*@
  requires valid_lay: \valid(lay);
  requires depth: 1 <= depth <= CR_MAX_DEPTH;
  requires wb: wb_n(lay, depth) && wb_w(lay, depth) && wb_off(lay, depth) &&
    wb_1(lay) && wb_step(lay, depth) && wb_mono(lay, depth) && wb_w2(lay, depth);
  assigns lay->fsz[0 .. depth], lay->foff[0 .. depth + 1], lay->F_len;
  ensures wb_n: wb_n(lay, depth);
  ensures wb_w: wb_w(lay, depth);
  ensures wb_off: wb_off(lay, depth);
  ensures wb_1: wb_1(lay);
  ensures wb_step: wb_step(lay, depth);
  ensures wb_mono: wb_mono(lay, depth);
  ensures wb_w2: wb_w2(lay, depth);
*/
static void layout_fzero(size_t depth, cr_layout *lay)
{
	/*@
	  loop invariant bound: 0 <= l <= depth + 2;
	  loop invariant wb_n: wb_n(lay, depth);
	  loop invariant wb_w: wb_w(lay, depth);
	  loop invariant wb_off: wb_off(lay, depth);
	  loop invariant wb_1: wb_1(lay);
	  loop invariant wb_step: wb_step(lay, depth);
	  loop invariant wb_mono: wb_mono(lay, depth);
	  loop invariant wb_w2: wb_w2(lay, depth);
	  loop assigns l, lay->foff[0 .. depth + 1];
	  loop variant depth + 2 - l;
	*/
	for (size_t l = 0; l <= depth + 1; l++)
		lay->foff[l] = 0;
	/*@
	  loop invariant bound: 0 <= l <= depth + 1;
	  loop invariant wb_n: wb_n(lay, depth);
	  loop invariant wb_w: wb_w(lay, depth);
	  loop invariant wb_off: wb_off(lay, depth);
	  loop invariant wb_1: wb_1(lay);
	  loop invariant wb_step: wb_step(lay, depth);
	  loop invariant wb_mono: wb_mono(lay, depth);
	  loop invariant wb_w2: wb_w2(lay, depth);
	  loop assigns l, lay->fsz[0 .. depth];
	  loop variant depth + 1 - l;
	*/
	for (size_t l = 0; l <= depth; l++)
		lay->fsz[l] = 0;
	lay->F_len = 0;
}

// The feedback offsets of fa and ss: B_l and M_l (l >= 2) have W_l's size,
// so they sit where W_l sits, shifted by the size of W_1.
/*@
  requires valid_lay: \valid(lay);
  requires depth: 1 <= depth <= CR_MAX_DEPTH;
  requires wb: wb_n(lay, depth) && wb_w(lay, depth) && wb_off(lay, depth) &&
    wb_1(lay) && wb_step(lay, depth) && wb_mono(lay, depth) && wb_w2(lay, depth);
  assigns lay->fsz[2 .. depth], lay->foff[2 .. depth + 1], lay->F_len;
  ensures wb_n: wb_n(lay, depth);
  ensures wb_w: wb_w(lay, depth);
  ensures wb_off: wb_off(lay, depth);
  ensures wb_1: wb_1(lay);
  ensures wb_step: wb_step(lay, depth);
  ensures wb_mono: wb_mono(lay, depth);
  ensures wb_w2: wb_w2(lay, depth);
  ensures fb: fa_ok(lay, depth);
  ensures fpos: depth >= 2 ==> lay->F_len >= 1;
*/
static void layout_fa(size_t depth, cr_layout *lay)
{
	size_t w = lay->W_len;
	size_t w2 = depth >= 2 ? lay->woff[2] : w;
	//@ assert w2: w2 <= w;
	//@ assert pos: depth >= 2 ==> w2 + 1 <= w;
	/*@
	  loop invariant bound: 2 <= l <= depth + 1;
	  loop invariant fb: \forall integer i; 2 <= i < l ==>
	    lay->fsz[i] == lay->wsz[i] && lay->foff[i] + lay->fsz[i] <= w - w2;
	  loop invariant wb_n: wb_n(lay, depth);
	  loop invariant wb_w: wb_w(lay, depth);
	  loop invariant wb_off: wb_off(lay, depth);
	  loop invariant wb_1: wb_1(lay);
	  loop invariant wb_step: wb_step(lay, depth);
	  loop invariant wb_mono: wb_mono(lay, depth);
	  loop invariant wb_w2: wb_w2(lay, depth);
	  loop invariant fixed: lay->W_len == w;
	  loop assigns l, lay->foff[2 .. depth], lay->fsz[2 .. depth];
	  loop variant depth + 1 - l;
	*/
	for (size_t l = 2; l <= depth; l++) {
		//@ assert layer: w2 <= lay->woff[l] && lay->woff[l] + lay->wsz[l] <= w;
		lay->foff[l] = lay->woff[l] - w2;
		lay->fsz[l] = lay->wsz[l];
	}
	lay->foff[depth + 1] = w - w2;
	lay->F_len = w - w2;
}

// The feedback offsets of dfa: D_l (l < L) is n_l x n_L; fo is the running
// total of the D offsets.
/*@
  requires valid_lay: \valid(lay);
  requires depth: 1 <= depth <= CR_MAX_DEPTH;
  requires wb: wb_n(lay, depth) && wb_w(lay, depth) && wb_off(lay, depth) &&
    wb_1(lay) && wb_step(lay, depth) && wb_mono(lay, depth) && wb_w2(lay, depth);
  assigns lay->fsz[1 .. depth - 1], lay->foff[1 .. depth], lay->F_len;
  ensures status: \result == CR_OK || \result == CR_ERR_SIZE;
  ensures wb_n: \result == CR_OK ==> wb_n(lay, depth);
  ensures wb_w: \result == CR_OK ==> wb_w(lay, depth);
  ensures wb_off: \result == CR_OK ==> wb_off(lay, depth);
  ensures wb_1: \result == CR_OK ==> wb_1(lay);
  ensures wb_step: \result == CR_OK ==> wb_step(lay, depth);
  ensures wb_mono: \result == CR_OK ==> wb_mono(lay, depth);
  ensures wb_w2: \result == CR_OK ==> wb_w2(lay, depth);
  ensures fb: \result == CR_OK ==> dfa_ok(lay, depth);
*/
static cr_status layout_dfa(size_t depth, cr_layout *lay)
{
	size_t fo = 0;
	/*@
	  loop invariant bound: 1 <= l <= depth;
	  loop invariant fb: \forall integer i; 1 <= i < l ==>
	    lay->fsz[i] == mul(lay->n[i], lay->n[depth]) && lay->foff[i] + lay->fsz[i] <= fo;
	  loop invariant wb_n: wb_n(lay, depth);
	  loop invariant wb_w: wb_w(lay, depth);
	  loop invariant wb_off: wb_off(lay, depth);
	  loop invariant wb_1: wb_1(lay);
	  loop invariant wb_step: wb_step(lay, depth);
	  loop invariant wb_mono: wb_mono(lay, depth);
	  loop invariant wb_w2: wb_w2(lay, depth);
	  loop assigns l, fo, lay->foff[1 .. depth - 1], lay->fsz[1 .. depth - 1];
	  loop variant depth - l;
	*/
	for (size_t l = 1; l < depth; l++) {
		size_t sz, f1;
		lay->foff[l] = fo;
		if (!mul_ok(lay->n[l], lay->n[depth], &sz) || !add_ok(fo, sz, &f1))
			return CR_ERR_SIZE;
		//@ assert step: sz == mul(lay->n[l], lay->n[depth]) && f1 == fo + sz;
		lay->fsz[l] = sz;
		fo = f1;
	}
	lay->foff[depth] = fo;
	lay->F_len = fo;
	return CR_OK;
}

// Check 3, the lengths: the samples and targets, and the workspace: a, h,
// delta, the sum of db (b_len each) and the sum of dW (W_len). Stores the
// depth and the batch last.
/*@
  requires valid_lay: \valid(lay);
  requires depth: 1 <= depth <= CR_MAX_DEPTH && batch >= 1;
  requires wb: wb_n(lay, depth) && wb_w(lay, depth) && wb_off(lay, depth) &&
    wb_1(lay) && wb_step(lay, depth) && wb_mono(lay, depth) && wb_w2(lay, depth);
  requires fa: rule == CR_RULE_FA || rule == CR_RULE_SS ==> fa_ok(lay, depth);
  requires fpos: (rule == CR_RULE_FA || rule == CR_RULE_SS) && depth >= 2 ==> lay->F_len >= 1;
  requires dfa: rule == CR_RULE_DFA ==> dfa_ok(lay, depth);
  assigns lay->x_len, lay->t_len, lay->work_len, lay->depth, lay->batch;
  ensures status: \result == CR_OK || \result == CR_ERR_SIZE;
  ensures shape: \result == CR_OK ==> shape_ok(lay);
  ensures fb: \result == CR_OK ==> fb_ok(lay, rule);
  ensures fixed: \result == CR_OK ==> lay->depth == depth && lay->batch == batch;
  ensures xt: \result == CR_OK ==> lay->x_len == batch * lay->n[0] &&
    lay->t_len == batch * lay->n[depth];
  ensures fpos: \result == CR_OK && (rule == CR_RULE_FA || rule == CR_RULE_SS) && depth >= 2 ==>
    lay->F_len >= 1;
*/
static cr_status layout_lens(size_t depth, size_t batch, int rule, cr_layout *lay)
{
	size_t x_len, t_len, four_b, work_len;
	if (!mul_ok(batch, lay->n[0], &x_len) || !mul_ok(batch, lay->n[depth], &t_len)
	    || !mul_ok(4, lay->b_len, &four_b) || !add_ok(four_b, lay->W_len, &work_len))
		return CR_ERR_SIZE;
	//@ assert x_mul: x_len == mul(batch, lay->n[0]) && t_len == mul(batch, lay->n[depth]);
	(void)rule;
	lay->x_len = x_len;
	lay->t_len = t_len;
	lay->work_len = work_len;
	lay->depth = depth;
	lay->batch = batch;
	//@ ghost layout_lemma(lay, rule);
	//@ ghost shape_lemma(lay);
	//@ ghost fb_lemma(lay, rule);
	//@ assert s_xt: lay->x_len == batch * lay->n[0] && lay->t_len == batch * lay->n[depth];
	return CR_OK;
}

// Check 3: computes the layout; size_too_large when the depth exceeds
// CR_MAX_DEPTH or a length overflows size_t. Needs checks 1 and 2 passed.
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
	cr_status st = layout_wb(widths, depth, lay);
	if (st != CR_OK)
		return st;
	layout_fzero(depth, lay);
	if (rule == CR_RULE_FA || rule == CR_RULE_SS) {
		layout_fa(depth, lay);
	} else if (rule == CR_RULE_DFA) {
		st = layout_dfa(depth, lay);
		if (st != CR_OK)
			return st;
	}
	return layout_lens(depth, batch, rule, lay);
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
		/*@ assert sep_W: \separated(a + o + (0 .. lay->n[l] - 1),
		      W + lay->woff[l] + (0 .. lay->n[l] * lay->n[l - 1] - 1)); */
		//@ assert sep_h: \separated(a + o + (0 .. lay->n[l] - 1), h + p + (0 .. lay->n[l - 1] - 1));
		//@ assert sep_b: \separated(a + o + (0 .. lay->n[l] - 1), b + o + (0 .. lay->n[l] - 1));
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
	// The ranges the rule's kernel reads, each apart from what it writes
	// (d + p: delta_{l-1}).
	//@ assert sep_dW: \separated(d + (0 .. lay->b_len - 1), c->W + (0 .. lay->W_len - 1));
	//@ assert sep_dF: \separated(d + (0 .. lay->b_len - 1), c->F + (0 .. c->F_len - 1));
	//@ assert sep_a: \separated(d + p + (0 .. lay->n[l - 1] - 1), a + p + (0 .. lay->n[l - 1] - 1));
	//@ assert sep_h: \separated(d + p + (0 .. lay->n[l - 1] - 1), h + p + (0 .. lay->n[l - 1] - 1));
	//@ assert sep_d: \separated(d + p + (0 .. lay->n[l - 1] - 1), d + o + (0 .. lay->n[l] - 1));
	/*@ assert sep_W: \separated(d + p + (0 .. lay->n[l - 1] - 1),
	      c->W + lay->woff[l] + (0 .. lay->n[l] * lay->n[l - 1] - 1)); */
	switch (rule) {
	case CR_RULE_FA:
		/*@ assert sep_B: \separated(d + p + (0 .. lay->n[l - 1] - 1),
		      c->F + lay->foff[l] + (0 .. lay->n[l - 1] * lay->n[l] - 1)); */
		cr_fa_delta(lay->n[l], lay->n[l - 1], c->F + lay->foff[l], d + o, k, s,
		            a + p, h + p, d + p);
		break;
	case CR_RULE_DFA:
		//@ assert in_D: lay->foff[l - 1] + lay->n[l - 1] * lay->n[L] <= c->F_len;
		/*@ assert sub_D: \subset(c->F + lay->foff[l - 1] + (0 .. lay->n[l - 1] * lay->n[L] - 1),
		      c->F + (0 .. c->F_len - 1)); */
		//@ assert sub_dp: \subset(d + p + (0 .. lay->n[l - 1] - 1), d + (0 .. lay->b_len - 1));
		//@ assert sub_dL: \subset(d + lay->boff[L] + (0 .. lay->n[L] - 1), d + (0 .. lay->b_len - 1));
		/*@ assert sep_dL: \separated(d + p + (0 .. lay->n[l - 1] - 1),
		      d + lay->boff[L] + (0 .. lay->n[L] - 1)); */
		/*@ assert sep_D: \separated(d + p + (0 .. lay->n[l - 1] - 1),
		      c->F + lay->foff[l - 1] + (0 .. lay->n[l - 1] * lay->n[L] - 1)); */
		cr_dfa_delta(lay->n[l - 1], lay->n[L], c->F + lay->foff[l - 1], d + lay->boff[L],
		             k, s, a + p, h + p, d + p);
		break;
	case CR_RULE_SS:
		if (c->F_len != 0) {
			/*@ assert sep_M: \separated(d + p + (0 .. lay->n[l - 1] - 1),
			      c->F + lay->foff[l] + (0 .. lay->n[l] * lay->n[l - 1] - 1)); */
			cr_ss_delta_mag(lay->n[l], lay->n[l - 1], c->W + lay->woff[l],
			                c->F + lay->foff[l], d + o, k, s, a + p, h + p, d + p);
		} else {
			cr_ss_delta_uniform(lay->n[l], lay->n[l - 1], c->W + lay->woff[l],
			                    c->S[l - 2], d + o, k, s, a + p, h + p, d + p);
		}
		break;
	default:
		cr_bp_delta(lay->n[l], lay->n[l - 1], c->W + lay->woff[l], d + o, k, s,
		            a + p, h + p, d + p);
		break;
	}
}

// NOT-RED-1: one sample's terms of the sums, gW_l += delta_l h_{l-1}^T
// (h_0 = xs) and gb_l += delta_l.
//   xs [n_0]  h, d, gb [b_len]  gW [W_len]
/*@
  requires valid_lay: \valid_read(lay) && shape_ok(lay);
  requires valid_xs: \valid_read(xs + (0 .. lay->n[0] - 1));
  requires valid_hd: \valid_read(h + (0 .. lay->b_len - 1)) && \valid_read(d + (0 .. lay->b_len - 1));
  requires valid_g: \valid(gb + (0 .. lay->b_len - 1)) && \valid(gW + (0 .. lay->W_len - 1));
  requires sep_gW: \separated(gW + (0 .. lay->W_len - 1), d + (0 .. lay->b_len - 1));
  requires sep_gW_h: \separated(gW + (0 .. lay->W_len - 1), h + (0 .. lay->b_len - 1));
  requires sep_gW_x: \separated(gW + (0 .. lay->W_len - 1), xs + (0 .. lay->n[0] - 1));
  requires sep_gW_gb: \separated(gW + (0 .. lay->W_len - 1), gb + (0 .. lay->b_len - 1));
  requires sep_gb: \separated(gb + (0 .. lay->b_len - 1), d + (0 .. lay->b_len - 1));
  requires sep_gb_h: \separated(gb + (0 .. lay->b_len - 1), h + (0 .. lay->b_len - 1));
  requires separated_lay: \separated(lay, gb + (0 .. lay->b_len - 1), gW + (0 .. lay->W_len - 1));
  assigns gb[0 .. lay->b_len - 1], gW[0 .. lay->W_len - 1];
*/
static void accumulate(const cr_layout *lay, const double *xs, const double *h,
                       const double *d, double *gb, double *gW)
{
	size_t L = lay->depth;
	//@ assert layer1: lay->n[1] <= lay->b_len && lay->wsz[1] <= lay->W_len && lay->wsz[1] == lay->n[1] * lay->n[0];
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
		/*@ assert sep_d: \separated(gW + lay->woff[l] + (0 .. lay->n[l] * lay->n[l - 1] - 1),
		      d + o + (0 .. lay->n[l] - 1)); */
		/*@ assert sep_h: \separated(gW + lay->woff[l] + (0 .. lay->n[l] * lay->n[l - 1] - 1),
		      h + p + (0 .. lay->n[l - 1] - 1)); */
		//@ assert sep_gb: \separated(gb + o + (0 .. lay->n[l] - 1), d + o + (0 .. lay->n[l] - 1));
		cr_linalg_outer_acc(lay->n[l], lay->n[l - 1], d + o, h + p, gW + lay->woff[l]);
		cr_linalg_add_acc(lay->n[l], d + o, gb + o);
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
	accumulate(lay, xs, h, d, gb, gW);
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
	//@ ghost shape_xt(&lay, batch);
	//@ assert x_len: lay.x_len == batch * n0;
	//@ assert t_len: lay.t_len == batch * nL;
	double *a = c->work;
	double *h = a + nb;
	double *d = h + nb;
	double *gb = d + nb;
	double *gW = gb + nb;
	//@ assert work_len: 4 * nb + lay.W_len <= c->work_len;
	// Each segment lies inside the workspace (the frame of cr_net_grad).
	//@ assert in_a: \subset(a + (0 .. nb - 1), c->work + (0 .. c->work_len - 1));
	//@ assert in_h: \subset(h + (0 .. nb - 1), c->work + (0 .. c->work_len - 1));
	//@ assert in_d: \subset(d + (0 .. nb - 1), c->work + (0 .. c->work_len - 1));
	//@ assert in_gb: \subset(gb + (0 .. nb - 1), c->work + (0 .. c->work_len - 1));
	//@ assert in_gW: \subset(gW + (0 .. lay.W_len - 1), c->work + (0 .. c->work_len - 1));
	cr_linalg_zero(nb, gb);
	cr_linalg_zero(lay.W_len, gW);
	double lsum = 0.0;
	//@ assert rule_fb: fb_ok(&lay, rule);
	/*@ assert rule_mem: \valid_read(c->W + (0 .. lay.W_len - 1)) &&
	      \valid_read(c->b + (0 .. lay.b_len - 1)) &&
	      \valid_read(c->F + (0 .. c->F_len - 1)) && \valid_read(c->S + (0 .. c->S_len - 1)); */
	/*@ assert rule_F: (rule != CR_RULE_SS || c->F_len != 0 ==> c->F_len == lay.F_len) &&
	      (rule == CR_RULE_SS && c->F_len == 0 ==> c->S_len + 1 >= lay.depth); */
	//@ assert rule: rule_ok(&lay, c, rule);
	//@ assert sep_lay: \separated(c, c->work + (0 .. c->work_len - 1));
	//@ assert sep_lay2: \separated(&lay, c);
	//@ assert sep_lay3: \separated(&lay, c->work + (0 .. c->work_len - 1));
	// args_valid, unfolded: the workspace apart from each input.
	//@ assert sep_W: \separated(c->work + (0 .. c->work_len - 1), c->W + (0 .. c->W_len - 1));
	//@ assert sep_b: \separated(c->work + (0 .. c->work_len - 1), c->b + (0 .. c->b_len - 1));
	//@ assert sep_F: \separated(c->work + (0 .. c->work_len - 1), c->F + (0 .. c->F_len - 1));
	//@ assert sep_S: \separated(c->work + (0 .. c->work_len - 1), c->S + (0 .. c->S_len - 1));
	//@ assert sep_x: \separated(c->work + (0 .. c->work_len - 1), c->x + (0 .. c->x_len - 1));
	//@ assert sep_t: \separated(c->work + (0 .. c->work_len - 1), c->t + (0 .. c->t_len - 1));
	//@ assert valid_x: \valid_read(c->x + (0 .. c->x_len - 1)) && \valid_read(c->t + (0 .. c->t_len - 1));
	/*@
	  loop invariant bound: 0 <= s <= batch;
	  loop assigns s, lsum, c->work[0 .. c->work_len - 1];
	  loop variant batch - s;
	*/
	for (size_t s = 0; s < batch; s++) {
		//@ ghost cr_row_fits(s, batch, n0);
		//@ ghost cr_row_fits(s, batch, nL);
		// The five segments of the workspace, apart from each other and
		// from every input.
		//@ assert in_x: s * n0 + n0 <= c->x_len && s * nL + nL <= c->t_len;
		//@ assert v_x: \valid_read(c->x + s * n0 + (0 .. n0 - 1));
		//@ assert v_t: \valid_read(c->t + s * nL + (0 .. nL - 1));
		//@ assert sep_xs: \separated(c->work + (0 .. c->work_len - 1), c->x + s * n0 + (0 .. n0 - 1));
		//@ assert sep_ts: \separated(c->work + (0 .. c->work_len - 1), c->t + s * nL + (0 .. nL - 1));
		//@ assert sep_inx: \separated(c->work + (0 .. 4 * nb + lay.W_len - 1), c->x + s * n0 + (0 .. n0 - 1));
		//@ assert sep_int: \separated(c->work + (0 .. 4 * nb + lay.W_len - 1), c->t + s * nL + (0 .. nL - 1));
		//@ assert sep_inW: \separated(c->work + (0 .. 4 * nb + lay.W_len - 1), c->W + (0 .. lay.W_len - 1));
		//@ assert sep_inb: \separated(c->work + (0 .. 4 * nb + lay.W_len - 1), c->b + (0 .. nb - 1));
		//@ assert sep_inF: \separated(c->work + (0 .. 4 * nb + lay.W_len - 1), c->F + (0 .. c->F_len - 1));
		//@ assert sep_inS: \separated(c->work + (0 .. 4 * nb + lay.W_len - 1), c->S + (0 .. c->S_len - 1));
		/*@ assert sep_in: \separated(c->work + (0 .. 4 * nb + lay.W_len - 1),
		      \union(c->W + (0 .. lay.W_len - 1), c->b + (0 .. nb - 1),
		             c->F + (0 .. c->F_len - 1), c->S + (0 .. c->S_len - 1),
		             c->x + s * n0 + (0 .. n0 - 1), c->t + s * nL + (0 .. nL - 1))); */
		/*@ assert sep_work: \separated(a + (0 .. nb - 1), h + (0 .. nb - 1), d + (0 .. nb - 1),
		      gb + (0 .. nb - 1), gW + (0 .. lay.W_len - 1)); */
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
