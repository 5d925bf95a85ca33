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
 * One mutex and two condition variables: simple, and correct before fast.
 */
#ifndef LAB_CHAN_H
#define LAB_CHAN_H

#include <stddef.h>

struct chan;

/* A channel of items of item_size bytes holding at most capacity items
 * (0: unbounded), with one sender and the receiver. NULL if out of memory. */
struct chan *chan_create(size_t item_size, size_t capacity);

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

#endif
