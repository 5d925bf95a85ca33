/*
 * semaphore.h - two semaphores, as the book builds them.
 *
 *   sem_token   the book's: a bounded semaphore is a queue holding one token
 *               per unit of capacity. wait() pops a token (sleeping while
 *               there is none), signal() pushes one back. The book's queue
 *               is crossbeam's MsQueue with a blocking pop; here the tokens
 *               sit in the MPMC ring of common/ring_mpmc.h, and a pop that
 *               finds none sleeps on an event count (a futex word that every
 *               signal bumps), so that a signal between "no token" and "go to
 *               sleep" is never lost.
 *   sem_bena    a binary semaphore on one atomic count and a futex: Jeff
 *               Preshing's "benaphore". The count is 1 when free; wait()
 *               decrements, and only a wait that takes it below 0 sleeps;
 *               signal() increments, and only a signal that finds it below 0
 *               (someone sleeps or is about to) makes the system call. The
 *               uncontended path is one atomic instruction each way.
 *
 * Both: 0 from init, or a negative errno. Like the book's, nothing checks
 * that signals and waits balance: a guard object would (as a mutex's does).
 */
#ifndef CH06_SEMAPHORE_H
#define CH06_SEMAPHORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cacheline.h"
#include "ring_mpmc.h"

struct sem_token {
    struct ring_mpmc tokens;
    CACHE_ALIGNED _Atomic uint32_t events; /* bumped by every signal */
    _Atomic uint32_t sleepers;             /* waits inside the futex call, or about to be */
};

int sem_token_init(struct sem_token *s, uint32_t capacity);
void sem_token_destroy(struct sem_token *s);
void sem_token_wait(struct sem_token *s);
bool sem_token_trywait(struct sem_token *s);
void sem_token_signal(struct sem_token *s);

struct sem_bena {
    _Atomic int32_t count;  /* 1 free, 0 taken, -n taken with n waiting */
    _Atomic uint32_t wakes; /* wake-ups granted and not yet taken: the futex word */
};

void sem_bena_init(struct sem_bena *s);
void sem_bena_wait(struct sem_bena *s);
bool sem_bena_trywait(struct sem_bena *s);
void sem_bena_signal(struct sem_bena *s);

#endif
