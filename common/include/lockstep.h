/*
 * lockstep.h - force the interleaving of a racy example, without ordering it.
 *
 * A verdict must not depend on timing: a racy example that a detector must
 * report, or an ASan row that must see a use after free, forces the bad
 * schedule with a lockstep. Its threads take numbered steps; each waits until
 * the lockstep shows its step, does it, and sets the next:
 *
 *     struct lab_lockstep ls;
 *     lab_lockstep_init(&ls, 0);
 *     // thread A                         // thread B
 *     x = shared;                         lab_lockstep_wait(&ls, 1);
 *     lab_lockstep_set(&ls, 1);           shared = y;
 *     lab_lockstep_wait(&ls, 2);          lab_lockstep_set(&ls, 2);
 *     shared = x + 1;
 *
 * The step is a relaxed atomic on purpose: it forces the order of the steps
 * without ordering their memory, so the accesses it separates stay as
 * unordered as in a free run, to ThreadSanitizer (relaxed accesses synchronise
 * nothing), helgrind and DRD (which take no ordering from a plain load, a
 * store or a futex; the step itself is annotated as atomic, since it is not
 * the race on show). The order of the steps holds on x86 and under qemu, which
 * keep loads in order and stores in order; ARM may let a load of the shared
 * data pass the load of the step, so on a real Pi a lockstep forces the order
 * of the steps but not which value each read sees. A waiter sleeps on a futex:
 * woken, it runs at once even on a loaded machine, where a thread spinning
 * with sched_yield would wait out another process's time slice at every step.
 */
#ifndef LAB_LOCKSTEP_H
#define LAB_LOCKSTEP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct lab_lockstep {
    _Atomic uint32_t step; /* a futex word */
};

/* Start at step `first`. */
void lab_lockstep_init(struct lab_lockstep *ls, uint32_t first);

/* Sleep until the lockstep shows `step`. */
void lab_lockstep_wait(struct lab_lockstep *ls, uint32_t step);

/* Show `step`, and wake every waiter. */
void lab_lockstep_set(struct lab_lockstep *ls, uint32_t step);

/* The step shown now. */
uint32_t lab_lockstep_now(struct lab_lockstep *ls);

/* Strict turns for `threads` threads that each do `phases` operations a round:
 * the step of operation `phase` of round `round` of thread `id`. Every thread
 * does its operation 0 of a round, in id order, then every thread its
 * operation 1, and so on (phases 2: A pushes, B pushes, A pops, B pops). Wait
 * for the step before the operation, set the step + 1 after it. The count
 * wraps at 2^32 steps, as the futex word does. */
uint32_t lab_lockstep_turn(uint64_t round, unsigned phase, unsigned phases, size_t threads,
                           size_t id);

#endif
