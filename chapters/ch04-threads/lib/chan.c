/* chan.c - see chan.h. */
#include "chan.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fcond.h"

/* A place to sleep: the futex condition variable, or glibc's, woken by
 * pthread_cond_signal or pthread_cond_broadcast (enum chan_wake). */
struct waitq {
    struct fcond fc;
    pthread_cond_t pc;
    size_t asleep; /* threads inside wait_on, for chan_state */
};

struct chan {
    pthread_mutex_t lock;       /* guards everything below */
    enum chan_wake wake;        /* how threads sleep and are woken */
    struct waitq not_empty;     /* woken on send and on the last sender's drop */
    struct waitq not_full;      /* woken on receive and on the receiver's drop */
    size_t item_size, capacity; /* capacity 0: unbounded */
    unsigned char *buf;         /* a ring of `slots` items */
    size_t slots, head, len;
    size_t senders;
    bool receiver;
};

static void waitq_init(struct waitq *q)
{
    fcond_init(&q->fc);
    pthread_cond_init(&q->pc, NULL);
    q->asleep = 0;
}

/* Sleep on q; called with the lock held, which it releases while asleep. */
static void wait_on(struct chan *c, struct waitq *q)
{
    q->asleep++;
    if (c->wake == CHAN_WAKE_FUTEX)
        fcond_wait(&q->fc, &c->lock);
    else
        pthread_cond_wait(&q->pc, &c->lock);
    q->asleep--;
}

/* Wake one sleeper of q (all of them under CHAN_WAKE_COND_BROADCAST). */
static void wake_one(struct chan *c, struct waitq *q)
{
    switch (c->wake) {
    case CHAN_WAKE_FUTEX:
        fcond_signal(&q->fc);
        break;
    case CHAN_WAKE_COND_SIGNAL:
        pthread_cond_signal(&q->pc); /* may be lost: fcond.h */
        break;
    case CHAN_WAKE_COND_BROADCAST:
        pthread_cond_broadcast(&q->pc);
        break;
    }
}

static void wake_all(struct chan *c, struct waitq *q)
{
    if (c->wake == CHAN_WAKE_FUTEX)
        fcond_broadcast(&q->fc);
    else
        pthread_cond_broadcast(&q->pc);
}

struct chan *chan_create(size_t item_size, size_t capacity)
{
    return chan_create_wake(item_size, capacity, CHAN_WAKE_FUTEX);
}

struct chan *chan_create_wake(size_t item_size, size_t capacity, enum chan_wake wake)
{
    if (wake != CHAN_WAKE_FUTEX && wake != CHAN_WAKE_COND_SIGNAL &&
        wake != CHAN_WAKE_COND_BROADCAST)
        return NULL;
    struct chan *c = calloc(1, sizeof *c);
    if (c == NULL || item_size == 0)
        goto fail;
    c->wake = wake;
    c->item_size = item_size;
    c->capacity = capacity;
    c->slots = capacity ? capacity : 16;
    c->buf = malloc(c->slots * item_size);
    if (c->buf == NULL)
        goto fail;
    pthread_mutex_init(&c->lock, NULL);
    waitq_init(&c->not_empty);
    waitq_init(&c->not_full);
    c->senders = 1;
    c->receiver = true;
    return c;
fail:
    if (c)
        free(c->buf);
    free(c);
    return NULL;
}

static void destroy(struct chan *c)
{
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->not_empty.pc);
    pthread_cond_destroy(&c->not_full.pc);
    free(c->buf);
    free(c);
}

void chan_clone_sender(struct chan *c)
{
    pthread_mutex_lock(&c->lock);
    c->senders++;
    pthread_mutex_unlock(&c->lock);
}

void chan_drop_sender(struct chan *c)
{
    pthread_mutex_lock(&c->lock);
    bool last = --c->senders == 0, free_it = last && !c->receiver;
    if (last) /* a receiver waiting on an empty channel must learn it is over */
        wake_all(c, &c->not_empty);
    pthread_mutex_unlock(&c->lock);
    if (free_it)
        destroy(c);
}

void chan_drop_receiver(struct chan *c)
{
    pthread_mutex_lock(&c->lock);
    c->receiver = false;
    bool free_it = c->senders == 0;
    wake_all(c, &c->not_full); /* blocked senders must fail now */
    pthread_mutex_unlock(&c->lock);
    if (free_it)
        destroy(c);
}

/* Doubles an unbounded channel's ring; called with the lock held. */
static int grow(struct chan *c)
{
    unsigned char *bigger = malloc(2 * c->slots * c->item_size);
    if (bigger == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < c->len; i++)
        memcpy(bigger + i * c->item_size, c->buf + ((c->head + i) % c->slots) * c->item_size,
               c->item_size);
    free(c->buf);
    c->buf = bigger;
    c->head = 0;
    c->slots *= 2;
    return 0;
}

static int send_locked(struct chan *c, const void *item, bool block)
{
    for (;;) {
        if (!c->receiver)
            return -EPIPE;
        if (c->capacity == 0 || c->len < c->capacity)
            break;
        if (!block)
            return -EAGAIN;
        wait_on(c, &c->not_full); /* re-checked: wakeups may be spurious */
    }
    if (c->len == c->slots) {
        int err = grow(c);
        if (err)
            return err;
    }
    memcpy(c->buf + ((c->head + c->len) % c->slots) * c->item_size, item, c->item_size);
    c->len++;
    wake_one(c, &c->not_empty); /* one receiver: signal, not broadcast */
    return 0;
}

static int recv_locked(struct chan *c, void *item, bool block)
{
    while (c->len == 0) {
        if (c->senders == 0)
            return -EPIPE;
        if (!block)
            return -EAGAIN;
        wait_on(c, &c->not_empty);
    }
    memcpy(item, c->buf + c->head * c->item_size, c->item_size);
    c->head = (c->head + 1) % c->slots;
    c->len--;
    wake_one(c, &c->not_full);
    return 0;
}

int chan_send(struct chan *c, const void *item)
{
    pthread_mutex_lock(&c->lock);
    int rc = send_locked(c, item, true);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

int chan_try_send(struct chan *c, const void *item)
{
    pthread_mutex_lock(&c->lock);
    int rc = send_locked(c, item, false);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

int chan_recv(struct chan *c, void *item)
{
    pthread_mutex_lock(&c->lock);
    int rc = recv_locked(c, item, true);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

int chan_try_recv(struct chan *c, void *item)
{
    pthread_mutex_lock(&c->lock);
    int rc = recv_locked(c, item, false);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

size_t chan_len(struct chan *c)
{
    pthread_mutex_lock(&c->lock);
    size_t n = c->len;
    pthread_mutex_unlock(&c->lock);
    return n;
}

int chan_state(struct chan *c, struct chan_state *st, long timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int err = pthread_mutex_timedlock(&c->lock, &until);
    if (err)
        return -err;
    *st = (struct chan_state){.len = c->len,
                              .capacity = c->capacity,
                              .senders = c->senders,
                              .receiver = c->receiver,
                              .senders_asleep = c->not_full.asleep,
                              .receivers_asleep = c->not_empty.asleep};
    pthread_mutex_unlock(&c->lock);
    return 0;
}

void chan_wake_everyone(struct chan *c)
{
    pthread_mutex_lock(&c->lock);
    wake_all(c, &c->not_empty);
    wake_all(c, &c->not_full);
    pthread_mutex_unlock(&c->lock);
}
