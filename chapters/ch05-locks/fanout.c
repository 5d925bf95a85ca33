/*
 * fanout.c - every reader sees every write: one bounded channel per reader,
 * the book's writer_example01.
 *
 * Where the rwlock example's readers may miss values, here the writer sends
 * each value of its wrapping uint16_t to every reader's own channel (capacity
 * 64): a full channel blocks the writer until that reader catches up, so
 * nothing is missed and nobody runs ahead by more than 64. Each reader counts
 * what it receives until it has seen 100 zeros. The count is exact: 100 wraps
 * of 65,536 values, 6,553,600 for every reader (the book does not print it;
 * tests/test_rwlock.c asserts it).
 *
 *   fanout [--readers N] [--wraps N] [--capacity N]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "cli.h"
#include "env.h"
#include "rwlock.h"
#include "threads.h"

struct fan {
    struct chan *ch[RW_MAX_READERS];
    unsigned wraps;
    uint64_t *seen;
};

static void *fan_reader(size_t id, void *arg)
{
    struct fan *f = arg;
    uint64_t seen = 0, zeros = 0;
    uint16_t v;
    while (zeros < f->wraps && chan_recv(f->ch[id], &v) == 0) {
        seen++;
        zeros += v == 0;
    }
    f->seen[id] = seen;
    chan_drop_receiver(f->ch[id]);
    return NULL;
}

int fanout_run(unsigned readers, unsigned wraps, unsigned capacity, uint64_t *seen)
{
    if (readers == 0 || readers > RW_MAX_READERS || capacity == 0)
        return -EINVAL;
    struct fan f = {.wraps = wraps, .seen = seen};
    for (unsigned i = 0; i < readers; i++) {
        if ((f.ch[i] = chan_create(sizeof(uint16_t), capacity)) == NULL) {
            while (i-- > 0) {
                chan_drop_sender(f.ch[i]);
                chan_drop_receiver(f.ch[i]);
            }
            return -ENOMEM;
        }
    }
    struct lab_threads ts;
    int rc = lab_threads_start(&ts, readers, fan_reader, &f, 0) == 0 ? 0 : -EAGAIN;
    uint16_t v = 0;
    for (unsigned loops = 0; rc == 0 && loops < wraps;) {
        v++;
        loops += v == 0;
        for (unsigned i = 0; i < readers; i++)
            chan_send(f.ch[i], &v); /* blocks while reader i is 64 behind */
    }
    for (unsigned i = 0; i < readers; i++) {
        chan_drop_sender(f.ch[i]);
        if (rc != 0)
            chan_drop_receiver(f.ch[i]); /* no reader thread took it */
    }
    if (rc == 0)
        lab_threads_join(&ts);
    return rc;
}

#ifndef LAB_NO_MAIN
int main(int argc, char **argv)
{
    long readers = 5, wraps = 100, capacity = 64;
    const struct cli_option opts[] = {
        CLI_LONG("readers", &readers, "N", "reader threads, one channel each", 1, RW_MAX_READERS),
        CLI_LONG("wraps", &wraps, "N", "times the writer wraps the u16 around", 1, 100000),
        CLI_LONG("capacity", &capacity, "N", "capacity of each reader's channel", 1, 1 << 20),
    };
    const struct cli cli = {
        .prog = "fanout",
        .summary =
            "Every reader sees every write: a bounded channel per reader (writer_example01).",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    unsigned w = (unsigned)lab_scaled((uint64_t)wraps);
    w = w ? w : 1;
    uint64_t seen[RW_MAX_READERS];
    int rc = fanout_run((unsigned)readers, w, (unsigned)capacity, seen);
    if (rc != 0)
        die("fanout: %s", strerror(-rc));
    int wrong = 0;
    for (long i = 0; i < readers; i++) {
        printf("reader %ld: saw %llu values\n", i, (unsigned long long)seen[i]);
        wrong |= seen[i] != (uint64_t)w * 65536;
    }
    printf("fanout: %ld readers saw %s %llu values each (%u wraps of 65,536)\n", readers,
           wrong ? "NOT all" : "all", (unsigned long long)w * 65536, w);
    return wrong;
}
#endif
