/* status_demo.h - the book's status demo (status_demo.c), run whole, for its
 * test. */
#ifndef CH06_STATUS_DEMO_H
#define CH06_STATUS_DEMO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum status_lock {
    STATUS_SEM2,
    STATUS_SEM1,
    STATUS_BENA,
    STATUS_POSIX,
    STATUS_PTHREAD,
    STATUS_SWAP
};

enum { STATUS_MAX_WORKERS = 16 };

struct status_demo_config {
    enum status_lock lock;
    unsigned workers; /* 1 .. STATUS_MAX_WORKERS */
    bool pad;         /* each worker's counter on its own cache line */
    double seconds;
    long interval_ms; /* one row per interval */
    FILE *rows;       /* where the rows go; NULL: nowhere */
    bool check;       /* count who is inside (status_demo --check) */
};

/* What a run did. Whatever the schedule, when the lock works: the rows never
 * report more than a worker counted; and with check, at most `capacity`
 * workers were ever inside at once, and with capacity 1 `sections` (a plain
 * counter, racy without exclusion) equals the sum of `counted`. */
struct status_demo_outcome {
    unsigned capacity;                     /* 2 for sem2, else 1 */
    int most_inside;                       /* check: the most workers inside at once */
    uint64_t sections;                     /* check, capacity 1: sections counted under the lock */
    uint64_t counted[STATUS_MAX_WORKERS];  /* each worker's count at the end */
    uint64_t reported[STATUS_MAX_WORKERS]; /* what the rows added up to, per worker */
};

/* Runs the demo: the workers for `seconds`, a row every interval. Returns 0,
 * or a positive errno when the lock or the workers could not be set up. */
int status_demo_run(const struct status_demo_config *cfg, struct status_demo_outcome *out);

#endif
