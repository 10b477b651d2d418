# credit: top-level build. `make help` lists the targets.
#
# Each part of the project keeps its rules in a fragment beside its sources
# (ref/ref.mk, conformance/oracle/oracle.mk, ...); this file holds what they
# share and the targets a user runs. Adding a rule means adding its files and
# its stem to RULES.

RULES := bp fa dfa ss kp wm align sa aa ia

CC      ?= gcc
# IEEE semantics are part of the contract: no -ffast-math, no FMA contraction.
WARN    := -std=c99 -pedantic -Wall -Wextra -Wconversion -Wshadow
CFLAGS  := $(WARN) -ffp-contract=off -O2 -g
BUILD   := build
PYTHON  := /usr/bin/python3

GSL_LIBS     = $(shell pkg-config --libs gsl 2>/dev/null)
JANSSON_LIBS = $(shell pkg-config --libs jansson 2>/dev/null)
NETTLE_LIBS  = $(shell pkg-config --libs nettle 2>/dev/null)

# The command-line checker, at a predictable path (README.md).
CREDIT := $(BUILD)/credit

.PHONY: all help setup conformance check vectors vectors-check proofs fuzz coverage clean

all: $(CREDIT)

help:
	@echo 'make conformance   install what is missing, build, check ref/ against every vector'
	@echo 'make check         everything CI runs: tests, sanitizers, valgrind, vectors, adapters,'
	@echo '                   proofs (cached), a short fuzz run, coverage'
	@echo 'make vectors       regenerate conformance/vectors/ from the GSL oracle'
	@echo 'make proofs        Frama-C WP on every function of ref/ (PROOF_CACHE=update to re-prove)'
	@echo 'make fuzz          run every AFL++ target for FUZZ_SECONDS (default 20) seconds'
	@echo 'make coverage      lcov report of ref/ under coverage/html'
	@echo "The checker is $(CREDIT); run '$(CREDIT) --help'."

# Installs the Debian packages that are missing (idempotent; prints what it installs).
setup:
	@bash tools/setup.sh

$(BUILD):
	@mkdir -p $@

include ref/ref.mk
include conformance/oracle/oracle.mk
include conformance/checker/checker.mk
include conformance/adapters/adapters.mk
include tests/tests.mk
include proofs/proofs.mk
include fuzz/fuzz.mk
include coverage/coverage.mk

conformance: setup
	@$(MAKE) --no-print-directory $(CREDIT)
	$(CREDIT) check

# Every fragment appends the targets `make check` runs to CHECK_STEPS; they
# run one after the other, in the order of the includes, and stop at the first
# failure.
check: setup
	@for s in $(CHECK_STEPS); do \
		echo "== make $$s"; \
		$(MAKE) --no-print-directory $$s || exit 1; \
	done
	@echo "make check: all steps passed ($(CHECK_STEPS))"

clean:
	rm -rf $(BUILD)
