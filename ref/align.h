// align.h: Kunin et al.'s layer-local alignment primitives and the step the
// rules built from them share (spec/rules/align.md ALIGN-PRIM-*,
// ALIGN-STEP-*). The public entry points (cr_align_workspace_len,
// cr_align_prims, cr_align_step_workspace_len and the rules' cr_sa_step,
// cr_aa_step, cr_ia_step) are declared in credit.h; this header holds what
// the rule files (sa.c, aa.c, ia.c) and align.c share: the rules the step
// driver knows, the shape of a step, and the driver itself.
//
// Workspace of a step (cr_align_step_workspace_len doubles):
//   work [fa_work]        cr_fa_grad's own workspace (cr_workspace_len)
//   work + o_dW [W_len]   dW of the step (ALIGN-STEP-1)
//   work + o_db [b_len]   db of the step
//   work + o_D0 [B_len]   the gradient of the rule's first primitive, every
//   work + o_D1 [B_len]   layer l = 2..L at foff[l] as in B; the second,
//   work + o_D2 [B_len]   the third (IA only)
//   work + o_G  [B_len]   G = [G_2 | ... | G_L] (ALIGN-STEP-2)
//   work + o_a  [b_len]   pre-activations a_l of one sample (forward pass)
//   work + o_h  [b_len]   activations h_l of that sample
//   work + o_p, o_q, o_r [m] each: p = W_l x, q = B_l^T x, r = B_l p of one
//                         layer and sample, m = max_{l >= 1} n_l
// (the offsets o_* are cr_align_lens's).
#ifndef CR_ALIGN_H
#define CR_ALIGN_H

#include <stddef.h>
#include <stdint.h>

#include "credit.h"

// The rules the step driver knows; it switches on this (no callbacks,
// STYLE 6). Each rule's regulariser is a combination of primitives, terms in
// the order its file lists them (ALIGN-STEP-2):
//   SA-REG-1  alpha decay + beta self           (D0 = 2B,      D1 = -W^T)
//   AA-REG-1  alpha sparse + beta amp           (D0 = sparse', D1 = amp')
//   IA-REG-1  alpha amp + beta null + gamma decay (D0 = amp', D1 = null', D2 = 2B)
typedef enum {
	CR_ALIGN_SA = 0,
	CR_ALIGN_AA,
	CR_ALIGN_IA,
	CR_ALIGN_RULE_COUNT
} cr_align_rule;

// The layers of a step's shape. Layer l (1 <= l <= depth) has W_l (n[l] x
// n[l-1], sz[l] entries) at W + woff[l], b_l, a_l and h_l at offset boff[l]
// of their arrays and, for l >= 2, B_l (n[l-1] x n[l], also sz[l] entries) at
// B + foff[l]. Returned by value and kept in non-addressed locals, so that
// the proofs see pure logic values (proofs/README.md).
typedef struct {
	int ok;                         // 1 when the fields below are valid
	size_t depth;
	size_t n[CR_MAX_DEPTH + 1];     // n_0 .. n_L
	size_t sz[CR_MAX_DEPTH + 1];    // sz[l] = n_l n_{l-1}
	size_t woff[CR_MAX_DEPTH + 1];
	size_t boff[CR_MAX_DEPTH + 1];
	size_t foff[CR_MAX_DEPTH + 1];
	size_t m;                       // max_{l=1..L} n_l
	size_t W_len, b_len, B_len;     // sum n_l n_{l-1}, sum n_l, sum_{l>=2} n_{l-1} n_l
} cr_align_shape;

// The lengths of a step for its batch: the batch arrays and the workspace
// offsets o_* of the table above. Apart from cr_align_shape so that the
// lengths are built in a fresh value, not by updating the layers (which
// costs the provers seconds per goal).
typedef struct {
	int ok;                         // 1 when the fields below are valid
	size_t batch;
	size_t x_len, t_len;            // batch n_0, batch n_L
	size_t fa_work;                 // cr_workspace_len(net, batch), >= 1
	size_t o_dW, o_db, o_D0, o_D1, o_D2, o_G, o_a, o_h, o_p, o_q, o_r;
	size_t work_len;                // o_r + m
} cr_align_lens;

// The activations of the layers, copied from the network once checked:
// kind[l] and slope[l] for layer l = 1..depth.
typedef struct {
	int ok;                         // 1 when every kind is a cr_act_kind
	int kind[CR_MAX_DEPTH + 1];
	double slope[CR_MAX_DEPTH + 1];
} cr_align_acts;

/*@
  // What align.c's shape computation establishes, in parts so that a goal
  // that needs only some of them does not carry the others.
  predicate align_layers_ok(cr_align_shape s) =
    1 <= s.depth <= CR_MAX_DEPTH && s.m >= 1 && s.n[0] >= 1 &&
    (\forall integer l; 1 <= l <= s.depth ==>
       1 <= s.n[l] <= s.m && s.sz[l] == s.n[l] * s.n[l - 1] &&
       s.woff[l] + s.sz[l] <= s.W_len && s.boff[l] + s.n[l] <= s.b_len) &&
    (\forall integer l; 2 <= l <= s.depth ==> s.foff[l] + s.sz[l] <= s.B_len);

  predicate align_lens_ok(cr_align_shape s, cr_align_lens z) =
    z.batch >= 1 && z.fa_work >= 1 &&
    z.o_dW == z.fa_work && z.o_db == z.o_dW + s.W_len && z.o_D0 == z.o_db + s.b_len &&
    z.o_D1 == z.o_D0 + s.B_len && z.o_D2 == z.o_D1 + s.B_len && z.o_G == z.o_D2 + s.B_len &&
    z.o_a == z.o_G + s.B_len && z.o_h == z.o_a + s.b_len && z.o_p == z.o_h + s.b_len &&
    z.o_q == z.o_p + s.m && z.o_r == z.o_q + s.m && z.work_len == z.o_r + s.m;

  predicate align_xt_ok(cr_align_shape s, cr_align_lens z) =
    z.x_len == z.batch * s.n[0] && z.t_len == z.batch * s.n[s.depth];

  predicate align_acts_ok(cr_align_acts k, integer depth) =
    \forall integer l; 1 <= l <= depth ==> 0 <= k.kind[l] < CR_ACT_COUNT;
*/

// One step of the Kunin rule `rule` (ALIGN-STEP-1..5) with the coefficients
// alpha, beta, gamma of its regulariser (gamma is IA's; SA and AA pass 0).
// Arguments, outputs and the order of the checks as cr_sa_step (credit.h,
// align.c); work_len >= cr_align_step_workspace_len(net, batch).
/*@
  requires rule: 0 <= rule < CR_ALIGN_RULE_COUNT;
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==> net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: net != \null ==> net->acts == \null || net->depth == 0 || \valid_read(net->acts + (0 .. net->depth - 1));
  requires valid_W: W == \null || \valid_read(W + (0 .. W_len - 1));
  requires valid_b: b == \null || \valid_read(b + (0 .. b_len - 1));
  requires valid_B: B == \null || \valid_read(B + (0 .. B_len - 1));
  requires valid_x: x == \null || \valid_read(x + (0 .. x_len - 1));
  requires valid_t: t == \null || \valid_read(t + (0 .. t_len - 1));
  requires valid_loss: loss == \null || \valid(loss);
  requires valid_W_next: W_next == \null || \valid(W_next + (0 .. W_next_len - 1));
  requires valid_b_next: b_next == \null || \valid(b_next + (0 .. b_next_len - 1));
  requires valid_B_next: B_next == \null || \valid(B_next + (0 .. B_next_len - 1));
  requires valid_work: work == \null || \valid(work + (0 .. work_len - 1));
  requires separated: \separated(loss, W_next + (0 .. W_next_len - 1), b_next + (0 .. b_next_len - 1),
                                 B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1));
  requires separated_in: \separated(\union(loss, W_next + (0 .. W_next_len - 1), b_next + (0 .. b_next_len - 1),
                                           B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1)),
                                    \union(W + (0 .. W_len - 1), b + (0 .. b_len - 1), B + (0 .. B_len - 1),
                                           x + (0 .. x_len - 1), t + (0 .. t_len - 1)));
  requires separated_net: net != \null ==> \separated(\union(loss, W_next + (0 .. W_next_len - 1),
    b_next + (0 .. b_next_len - 1), B_next + (0 .. B_next_len - 1), work + (0 .. work_len - 1)), net);
  assigns *loss, W_next[0 .. W_next_len - 1], b_next[0 .. b_next_len - 1], B_next[0 .. B_next_len - 1],
          work[0 .. work_len - 1];
*/
cr_status cr_align_step(const cr_net *net, size_t batch, int rule, double eta, double eta_B,
                        double alpha, double beta, double gamma,
                        const double *W, size_t W_len, const double *b, size_t b_len,
                        const double *B, size_t B_len,
                        const double *x, size_t x_len, const double *t, size_t t_len,
                        double *loss, double *W_next, size_t W_next_len, double *b_next,
                        size_t b_next_len, double *B_next, size_t B_next_len,
                        double *work, size_t work_len);

#endif
