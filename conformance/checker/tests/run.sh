#!/bin/bash
# conformance/checker/tests/run.sh: the checker's own tests (`make checker-tests`).
#
# Needs CREDIT (the binary) and PYTHON (/usr/bin/python3 with numpy) in the
# environment; run from the repository root. Every misbehaving adapter runs
# under `timeout 30`, so a hang fails the test instead of blocking it.
# Evidence for PROTO-JUDGE-1..4, PROTO-REF-1/2, PROTO-RSP-3, PROTO-IO-4, and
# VEC-TEST-5 (output fields of any shape, trajectories included, judged
# without rule-specific code).
set -u
CREDIT=${CREDIT:-build/credit}
PYTHON=${PYTHON:-/usr/bin/python3}
export CREDIT
T=conformance/checker/tests
A=$T/adapters
HAND=$T/vectors
WORK=$(mktemp -d "${TMPDIR:-/tmp}/credit-checker-tests.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "checker-tests: FAIL: $*"; }

# The hand-made vectors are regenerated from numpy so that they never drift
# from make_vectors.py.
"$PYTHON" $T/make_vectors.py "$WORK" || { echo "checker-tests: cannot run make_vectors.py"; exit 1; }
for r in bp fa dfa ss; do
	cmp -s "$WORK/$r.json" "$HAND/$r.json" || bad "tests/vectors/$r.json differs from make_vectors.py output"
done

# expect NAME WANT_RC PATTERN... -- COMMAND...: runs COMMAND under timeout 30,
# checks its exit status and that its output matches every PATTERN.
expect() {
	local name=$1 want=$2
	shift 2
	local pats=()
	while [ "$1" != "--" ]; do pats+=("$1"); shift; done
	shift
	local t0=$(date +%s.%N)
	timeout 30 "$@" >"$WORK/out" 2>&1
	local rc=$?
	local secs=$(echo "$(date +%s.%N) - $t0" | bc)
	if [ $rc -ne "$want" ]; then
		bad "$name: exit status $rc, expected $want"
		sed 's/^/    /' "$WORK/out" | head -20
		return
	fi
	for p in "${pats[@]}"; do
		if ! grep -Eq -- "$p" "$WORK/out"; then
			bad "$name: output lacks /$p/"
			sed 's/^/    /' "$WORK/out" | head -20
			return
		fi
	done
	ok
	printf 'checker-tests: ok %-28s rc=%d %5.2fs  %s\n' "$name" "$rc" "$secs" \
		"$(grep -E -m1 -- "${pats[0]}" "$WORK/out" | cut -c1-110)"
}

# The reference, in process and as an adapter, on the hand-made vectors.
expect in-process 0 '^[0-9]+ passed, 0 failed$' 'ACCEPTABLE bp tcId 14 \[ReluTie\]' -- \
	"$CREDIT" check --vectors "$HAND" --junit "$WORK/junit.xml"
"$PYTHON" - "$WORK/junit.xml" <<'PY' && ok || bad "junit.xml of a passing run"
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
suites = r.findall("testsuite")
assert [s.get("name") for s in suites] == ["bp", "fa", "dfa", "ss", "kp", "wm", "align", "sa", "aa", "ia"], suites
assert sum(len(s.findall("testcase")) for s in suites) == 86
assert r.get("failures") == "0"
PY
expect serve-adapter 0 '^86 passed, 0 failed$' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$CREDIT serve"
if ls conformance/vectors/{bp,fa,dfa,ss}.json >/dev/null 2>&1; then
	expect serve-adapter-golden 0 ' passed, 0 failed$' -- \
		"$CREDIT" check --impl "$CREDIT serve"
else
	echo "checker-tests: note: conformance/vectors/*.json not there yet; golden serve run skipped"
fi
expect good-proxy 0 '^86 passed, 0 failed$' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py good"
expect unsupported-rule 0 '^fa: 14 cases, 0 passed, 0 failed, 14 skipped' '^72 passed, 0 failed, 14 skipped$' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py unsupported_fa"
expect all-skipped 1 'no case ran' '^0 passed, 0 failed, 14 skipped$' -- \
	"$CREDIT" check --vectors "$HAND" --rule fa --impl "$PYTHON $A/mutate.py unsupported_fa"
expect one-case 0 '^1 passed, 0 failed$' -- "$CREDIT" check --vectors "$HAND" --rule dfa --case 3
expect no-such-case 1 'no case ran' -- "$CREDIT" check --vectors "$HAND" --rule dfa --case 99

# Misbehaving adapters: each must give exit status 1 and name the case.
expect junk 1 'FAIL bp tcId 1: the response is not JSON' '^0 passed, 86 failed$' -- \
	"$CREDIT" check --vectors "$HAND" --impl "sh $A/junk.sh" --junit "$WORK/junk.xml"
"$PYTHON" -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); assert r.get("failures") == "86"' \
	"$WORK/junk.xml" && ok || bad "junit.xml of a failing run"
expect exit-at-once 1 'FAIL bp tcId 1: the adapter closed its output without answering; the adapter exited with status 3' \
	'FAIL ss tcId 15: adapter unusable since an earlier case' -- \
	"$CREDIT" check --vectors "$HAND" --impl "sh $A/exit.sh"
expect crash 1 'FAIL bp tcId 3: the adapter closed its output .*(signal 11|status 139)' '^2 passed, 84 failed$' -- \
	"$CREDIT" check --vectors "$HAND" --impl "exec sh $A/crash.sh"
expect hang 1 'FAIL bp tcId 1: no response within the timeout of 1 s; the adapter has been killed' \
	'FAIL ss tcId 15: adapter unusable' -- \
	"$CREDIT" check --vectors "$HAND" --impl "sh $A/hang.sh" --timeout 1
expect wrong-seq 1 'FAIL bp tcId 1: the response is for seq 2, the request was seq 1' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py wrongseq"
expect wrong-shape 1 'FAIL bp tcId 1: wrong shape: output.dW\[0\] must be a list of 3 \(got 2\)' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py shape"
expect missing-field 1 'FAIL bp tcId 1: output has no field db' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py missing"
expect wrong-error 1 'FAIL bp tcId 5: expected error "size_mismatch", got error "zero_size"' '^72 passed, 14 failed$' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py errname"
expect wrong-value 1 'FAIL bp tcId 1: dW\[0\]\[0\]\[0\] got .* expected .* tolerance .* ratio' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py perturb"
expect output-and-error 1 'FAIL bp tcId 1: the response holds both output and error' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py both"
expect non-number 1 'FAIL bp tcId 1: db\[0\]\[0\] is not a number \(got a string\)' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py nonnumber"
expect extra-field 1 'FAIL bp tcId 1: the response has an extra field "debug"' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py extra"
expect extra-output-field 1 'FAIL bp tcId 1: output has an extra field "dW2"' '^48 passed, 38 failed$' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py extraout"
expect wrong-nesting 1 'FAIL bp tcId 1: wrong shape: output.db\[0\]\[0\] must be a number \(got a list of 1\)' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py nesting"
expect over-answer 1 'FAIL bp tcId 2: the response is for seq 1, the request was seq 2' -- \
	"$CREDIT" check --vectors "$HAND" --impl "$PYTHON $A/mutate.py overanswer"
expect long-line 1 'FAIL bp tcId 1: response line longer than 67108864 bytes \(PROTO-IO-2\); the adapter has been killed' -- \
	"$CREDIT" check --vectors "$HAND" --rule bp --impl "head -c 70000000 /dev/zero | tr '\\0' x; sleep 100"
expect bad-command 1 'FAIL bp tcId 1: the adapter closed its output without answering; the adapter exited with status 127' -- \
	"$CREDIT" check --vectors "$HAND" --impl "/nonexistent/adapter"

# Bad vector files and usage: exit status 2 with a message naming the file.
mkdir -p "$WORK/corrupt" "$WORK/count"
head -c 3000 "$HAND/bp.json" >"$WORK/corrupt/bp.json"
expect corrupt-vectors 2 "$WORK/corrupt/bp.json: line [0-9]+ column [0-9]+" -- \
	"$CREDIT" check --vectors "$WORK/corrupt" --rule bp
sed 's/"numberOfTests": 14/"numberOfTests": 15/' "$HAND/bp.json" >"$WORK/count/bp.json"
expect wrong-count 2 'numberOfTests does not equal the 14 tests' -- \
	"$CREDIT" check --vectors "$WORK/count" --rule bp

# Output fields of any shape (VEC-TEST-5): a vector file whose outputs are
# trajectories (NOT-STEP-3; W is [k][L][rows][cols]), made-up numbers,
# answered by echo.py, an adapter that knows no rule.
mkdir -p "$WORK/traj"
"$PYTHON" $T/make_traj.py "$WORK/traj" || bad "make_traj.py"
TRAJ="$WORK/traj/kp.json"
expect traj-pass 0 '^kp: 4 cases, 4 passed, 0 failed, worst error 0 of tolerance$' '^4 passed, 0 failed$' -- \
	"$CREDIT" check --vectors "$WORK/traj" --rule kp --impl "$PYTHON $A/echo.py $TRAJ good"
expect traj-value 1 'FAIL kp tcId 1: W\[1\]\[0\]\[2\]\[3\] got .* expected .* tolerance .* ratio' \
	'ACCEPTABLE kp tcId 4 \[ReluTie\]: W\[1\]\[0\]\[2\]\[3\] got' '^3 passed, 1 failed$' -- \
	"$CREDIT" check --vectors "$WORK/traj" --rule kp --impl "$PYTHON $A/echo.py $TRAJ perturb"
expect traj-shape 1 'FAIL kp tcId 1: wrong shape: output.W\[1\]\[0\]\[2\] must be a list of 4 \(got 3\)' \
	'FAIL kp tcId 4: wrong shape' '^2 passed, 2 failed$' -- \
	"$CREDIT" check --vectors "$WORK/traj" --rule kp --impl "$PYTHON $A/echo.py $TRAJ shape"
expect traj-nesting 1 'FAIL kp tcId 1: wrong shape: output.W\[1\]\[0\]\[2\]\[3\] must be a number \(got a list of 1\)' -- \
	"$CREDIT" check --vectors "$WORK/traj" --rule kp --impl "$PYTHON $A/echo.py $TRAJ nesting"
expect traj-missing 1 'FAIL kp tcId 2: output has no field B' '^1 passed, 3 failed$' -- \
	"$CREDIT" check --vectors "$WORK/traj" --rule kp --impl "$PYTHON $A/echo.py $TRAJ missing"
expect traj-extra 1 'FAIL kp tcId 1: output has an extra field "B_next"' -- \
	"$CREDIT" check --vectors "$WORK/traj" --rule kp --impl "$PYTHON $A/echo.py $TRAJ extra"

# badvec NAME FILE PATTERN STATEMENT: FILE (a vector file) with the python
# STATEMENT applied to t, its first test, must be refused with exit status 2
# and a message matching PATTERN that names the file, the test, the field and
# the index.
badvec() {
	local name=$1 src=$2 pat=$3 stmt=$4 rule
	rule=$(basename "$src" .json)
	mkdir -p "$WORK/$name"
	"$PYTHON" - "$src" "$WORK/$name/$rule.json" "$stmt" <<'PY' || bad "$name: cannot write the file"
import json, sys
d = json.load(open(sys.argv[1]))
t = d["testGroups"][0]["tests"][0]
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
	expect "$name" 2 "$name/$rule.json: testGroups\\[0\\].tests\\[0\\] \\(tcId 1\\): $pat" -- \
		"$CREDIT" check --vectors "$WORK/$name" --rule "$rule"
}
P='\(got a list of'
badvec bad-expected-shape "$HAND/fa.json" "gauge.dW\[1\]\[0\] must be a list of 4 like expected.dW\[1\]\[0\] $P 3\)" \
	't["expected"]["dW"][1][0].append(1.0)'
badvec gauge-shape "$HAND/bp.json" "gauge.dW\[0\]\[1\] must be a list of 2 like expected.dW\[0\]\[1\] $P 1\)" \
	't["gauge"]["dW"][0][1] = t["gauge"]["dW"][0][1][:-1]'
badvec traj-gauge-shape "$TRAJ" "gauge.W\[1\]\[0\]\[2\] must be a list of 4 like expected.W\[1\]\[0\]\[2\] $P 3\)" \
	'del t["gauge"]["W"][1][0][2][1]'
badvec traj-gauge-nesting "$TRAJ" "gauge.W\[1\]\[0\]\[2\]\[3\] must be a number like expected.W\[1\]\[0\]\[2\]\[3\] $P 1\)" \
	't["gauge"]["W"][1][0][2][3] = [1.0]'
badvec traj-expected-string "$TRAJ" 'expected.W\[0\]\[1\]\[1\]\[2\] is not a number or a list of numbers \(got a string\)' \
	't["expected"]["W"][0][1][1][2] = "0.5"'
badvec too-deep "$HAND/bp.json" 'expected.loss\[0\]\[0\]\[0\]\[0\]\[0\]\[0\] is a list nested more than 6 deep' \
	't["expected"]["loss"] = t["gauge"]["loss"] = [[[[[[[1.0]]]]]]]'
badvec gauge-negative "$TRAJ" 'gauge.b\[0\]\[0\]\[2\] is not a finite non-negative number' \
	't["gauge"]["b"][0][0][2] = -1.0'
badvec gauge-missing-field "$HAND/bp.json" 'gauge has no field db \(expected has\)' 'del t["gauge"]["db"]'
badvec tolerance-missing-field "$TRAJ" 'tolerance has no field B \(expected has\)' 'del t["tolerance"]["B"]'
badvec expected-extra-field "$HAND/dfa.json" 'gauge has no field dB \(expected has\)' 't["expected"]["dB"] = [1.0]'
badvec gauge-extra-field "$HAND/ss.json" 'gauge has a field "extra" that expected has not' 't["gauge"]["extra"] = 1.0'
badvec tolerance-extra-field "$TRAJ" 'tolerance has a field "W2" that expected has not' 't["tolerance"]["W2"] = 3.0'
badvec tolerance-zero "$TRAJ" 'tolerance.loss is not a positive number' 't["tolerance"]["loss"] = 0'
badvec field-name "$HAND/bp.json" 'expected has a field whose name is not an identifier' \
	'[o.update({"a b": 1.0}) for o in (t["expected"], t["gauge"], t["tolerance"])]'
badvec invalid-with-gauge "$TRAJ" 'an invalid test has no expected, gauge or tolerance' \
	't["result"] = "invalid"; t["error"] = "invalid_parameter"; del t["expected"]'
badvec no-fields "$TRAJ" 'expected must hold 1 to 64 output fields, not 0' \
	't["expected"] = {}; t["gauge"] = {}; t["tolerance"] = {}'

expect missing-file 2 'nothere/bp.json: cannot open' -- "$CREDIT" check --vectors "$WORK/nothere"
expect env-vectors 0 '^14 passed, 0 failed$' -- env CREDIT_VECTORS="$HAND" "$CREDIT" check --rule bp
expect bad-option 2 'unknown option --frobnicate' -- "$CREDIT" check --frobnicate
expect bad-timeout 2 '--timeout 0 is not' -- "$CREDIT" check --timeout 0
expect help 0 'credit check \[--rule R\]' -- "$CREDIT" check --help
expect version 0 '^credit [0-9.]+ \(protocol 1, spec revision' -- "$CREDIT" --version

# credit run on requests built from vector cases reproduces the expected
# outputs within tolerance (judged here in python, independently of credit).
"$PYTHON" - "$HAND" "$CREDIT" <<'PY' && ok || bad "credit run reproduces the vectors"
import json, subprocess, sys
hand, credit = sys.argv[1], sys.argv[2]
u = 2.0 ** -53
n = 0
for rule in ["bp", "fa", "dfa", "ss"]:
    d = json.load(open(f"{hand}/{rule}.json"))
    for g in d["testGroups"]:
        for t in g["tests"]:
            req = {"network": g["network"], "input": t["input"]}
            if "variant" in g:
                req["variant"] = g["variant"]
            p = subprocess.run([credit, "run", "--rule", rule], input=json.dumps(req),
                               capture_output=True, text=True, timeout=30)
            assert p.returncode == 0, (rule, t["tcId"], p.stderr)
            r = json.loads(p.stdout)
            if t["result"] == "invalid":
                assert r == {"error": t["error"]}, (rule, t["tcId"], r)
                continue
            if t["result"] == "acceptable":
                continue
            ex, ga, k = t["expected"], t["gauge"], t["tolerance"]
            out = r["output"]
            def flat(v):
                return [y for x in v for y in flat(x)] if isinstance(v, list) else [v]
            assert sorted(out) == sorted(ex), (rule, t["tcId"], sorted(out))
            for f in ex:
                for got, e, G in zip(flat(out[f]), flat(ex[f]), flat(ga[f]), strict=True):
                    assert abs(got - e) <= k[f] * u * G, (rule, t["tcId"], f, got, e)
            n += 1
assert n == 17, n
PY

# credit run / serve on bad requests.
expect run-not-json 2 'credit run: the request is not JSON' -- sh -c "echo '{oops' | $CREDIT run"
expect run-malformed 0 '"error":"malformed_request"' 'malformed request: input.W\[0\] is not a list of rows' -- \
	sh -c "echo '{\"seq\":4,\"rule\":\"bp\",\"network\":{\"widths\":[1,1],\"activations\":[{\"name\":\"identity\"}],\"loss\":\"mse\"},\"input\":{\"W\":[\"abc\"],\"b\":[[0.0]],\"x\":[[1.0]],\"t\":[[1.0]]}}' | $CREDIT run"
expect run-unsupported 0 '^\{"seq":7,"error":"unsupported_rule"\}$' -- \
	sh -c "echo '{\"seq\":7,\"rule\":\"nosuchrule\"}' | $CREDIT run"
# The reference adapter's reading rules (refadapter.h) on hand-written requests.
NET='"network":{"widths":[2,3,1],"activations":[{"name":"tanh"},{"name":"identity"}],"loss":"mse"}'
IN='"W":[[[0.5,-1.25],[2.0,0.75],[-0.5,1.5]],[[1.0,-2.0,0.25]]],"b":[[0.1,0.0,-0.2],[0.3]],"x":[[1.0,2.0]],"t":[[0.5]]'
runreq() { # NAME WANT REQUEST
	expect "$1" 0 "^\\{\"seq\":1,\"error\":\"$2\"\\}\$" -- sh -c "printf '%s' '$3' | $CREDIT run"
}
runreq fa-missing-B size_mismatch "{\"seq\":1,\"rule\":\"fa\",$NET,\"input\":{$IN}}"
runreq fa-B-transposed size_mismatch "{\"seq\":1,\"rule\":\"fa\",$NET,\"input\":{$IN,\"B\":[[[0.5,-1.0,0.25]]]}}"
runreq fa-B-nan non_finite_input "{\"seq\":1,\"rule\":\"fa\",$NET,\"input\":{$IN,\"B\":[[[0.5],[\"NaN\"],[0.25]]]}}"
runreq ss-both size_mismatch "{\"seq\":1,\"rule\":\"ss\",$NET,\"variant\":\"uSF\",\"input\":{$IN,\"scale\":[0.5],\"M\":[[[1,2,3]]]}}"
runreq ss-variant invalid_parameter "{\"seq\":1,\"rule\":\"ss\",$NET,\"variant\":\"xSF\",\"input\":{$IN,\"scale\":[0.5]}}"
runreq bp-acts-count size_mismatch "{\"seq\":1,\"rule\":\"bp\",\"network\":{\"widths\":[2,3,1],\"activations\":[{\"name\":\"tanh\"}],\"loss\":\"mse\"},\"input\":{$IN}}"
runreq bp-no-slope invalid_parameter '{"seq":1,"rule":"bp","network":{"widths":[1,1],"activations":[{"name":"leaky_relu"}],"loss":"mse"},"input":{"W":[[[2.0]]],"b":[[0.5]],"x":[[1.0]],"t":[[0.0]]}}'
runreq bp-overflow non_finite_result '{"seq":1,"rule":"bp","network":{"widths":[1,1],"activations":[{"name":"identity"}],"loss":"mse"},"input":{"W":[[[1e308]]],"b":[[1e308]],"x":[[10.0]],"t":[[0.0]]}}'

printf '%s\n' 'garbage' '' '[1,2]' '{"seq":3,"rule":"bp"}' "$(head -c 100000 /dev/zero | tr '\0' 'x')" >"$WORK/serve-in"
expect serve-junk 0 '^\{"error":"malformed_request"\}$' '^\{"seq":3,"error":"malformed_request"\}$' -- \
	sh -c "$CREDIT serve <'$WORK/serve-in'"
[ "$(grep -c malformed_request "$WORK/out")" = 4 ] && ok || bad "serve-junk: expected 4 malformed_request answers"

# A NUL byte inside a line is data: two lines in, two answers out.
printf 'a\0b\n{"seq":2,"rule":"nosuchrule"}\n' >"$WORK/nul-in"
expect serve-nul 0 '^\{"seq":2,"error":"unsupported_rule"\}$' -- sh -c "$CREDIT serve <'$WORK/nul-in' 2>/dev/null"
[ "$(wc -l <"$WORK/out")" = 2 ] && ok || bad "serve-nul: expected 2 answers"

echo "checker-tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
