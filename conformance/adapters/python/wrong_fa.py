#!/usr/bin/python3
"""wrong_fa.py: a deliberately wrong adapter, to show that `credit check`
catches a wrong rule and that its failures name the right one.

It is credit_adapter.py with one piece replaced: feedback alignment
propagates the error through W_l^T (backpropagation) instead of the fixed
feedback matrix B_l of FA-* (NOT-FB-1). Everything else, including the
validation of B's shape and finiteness, is the good adapter's, so the
expected outcome of `credit check --impl` on it is: every bp, dfa and ss case
passes, the fa error cases pass, the fa cases whose B equals W^T (flag
Identity) pass, and every other valid fa case fails.
"""

import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import credit_adapter  # noqa: E402


def wrong_fa_feedback(W, B):
    """The bug: ignore B and use backpropagation's W_l^T."""
    return [Wl.T for Wl in W[1:]]


# credit_adapter.compute looks fa_feedback up in its module at call time.
credit_adapter.fa_feedback = wrong_fa_feedback

if __name__ == "__main__":
    sys.exit(credit_adapter.main())
