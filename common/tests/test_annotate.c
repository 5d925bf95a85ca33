/* test_annotate.c - message passing through fences is correct and, built with
 * ThreadSanitizer, raises no report (TSan exits 66 on a report, failing the test). */
#include <stdlib.h>

#include "annotate.h"
#include "fence.h"
#include "env.h"
#include "threads.h"
#include "test.h"

struct mailbox {
    long payload; /* plain: ordered only by the fences around flag */
    _Atomic int flag;
};

static void *producer(struct mailbox *m, long value)
{
    m->payload = value;
    ANNOTATE_HB_BEFORE(&m->flag);
    lab_fence_release(&m->flag); /* orders the payload store before the flag store */
    atomic_store_explicit(&m->flag, 1, memory_order_relaxed);
    return NULL;
}

static void *consumer(struct mailbox *m, long value)
{
    while (atomic_load_explicit(&m->flag, memory_order_relaxed) == 0)
        lab_cpu_relax();
    lab_fence_acquire(&m->flag); /* orders the flag load before the payload load */
    ANNOTATE_HB_AFTER(&m->flag);
    return m->payload == value ? NULL : (void *)"payload not visible after flag";
}

struct round {
    struct mailbox *boxes;
    long rounds;
};

static void *worker(size_t id, void *arg)
{
    struct round *r = arg;
    for (long i = 0; i < r->rounds; i++) {
        void *bad = id == 0 ? producer(&r->boxes[i], i + 1) : consumer(&r->boxes[i], i + 1);
        if (bad)
            return bad;
    }
    return NULL;
}

TEST(annotate, fenced_message_passing, .timeout = 60)
{
    long rounds = (long)lab_scaled(20000);
    struct mailbox *boxes = calloc((size_t)rounds, sizeof *boxes);
    ASSERT_NOT_NULL(boxes);
    for (long i = 0; i < rounds; i++)
        ANNOTATE_ATOMIC(&boxes[i].flag);
    struct round r = {boxes, rounds};
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 2, worker, &r, 0), 0);
    const char *err = lab_threads_join(&ts);
    free(boxes);
    ASSERT_NULL(err, "%s", err);
}
