/* test_chan.c - the MPSC channel: order, bounds, disconnection both ways,
 * properties over concurrent senders, and linearizability. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "chan.h"
#include "env.h"
#include "lincheck.h"
#include "prop.h"
#include "threads.h"
#include "test.h"

TEST(chan, bounded_fifo_and_full)
{
    struct chan *c = chan_create(sizeof(int64_t), 4);
    ASSERT_NOT_NULL(c);
    for (int64_t i = 0; i < 4; i++)
        ASSERT_EQ(chan_try_send(c, &i), 0);
    int64_t x = 99;
    ASSERT_EQ(chan_try_send(c, &x), -EAGAIN, "a full bounded channel refuses");
    ASSERT_EQ(chan_len(c), 4);
    for (int64_t i = 0; i < 4; i++) {
        ASSERT_EQ(chan_try_recv(c, &x), 0);
        ASSERT_EQ(x, i, "first in, first out");
    }
    ASSERT_EQ(chan_try_recv(c, &x), -EAGAIN, "empty, but a sender is alive");
    chan_drop_sender(c);
    chan_drop_receiver(c);
}

TEST(chan, unbounded_grows)
{
    struct chan *c = chan_create(sizeof(int64_t), 0);
    ASSERT_NOT_NULL(c);
    int64_t x;
    for (int64_t i = 0; i < 5000; i++) {
        ASSERT_EQ(chan_send(c, &i), 0);
        if (i % 3 == 0) { /* interleave receives so that the ring wraps before growing */
            ASSERT_EQ(chan_recv(c, &x), 0);
            ASSERT_EQ(x, i / 3);
        }
    }
    for (int64_t i = 5000 / 3 + 1; i < 5000; i++) {
        ASSERT_EQ(chan_recv(c, &x), 0);
        ASSERT_EQ(x, i);
    }
    chan_drop_sender(c);
    chan_drop_receiver(c);
}

TEST(chan, last_sender_gone_ends_the_stream)
{
    struct chan *c = chan_create(sizeof(int), 8);
    ASSERT_NOT_NULL(c);
    chan_clone_sender(c);
    int v = 7, x;
    ASSERT_EQ(chan_send(c, &v), 0);
    chan_drop_sender(c);
    ASSERT_EQ(chan_try_recv(c, &x), 0, "one sender left: what was sent is there");
    ASSERT_EQ(chan_try_recv(c, &x), -EAGAIN);
    ASSERT_EQ(chan_send(c, &v), 0);
    chan_drop_sender(c);
    ASSERT_EQ(chan_recv(c, &x), 0, "what was sent before the drop is not lost");
    ASSERT_EQ(x, 7);
    ASSERT_EQ(chan_recv(c, &x), -EPIPE, "then the end, without blocking");
    ASSERT_EQ(chan_try_recv(c, &x), -EPIPE);
    chan_drop_receiver(c);
}

TEST(chan, receiver_gone_fails_sends)
{
    struct chan *c = chan_create(sizeof(int), 1);
    ASSERT_NOT_NULL(c);
    int v = 1;
    chan_drop_receiver(c);
    ASSERT_EQ(chan_send(c, &v), -EPIPE);
    ASSERT_EQ(chan_try_send(c, &v), -EPIPE);
    chan_drop_sender(c);
}

struct flood {
    struct chan *c;
    int per_sender;
};

static void *blocked_sender(size_t id, void *arg)
{
    struct flood *f = arg;
    for (int64_t i = 0; i < f->per_sender; i++) {
        int64_t v = (int64_t)id << 32 | i;
        if (chan_send(f->c, &v) != 0)
            return "send failed";
    }
    chan_drop_sender(f->c);
    return NULL;
}

TEST(chan, bounded_senders_block_and_nothing_is_lost, .timeout = 60)
{
    struct flood f = {chan_create(sizeof(int64_t), 2), (int)lab_scaled(20000)};
    ASSERT_NOT_NULL(f.c);
    for (int i = 1; i < 3; i++)
        chan_clone_sender(f.c);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 3, blocked_sender, &f, 0), 0);
    int64_t x, next[3] = {0, 0, 0};
    size_t max_len = 0, got = 0;
    while (chan_recv(f.c, &x) == 0) {
        size_t len = chan_len(f.c);
        max_len = len > max_len ? len : max_len;
        int s = (int)(x >> 32);
        ASSERT_EQ(x & 0xffffffff, next[s], "sender %d out of order", s);
        next[s]++;
        got++;
    }
    ASSERT_NULL(lab_threads_join(&ts));
    ASSERT_EQ(got, 3 * (size_t)f.per_sender);
    ASSERT_LE(max_len, 2, "a bounded channel never holds more than its capacity");
    chan_drop_receiver(f.c);
}

TEST(chan, an_unknown_wake_is_refused)
{
    ASSERT_NULL(chan_create_wake(sizeof(int), 1, (enum chan_wake)3));
    ASSERT_NULL(chan_create_wake(sizeof(int), 1, (enum chan_wake) - 1));
}

static void *one_blocked_send(size_t id, void *arg)
{
    (void)id;
    int64_t v = 2;
    return chan_send(arg, &v) == 0 ? NULL : "the send failed";
}

/* chan_state, the watchdog's view: a sender blocked on a full channel shows as
 * asleep waiting for room; chan_wake_everyone wakes it without losing an item. */
TEST(chan, state_shows_a_sender_asleep_on_a_full_channel, .timeout = 60)
{
    struct chan *c = chan_create(sizeof(int64_t), 1);
    ASSERT_NOT_NULL(c);
    int64_t v = 1, x;
    ASSERT_EQ(chan_send(c, &v), 0);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 1, one_blocked_send, c, 0), 0);
    struct chan_state st;
    do { /* until the sender is asleep: the test's timeout bounds it */
        ASSERT_EQ(chan_state(c, &st, 1000), 0);
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    } while (st.senders_asleep == 0);
    ASSERT_EQ(st.senders_asleep, 1);
    ASSERT_EQ(st.receivers_asleep, 0);
    ASSERT_EQ(st.len, 1);
    ASSERT_EQ(st.capacity, 1);
    ASSERT_EQ(st.senders, 1);
    ASSERT(st.receiver);
    chan_wake_everyone(c); /* woken with the channel still full: it must sleep again */
    ASSERT_EQ(chan_recv(c, &x), 0);
    ASSERT_EQ(x, 1);
    ASSERT_NULL(lab_threads_join(&ts));
    ASSERT_EQ(chan_recv(c, &x), 0);
    ASSERT_EQ(x, 2, "the woken sender's item arrives once");
    ASSERT_EQ(chan_try_recv(c, &x), -EAGAIN);
    ASSERT_EQ(chan_state(c, &st, 1000), 0);
    ASSERT_EQ(st.senders_asleep, 0);
    chan_drop_sender(c);
    chan_drop_receiver(c);
}

/* Property: any number of senders, any amounts, any capacity, any wake: the
 * receiver gets every item exactly once and each sender's items in the order sent. */
struct run {
    struct chan *c;
    int counts[4];
};

static void *prop_sender(size_t id, void *arg)
{
    struct run *r = arg;
    for (int64_t i = 0; i < r->counts[id]; i++) {
        int64_t v = (int64_t)id << 32 | i;
        if (chan_send(r->c, &v) != 0)
            return "send failed";
    }
    chan_drop_sender(r->c);
    return NULL;
}

static enum prop_result delivers_everything_in_order(struct prop_source *s, void *env)
{
    (void)env;
    int senders = (int)prop_int(s, 1, 4);
    size_t capacity = prop_size(s, 8); /* 0: unbounded */
    static const enum chan_wake wakes[] = {CHAN_WAKE_FUTEX, CHAN_WAKE_COND_SIGNAL,
                                           CHAN_WAKE_COND_BROADCAST};
    int wake = (int)prop_int(s, 0, 2);
    struct run r = {chan_create_wake(sizeof(int64_t), capacity, wakes[wake]), {0}};
    if (r.c == NULL)
        return PROP_DISCARD;
    for (int i = 0; i < senders; i++)
        r.counts[i] = (int)prop_int(s, 0, 200);
    prop_log(s, "%d senders, capacity %zu, wake %d, sending %d %d %d %d", senders, capacity, wake,
             r.counts[0], r.counts[1], r.counts[2], r.counts[3]);
    for (int i = 1; i < senders; i++)
        chan_clone_sender(r.c);
    struct lab_threads ts;
    if (lab_threads_start(&ts, (size_t)senders, prop_sender, &r, 0) != 0) {
        chan_drop_receiver(r.c);
        return PROP_DISCARD;
    }
    int next[4] = {0};
    int64_t x;
    enum prop_result result = PROP_PASS;
    while (chan_recv(r.c, &x) == 0) {
        int from = (int)(x >> 32), seq = (int)(x & 0xffffffff);
        if (from >= senders || seq != next[from]) {
            prop_log(s, "got %d from sender %d, expected %d", seq, from, next[from]);
            result = PROP_FAIL;
        } else {
            next[from]++;
        }
    }
    if (lab_threads_join(&ts) != NULL)
        result = PROP_FAIL;
    for (int i = 0; i < senders; i++)
        if (next[i] != r.counts[i]) {
            prop_log(s, "sender %d: received %d of %d", i, next[i], r.counts[i]);
            result = PROP_FAIL;
        }
    chan_drop_receiver(r.c);
    return result;
}

PROPERTY(chan, delivers_everything_in_order, delivers_everything_in_order, NULL)

/* Linearizability of the bounded channel against a FIFO queue: sends are
 * enqueues, try_recv a dequeue (-1 when empty); only thread 0 receives. */
static void *lin_chan_new(void)
{
    return chan_create(sizeof(int64_t), 64);
}

static void lin_chan_free(void *c)
{
    chan_drop_sender(c);
    chan_drop_receiver(c);
}

static int64_t lin_chan_apply(void *c, int op, int64_t arg)
{
    if (op == LIN_Q_ENQ)
        return chan_send(c, &arg);
    int64_t x;
    return chan_try_recv(c, &x) == 0 ? x : -1;
}

static bool one_receiver(int thread, int op)
{
    return op == LIN_Q_ENQ || thread == 0;
}

TEST(chan, bounded_channel_is_linearizable, .timeout = 120)
{
    static const unsigned mix[] = {1, 1};
    struct lin_target t = {&lin_queue, lin_chan_new, lin_chan_free, lin_chan_apply, 1, 99, mix,
                           2,          one_receiver};
    struct lin_run_config c = {.threads = 3,
                               .ops_per_thread = 8,
                               .runs = (unsigned)lab_scaled(300),
                               .seed = 11,
                               .yields = true};
    struct lin_run_report r;
    ASSERT_EQ(lin_run(&t, &c, &r), 0, "%s", r.history);
    ASSERT_EQ(r.runs, c.runs);
}
