/*
 * poll_atomics.c - how often can a poller read a shared counter and still get
 * the right rate?
 *
 * The blog this follows: N tasks each sleep a noisy delay and then increment two
 * atomic counters (relaxed fetch_add), a "test" and a "baseline" one. A baseline
 * sampler reads-and-resets (swap 0) its counter every second; a test sampler
 * does the same at a shorter interval; each computes rate = count / elapsed.
 * The blog found the test rate falling short of the baseline as the interval
 * shrank: 3% at 50 ms, 10% at 10 ms, half at 1 ms; and blamed contention on the
 * atomic swap.
 *
 * It is not contention. The blog's timer measured elapsed time from the
 * previous tick's *scheduled* instant, while the count covers the time since the
 * previous *actual* swap, so every sample's denominator is too long by the
 * previous tick's lateness L, and the error is about L / interval. Its runtime's
 * timer has 1 ms granularity and fires missed ticks back to back, so L was about
 * a millisecond. This program runs the experiment with pthreads and takes every
 * sample's elapsed time both ways, in the same run:
 *
 *   scheduled   now - the previous scheduled tick (the blog's timer)
 *   actual      now - the time of the previous swap (correct)
 *
 * and aggregates each both ways: the mean of the per-sample rates (the blog's
 * statistic) and the ratio of sums, sum(count) / sum(elapsed).
 *   --timer-gran 1ms   sleeps and ticks rounded up to 1 ms, missed ticks fired at
 *                      once (the blog's runtime); 0 = plain pthreads
 *
 * The one thing to look at: with --timer-gran 1ms, the "scheduled" error column
 * (the blog's curve) against the "actual" ratio-of-sums column (zero).
 *
 *   poll_atomics [--tasks N] [--delay D] [--noise D] [--alpha A] [--intervals LIST]
 *                [--phase S] [--baseline D] [--timer-gran D] [--seed N]
 *                [--tsv FILE] [--summary FILE]
 */
#include "poll.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cacheline.h"
#include "cli.h"
#include "clock.h"
#include "env.h"

double poll_normal(struct splitmix64 *r)
{
    double u1 = ((double)(splitmix64_next(r) >> 11) + 1) / 9007199254740993.0;
    double u2 = (double)(splitmix64_next(r) >> 11) / 9007199254740992.0;
    return sqrt(-2 * log(u1)) * cos(2 * 3.14159265358979323846 * u2);
}

double poll_skew_normal(struct splitmix64 *r, double xi, double omega, double alpha)
{
    double delta = alpha / sqrt(1 + alpha * alpha);
    double u0 = poll_normal(r), u1 = poll_normal(r);
    double x = xi + omega * (delta * fabs(u0) + sqrt(1 - delta * delta) * u1);
    return x > 0 ? x : 0;
}

/* ---- time ------------------------------------------------------------------- */

static void sleep_until(int64_t t_ns)
{
    struct timespec ts = {.tv_sec = t_ns / 1000000000, .tv_nsec = t_ns % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* A timer of granularity gran fires at the first multiple of gran at or after
 * t (a millisecond timer wheel); gran 0 fires at t. */
static int64_t timer_round(int64_t t, int64_t gran)
{
    return gran > 0 ? (t + gran - 1) / gran * gran : t;
}

static int64_t now_ns(void)
{
    return (int64_t)lab_now_ns();
}

/* ---- workers ------------------------------------------------------------------ */

struct counters {
    CACHE_ALIGNED _Atomic uint64_t test;
    CACHE_ALIGNED _Atomic uint64_t base;
    CACHE_ALIGNED _Atomic bool stop;
};

struct worker {
    struct counters *c;
    double delay_ns, noise_ns, alpha;
    int64_t gran;
    uint64_t seed;
    uint64_t made; /* increments this worker made (read after join) */
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct splitmix64 rng = {w->seed};
    while (!atomic_load_explicit(&w->c->stop, memory_order_relaxed)) {
        if (w->delay_ns > 0 || w->noise_ns > 0) {
            double d = poll_skew_normal(&rng, w->delay_ns, w->noise_ns, w->alpha);
            sleep_until(timer_round(now_ns() + (int64_t)d, w->gran));
        }
        /* relaxed: a counter only counts; no other data is published with it */
        atomic_fetch_add_explicit(&w->c->test, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&w->c->base, 1, memory_order_relaxed);
        w->made++;
    }
    return NULL;
}

struct pool {
    pthread_t *tids;
    struct worker *w;
    int n;
};

static int pool_start(struct pool *p, struct counters *c, int n, double delay, double noise,
                      double alpha, int64_t gran, uint64_t seed)
{
    p->tids = calloc((size_t)n, sizeof *p->tids);
    p->w = calloc((size_t)n, sizeof *p->w);
    p->n = 0;
    if (p->tids == NULL || p->w == NULL)
        return -1;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* 500 threads of 8 MiB stacks would reserve 4 GiB: these need very little. */
    pthread_attr_setstacksize(&attr, 64 * 1024);
    for (int i = 0; i < n; i++) {
        p->w[i] = (struct worker){c, delay, noise, alpha, gran, seed * 1000003u + (uint64_t)i, 0};
        if (pthread_create(&p->tids[i], &attr, worker_main, &p->w[i]) != 0)
            break;
        p->n++;
    }
    pthread_attr_destroy(&attr);
    return p->n == n ? 0 : -1;
}

/* Stops and joins the workers; returns the increments they made. */
static uint64_t pool_stop(struct pool *p, struct counters *c)
{
    atomic_store_explicit(&c->stop, true, memory_order_relaxed);
    uint64_t made = 0;
    for (int i = 0; i < p->n; i++) {
        pthread_join(p->tids[i], NULL);
        made += p->w[i].made;
    }
    free(p->tids);
    free(p->w);
    return made;
}

int poll_conservation(int threads, int64_t interval_ns, int64_t duration_ns, uint64_t *read,
                      uint64_t *made)
{
    struct counters c = {0};
    struct pool p;
    if (pool_start(&p, &c, threads, 0, 0, 20, 0, 1) != 0) {
        *made = pool_stop(&p, &c);
        return -1;
    }
    /* The clock starts at the first increment: on a loaded machine the workers
     * may not run at all in a 10 ms window, and a run that counted nothing
     * would check nothing (make check saw that beside a parallel build). */
    for (int64_t give_up = now_ns() + 30 * (int64_t)1000000000;
         atomic_load_explicit(&c.base, memory_order_relaxed) == 0;) {
        if (now_ns() > give_up) {
            *made = pool_stop(&p, &c);
            return -1;
        }
        sleep_until(now_ns() + 100000);
    }
    uint64_t total = 0;
    int64_t end = now_ns() + duration_ns;
    for (int64_t t = now_ns(); t < end; t = now_ns()) {
        sleep_until(t + interval_ns);
        total += atomic_exchange_explicit(&c.test, 0, memory_order_relaxed);
    }
    *made = pool_stop(&p, &c);
    /* After the joins no increment is in flight: what is left is the residual. */
    *read = total + atomic_exchange_explicit(&c.test, 0, memory_order_relaxed);
    return 0;
}

#ifndef LAB_NO_MAIN
/* ---- samplers ------------------------------------------------------------------- */

struct sample {
    double t_s, actual_s, scheduled_s, lateness_s; /* the two elapsed times */
    uint64_t count;
};

struct sampler {
    _Atomic uint64_t *ctr;
    int64_t interval, gran, start, end;
    struct sample *s;
    size_t n, cap;
};

/*
 * One phase of ticks at start + k * interval. A tick that is already late
 * fires at once, so a sampler behind schedule fires its missed ticks back to
 * back (the "burst" behaviour of the blog's runtime).
 */
static void *sampler_main(void *arg)
{
    struct sampler *sp = arg;
    int64_t prev_sched = sp->start, prev_actual = sp->start;
    for (int64_t k = 1;; k++) {
        int64_t deadline = sp->start + k * sp->interval;
        if (deadline > sp->end)
            break;
        int64_t wake = timer_round(deadline, sp->gran);
        if (now_ns() < wake)
            sleep_until(wake);
        uint64_t v = atomic_exchange_explicit(sp->ctr, 0, memory_order_relaxed);
        int64_t now = now_ns(); /* taken right after the read: the correct end */
        if (sp->n < sp->cap)
            sp->s[sp->n++] = (struct sample){
                (double)(now - sp->start) / 1e9, (double)(now - prev_actual) / 1e9,
                (double)(now - prev_sched) / 1e9, (double)(now - deadline) / 1e9, v};
        prev_actual = now;
        prev_sched = deadline;
    }
    return NULL;
}

/* ---- one phase per interval, and its summary ---------------------------------- */

enum { SCHEDULED, ACTUAL, MODES };
enum { MEAN_OF_RATIOS, RATIO_OF_SUMS, STATS };

struct summary {
    double interval_s, tps, sd, lateness_us;
    double err[MODES][STATS]; /* percent, test against baseline */
    size_t samples;
};

/* Over samples [skip, n), with the elapsed time of `mode`: the mean and
 * population sd of count/elapsed (the blog's statistic), and the ratio of sums
 * sum(count) / sum(elapsed). */
static void stats(const struct sample *s, size_t n, size_t skip, int mode, double *mean, double *sd,
                  double *ratio_of_sums)
{
    double sum = 0, sq = 0, c = 0, e = 0;
    size_t m = 0;
    for (size_t i = skip; i < n; i++, m++) {
        double el = mode == ACTUAL ? s[i].actual_s : s[i].scheduled_s;
        double tps = el > 0 ? (double)s[i].count / el : 0;
        sum += tps;
        sq += tps * tps;
        c += (double)s[i].count;
        e += el;
    }
    *mean = m ? sum / (double)m : 0;
    *sd = m ? sqrt(fmax(0, sq / (double)m - *mean * *mean)) : 0;
    *ratio_of_sums = e > 0 ? c / e : 0;
}

/* One gnuplot index block of samples; blocks are separated by two blank lines. */
static void write_block(FILE *f, bool first, const char *kind, int64_t interval,
                        const struct sampler *sp)
{
    fprintf(f, "%s# interval_s=%g kind=%s\n", first ? "" : "\n\n", (double)interval / 1e9, kind);
    for (size_t i = 0; i < sp->n; i++) {
        const struct sample *x = &sp->s[i];
        fprintf(f, "%g\t%s\t%.6f\t%llu\t%.9f\t%.9f\t%.3f\t%.3f\t%.9f\n", (double)interval / 1e9,
                kind, x->t_s, (unsigned long long)x->count, x->actual_s, x->scheduled_s,
                x->actual_s > 0 ? (double)x->count / x->actual_s : 0,
                x->scheduled_s > 0 ? (double)x->count / x->scheduled_s : 0, x->lateness_s);
    }
}

static void format_duration(char *buf, size_t len, int64_t ns)
{
    if (ns == 0)
        snprintf(buf, len, "0");
    else if (ns >= 1000000000)
        snprintf(buf, len, "%gs", (double)ns / 1e9);
    else if (ns >= 1000000)
        snprintf(buf, len, "%gms", (double)ns / 1e6);
    else if (ns >= 1000)
        snprintf(buf, len, "%gus", (double)ns / 1e3);
    else
        snprintf(buf, len, "%lldns", (long long)ns);
}

static int parse_intervals(const char *list, int64_t *out, int max)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int64_t v = cli_parse_duration(tok);
        if (v <= 0 || n == max)
            return -1;
        out[n++] = v;
    }
    return n;
}

int main(int argc, char **argv)
{
    long tasks = 100;
    int64_t delay = 10000000, noise = 0, base_iv = 1000000000, gran = 0;
    const char *intervals_s = "1s,500ms,200ms,50ms,10ms", *tsv = NULL, *summary_path = NULL;
    double alpha = 20, phase = 3;
    uint64_t seed = 1;
    long skip = 2;
    const struct cli_option opts[] = {
        CLI_LONG("tasks", &tasks, "N", "worker threads, each one task", 1, 2000),
        CLI_DURATION("delay", &delay, "nominal sleep of a task (skew-normal location)"),
        CLI_DURATION("noise", &noise, "skew-normal scale; 0: 0.4 x delay (0.2 x from 500ms)"),
        CLI_DOUBLE("alpha", &alpha, "A", "skew-normal shape", 0, 1000),
        CLI_STRING("intervals", &intervals_s, "LIST", "test polling intervals, comma-separated"),
        CLI_DOUBLE("phase", &phase, "S", "seconds per interval", 0.01, 3600),
        CLI_DURATION("baseline", &base_iv, "baseline polling interval"),
        CLI_DURATION("timer-gran", &gran, "timer granularity of sleeps and ticks (0: none)"),
        CLI_U64("seed", &seed, "N", "seed of the delays"),
        CLI_LONG("skip", &skip, "N", "first samples of each series left out of the means", 0, 1000),
        CLI_STRING("tsv", &tsv, "FILE", "write every sample, one block per interval"),
        CLI_STRING("summary", &summary_path, "FILE", "write the summary table"),
    };
    const struct cli cli = {
        .prog = "poll_atomics",
        .summary = "Poll a shared counter at shrinking intervals; measure the rate's error.",
        .epilog = "Durations take a unit: 100ns, 10us, 10ms, 1s. Each error% compares the test\n"
                  "sampler's rate with the baseline's (positive: the test reads low), with\n"
                  "elapsed times taken from the scheduled tick or the actual swap, and rates\n"
                  "aggregated as the mean of per-sample rates (the blog's) or sum/sum.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (noise == 0) /* the blog's settings */
        noise = (int64_t)((delay >= 500000000 ? 0.2 : 0.4) * (double)delay);
    if (base_iv <= 0)
        cli_error("--baseline must be longer than 0");
    int64_t intervals[32];
    int n_iv = parse_intervals(intervals_s, intervals, 32);
    if (n_iv <= 0)
        cli_error("--intervals: expected up to 32 durations such as 1s,10ms,500us, got '%s'",
                  intervals_s);
    if (lab_emulated())
        phase = fmin(phase, 0.5);
    char delay_s[32], gran_s[32], baseline_s[32];
    format_duration(delay_s, sizeof delay_s, delay);
    format_duration(gran_s, sizeof gran_s, gran);
    format_duration(baseline_s, sizeof baseline_s, base_iv);
    int64_t phase_ns = (int64_t)(phase * 1e9);

    FILE *out = tsv ? fopen(tsv, "w") : NULL;
    if (tsv && out == NULL)
        die_errno("cannot write %s", tsv);
    if (out)
        fprintf(out,
                "# poll_atomics: %ld tasks, delay %s, timer-gran %s\n"
                "# interval_s\tkind\tt_s\tcount\tactual_s\tscheduled_s\ttps_actual\t"
                "tps_scheduled\tlateness_s\n",
                tasks, delay_s, gran_s);

    struct counters c = {0};
    struct pool p;
    if (pool_start(&p, &c, (int)tasks, (double)delay, (double)noise, alpha, gran, seed) != 0) {
        pool_stop(&p, &c);
        die("could not start %ld threads", tasks);
    }
    /* Let every task get past its first sleep before measuring. */
    sleep_until(now_ns() + delay + 3 * noise + 10000000);

    printf("# %ld tasks, delay %s, noise %.3g ms, alpha %g; timer granularity %s; "
           "baseline %s; %.3g s per interval\n",
           tasks, delay_s, (double)noise / 1e6, alpha, gran_s, baseline_s, phase);
    printf(
        "#                                        error%% with elapsed time from the\n"
        "#                                        scheduled tick      actual swap\n"
        "# interval  test TPS (sd)   baseline  mean-of  sum/sum    mean-of  sum/sum  lateness\n");
    struct summary sum[32];
    for (int i = 0; i < n_iv; i++) {
        struct sampler test = {&c.test, intervals[i], gran, 0, 0, NULL, 0, 0};
        struct sampler base = {&c.base, base_iv, gran, 0, 0, NULL, 0, 0};
        test.cap = (size_t)(phase_ns / intervals[i]) + 16;
        base.cap = (size_t)(phase_ns / base_iv) + 16;
        test.s = malloc(test.cap * sizeof *test.s);
        base.s = malloc(base.cap * sizeof *base.s);
        if (test.s == NULL || base.s == NULL)
            die("out of memory for %zu samples", test.cap);
        /* Reset both counters, then start both samplers on the same clock. */
        atomic_store_explicit(&c.test, 0, memory_order_relaxed);
        atomic_store_explicit(&c.base, 0, memory_order_relaxed);
        test.start = base.start = now_ns();
        test.end = base.end = test.start + phase_ns;
        pthread_t tt, tb;
        if (pthread_create(&tt, NULL, sampler_main, &test) != 0 ||
            pthread_create(&tb, NULL, sampler_main, &base) != 0)
            die("cannot start the samplers");
        pthread_join(tt, NULL);
        pthread_join(tb, NULL);

        size_t first = (size_t)skip < test.n ? (size_t)skip : 0;
        double late = 0, base_tps = 0;
        sum[i] = (struct summary){.interval_s = (double)intervals[i] / 1e9, .samples = test.n};
        for (int m = 0; m < MODES; m++) {
            double tm, tsd, tros, bm, bsd, bros;
            stats(test.s, test.n, first, m, &tm, &tsd, &tros);
            stats(base.s, base.n, 0, m, &bm, &bsd, &bros);
            sum[i].err[m][MEAN_OF_RATIOS] = bm > 0 ? 100 * (bm - tm) / bm : 0;
            sum[i].err[m][RATIO_OF_SUMS] = bros > 0 ? 100 * (bros - tros) / bros : 0;
            if (m == ACTUAL) {
                sum[i].tps = tros;
                sum[i].sd = tsd;
                base_tps = bros;
            }
        }
        for (size_t k = 0; k < test.n; k++)
            late += test.s[k].lateness_s;
        sum[i].lateness_us = test.n ? 1e6 * late / (double)test.n : 0;
        char label[32];
        format_duration(label, sizeof label, intervals[i]);
        printf("%-9s %8.1f (%6.1f) %9.1f  %7.2f  %7.2f    %7.2f  %7.2f  %6.0f us\n", label,
               sum[i].tps, sum[i].sd, base_tps, sum[i].err[SCHEDULED][MEAN_OF_RATIOS],
               sum[i].err[SCHEDULED][RATIO_OF_SUMS], sum[i].err[ACTUAL][MEAN_OF_RATIOS],
               sum[i].err[ACTUAL][RATIO_OF_SUMS], sum[i].lateness_us);
        if (out) {
            write_block(out, i == 0, "t", intervals[i], &test);
            write_block(out, false, "b", intervals[i], &base);
        }
        free(test.s);
        free(base.s);
    }
    uint64_t made = pool_stop(&p, &c);
    if (out && fclose(out) != 0)
        die_errno("cannot write %s", tsv);

    if (summary_path) {
        FILE *f = fopen(summary_path, "w");
        if (f == NULL)
            die_errno("cannot write %s", summary_path);
        fprintf(f,
                "# poll_atomics: %ld tasks, delay %s, timer-gran %s\n"
                "# interval_s\ttps\tsd\terr_sched_mean\terr_sched_sum\terr_actual_mean\t"
                "err_actual_sum\tlateness_us\tsamples\n",
                tasks, delay_s, gran_s);
        for (int i = 0; i < n_iv; i++)
            fprintf(f, "%g\t%.2f\t%.2f\t%.4f\t%.4f\t%.4f\t%.4f\t%.1f\t%zu\n", sum[i].interval_s,
                    sum[i].tps, sum[i].sd, sum[i].err[SCHEDULED][MEAN_OF_RATIOS],
                    sum[i].err[SCHEDULED][RATIO_OF_SUMS], sum[i].err[ACTUAL][MEAN_OF_RATIOS],
                    sum[i].err[ACTUAL][RATIO_OF_SUMS], sum[i].lateness_us, sum[i].samples);
        if (fclose(f) != 0)
            die_errno("cannot write %s", summary_path);
    }
    printf("poll_atomics: %ld tasks, timer-gran %s, %llu increments; error%% scheduled/actual:",
           tasks, gran_s, (unsigned long long)made);
    for (int i = 0; i < n_iv; i++)
        printf(" %gs %.2f/%.2f%s", sum[i].interval_s, sum[i].err[SCHEDULED][MEAN_OF_RATIOS],
               sum[i].err[ACTUAL][RATIO_OF_SUMS], i + 1 < n_iv ? "," : "");
    printf("%s\n", lab_emulated() ? " [emulated]" : "");
    return 0;
}
#endif
