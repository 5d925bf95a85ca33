/*
 * ring_racy.c - a ring buffer shared by a writer and a reader with no
 * synchronisation at all. RACY ON PURPOSE: its fixed twin is ring_mutex.c.
 *
 * The book's data_race00: capacity 10, the writer fills slots and bumps `size`,
 * the reader empties slots and drops it, each checking `size` to know whether
 * it may go on. Three things race: the size updates (load, add, store: one
 * thread's update overwrites the other's, so `size` drifts from the truth), the
 * order of "fill the slot" against "bump size" (nothing keeps the compiler or
 * the CPU from reordering them), and the slots themselves. When `size` under-
 * counts, the writer laps the reader and overwrites values it has not read: the
 * reader then finds cur + 10 where it expected cur (the book's 31 for 21). When
 * it over-counts, both sides can wait forever for each other; the reader gives
 * up after a second without progress and says so.
 *
 * --writer-checks is the book's data_race01: the writer also checks that the
 * slot it fills is empty, and reports when it stomps a value.
 *
 * helgrind, DRD and ThreadSanitizer report the races every time, even in runs
 * where the values happen to come out right (tests/races.tsv; `make helgrind-ch04`
 * prints the reports). The slots and `size` are volatile so that the compiler
 * re-reads them in every pass of the waiting loops, as the Rust original's
 * raw-pointer accesses do.
 *
 *   ring_racy [--capacity N] [--count N] [--writer-checks]
 *
 * Exit status 1 when the ring misbehaved (out-of-order value, stomped slot or
 * stall); 0 when this run happened to come out right.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "clock.h"
#include "env.h"
#include "threads.h"

struct slot {
    volatile uint32_t some; /* the Option: 0 = None */
    volatile uint32_t val;
};

struct ring {
    uint32_t capacity, count;
    bool writer_checks;
    volatile uint32_t size; /* racy: updated by both threads without a lock */
    struct slot *data;
    _Atomic bool stop; /* not part of the lesson: lets the writer end */
    /* what went wrong, each written by one thread only and read after join */
    uint32_t expected, found, stomped_at, stomped_val;
    bool out_of_order, stomped, stalled;
    uint64_t taken;
};

static void writer(struct ring *r)
{
    uint32_t offset = 0, cur = 0;
    while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
        if (r->size != r->capacity) {
            if (r->writer_checks && r->data[offset].some && !r->stomped) {
                r->stomped = true; /* the book's "slot was not None" */
                r->stomped_at = offset;
                r->stomped_val = r->data[offset].val;
            }
            r->data[offset].val = cur;
            r->data[offset].some = 1;
            r->size = r->size + 1; /* racy read-modify-write */
            cur++;
            offset = (offset + 1) % r->capacity;
        } else {
            sched_yield();
        }
    }
}

static void reader(struct ring *r)
{
    uint32_t offset = 0, cur = 0;
    uint64_t last_progress = lab_now_ns();
    while (cur < r->count) {
        uint32_t some = r->data[offset].some, val = r->data[offset].val;
        r->data[offset].some = 0; /* take it: the swap with None */
        if (some) {
            if (val != cur) {
                r->out_of_order = true; /* the book's assertion: left 31, right 21 */
                r->expected = cur;
                r->found = val;
                break;
            }
            r->size = r->size - 1; /* racy read-modify-write */
            cur++;
            offset = (offset + 1) % r->capacity;
            last_progress = lab_now_ns();
        } else {
            sched_yield();
            if (lab_now_ns() - last_progress > 1000000000u * (uint64_t)lab_slowdown()) {
                r->stalled = true; /* size and slots disagree: both sides wait */
                break;
            }
        }
    }
    r->taken = cur;
    atomic_store_explicit(&r->stop, true, memory_order_relaxed);
}

static void *run_side(size_t id, void *arg)
{
    if (id == 0)
        writer(arg);
    else
        reader(arg);
    return NULL;
}

int main(int argc, char **argv)
{
    long capacity = 10;
    uint64_t count = 1000;
    bool checks = false;
    const struct cli_option opts[] = {
        CLI_LONG("capacity", &capacity, "N", "slots in the ring", 1, 1 << 20),
        CLI_U64("count", &count, "N", "values the reader takes"),
        CLI_FLAG("writer-checks", &checks, "the writer reports slots it overwrites (data_race01)"),
    };
    const struct cli cli = {
        .prog = "ring_racy",
        .summary = "An unsynchronised ring buffer (racy on purpose; see ring_mutex).",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (count == 0 || count > UINT32_MAX)
        cli_error("--count must be in [1, 2^32 - 1]");
    struct ring r = {
        .capacity = (uint32_t)capacity, .count = (uint32_t)count, .writer_checks = checks};
    r.data = calloc((size_t)capacity, sizeof *r.data);
    if (r.data == NULL)
        die("out of memory");
    atomic_init(&r.stop, false);
    struct lab_threads ts;
    if (lab_threads_start(&ts, 2, run_side, &r, 0) != 0)
        die("could not start the threads");
    lab_threads_join(&ts);
    free(r.data);
    if (r.stomped)
        printf("writer: slot %u was not empty: it still held %u, unread\n", r.stomped_at,
               r.stomped_val);
    if (r.out_of_order)
        printf("reader: expected %u, found %u (the writer lapped the ring)\n", r.expected, r.found);
    if (r.stalled)
        printf("reader: no progress for a second: size and the slots disagree\n");
    bool bad = r.out_of_order || r.stomped || r.stalled;
    printf("ring_racy: read %llu of %llu values%s\n", (unsigned long long)r.taken,
           (unsigned long long)count,
           bad ? ": the race showed" : ": correct this time (the race is still there)");
    return bad ? 1 : 0;
}
