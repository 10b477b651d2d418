#!/usr/bin/env bash
# Install, idempotently, the Debian 12 packages that credit needs, then configure why3.
# Usage: tools/setup.sh            (as root; with sudo when not root)
# Prints the packages it installs, or nothing to do.
set -eu

packages="gcc make pkg-config libgsl-dev libjansson-dev nettle-dev \
frama-c-base why3 z3 cvc4 \
afl++ clang lld-14 libclang-rt-14-dev \
lcov libjson-xs-perl valgrind \
python3 python3-numpy python3-jsonschema"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

if [ -n "$missing" ]; then
	echo "setup: installing Debian packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Frama-C WP finds provers only through why3's configuration file; without it
# WP stops with "Prover 'z3' not found in why3.conf".
if ! why3 config list-provers 2>/dev/null | grep -q '^Z3'; then
	echo "setup: why3 config detect"
	why3 config detect >/dev/null
fi
