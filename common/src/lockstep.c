/* lockstep.c - see lockstep.h. */
#define _GNU_SOURCE /* syscall() */
#include "lockstep.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "annotate.h"

void lab_lockstep_init(struct lab_lockstep *ls, uint32_t first)
{
    atomic_init(&ls->step, first);
    /* read and written by every thread by design: not the race on show */
    ANNOTATE_ATOMIC(&ls->step);
}

void lab_lockstep_wait(struct lab_lockstep *ls, uint32_t step)
{
    uint32_t now;
    /* relaxed: orders the steps, not the memory around them (lockstep.h) */
    while ((now = atomic_load_explicit(&ls->step, memory_order_relaxed)) != step)
        syscall(SYS_futex, (uint32_t *)&ls->step, FUTEX_WAIT_PRIVATE, now, NULL, NULL, 0);
    /* the compiler keeps the step's own access after the wait */
    atomic_signal_fence(memory_order_seq_cst);
}

void lab_lockstep_set(struct lab_lockstep *ls, uint32_t step)
{
    /* the compiler keeps the step's own access before the hand-over */
    atomic_signal_fence(memory_order_seq_cst);
    /* relaxed: publishes nothing (lockstep.h) */
    atomic_store_explicit(&ls->step, step, memory_order_relaxed);
    syscall(SYS_futex, (uint32_t *)&ls->step, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

uint32_t lab_lockstep_turn(uint64_t round, unsigned phase, unsigned phases, size_t threads,
                           size_t id)
{
    return (uint32_t)((round * phases + phase) * (uint64_t)threads + id);
}

uint32_t lab_lockstep_now(struct lab_lockstep *ls)
{
    /* relaxed: see lab_lockstep_wait */
    return atomic_load_explicit(&ls->step, memory_order_relaxed);
}
