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
 *
 * (The fences that TSan cannot see have their own header, fence.h.)
 * Under valgrind the annotations are client requests (a few instructions,
 * nothing happens outside valgrind); without valgrind's headers they are
 * nothing at all. Racy examples never use them: an annotation asserts an
 * edge, so a wrong memory order would look clean.
 */
#ifndef LAB_ANNOTATE_H
#define LAB_ANNOTATE_H

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

#endif
