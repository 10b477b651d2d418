#!/usr/bin/python3
"""example_run.py: ask the reference for the result of random inputs and
compare it with credit_adapter.grad, the way a user's own test would.

    /usr/bin/python3 conformance/adapters/python/example_run.py [--rule fa]
        [--seed 1] [--credit build/credit] [--variant frSF]

It builds one random request (spec/protocol.md, tcId 0), sends it to
`credit run` (PROTO-REF-2) through a pipe, computes the same thing with
credit_adapter.grad, prints both losses and, for each field, the largest
difference, and exits 1 when a difference exceeds the sanity bound below.

The sanity bound is NOT the spec's tolerance. The spec judges a value by
|got - exp| <= k*u*G with the gauge G of NOT-TOL-1, which follows every
intermediate magnitude; this script does not compute G. It uses instead

    |got - exp| <= 1e-9 * (1 + max |exp| over the field)

which is loose enough for the small, well-scaled random networks built here
(inputs N(0, 1), widths <= 6, depth <= 4: rounding differences are near
1e-15) and tight enough to catch every convention error that matters in
practice: a sum instead of a mean (factor N), a missing 1/2, MSELoss's 2/n_L,
a transposed or wrong feedback matrix, relu'(0) = 1, all of which give
differences of order 1. It can in principle report a false failure on an
input with heavy cancellation; judge such a case with `credit check` on a
vector, whose gauges the oracle computed.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from credit_adapter import CreditError, grad  # noqa: E402

ACTS = [{"name": "tanh"}, {"name": "logistic"}, {"name": "relu"},
        {"name": "leaky_relu", "slope": 0.0625}, {"name": "identity"}]
BOUND = 1e-9


def random_request(rule, variant, rng):
    """A random request: the JSON objects of PROTO-REQ-1, with tcId 0."""
    L = int(rng.integers(1, 5))
    n = [int(rng.integers(1, 7)) for _ in range(L + 1)]
    loss = "mse" if rng.random() < 0.5 else "softmax_ce"
    acts = [ACTS[int(rng.integers(0, len(ACTS)))] for _ in range(L - 1)]
    acts.append({"name": "identity"} if loss == "softmax_ce" else ACTS[int(rng.integers(0, len(ACTS)))])
    N = int(rng.integers(1, 5))

    def mat(r, c):
        return rng.normal(size=(r, c)).tolist()

    inp = {"W": [mat(n[l], n[l - 1]) for l in range(1, L + 1)],
           "b": [rng.normal(size=n[l]).tolist() for l in range(1, L + 1)],
           "x": mat(N, n[0])}
    if loss == "mse":
        inp["t"] = mat(N, n[L])
    else:                                        # a probability vector per sample
        t = rng.random(size=(N, n[L]))
        inp["t"] = (t / t.sum(axis=1, keepdims=True)).tolist()
    if rule == "fa":
        inp["B"] = [mat(n[l - 1], n[l]) for l in range(2, L + 1)]
    elif rule == "dfa":
        inp["D"] = [mat(n[l], n[L]) for l in range(1, L)]
    elif rule == "ss" and variant == "uSF":
        inp["scale"] = rng.normal(size=L - 1).tolist()
    elif rule == "ss":
        inp["M"] = [mat(n[l], n[l - 1]) for l in range(2, L + 1)]
    req = {"protocol": 1, "seq": 1, "rule": rule, "tcId": 0,
           "network": {"widths": n, "activations": acts, "loss": loss}, "input": inp}
    if rule == "ss":
        req["variant"] = variant
    return req


def ask_reference(credit, req):
    """One request to `credit run`, one response back (PROTO-REF-2)."""
    p = subprocess.run([credit, "run"], input=json.dumps(req) + "\n",
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rule", default="fa", choices=["bp", "fa", "dfa", "ss"])
    ap.add_argument("--variant", default="frSF", choices=["uSF", "brSF", "frSF"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--credit", default="build/credit")
    args = ap.parse_args()

    req = random_request(args.rule, args.variant, np.random.default_rng(args.seed))
    ref = ask_reference(args.credit, req)
    try:
        mine = grad(req["rule"], req["network"], req["input"], req.get("variant"))
    except CreditError as e:
        mine = {"error": e.name}
    print("network:", json.dumps(req["network"]), "batch", len(req["input"]["x"]))
    if "error" in ref or "error" in mine:
        print("reference:", ref.get("error", "output"), " credit_adapter:", mine.get("error", "output"))
        return 0 if ref.get("error") == mine.get("error") else 1
    out = ref["output"]
    print("loss  reference %r  credit_adapter %r" % (out["loss"], mine["loss"]))
    worst = 0.0
    for field in ("loss", "dW", "db"):
        exp = np.concatenate([np.ravel(v) for v in ([out[field]] if field == "loss" else out[field])])
        got = np.concatenate([np.ravel(v) for v in ([mine[field]] if field == "loss" else mine[field])])
        diff = float(np.max(np.abs(got - exp)))
        scale = 1.0 + float(np.max(np.abs(exp)))
        worst = max(worst, diff / (BOUND * scale))
        print("%-4s max |difference| %.3g  (sanity bound %.3g)" % (field, diff, BOUND * scale))
    print("PASS" if worst <= 1.0 else "FAIL", "(largest ratio to the sanity bound: %.3g)" % worst)
    return 0 if worst <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
