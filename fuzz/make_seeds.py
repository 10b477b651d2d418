#!/usr/bin/python3
"""fuzz/make_seeds.py: writes the committed seed corpora fuzz/seeds/<target>/.

Run from the repository root: /usr/bin/python3 fuzz/make_seeds.py. Seeds are
small: vector files are cut to one group and at most two tests each (a few KB),
requests are built from those tests as PROTO-REQ-1 says, and the network
targets get byte strings in the layout documented in fuzz/fuzz_net.c.
"""
import glob
import json
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")


def put(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=False)


# Vector files: the committed golden vectors, cut to one test per group and
# at most 12 groups per file (the smallest, all results represented), and the
# checker's self-test vectors (they hold invalid and acceptable cases).
golden = sorted(glob.glob(os.path.join(ROOT, "conformance", "vectors", "*.json")))
selftest = sorted(glob.glob(os.path.join(ROOT, "conformance", "checker", "tests", "vectors", "*.json")))
nreq = 0
for src, paths in (("gold", golden), ("self", selftest)):
    for path in paths:
        doc = json.load(open(path))
        stem = os.path.splitext(os.path.basename(path))[0]
        cuts = []
        for gi, g in enumerate(doc["testGroups"]):
            for t in g["tests"]:
                g2 = dict(g)
                t2 = dict(t)
                t2["tcId"] = 1
                g2["tests"] = [t2]
                d2 = dict(doc)
                d2["testGroups"] = [g2]
                d2["numberOfTests"] = 1
                cuts.append((len(compact(d2)), t["result"], gi, d2, g, t2))
        cuts.sort(key=lambda c: c[0])
        chosen, seen = [], set()
        for c in cuts:          # the smallest case of each result first
            if c[1] not in seen and c[0] <= 5000:
                seen.add(c[1])
                chosen.append(c)
        for c in cuts:          # then the smallest of other groups
            if len(chosen) >= 12 or c[0] > 5000:
                break
            if all(c[2] != o[2] for o in chosen):
                chosen.append(c)
        for size, res, gi, d2, g, t in chosen:
            put("fuzz_vectors", "%s_%s_g%d.json" % (src, stem, gi), compact(d2))
            nreq += 1
            req = {"protocol": 1, "seq": nreq, "rule": doc["rule"], "tcId": t["tcId"],
                   "network": g["network"]}
            if "variant" in g:
                req["variant"] = g["variant"]
            req["input"] = t["input"]
            put("fuzz_request", "%s_%s_g%d.jsonl" % (src, stem, gi), compact(req))

# Responses to the fixed cases of fuzz_response.c: byte 0 chooses the case.
put("fuzz_response", "valid_exact", b"\x00" + b'{"seq":1,"output":{"loss":1.7112499999999999,'
    b'"dW":[[[-1.8500000000000001,-3.7000000000000002]]],"db":[[-1.8500000000000001]]}}')
put("fuzz_response", "valid_wrong", b"\x00" + b'{"seq":1,"output":{"loss":1.7,"dW":[[[-1.85,-3.7]]],"db":[[-1.9]]}}')
put("fuzz_response", "valid_error", b"\x00" + b'{"seq":1,"error":"size_mismatch"}')
put("fuzz_response", "invalid_right", b"\x01" + b'{"seq":1,"error":"size_mismatch"}')
put("fuzz_response", "invalid_wrong", b"\x01" + b'{"seq":1,"error":"zero_size"}')
put("fuzz_response", "unsupported", b"\x01" + b'{"seq":1,"error":"unsupported_rule"}')
put("fuzz_response", "acceptable", b"\x02" + b'{"seq":1,"output":{"loss":0.125,"dW":[[[-0.5,-1.0]]],"db":[[0.0]]}}')
put("fuzz_response", "junk", b"\x00" + b'{"seq":2,"output":{"loss":"NaN"},"extra":[1e999]}')
# Byte 3: the trajectory case (NOT-STEP-3) of fuzz_response.c.
put("fuzz_response", "traj_exact", b"\x03" + b'{"seq":1,"output":{"loss":[1.7112499999999999,0.34],'
    b'"W":[[[[0.73,-0.79]]],[[[0.61,-0.83]]]],"b":[[[0.33]],[[0.27]]],"B":[[],[]]}}')
put("fuzz_response", "traj_wrong", b"\x03" + b'{"seq":1,"output":{"loss":[1.71125,0.34],'
    b'"W":[[[[0.73,-0.79]]],[[[0.61,-0.8300001]]]],"b":[[[0.33]],[[0.27]]],"B":[[],[[]]]}}')

# A vector file whose outputs are trajectories (the embedded file of
# fuzz_response.c), until conformance/vectors/ holds one.
put("fuzz_vectors", "traj_kp.json", compact({
    "formatVersion": 1, "rule": "kp", "numberOfTests": 2, "unitRoundoff": 2.0 ** -53,
    "testGroups": [{"network": {"widths": [2, 1], "activations": [{"name": "identity"}], "loss": "mse"},
                    "tests": [{"tcId": 1, "id": "sha256:04", "flags": [],
                               "input": {"W": [[[0.5, -1.25]]], "b": [[0.1]], "B": [], "eta": 0.125,
                                         "decay": 0.0625, "x": [[[1.0, 2.0]], [[-1.0, 0.5]]],
                                         "t": [[[0.5]], [[0.25]]]},
                               "result": "valid",
                               "expected": {"loss": [1.71125, 0.34], "W": [[[[0.73, -0.79]]], [[[0.61, -0.83]]]],
                                            "b": [[[0.33]], [[0.27]]], "B": [[], []]},
                               "gauge": {"loss": [6.0, 2.5], "W": [[[[4.0, 8.0]]], [[[9.0, 17.0]]]],
                                         "b": [[[3.5]], [[7.0]]], "B": [[], []]},
                               "tolerance": {"loss": 90.0, "W": 130.0, "b": 130.0, "B": 130.0}},
                              {"tcId": 2, "id": "sha256:05", "flags": ["InvalidParameter"],
                               "input": {"W": [[[0.5, -1.25]]], "b": [[0.1]], "B": [], "eta": -1.0,
                                         "decay": 0.0625, "x": [[[1.0, 2.0]]], "t": [[[0.5]]]},
                               "result": "invalid", "error": "invalid_parameter"}]}]}))

# Network targets (layout in fuzz/fuzz_net.c). The values come from the
# filler when the input ends, so a header alone is a complete case.
def width(n):
    return 0x44 + (n - 1)


def batch(n):
    return 0x42 + (n - 1)


def ordinary(v):
    k = int(round(v * 3000.0)) + 32768
    return bytes([k >> 8, k & 0xFF])


def header(widths, acts, loss, n, form=None):
    b = bytes([len(widths) - 1]) + bytes(width(w) for w in widths) + bytes([batch(n)])
    b += bytes(acts) + bytes([loss, 0x80])
    if form is not None:
        b += bytes([form])
    return b


nets = [
    ([2, 3, 1], [1, 0], 0, 2),          # tanh, identity, mse
    ([3, 4, 2], [3, 0], 1, 3),          # relu, identity, softmax_ce
    ([2, 3, 3, 2], [2, 4, 0], 0, 1),    # logistic, leaky_relu, identity
    ([4, 2], [0], 1, 2),                # depth 1
    ([1, 1, 1, 1, 1, 1, 1], [1, 2, 3, 4, 1, 0], 0, 1),  # depth 6, width 1
]
for rule in ("bp", "fa", "dfa", "ss"):
    forms = [0x02, 0x12] if rule == "ss" else [None]
    for i, (w, a, loss, n) in enumerate(nets):
        for form in forms:
            h = header(w, a, loss, n, form)
            # A leaky layer's slope is the first value.
            if 4 in a:
                h += ordinary(0.125)
            put("fuzz_" + rule, "net%d%s" % (i, "" if form is None else "_f%x" % form), h)
    # Edge values: NaN input, a huge weight, a zero width.
    put("fuzz_" + rule, "nan", header([2, 2], [0], 0, 1, 0x02 if rule == "ss" else None)
        + b"\xfd\x00")
    put("fuzz_" + rule, "huge", header([2, 2], [1], 0, 1, 0x02 if rule == "ss" else None)
        + b"\xff" + struct.pack("<d", 1e300))
    put("fuzz_" + rule, "zero", bytes([1, 0x40, width(2), batch(1), 0, 0, 0x80]))
