#!/bin/sh
# Misbehaving adapter: answers two requests correctly (through `credit run`),
# then kills itself with SIGSEGV in the middle of the run.
n=0
while IFS= read -r line; do
	n=$((n + 1))
	if [ "$n" -ge 3 ]; then
		kill -SEGV $$
	fi
	printf '%s\n' "$line" | "$CREDIT" run
done
