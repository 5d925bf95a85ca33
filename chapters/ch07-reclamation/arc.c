/*
 * arc.c - strong and weak reference counts with the orderings of Rust's Arc
 * (see arc.h for the layout and the API).
 *
 * Why each ordering is what it is, in one place:
 *   clone     relaxed fetch_add: the cloner holds a reference, so the count
 *             cannot reach 0 meanwhile, and a new reference publishes nothing;
 *             whoever receives it gets it through a channel of its own (a
 *             thread start, a queue) that orders what it then reads.
 *   drop      release fetch_sub: this holder's uses of the data happen before
 *             the decrement. The holder that takes the count to 0 then
 *             acquires, so every other holder's uses happen before the
 *             destructor. A third thread cannot sneak a clone in between: only
 *             a holder can clone, and there are none left.
 *   weak      the same pattern on the weak count; the allocation is freed by
 *             whoever takes it to 0.
 *   get_mut   the weak count is locked (1 -> ARC_WEAK_LOCKED) so that no weak
 *             reference can be made or upgraded while the strong count is read.
 *
 * The acquire of the last dropper is an acquire fence, as in Rust. Under
 * ThreadSanitizer it is an acquire load of the counter instead: TSan does not
 * model atomic_thread_fence, and would report the destructor's writes as racing
 * with the other holders' decrements (modern Rust does the same under TSan).
 * helgrind and DRD see neither: the ANNOTATE_HB_* lines state the edges.
 */
#include "arc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotate.h"
#include "fence.h"
#include "threads.h"

static _Noreturn void overflow(const char *where)
{
    fprintf(stderr, "%s: reference count overflow (more than ARC_MAX_REFCOUNT references)\n",
            where);
    abort();
}

/* The acquire half of "the last one out destroys": after a release decrement
 * that took *count to 0 (it read 1), order every other holder's release
 * decrement, and what came before it, before what the caller does next. */
static inline void acquire_after_last(_Atomic size_t *count)
{
#ifdef LAB_TSAN
    /* acquire: reads the 0 this thread wrote, the end of the release
     * sequences of all the earlier decrements */
    (void)atomic_load_explicit(count, memory_order_acquire);
#else
    /* acquire: with the decrement above, which read from those release
     * sequences, this fence synchronises with every earlier decrement */
    atomic_thread_fence(memory_order_acquire);
#endif
    ANNOTATE_HB_AFTER(count);
}

void *arc_new_in(size_t size, void (*dtor)(void *data), const struct arc_allocator *a)
{
    if (size > SIZE_MAX - sizeof(struct arc_inner))
        return NULL;
    size_t bytes = sizeof(struct arc_inner) + size;
    struct arc_inner *in = a != NULL ? a->alloc(a->ctx, bytes) : malloc(bytes);
    if (in == NULL)
        return NULL;
    atomic_init(&in->strong, 1);
    atomic_init(&in->weak, 1); /* the one all strong references share */
    in->dtor = dtor;
    in->allocator = a;
    memset(in->data, 0, size);
    /* The counters are read and written by every holder by design. */
    ANNOTATE_ATOMIC(&in->strong);
    ANNOTATE_ATOMIC(&in->weak);
    return in->data;
}

void *arc_new(size_t size, void (*dtor)(void *data))
{
    return arc_new_in(size, dtor, NULL);
}

void *arc_clone(void *data)
{
    struct arc_inner *in = arc_inner_of(data);
    /* relaxed: the caller's own reference keeps the object alive (see the top) */
    size_t old = atomic_fetch_add_explicit(&in->strong, 1, memory_order_relaxed);
    if (old > ARC_MAX_REFCOUNT)
        overflow("arc_clone");
    return data;
}

void arc_weak_drop(struct arc_weak *w)
{
    struct arc_inner *in = (struct arc_inner *)w;
    ANNOTATE_HB_BEFORE(&in->weak);
    /* release: this holder's reads of the allocation (and, for the implicit
     * weak reference, the destructor's writes) happen before the free */
    if (atomic_fetch_sub_explicit(&in->weak, 1, memory_order_release) != 1)
        return;
    acquire_after_last(&in->weak);
    if (in->allocator != NULL)
        in->allocator->release(in->allocator->ctx, in);
    else
        free(in);
}

void arc_drop(void *data)
{
    struct arc_inner *in = arc_inner_of(data);
    ANNOTATE_HB_BEFORE(&in->strong);
    /* release: this holder's uses of the data happen before the last
     * decrement, after which the destructor runs */
    if (atomic_fetch_sub_explicit(&in->strong, 1, memory_order_release) != 1)
        return;
    acquire_after_last(&in->strong);
    if (in->dtor != NULL)
        in->dtor(data);
    arc_weak_drop((struct arc_weak *)in); /* the weak reference the strong ones shared */
}

struct arc_weak *arc_downgrade(void *data)
{
    struct arc_inner *in = arc_inner_of(data);
    /* relaxed: a first guess, checked by the compare-exchange */
    size_t cur = atomic_load_explicit(&in->weak, memory_order_relaxed);
    for (;;) {
        if (cur == ARC_WEAK_LOCKED) { /* arc_is_unique is looking: wait for it */
            lab_cpu_relax();
            cur = atomic_load_explicit(&in->weak, memory_order_relaxed); /* relaxed: a guess */
            continue;
        }
        if (cur > ARC_MAX_REFCOUNT)
            overflow("arc_downgrade");
        /* acquire: pairs with the release store that unlocks in arc_is_unique,
         * so its reading of the strong count happens before this weak
         * reference exists. Relaxed on failure: cur is only the next guess. */
        if (atomic_compare_exchange_weak_explicit(&in->weak, &cur, cur + 1, memory_order_acquire,
                                                  memory_order_relaxed))
            break;
    }
    ANNOTATE_HB_AFTER(&in->weak);
    return (struct arc_weak *)in;
}

void *arc_weak_upgrade(struct arc_weak *w)
{
    struct arc_inner *in = (struct arc_inner *)w;
    /* relaxed: a first guess, checked by the compare-exchange */
    size_t n = atomic_load_explicit(&in->strong, memory_order_relaxed);
    do {
        if (n == 0) /* the data is destroyed (or being destroyed): never back from 0 */
            return NULL;
        if (n > ARC_MAX_REFCOUNT)
            overflow("arc_weak_upgrade");
        /* A compare-exchange, not a fetch_add: an increment from 0 would
         * revive data whose destructor already runs. Acquire on success: unlike
         * a cloner, the upgrader did not get its access from a strong holder,
         * so it synchronises here with the holders' release decrements.
         * Relaxed on failure: n is only the next guess. */
    } while (!atomic_compare_exchange_weak_explicit(&in->strong, &n, n + 1, memory_order_acquire,
                                                    memory_order_relaxed));
    ANNOTATE_HB_AFTER(&in->strong);
    return in->data;
}

struct arc_weak *arc_weak_clone(struct arc_weak *w)
{
    struct arc_inner *in = (struct arc_inner *)w;
    /* relaxed: as arc_clone. The count cannot be ARC_WEAK_LOCKED here: the
     * lock is only taken when the implicit reference is the only weak one. */
    size_t old = atomic_fetch_add_explicit(&in->weak, 1, memory_order_relaxed);
    if (old > ARC_MAX_REFCOUNT)
        overflow("arc_weak_clone");
    return w;
}

bool arc_is_unique(void *data)
{
    struct arc_inner *in = arc_inner_of(data);
    size_t one = 1;
    /* Lock the weak count, if no weak reference exists (1 is the implicit
     * one). Acquire: pairs with the release decrement of arc_weak_drop, so an
     * upgrade made through a weak reference since dropped is seen below. */
    if (!atomic_compare_exchange_strong_explicit(&in->weak, &one, ARC_WEAK_LOCKED,
                                                 memory_order_acquire, memory_order_relaxed))
        return false;
    ANNOTATE_HB_AFTER(&in->weak);
    /* acquire (the book shows relaxed): pairs with the release decrement of
     * arc_drop, so another holder's last uses of the data happen before the
     * caller writes to it (the fix of rust-lang/rust#51780) */
    bool unique = atomic_load_explicit(&in->strong, memory_order_acquire) == 1;
    ANNOTATE_HB_AFTER(&in->strong);
    ANNOTATE_HB_BEFORE(&in->weak);
    /* release: unlocks; pairs with the acquire compare-exchange of arc_downgrade */
    atomic_store_explicit(&in->weak, 1, memory_order_release);
    return unique;
}

void *arc_get_mut(void *data)
{
    return arc_is_unique(data) ? data : NULL;
}

size_t arc_strong_count(const void *data)
{
    /* acquire: a caller that sees 1 also sees what the droppers did before */
    return atomic_load_explicit(&arc_inner_of(data)->strong, memory_order_acquire);
}

size_t arc_weak_count(const void *data)
{
    /* acquire: as arc_strong_count */
    size_t n = atomic_load_explicit(&arc_inner_of(data)->weak, memory_order_acquire);
    return n == ARC_WEAK_LOCKED ? 0 : n - 1; /* locked: none, at the moment it was locked */
}
