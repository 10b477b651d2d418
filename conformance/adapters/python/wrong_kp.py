#!/usr/bin/python3
"""wrong_kp.py: a deliberately wrong adapter for Kolen-Pollack, to show that
the kp trajectories catch the bug public code is most prone to: weight decay
applied to W but not to the feedback B (research digest, KP: Kunin et al.'s
`Kolen_Pollack` decays W only with `update_forward`; limberc's decays every
parameter). With unequal decays W - B^T no longer contracts (KP-ID-1).

It is credit_adapter.py with one piece replaced: B_l <- B_l - eta dW_l^T
instead of B_l <- (1 - eta lambda) B_l - eta dW_l^T (KP-STEP-4). Expected
outcome of `credit check --impl` on it: every case of every other rule
passes; in kp the error cases and the cases with decay 0 pass, and every
other valid kp case fails.
"""

import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import credit_adapter  # noqa: E402


def wrong_kp_step(kw, eta, decay):
    """The bug: no decay on B."""
    loss, dW, db = credit_adapter.compute(**kw)
    with np.errstate(all="ignore"):
        c = 1.0 - eta * decay
        W = [c * Wl - eta * g for Wl, g in zip(kw["W"], dW)]
        B = [Bl - eta * g.T for Bl, g in zip(kw["B"], dW[1:])]
        b = [bl - eta * g for bl, g in zip(kw["b"], db)]
    if not all(np.all(np.isfinite(a)) for a in W + b + B):
        raise credit_adapter.CreditError("non_finite_result")
    return loss, W, b, B


# credit_adapter.trajectory looks kp_step up in its module at call time.
credit_adapter.kp_step = wrong_kp_step

if __name__ == "__main__":
    sys.exit(credit_adapter.main())
