// refadapter.h: the in-process reference adapter. Answers adapter requests
// (spec/protocol.md PROTO-REQ-*) with the results of ref/ (ref/credit.h);
// used by `credit check` without --impl, `credit serve` and `credit run`.
//
// Conversion rules (also in `credit --help`):
//   - activation and loss names map to cr_act_kind / cr_loss_kind; an unknown
//     name becomes an out-of-range kind, so that ref/ reports
//     unknown_activation / unknown_loss itself;
//   - in input arrays the strings "NaN", "Infinity", "-Infinity" are those
//     values (VEC-NUM-2);
//   - a matrix whose rows or columns do not match the widths, a ragged row, a
//     wrong number of layers or activations, or targets with another number of
//     rows than x is size_mismatch: the adapter hands ref/ deliberately
//     mismatched flat lengths, so ref/'s own order of checks decides between
//     size_mismatch and an earlier error (zero_size, unknown_activation, ...);
//   - a structurally malformed request (not an object, a missing network,
//     widths, W, b, x or t, a JSON value of the wrong type such as a string
//     where a matrix or number belongs, a width that is not a non-negative
//     integer, protocol other than 1) is answered with the error
//     "malformed_request" and a message on stderr;
//   - a missing feedback array (B, D, M, scale) is size_mismatch, even for
//     depth 1 where it must be [] (FA-ERR-1, DFA-ERR-1, SS-ERR-1); other extra
//     input fields are ignored;
//   - sign symmetry (SS-IN-*): variant "uSF" takes input.scale (L-1 numbers),
//     "brSF" and "frSF" take input.M (L-1 matrices of W_l's shape); a request
//     holding both is size_mismatch; without a variant the one present is
//     used (M first); another variant is invalid_parameter (SS-ERR-1);
//   - Kolen-Pollack (rule "kp", a trajectory, NOT-STEP-2/3, KP-IN-*): W, b,
//     B (FA's shapes) are the initial state; input.eta and input.decay are
//     numbers or the strings of VEC-NUM-2, missing or of another type is
//     malformed_request (a non-finite or out-of-range value reaches ref/,
//     which answers invalid_parameter); input.x and input.t are lists of
//     batches (not lists: malformed_request), x[s] is N_s x n_0 and t[s]
//     N_s x n_L; "x": [] is zero_size; t with another number of batches than
//     x is size_mismatch; a wrong shape of W, b, B or of a batch is
//     size_mismatch handed to ref/ as above, on the first step whose shapes
//     are wrong (the first step for W, b, B); otherwise cr_kp_step runs once
//     per step on two alternating state buffers and the first failing step's
//     error is the answer, with no output. The output is
//     {"loss": [k], "W": [k][L][..], "b": [k][L][..], "B": [k][L-1][..]},
//     entry s - 1 being the state after step s;
//   - the weight mirror (rule "wm") and the Kunin rules ("sa", "aa", "ia")
//     are trajectories read and answered exactly as kp, with their own
//     hyper-parameters (WM-IN-2, ALIGN-STEP-4: eta, eta_B and decay_B or
//     alpha, beta, gamma), missing or not a number being malformed_request;
//     wm takes the request's variant ("linear" when absent; another name is
//     invalid_parameter) and input.noise, a list with one entry per step,
//     each a list of L - 1 matrices Xi_l (M_s x n_{l-1}, the same M_s for
//     every layer of the step): a missing noise, another number of steps or
//     a wrong shape is size_mismatch, judged by ref/ as above;
//   - the primitives (rule "align", ALIGN-OUT-1): network {"widths": [n_in,
//     n_out]} only, input W (n_out x n_in), B (n_in x n_out), x (N x n_in);
//     a wrong shape is handed to cr_align_prims as mismatched flat lengths;
//     the output holds decay, self, amp, sparse, null and d_decay .. d_null;
//   - a rule other than bp, fa, dfa, ss, kp, wm, align, sa, aa, ia is
//     "unsupported_rule".
#ifndef CK_REFADAPTER_H
#define CK_REFADAPTER_H

#include <stdio.h>
#include <jansson.h>

// Answers one parsed request. rule, when not NULL, overrides the request's
// rule. Returns a new response object {"seq": .., "output": {..}} or
// {"seq": .., "error": ".."} (seq copied when the request has a numeric one);
// NULL only when out of memory. Messages about malformed requests go to
// diag when it is not NULL.
json_t *ck_refadapter_answer(const json_t *req, const char *rule, FILE *diag);

// Parses line[0 .. len-1] (JSON, integers read as doubles) and answers it as
// ck_refadapter_answer does; a line that is not JSON is answered with
// {"error": "malformed_request"} and a message on diag.
json_t *ck_refadapter_answer_line(const char *line, size_t len, const char *rule, FILE *diag);

#endif
