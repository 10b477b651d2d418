#!/usr/bin/python3
"""Writes OUTDIR/kp.json: a small vector file whose outputs are trajectories
(NOT-STEP-3), to test that the checker loads and judges output fields of any
shape without knowing the rule.

The numbers are NOT Kolen-Pollack's: they are made up (the loader and the
judge trust the file), so the file is only ever answered by
adapters/echo.py, never by the reference. Fields, as spec/rules/kp.md:
loss [k], W [k][L][n_l][n_{l-1}], b [k][L][n_l], B [k][L-1][n_{l-1}][n_l].
Run: /usr/bin/python3 make_traj.py OUTDIR
"""
import json, sys


def numbers(seed):
    """An endless supply of varied numbers with few digits."""
    x = seed
    while True:
        x = (x * 1103515245 + 12345) % 2147483648
        yield round((x / 2147483648.0 - 0.5) * 3.0, 3)


def mat(gen, r, c):
    return [[next(gen) for _ in range(c)] for _ in range(r)]


def state(gen, widths):
    L = len(widths) - 1
    W = [mat(gen, widths[l], widths[l - 1]) for l in range(1, L + 1)]
    b = [[next(gen) for _ in range(widths[l])] for l in range(1, L + 1)]
    B = [mat(gen, widths[l - 1], widths[l]) for l in range(2, L + 1)]
    return W, b, B


def gauge(v):
    return [gauge(e) for e in v] if isinstance(v, list) else abs(v) + 1.0


def test(tc, widths, k, gen, result="valid", flags=()):
    W, b, B = state(gen, widths)
    inp = {"W": W, "b": b, "B": B, "eta": 0.125, "decay": 0.0625,
           "x": [mat(gen, 2, widths[0]) for _ in range(k)],
           "t": [mat(gen, 2, widths[-1]) for _ in range(k)]}
    t = {"tcId": tc, "id": "sha256:%064x" % tc, "comment": "checker self-test, made-up numbers",
         "flags": list(flags), "input": inp, "result": result}
    if result == "invalid":
        inp["eta"] = -1.0
        t["error"] = "invalid_parameter"
        return t
    steps = [state(gen, widths) for _ in range(k)]
    ex = {"loss": [abs(next(gen)) for _ in range(k)],
          "W": [s[0] for s in steps], "b": [s[1] for s in steps], "B": [s[2] for s in steps]}
    t["expected"] = ex
    t["gauge"] = {f: gauge(v) for f, v in ex.items()}
    t["tolerance"] = {"loss": 150.0, "W": 210.0, "b": 210.0, "B": 210.0}
    return t


def main():
    gen = numbers(11)
    net2 = {"widths": [4, 3, 2], "activations": [{"name": "tanh"}, {"name": "identity"}], "loss": "mse"}
    net1 = {"widths": [2, 1], "activations": [{"name": "identity"}], "loss": "mse"}
    groups = [
        # Two steps through a depth-2 network: W[1][0][2][3] exists.
        {"network": net2, "tests": [test(1, net2["widths"], 2, gen)]},
        # Three steps through depth 1: B is a list of 3 empty lists.
        {"network": net1, "tests": [test(2, net1["widths"], 3, gen)]},
        {"network": net2, "tests": [test(3, net2["widths"], 2, gen, "invalid", ["InvalidParameter"]),
                                    test(4, net2["widths"], 2, gen, "acceptable", ["ReluTie"])]},
    ]
    notes = {f: {"bugType": "FUNCTIONALITY", "description": f + " (checker self-test)"}
             for f in ["InvalidParameter", "ReluTie"]}
    doc = {"schema": "vectors.schema.json", "formatVersion": 1, "rule": "kp", "specRevision": "1",
           "generator": {"name": "make_traj.py", "version": "0", "gsl": "none", "seed": 11},
           "numberOfTests": 4, "header": ["checker self-test: trajectory-shaped outputs"],
           "notes": notes, "unitRoundoff": 2.0 ** -53, "testGroups": groups}
    with open(sys.argv[1] + "/kp.json", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


main()
