/*
 * inline.h - LAB_FORCE_INLINE, for the few functions on the hot path of every
 * lock-free operation (reclaim.h's enter, protect, retire and exit).
 *
 * `static inline` is only a hint. With the domain's scheme decided at run
 * time, reclaim_enter holds three schemes' code, and GCC 12 kept it out of
 * line even with link-time optimisation: the call between a push's CAS and
 * the pop's made the contended two-thread stack 1.25x slower than the same
 * stack with the call inlined (make bench-ch07). Concurrency Kit forces the
 * same thing for ck_epoch_begin (CK_CC_FORCE_INLINE). A GCC/Clang extension,
 * kept in this one header; elsewhere it is a plain inline.
 */
#ifndef LAB_INLINE_H
#define LAB_INLINE_H

#if defined(__GNUC__)
#define LAB_FORCE_INLINE inline __attribute__((always_inline))
#else
#define LAB_FORCE_INLINE inline
#endif

#endif
