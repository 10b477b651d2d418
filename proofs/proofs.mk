# proofs/proofs.mk: Frama-C WP on every function of ref/ (proofs/README.md).
#
#   make proofs                       replay proofs/wp-cache, never run a prover
#                                     (PROOF_CACHE=offline: a cache miss is an
#                                     unproved goal; deterministic, for CI)
#   make proofs PROOF_CACHE=update    run z3 and cvc4 where the cache misses and
#                                     store their answers in proofs/wp-cache
#   make proofs PROOF_CACHE=none      cold run, no cache (timing)
#
# Per-file results go to proofs/results/<file>.txt; the target fails when any
# goal of any file is unproved.

PROOF_CACHE ?= offline
# Files annotated but not yet fully proved are listed in PROOF_PENDING: they
# stay out of the gate and `make proofs-pending` runs them. Empty: every file
# of ref/ is in the gate (net.c joined it once it proved, proofs/README.md).
PROOF_PENDING :=
PROOF_SRCS  := $(filter-out $(PROOF_PENDING),$(notdir $(wildcard ref/*.c)))

.PHONY: proofs proofs-replay
proofs:
	@fail=0; for f in $(PROOF_SRCS); do \
		BUILD=$(BUILD) sh proofs/prove.sh $$f $(PROOF_CACHE) || fail=1; \
	done; \
	printf '%-10s %s\n' file proved/total; \
	cat $(addprefix proofs/results/,$(PROOF_SRCS:.c=.txt)) | \
		awk '{ split($$2, a, "/"); p += a[1]; t += a[2]; printf "%-10s %s\n", $$1, $$2 } \
		     END { printf "%-10s %d/%d\n", "total", p, t }'; \
	if [ $$fail -ne 0 ]; then echo "make proofs: FAILED (unproved goals above)"; exit 1; fi; \
	echo "make proofs: every goal proved (cache: $(PROOF_CACHE))"

.PHONY: proofs-pending
proofs-pending:
	@if [ -z "$(strip $(PROOF_PENDING))" ]; then echo "proofs-pending: no pending file"; fi
	@for f in $(PROOF_PENDING); do BUILD=$(BUILD) sh proofs/prove.sh $$f update; done

# What `make check` runs: the offline replay.
proofs-replay:
	@$(MAKE) --no-print-directory proofs PROOF_CACHE=offline

CHECK_STEPS += proofs-replay
