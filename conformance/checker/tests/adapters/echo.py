#!/usr/bin/python3
"""Adapter for any rule: answers each request with the expected outputs (or
the expected error) of the test with the request's tcId in the vector file
argv[1], broken in the way named by argv[2] (see MODES). It knows no rule, so
it serves the checker's tests of output fields of any shape, such as the
trajectories of NOT-STEP-3 (W: [k][L][rows][cols])."""
import copy, json, sys

MODES = {"good", "perturb", "shape", "nesting", "extra", "missing"}
path, mode = sys.argv[1], sys.argv[2]
assert mode in MODES, mode
tests = {}
for g in json.load(open(path))["testGroups"]:
    for t in g["tests"]:
        tests[t["tcId"]] = t


def has(v, *idx):
    """True when v[idx[0]][idx[1]]... exists."""
    for i in idx:
        if not isinstance(v, list) or i >= len(v):
            return False
        v = v[i]
    return True


for line in sys.stdin:
    req = json.loads(line)
    t = tests[req["tcId"]]
    if t["result"] == "invalid":
        resp = {"seq": req["seq"], "error": t["error"]}
    else:
        out = copy.deepcopy(t["expected"])
        W = out.get("W")
        if mode == "perturb" and has(W, 1, 0, 2, 3):
            W[1][0][2][3] += 1e-6
        elif mode == "shape" and has(W, 1, 0, 2, 3):
            del W[1][0][2][-1]
        elif mode == "nesting" and has(W, 1, 0, 2, 3):
            W[1][0][2][3] = [W[1][0][2][3]]
        elif mode == "extra":
            out["B_next"] = []
        elif mode == "missing":
            del out["B"]
        resp = {"seq": req["seq"], "output": out}
    sys.stdout.write(json.dumps(resp) + "\n")
    sys.stdout.flush()
