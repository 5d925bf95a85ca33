/*
 * fcond.h - a condition variable on one futex word, for the channel.
 *
 * glibc's pthread_cond_signal can lose a wakeup (sourceware bug 25847, from
 * glibc 2.25 on, fixed upstream in 2.41; Debian 12 ships 2.36): with several
 * waiters, one that wakes late can take a signal meant for a newer one, glibc's
 * hand-back of that signal can drop it, and the thread it was meant for sleeps
 * on with its condition true. Chapter 5's
 * README shows the hang and its rate; this is what the channel sleeps on instead.
 *
 * The whole state is a sequence number. A waiter reads it while holding the
 * mutex, releases the mutex and sleeps only if the number has not moved; a
 * signal moves the number, then wakes one sleeper (or all). A signal that comes
 * between the waiter's unlock and its sleep changes the number, so the kernel
 * refuses the sleep: no wakeup is lost, and none is spent on the wrong thread,
 * because every thread asleep on the word waits for the same thing.
 *
 *     pthread_mutex_lock(&m);
 *     while (!ready)
 *         fcond_wait(&cv, &m);          // wakeups may be spurious: re-check
 *     pthread_mutex_unlock(&m);
 *     ...
 *     pthread_mutex_lock(&m); ready = true; fcond_signal(&cv); pthread_mutex_unlock(&m);
 *
 * Signal with the mutex held, as the channel does. Linux only (futex(2)). The
 * number wraps after 2^32 signals; a waiter that slept through exactly that many
 * would miss one, which needs 2^32 signals between one waiter's read and its sleep.
 */
#ifndef LAB_FCOND_H
#define LAB_FCOND_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct fcond {
    _Atomic uint32_t seq; /* the futex word: moved by every signal */
};

void fcond_init(struct fcond *cv);

/* Release `m`, sleep until signalled (or spuriously), take `m` again. */
void fcond_wait(struct fcond *cv, pthread_mutex_t *m);

/* Wake one waiter, if any. */
void fcond_signal(struct fcond *cv);

/* Wake every waiter. */
void fcond_broadcast(struct fcond *cv);

#endif
