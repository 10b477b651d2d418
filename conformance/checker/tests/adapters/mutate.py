#!/usr/bin/python3
"""Misbehaving adapter: forwards every request to `$CREDIT serve` and breaks
the response in the way named by argv[1] (see MODES)."""
import json, os, subprocess, sys

MODES = {"wrongseq", "shape", "missing", "errname", "perturb", "both", "nonnumber",
         "extra", "extraout", "nesting", "unsupported_fa", "overanswer", "good"}
mode = sys.argv[1]
assert mode in MODES, mode
ref = subprocess.Popen([os.environ["CREDIT"], "serve"], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, text=True)
first = True
for line in sys.stdin:
    req = json.loads(line)
    ref.stdin.write(line)
    ref.stdin.flush()
    resp = json.loads(ref.stdout.readline())
    out = resp.get("output")
    if mode == "wrongseq":
        resp["seq"] += 1
    elif mode == "shape" and out:
        out["dW"][0] = out["dW"][0][:-1]
    elif mode == "missing" and out:
        del out["db"]
    elif mode == "errname" and resp.get("error") == "size_mismatch":
        resp["error"] = "zero_size"
    elif mode == "perturb" and out:
        out["dW"][0][0][0] += 1e-6
    elif mode == "both" and out:
        resp["error"] = "size_mismatch"
    elif mode == "nonnumber" and out:
        out["db"][0][0] = str(out["db"][0][0])
    elif mode == "extraout" and out:
        key = "dW" if "dW" in out else next(iter(out))
        out[key + "2"] = out[key]
    elif mode == "nesting" and out:
        out["db"][0] = [[v] for v in out["db"][0]]
    elif mode == "extra":
        resp["debug"] = "<b>&'\"</b>"
    elif mode == "unsupported_fa" and req["rule"] == "fa":
        resp = {"seq": req["seq"], "error": "unsupported_rule"}
    sys.stdout.write(json.dumps(resp) + "\n")
    if mode == "overanswer" and first:
        sys.stdout.write(json.dumps(resp) + "\n")
    first = False
    sys.stdout.flush()
