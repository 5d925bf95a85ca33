/*
 * annotate.h - tell race detectors about synchronisation they cannot see.
 *
 * helgrind and DRD understand pthread primitives and locked instructions, but
 * not C11 release/acquire on plain loads and stores: correct lock-free code
 * looks racy to them. ThreadSanitizer understands atomic operations but not
 * atomic_thread_fence. Correct code states its happens-before edges here:
 *
 *   ANNOTATE_ATOMIC(&q->flag)          once: the atomic itself is accessed
 *                                      concurrently by design; don't report it
 *   ANNOTATE_HB_BEFORE(&q->flag)       just before the release that publishes
 *   ANNOTATE_HB_AFTER(&q->flag)        just after the acquire that observes it
 *   lab_fence_release(&q->flag)        an atomic_thread_fence(release) that
 *   lab_fence_acquire(&q->flag)        TSan sees, as a release/acquire operation
 *                                      on the named atomic int
 *
 * Under valgrind the annotations are client requests (a few instructions,
 * nothing happens outside valgrind); without valgrind's headers they are
 * nothing at all. Racy examples never use them: an annotation asserts an
 * edge, so a wrong memory order would look clean.
 */
#ifndef LAB_ANNOTATE_H
#define LAB_ANNOTATE_H

#include <stdatomic.h>

#if defined(__has_include)
#if __has_include(<valgrind/helgrind.h>) && !defined(LAB_NO_VALGRIND)
#include <valgrind/helgrind.h>
#define LAB_HAVE_HELGRIND 1
#endif
#endif

#ifdef LAB_HAVE_HELGRIND
/* helgrind.h's ANNOTATE_HAPPENS_* are also honoured by DRD. */
#define ANNOTATE_HB_BEFORE(addr) ANNOTATE_HAPPENS_BEFORE(addr)
#define ANNOTATE_HB_AFTER(addr) ANNOTATE_HAPPENS_AFTER(addr)
#define ANNOTATE_ATOMIC(addr) VALGRIND_HG_DISABLE_CHECKING((addr), sizeof *(addr))
#else
#define ANNOTATE_HB_BEFORE(addr) ((void)(addr))
#define ANNOTATE_HB_AFTER(addr) ((void)(addr))
#define ANNOTATE_ATOMIC(addr) ((void)(addr))
#endif

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
