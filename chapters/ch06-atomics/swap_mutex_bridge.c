/*
 * swap_mutex_bridge.c - the rope bridge of chapter 5 on the book's SwapMutex
 * (or any lock of spin.h), counting how many travellers arrive each way per
 * second: a lock's fairness, seen from two threads that want it all the time.
 *
 * The bridge is Empty, or carries travellers Leftward(n) or Rightward(n),
 * n <= 5. The left thread sends travellers rightward and receives those coming
 * leftward; the right thread mirrors it. Each turn, a thread locks, makes one
 * move, unlocks:
 *
 *   left thread:  Empty -> Rightward(1); Rightward(n < 5) -> Rightward(n+1);
 *                 Leftward(0) -> Empty; Leftward(n > 0): one arrives, n-1
 *   right thread: the mirror image
 *
 * Every move checks the bridge inside the lock (at most 5, one direction), so
 * `--lock none`, the broken twin with no lock at all, is caught in the act.
 * The swap lock yields between tries, as the book's does, and is not fair:
 * which side gets the rope is up to the scheduler. The ticket and MCS locks
 * serve the two threads in turn.
 *
 *     swap_mutex_bridge                       5 rows, one a second (the book's)
 *     swap_mutex_bridge --lock ticket --seconds 2 --interval-ms 500
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "clock.h"
#include "env.h"
#include "spin_any.h"
#include "threads.h"

enum { CAPACITY = 5 };
enum direction { EMPTY, LEFTWARD, RIGHTWARD };

struct bridge {
    struct spin_any lock;
    bool use_lock;               /* false: the broken twin */
    enum direction dir;          /* guarded by lock */
    int on_rope;                 /* guarded by lock */
    _Atomic uint64_t arrived[2]; /* [0] at the left bank, [1] at the right */
    _Atomic uint64_t turns[2];   /* lock acquisitions by each thread */
    _Atomic uint64_t broken;     /* moves that found an impossible bridge */
    _Atomic int stop;
};

/* One move of side `left` (1) or the right side (0); lock held. */
static void move(struct bridge *b, int left)
{
    enum direction out = left ? RIGHTWARD : LEFTWARD;
    if (b->on_rope < 0 || b->on_rope > CAPACITY || (b->dir == EMPTY && b->on_rope != 0))
        atomic_fetch_add_explicit(&b->broken, 1, memory_order_relaxed);
    if (b->dir == EMPTY) {
        b->dir = out;
        b->on_rope = 1;
    } else if (b->dir == out) {
        if (b->on_rope < CAPACITY)
            b->on_rope++;
    } else if (b->on_rope == 0) {
        b->dir = EMPTY;
    } else {
        b->on_rope--; /* one traveller arrives on our bank */
        /* relaxed: a tally; main only needs the increments to land */
        atomic_fetch_add_explicit(&b->arrived[!left], 1, memory_order_relaxed);
    }
}

static void *side(size_t id, void *arg)
{
    struct bridge *b = arg;
    int left = id == 0;
    struct spin_mcs_node me;
    /* relaxed: the flag only has to be seen eventually */
    while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
        if (b->use_lock)
            spin_any_lock(&b->lock, &me);
        move(b, left);
        if (b->use_lock)
            spin_any_unlock(&b->lock, &me);
        atomic_fetch_add_explicit(&b->turns[id], 1, memory_order_relaxed);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double seconds = 5;
    long interval_ms = 1000;
    const char *lock_name = "swap";
    const struct cli_option opts[] = {
        CLI_STRING("lock", &lock_name, "KIND",
                   "swap (the book's), cas, ttas, ticket, mcs, futex, pthread, pthread_spin, "
                   "or none (the broken twin)"),
        CLI_DOUBLE("seconds", &seconds, "S", "how long to run (the book: for ever)", 0.01, 3600),
        CLI_LONG("interval-ms", &interval_ms, "MS", "one row per interval", 10, 60000),
    };
    const struct cli cli = {
        .prog = "swap_mutex_bridge",
        .summary = "The rope bridge on a spin lock: travellers arriving each way per second.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);

    static struct bridge b;
    ANNOTATE_ATOMIC(&b.stop); /* a relaxed flag, read in a loop by design */
    b.use_lock = strcmp(lock_name, "none") != 0;
    if (b.use_lock) {
        enum spin_kind kind = spin_kind_from_name(lock_name);
        if (kind == SPIN_KINDS)
            cli_error("no lock named '%s' (try --help)", lock_name);
        if (spin_any_init(&b.lock, kind) != 0)
            die("cannot initialise the %s lock", lock_name);
    }
    struct lab_threads ts;
    int rc = lab_threads_start(&ts, 2, side, &b, 0);
    if (rc != 0)
        die("cannot start the two sides: %s", strerror(rc));

    printf("swap_mutex_bridge: lock %s, a row every %ld ms for %.2f s\n", lock_name, interval_ms,
           seconds);
    uint64_t start = lab_now_ns(), end = start + (uint64_t)(seconds * 1e9);
    uint64_t total[2] = {0, 0};
    for (uint64_t next = start + (uint64_t)interval_ms * 1000000; next <= end + 1000;
         next += (uint64_t)interval_ms * 1000000) {
        lab_sleep_until_ns(next);
        uint64_t lhs = atomic_exchange_explicit(&b.arrived[0], 0, memory_order_relaxed);
        uint64_t rhs = atomic_exchange_explicit(&b.arrived[1], 0, memory_order_relaxed);
        total[0] += lhs, total[1] += rhs;
        double per_s = 1000.0 / (double)interval_ms;
        printf("Transfers per second: LHS: %.0f RHS: %.0f\n", (double)lhs * per_s,
               (double)rhs * per_s);
        fflush(stdout);
    }
    atomic_store_explicit(&b.stop, 1, memory_order_relaxed);
    lab_threads_join(&ts);
    total[0] += atomic_load(&b.arrived[0]), total[1] += atomic_load(&b.arrived[1]);
    if (b.use_lock)
        spin_any_destroy(&b.lock);

    uint64_t t0 = atomic_load(&b.turns[0]), t1 = atomic_load(&b.turns[1]);
    uint64_t hi = total[0] > total[1] ? total[0] : total[1];
    uint64_t lo = total[0] > total[1] ? total[1] : total[0];
    printf("total: LHS %llu RHS %llu (%s side ahead by %.1f%%); turns: left %llu right %llu\n",
           (unsigned long long)total[0], (unsigned long long)total[1],
           total[0] >= total[1] ? "left" : "right", lo ? 100.0 * (double)(hi - lo) / (double)lo : 0,
           (unsigned long long)t0, (unsigned long long)t1);
    uint64_t broken = atomic_load(&b.broken);
    if (broken > 0) {
        printf("the bridge was found impossible %llu times (more than %d on it, or a count "
               "without a direction)\n",
               (unsigned long long)broken, CAPACITY);
        return 1;
    }
    return 0;
}
