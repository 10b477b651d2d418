# conformance/adapters/adapters.mk: checks the protocol of spec/protocol.md
# from the outside, with Python adapters (conformance/adapters/python/).
#
#   credit_adapter.py  an independent NumPy implementation of every rule of
#                      $(RULES): `credit check --impl` on it must pass (exit 0);
#   wrong_fa.py        FA's B_l replaced by W_l^T;
#   wrong_kp.py        KP without the decay of B.
# A wrong adapter must fail the full run (exit 1), fail `--rule R` (exit 1)
# for every rule R listed for it below, and pass `--rule R` (exit 0) for every
# other rule, so that its failures are shown to be where the bug is. KP's step
# is FA's gradient plus an update (KP-STEP-1), so wrong_fa.py also fails kp.
#
# The logs are kept under $(BUILD)/adapters/ for reading after a failure.

ADAPTERS_DIR  := conformance/adapters/python
ADAPTERS_OUT  := $(BUILD)/adapters
ADAPTER_GOOD  := $(PYTHON) $(ADAPTERS_DIR)/credit_adapter.py
# wrong adapter : the rules it must fail
WRONG_ADAPTERS := wrong_fa:fa,kp,wm,sa,aa,ia wrong_kp:kp wrong_wm:wm wrong_align:align,aa,ia,wm

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
	@for spec in $(WRONG_ADAPTERS); do \
		a=$${spec%%:*}; bad=",$${spec#*:},"; \
		cmd="$(PYTHON) $(ADAPTERS_DIR)/$$a.py"; \
		$(CREDIT) check --impl "$$cmd" > $(ADAPTERS_OUT)/$$a.log 2>&1; rc=$$?; \
		if [ $$rc -ne 1 ]; then \
			tail -n 30 $(ADAPTERS_OUT)/$$a.log; \
			echo "adapters-check: FAIL: $$a.py exited $$rc, expected 1 (log: $(ADAPTERS_OUT)/$$a.log)"; exit 1; \
		fi; \
		failed=""; \
		for r in $(RULES); do \
			$(CREDIT) check --rule $$r --impl "$$cmd" > $(ADAPTERS_OUT)/$$a.$$r.log 2>&1; rc=$$?; \
			case $$bad in *,$$r,*) want=1; failed="$$failed $$(grep "^$$r:" $(ADAPTERS_OUT)/$$a.$$r.log);" ;; *) want=0 ;; esac; \
			if [ $$rc -ne $$want ]; then \
				tail -n 30 $(ADAPTERS_OUT)/$$a.$$r.log; \
				echo "adapters-check: FAIL: $$a.py --rule $$r exited $$rc, expected $$want (log: $(ADAPTERS_OUT)/$$a.$$r.log)"; exit 1; \
			fi; \
		done; \
		echo "adapters-check: $$a.py fails as it must, only where its bug is: $$(tail -n 1 $(ADAPTERS_OUT)/$$a.log);$$failed"; \
	done

CHECK_STEPS += adapters-check
