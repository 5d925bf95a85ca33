/*
 * bench_reclaim.c - the reclamation schemes of common/ (hazard pointers,
 * epochs, and no freeing while threads run) on the same Treiber stack and the
 * same Michael-Scott queue, beside the libraries people use for this:
 * Concurrency Kit's ck_hp (with its stack and queue) and ck_epoch (with
 * ck_stack), and userspace-rcu's lock-free stack and queue under its memb and
 * qsbr flavours, nodes freed through call_rcu.
 *
 * Throughput: every thread pushes one value and pops one, over and over (the
 * book's conc_stack loop); a sample is one run of fresh threads, from making
 * the structure to freeing its last node, in ns per push+pop pair (all threads
 * together), each in a process of its own. The schemes take turns, one sample
 * each a round, and the ratios put each of ours beside the peer of its kind
 * with a 95% interval over the rounds (paired: a slow spell of the machine
 * falls on both sides of a round).
 *
 * Garbage: one run per scheme with two threads, sampling the nodes retired
 * and not yet freed every few milliseconds (reclaim_pending for ours; for the
 * peers, the retires counted here minus the frees their destructors count),
 * into <out>/ch07/reclaim.garbage.tsv for the figure.
 */
#include <ck_epoch.h>
#include <ck_hp.h>
#include <ck_hp_fifo.h>
#include <ck_hp_stack.h>
#include <ck_stack.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cacheline.h"
#include "cli.h"
#include "clock.h"
#include "msqueue.h"
#include "reclaim.h"
#include "rng.h"
#include "threads.h"
#include "treiber.h"
#include "urcu_peers.h"

enum scheme { OURS_HP, OURS_EBR, OURS_QUIESCENT, CK_HP, CK_EPOCH, URCU_MEMB, URCU_QSBR, SCHEMES };
static const char *const scheme_names[SCHEMES] = {"hp",       "ebr",       "quiescent", "ck_hp",
                                                  "ck_epoch", "urcu_memb", "urcu_qsbr"};
enum shape { STACK, QUEUE };
static const char *const shape_names[2] = {"stack", "queue"};
enum { MAX_THREADS = 64, CK_POLL_PERIOD = 128 };

/* ---- the peers' nodes ---- */

struct ck_stack_node {
    ck_stack_entry_t entry;
    ck_hp_hazard_t hazard;
    ck_epoch_entry_t epoch_entry;
    uint64_t value;
};
CK_STACK_CONTAINER(struct ck_stack_node, entry, ck_stack_node_of)
CK_EPOCH_CONTAINER(struct ck_stack_node, epoch_entry, ck_epoch_node_of)

/* Frees counted per thread (the destructors run on the thread that reclaims). */
struct tally {
    CACHE_ALIGNED _Atomic uint64_t retired, freed;
};
static struct tally tallies[MAX_THREADS];
static _Thread_local struct tally *my_tally;

static void bump(_Atomic uint64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

static void ck_free_node(void *p)
{
    bump(&my_tally->freed);
    free(p);
}

static void ck_epoch_free_node(ck_epoch_entry_t *e)
{
    bump(&my_tally->freed);
    free(ck_epoch_node_of(e));
}

/* ---- one run ---- */

struct ck_side {
    ck_hp_record_t hp CK_CC_CACHELINE;
    void *hazards[CK_HP_FIFO_SLOTS_COUNT];
    ck_epoch_record_t epoch CK_CC_CACHELINE;
};

struct run {
    enum scheme scheme;
    enum shape shape;
    size_t threads;
    uint64_t iters;
    struct reclaim_domain d;
    struct treiber stack;
    struct msqueue queue;
    ck_hp_t ck_hp;
    ck_epoch_t ck_epoch;
    ck_stack_t ck_stack;
    ck_hp_fifo_t ck_fifo;
    struct ck_side *ck; /* one per thread */
    struct urcu_peer *urcu;
    _Atomic size_t finished;
};

static struct run *run_new(enum scheme s, enum shape shape, size_t threads)
{
    struct run *r = aligned_alloc(CACHE_LINE, sizeof *r);
    if (r == NULL)
        die("out of memory");
    memset(r, 0, sizeof *r);
    r->scheme = s, r->shape = shape, r->threads = threads;
    atomic_init(&r->finished, 0);
    for (size_t i = 0; i < threads; i++)
        atomic_store(&tallies[i].retired, 0), atomic_store(&tallies[i].freed, 0);
    int rc = 0;
    switch (s) {
    case OURS_HP:
    case OURS_EBR:
    case OURS_QUIESCENT:
        rc = reclaim_init(&r->d, s == OURS_HP    ? RECLAIM_HP
                                 : s == OURS_EBR ? RECLAIM_EBR
                                                 : RECLAIM_QUIESCENT);
        treiber_init(&r->stack, &r->d);
        rc = rc || msqueue_init(&r->queue, &r->d);
        break;
    case CK_HP:
    case CK_EPOCH: {
        r->ck = aligned_alloc(CACHE_LINE, threads * sizeof *r->ck);
        if (r->ck == NULL)
            die("out of memory");
        memset(r->ck, 0, threads * sizeof *r->ck);
        /* the same scan threshold as ours: R = 2H, H = 2 hazards a thread */
        ck_hp_init(&r->ck_hp, shape == QUEUE ? CK_HP_FIFO_SLOTS_COUNT : CK_HP_STACK_SLOTS_COUNT,
                   (unsigned)(2 * HP_SLOTS * threads), ck_free_node);
        ck_epoch_init(&r->ck_epoch);
        ck_stack_init(&r->ck_stack);
        struct ck_hp_fifo_entry *stub = malloc(sizeof *stub);
        if (stub == NULL)
            die("out of memory");
        ck_hp_fifo_init(&r->ck_fifo, stub);
        break;
    }
    default:
        r->urcu = s == URCU_MEMB ? urcu_memb_peer_new() : urcu_qsbr_peer_new();
        rc = r->urcu == NULL;
    }
    if (rc != 0)
        die("cannot set up %s", scheme_names[s]);
    return r;
}

static void run_free(struct run *r)
{
    switch (r->scheme) {
    case OURS_HP:
    case OURS_EBR:
    case OURS_QUIESCENT:
        treiber_destroy(&r->stack);
        msqueue_destroy(&r->queue);
        reclaim_destroy(&r->d);
        break;
    case CK_HP:
    case CK_EPOCH: {
        for (ck_stack_entry_t *e = ck_stack_batch_pop_upmc(&r->ck_stack), *next; e; e = next) {
            next = e->next;
            free(ck_stack_node_of(e));
        }
        struct ck_hp_fifo_entry *stub;
        ck_hp_fifo_deinit(&r->ck_fifo, &stub);
        while (stub != NULL) {
            struct ck_hp_fifo_entry *next = stub->next;
            free(stub);
            stub = next;
        }
        free(r->ck);
        break;
    }
    case URCU_MEMB:
        urcu_memb_peer_free(r->urcu);
        break;
    default:
        urcu_qsbr_peer_free(r->urcu);
        break;
    }
    free(r);
}

/* One push and one pop; false if the pop found nothing. */
static inline __attribute__((always_inline)) bool pair(struct run *r, enum scheme s,
                                                       enum shape shape, struct ck_side *me,
                                                       uint64_t i, int *since_poll)
{
    uint64_t v = 0;
    switch (s) {
    case OURS_HP:
    case OURS_EBR:
    case OURS_QUIESCENT:
        if (shape == STACK)
            return treiber_push(&r->stack, i) == 0 && treiber_try_pop(&r->stack, &v);
        return msqueue_push(&r->queue, i) == 0 && msqueue_try_pop(&r->queue, &v);
    case CK_HP:
        if (shape == STACK) {
            struct ck_stack_node *n = malloc(sizeof *n);
            if (n == NULL)
                return false;
            n->value = i;
            ck_hp_stack_push_mpmc(&r->ck_stack, &n->entry);
            ck_stack_entry_t *e = ck_hp_stack_pop_mpmc(&me->hp, &r->ck_stack);
            if (e == NULL)
                return false;
            n = ck_stack_node_of(e);
            v = n->value;
            bench_black_box(&v);
            bump(&my_tally->retired);
            ck_hp_free(&me->hp, &n->hazard, n, n);
            ck_hp_clear(&me->hp);
            return true;
        } else {
            struct ck_hp_fifo_entry *n = malloc(sizeof *n);
            if (n == NULL)
                return false;
            ck_hp_fifo_enqueue_mpmc(&me->hp, &r->ck_fifo, n, (void *)(uintptr_t)i);
            void *value;
            struct ck_hp_fifo_entry *old = ck_hp_fifo_dequeue_mpmc(&me->hp, &r->ck_fifo, &value);
            if (old == NULL)
                return false;
            bump(&my_tally->retired);
            ck_hp_free(&me->hp, &old->hazard, old, old);
            ck_hp_clear(&me->hp);
            return true;
        }
    case CK_EPOCH: {
        /* ck has no epoch-protected queue of its own: the stack only */
        struct ck_stack_node *n = malloc(sizeof *n);
        if (n == NULL)
            return false;
        n->value = i;
        ck_stack_push_upmc(&r->ck_stack, &n->entry);
        ck_epoch_begin(&me->epoch, NULL);
        ck_stack_entry_t *e = ck_stack_pop_upmc(&r->ck_stack);
        if (e != NULL) {
            n = ck_stack_node_of(e);
            v = n->value;
            bench_black_box(&v);
            bump(&my_tally->retired);
            ck_epoch_call(&me->epoch, &n->epoch_entry, ck_epoch_free_node);
        }
        ck_epoch_end(&me->epoch, NULL);
        /* as often as ours collects: every 128 operations */
        if (++*since_poll == CK_POLL_PERIOD) {
            ck_epoch_poll(&me->epoch);
            *since_poll = 0;
        }
        return e != NULL;
    }
    case URCU_MEMB:
        if (shape == STACK)
            return urcu_memb_peer_stack_push(r->urcu, i) == 0 &&
                   urcu_memb_peer_stack_pop(r->urcu, &v);
        return urcu_memb_peer_queue_push(r->urcu, i) == 0 && urcu_memb_peer_queue_pop(r->urcu, &v);
    default:
        if (shape == STACK)
            return urcu_qsbr_peer_stack_push(r->urcu, i) == 0 &&
                   urcu_qsbr_peer_stack_pop(r->urcu, &v);
        return urcu_qsbr_peer_queue_push(r->urcu, i) == 0 && urcu_qsbr_peer_queue_pop(r->urcu, &v);
    }
}

static void thread_online(struct run *r, size_t id)
{
    my_tally = &tallies[id];
    struct ck_side *me = r->ck != NULL ? &r->ck[id] : NULL;
    if (r->scheme == CK_HP)
        ck_hp_register(&r->ck_hp, &me->hp, me->hazards);
    else if (r->scheme == CK_EPOCH)
        ck_epoch_register(&r->ck_epoch, &me->epoch, NULL);
    else if (r->scheme == URCU_MEMB)
        urcu_memb_peer_thread_online();
    else if (r->scheme == URCU_QSBR)
        urcu_qsbr_peer_thread_online();
}

static void thread_offline(struct run *r, size_t id)
{
    struct ck_side *me = r->ck != NULL ? &r->ck[id] : NULL;
    if (r->scheme == CK_HP) {
        ck_hp_clear(&me->hp);
        ck_hp_purge(&me->hp); /* waits until no hazard names what it retired */
        ck_hp_unregister(&me->hp);
    } else if (r->scheme == CK_EPOCH) {
        ck_epoch_barrier(&me->epoch); /* runs every callback it deferred */
        ck_epoch_unregister(&me->epoch);
    } else if (r->scheme == URCU_MEMB) {
        urcu_memb_peer_thread_offline();
    } else if (r->scheme == URCU_QSBR) {
        urcu_qsbr_peer_thread_offline();
    }
}

#define GEN(S, SHAPE)                                                                              \
    static void *loop_##S##_##SHAPE(size_t id, void *arg)                                          \
    {                                                                                              \
        struct run *r = arg;                                                                       \
        thread_online(r, id);                                                                      \
        struct ck_side *me = r->ck != NULL ? &r->ck[id] : NULL;                                    \
        int since_poll = 0;                                                                        \
        for (uint64_t i = 0; i < r->iters; i++)                                                    \
            if (!pair(r, S, SHAPE, me, i, &since_poll))                                            \
                return "a pop found nothing after a push";                                         \
        atomic_fetch_add(&r->finished, 1);                                                         \
        thread_offline(r, id);                                                                     \
        return NULL;                                                                               \
    }
#define GEN_BOTH(S) GEN(S, STACK) GEN(S, QUEUE)
/* clang-format off: one instance a line */
GEN_BOTH(OURS_HP)
GEN_BOTH(OURS_EBR)
GEN_BOTH(OURS_QUIESCENT)
GEN_BOTH(CK_HP)
GEN_BOTH(CK_EPOCH)
GEN_BOTH(URCU_MEMB)
GEN_BOTH(URCU_QSBR)
/* clang-format on */

static lab_worker_fn const loops[SCHEMES][2] = {
    {loop_OURS_HP_STACK, loop_OURS_HP_QUEUE},
    {loop_OURS_EBR_STACK, loop_OURS_EBR_QUEUE},
    {loop_OURS_QUIESCENT_STACK, loop_OURS_QUIESCENT_QUEUE},
    {loop_CK_HP_STACK, loop_CK_HP_QUEUE},
    {loop_CK_EPOCH_STACK, loop_CK_EPOCH_QUEUE},
    {loop_URCU_MEMB_STACK, loop_URCU_MEMB_QUEUE},
    {loop_URCU_QSBR_STACK, loop_URCU_QSBR_QUEUE},
};

static uint64_t unreclaimed(struct run *r)
{
    if (r->scheme <= OURS_QUIESCENT)
        return reclaim_pending(&r->d);
    if (r->scheme == URCU_MEMB)
        return urcu_memb_peer_unreclaimed(r->urcu);
    if (r->scheme == URCU_QSBR)
        return urcu_qsbr_peer_unreclaimed(r->urcu);
    uint64_t freed = 0, retired = 0;
    for (size_t i = 0; i < r->threads; i++)
        freed += atomic_load_explicit(&tallies[i].freed, memory_order_relaxed);
    for (size_t i = 0; i < r->threads; i++)
        retired += atomic_load_explicit(&tallies[i].retired, memory_order_relaxed);
    return retired > freed ? retired - freed : 0;
}

/* One sample: ns per push+pop pair, all threads together, from before the
 * structure is made to after the last node is freed: a scheme that frees
 * little while the threads run (ck_epoch holds more garbage than ours, urcu
 * frees on its own thread) pays for it here too. */
static double sample(enum scheme s, enum shape shape, size_t threads, uint64_t iters)
{
    uint64_t t0 = lab_now_ns();
    struct run *r = run_new(s, shape, threads);
    r->iters = iters;
    struct lab_threads ts;
    int pin = threads <= lab_ncpus() ? LAB_THREADS_PIN : 0;
    int rc = lab_threads_start(&ts, threads, loops[s][shape], r, pin);
    if (rc != 0)
        die("cannot start %zu threads: %s", threads, strerror(rc));
    const char *err = lab_threads_join(&ts);
    if (err != NULL)
        die("%s: %s", scheme_names[s], err);
    run_free(r);
    return (double)(lab_now_ns() - t0) / (double)(iters * threads);
}

/* sample() in a child process: every sample starts from the same fresh heap
 * and no helper threads. In one process the state a run leaves behind fell on
 * the next: quiescent's millions of nodes freed by the main thread into the
 * workers' arenas, urcu's call_rcu thread. With ebr and ck_epoch alone on 4
 * threads they were level; among the other schemes, in one process, ebr took
 * 1.14x ck_epoch's time. */
static double sample_alone(enum scheme s, enum shape shape, size_t threads, uint64_t iters)
{
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe: %s", strerror(errno));
    fflush(NULL); /* or the child would print what the parent buffered */
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        double ns = sample(s, shape, threads, iters);
        _exit(write(fds[1], &ns, sizeof ns) == (ssize_t)sizeof ns ? 0 : 1);
    }
    close(fds[1]);
    double ns = 0;
    ssize_t got = read(fds[0], &ns, sizeof ns);
    close(fds[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid: %s", strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && got == (ssize_t)sizeof ns)
        return ns;
    char why[64];
    if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "died of signal %d", WTERMSIG(status));
    else
        snprintf(why, sizeof why, "failed (exit %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    die("%s, %s, %zu threads: the sample's process %s", scheme_names[s], shape_names[shape],
        threads, why);
}

enum { SAMPLES = 12, QUICK_SAMPLES = 4 };

struct measured {
    struct bench_sample s[SAMPLES];
    size_t n;
    struct bench_estimate e;
    bool done;
};

/* The id --filter matches, as "reclaim/<shape>/<n>_threads[<scheme>]". */
static void throughput_id(char *buf, size_t size, enum shape shape, size_t threads, int s)
{
    snprintf(buf, size, "%s/%zu_threads[%s]", shape_names[shape], threads, scheme_names[s]);
}

static bool measured_here(struct bench_run *run, enum shape shape, size_t threads, int s)
{
    if (shape == QUEUE && s == CK_EPOCH)
        return false;
    char id[96];
    throughput_id(id, sizeof id, shape, threads, s);
    return bench_selected(run, id);
}

/* Every scheme at one thread count, the samples taken in rounds (one sample
 * of each scheme, then the next round), in a new shuffled order every round
 * (drawn from --seed), so that a drift of the machine's speed falls on all
 * schemes alike and no scheme always runs right after the same one: in a
 * fixed order, ebr (always after hp) measured 0.99-1.08x ck_epoch (always
 * after ck_hp) on 2 threads, against 0.95-0.97x with the two alone. */
static void measure_all(struct bench_run *run, enum shape shape, size_t threads, bool quick,
                        struct measured *m, FILE *tsv)
{
    uint64_t iters = quick ? 20000 : 200000;
    size_t n = quick ? QUICK_SAMPLES : SAMPLES;
    struct splitmix64 rng = {bench_seed(run) ^ (threads << 8 | (uint64_t)shape)};
    int order[SCHEMES];
    for (int j = 0; j < SCHEMES; j++)
        order[j] = j;
    for (size_t k = 0; k < n; k++) {
        for (int j = SCHEMES - 1; j > 0; j--) {
            int i = (int)splitmix64_below(&rng, (uint64_t)j + 1), t = order[i];
            order[i] = order[j], order[j] = t;
        }
        for (int j = 0; j < SCHEMES; j++) {
            int s = order[j];
            if (measured_here(run, shape, threads, s))
                m[s].s[k] = (struct bench_sample){1, sample_alone(s, shape, threads, iters)};
        }
    }
    for (int s = 0; s < SCHEMES; s++) {
        if (!measured_here(run, shape, threads, s))
            continue;
        struct bench_analysis an;
        m[s].n = n;
        bench_analyze(m[s].s, n, 2000, 0.95, 7, &an);
        m[s].e = an.estimate;
        m[s].done = true;
        printf("  %-6s %-10s %2zu threads %8.1f ns/pair [%.1f, %.1f]  %6.2f M pairs/s\n",
               shape_names[shape], scheme_names[s], threads, m[s].e.point, m[s].e.lo, m[s].e.hi,
               1e3 / m[s].e.point);
        if (tsv != NULL)
            fprintf(tsv, "%s\t%s\t%zu\t%.2f\t%.2f\t%.2f\t%.4f\n", shape_names[shape],
                    scheme_names[s], threads, m[s].e.point, m[s].e.lo, m[s].e.hi,
                    1e3 / m[s].e.point);
    }
    fflush(stdout);
}

static void compare(struct bench_run *run, enum shape shape, size_t threads, enum scheme a,
                    const struct measured *ma, enum scheme b, const struct measured *mb)
{
    if (!ma->done || !mb->done)
        return;
    char an[96], bn[96];
    throughput_id(an, sizeof an, shape, threads, a);
    throughput_id(bn, sizeof bn, shape, threads, b);
    /* the samples were taken in rounds, a scheme's k-th beside the other's */
    bench_vs_paired(run, an, ma->s, bn, mb->s, ma->n < mb->n ? ma->n : mb->n);
}

/* The garbage run: two threads on the stack for about a second, the count of
 * unreclaimed nodes sampled every 5 ms. */
static void garbage_over_time(enum scheme s, bool quick, FILE *tsv)
{
    size_t threads = 2;
    struct run *r = run_new(s, STACK, threads);
    r->iters = quick ? 200000 : 2000000;
    struct lab_threads ts;
    int rc = lab_threads_start(&ts, threads, loops[s][STACK], r, LAB_THREADS_PIN);
    if (rc != 0)
        die("cannot start threads: %s", strerror(rc));
    uint64_t start = lab_now_ns(), most = 0;
    while (atomic_load(&r->finished) < threads) {
        lab_sleep_until_ns(lab_now_ns() + 5000000);
        uint64_t u = unreclaimed(r);
        most = u > most ? u : most;
        fprintf(tsv, "%s\t%.4f\t%llu\n", scheme_names[s], (double)(lab_now_ns() - start) / 1e9,
                (unsigned long long)u);
    }
    lab_threads_join(&ts);
    printf("  garbage %-10s at most %llu nodes unreclaimed\n", scheme_names[s],
           (unsigned long long)most);
    run_free(r);
}

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("ch07", "reclaim", argc, argv);
    bool quick = bench_quick(run);
    size_t ncpus = lab_ncpus();
    size_t counts[3] = {1, ncpus < 2 ? 2 : ncpus, 2 * (ncpus < 2 ? 2 : ncpus)};
    if (counts[2] > MAX_THREADS)
        counts[2] = MAX_THREADS;
    FILE *tsv = bench_open_extra(run, "throughput");
    if (tsv != NULL)
        fprintf(tsv, "# shape\tscheme\tthreads\tns_per_pair\tlo\thi\tM_pairs_per_s\n");
    static struct measured m[2][3][SCHEMES];
    for (int shape = STACK; shape <= QUEUE; shape++) {
        for (int t = 0; t < 3; t++) {
            measure_all(run, shape, counts[t], quick, m[shape][t], tsv);
            compare(run, shape, counts[t], OURS_HP, &m[shape][t][OURS_HP], CK_HP,
                    &m[shape][t][CK_HP]);
            compare(run, shape, counts[t], OURS_EBR, &m[shape][t][OURS_EBR],
                    shape == STACK ? CK_EPOCH : URCU_MEMB,
                    &m[shape][t][shape == STACK ? CK_EPOCH : URCU_MEMB]);
            compare(run, shape, counts[t], OURS_EBR, &m[shape][t][OURS_EBR], URCU_QSBR,
                    &m[shape][t][URCU_QSBR]);
            compare(run, shape, counts[t], OURS_HP, &m[shape][t][OURS_HP], OURS_EBR,
                    &m[shape][t][OURS_EBR]);
        }
    }
    if (tsv != NULL)
        fclose(tsv);
    FILE *g = bench_open_extra(run, "garbage");
    if (g != NULL) {
        fprintf(g, "# scheme\tseconds\tunreclaimed\n");
        for (int s = 0; s < SCHEMES; s++) {
            char id[64];
            snprintf(id, sizeof id, "garbage[%s]", scheme_names[s]);
            /* quiescent holds everything: a line off the scale */
            if (s != OURS_QUIESCENT && bench_selected(run, id))
                garbage_over_time(s, quick, g);
        }
        fclose(g);
    }
    return bench_end(run);
}
