/*
 * arc.h - an atomically reference-counted allocation with strong and weak
 * references, in the manner of Rust's Arc (liballoc/arc.rs).
 *
 * One allocation holds two counters and the data:
 *
 *     struct arc_inner:  strong | weak | dtor | allocator | data...
 *                                                         ^ what arc_new returns
 *
 * Every strong reference keeps the data alive; when the last one goes, the
 * destructor runs. Every weak reference keeps the allocation alive (so the
 * counters can still be read), but not the data. All strong references
 * together own one weak reference, so the allocation is freed when the last
 * weak reference goes, the implicit one included.
 *
 *     struct conf *c = arc_new(sizeof *c, conf_dtor);   strong 1, weak 1
 *     struct conf *d = arc_clone(c);                     strong 2
 *     struct arc_weak *w = arc_downgrade(c);             weak 2
 *     arc_drop(c); arc_drop(d);                          strong 0: conf_dtor(d)
 *     arc_weak_upgrade(w) == NULL                        the data is gone
 *     arc_weak_drop(w);                                  weak 0: freed
 *
 * The one thing to look at is the orderings (arc.c): a clone is relaxed, a
 * drop is a release decrement and the last dropper acquires before it
 * destroys, and the weak count doubles as a tiny lock while arc_get_mut asks
 * "am I the only reference?".
 */
#ifndef CH07_ARC_H
#define CH07_ARC_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "container_of.h"

/* Rust's MAX_REFCOUNT (isize::MAX): a clone or an upgrade that finds more than
 * this many references aborts. A count that big means references are being
 * leaked in a loop; aborting before the counter can wrap to 0 keeps a free
 * from happening while references are still held. */
#define ARC_MAX_REFCOUNT ((size_t)PTRDIFF_MAX)

/* While arc_is_unique looks at the strong count, the weak count holds this
 * value: the lock that keeps arc_downgrade out meanwhile. */
#define ARC_WEAK_LOCKED SIZE_MAX

/* Where the allocation comes from (NULL in arc_new: malloc and free). */
struct arc_allocator {
    void *(*alloc)(void *ctx, size_t size);
    void (*release)(void *ctx, void *ptr);
    void *ctx;
};

struct arc_inner {
    _Atomic size_t strong; /* strong references */
    _Atomic size_t weak;   /* weak references, +1 for all the strong ones together */
    void (*dtor)(void *data);
    const struct arc_allocator *allocator;
    alignas(max_align_t) unsigned char data[];
};
_Static_assert(offsetof(struct arc_inner, data) % alignof(max_align_t) == 0,
               "the data is aligned for any type, as malloc's memory is");

/* A weak reference: the allocation, not the data. */
struct arc_weak;

/* The allocation a data pointer lives in (for the tests and for reading). */
static inline struct arc_inner *arc_inner_of(const void *data)
{
    return CONTAINER_OF(data, struct arc_inner, data);
}

/* A new zeroed object of `size` bytes with one strong reference; dtor (may be
 * NULL) runs on it when the last strong reference is dropped. NULL when out of
 * memory. */
void *arc_new(size_t size, void (*dtor)(void *data));
void *arc_new_in(size_t size, void (*dtor)(void *data), const struct arc_allocator *a);

/* One more strong reference to data (the caller must hold one); returns data. */
void *arc_clone(void *data);

/* Gives up a strong reference; the last one runs the destructor. */
void arc_drop(void *data);

/* A new weak reference (the caller must hold a strong one). */
struct arc_weak *arc_downgrade(void *data);

/* A strong reference from a weak one: the data, or NULL once the last strong
 * reference is gone (the weak reference is still the caller's to drop). */
void *arc_weak_upgrade(struct arc_weak *w);

/* One more weak reference; returns w. */
struct arc_weak *arc_weak_clone(struct arc_weak *w);

/* Gives up a weak reference; the last one frees the allocation. */
void arc_weak_drop(struct arc_weak *w);

/* True when the caller's strong reference is the only reference of any kind. */
bool arc_is_unique(void *data);

/* data, to write to, when the caller's reference is the only one; else NULL. */
void *arc_get_mut(void *data);

/* Snapshots of the counts, stale as soon as they are read when other threads
 * hold references: for tests and printing, not for decisions. The weak count
 * leaves out the implicit weak reference of the strong ones. */
size_t arc_strong_count(const void *data);
size_t arc_weak_count(const void *data);

#endif
