#!/usr/bin/python3
"""Writes the checker's own small vector files, tests/vectors/<rule>.json.

The expected values come from numpy (float64), never from ref/. They follow
spec/notation.md (NOT-NET-*, NOT-LOSS-*, NOT-RED-*) and the rule equations of
rules-digest sections 1-4. The gauges are NOT the gauges of NOT-TOL-1: they
are a simple bound 8 (1 + |v|), enough for these small, well-conditioned
networks, and meant only to test the checker until the oracle's vectors exist.
Run: /usr/bin/python3 make_vectors.py OUTDIR
"""
import hashlib, json, math, sys
import numpy as np

U = 2.0 ** -53


def act(name, a, slope=0.0):
    if name == "identity":
        return a, np.ones_like(a)
    if name == "tanh":
        h = np.tanh(a)
        return h, 1 - h * h
    if name == "logistic":
        h = 1 / (1 + np.exp(-a))
        return h, h * (1 - h)
    if name == "relu":
        return np.maximum(a, 0), (a > 0).astype(float)
    if name == "leaky_relu":
        return np.where(a > 0, a, slope * a), np.where(a > 0, 1.0, slope)
    raise ValueError(name)


def compute(rule, net, inp, variant=None):
    widths, acts, loss = net["widths"], net["activations"], net["loss"]
    L = len(widths) - 1
    W = [np.array(w, float) for w in inp["W"]]
    b = [np.array(v, float) for v in inp["b"]]
    x = np.array(inp["x"], float)
    t = np.array(inp["t"], float)
    N = x.shape[0]
    hs, ds = [x], []
    for l in range(L):
        a = hs[-1] @ W[l].T + b[l]
        h, d = act(acts[l]["name"], a, acts[l].get("slope", 0.0))
        hs.append(h)
        ds.append(d)
    y = hs[-1]
    if loss == "mse":
        ell = 0.5 * ((y - t) ** 2).sum(axis=1)
        e = y - t
    else:
        m = y.max(axis=1, keepdims=True)
        s = np.exp(y - m).sum(axis=1, keepdims=True)
        lse = m + np.log(s)
        p = np.exp(y - m) / s
        ell = (t * (lse - y)).sum(axis=1)
        e = t.sum(axis=1, keepdims=True) * p - t
    delta = [None] * L
    delta[L - 1] = ds[L - 1] * e
    for l in range(L - 2, -1, -1):
        if rule == "bp":
            back = delta[l + 1] @ W[l + 1]
        elif rule == "fa":
            back = delta[l + 1] @ np.array(inp["B"][l], float).T
        elif rule == "ss":
            if variant == "uSF":
                M = abs(inp["scale"][l]) * np.ones_like(W[l + 1])
            else:
                M = np.abs(np.array(inp["M"][l], float))
            back = delta[l + 1] @ (M * np.sign(W[l + 1]))
        elif rule == "dfa":
            back = delta[L - 1] @ np.array(inp["D"][l], float).T
        delta[l] = ds[l] * back
    dW = [(delta[l].T @ hs[l]) / N for l in range(L)]
    db = [delta[l].mean(axis=0) for l in range(L)]
    return float(ell.mean()), dW, db


def tolist(a):
    if isinstance(a, list) or (isinstance(a, np.ndarray) and a.ndim > 0):
        return [tolist(v) for v in a]
    return float(a)


def gauge(v):
    return tolist(8 * (1 + np.abs(np.array(v, float)))) if np.ndim(v) else 8 * (1 + abs(v))


def rnd(rng, *shape):
    return np.round(rng.uniform(-1.5, 1.5, shape), 3)


def feedback(rule, rng, widths, variant):
    L = len(widths) - 1
    if rule == "fa":
        return {"B": [tolist(rnd(rng, widths[l - 1], widths[l])) for l in range(2, L + 1)]}
    if rule == "dfa":
        return {"D": [tolist(rnd(rng, widths[l], widths[L])) for l in range(1, L)]}
    if rule == "ss":
        if variant == "uSF":
            return {"scale": [0.75 + 0.125 * l for l in range(L - 1)]}
        return {"M": [tolist(rnd(rng, widths[l], widths[l - 1])) for l in range(2, L + 1)]}
    return {}


def main():
    out = sys.argv[1]
    nets = [
        ({"widths": [2, 3, 1], "activations": [{"name": "tanh"}, {"name": "identity"}], "loss": "mse"}, 2, []),
        ({"widths": [3, 4, 2], "activations": [{"name": "relu"}, {"name": "identity"}], "loss": "softmax_ce"}, 3, []),
        ({"widths": [2, 3, 3, 2], "activations": [{"name": "logistic"}, {"name": "leaky_relu", "slope": 0.125},
                                                   {"name": "identity"}], "loss": "mse"}, 2, []),
        ({"widths": [2, 2], "activations": [{"name": "identity"}], "loss": "mse"}, 1, ["Batch1"]),
    ]
    notes = {f: {"bugType": "FUNCTIONALITY", "description": f + " (checker self-test)"} for f in
             ["Batch1", "ReluTie", "UnknownActivation", "UnknownLoss", "ZeroSize", "SizeMismatch",
              "NonFiniteInput", "InvalidParameter"]}
    for rule in ["bp", "fa", "dfa", "ss"]:
        rng = np.random.default_rng(7 + len(rule))
        variant = "frSF" if rule == "ss" else None
        groups = []
        tc = 0

        def test(net, inp, flags, result="valid", error=None, expect=None):
            nonlocal tc
            tc += 1
            canon = {"rule": rule, "network": net, "input": inp}
            if variant:
                canon["variant"] = variant
            t = {"tcId": tc,
                 "id": "sha256:" + hashlib.sha256(json.dumps(canon, sort_keys=True, separators=(",", ":")).encode()).hexdigest(),
                 "comment": "checker self-test", "flags": flags, "input": inp, "result": result}
            if result == "invalid":
                t["error"] = error
                return t
            loss, dW, db = expect if expect else compute(rule, net, inp, variant)
            S = sum(net["widths"])
            N = len(inp["x"])
            L = len(net["widths"]) - 1
            t["expected"] = {"loss": loss, "dW": tolist(dW), "db": tolist(db)}
            t["gauge"] = {"loss": gauge(loss), "dW": [gauge(m) for m in dW], "db": [gauge(v) for v in db]}
            kg = 2 * (2 * S + N + 10 * (L + 1))
            t["tolerance"] = {"loss": 2 * (S + N + 10 * (L + 1)), "dW": kg, "db": kg}
            return t

        def base_input(net, N):
            w = net["widths"]
            L = len(w) - 1
            inp = {"W": [tolist(rnd(rng, w[l], w[l - 1])) for l in range(1, L + 1)],
                   "b": [tolist(rnd(rng, w[l])) for l in range(1, L + 1)]}
            inp.update(feedback(rule, rng, w, variant))
            inp["x"] = tolist(rnd(rng, N, w[0]))
            if net["loss"] == "softmax_ce":
                p = rng.uniform(0.1, 1.0, (N, w[-1]))
                inp["t"] = tolist(p / p.sum(axis=1, keepdims=True))
            else:
                inp["t"] = tolist(rnd(rng, N, w[-1]))
            return inp

        for net, N, flags in nets:
            groups.append({"network": net, "tests": [test(net, base_input(net, N), flags)]})
        # Error cases on the first network.
        net0 = nets[0][0]
        errs = []
        inp = base_input(net0, 2)
        bad = json.loads(json.dumps(inp)); bad["W"][0] = bad["W"][0][:2]
        errs.append(test(net0, bad, ["SizeMismatch"], "invalid", "size_mismatch"))
        bad = json.loads(json.dumps(inp)); bad["x"][1] = bad["x"][1][:1]
        errs.append(test(net0, bad, ["SizeMismatch"], "invalid", "size_mismatch"))
        bad = json.loads(json.dumps(inp)); bad["t"] = bad["t"][:1]
        errs.append(test(net0, bad, ["SizeMismatch"], "invalid", "size_mismatch"))
        bad = json.loads(json.dumps(inp)); bad["x"][0][1] = "NaN"
        errs.append(test(net0, bad, ["NonFiniteInput"], "invalid", "non_finite_input"))
        bad = json.loads(json.dumps(inp)); bad["W"][1][0][2] = "-Infinity"
        errs.append(test(net0, bad, ["NonFiniteInput"], "invalid", "non_finite_input"))
        groups.append({"network": net0, "tests": errs})
        netA = {"widths": [2, 3, 1], "activations": [{"name": "swish"}, {"name": "identity"}], "loss": "mse"}
        groups.append({"network": netA, "tests": [test(netA, inp, ["UnknownActivation"], "invalid", "unknown_activation")]})
        netL = {"widths": [2, 3, 1], "activations": [{"name": "tanh"}, {"name": "identity"}], "loss": "hinge"}
        groups.append({"network": netL, "tests": [test(netL, inp, ["UnknownLoss"], "invalid", "unknown_loss")]})
        netZ = {"widths": [2, 0, 1], "activations": [{"name": "tanh"}, {"name": "identity"}], "loss": "mse"}
        inpZ = {"W": [[], [[]]], "b": [[], [0.5]], "x": [[1.0, 2.0]], "t": [[0.5]]}
        if rule == "fa":
            inpZ["B"] = [[]]
        if rule == "dfa":
            inpZ["D"] = [[]]
        if rule == "ss":
            inpZ["M"] = [[[]]]
        groups.append({"network": netZ, "tests": [test(netZ, inpZ, ["ZeroSize"], "invalid", "zero_size")]})
        netP = {"widths": [2, 3, 1], "activations": [{"name": "leaky_relu", "slope": "NaN"}, {"name": "identity"}], "loss": "mse"}
        groups.append({"network": netP, "tests": [test(netP, inp, ["InvalidParameter"], "invalid", "invalid_parameter")]})
        # An acceptable case whose expected values took the other relu branch
        # at a = 0 (relu'(0) = 1 instead of 0): a mismatch that must not fail.
        netR = {"widths": [1, 1, 1], "activations": [{"name": "relu"}, {"name": "identity"}], "loss": "mse"}
        inpR = {"W": [[[2.0]], [[1.5]]], "b": [[-2.0], [0.25]], "x": [[1.0]], "t": [[1.0]]}
        inpR.update({"fa": {"B": [[[0.5]]]}, "dfa": {"D": [[[0.5]]]}, "ss": {"M": [[[0.5]]]}}.get(rule, {}))
        loss, dW, db = compute(rule, netR, inpR, variant)
        fb = {"bp": 1.5, "fa": 0.5, "dfa": 0.5, "ss": 0.5}[rule]
        e = 0.25 - 1.0
        dW[0] = np.array([[fb * e * 1.0]]); db[0] = np.array([fb * e])
        groups.append({"network": netR, "tests": [test(netR, inpR, ["ReluTie"], "acceptable", expect=(loss, dW, db))]})
        if rule == "ss":
            for g in groups:
                g["variant"] = "frSF"
            # One uSF group (input.scale).
            variant = "uSF"
            net, N, flags = nets[2]
            groups.append({"network": net, "variant": "uSF", "tests": [test(net, base_input(net, N), [])]})
        doc = {"schema": "vectors.schema.json", "formatVersion": 1, "rule": rule, "specRevision": "1",
               "generator": {"name": "checker-tests/make_vectors.py", "version": "0", "gsl": "none", "seed": 7},
               "numberOfTests": tc, "header": ["Hand-made checker self-test vectors; numpy expected values;",
                                               "gauges are 8(1+|v|), not NOT-TOL-1 gauges."],
               "notes": notes, "unitRoundoff": U, "testGroups": groups}
        with open(f"{out}/{rule}.json", "w") as fp:
            json.dump(doc, fp, indent=1)
            fp.write("\n")


main()
