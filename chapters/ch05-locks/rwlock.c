/*
 * rwlock.c - many readers or one writer: a pthread rwlock polled with
 * tryrdlock, the book's rwlock_example00.
 *
 * Five readers spin on pthread_rwlock_tryrdlock until each has read the value
 * 0 a hundred times; main is the writer, taking the write lock to increment a
 * uint16_t until it has wrapped a hundred times (6,553,600 writes: the book's
 * "2^24" is off, a u16 wraps every 2^16). A reader that starts before the writer
 * reads 0 a hundred times at once and never fails: (0, 100), the book's usual
 * output. A reader that catches the writer spins, and every failed tryrdlock is
 * energy spent on nothing: the book measured 1.26e8 of them for one reader.
 *
 * Which side a rwlock favours is a policy. glibc's default prefers readers:
 * a writer waits while any reader holds or keeps taking the lock. --kind
 * writer asks for PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP, where waiting
 * writers hold new readers back. The program prints the kind it used.
 *
 *   rwlock [--readers N] [--wraps N] [--zeros N] [--kind reader|writer]
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include "rwlock.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "env.h"
#include "threads.h"

struct shared {
    pthread_rwlock_t lock;
    uint16_t value; /* guarded by lock */
    unsigned zeros;
    struct rw_result *out;
};

static void *reader(size_t id, void *arg)
{
    struct shared *s = arg;
    uint64_t failures = 0, successes = 0, zeros = 0;
    /* valgrind runs one thread at a time and hands the CPU over rarely: a
     * reader that spins there keeps the writer it waits for off the CPU, and
     * on a loaded machine the test under memcheck ran past 11 minutes instead
     * of 0.6 s. There the reader yields after each try. */
    bool yield = lab_under_valgrind();
    while (zeros < s->zeros) {
        if (pthread_rwlock_tryrdlock(&s->lock) != 0) {
            failures++; /* EBUSY: the writer holds it; spin and try again */
            if (yield)
                sched_yield();
            continue;
        }
        successes++;
        zeros += s->value == 0;
        pthread_rwlock_unlock(&s->lock);
        if (yield)
            sched_yield();
    }
    s->out->failures[id] = failures;
    s->out->successes[id] = successes;
    s->out->zeros[id] = zeros;
    return NULL;
}

int rw_run(unsigned readers, unsigned wraps, unsigned zeros, enum rw_kind kind,
           struct rw_result *out)
{
    if (readers == 0 || readers > RW_MAX_READERS)
        return -EINVAL;
    struct shared s = {.zeros = zeros, .out = out};
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, kind == RW_PREFER_WRITER
                                             ? PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
                                             : PTHREAD_RWLOCK_PREFER_READER_NP);
    int rc = pthread_rwlock_init(&s.lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (rc != 0)
        return -rc;
    *out = (struct rw_result){0};
    struct lab_threads ts;
    if (lab_threads_start(&ts, readers, reader, &s, 0) != 0) {
        pthread_rwlock_destroy(&s.lock);
        return -EAGAIN;
    }
    /* The writer: every increment under the write lock; a wrap is the value
     * coming back to 0. It ends on 0, so the readers can finish. */
    for (unsigned loops = 0; loops < wraps;) {
        pthread_rwlock_wrlock(&s.lock);
        s.value++;
        loops += s.value == 0;
        pthread_rwlock_unlock(&s.lock);
        out->writes++;
    }
    lab_threads_join(&ts);
    pthread_rwlock_destroy(&s.lock);
    return 0;
}

#ifndef LAB_NO_MAIN
int main(int argc, char **argv)
{
    long readers = 5, wraps = 100, zeros = 100;
    int kind = RW_PREFER_READER;
    static const char *const kinds[] = {"reader", "writer", NULL};
    const struct cli_option opts[] = {
        CLI_LONG("readers", &readers, "N", "reader threads", 1, RW_MAX_READERS),
        CLI_LONG("wraps", &wraps, "N", "times the writer wraps the u16 around", 1, 100000),
        CLI_LONG("zeros", &zeros, "N", "zeros each reader must read", 1, 1000000),
        CLI_CHOICE("kind", &kind, "which side the lock prefers: reader (glibc's default) or writer",
                   kinds),
    };
    const struct cli cli = {
        .prog = "rwlock",
        .summary =
            "Readers spinning on tryrdlock against one writer (the book's rwlock_example00).",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    unsigned w = (unsigned)lab_scaled((uint64_t)wraps);
    struct rw_result r;
    int rc = rw_run((unsigned)readers, w ? w : 1, (unsigned)zeros, (enum rw_kind)kind, &r);
    if (rc != 0)
        die("rwlock: %s", strerror(-rc));
    printf("rwlock kind: prefer %s (%s)\n", kinds[kind],
           kind == RW_PREFER_READER ? "glibc's default" : "PREFER_WRITER_NONRECURSIVE_NP");
    uint64_t failed = 0;
    for (long i = 0; i < readers; i++) {
        printf("reader %ld: (%llu failures, %llu successes)\n", i,
               (unsigned long long)r.failures[i], (unsigned long long)r.successes[i]);
        failed += r.failures[i];
    }
    printf("rwlock: %llu writes; %llu failed tryrdlock calls in all (spinning on a held lock)\n",
           (unsigned long long)r.writes, (unsigned long long)failed);
    return 0;
}
#endif
