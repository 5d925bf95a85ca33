/* test_threads.c - the start gate releases every thread, and only after all exist. */
#include <stdlib.h>

#include "cacheline.h"
#include "clock.h"
#include "threads.h"
#include "test.h"

struct gate_probe {
    _Atomic size_t started;
    size_t n;
    _Atomic int saw_all; /* every worker saw started reach n? */
    struct padded_counter counts[8];
};

static void *count_and_check(size_t id, void *arg)
{
    struct gate_probe *p = arg;
    atomic_fetch_add(&p->started, 1);
    /* All threads were released together: each eventually sees all started. */
    while (atomic_load(&p->started) < p->n)
        lab_cpu_relax();
    for (int i = 0; i < 1000; i++)
        atomic_fetch_add_explicit(&p->counts[id].value, 1, memory_order_relaxed);
    atomic_fetch_add(&p->saw_all, 1);
    return NULL;
}

TEST(threads, all_start_and_join, .timeout = 30)
{
    struct gate_probe p = {.n = 8};
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 8, count_and_check, &p, 0), 0);
    ASSERT_NULL(lab_threads_join(&ts));
    ASSERT_EQ(atomic_load(&p.saw_all), 8);
    for (int i = 0; i < 8; i++)
        ASSERT_EQ(atomic_load(&p.counts[i].value), 1000, "thread %d", i);
}

static void *fail_on_odd(size_t id, void *arg)
{
    (void)arg;
    return (id % 2) ? (void *)"odd" : NULL;
}

TEST(threads, join_reports_first_failure)
{
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 4, fail_on_odd, NULL, 0), 0);
    const char *r = lab_threads_join(&ts);
    ASSERT_NOT_NULL(r);
    ASSERT_STR_EQ(r, "odd");
}

static void *nothing(size_t id, void *arg)
{
    (void)id;
    (void)arg;
    return NULL;
}

TEST(threads, pinning_is_best_effort)
{
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 2, nothing, NULL, LAB_THREADS_PIN), 0);
    lab_threads_join(&ts);
    ASSERT_LE(atomic_load(&ts.pinned), 2);
}

TEST(threads, zero_threads)
{
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 0, nothing, NULL, 0), 0);
    ASSERT_NULL(lab_threads_join(&ts));
}

TEST(threads, ncpus_positive)
{
    ASSERT_GE(lab_ncpus(), 1);
}

TEST(cacheline, padded_counters_do_not_share)
{
    struct padded_counter c[4];
    for (int i = 1; i < 4; i++)
        ASSERT_NE(cache_line_of(&c[i - 1]), cache_line_of(&c[i]));
    ASSERT_EQ((uintptr_t)&c[0] % CACHE_LINE, 0);
}

TEST(clock, monotonic_and_cycles_advance)
{
    uint64_t t0 = lab_now_ns(), c0 = lab_cycles();
    while (lab_now_ns() - t0 < 2000000)
        ;
    ASSERT_GE(lab_now_ns() - t0, 2000000);
    ASSERT_GT(lab_cycles(), c0, "%s did not advance over 2 ms", lab_cycles_source());
}
