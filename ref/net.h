// net.h: what every rule shares at network level (spec/notation.md NOT-NET-*,
// NOT-RED-*): argument validation, the layer offsets, the workspace size, the
// forward pass and the one batch driver.
//
// A rule's entry point (cr_<stem>_grad) packs its arguments into a cr_args
// and calls cr_net_grad with its cr_rule. cr_net_grad validates every
// argument, then runs the batch: for each sample the forward pass, the loss
// and delta_L (NOT-RED-2), then for l = L .. 2 the rule's kernel forms
// delta_{l-1}, and dW_l += delta_l h_{l-1}^T, db_l += delta_l. The sums live
// in the workspace; they are divided by N (NOT-RED-1), checked finite
// (NOT-NET-5) and only then copied to the caller's outputs, so that on any
// error loss, dW and db are untouched.
//
// Order of the checks (the first failing one is returned):
//   1. null_pointer     net, net->widths, net->acts (unless depth is 0), loss;
//                       every array pointer unless its length is 0;
//   2. zero_size        depth 0, a width 0, batch 0;
//   3. size_too_large   depth > CR_MAX_DEPTH; a length (sum n_l n_{l-1},
//                       sum n_l, batch n_0, batch n_L, the feedback length,
//                       the workspace length) that overflows size_t;
//   4. unknown_activation  a layer's kind outside cr_act_kind;
//   5. unknown_loss     net->loss outside cr_loss_kind;
//   6. invalid_parameter   a leaky-relu layer with a non-finite slope;
//   7. size_mismatch    W_len, b_len, x_len, t_len, dW_len, db_len and the
//                       rule's lengths against what the widths imply (sign
//                       symmetry: exactly one of M_len = sum n_l n_{l-1} and
//                       scale_len = L - 1, the other 0; SS-API-1);
//   8. workspace_too_small  work_len < cr_workspace_len(net, batch);
//   9. non_finite_input W, b, x, t, the rule's arrays (B, D, M, scale).
// After the checks: non_finite_result when the loss, dW or db is not finite.
#ifndef CR_NET_H
#define CR_NET_H

#include <stddef.h>
#include <stdint.h>

#include "credit.h"

// The rules the driver knows; it switches on this (no callbacks, STYLE 6).
typedef enum {
	CR_RULE_BP = 0,
	CR_RULE_FA,
	CR_RULE_DFA,
	CR_RULE_SS,
	CR_RULE_COUNT
} cr_rule;

// Every array argument of an entry point, each followed by its length.
// F is the rule's feedback array: B (fa), D (dfa), M (ss), NULL for bp.
// S is sign symmetry's scale (uSF), NULL for the others.
typedef struct {
	const double *W; size_t W_len;   // [sum n_l n_{l-1}]
	const double *b; size_t b_len;   // [sum n_l]
	const double *F; size_t F_len;   // fa: [sum_{l>=2} n_{l-1} n_l], dfa: [sum_{l<L} n_l n_L], ss: M
	const double *S; size_t S_len;   // ss uSF: [L - 1]
	const double *x; size_t x_len;   // [batch * n_0]
	const double *t; size_t t_len;   // [batch * n_L]
	double *loss;                    // [1]
	double *dW; size_t dW_len;       // [W_len]
	double *db; size_t db_len;       // [b_len]
	double *work; size_t work_len;   // [cr_workspace_len]
} cr_args;

// The shape of a validated network and batch. Layer l (1 <= l <= L) has
// W_l (n_l x n_{l-1}, wsz[l] = n_l n_{l-1} entries) at W + woff[l] and b_l,
// a_l, h_l, delta_l at offset boff[l] of their arrays; woff[L+1] and
// boff[L+1] are the totals. The feedback matrix of layer l is at F + foff[l]
// and has fsz[l] entries (B_l, M_l: l = 2..L; D_l: l = 1..L-1). The sizes are
// stored so that the proofs (proofs/README.md) see every offset as linear.
typedef struct {
	size_t depth;
	size_t batch;
	int loss;
	int kind[CR_MAX_DEPTH + 1];      // kind[l], slope[l]: activation of layer l
	double slope[CR_MAX_DEPTH + 1];
	size_t n[CR_MAX_DEPTH + 1];      // n_0 .. n_L
	size_t wsz[CR_MAX_DEPTH + 1];
	size_t fsz[CR_MAX_DEPTH + 1];
	size_t woff[CR_MAX_DEPTH + 2];
	size_t boff[CR_MAX_DEPTH + 2];
	size_t foff[CR_MAX_DEPTH + 2];
	size_t W_len, b_len, F_len, x_len, t_len, work_len;
} cr_layout;

/*@
  // The layout facts make_layout establishes, one per layer; every offset
  // the driver forms is linear in them (no product of two variables except
  // inside the stored sizes wsz, fsz, x_len, t_len).
  predicate shape_ok(cr_layout *lay) =
    1 <= lay->depth <= CR_MAX_DEPTH && lay->batch >= 1 &&
    (\forall integer l; 0 <= l <= lay->depth ==> lay->n[l] >= 1) &&
    lay->woff[1] == 0 && lay->boff[1] == 0 &&
    (\forall integer l; 1 <= l <= lay->depth ==>
        lay->wsz[l] == lay->n[l] * lay->n[l - 1] && lay->wsz[l] >= 1 &&
        lay->woff[l] + lay->wsz[l] <= lay->W_len &&
        lay->boff[l] + lay->n[l] <= lay->b_len) &&
    (\forall integer l; 2 <= l <= lay->depth ==> lay->boff[l] == lay->boff[l - 1] + lay->n[l - 1]) &&
    (\forall integer l; 1 <= l < lay->depth ==> lay->boff[l] + lay->n[l] <= lay->boff[lay->depth]) &&
    lay->x_len == lay->batch * lay->n[0] && lay->t_len == lay->batch * lay->n[lay->depth] &&
    lay->work_len == 4 * lay->b_len + lay->W_len;

  // Where the rule's feedback matrices lie inside F.
  predicate fb_ok(cr_layout *lay, integer rule) =
    ((rule == CR_RULE_FA || rule == CR_RULE_SS) ==>
       \forall integer l; 2 <= l <= lay->depth ==>
         lay->fsz[l] == lay->wsz[l] && lay->foff[l] + lay->fsz[l] <= lay->F_len) &&
    (rule == CR_RULE_DFA ==>
       \forall integer l; 1 <= l < lay->depth ==>
         lay->fsz[l] == lay->n[l] * lay->n[lay->depth] && lay->foff[l] + lay->fsz[l] <= lay->F_len);

  predicate kinds_ok(cr_layout *lay) =
    0 <= lay->loss < CR_LOSS_COUNT &&
    \forall integer l; 1 <= l <= lay->depth ==> 0 <= lay->kind[l] < CR_ACT_COUNT;

  // An array argument: NULL only when empty (check 1).
  predicate arr_ok(double *p, integer len) = p == \null || \valid_read(p + (0 .. len - 1));
  predicate out_ok(double *p, integer len) = p == \null || \valid(p + (0 .. len - 1));

  predicate args_valid(cr_args *c) =
    arr_ok(c->W, c->W_len) && arr_ok(c->b, c->b_len) && arr_ok(c->F, c->F_len) &&
    arr_ok(c->S, c->S_len) && arr_ok(c->x, c->x_len) && arr_ok(c->t, c->t_len) &&
    (c->loss == \null || \valid(c->loss)) && out_ok(c->dW, c->dW_len) &&
    out_ok(c->db, c->db_len) && out_ok(c->work, c->work_len) &&
    \separated(c->loss, c->dW + (0 .. c->dW_len - 1), c->db + (0 .. c->db_len - 1),
               c->work + (0 .. c->work_len - 1)) &&
    \separated(c->work + (0 .. c->work_len - 1),
               \union(c->W + (0 .. c->W_len - 1), c->b + (0 .. c->b_len - 1),
                      c->F + (0 .. c->F_len - 1), c->S + (0 .. c->S_len - 1),
                      c->x + (0 .. c->x_len - 1), c->t + (0 .. c->t_len - 1)));
*/

/*@
  // The rule's arrays after validation: F holds the layout's feedback (or,
  // for sign symmetry's uSF, S holds one scale per layer 2 .. L).
  predicate rule_ok(cr_layout *lay, cr_args *c, integer rule) =
    fb_ok(lay, rule) &&
    \valid_read(c->W + (0 .. lay->W_len - 1)) &&
    \valid_read(c->b + (0 .. lay->b_len - 1)) &&
    \valid_read(c->F + (0 .. c->F_len - 1)) && \valid_read(c->S + (0 .. c->S_len - 1)) &&
    (rule != CR_RULE_SS || c->F_len != 0 ==> c->F_len == lay->F_len) &&
    (rule == CR_RULE_SS && c->F_len == 0 ==> c->S_len + 1 >= lay->depth);
*/

// Validates every argument in the order above and, when the call is valid,
// runs the batch and writes loss, dW and db.
/*@
  requires valid_args: \valid_read(args) && args_valid(args);
  requires valid_net: net == \null || \valid_read(net);
  requires valid_widths: net != \null ==>
    net->widths == \null || \valid_read(net->widths + (0 .. net->depth));
  requires valid_acts: net != \null ==>
    net->acts == \null || net->depth == 0 || \valid_read(net->acts + (0 .. net->depth - 1));
  requires separated: \separated(\union(args->loss, args->dW + (0 .. args->dW_len - 1),
                                        args->db + (0 .. args->db_len - 1),
                                        args->work + (0 .. args->work_len - 1)),
                                 args);
  requires separated_net: net != \null ==> \separated(\union(args->loss,
    args->dW + (0 .. args->dW_len - 1), args->db + (0 .. args->db_len - 1),
    args->work + (0 .. args->work_len - 1)), net);
  assigns *args->loss, args->dW[0 .. args->dW_len - 1], args->db[0 .. args->db_len - 1],
          args->work[0 .. args->work_len - 1];
*/
cr_status cr_net_grad(const cr_net *net, size_t batch, int rule, const cr_args *args);

#endif
