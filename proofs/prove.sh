#!/bin/sh
# proofs/prove.sh FILE.c MODE: runs Frama-C WP on one file of ref/ and writes
# proofs/results/FILE.txt ("FILE.c proved/total"). MODE is a -wp-cache mode:
# offline (replay the committed cache, never run a prover) or update.
# Exit status 0 when every goal is proved. Flags: proofs/README.md.
set -u
f=$1
mode=$2
out=${BUILD:-build}/proofs
mkdir -p "$out" proofs/results
# WP resolves provers through why3.conf even when it only replays the cache.
[ -f "$HOME/.why3.conf" ] || why3 config detect >/dev/null 2>&1
frama-c \
	-cpp-extra-args="-include proofs/math_model.h -Iref" \
	-wp -wp-rte -warn-special-float none \
	-warn-unsigned-overflow -warn-unsigned-downcast \
	-wp-prover z3,cvc4 -wp-timeout 10 -wp-par 8 \
	-wp-cache "$mode" -wp-cache-dir proofs/wp-cache \
	-wp-report-json "$out/$f.json" \
	"ref/$f" >"$out/$f.log" 2>&1
rc=$?
res=$(/usr/bin/python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))["wp:global"]["wp:main"]
    print(d.get("valid", 0), d.get("total", 0))
except Exception:
    print(0, 0)
' "$out/$f.json" 2>/dev/null)
set -- $res
echo "$f $1/$2" >proofs/results/${f%.c}.txt
if [ "$rc" -ne 0 ] || [ "$2" -eq 0 ] || [ "$1" -ne "$2" ]; then
	echo "proofs: $f: $1/$2 goals proved (frama-c exit $rc); log: $out/$f.log" >&2
	grep -E '^\[wp\] \[(Failed|Unknown|Timeout|Cache)' "$out/$f.log" | head -20 >&2
	exit 1
fi
