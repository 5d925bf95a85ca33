/*
 * chan.h - a multi-producer, single-consumer channel, bounded or unbounded.
 *
 * The C counterpart of Rust's std::sync::mpsc (chapter 4): senders send items
 * (copied in, of a fixed size), one receiver takes them in order. A bounded
 * channel blocks senders while it is full, which is the back-pressure an
 * unbounded one lacks. Disconnection works both ways, as in Rust: when the last
 * sender is dropped, the receiver gets what is left and then -EPIPE; when the
 * receiver is dropped, every send fails with -EPIPE.
 *
 *     struct chan *c = chan_create(sizeof(int64_t), 16);   // 0 = unbounded
 *     chan_clone_sender(c);                                // one more sender
 *     chan_send(c, &v);  ...  chan_drop_sender(c);         // each sender, once
 *     while (chan_recv(c, &v) == 0) ...                    // until -EPIPE
 *     chan_drop_receiver(c);                               // the last drop frees it
 *
 * One mutex and two places to sleep: simple, and correct before fast. Threads
 * sleep on a futex condition variable of our own (fcond.h), not on glibc's,
 * whose pthread_cond_signal can lose a wakeup and hang a full channel for good
 * (chapter 5's README); chan_create_wake() picks glibc's instead, to show it.
 */
#ifndef LAB_CHAN_H
#define LAB_CHAN_H

#include <stdbool.h>
#include <stddef.h>

struct chan;

/* A channel of items of item_size bytes holding at most capacity items
 * (0: unbounded), with one sender and the receiver. NULL if out of memory. */
struct chan *chan_create(size_t item_size, size_t capacity);

/* How blocked threads sleep and are woken. */
enum chan_wake {
    CHAN_WAKE_FUTEX,          /* fcond.h: the default, and immune to the bug */
    CHAN_WAKE_COND_SIGNAL,    /* glibc's condvar, pthread_cond_signal: can hang */
    CHAN_WAKE_COND_BROADCAST, /* glibc's condvar, every wake a broadcast */
};

/* chan_create with a choice of wakeup (chan_stress compares them). NULL if out
 * of memory or `wake` is not one of the above. */
struct chan *chan_create_wake(size_t item_size, size_t capacity, enum chan_wake wake);

void chan_clone_sender(struct chan *c);
void chan_drop_sender(struct chan *c);
void chan_drop_receiver(struct chan *c);

/* 0, or -EPIPE when the receiver is gone; blocks while a bounded channel is full. */
int chan_send(struct chan *c, const void *item);
/* 0, -EAGAIN when full, -EPIPE when the receiver is gone. */
int chan_try_send(struct chan *c, const void *item);
/* 0, or -EPIPE when empty and every sender is gone; blocks while empty. */
int chan_recv(struct chan *c, void *item);
/* 0, -EAGAIN when empty, -EPIPE when empty and every sender is gone. */
int chan_try_recv(struct chan *c, void *item);

size_t chan_len(struct chan *c);

/* A snapshot for a watchdog: who is asleep, on what, with how many items in. */
struct chan_state {
    size_t len, capacity, senders;
    bool receiver;
    size_t senders_asleep;   /* blocked in chan_send: waiting for room */
    size_t receivers_asleep; /* blocked in chan_recv: waiting for an item */
};
/* 0, or -ETIMEDOUT if the lock stayed taken for timeout_ms. */
int chan_state(struct chan *c, struct chan_state *st, long timeout_ms);

/* Wake every blocked thread, which re-checks its condition: if a stuck channel
 * moves again after this, its threads were asleep with their condition true,
 * a lost wakeup. A diagnostic; correct code never needs it. */
void chan_wake_everyone(struct chan *c);

#endif
