#!/usr/bin/python3
"""wrong_wm.py: a deliberately wrong adapter for the weight mirror, to show
that the wm trajectories catch the reduction bug public code is most prone
to: the mirror's noise term summed over the noise samples instead of
averaged. makrout's `FCNN_WM.py` writes the mirror update as
`B += eta_m xi y^T` with a batch sum (wm.md, "Mapping your convention");
ported to this rule without dividing by M it is M times too large.

It is credit_adapter.py with one piece replaced: the noise term of WM-STEP-3
is sum_m xi_m y_m^T instead of (1/M_s) sum_m xi_m y_m^T (mirror_mean).
Expected outcome of `credit check --impl` on it: every case of every other
rule passes; in wm the error cases pass, and so do the cases that cannot see
the factor: depth 1 (no B), every step with M_s = 1, and the `kunin`
variant, whose noise term is the amp primitive's gradient (WM-STEP-3,
ALIGN-PRIM-3) and does not go through mirror_mean. Every other valid wm case
(variants `linear` and `nonlinear`, depth >= 2, some step with M_s > 1)
fails: B after that step is wrong, and W from the next step on. Measured on
the vectors when written: 94 of 272 wm cases fail, exactly that set.
"""

import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import credit_adapter  # noqa: E402


def wrong_mirror_mean(Xi, Y):
    """The bug: sum_m xi_m y_m^T, without the 1/M_s."""
    return Xi.T @ Y


# credit_adapter.wm_grad_B looks mirror_mean up in its module at call time.
credit_adapter.mirror_mean = wrong_mirror_mean

if __name__ == "__main__":
    sys.exit(credit_adapter.main())
