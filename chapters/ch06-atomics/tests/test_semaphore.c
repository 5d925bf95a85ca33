/* test_semaphore.c - the token semaphore never lets more than its capacity in
 * and loses no token; the benaphore excludes; both say no to trywait when
 * empty, and a wait sleeps until a signal wakes it. */
#include <stdatomic.h>
#include <time.h>

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
