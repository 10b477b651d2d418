# fuzz/fuzz.mk: the AFL++ fuzz targets (fuzz/README.md).
#
# Every target fuzz_<name> (fuzz/fuzz_<name>.c, one LLVMFuzzerTestOneInput)
# is built four ways under $(BUILD)/fuzz/<flavor>/, each from the sources of
# ref/, the oracle and the checker compiled with that flavor's compiler (the
# gcc-built libraries are not instrumented):
#   afl     afl-clang-fast -fsanitize=fuzzer: AFL++ persistent mode (libAFLDriver)
#   cmplog  the same with AFL_LLVM_CMPLOG=1, the -c companion of afl-fuzz
#   asan    AFL_USE_ASAN=1 AFL_USE_UBSAN=1 afl-clang-fast -fsanitize=fuzzer
#   replay  clang -fsanitize=address,undefined with fuzz/replay_main.c: runs
#           the files (or directories) named as arguments, for regressions
#
#   make fuzz [FUZZ_SECONDS=20] [FUZZ_FLAVOR=afl|asan] [FUZZ_TARGETS='bp ss']
#   make fuzz-replay   seeds and fuzz/regressions/ through the replay binaries
#   make fuzz-short    make fuzz with FUZZ_SECONDS=10 (part of make check)

FUZZ_SECONDS ?= 20
FUZZ_FLAVOR  ?= afl
FUZZ_TARGETS ?= vectors response request $(RULES)
FZ           := $(BUILD)/fuzz

# The three checker modules the parser targets call (no main, impl, junit).
FUZZ_CK_SRCS  := conformance/checker/vectors.c conformance/checker/response.c \
                 conformance/checker/refadapter.c
FUZZ_NET_SRCS := conformance/oracle/oracle.c conformance/oracle/kp.c conformance/oracle/align.c \
                 conformance/oracle/wm.c fuzz/fuzz_net.c
FUZZ_HDRS     := $(wildcard ref/*.h conformance/oracle/*.h conformance/checker/*.h fuzz/*.h)
FUZZ_CFLAGS    = $(WARN) -ffp-contract=off -g -Iref $(shell pkg-config --cflags jansson gsl 2>/dev/null)

FZ_CC_afl     := AFL_QUIET=1 afl-clang-fast
FZ_CC_cmplog  := AFL_QUIET=1 AFL_LLVM_CMPLOG=1 afl-clang-fast
FZ_CC_asan    := AFL_QUIET=1 AFL_USE_ASAN=1 AFL_USE_UBSAN=1 afl-clang-fast
FZ_CC_replay  := clang
FZ_OPT_afl    := -O2
FZ_OPT_cmplog := -O2
FZ_OPT_asan   := -O1
FZ_OPT_replay := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
FZ_LINK_afl    := -fsanitize=fuzzer
FZ_LINK_cmplog := -fsanitize=fuzzer
FZ_LINK_asan   := -fsanitize=fuzzer
FZ_LINK_replay :=
FZ_MAIN_replay := fuzz/replay_main.c

# fuzz_sources(name): the sources of target fuzz_<name>.
fuzz_sources = fuzz/fuzz_$(1).c $(REF_SRCS) \
	$(if $(filter $(1),$(RULES)),$(FUZZ_NET_SRCS),$(FUZZ_CK_SRCS))
fuzz_libs = $(if $(filter $(1),$(RULES)),$(GSL_LIBS),$(JANSSON_LIBS)) -lm

define FUZZ_FLAVOR_RULES
$(FZ)/$(1)/obj/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $$(@D)
	@$(FZ_CC_$(1)) $$(FUZZ_CFLAGS) $(FZ_OPT_$(1)) -c $$< -o $$@
endef
$(foreach f,afl cmplog asan replay,$(eval $(call FUZZ_FLAVOR_RULES,$(f))))

define FUZZ_BIN_RULES
$(FZ)/$(2)/fuzz_$(1): $(patsubst %.c,$(FZ)/$(2)/obj/%.o,$(call fuzz_sources,$(1)) $(FZ_MAIN_$(2)))
	@$(FZ_CC_$(2)) $(FZ_OPT_$(2)) $(FZ_LINK_$(2)) $$^ -o $$@ $$(call fuzz_libs,$(1))
endef
$(foreach f,afl cmplog asan replay,$(foreach t,vectors response request $(RULES),\
	$(eval $(call FUZZ_BIN_RULES,$(t),$(f)))))

FUZZ_ALL_BINS := $(foreach f,afl cmplog asan replay,$(foreach t,vectors response request $(RULES),$(FZ)/$(f)/fuzz_$(t)))

.PHONY: fuzz fuzz-build fuzz-replay fuzz-short

fuzz-build: $(FUZZ_ALL_BINS)
	@echo "fuzz-build: $(words $(FUZZ_ALL_BINS)) binaries under $(FZ)/{afl,cmplog,asan,replay}"

fuzz: fuzz-build
	@FZ=$(FZ) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_FLAVOR=$(FUZZ_FLAVOR) \
	 bash fuzz/run.sh $(FUZZ_TARGETS)

# Every seed and every saved regression input through the ASan/UBSan replay
# binaries (milliseconds); any finding aborts the binary and fails the step.
fuzz-replay: $(foreach t,vectors response request $(RULES),$(FZ)/replay/fuzz_$(t))
	@n=0; for t in vectors response request $(RULES); do \
		dirs="fuzz/seeds/fuzz_$$t"; \
		[ -d fuzz/regressions/fuzz_$$t ] && dirs="$$dirs fuzz/regressions/fuzz_$$t"; \
		if ! $(FZ)/replay/fuzz_$$t $$dirs >$(FZ)/replay/fuzz_$$t.log 2>&1; then \
			tail -n 40 $(FZ)/replay/fuzz_$$t.log; \
			echo "fuzz-replay: FAILED on fuzz_$$t (log $(FZ)/replay/fuzz_$$t.log)"; exit 1; \
		fi; \
		n=$$((n + $$(grep -c '^replay ' $(FZ)/replay/fuzz_$$t.log))); \
	done; \
	echo "fuzz-replay: $$n inputs (seeds and regressions) replayed under ASan/UBSan, no finding"

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10

CHECK_STEPS += fuzz-replay fuzz-short
