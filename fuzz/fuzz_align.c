// fuzz_align.c: AFL++ / libFuzzer target for cr_align_prims (ref/credit.h),
// compared with the GSL oracle's cro_align_prims by the shared differential
// harness (fuzz_net.h).
#include <stddef.h>
#include <stdint.h>

#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return cr_fuzz_align(data, size);
}
