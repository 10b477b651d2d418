# conformance/adapters/adapters.mk: checks the protocol of spec/protocol.md
# from the outside, with two Python adapters (conformance/adapters/python/).
#
#   credit_adapter.py  an independent NumPy implementation of bp, fa, dfa, ss:
#                      `credit check --impl` on it must pass (exit 0);
#   wrong_fa.py        the same with FA's B_l replaced by W_l^T: the full run
#                      must fail (exit 1), `--rule fa` must fail (exit 1) and
#                      `--rule R` must pass (exit 0) for every other rule, so
#                      the failures are shown to be in rule fa only.
#
# The logs are kept under $(BUILD)/adapters/ for reading after a failure.

ADAPTERS_DIR  := conformance/adapters/python
ADAPTERS_OUT  := $(BUILD)/adapters
ADAPTER_GOOD  := $(PYTHON) $(ADAPTERS_DIR)/credit_adapter.py
ADAPTER_WRONG := $(PYTHON) $(ADAPTERS_DIR)/wrong_fa.py

.PHONY: adapters-check

adapters-check: $(CREDIT)
	@mkdir -p $(ADAPTERS_OUT)
	@t0=$$(date +%s.%N); \
	$(CREDIT) check --impl '$(ADAPTER_GOOD)' > $(ADAPTERS_OUT)/good.log 2>&1; rc=$$?; \
	t1=$$(date +%s.%N); \
	if [ $$rc -ne 0 ]; then \
		tail -n 30 $(ADAPTERS_OUT)/good.log; \
		echo "adapters-check: FAIL: credit_adapter.py exited $$rc, expected 0 (log: $(ADAPTERS_OUT)/good.log)"; exit 1; \
	fi; \
	echo "adapters-check: credit_adapter.py passes ($$(awk "BEGIN{printf \"%.1f\", $$t1-$$t0}") s): $$(tail -n 1 $(ADAPTERS_OUT)/good.log)"
	@t0=$$(date +%s.%N); \
	$(CREDIT) check --impl '$(ADAPTER_WRONG)' > $(ADAPTERS_OUT)/wrong_fa.log 2>&1; rc=$$?; \
	t1=$$(date +%s.%N); \
	if [ $$rc -ne 1 ]; then \
		tail -n 30 $(ADAPTERS_OUT)/wrong_fa.log; \
		echo "adapters-check: FAIL: wrong_fa.py exited $$rc, expected 1 (log: $(ADAPTERS_OUT)/wrong_fa.log)"; exit 1; \
	fi; \
	for r in $(RULES); do \
		$(CREDIT) check --rule $$r --impl '$(ADAPTER_WRONG)' > $(ADAPTERS_OUT)/wrong_fa.$$r.log 2>&1; rc=$$?; \
		if [ $$r = fa ]; then want=1; else want=0; fi; \
		if [ $$rc -ne $$want ]; then \
			tail -n 30 $(ADAPTERS_OUT)/wrong_fa.$$r.log; \
			echo "adapters-check: FAIL: wrong_fa.py --rule $$r exited $$rc, expected $$want (log: $(ADAPTERS_OUT)/wrong_fa.$$r.log)"; exit 1; \
		fi; \
	done; \
	echo "adapters-check: wrong_fa.py fails as it must, in rule fa only ($$(awk "BEGIN{printf \"%.1f\", $$t1-$$t0}") s): $$(tail -n 1 $(ADAPTERS_OUT)/wrong_fa.log); $$(grep '^fa:' $(ADAPTERS_OUT)/wrong_fa.fa.log)"

CHECK_STEPS += adapters-check
