# conformance/oracle/oracle.mk: the GSL oracle and the golden vectors
# (spec/vectors.md). Included by the top-level Makefile.
#
#   make build/credit-oracle   the generator (GSL, jansson, nettle; never ref/)
#   make vectors               regenerate conformance/vectors/ in place
#   make vectors-check         (part of `make check`) a fresh run must be
#                              byte-identical to the committed files, their
#                              SHA256SUMS must hold, and every file must be
#                              valid against spec/vectors.schema.json

ORACLE_DIR     := conformance/oracle
ORACLE_SRC     := $(ORACLE_DIR)/oracle.c $(ORACLE_DIR)/kp.c $(ORACLE_DIR)/align.c $(ORACLE_DIR)/wm.c \
                  $(ORACLE_DIR)/fd.c $(ORACLE_DIR)/ldcheck.c \
                  $(ORACLE_DIR)/gen.c $(ORACLE_DIR)/gen_kp.c $(ORACLE_DIR)/gen_fbl.c $(ORACLE_DIR)/gen_align.c
ORACLE_BIN     := $(BUILD)/credit-oracle
VECTORS_DIR    := conformance/vectors
VECTORS_FRESH  := $(BUILD)/vectors-fresh
# The oracle writes a file for every rule of RULES and for the rules whose
# checker and ref/ support are still being written (kp, wm, sa, aa, ia and
# the primitives' file align): they are not in RULES yet (RULES also drives
# the checker, tests, fuzz targets and adapters), so they are added here; a
# rule that joins RULES drops out of this list by itself.
ORACLE_EXTRA   := kp wm align sa aa ia
ORACLE_RULES   := $(RULES) $(filter-out $(RULES),$(ORACLE_EXTRA))
VECTORS_FILES  := $(addsuffix .json,$(ORACLE_RULES)) SHA256SUMS
VECTORS_SCHEMA := spec/vectors.schema.json

$(ORACLE_BIN): $(ORACLE_SRC) $(ORACLE_DIR)/oracle.h $(ORACLE_DIR)/gen.h $(ORACLE_DIR)/oracle.mk | $(BUILD)
	$(CC) $(CFLAGS) -o $@ $(ORACLE_SRC) $(GSL_LIBS) $(JANSSON_LIBS) $(NETTLE_LIBS)

vectors: $(ORACLE_BIN)
	@mkdir -p $(VECTORS_DIR)
	$(ORACLE_BIN) $(VECTORS_DIR)

vectors-check: $(ORACLE_BIN)
	@rm -rf $(VECTORS_FRESH) && mkdir -p $(VECTORS_FRESH)
	@$(ORACLE_BIN) $(VECTORS_FRESH) > $(VECTORS_FRESH).log || { cat $(VECTORS_FRESH).log; exit 1; }
	@for f in $(VECTORS_FILES); do \
		cmp $(VECTORS_FRESH)/$$f $(VECTORS_DIR)/$$f || { \
			echo "vectors-check: $(VECTORS_DIR)/$$f differs from a fresh run (make vectors)"; exit 1; }; \
	done
	@cd $(VECTORS_DIR) && sha256sum -c --quiet SHA256SUMS
	@$(PYTHON) $(ORACLE_DIR)/validate.py $(VECTORS_SCHEMA) $(addprefix $(VECTORS_DIR)/,$(addsuffix .json,$(ORACLE_RULES)))
	@echo "vectors-check: $(VECTORS_FILES) reproduced byte for byte, SHA256SUMS hold, schema valid"

CHECK_STEPS += vectors-check
