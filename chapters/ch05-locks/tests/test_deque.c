/* test_deque.c - the two-lock deque: capacity 1 and N, wrap-around, a full
 * deque hands the item back, the wake is asked for only on empty -> not
 * empty, a blocked pop wakes; properties (several senders: nothing lost,
 * nothing invented, each sender's order kept); linearizability against a
 * FIFO queue. */
#include <errno.h>
#include <stdlib.h>

#include "deque.h"
#include "env.h"
#include "lincheck.h"
#include "prop.h"
#include "test.h"
#include "threads.h"

static int push(struct deque *q, int64_t v)
{
    deque_lock_back(q);
    int rc = deque_push_back(q, &v);
    if (rc == 1)
        deque_notify_not_empty(q);
    deque_unlock_back(q);
    return rc;
}

static int64_t pop(struct deque *q)
{
    int64_t v;
    deque_pop_front(q, &v);
    return v;
}

TEST(deque, capacity_one)
{
    struct deque q;
    ASSERT_EQ(deque_init(&q, 1, sizeof(int64_t), true), 0);
    ASSERT_EQ(push(&q, 7), 1, "empty -> not empty asks for a wake");
    ASSERT_EQ(push(&q, 8), -ENOSPC, "full: the item stays with the caller");
    ASSERT_EQ(deque_len(&q), 1);
    ASSERT_EQ(pop(&q), 7);
    ASSERT_EQ(push(&q, 8), 1);
    ASSERT_EQ(pop(&q), 8);
    ASSERT_EQ(deque_len(&q), 0);
    deque_destroy(&q);
}

TEST(deque, wraps_around_and_keeps_order)
{
    struct deque q;
    ASSERT_EQ(deque_init(&q, 5, sizeof(int64_t), true), 0);
    int64_t next_in = 0, next_out = 0;
    for (int round = 0; round < 50; round++) {
        int n = 1 + round % 5;
        for (int i = 0; i < n; i++)
            ASSERT(push(&q, next_in++) >= 0);
        for (int i = 0; i < n; i++)
            ASSERT_EQ(pop(&q), next_out++);
    }
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(push(&q, i), i == 0 ? 1 : 0, "a wake only for the first");
    ASSERT_EQ(push(&q, 5), -ENOSPC);
    deque_destroy(&q);
}

TEST(deque, bad_sizes)
{
    struct deque q;
    ASSERT_EQ(deque_init(&q, 0, 8, true), -EINVAL);
    ASSERT_EQ(deque_init(&q, 8, 0, true), -EINVAL);
}

static void *blocked_pop(size_t id, void *arg)
{
    (void)id;
    static int64_t got;
    got = pop(arg);
    return &got;
}

TEST(deque, a_blocked_pop_wakes, .timeout = 30)
{
    struct deque q;
    ASSERT_EQ(deque_init(&q, 4, sizeof(int64_t), true), 0);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 1, blocked_pop, &q, 0), 0);
    int64_t v;
    ASSERT_EQ(deque_pop_front_timed(&q, &v, 50), -ETIMEDOUT, "nothing to take yet");
    ASSERT_EQ(push(&q, 42), 1);
    int64_t *got =
        lab_threads_join(&ts); /* a missing notify would hang here: the timeout names it */
    ASSERT_EQ(*got, 42);
    deque_destroy(&q);
}

/* ---- several senders, one receiver: a property over sizes ------------------------------ */

struct mpsc {
    struct deque q;
    int senders;
    int64_t per_sender;
};

static void *sender(size_t id, void *arg)
{
    struct mpsc *m = arg;
    for (int64_t i = 0; i < m->per_sender; i++) {
        int64_t v = (int64_t)id << 32 | i;
        while (push(&m->q, v) == -ENOSPC)
            lab_cpu_relax(); /* full: keep the item, try again */
    }
    return NULL;
}

static enum prop_result senders_and_receiver(struct prop_source *s, void *env)
{
    (void)env;
    struct mpsc m;
    size_t cap = 1 + prop_size(s, 15);
    m.senders = (int)prop_int(s, 1, 4);
    m.per_sender = prop_int(s, 0, lab_emulated() ? 200 : 2000);
    prop_log(s, "capacity %zu, %d senders x %lld items", cap, m.senders, (long long)m.per_sender);
    if (deque_init(&m.q, cap, sizeof(int64_t), true) != 0)
        return PROP_DISCARD;
    struct lab_threads ts;
    if (lab_threads_start(&ts, (size_t)m.senders, sender, &m, 0) != 0) {
        deque_destroy(&m.q);
        return PROP_DISCARD;
    }
    int64_t next[4] = {0};
    enum prop_result r = PROP_PASS;
    for (int64_t n = 0; n < m.senders * m.per_sender; n++) {
        int64_t v = pop(&m.q);
        int id = (int)(v >> 32);
        int64_t i = v & 0xffffffff;
        if (r == PROP_PASS && (id < 0 || id >= m.senders || i != next[id])) {
            prop_log(s, "received %d:%lld, expected %d:%lld", id, (long long)i, id,
                     (long long)(id >= 0 && id < 4 ? next[id] : -1));
            r = PROP_FAIL; /* keep receiving so the senders finish */
        }
        if (id >= 0 && id < 4)
            next[id]++;
    }
    lab_threads_join(&ts);
    if (r == PROP_PASS && deque_len(&m.q) != 0) {
        prop_log(s, "%zu items left after all were received", deque_len(&m.q));
        r = PROP_FAIL;
    }
    deque_destroy(&m.q);
    return r;
}

PROPERTY(deque, senders_fifo_nothing_lost, senders_and_receiver, NULL)

/* ---- linearizability against a FIFO queue --------------------------------------------- */

static void *lin_new(void)
{
    struct deque *q = malloc(sizeof *q);
    if (q != NULL && deque_init(q, LIN_MAX_OPS, sizeof(int64_t), true) != 0) {
        free(q);
        q = NULL;
    }
    return q;
}

static void lin_free(void *q)
{
    deque_destroy(q);
    free(q);
}

static int64_t lin_apply(void *q, int op, int64_t arg)
{
    if (op == LIN_Q_ENQ)
        return push(q, arg) < 0 ? -2 : 0;
    int64_t v;
    return deque_pop_front_timed(q, &v, 0) == 0 ? v : -1;
}

TEST(deque, linearizable_as_a_fifo_queue, .timeout = 300)
{
    static const unsigned mix[] = {1, 1};
    struct lin_target t = {&lin_queue, lin_new, lin_free, lin_apply, 1, 99, mix, 2, NULL};
    struct lin_run_config c = {.threads = 3,
                               .ops_per_thread = 8,
                               .runs = (unsigned)lab_scaled(300),
                               .seed = 5,
                               .yields = true};
    struct lin_run_report r;
    ASSERT_EQ(lin_run(&t, &c, &r), 0, "%s", r.history);
    ASSERT_EQ(r.runs, c.runs);
}
