# tests/tests.mk: unit and property tests of ref/ (tests/test_<stem>.c), and
# their runs under ASan/UBSan and valgrind. The tests link GSL for gsl_test
# and gsl_deriv; ref/ never does.

# kp is listed here until RULES holds it (filter-out keeps it once either way).
TEST_STEMS   := common $(filter-out kp,$(RULES)) kp claims
TEST_SRCS    := $(TEST_STEMS:%=tests/test_%.c)
TESTLIB_SRCS := tests/testlib.c
TESTLIB_HDRS := tests/testlib.h tests/align_step.h ref/credit.h
TEST_BINS    := $(TEST_STEMS:%=$(BUILD)/tests/test_%)

# The ASan/UBSan build: ref sources and tests rebuilt from scratch.
ASAN_FLAGS     := $(WARN) -ffp-contract=off -O1 -g -fno-omit-frame-pointer \
                  -fsanitize=address,undefined -fno-sanitize-recover=all
ASAN_REF_OBJS  := $(patsubst ref/%.c,$(BUILD)/asan/ref/%.o,$(REF_SRCS))
ASAN_TEST_BINS := $(TEST_STEMS:%=$(BUILD)/asan/test_%)

VALGRIND := valgrind --error-exitcode=1 --leak-check=full -q

.PHONY: tests tests-build tests-asan tests-valgrind

$(BUILD)/tests/test_%: tests/test_%.c $(TESTLIB_SRCS) $(TESTLIB_HDRS) $(LIBCREDIT)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iref -Itests -o $@ $< $(TESTLIB_SRCS) $(LIBCREDIT) $(GSL_LIBS) -lm

tests-build: $(TEST_BINS)

# Runs every program even after a failure, then fails if any failed.
tests: $(TEST_BINS)
	@fail=0; for t in $(TEST_BINS); do \
		$$t || { echo "FAILED: $$t"; fail=1; }; \
	done; \
	if [ $$fail -ne 0 ]; then echo "tests: FAILED"; exit 1; fi; \
	echo "tests: all $(words $(TEST_BINS)) programs passed"

$(BUILD)/asan/ref/%.o: ref/%.c $(REF_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ASAN_FLAGS) -Iref -c $< -o $@

$(BUILD)/asan/test_%: tests/test_%.c $(TESTLIB_SRCS) $(TESTLIB_HDRS) $(ASAN_REF_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ASAN_FLAGS) -Iref -Itests -o $@ $< $(TESTLIB_SRCS) $(ASAN_REF_OBJS) $(GSL_LIBS) -lm

tests-asan: $(ASAN_TEST_BINS)
	@fail=0; for t in $(ASAN_TEST_BINS); do \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
			$$t || { echo "FAILED: $$t"; fail=1; }; \
	done; \
	if [ $$fail -ne 0 ]; then echo "tests-asan: FAILED"; exit 1; fi; \
	echo "tests-asan: all $(words $(ASAN_TEST_BINS)) programs passed under ASan+UBSan"

tests-valgrind: $(TEST_BINS)
	@fail=0; for t in $(TEST_BINS); do \
		$(VALGRIND) $$t || { echo "FAILED: $$t"; fail=1; }; \
	done; \
	if [ $$fail -ne 0 ]; then echo "tests-valgrind: FAILED"; exit 1; fi; \
	echo "tests-valgrind: all $(words $(TEST_BINS)) programs passed under valgrind"

# Keep the sanitizer objects between runs.
.SECONDARY: $(ASAN_REF_OBJS)

CHECK_STEPS += tests tests-asan tests-valgrind
