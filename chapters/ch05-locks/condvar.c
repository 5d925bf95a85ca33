/*
 * condvar.c - one condition variable, five readers, one writer: the book's
 * condvar_example01, and the ways to get a condition variable wrong, kept on
 * purpose behind --variant.
 *
 * The writer increments a uint16_t, sets "a write is available" and
 * broadcasts, all under the mutex; each reader waits for the flag, clears it,
 * counts a wake, and counts a zero when the value it saw was 0. There is no
 * back-pressure: the writer may take the mutex again and again before any
 * reader runs, so most values are never seen, and the reader that wins clears
 * the flag for everyone. Readers stop at --zeros zeros or --max-wakes wakes.
 *
 * The pattern that makes it correct, in every reader:
 *     lock(m); while (!flag) wait(cv, m); ...; unlock(m);
 * and in the writer: change the state and signal with the mutex held.
 *
 * The variants, and what shows each (tests/races.tsv, tests/test_condvar.c):
 *   unlocked-flag       the writer sets flag and value outside the mutex: a data
 *                       race, reported by helgrind, DRD and ThreadSanitizer.
 *   broadcast-unlocked  the writer broadcasts after unlocking: legal, but the
 *                       wake may reach a reader before the state it announces
 *                       is stable; helgrind calls it "dubious".
 *   two-mutexes         odd readers wait on the same condvar with another
 *                       mutex: undefined behaviour; the flag is then guarded
 *                       by two locks at once, that is by none: a race.
 *   if-wait             `if (!flag) wait` instead of `while`: a reader woken
 *                       after another one took the write goes on with nothing
 *                       to read. No detector sees it (no data race); the
 *                       program counts those stolen wakes.
 *   lost-wakeup         a one-shot signal: the reader tests the flag, then
 *                       locks and waits without testing again. A signal sent
 *                       in between is lost, and the reader sleeps until its
 *                       timeout. The writer signals inside that window in
 *                       every run, however the threads are scheduled: a
 *                       lockstep (lockstep.h) holds it until the reader has
 *                       tested, and the reader until it has signalled. No
 *                       detector sees it either.
 *
 *   condvar [--variant V] [--readers N] [--zeros N] [--max-wakes N] [--timeout-ms N]
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "clock.h"
#include "condvar.h"
#include "env.h"
#include "lockstep.h"
#include "threads.h"

enum variant { CORRECT, UNLOCKED_FLAG, BROADCAST_UNLOCKED, TWO_MUTEXES, IF_WAIT, LOST_WAKEUP };
static const char *const variant_names[] = {"correct",     "unlocked-flag", "broadcast-unlocked",
                                            "two-mutexes", "if-wait",       "lost-wakeup",
                                            NULL};

enum { MAX_READERS = 32 };

struct shared {
    enum variant variant;
    pthread_mutex_t m, m2; /* m2: only the two-mutexes variant uses it */
    pthread_cond_t cv;
    bool flag;      /* a write is available; guarded by m */
    uint16_t value; /* guarded by m */
    _Atomic bool stop;
    unsigned zeros, readers;
    uint64_t max_wakes;
    uint64_t wakes[MAX_READERS], seen_zeros[MAX_READERS], stolen[MAX_READERS];
    _Atomic unsigned done; /* readers finished */
};

static void *reader(size_t id, void *arg)
{
    struct shared *s = arg;
    pthread_mutex_t *m = s->variant == TWO_MUTEXES && id % 2 ? &s->m2 : &s->m;
    uint64_t wakes = 0, zeros = 0, stolen = 0;
    while (zeros < s->zeros && wakes < s->max_wakes) {
        pthread_mutex_lock(m);
        if (s->variant == IF_WAIT) {
            if (!s->flag)
                pthread_cond_wait(&s->cv, m); /* the bug: the flag is not tested again */
        } else {
            /* The correct pattern: the state is tested again after every
             * wake-up. No timeout: the writer broadcasts until every reader
             * is done, so no reader is left waiting. (A timed wait that
             * expires, as it does on a loaded machine, runs glibc's
             * cancellation path, which helgrind reports as a misuse.) */
            while (!s->flag && !atomic_load(&s->stop))
                pthread_cond_wait(&s->cv, m);
        }
        if (!s->flag)
            stolen++; /* woken with no write to read: another reader took it */
        s->flag = false;
        wakes++;
        zeros += s->value == 0;
        bool stopping = atomic_load(&s->stop);
        pthread_mutex_unlock(m);
        if (stopping)
            break;
    }
    s->wakes[id] = wakes;
    s->seen_zeros[id] = zeros;
    s->stolen[id] = stolen;
    atomic_fetch_add(&s->done, 1);
    return NULL;
}

/* The book's writer, with each variant's mistake. It runs until every reader
 * is done. */
static void *writer(size_t id, void *arg)
{
    (void)id;
    struct shared *s = arg;
    /* valgrind runs one thread at a time and switches rarely: a writer that
     * never blocks would starve the readers there for minutes. */
    bool yield = lab_under_valgrind();
    while (atomic_load(&s->done) < s->readers) {
        if (yield)
            sched_yield();
        switch (s->variant) {
        case UNLOCKED_FLAG:
            s->value++; /* racy: no lock held */
            s->flag = true;
            pthread_mutex_lock(&s->m);
            pthread_cond_broadcast(&s->cv);
            pthread_mutex_unlock(&s->m);
            break;
        case BROADCAST_UNLOCKED:
            pthread_mutex_lock(&s->m);
            s->value++;
            s->flag = true;
            pthread_mutex_unlock(&s->m);
            pthread_cond_broadcast(&s->cv); /* "dubious": nobody holds the mutex */
            break;
        default:
            pthread_mutex_lock(&s->m);
            s->value++;
            s->flag = true; /* the state first, then the signal, both under the lock */
            pthread_cond_broadcast(&s->cv);
            pthread_mutex_unlock(&s->m);
        }
    }
    /* Wake whoever still waits (if-wait readers block without a timeout). */
    pthread_mutex_lock(&s->m);
    atomic_store(&s->stop, true);
    s->flag = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->m);
    return NULL;
}

static void *worker(size_t id, void *arg)
{
    struct shared *s = arg;
    return id == s->readers ? writer(id, arg) : reader(id, arg);
}

/* ---- lost-wakeup: one reader, one signal --------------------------------------------- */

struct oneshot {
    pthread_mutex_t m;
    pthread_cond_t cv;
    _Atomic bool ready; /* atomic: the bug here is not a data race */
    bool buggy;
    long timeout_ms;
    struct condvar_wakeup out;
    struct lab_lockstep window; /* buggy: 1 the reader has tested, 2 the writer signalled */
};

static void *oneshot_reader(size_t id, void *arg)
{
    (void)id;
    struct oneshot *o = arg;
    uint64_t t0 = lab_now_ns();
    struct timespec deadline = lab_deadline_ms(o->timeout_ms);
    bool seen = false;
    if (o->buggy) {
        seen = atomic_load(&o->ready);
        if (!seen) {
            /* The window: tested, not waiting yet. The writer signals now. */
            lab_lockstep_set(&o->window, 1);
            lab_lockstep_wait(&o->window, 2);
            pthread_mutex_lock(&o->m);
            /* waits for a signal already sent: only a wake-up would end it early */
            seen = pthread_cond_timedwait(&o->cv, &o->m, &deadline) == 0;
            pthread_mutex_unlock(&o->m);
        }
    } else {
        pthread_mutex_lock(&o->m);
        while (!(seen = atomic_load(&o->ready)) &&
               pthread_cond_timedwait(&o->cv, &o->m, &deadline) != ETIMEDOUT)
            ;
        seen = atomic_load(&o->ready);
        pthread_mutex_unlock(&o->m);
    }
    o->out = (struct condvar_wakeup){.signalled = seen,
                                     .waited_ms = (long)((lab_now_ns() - t0) / 1000000)};
    return NULL;
}

struct condvar_wakeup condvar_lost_wakeup(bool buggy, long timeout_ms)
{
    struct oneshot o = {.buggy = buggy, .timeout_ms = timeout_ms};
    pthread_mutex_init(&o.m, NULL);
    pthread_cond_init(&o.cv, NULL);
    lab_lockstep_init(&o.window, 0);
    struct lab_threads ts;
    if (lab_threads_start(&ts, 1, oneshot_reader, &o, 0) != 0)
        die("could not start a thread");
    /* The writer: set the state and signal, under the lock; in the buggy
     * reader's window, or 10 ms after the start for the correct one (which
     * then usually waits already; it does not matter when). */
    if (buggy)
        lab_lockstep_wait(&o.window, 1);
    else
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    pthread_mutex_lock(&o.m);
    atomic_store(&o.ready, true);
    pthread_cond_signal(&o.cv);
    pthread_mutex_unlock(&o.m);
    if (buggy)
        lab_lockstep_set(&o.window, 2);
    lab_threads_join(&ts);
    pthread_cond_destroy(&o.cv);
    pthread_mutex_destroy(&o.m);
    return o.out;
}

/* ---- the book's example and its variants ---------------------------------------------- */

int condvar_run(const char *variant, unsigned readers, unsigned zeros, uint64_t max_wakes,
                struct condvar_result *out)
{
    static struct shared s; /* big: the counters of every reader */
    int v = 0;
    while (variant_names[v] != NULL && strcmp(variant_names[v], variant) != 0)
        v++;
    if (variant_names[v] == NULL || v == LOST_WAKEUP || readers == 0 || readers > MAX_READERS)
        return -EINVAL;
    s = (struct shared){
        .variant = (enum variant)v, .zeros = zeros, .readers = readers, .max_wakes = max_wakes};
    pthread_mutex_init(&s.m, NULL);
    pthread_mutex_init(&s.m2, NULL);
    pthread_cond_init(&s.cv, NULL);
    struct lab_threads ts;
    if (lab_threads_start(&ts, readers + 1, worker, &s, 0) != 0)
        return -EAGAIN;
    lab_threads_join(&ts);
    *out = (struct condvar_result){0};
    for (unsigned i = 0; i < readers; i++) {
        out->wakes += s.wakes[i];
        out->zeros += s.seen_zeros[i];
        out->stolen += s.stolen[i];
    }
    pthread_cond_destroy(&s.cv);
    pthread_mutex_destroy(&s.m2);
    pthread_mutex_destroy(&s.m);
    return 0;
}

#ifndef LAB_NO_MAIN
int main(int argc, char **argv)
{
    int variant = CORRECT;
    long readers = 5, zeros = 100, timeout_ms = 1000;
    uint64_t max_wakes = 200000;
    const struct cli_option opts[] = {
        CLI_CHOICE("variant", &variant,
                   "correct, or a mistake: unlocked-flag, broadcast-unlocked, "
                   "two-mutexes, if-wait, lost-wakeup",
                   variant_names),
        CLI_LONG("readers", &readers, "N", "reader threads", 1, MAX_READERS),
        CLI_LONG("zeros", &zeros, "N", "a reader stops after seeing the value 0 this often", 1,
                 1000000),
        CLI_U64("max-wakes", &max_wakes, "N", "...or after this many wakes"),
        CLI_LONG("timeout-ms", &timeout_ms, "N", "lost-wakeup: how long the reader waits", 1,
                 600000),
    };
    const struct cli cli = {
        .prog = "condvar",
        .summary = "One condvar, five readers, one writer (condvar_example01), and its misuses.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (variant == LOST_WAKEUP || variant == CORRECT) {
        struct condvar_wakeup ok = condvar_lost_wakeup(false, timeout_ms);
        if (!ok.signalled)
            die("condvar: the correct reader got no signal in %ld ms", timeout_ms);
        if (variant == LOST_WAKEUP) {
            struct condvar_wakeup lost = condvar_lost_wakeup(true, timeout_ms);
            if (lost.signalled) {
                printf("condvar --variant lost-wakeup: the reader was woken after all, after %ld "
                       "ms\n",
                       lost.waited_ms);
                return 0;
            }
            printf("condvar --variant lost-wakeup: the signal came while the reader was between "
                   "its test and its wait; it waited %ld ms (its timeout) for it; the correct "
                   "reader waited %ld ms\n",
                   lost.waited_ms, ok.waited_ms);
            return 1;
        }
    }
    uint64_t wakes = lab_scaled(max_wakes);
    struct condvar_result r;
    int rc = condvar_run(variant_names[variant], (unsigned)readers, (unsigned)zeros,
                         wakes ? wakes : 1, &r);
    if (rc != 0)
        die("condvar: %s", strerror(-rc));
    printf("condvar --variant %s: %ld readers woke %llu times, saw the value 0 %llu times; "
           "%llu wakes found no write to read%s\n",
           variant_names[variant], readers, (unsigned long long)r.wakes,
           (unsigned long long)r.zeros, (unsigned long long)r.stolen,
           variant == IF_WAIT && r.stolen ? " (the if-wait bug)" : "");
    return variant == IF_WAIT && r.stolen ? 1 : 0;
}
#endif
