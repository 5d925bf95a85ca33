/*
 * dwcas.h - a {pointer, counter} pair changed by one compare-and-swap: the
 * double-width CAS that split reference counts (rc_treiber_split.c) stand on.
 *
 * The pair is two machine words, so the CAS must cover two words at once:
 *   x86-64   16 bytes: `lock cmpxchg16b` (needs -mcx16; every x86-64 CPU since
 *            about 2008 has it). GCC sends the C11 and __atomic 16-byte
 *            operations to libatomic, but inlines __sync_val_compare_and_swap,
 *            so that is what is used here: a full barrier, which is all x86
 *            offers for a locked instruction anyway.
 *   AArch64  16 bytes: the same builtin calls libgcc's __aarch64_cas16_sync,
 *            which runs `caspal` where the CPU has LSE (ARMv8.1: Pi 5) and an
 *            `ldxp`/`stlxp` loop with a `dmb ish` where it has not (Pi 3/4).
 *   ARMv7    a 32-bit pointer and a 32-bit counter fit one 64-bit word, and a
 *            C11 _Atomic uint64_t is lock-free there (`ldrexd`/`strexd`), with
 *            exactly the memory orders asked for.
 * On the 64-bit targets every operation below is therefore a full barrier,
 * stronger than its name; the names say what the algorithm needs, which is
 * what ARMv7 gets. README.md shows the instructions of each build.
 */
#ifndef CH07_DWCAS_H
#define CH07_DWCAS_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__aarch64__)
#if !defined(__GCC_HAVE_SYNC_COMPARE_AND_SWAP_16)
#error "dwcas.h needs a 16-byte compare-and-swap: on x86-64, build with -mcx16"
#endif
__extension__ typedef unsigned __int128 dw_word;
#define DW_HALF_BITS 64
struct dw_atomic {
    alignas(16) dw_word w; /* only ever touched by the __sync builtins below */
};
#elif defined(__arm__)
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2,
               "dwcas.h needs lock-free 64-bit atomics (ldrexd/strexd, ARMv7)");
typedef uint64_t dw_word;
#define DW_HALF_BITS 32
struct dw_atomic {
    _Atomic dw_word w;
};
#else
#error "dwcas.h knows x86-64, AArch64 and 32-bit ARM"
#endif

_Static_assert(sizeof(dw_word) == 2 * sizeof(void *), "a pair is two pointer-sized halves");
_Static_assert(sizeof(struct dw_atomic) == sizeof(dw_word) &&
                   alignof(struct dw_atomic) == sizeof(dw_word),
               "the pair is naturally aligned, as the double-width CAS requires");

static inline dw_word dw_pack(void *ptr, uintptr_t count)
{
    return (dw_word)count << DW_HALF_BITS | (dw_word)(uintptr_t)ptr;
}

static inline void *dw_ptr(dw_word w)
{
    return (void *)(uintptr_t)w;
}

static inline uintptr_t dw_count(dw_word w)
{
    return (uintptr_t)(w >> DW_HALF_BITS);
}

static inline void dw_init(struct dw_atomic *a, dw_word v)
{
#ifdef __arm__
    atomic_init(&a->w, v);
#else
    a->w = v; /* before the pair is shared */
#endif
}

#ifdef __arm__
#define DW_CAS_(a, expected, desired, order)                                                       \
    atomic_compare_exchange_strong_explicit(&(a)->w, expected, desired, order, memory_order_relaxed)
#else
/* One cmpxchg16b (or casp / ldxp-stlxp); on failure *expected gets what was there. */
static inline bool dw_cas_full(struct dw_atomic *a, dw_word *expected, dw_word desired)
{
    dw_word seen = __sync_val_compare_and_swap(&a->w, *expected, desired);
    if (seen == *expected)
        return true;
    *expected = seen;
    return false;
}
#define DW_CAS_(a, expected, desired, order) dw_cas_full(a, expected, desired)
#endif

/* Compare-and-swap with the named order on success (relaxed on failure, where
 * *expected gets the current value). */
static inline bool dw_cas_acquire(struct dw_atomic *a, dw_word *expected, dw_word desired)
{
    return DW_CAS_(a, expected, desired, memory_order_acquire);
}

static inline bool dw_cas_release(struct dw_atomic *a, dw_word *expected, dw_word desired)
{
    return DW_CAS_(a, expected, desired, memory_order_release);
}

static inline bool dw_cas_relaxed(struct dw_atomic *a, dw_word *expected, dw_word desired)
{
    return DW_CAS_(a, expected, desired, memory_order_relaxed);
}

/* The current pair, relaxed. On the 64-bit targets a plain 16-byte load is not
 * single-copy atomic (x86 guarantees only 8 bytes; ARMv8.0 only pairs read by
 * ldxp and written back by stxp), so it is a CAS of 0 for 0: it returns what
 * is there and, if that was 0, writes the same 0 back. */
static inline dw_word dw_load_relaxed(struct dw_atomic *a)
{
#ifdef __arm__
    return atomic_load_explicit(&a->w, memory_order_relaxed);
#else
    return __sync_val_compare_and_swap(&a->w, (dw_word)0, (dw_word)0);
#endif
}

#endif
