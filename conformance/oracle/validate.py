#!/usr/bin/python3
"""Validate golden-vector files against spec/vectors.schema.json (draft-07).

Usage: validate.py SCHEMA FILE...

Besides the schema it checks the rules of spec/vectors.md that a schema
cannot state: VEC-FILE-2 (numberOfTests), VEC-FILE-3 (every flag explained in
notes), VEC-TEST-1 (tcId numbered from 1 in file order), VEC-TEST-2 (id is the
sha256 of the canonical input, recomputed here with Python's json module as a
second, independent serializer) and VEC-NUM-2 (the non-finite strings only in
tests whose error is non_finite_input, or in a slope of an invalid_parameter
test), VEC-TEST-5 (expected and gauge shaped like W and b) and NOT-TOL-1
(every gauge at least the magnitude of its value). Exits non-zero on the first file with problems, after listing them.

Trajectory rules (kp, wm, sa, aa, ia; spec/notation.md NOT-STEP-*): x and
t (and, for wm, noise) hold one entry per step; expected and gauge hold loss
(k numbers) and W, b, B (k entries, each shaped like the input's W, b, B,
NOT-STEP-3); a hyper-parameter (eta, decay, eta_B, decay_B, alpha, beta,
gamma) may be one of the non-finite strings only in a test whose error is
invalid_parameter; a wm group's variant outside linear, nonlinear, kunin
only in invalid_parameter tests (WM-ERR-1).

The primitives' file (align, spec/rules/align.md ALIGN-OUT-1): expected and
gauge hold the five values and the five gradients d_*, each shaped like the
input's B (n_{l-1} x n_l), every gauge at least the magnitude of its value.
"""
import hashlib
import json
import multiprocessing
import os
import sys

import jsonschema

NONFINITE = {"NaN", "Infinity", "-Infinity"}
# Rules whose tests are trajectories (NOT-STEP-*), and their hyper-parameters.
TRAJECTORY_RULES = {
    "kp": ("eta", "decay"),
    "wm": ("eta", "eta_B", "decay_B", "alpha", "beta"),
    "sa": ("eta", "eta_B", "alpha", "beta"),
    "aa": ("eta", "eta_B", "alpha", "beta"),
    "ia": ("eta", "eta_B", "alpha", "beta", "gamma"),
}
# Per-step arrays besides x and t (NOT-STEP-2).
STEP_ARRAYS = {"wm": ("noise",)}
WM_VARIANTS = ("linear", "nonlinear", "kunin")
ALIGN_PRIMS = ("decay", "self", "amp", "sparse", "null")


def fmt_num(v):
    """A float as VEC-NUM-1 prints it (%.17g, '.0' appended, bare exponent)."""
    s = "%.17g" % v
    if "e" in s:
        mant, exp = s.split("e")
        sign = "-" if exp.startswith("-") else ""
        exp = exp.lstrip("+-").lstrip("0") or "0"
        s = mant + "e" + sign + exp
    if "." not in s and "e" not in s:
        s += ".0"
    return s


def canon(v):
    """Compact, key-sorted JSON text with VEC-NUM-1 numbers (VEC-TEST-2)."""
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k) + ":" + canon(v[k]) for k in sorted(v)) + "}"
    if isinstance(v, list):
        return "[" + ",".join(canon(e) for e in v) + "]"
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return fmt_num(v)
    return json.dumps(v)


def has_nonfinite(v):
    if isinstance(v, list):
        return any(has_nonfinite(e) for e in v)
    if isinstance(v, dict):
        return any(has_nonfinite(e) for e in v.values())
    return isinstance(v, str) and v in NONFINITE


def shape(v):
    """Nested list lengths, e.g. [[2, 3], [1, 2]] for a list of matrices."""
    if isinstance(v, list):
        return [shape(e) for e in v]
    return None


def gauge_problems(e, g):
    """NOT-TOL-1 gauges bound their values: G >= |v| (up to a last-bit
    rounding, never seen in the generated files) in every position."""
    if isinstance(e, list):
        return sum(gauge_problems(a, b) for a, b in zip(e, g))
    return 0 if g >= abs(e) * (1.0 - 2.0 ** -50) and g >= 0 else 1


def check_align(where, t):
    """The checks of check() for a primitives test (ALIGN-OUT-1)."""
    problems = []
    inp = t["input"]
    if has_nonfinite(inp) and t.get("error") != "non_finite_input":
        problems.append("%s: non-finite string outside a non_finite_input test (VEC-NUM-2)" % where)
    if "expected" not in t:
        return problems
    ex, ga = t["expected"], t["gauge"]
    want = shape(inp["B"])
    for p in ALIGN_PRIMS:
        d = "d_" + p
        if shape(ex[d]) != want or shape(ga[d]) != want:
            problems.append("%s: %s of expected or gauge is not shaped like input B (ALIGN-OUT-1)" % (where, d))
            return problems
    n_bad = sum(gauge_problems(ex[f], ga[f]) for p in ALIGN_PRIMS for f in (p, "d_" + p))
    if n_bad:
        problems.append("%s: %d gauge(s) smaller than |expected| (NOT-TOL-1)" % (where, n_bad))
    return problems


def check_trajectory(where, hyper, steps, t):
    """The checks of check() for a trajectory test (NOT-STEP-2/3)."""
    problems = []
    inp = t["input"]
    arrays = {k: v for k, v in inp.items() if k not in hyper}
    if has_nonfinite(arrays) and t.get("error") != "non_finite_input":
        problems.append("%s: non-finite string outside a non_finite_input test (VEC-NUM-2)" % where)
    if any(isinstance(inp.get(h), str) for h in hyper) and t.get("error") != "invalid_parameter":
        problems.append("%s: non-finite hyper-parameter outside an invalid_parameter test" % where)
    if "expected" not in t:
        return problems
    ex, ga = t["expected"], t["gauge"]
    k = len(inp["x"])
    if len(inp["t"]) != k or k == 0 or any(len(inp[a]) != k for a in steps):
        problems.append("%s: a valid trajectory needs as many steps in t (and every per-step array) as in x, at least one (NOT-STEP-2)" % where)
        return problems
    for f in ("loss", "W", "b", "B"):
        if len(ex[f]) != k or len(ga[f]) != k:
            problems.append("%s: expected or gauge %s does not have one entry per step (NOT-STEP-3)" % (where, f))
            return problems
    for f in ("W", "b", "B"):
        want = shape(inp[f])
        if any(shape(e) != want for e in ex[f]) or any(shape(e) != want for e in ga[f]):
            problems.append("%s: an entry of expected or gauge %s is not shaped like input %s (NOT-STEP-3)" % (where, f, f))
            return problems
    n_bad = sum(gauge_problems(ex[f], ga[f]) for f in ("loss", "W", "b", "B"))
    if n_bad:
        problems.append("%s: %d gauge(s) smaller than |expected| (NOT-TOL-1)" % (where, n_bad))
    return problems


def check(doc):
    problems = []
    flags_used = set()
    n = 0
    for group in doc.get("testGroups", []):
        net = group["network"]
        slope_strings = any(isinstance(a.get("slope"), str) for a in net.get("activations", []))
        for t in group["tests"]:
            n += 1
            where = "tcId %s" % t.get("tcId")
            if t["tcId"] != n:
                problems.append("%s: expected tcId %d (VEC-TEST-1)" % (where, n))
            flags_used.update(t["flags"])
            c = {"rule": doc["rule"], "network": net, "input": t["input"]}
            if "variant" in group:
                c["variant"] = group["variant"]
            want = "sha256:" + hashlib.sha256(canon(c).encode()).hexdigest()
            if t["id"] != want:
                problems.append("%s: id is not the hash of the canonical input (VEC-TEST-2)" % where)
            if doc["rule"] == "align":
                problems.extend(check_align(where, t))
                continue
            if doc["rule"] == "wm" and group.get("variant") not in WM_VARIANTS and t.get("error") != "invalid_parameter":
                problems.append("%s: unknown wm variant %r outside an invalid_parameter test (WM-ERR-1)" % (where, group.get("variant")))
            hyper = TRAJECTORY_RULES.get(doc["rule"])
            if hyper is not None:
                problems.extend(check_trajectory(where, hyper, STEP_ARRAYS.get(doc["rule"], ()), t))
                if slope_strings and t.get("error") != "invalid_parameter":
                    problems.append("%s: non-finite slope outside an invalid_parameter test" % where)
                continue
            if has_nonfinite(t["input"]) and t.get("error") != "non_finite_input":
                problems.append("%s: non-finite string outside a non_finite_input test (VEC-NUM-2)" % where)
            if "expected" in t:
                inp, ex, ga = t["input"], t["expected"], t["gauge"]
                for k, ref in (("dW", "W"), ("db", "b")):
                    if shape(ex[k]) != shape(inp[ref]) or shape(ga[k]) != shape(inp[ref]):
                        problems.append("%s: %s of expected or gauge is not shaped like input %s (VEC-TEST-5)" % (where, k, ref))
                        break
                else:
                    n_bad = sum(gauge_problems(ex[k], ga[k]) for k in ("loss", "dW", "db"))
                    if n_bad:
                        problems.append("%s: %d gauge(s) smaller than |expected| (NOT-TOL-1)" % (where, n_bad))
            if slope_strings and t.get("error") != "invalid_parameter":
                problems.append("%s: non-finite slope outside an invalid_parameter test" % where)
    if doc.get("numberOfTests") != n:
        problems.append("numberOfTests is %s, the file has %d tests (VEC-FILE-2)" % (doc.get("numberOfTests"), n))
    for f in sorted(flags_used - set(doc.get("notes", {}))):
        problems.append("flag %s is not explained in notes (VEC-FILE-3)" % f)
    return problems


def validate_file(args):
    """(problems, numberOfTests) of one file against the schema."""
    schema, path = args
    validator = jsonschema.Draft7Validator(schema)
    with open(path) as f:
        doc = json.load(f)
    problems = ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)", e.message)
                for e in validator.iter_errors(doc)]
    if not problems:
        problems = check(doc)
    return problems, doc.get("numberOfTests")


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    paths = argv[2:]
    jobs = [(schema, p) for p in paths]
    # The files are independent: check them on every core (the results are
    # reported in the order of the arguments either way).
    workers = min(len(paths), os.cpu_count() or 1)
    if workers > 1:
        with multiprocessing.Pool(workers) as pool:
            results = pool.map(validate_file, jobs, chunksize=1)
    else:
        results = [validate_file(j) for j in jobs]
    total = 0
    for path, (problems, n_tests) in zip(paths, results):
        if problems:
            for p in problems[:20]:
                print("%s: %s" % (path, p))
            print("%s: %d problem(s)" % (path, len(problems)))
            return 1
        total += n_tests
    print("validate.py: %d files, %d tests valid against %s" % (len(argv) - 2, total, argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
