/*
 * bridge.c - the rope bridge (Downey's baboon crossing, via the book): a state
 * machine under one mutex, its invariants checked on every turn, and how fair
 * it is.
 *
 * One rope spans a canyon; it holds at most 5, and two travellers going
 * opposite ways must never meet on it. The book needs no semaphore: the state
 * is EMPTY, LEFT(n) or RIGHT(n), one direction and one count under one mutex,
 * so "both ways at once" is not a state that exists. Two threads, one per
 * side of the canyon, each take the lock and make one move of the book's table
 * (bridge_step): send a traveller across, let one arrive, or clear a rope
 * that has emptied. LEFT(0)/RIGHT(0) is the book's transient state: nobody on
 * the rope, but the direction is kept, so the sending side may go on sending.
 *
 * Where the book's two threads loop for ever, here each side sends
 * --crossings travellers and stops when its own have all left and the other
 * side's have all arrived. Each turn is checked (bridge_check_*): the move is
 * one the table allows, at most 5 are on the rope, never both ways, and the
 * state agrees with a separate count kept by the travellers themselves.
 *
 * The thing to look at is fairness. The state machine is safe, but which way
 * the rope goes next depends on who wins the mutex. The program measures runs:
 * how many crossed one way in a row before the other way got the rope (mean,
 * longest, and with --tsv a histogram for plots/bridge.gp). glibc's
 * mutex is not fair: a thread that unlocks and locks again at once usually
 * wins, while the other sleeps in the kernel. With --idle spin, the book's
 * loop, a side with nothing to do (its way full, or the rope going the other
 * way) takes the lock again at once; when the two threads share one CPU, each
 * spins through its whole time slice and a few thousand crossings take
 * seconds. --idle yield, one of the book's suggested cures, gives the CPU away
 * after such a turn.
 *
 * --racy is the broken twin, kept apart below: dir and n as two plain
 * variables, read and written by both sides with no lock. Two sides that both
 * read EMPTY send travellers both ways; two updates of n at once lose one.
 * ThreadSanitizer, helgrind and DRD report the race; the checkers report the
 * damage when it happens (exit 1). The locked version is clean under all three.
 *
 *   bridge [--crossings N] [--idle spin|yield] [--tsv FILE] [--racy]
 */
#include "bridge.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "clock.h"
#include "env.h"
#include "threads.h"

/* ---- the state machine and its invariants ---------------------------------- */

/* The direction a side sends in, and the one it receives. */
static enum bridge_dir sends(enum bridge_side side)
{
    return side == BRIDGE_LHS ? BRIDGE_RIGHT : BRIDGE_LEFT;
}

static enum bridge_dir receives(enum bridge_side side)
{
    return side == BRIDGE_LHS ? BRIDGE_LEFT : BRIDGE_RIGHT;
}

enum bridge_move bridge_step(struct bridge_state *s, enum bridge_side side, bool may_send)
{
    if (s->dir == receives(side)) {
        if (s->n == 0) {
            *s = (struct bridge_state){BRIDGE_EMPTY, 0};
            return BRIDGE_CLEAR;
        }
        s->n--;
        return BRIDGE_ARRIVE;
    }
    /* EMPTY, or already going our way */
    if (!may_send || s->n == BRIDGE_CAPACITY)
        return BRIDGE_IDLE;
    *s = (struct bridge_state){sends(side), s->n + 1};
    return BRIDGE_SEND;
}

const char *bridge_check_step(struct bridge_state before, struct bridge_state after)
{
    if (after.n > BRIDGE_CAPACITY)
        return "more than 5 on the rope";
    if (after.dir == BRIDGE_EMPTY && after.n != 0)
        return "an EMPTY rope with travellers on it";
    if (before.dir == after.dir && before.n == after.n)
        return NULL; /* an idle turn */
    if (before.dir == BRIDGE_EMPTY)
        return after.n == 1 ? NULL : "a move from EMPTY other than sending one";
    if (after.dir == BRIDGE_EMPTY)
        return before.n == 0 ? NULL : "the rope cleared with travellers on it";
    if (before.dir != after.dir)
        return "the direction turned without the rope emptying";
    if (before.n + 1 != after.n && before.n != after.n + 1)
        return "more than one traveller moved in one turn";
    return NULL;
}

const char *bridge_check_rope(struct bridge_rope on)
{
    if (on.left > 0 && on.right > 0)
        return "travellers going both ways on the rope";
    if (on.left + on.right > BRIDGE_CAPACITY)
        return "more than 5 on the rope";
    return NULL;
}

const char *bridge_check_agree(struct bridge_state s, struct bridge_rope on)
{
    unsigned left = s.dir == BRIDGE_LEFT ? s.n : 0, right = s.dir == BRIDGE_RIGHT ? s.n : 0;
    if (on.left != left || on.right != right)
        return "the state disagrees with who is on the rope";
    return NULL;
}

/* ---- run lengths ----------------------------------------------------------- */

void bridge_bin_bounds(unsigned k, uint64_t *lo, uint64_t *hi)
{
    if (k < BRIDGE_CAPACITY) {
        *lo = *hi = k + 1;
        return;
    }
    *hi = (uint64_t)BRIDGE_CAPACITY << (k - BRIDGE_CAPACITY + 1);
    *lo = *hi / 2 + 1;
}

static unsigned bin_of(uint64_t len)
{
    unsigned k = 0;
    uint64_t lo, hi;
    for (bridge_bin_bounds(k, &lo, &hi); len > hi && k + 1 < BRIDGE_BINS;)
        bridge_bin_bounds(++k, &lo, &hi);
    return k;
}

static void close_run(struct bridge_runs *r, uint64_t len)
{
    if (len == 0)
        return;
    r->count++;
    r->crossings += len;
    if (len > r->max)
        r->max = len;
    r->runs[bin_of(len)]++;
    r->in_runs[bin_of(len)] += len;
}

/* ---- the book's solution: one mutex ------------------------------------------ */

struct bridge {
    pthread_mutex_t lock;
    struct bridge_state state; /* guarded by lock, as everything below */
    struct bridge_rope on;     /* the witness: who really is on the rope */
    uint64_t sent[2];          /* travellers each side has sent */
    enum bridge_dir last_dir;  /* the direction of the last traveller sent */
    enum bridge_dir run_dir;   /* the current run's direction (EMPTY once a side has */
    uint64_t run_len;          /* sent all its own) and its length */
    struct bridge_outcome out; /* crossed, max_on_rope, switches, by_dir, broken */
    uint64_t crossings;        /* read-only: travellers each side sends */
    enum bridge_idle on_idle;  /* read-only */
};

/* A traveller gets on: the run statistics. Once one side has sent all its
 * travellers, the other sends the rest unopposed: those are counted apart, not
 * as one long run, which would be the end of the stream, not unfairness. */
static void record_send(struct bridge *b, enum bridge_side side, enum bridge_dir d)
{
    b->sent[side]++;
    if (b->last_dir != BRIDGE_EMPTY && d != b->last_dir)
        b->out.switches++;
    b->last_dir = d;
    bool opposed = b->sent[side == BRIDGE_LHS ? BRIDGE_RHS : BRIDGE_LHS] < b->crossings;
    if (d != b->run_dir || !opposed) {
        if (b->run_dir != BRIDGE_EMPTY)
            close_run(&b->out.by_dir[b->run_dir], b->run_len);
        b->run_dir = opposed ? d : BRIDGE_EMPTY;
        b->run_len = 0;
    }
    if (opposed)
        b->run_len++;
    else
        b->out.unopposed++;
}

/* A traveller gets on or off: the witness and the counters. */
static const char *record(struct bridge *b, enum bridge_side side, enum bridge_move m)
{
    if (m == BRIDGE_SEND) {
        enum bridge_dir d = sends(side);
        *(d == BRIDGE_LEFT ? &b->on.left : &b->on.right) += 1;
        if (b->on.left + b->on.right > b->out.max_on_rope)
            b->out.max_on_rope = b->on.left + b->on.right;
        record_send(b, side, d);
    } else if (m == BRIDGE_ARRIVE) {
        enum bridge_dir d = receives(side);
        unsigned *on = d == BRIDGE_LEFT ? &b->on.left : &b->on.right;
        if (*on == 0)
            return "a traveller arrived who never set out";
        *on -= 1;
        b->out.crossed[d]++;
    }
    return NULL;
}

static void *cross_locked(size_t id, void *arg)
{
    struct bridge *b = arg;
    enum bridge_side side = id == 0 ? BRIDGE_LHS : BRIDGE_RHS;
    uint64_t sent = 0, arrived = 0, idle = 0;
    while (sent < b->crossings || arrived < b->crossings) {
        pthread_mutex_lock(&b->lock);
        if (b->out.broken != NULL) {
            pthread_mutex_unlock(&b->lock);
            break;
        }
        struct bridge_state before = b->state;
        enum bridge_move m = bridge_step(&b->state, side, sent < b->crossings);
        const char *broken = record(b, side, m);
        if (broken == NULL)
            broken = bridge_check_step(before, b->state);
        if (broken == NULL)
            broken = bridge_check_rope(b->on);
        if (broken == NULL)
            broken = bridge_check_agree(b->state, b->on);
        b->out.broken = broken;
        pthread_mutex_unlock(&b->lock);
        sent += m == BRIDGE_SEND;
        arrived += m == BRIDGE_ARRIVE;
        if (m == BRIDGE_IDLE) {
            idle++;
            /* let the other side have the lock; under valgrind, which runs one
             * thread at a time, always (a spinning side starves the other there) */
            if (b->on_idle == BRIDGE_YIELD || lab_under_valgrind())
                sched_yield();
        }
    }
    pthread_mutex_lock(&b->lock);
    b->out.idle[side] = idle;
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

int bridge_run(uint64_t crossings, enum bridge_idle idle, struct bridge_outcome *out)
{
    struct bridge *b = calloc(1, sizeof *b);
    if (b == NULL)
        return -1;
    pthread_mutex_init(&b->lock, NULL);
    b->crossings = crossings;
    b->on_idle = idle;
    struct lab_threads ts;
    uint64_t t0 = lab_now_ns();
    int rc = lab_threads_start(&ts, 2, cross_locked, b, 0) == 0 ? 0 : -1;
    if (rc == 0) {
        lab_threads_join(&ts);
        b->out.seconds = lab_seconds_since(t0);
        if (b->run_dir != BRIDGE_EMPTY)
            close_run(&b->out.by_dir[b->run_dir], b->run_len);
        *out = b->out;
    }
    pthread_mutex_destroy(&b->lock);
    free(b);
    return rc;
}

/* ---- --racy: the same moves with no lock (a data race, on purpose) -------------
 *
 * dir and n are two plain variables that both sides read, step and write back
 * with nothing ordering them. volatile only makes the compiler load and store
 * them on every turn instead of keeping them in registers; it makes nothing
 * atomic. The damage: both sides read EMPTY and send both ways; both update n
 * at once and one update is lost, so the count drifts from who is really on
 * the rope: more than 5 get on, someone "arrives" who never left, or
 * travellers are stranded on a rope the state calls empty.
 *
 * The witness stays exact: left and right travellers packed in one atomic
 * word, so every get-on or get-off sees a consistent snapshot. The first
 * broken invariant stops both sides; a stranded traveller would otherwise
 * leave the receiving side waiting for ever. */

#define RACY_RIGHT_ONE (UINT32_C(1) << 16) /* left count in the low half, right in the high */

struct racy_bridge {
    volatile enum bridge_dir dir; /* no lock: raced on purpose */
    volatile unsigned n;
    _Atomic uint32_t on; /* the witness */
    _Atomic(const char *) broken;
    _Atomic bool done_sending[2];
    _Atomic unsigned max_on_rope;
    uint64_t crossed[3], idle[2]; /* each side writes its own, read after the join */
    uint64_t crossings;
    enum bridge_idle on_idle;
};

static struct bridge_rope unpack(uint32_t on)
{
    return (struct bridge_rope){.left = on & 0xffff, .right = on >> 16};
}

static void racy_break(struct racy_bridge *r, const char *why)
{
    const char *none = NULL;
    atomic_compare_exchange_strong(&r->broken, &none, why);
}

/* A traveller gets on: returns the rope as it is right after. */
static struct bridge_rope racy_get_on(struct racy_bridge *r, enum bridge_dir d)
{
    uint32_t inc = d == BRIDGE_LEFT ? 1 : RACY_RIGHT_ONE;
    struct bridge_rope now = unpack(atomic_fetch_add(&r->on, inc) + inc);
    unsigned total = now.left + now.right, max = atomic_load(&r->max_on_rope);
    while (total > max && !atomic_compare_exchange_weak(&r->max_on_rope, &max, total))
        ;
    return now;
}

/* A traveller gets off; false if nobody going that way was on the rope. */
static bool racy_get_off(struct racy_bridge *r, enum bridge_dir d)
{
    uint32_t old = atomic_load(&r->on), dec = d == BRIDGE_LEFT ? 1 : RACY_RIGHT_ONE;
    do {
        struct bridge_rope now = unpack(old);
        if ((d == BRIDGE_LEFT ? now.left : now.right) == 0)
            return false;
    } while (!atomic_compare_exchange_weak(&r->on, &old, old - dec));
    return true;
}

/* Idle, with the other side done sending: if someone is still on the way
 * here while the state shows nobody coming, nothing will ever bring them. */
static bool racy_stranded(struct racy_bridge *r, enum bridge_side side)
{
    if (!atomic_load(&r->done_sending[side == BRIDGE_LHS ? BRIDGE_RHS : BRIDGE_LHS]))
        return false;
    struct bridge_rope on = unpack(atomic_load(&r->on));
    unsigned coming = side == BRIDGE_LHS ? on.left : on.right;
    return coming > 0 && !(r->dir == receives(side) && r->n > 0);
}

static void *cross_racy(size_t id, void *arg)
{
    struct racy_bridge *r = arg;
    enum bridge_side side = id == 0 ? BRIDGE_LHS : BRIDGE_RHS;
    uint64_t sent = 0, arrived = 0, idle = 0;
    while ((sent < r->crossings || arrived < r->crossings) && atomic_load(&r->broken) == NULL) {
        struct bridge_state s = {r->dir, r->n}; /* racy reads */
        enum bridge_move m = bridge_step(&s, side, sent < r->crossings);
        if (m == BRIDGE_IDLE) {
            idle++;
            if (racy_stranded(r, side))
                racy_break(r, "travellers stranded on the rope: the state lost them");
            if (r->on_idle == BRIDGE_YIELD || lab_under_valgrind())
                sched_yield(); /* (under valgrind: as in the locked version) */
            continue;
        }
        r->dir = s.dir; /* racy writes */
        r->n = s.n;
        if (m == BRIDGE_SEND) {
            const char *broken = bridge_check_rope(racy_get_on(r, sends(side)));
            if (broken != NULL)
                racy_break(r, broken);
            if (++sent == r->crossings)
                atomic_store(&r->done_sending[side], true);
        } else if (m == BRIDGE_ARRIVE) {
            if (!racy_get_off(r, receives(side)))
                racy_break(r, "a traveller arrived who never set out");
            arrived++;
        }
    }
    r->crossed[receives(side)] = arrived;
    r->idle[side] = idle;
    return NULL;
}

int bridge_run_racy(uint64_t crossings, enum bridge_idle idle, struct bridge_outcome *out)
{
    struct racy_bridge *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -1;
    r->dir = BRIDGE_EMPTY;
    r->crossings = crossings;
    r->on_idle = idle;
    struct lab_threads ts;
    uint64_t t0 = lab_now_ns();
    int rc = lab_threads_start(&ts, 2, cross_racy, r, 0) == 0 ? 0 : -1;
    if (rc == 0) {
        lab_threads_join(&ts);
        *out = (struct bridge_outcome){
            .crossed = {0, r->crossed[BRIDGE_LEFT], r->crossed[BRIDGE_RIGHT]},
            .idle = {r->idle[0], r->idle[1]},
            .max_on_rope = atomic_load(&r->max_on_rope),
            .broken = atomic_load(&r->broken),
            .seconds = lab_seconds_since(t0),
        };
    }
    free(r);
    return rc;
}

/* ---- the program -------------------------------------------------------------- */

#ifndef LAB_NO_MAIN
static void print_runs(const char *label, const struct bridge_runs *r)
{
    printf("  %s: %llu crossings in %llu runs, mean %.1f, longest %llu\n", label,
           (unsigned long long)r->crossings, (unsigned long long)r->count,
           r->count ? (double)r->crossings / (double)r->count : 0.0, (unsigned long long)r->max);
}

/* The histogram of run lengths, one row per bin, for gnuplot. */
static void write_tsv(const char *path, uint64_t crossings, const char *idle,
                      const struct bridge_outcome *o)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        die_errno("cannot write %s", path);
    const struct bridge_runs *right = &o->by_dir[BRIDGE_RIGHT], *left = &o->by_dir[BRIDGE_LEFT];
    unsigned last = 0;
    for (unsigned k = 0; k < BRIDGE_BINS; k++)
        if (right->runs[k] || left->runs[k])
            last = k;
    fprintf(f, "# bridge --crossings %llu --idle %s: runs of crossings the same way, by length\n",
            (unsigned long long)crossings, idle);
    fprintf(f, "# bin\tlen_lo\tlen_hi\tright_runs\tleft_runs\tright_pct\tleft_pct\n");
    for (unsigned k = 0; k <= last; k++) {
        uint64_t lo, hi;
        bridge_bin_bounds(k, &lo, &hi);
        char bin[48];
        if (lo == hi)
            snprintf(bin, sizeof bin, "%llu", (unsigned long long)lo);
        else
            snprintf(bin, sizeof bin, "%llu-%llu", (unsigned long long)lo, (unsigned long long)hi);
        fprintf(f, "%s\t%llu\t%llu\t%llu\t%llu\t%.3f\t%.3f\n", bin, (unsigned long long)lo,
                (unsigned long long)hi, (unsigned long long)right->runs[k],
                (unsigned long long)left->runs[k],
                100.0 * (double)right->in_runs[k] /
                    (double)(right->crossings ? right->crossings : 1),
                100.0 * (double)left->in_runs[k] / (double)(left->crossings ? left->crossings : 1));
    }
    if (fclose(f) != 0)
        die_errno("cannot write %s", path);
}

static int run_racy(uint64_t crossings, enum bridge_idle idle)
{
    struct bridge_outcome o;
    printf("bridge --racy: %llu travellers each way, dir and n shared with no lock (a data race)\n",
           (unsigned long long)crossings);
    if (bridge_run_racy(crossings, idle, &o) != 0)
        die("could not start the two sides");
    unsigned long long done = o.crossed[BRIDGE_LEFT] + o.crossed[BRIDGE_RIGHT];
    if (o.broken != NULL) {
        printf("bridge --racy: broken after %llu crossings (%.3f s), at most %u on the rope: %s\n",
               done, o.seconds, o.max_on_rope, o.broken);
        return 1;
    }
    printf("bridge --racy: %llu crossings (%.3f s), at most %u on the rope: no damage seen this "
           "time (the race is still there: TSan, helgrind)\n",
           done, o.seconds, o.max_on_rope);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t crossings = 10000;
    const char *tsv = NULL;
    bool racy = false;
    static const char *const idles[] = {"spin", "yield", NULL};
    int idle = BRIDGE_SPIN;
    const struct cli_option opts[] = {
        CLI_U64("crossings", &crossings, "N",
                "travellers each side sends across (fewer under valgrind or qemu)"),
        CLI_CHOICE("idle", &idle, "after a turn with nothing to do: lock again (the book) or yield",
                   idles),
        CLI_STRING("tsv", &tsv, "FILE", "write the histogram of run lengths (for gnuplot)"),
        CLI_FLAG("racy", &racy, "the broken twin: dir and count updated with no lock"),
    };
    const struct cli cli = {
        .prog = "bridge",
        .summary = "The rope bridge: a two-way state machine under one mutex, and its fairness.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (crossings == 0 || crossings > UINT64_C(1) << 36)
        cli_error("--crossings must be in [1, 2^36]");
    crossings = lab_scaled(crossings);
    if (racy)
        return run_racy(crossings, (enum bridge_idle)idle);

    struct bridge_outcome o;
    printf("bridge: %llu travellers each way, at most %d on the rope, one mutex, idle sides %s\n",
           (unsigned long long)crossings, BRIDGE_CAPACITY, idles[idle]);
    if (bridge_run(crossings, (enum bridge_idle)idle, &o) != 0)
        die("could not start the two sides");
    if (o.broken != NULL)
        die("invariant broken: %s", o.broken);
    if (o.crossed[BRIDGE_LEFT] != crossings || o.crossed[BRIDGE_RIGHT] != crossings)
        die("crossings lost: %llu left, %llu right of %llu",
            (unsigned long long)o.crossed[BRIDGE_LEFT], (unsigned long long)o.crossed[BRIDGE_RIGHT],
            (unsigned long long)crossings);
    print_runs("rightward (LHS sends)", &o.by_dir[BRIDGE_RIGHT]);
    print_runs("leftward  (RHS sends)", &o.by_dir[BRIDGE_LEFT]);
    printf("  sent unopposed, once the other side had sent all its own: %llu\n",
           (unsigned long long)o.unopposed);
    printf("  turns with nothing to do: LHS %llu, RHS %llu\n", (unsigned long long)o.idle[0],
           (unsigned long long)o.idle[1]);
    if (tsv != NULL)
        write_tsv(tsv, crossings, idles[idle], &o);
    uint64_t runs = o.by_dir[BRIDGE_LEFT].count + o.by_dir[BRIDGE_RIGHT].count;
    uint64_t longest = o.by_dir[BRIDGE_LEFT].max > o.by_dir[BRIDGE_RIGHT].max
                           ? o.by_dir[BRIDGE_LEFT].max
                           : o.by_dir[BRIDGE_RIGHT].max;
    printf("bridge: %llu crossings in %.3f s (idle %s, %llu idle turns), at most %u on the rope, "
           "%llu direction switches, runs mean %.1f longest %llu: invariants held\n",
           (unsigned long long)(2 * crossings), o.seconds, idles[idle],
           (unsigned long long)(o.idle[0] + o.idle[1]), o.max_on_rope,
           (unsigned long long)o.switches,
           runs ? (double)(2 * crossings - o.unopposed) / (double)runs : 0.0,
           (unsigned long long)longest);
    return 0;
}
#endif
