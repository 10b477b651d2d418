# ref/ref.mk: the reference library, $(BUILD)/libcredit.a (ref/credit.h).
# Only libm; no allocation, globals, I/O or callbacks in ref/ (STYLE 6).

REF_SRCS := $(wildcard ref/*.c)
REF_HDRS := $(wildcard ref/*.h)
REF_OBJS := $(patsubst ref/%.c,$(BUILD)/ref/%.o,$(REF_SRCS))
LIBCREDIT := $(BUILD)/libcredit.a

$(BUILD)/ref/%.o: ref/%.c $(REF_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iref -c $< -o $@

$(LIBCREDIT): $(REF_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

.PHONY: ref
ref: $(LIBCREDIT)
