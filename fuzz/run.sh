#!/bin/bash
# fuzz/run.sh: runs afl-fuzz on each named target (vectors, response, bp, ...)
# for FUZZ_SECONDS seconds, replays its queue through the ASan/UBSan replay
# binary, prints execs, exec/s, corpus size, crashes and hangs, and fails when
# any target saved a crash or a hang (afl-fuzz itself exits 0 even then).
# Called by `make fuzz` (fuzz/fuzz.mk) with FZ, FUZZ_SECONDS, FUZZ_FLAVOR set.
set -u
FZ=${FZ:-build/fuzz}
SECS=${FUZZ_SECONDS:-20}
FLAVOR=${FUZZ_FLAVOR:-afl}
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_FAST_CAL=1 AFL_CMPLOG_ONLY_NEW=1
# Other jobs (make -j, other fuzzers) may hold the cores: do not bind.
export AFL_NO_AFFINITY=1
# A machine whose kernel pipes core dumps to a helper (core_pattern starting
# with '|') makes afl-fuzz refuse to start; crashes are still seen through
# the target's exit signal, so the check is only about lost core files.
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
bad=0
printf '%-14s %10s %9s %7s %8s %6s\n' target execs exec/s corpus crashes hangs
for t in "$@"; do
	name=fuzz_$t
	out=$FZ/out/$name
	rm -rf "$out"
	mkdir -p "$out"
	args=(-i "fuzz/seeds/$name" -o "$out" -V "$SECS")
	case $t in vectors|response|request) args+=(-x fuzz/dicts/json.dict) ;; esac
	# CMPLOG companion only for the plain persistent build.
	[ "$FLAVOR" = afl ] && args+=(-c "$FZ/cmplog/$name")
	if ! afl-fuzz "${args[@]}" -- "$FZ/$FLAVOR/$name" >"$out/afl-fuzz.log" 2>&1; then
		tail -n 20 "$out/afl-fuzz.log"
		echo "fuzz: afl-fuzz could not run $name (log $out/afl-fuzz.log)"
		bad=1
		continue
	fi
	st=$out/default/fuzzer_stats
	get() { awk -v k="$1" '$1 == k {print $3}' "$st"; }
	crashes=$(get saved_crashes)
	hangs=$(get saved_hangs)
	printf '%-14s %10s %9s %7s %8s %6s\n' "$name" "$(get execs_done)" "$(get execs_per_sec)" \
		"$(get corpus_count)" "$crashes" "$hangs"
	if [ "${crashes:-1}" != 0 ] || [ "${hangs:-1}" != 0 ]; then
		bad=1
		echo "  findings in $out/default/crashes and $out/default/hangs:"
		ls "$out/default/crashes" "$out/default/hangs" 2>/dev/null | grep -v README | sed 's/^/    /'
		echo "  reproduce: $FZ/replay/$name $out/default/crashes/id:*"
		echo "  keep: cp the input to fuzz/regressions/$name/ (fuzz/README.md)"
	fi
	# The queue through ASan/UBSan: memory errors the fast build cannot see.
	if ! "$FZ/replay/$name" "$out/default/queue" >"$out/replay.log" 2>&1; then
		tail -n 30 "$out/replay.log"
		echo "  the ASan/UBSan replay of the queue of $name failed (log $out/replay.log)"
		bad=1
	fi
done
if [ $bad != 0 ]; then
	echo "fuzz: FAILED (a target crashed, hung or could not run)"
	exit 1
fi
echo "fuzz: $# targets, ${SECS}s each, no crash, no hang; queues replayed under ASan/UBSan"
