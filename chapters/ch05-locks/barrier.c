/*
 * barrier.c - N threads meet at one pthread barrier, round after round.
 *
 * A barrier holds every thread that reaches it until the last of N arrives,
 * then releases them all. pthread_barrier_wait() returns
 * PTHREAD_BARRIER_SERIAL_THREAD to exactly one of them (Rust's is_leader()):
 * a way to pick one thread to do the round's serial work, with no other
 * privilege. The thing to look at is the worker loop: before each wait a
 * thread stamps its slot with the round number, and the leader, after the
 * wait, finds every stamp of that round. A barrier is also a memory barrier:
 * all that happened before any thread's wait happens before every thread's
 * return from it.
 *
 * The stamps alternate between two rows by the round's parity. With one row,
 * a fast thread would stamp round r + 1 while the leader is still reading
 * round r: a data race. With two, the next write to a row comes after the
 * next barrier, which the leader reaches only once it is done reading.
 *
 * Checked: exactly one leader per round, and no stamp missing; exit 1 if
 * either breaks. Prints how often each thread led. helgrind, DRD and
 * ThreadSanitizer are clean.
 *
 *   barrier [--threads N] [--rounds N]
 */
#include "barrier.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "clock.h"
#include "threads.h"

struct meeting {
    pthread_barrier_t barrier;
    size_t threads;
    uint64_t rounds;
    uint64_t stamp[2][BARRIER_MAX_THREADS]; /* stamp[r & 1][id] = r + 1 before wait r */
    unsigned *leaders;                      /* per round: how many got SERIAL_THREAD */
    uint64_t led[BARRIER_MAX_THREADS];      /* written by thread id alone, at its end */
    uint64_t stale[BARRIER_MAX_THREADS];    /* likewise */
};

static void *meet(size_t id, void *arg)
{
    struct meeting *m = arg;
    uint64_t led = 0, stale = 0;
    for (uint64_t r = 0; r < m->rounds; r++) {
        m->stamp[r & 1][id] = r + 1;
        int rc = pthread_barrier_wait(&m->barrier);
        if (rc == PTHREAD_BARRIER_SERIAL_THREAD) {
            /* Only the leader writes this round's count; were there two
             * leaders, they would race here, and the check after the join
             * would still see a count other than 1 or a torn one. */
            m->leaders[r]++;
            led++;
            for (size_t i = 0; i < m->threads; i++)
                stale += m->stamp[r & 1][i] != r + 1;
        } else if (rc != 0) {
            return "pthread_barrier_wait failed";
        }
    }
    m->led[id] = led;
    m->stale[id] = stale;
    return NULL;
}

int barrier_run(size_t threads, uint64_t rounds, struct barrier_outcome *out)
{
    if (threads < 1 || threads > BARRIER_MAX_THREADS || rounds == 0 || rounds > SIZE_MAX / 2)
        return -1;
    struct meeting *m = calloc(1, sizeof *m);
    int rc = -1;
    if (m == NULL || (m->leaders = calloc(rounds, sizeof *m->leaders)) == NULL)
        goto out;
    if (pthread_barrier_init(&m->barrier, NULL, (unsigned)threads) != 0)
        goto out;
    m->threads = threads;
    m->rounds = rounds;
    struct lab_threads ts;
    uint64_t t0 = lab_now_ns();
    if (lab_threads_start(&ts, threads, meet, m, 0) == 0) {
        rc = lab_threads_join(&ts) == NULL ? 0 : -1;
        *out = (struct barrier_outcome){.seconds = lab_seconds_since(t0)};
        for (uint64_t r = rounds; r-- > 0;) {
            out->leaderless += m->leaders[r] == 0;
            out->crowded += m->leaders[r] > 1;
            if (m->leaders[r] != 1)
                out->first_bad_round = r;
        }
        for (size_t i = 0; i < threads; i++) {
            out->led[i] = m->led[i];
            out->stale += m->stale[i];
        }
    }
    pthread_barrier_destroy(&m->barrier);
out:
    if (m != NULL)
        free(m->leaders);
    free(m);
    return rc;
}

#ifndef LAB_NO_MAIN
int main(int argc, char **argv)
{
    long threads = 4;
    uint64_t rounds = 1000;
    const struct cli_option opts[] = {
        CLI_LONG("threads", &threads, "N", "threads meeting at the barrier", 1,
                 BARRIER_MAX_THREADS),
        CLI_U64("rounds", &rounds, "N", "times they meet"),
    };
    const struct cli cli = {
        .prog = "barrier",
        .summary = "Threads meet at a pthread barrier: one leader per round, every write seen.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (rounds == 0 || rounds > 10000000)
        cli_error("--rounds must be in [1, 10000000]");
    struct barrier_outcome o;
    if (barrier_run((size_t)threads, rounds, &o) != 0)
        die("could not run %ld threads through the barrier", threads);
    for (long i = 0; i < threads; i++)
        printf("thread %ld: leader of %llu rounds (%.1f%%)\n", i, (unsigned long long)o.led[i],
               100.0 * (double)o.led[i] / (double)rounds);
    if (o.leaderless || o.crowded)
        die("one leader per round broken: %llu rounds without, %llu with several (first: round "
            "%llu)",
            (unsigned long long)o.leaderless, (unsigned long long)o.crowded,
            (unsigned long long)o.first_bad_round);
    if (o.stale)
        die("a leader missed %llu stamps written before the barrier", (unsigned long long)o.stale);
    printf("barrier: %ld threads x %llu rounds in %.3f s (%.2f us a round): one leader per "
           "round, every stamp seen\n",
           threads, (unsigned long long)rounds, o.seconds, o.seconds * 1e6 / (double)rounds);
    return 0;
}
#endif
