/*
 * fence.h - atomic_thread_fence as the detectors and the hardware need it.
 *
 * ThreadSanitizer understands atomic operations but not atomic_thread_fence
 * (and GCC rejects a seq_cst fence under it). Each fence here names an atomic
 * int it orders around; under TSan it becomes an operation on that int with
 * the same ordering, which TSan follows. On x86-64 the full fence is a locked
 * add, about half the cost of the mfence the compiler would emit.
 *
 *   lab_fence_release(&q->flag)   before a relaxed store that publishes
 *   lab_fence_acquire(&q->flag)   after a relaxed load that observes
 *   lab_fence_seq_cst(&q->flag)   store-load ordering (hazard pointers, epochs)
 *
 * LAB_TSAN is defined in a ThreadSanitizer build, for code that must differ
 * there.
 */
#ifndef LAB_FENCE_H
#define LAB_FENCE_H

#include <stdatomic.h>

#if defined(__SANITIZE_THREAD__)
#define LAB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LAB_TSAN 1
#endif
#endif

/* A release fence, paired with a later relaxed store to *obj. Under TSan it
 * becomes a release read-modify-write of obj itself, which heads a release
 * sequence that TSan follows to the acquire side. */
static inline void lab_fence_release(_Atomic int *obj)
{
#ifdef LAB_TSAN
    atomic_fetch_add_explicit(obj, 0, memory_order_release);
#else
    (void)obj;
    atomic_thread_fence(memory_order_release);
#endif
}

/* A full fence. GCC rejects atomic_thread_fence under TSan; there it becomes
 * a seq_cst read-modify-write of obj, which orders the same way on the
 * hardware and which TSan models as acquire and release on obj. On x86-64 it
 * is a locked add of 0 just below our own stack pointer: every locked
 * instruction is a full barrier there, and this one costs about half an
 * mfence, which also waits for what C11 never asks it to (Linux's smp_mb is
 * the same instruction). */
static inline void lab_fence_seq_cst(_Atomic int *obj)
{
#ifdef LAB_TSAN
    atomic_fetch_add_explicit(obj, 0, memory_order_seq_cst);
#elif defined(__x86_64__)
    (void)obj;
    __asm__ __volatile__("lock addl $0, -4(%%rsp)" ::: "memory", "cc");
#else
    (void)obj;
    atomic_thread_fence(memory_order_seq_cst);
#endif
}

/* An acquire fence, after a relaxed load of *obj. Under TSan, an acquire load
 * of obj. */
static inline void lab_fence_acquire(_Atomic int *obj)
{
#ifdef LAB_TSAN
    (void)atomic_load_explicit(obj, memory_order_acquire);
#else
    (void)obj;
    atomic_thread_fence(memory_order_acquire);
#endif
}

#endif
