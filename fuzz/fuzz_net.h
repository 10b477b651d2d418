// fuzz_net.h: the differential harness shared by the network-level fuzz
// targets fuzz_bp, fuzz_fa, fuzz_dfa, fuzz_ss, fuzz_kp, fuzz_wm, fuzz_align,
// fuzz_sa, fuzz_aa and fuzz_ia (fuzz/README.md).
//
// One call decodes a network, a batch and every array from the fuzzer's
// bytes, calls ref/'s checked entry point cr_<rule>_grad, computes the same
// question with the GSL oracle (conformance/oracle/oracle.h) and abort()s
// with a printed message when the two disagree beyond the gauge tolerance
// (NOT-TOL-3), when they disagree about the error (spec/vectors.md error
// names), when ref/ returns a non-finite output, writes an output on an
// error, or modifies a read-only input.
#ifndef CR_FUZZ_NET_H
#define CR_FUZZ_NET_H

#include <stddef.h>
#include <stdint.h>

// The entry point a target fuzzes.
typedef enum {
	CR_FUZZ_BP = 0, CR_FUZZ_FA, CR_FUZZ_DFA, CR_FUZZ_SS,
	CR_FUZZ_WM, CR_FUZZ_SA, CR_FUZZ_AA, CR_FUZZ_IA
} cr_fuzz_rule;

// Runs one input; returns 0 (or aborts on a finding).
//   data [size]
int cr_fuzz_net(int rule, const uint8_t *data, size_t size);

// The same for one Kolen-Pollack step: cr_kp_step against cro_kp_step
// (layout and checks in fuzz_net.c).
int cr_fuzz_kp(const uint8_t *data, size_t size);

// One step of the weight mirror (CR_FUZZ_WM) or a Kunin rule (CR_FUZZ_SA,
// CR_FUZZ_AA, CR_FUZZ_IA) against cro_fbl_step.
int cr_fuzz_fbl(int rule, const uint8_t *data, size_t size);

// The primitives of one layer, cr_align_prims against cro_align_prims.
int cr_fuzz_align(const uint8_t *data, size_t size);

#endif
