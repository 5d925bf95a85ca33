/* fcond.c - see fcond.h. */
#define _GNU_SOURCE /* syscall() */
#include "fcond.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "annotate.h"

void fcond_init(struct fcond *cv)
{
    atomic_init(&cv->seq, 0);
    /* Only atomics and the kernel touch the word; DRD and helgrind take the
     * kernel's read inside futex(2) for a plain load that races with the
     * signaller's increment. */
    ANNOTATE_ATOMIC(&cv->seq);
}

void fcond_wait(struct fcond *cv, pthread_mutex_t *m)
{
    /* relaxed: the mutex orders this read after every signal that came before
     * the caller's check of its condition; the kernel compares the word again
     * atomically before it lets the thread sleep. */
    uint32_t seen = atomic_load_explicit(&cv->seq, memory_order_relaxed);
    pthread_mutex_unlock(m);
    /* Returns at once if the number has moved since it was read (EAGAIN), when
     * woken, or on a signal (EINTR): every case re-checks under the mutex. */
    syscall(SYS_futex, (uint32_t *)&cv->seq, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
    pthread_mutex_lock(m);
}

static void wake(struct fcond *cv, int how_many)
{
    /* relaxed: the mutex the signaller holds publishes the condition; the
     * increment only has to be seen by the kernel's compare, which it is. */
    atomic_fetch_add_explicit(&cv->seq, 1, memory_order_relaxed);
    syscall(SYS_futex, (uint32_t *)&cv->seq, FUTEX_WAKE_PRIVATE, how_many, NULL, NULL, 0);
}

void fcond_signal(struct fcond *cv)
{
    wake(cv, 1);
}

void fcond_broadcast(struct fcond *cv)
{
    wake(cv, INT_MAX);
}
