/* test_semaphore.c - the token semaphore lets in as many threads as its
 * capacity, never more, and loses no token; the benaphore excludes; both say
 * no to trywait when empty, and a wait sleeps until a signal wakes it. */
#include <stdatomic.h>
#include <time.h>

#include "clock.h"
#include "env.h"
#include "semaphore.h"
#include "test.h"
#include "threads.h"

enum { WORKERS = 4 };

struct crowd {
    struct sem_token token;
    struct sem_bena bena;
    bool use_bena;
    uint64_t iters;
    uint64_t plain; /* incremented inside: exact only for capacity 1 */
    _Atomic uint64_t counted;
    _Atomic int inside, most_inside;
};

static void *enter_and_leave(size_t id, void *arg)
{
    (void)id;
    struct crowd *c = arg;
    for (uint64_t i = 0; i < c->iters; i++) {
        if (c->use_bena)
            sem_bena_wait(&c->bena);
        else
            sem_token_wait(&c->token);
        int now = atomic_fetch_add(&c->inside, 1) + 1;
        int most = atomic_load(&c->most_inside);
        while (now > most && !atomic_compare_exchange_weak(&c->most_inside, &most, now)) {
        }
        if (c->use_bena)
            c->plain++; /* only the binary one promises exclusion */
        atomic_fetch_add(&c->counted, 1);
        atomic_fetch_sub(&c->inside, 1);
        if (c->use_bena)
            sem_bena_signal(&c->bena);
        else
            sem_token_signal(&c->token);
    }
    return NULL;
}

TEST(semaphore, token_semaphore_admits_at_most_its_capacity, .timeout = 120)
{
    for (uint32_t cap = 1; cap <= 3; cap++) {
        static struct crowd c;
        c = (struct crowd){.iters = lab_scaled(50000)};
        ASSERT_EQ(sem_token_init(&c.token, cap), 0);
        struct lab_threads ts;
        ASSERT_EQ(lab_threads_start(&ts, WORKERS, enter_and_leave, &c, 0), 0);
        lab_threads_join(&ts);
        ASSERT(atomic_load(&c.most_inside) <= (int)cap, "capacity %u: %d inside at once", cap,
               atomic_load(&c.most_inside));
        ASSERT_EQ(atomic_load(&c.counted), WORKERS * c.iters);
        /* every token came back */
        for (uint32_t i = 0; i < cap; i++)
            ASSERT(sem_token_trywait(&c.token), "capacity %u: token %u lost", cap, i);
        ASSERT(!sem_token_trywait(&c.token), "capacity %u: a token too many", cap);
        sem_token_destroy(&c.token);
    }
}

/* ---- the capacity is reached: two inside at once, and a third waits ---- */

struct two_of_three {
    struct sem_token token;
    _Atomic int inside, entered; /* threads inside now, and ever */
    _Atomic int third_go;        /* thread 2 may start its wait */
    _Atomic int leave[3];        /* thread i may leave */
};

/* Threads 0 and 1 enter at once; thread 2 waits for its go first. Each stays
 * inside until the test lets it leave. */
static void *enter_and_stay(size_t id, void *arg)
{
    struct two_of_three *t = arg;
    if (id == 2)
        lab_spin_until_set(&t->third_go);
    sem_token_wait(&t->token);
    atomic_fetch_add(&t->inside, 1);
    atomic_fetch_add(&t->entered, 1);
    lab_spin_until_set(&t->leave[id]);
    atomic_fetch_sub(&t->inside, 1);
    sem_token_signal(&t->token);
    return NULL;
}

/* Waits until *v reaches want; false after a few seconds (scaled for slow
 * runs), so that a semaphore that never lets it happen fails, not hangs. */
static bool reaches(_Atomic int *v, int want)
{
    uint64_t deadline = lab_now_ns() + (uint64_t)(2e9 * lab_slowdown());
    while (atomic_load(v) < want) {
        if (lab_now_ns() > deadline)
            return false;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    return true;
}

TEST(semaphore, capacity_2_holds_two_at_once_and_a_third_waits, .timeout = 30)
{
    static struct two_of_three t;
    t = (struct two_of_three){0};
    ASSERT_EQ(sem_token_init(&t.token, 2), 0);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 3, enter_and_stay, &t, 0), 0);

    /* Neither of the first two leaves before both are inside. */
    bool two_inside = reaches(&t.inside, 2);
    int inside_then = atomic_load(&t.inside);
    bool third_refused = !sem_token_trywait(&t.token);
    if (!third_refused)
        sem_token_signal(&t.token);

    /* The third waits while two are inside, and enters when one leaves. */
    atomic_store(&t.third_go, 1);
    nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
    int entered_while_full = atomic_load(&t.entered);
    atomic_store(&t.leave[0], 1);
    bool third_entered = reaches(&t.entered, 3);

    for (int i = 0; i < 3; i++)
        atomic_store(&t.leave[i], 1);
    lab_threads_join(&ts);
    ASSERT(two_inside, "capacity 2 let only %d thread(s) in at once", inside_then);
    ASSERT(third_refused, "a trywait got a third token while two were inside");
    ASSERT_EQ(entered_while_full, 2, "a third wait went through while two were inside");
    ASSERT(third_entered, "the third did not get in when one of the two left");
    for (uint32_t i = 0; i < 2; i++)
        ASSERT(sem_token_trywait(&t.token), "token %u lost", i);
    ASSERT(!sem_token_trywait(&t.token), "a token too many");
    sem_token_destroy(&t.token);
}

TEST(semaphore, benaphore_excludes, .timeout = 120)
{
    static struct crowd c;
    c = (struct crowd){.iters = lab_scaled(100000), .use_bena = true};
    sem_bena_init(&c.bena);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, WORKERS, enter_and_leave, &c, 0), 0);
    lab_threads_join(&ts);
    ASSERT_EQ(atomic_load(&c.most_inside), 1);
    ASSERT_EQ(c.plain, WORKERS * c.iters, "a plain counter under it is exact");
    ASSERT_EQ(atomic_load(&c.bena.count), 1, "free at the end");
}

TEST(semaphore, trywait_says_no_when_empty)
{
    struct sem_token t;
    ASSERT_EQ(sem_token_init(&t, 2), 0);
    ASSERT(sem_token_trywait(&t));
    ASSERT(sem_token_trywait(&t));
    ASSERT(!sem_token_trywait(&t));
    sem_token_signal(&t);
    ASSERT(sem_token_trywait(&t));
    sem_token_destroy(&t);
    ASSERT_EQ(sem_token_init(&t, 0), -EINVAL);

    struct sem_bena b;
    sem_bena_init(&b);
    ASSERT(sem_bena_trywait(&b));
    ASSERT(!sem_bena_trywait(&b));
    sem_bena_signal(&b);
    ASSERT(sem_bena_trywait(&b));
}

struct sleeper {
    struct sem_token token;
    struct sem_bena bena;
    bool use_bena;
    _Atomic int through;
};

static void *wait_once(size_t id, void *arg)
{
    (void)id;
    struct sleeper *s = arg;
    if (s->use_bena)
        sem_bena_wait(&s->bena);
    else
        sem_token_wait(&s->token);
    atomic_fetch_add(&s->through, 1);
    return NULL;
}

/* Two waiters on an empty semaphore sleep; each signal lets one through. */
static void sleep_until_signalled(bool use_bena)
{
    static struct sleeper s;
    s = (struct sleeper){.use_bena = use_bena};
    if (use_bena) {
        sem_bena_init(&s.bena);
        ASSERT(sem_bena_trywait(&s.bena));
    } else {
        ASSERT_EQ(sem_token_init(&s.token, 1), 0);
        ASSERT(sem_token_trywait(&s.token));
    }
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 2, wait_once, &s, 0), 0);
    nanosleep(&(struct timespec){.tv_nsec = 30000000}, NULL);
    ASSERT_EQ(atomic_load(&s.through), 0, "nobody passes an empty semaphore");
    for (int k = 1; k <= 2; k++) {
        if (use_bena)
            sem_bena_signal(&s.bena);
        else
            sem_token_signal(&s.token);
        while (atomic_load(&s.through) < k)
            sched_yield();
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
        ASSERT_EQ(atomic_load(&s.through), k, "one signal, one waiter through");
    }
    lab_threads_join(&ts);
    if (!use_bena)
        sem_token_destroy(&s.token);
}

TEST(semaphore, token_wait_sleeps_until_a_signal, .timeout = 60)
{
    sleep_until_signalled(false);
}
TEST(semaphore, benaphore_wait_sleeps_until_a_signal, .timeout = 60)
{
    sleep_until_signalled(true);
}
