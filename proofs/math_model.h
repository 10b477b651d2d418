// proofs/math_model.h: the part of <math.h> that ref/ uses, as the WP
// proofs see it. `make proofs` pre-includes it (-include); it defines the
// include guard of Frama-C's libc math.h (__FC_MATH), which is then skipped.
//
// Frama-C 25's own contracts for exp and log say `assigns errno`, which would
// put errno into the frame of every function of ref/ (and errno is no part of
// the public contract); its tanh has no contract at all. The proofs are
// about memory safety, integer overflow, frames and termination, not about
// floating-point values (proofs/README.md), so each function is modelled as
// pure: it reads its argument and writes nothing. C99 7.12.1 lets these
// functions set errno on a range error; ref/ never reads errno, so that
// write is outside the model (stated in proofs/README.md).
#ifndef __FC_MATH
#define __FC_MATH

/*@ assigns \result \from x; */
double exp(double x);

/*@ assigns \result \from x; */
double log(double x);

/*@ assigns \result \from x; */
double tanh(double x);

/*@ assigns \result \from x; */
double fabs(double x);

#endif
