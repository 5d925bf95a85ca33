/* test_status_demo.c - the book's status demo, under every lock: whatever the
 * schedule, no more workers inside at once than the lock's capacity; with a
 * capacity of 1, a plain counter bumped in every section adds up to the
 * workers' counts; the rows never report more than was counted. */
#include <errno.h>

#include "status_demo.h"
#include "test.h"

static const char *const names[] = {"sem2", "sem1", "bena", "posix", "pthread", "swap"};

static void run_and_check(enum status_lock lock, bool pad)
{
    const struct status_demo_config cfg = {
        .lock = lock, .workers = 4, .pad = pad, .seconds = 0.1, .interval_ms = 10, .check = true};
    struct status_demo_outcome o;
    ASSERT_EQ(status_demo_run(&cfg, &o), 0, "%s: the lock and the workers were set up",
              names[lock]);
    ASSERT_EQ(o.capacity, lock == STATUS_SEM2 ? 2u : 1u, "%s", names[lock]);
    uint64_t counted = 0;
    for (unsigned i = 0; i < cfg.workers; i++) {
        counted += o.counted[i];
        ASSERT_LE(o.reported[i], o.counted[i], "%s: worker %u's rows", names[lock], i);
    }
    ASSERT_GT(counted, 0, "%s: in 0.1 s some worker got in", names[lock]);
    ASSERT(o.most_inside >= 1 && o.most_inside <= (int)o.capacity,
           "%s: %d workers inside at once, capacity %u", names[lock], o.most_inside, o.capacity);
    if (o.capacity == 1)
        ASSERT_EQ(o.sections, counted, "%s: the sections against the workers' counts", names[lock]);
}

TEST(status_demo, every_lock_keeps_its_capacity_and_the_counts_add_up, .timeout = 60)
{
    for (int lock = STATUS_SEM2; lock <= STATUS_SWAP; lock++)
        run_and_check((enum status_lock)lock, false);
}

TEST(status_demo, padded_counters_too, .timeout = 60)
{
    run_and_check(STATUS_SEM2, true);
    run_and_check(STATUS_PTHREAD, true);
}

TEST(status_demo, refuses_a_bad_configuration)
{
    struct status_demo_outcome o;
    const struct status_demo_config none = {
        .lock = STATUS_SEM1, .workers = 0, .seconds = 0.1, .interval_ms = 10};
    const struct status_demo_config many = {
        .lock = STATUS_SEM1, .workers = STATUS_MAX_WORKERS + 1, .seconds = 0.1, .interval_ms = 10};
    ASSERT_EQ(status_demo_run(&none, &o), EINVAL);
    ASSERT_EQ(status_demo_run(&many, &o), EINVAL);
}
