#!/usr/bin/python3
"""wrong_align.py: a deliberately wrong adapter for Kunin et al.'s amp
primitive, to show that the align vectors and the rules built on amp catch
the reduction bug public code is most prone to: the gradient of amp summed
over the batch instead of averaged, -sum_n x_n p_n^T instead of
-(1/N) sum_n x_n p_n^T (ALIGN-PRIM-3).

Why this mistake and not a wrong sign: a sign error makes B move away from
W^T, so the alignment angle grows and the network stops learning; anyone who
plots the angle sees it at once. A missing 1/N only multiplies the feedback
learning rate eta_B by the batch size: training still aligns, the bug
survives every plot, and batch sums are how much public code writes these
updates (makrout's weight mirror and Kolen-Pollack sum over the batch;
biotorch sums the bias gradient; NOT-RED-1 warns of the factor N). The
authors' code takes the mean (align.md), so a port that hand-writes the
gradient as X^T P is wrong by exactly this.

It is credit_adapter.py with one piece replaced: amp_grad without the
division by N. The value amp itself is still the mean. Expected outcome of
`credit check --impl` on it: every case of bp, fa, dfa, ss, kp and sa passes
(they do not use amp), and the error cases of every rule pass. These fail:
  align: every valid case with N > 1 (field d_amp; N = 1, flag Batch1,
         cannot see a missing 1/N);
  aa:    valid cases of depth >= 2 with beta > 0 and some step with N_s > 1;
  ia:    valid cases of depth >= 2 with alpha > 0 and some step with N_s > 1;
  wm:    the `kunin` variant's valid cases of depth >= 2 with beta > 0 and
         some step with M_s > 1, since its mirror update is alpha decay +
         beta amp with the noise as the layer input (WM-STEP-3); the
         `linear` and `nonlinear` variants pass.
A case in these sets still passes when its amp gradient is exactly zero
(align: W and x all zero, flag ZeroWeights) or too small to move B at all
(inputs near 1e-150, flag TinyMagnitude, where alpha d_amp ~ 1e-300 vanishes
next to gamma 2B). Measured on the vectors when written: align 158 of 212
cases fail, aa 94 of 230, ia 96 of 232, wm 46 of 272, exactly the sets
above less one case of align and one of ia that pass for those reasons.
"""

import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import credit_adapter  # noqa: E402


def wrong_amp_grad(W, X):
    """The bug: -sum_n x_n p_n^T, the batch sum, without the 1/N."""
    P = X @ W.T
    return -(X.T @ P)


# credit_adapter's align_primitives, aa_grad_B, ia_grad_B and wm_grad_B look
# amp_grad up in its module at call time.
credit_adapter.amp_grad = wrong_amp_grad

if __name__ == "__main__":
    sys.exit(credit_adapter.main())
