// fuzz_ss.c: AFL++ / libFuzzer target for cr_ss_grad (ref/credit.h), compared
// with the GSL oracle by the shared differential harness (fuzz_net.h).
#include <stddef.h>
#include <stdint.h>

#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return cr_fuzz_net(CR_FUZZ_SS, data, size);
}
