# conformance/checker/checker.mk: the command-line checker $(CREDIT)
# (spec/protocol.md, spec/vectors.md). C99, linked with ref/ and jansson.
#
# CHECKER_LIB_OBJ are the modules without main.o (vectors, response,
# refadapter, impl, junit), for fuzz targets that call the parsers directly.

CHECKER_DIR     := conformance/checker
CHECKER_SRC     := $(wildcard $(CHECKER_DIR)/*.c)
CHECKER_OBJ     := $(patsubst $(CHECKER_DIR)/%.c,$(BUILD)/checker/%.o,$(CHECKER_SRC))
CHECKER_LIB_OBJ := $(filter-out $(BUILD)/checker/main.o,$(CHECKER_OBJ))
CHECKER_CFLAGS   = $(shell pkg-config --cflags jansson 2>/dev/null)

$(BUILD)/checker/%.o: $(CHECKER_DIR)/%.c $(wildcard $(CHECKER_DIR)/*.h) ref/credit.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHECKER_CFLAGS) -c $< -o $@

$(CREDIT): $(CHECKER_OBJ) $(LIBCREDIT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(CHECKER_OBJ) $(LIBCREDIT) $(JANSSON_LIBS) -lm

.PHONY: conformance-check checker-tests

# The reference against every golden vector, in process.
conformance-check: $(CREDIT)
	$(CREDIT) check

# The checker's own tests: the reference as an adapter, misbehaving adapters,
# a corrupt vector file, `credit run` (conformance/checker/tests/run.sh).
checker-tests: $(CREDIT)
	@CREDIT=$(CREDIT) PYTHON=$(PYTHON) bash $(CHECKER_DIR)/tests/run.sh

CHECK_STEPS += conformance-check checker-tests
