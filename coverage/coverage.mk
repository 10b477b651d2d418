# coverage/coverage.mk: line, branch and function coverage of ref/ by the
# tests of tests/ (`make coverage`). ref/ sources are rebuilt with -O0
# --coverage into $(BUILD)/cov/; the report keeps only ref/ files, goes to
# coverage/html/ (git-ignored) with a text summary in coverage/summary.txt,
# and the target fails below COV_MIN_LINES % of lines or COV_MIN_BRANCHES %
# of branches. Coverage is never raised with exclusion markers: code the
# tests cannot reach is reported as a design issue of ref/.

COV_MIN_LINES    := 100
COV_MIN_BRANCHES := 95

COV_DIR      := $(BUILD)/cov
COV_FLAGS    := $(WARN) -ffp-contract=off -O0 -g
COV_REF_OBJS := $(patsubst ref/%.c,$(COV_DIR)/ref/%.o,$(REF_SRCS))
COV_BINS     := $(TEST_STEMS:%=$(COV_DIR)/test_%)
LCOV         := lcov --config-file coverage/lcovrc --quiet
GENHTML      := genhtml --config-file coverage/lcovrc --quiet

.PHONY: coverage coverage-build

$(COV_DIR)/ref/%.o: ref/%.c $(REF_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COV_FLAGS) --coverage -Iref -c $< -o $@

# The tests themselves are not instrumented; they only link gcov's runtime.
$(COV_DIR)/test_%: tests/test_%.c $(TESTLIB_SRCS) $(TESTLIB_HDRS) $(COV_REF_OBJS)
	@mkdir -p $(@D)
	$(CC) $(COV_FLAGS) -Iref -Itests -o $@ $< $(TESTLIB_SRCS) $(COV_REF_OBJS) $(GSL_LIBS) -lgcov -lm

coverage-build: $(COV_BINS)

coverage: $(COV_BINS)
	@rm -f $(COV_DIR)/*.info
	@$(LCOV) --zerocounters --directory $(COV_DIR)/ref
	@$(LCOV) --capture --initial --directory $(COV_DIR)/ref -o $(COV_DIR)/base.info 2>/dev/null
	@for t in $(COV_BINS); do $$t > /dev/null || { echo "coverage: $$t failed"; exit 1; }; done
	@$(LCOV) --capture --directory $(COV_DIR)/ref -o $(COV_DIR)/run.info 2>/dev/null
	@$(LCOV) -a $(COV_DIR)/base.info -a $(COV_DIR)/run.info -o $(COV_DIR)/total.info
	@$(LCOV) --extract $(COV_DIR)/total.info '*/ref/*' -o $(COV_DIR)/ref.info
	@rm -rf coverage/html
	@$(GENHTML) $(COV_DIR)/ref.info --title 'credit ref/ coverage' -o coverage/html
	@{ echo "# make coverage: ref/ covered by the tests of tests/ (lcov 1.16, gcc -O0 --coverage)"; \
	   lcov --config-file coverage/lcovrc --summary $(COV_DIR)/ref.info 2>&1 | grep -E 'lines|functions|branches'; \
	   lcov --config-file coverage/lcovrc --list $(COV_DIR)/ref.info 2>&1 | sed -e '/^\[.*\]$$/d' -e '/^Reading tracefile/d' -e 's|^.*/ref/|ref/|'; \
	 } > coverage/summary.txt
	@# The gate compares the counts, not lcov's rounded percentages.
	@lcov --config-file coverage/lcovrc --summary $(COV_DIR)/ref.info 2>&1 | awk \
	  -v LMIN=$(COV_MIN_LINES) -v BMIN=$(COV_MIN_BRANCHES) \
	  '/lines\.\.\.\.\.\.:/     {gsub("[(]","",$$3); lh=$$3; lt=$$5; lp=$$2} \
	   /functions\.\.:/ {fp=$$2} \
	   /branches\.\.\.:/  {gsub("[(]","",$$3); bh=$$3; bt=$$5; bp=$$2} \
	   END { ok = (lt > 0 && bt > 0 && lh * 100 >= LMIN * lt && bh * 100 >= BMIN * bt); \
	         printf "coverage: ref/ lines %s (%d/%d) functions %s branches %s (%d/%d); need lines >= %s%%, branches >= %s%%: %s\n", \
	                lp, lh, lt, fp, bp, bh, bt, LMIN, BMIN, ok ? "ok" : "FAILED"; \
	         exit !ok }'

# Keep the instrumented objects between runs.
.SECONDARY: $(COV_REF_OBJS)

CHECK_STEPS += coverage
