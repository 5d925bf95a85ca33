/* chan.c - see chan.h. */
#include "chan.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct chan {
    pthread_mutex_t lock;       /* guards everything below */
    pthread_cond_t not_empty;   /* signalled on send and on the last sender's drop */
    pthread_cond_t not_full;    /* signalled on receive and on the receiver's drop */
    size_t item_size, capacity; /* capacity 0: unbounded */
    unsigned char *buf;         /* a ring of `slots` items */
    size_t slots, head, len;
    size_t senders;
    bool receiver;
};

struct chan *chan_create(size_t item_size, size_t capacity)
{
    struct chan *c = calloc(1, sizeof *c);
    if (c == NULL || item_size == 0)
        goto fail;
    c->item_size = item_size;
    c->capacity = capacity;
    c->slots = capacity ? capacity : 16;
    c->buf = malloc(c->slots * item_size);
    if (c->buf == NULL)
        goto fail;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->not_empty, NULL);
    pthread_cond_init(&c->not_full, NULL);
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
    pthread_cond_destroy(&c->not_empty);
    pthread_cond_destroy(&c->not_full);
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
        pthread_cond_broadcast(&c->not_empty);
    pthread_mutex_unlock(&c->lock);
    if (free_it)
        destroy(c);
}

void chan_drop_receiver(struct chan *c)
{
    pthread_mutex_lock(&c->lock);
    c->receiver = false;
    bool free_it = c->senders == 0;
    pthread_cond_broadcast(&c->not_full); /* blocked senders must fail now */
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
        pthread_cond_wait(&c->not_full, &c->lock); /* re-checked: wakeups may be spurious */
    }
    if (c->len == c->slots) {
        int err = grow(c);
        if (err)
            return err;
    }
    memcpy(c->buf + ((c->head + c->len) % c->slots) * c->item_size, item, c->item_size);
    c->len++;
    pthread_cond_signal(&c->not_empty); /* one receiver: signal, not broadcast */
    return 0;
}

static int recv_locked(struct chan *c, void *item, bool block)
{
    while (c->len == 0) {
        if (c->senders == 0)
            return -EPIPE;
        if (!block)
            return -EAGAIN;
        pthread_cond_wait(&c->not_empty, &c->lock);
    }
    memcpy(item, c->buf + c->head * c->item_size, c->item_size);
    c->head = (c->head + 1) % c->slots;
    c->len--;
    pthread_cond_signal(&c->not_full);
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
