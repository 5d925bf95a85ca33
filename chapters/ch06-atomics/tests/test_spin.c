/* test_spin.c - the locks of spin.h (and the pthread ones beside them):
 * mutual exclusion under contention, trylock's answers against a model, first
 * come first served for the ticket and MCS locks, and the futex lock's
 * sleepers all woken. */
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "env.h"
#include "prop.h"
#include "spin_any.h"
#include "test.h"
#include "threads.h"

enum { MAX_THREADS = 4, MAX_WAITERS = 3 };

struct shared {
    struct spin_any lock;
    uint64_t iters;
    uint64_t counter;   /* plain: only the lock protects it */
    _Atomic int inside; /* owners right now: must never exceed 1 */
    _Atomic int overlaps;
};

static void *hammer(size_t id, void *arg)
{
    (void)id;
    struct shared *s = arg;
    struct spin_mcs_node me;
    for (uint64_t i = 0; i < s->iters; i++) {
        spin_any_lock(&s->lock, &me);
        if (atomic_fetch_add_explicit(&s->inside, 1, memory_order_relaxed) != 0)
            atomic_fetch_add_explicit(&s->overlaps, 1, memory_order_relaxed);
        s->counter++;
        atomic_fetch_sub_explicit(&s->inside, 1, memory_order_relaxed);
        spin_any_unlock(&s->lock, &me);
    }
    return NULL;
}

/* As many threads as CPUs (2 to 4) increment one plain counter. More threads
 * than CPUs would mostly time the scheduler: a ticket or MCS lock hands over
 * to the next in line even when that thread is not running. */
TEST(spin, every_lock_excludes, .timeout = 120)
{
    size_t threads = lab_ncpus() < 2 ? 2 : lab_ncpus() > MAX_THREADS ? MAX_THREADS : lab_ncpus();
    for (int k = 0; k < SPIN_KINDS; k++) {
        static struct shared s;
        s = (struct shared){.iters = lab_scaled(100000)};
        ASSERT_EQ(spin_any_init(&s.lock, (enum spin_kind)k), 0, "%s", spin_kind_names[k]);
        struct lab_threads ts;
        ASSERT_EQ(lab_threads_start(&ts, threads, hammer, &s, 0), 0);
        lab_threads_join(&ts);
        ASSERT_EQ(s.overlaps, 0, "%s: two owners at once", spin_kind_names[k]);
        ASSERT_EQ(s.counter, threads * s.iters, "%s: increments lost", spin_kind_names[k]);
        struct spin_mcs_node me;
        ASSERT(spin_any_trylock(&s.lock, &me), "%s: free after the last unlock",
               spin_kind_names[k]);
        spin_any_unlock(&s.lock, &me);
        spin_any_destroy(&s.lock);
    }
}

/* trylock and locked() against a model that is just "held or not", over
 * random sequences of trylock, unlock and lock, on one thread. */
static enum prop_result try_against_model(struct prop_source *s, void *env)
{
    (void)env;
    enum spin_kind kind = (enum spin_kind)prop_int(s, 0, SPIN_KINDS - 1);
    struct spin_any l;
    struct spin_mcs_node me, other;
    if (spin_any_init(&l, kind) != 0)
        return PROP_DISCARD;
    prop_log(s, "lock %s:", spin_kind_names[kind]);
    bool held = false;
    while (prop_more(s, 12)) {
        int op = (int)prop_int(s, 0, 2);
        if (op == 0) {
            /* another attempt from another node: must fail while held */
            bool got = spin_any_trylock(&l, held ? &other : &me);
            prop_log(s, " trylock -> %d", got);
            PROP_REQUIRE(s, got == !held, "%s: trylock said %d while %s", spin_kind_names[kind],
                         got, held ? "held" : "free");
            held = true;
        } else if (op == 1 && held) {
            prop_log(s, " unlock");
            spin_any_unlock(&l, &me);
            held = false;
        } else if (!held) {
            prop_log(s, " lock");
            spin_any_lock(&l, &me);
            held = true;
        }
        bool says = true;
        switch (kind) {
        case SPIN_SWAP:
            says = spin_swap_locked(&l.u.swap);
            break;
        case SPIN_CAS:
            says = spin_cas_locked(&l.u.cas);
            break;
        case SPIN_TTAS:
            says = spin_ttas_locked(&l.u.ttas);
            break;
        case SPIN_TICKET:
            says = spin_ticket_locked(&l.u.ticket);
            break;
        case SPIN_MCS:
            says = spin_mcs_locked(&l.u.mcs);
            break;
        case SPIN_FUTEX:
            says = spin_futex_locked(&l.u.futex);
            break;
        default:
            says = held;
            break; /* pthread: no such query */
        }
        PROP_REQUIRE(s, says == held, "%s: locked() said %d, the model %d", spin_kind_names[kind],
                     says, held);
    }
    if (held)
        spin_any_unlock(&l, &me);
    spin_any_destroy(&l);
    return PROP_PASS;
}
PROPERTY(spin, trylock_and_locked_agree_with_a_model, try_against_model, NULL)

/* ---- first come, first served ---- */

struct line_up {
    struct spin_any lock;
    struct spin_mcs_node nodes[MAX_WAITERS];
    _Atomic int started[MAX_WAITERS];
    int order[MAX_WAITERS]; /* who got the lock, in turn; guarded by lock */
    int served;
};

static void *wait_in_line(size_t id, void *arg)
{
    struct line_up *u = arg;
    atomic_store(&u->started[id], 1);
    spin_any_lock(&u->lock, &u->nodes[id]);
    u->order[u->served++] = (int)id;
    spin_any_unlock(&u->lock, &u->nodes[id]);
    return NULL;
}

/* Waiters behind the owner, as the lock itself shows them. */
static int queued(struct line_up *u)
{
    if (u->lock.kind == SPIN_TICKET)
        return (int)spin_ticket_waiters(&u->lock.u.ticket);
    /* MCS: the tail is the last waiter's node */
    struct spin_mcs_node *tail = atomic_load(&u->lock.u.mcs.tail);
    for (int i = MAX_WAITERS - 1; i >= 0; i--)
        if (tail == &u->nodes[i])
            return i + 1;
    return 0;
}

struct waiter_arg {
    struct line_up *u;
    size_t id;
};

static void *waiter_main(void *p)
{
    struct waiter_arg *a = p;
    return wait_in_line(a->id, a->u);
}

/* The owner holds the lock while three threads line up one after another;
 * once released, they must get it in the order they came. */
static void check_fifo(enum spin_kind kind)
{
    static struct line_up u;
    memset(&u, 0, sizeof u);
    struct spin_mcs_node owner;
    ASSERT_EQ(spin_any_init(&u.lock, kind), 0);
    spin_any_lock(&u.lock, &owner);
    pthread_t t[MAX_WAITERS];
    struct waiter_arg args[MAX_WAITERS];
    for (int i = 0; i < MAX_WAITERS; i++) {
        args[i] = (struct waiter_arg){&u, (size_t)i};
        ASSERT_EQ(pthread_create(&t[i], NULL, waiter_main, &args[i]), 0);
        /* the next one starts only once this one is in line */
        while (queued(&u) < i + 1)
            sched_yield();
    }
    spin_any_unlock(&u.lock, &owner);
    for (int i = 0; i < MAX_WAITERS; i++)
        pthread_join(t[i], NULL);
    ASSERT_EQ(u.served, MAX_WAITERS);
    for (int i = 0; i < MAX_WAITERS; i++)
        ASSERT_EQ(u.order[i], i, "%s: served %d, %d, %d", spin_kind_names[kind], u.order[0],
                  u.order[1], u.order[2]);
}

TEST(spin, ticket_serves_in_arrival_order, .timeout = 60)
{
    check_fifo(SPIN_TICKET);
}
TEST(spin, mcs_serves_in_arrival_order, .timeout = 60)
{
    check_fifo(SPIN_MCS);
}

/* ---- the futex lock's sleepers ---- */

static void *block_on_futex(size_t id, void *arg)
{
    (void)id;
    struct shared *s = arg;
    spin_futex_lock(&s->lock.u.futex);
    s->counter++;
    spin_futex_unlock(&s->lock.u.futex);
    return NULL;
}

TEST(spin, futex_lock_marks_sleepers_and_wakes_them_all, .timeout = 60)
{
    static struct shared s;
    s = (struct shared){0};
    ASSERT_EQ(spin_any_init(&s.lock, SPIN_FUTEX), 0);
    spin_futex_lock(&s.lock.u.futex);
    ASSERT_EQ(atomic_load(&s.lock.u.futex.state), 1, "uncontended: 1, no sleeper");
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 3, block_on_futex, &s, 0), 0);
    /* a waiter says it is there by setting 2 before it sleeps */
    while (atomic_load(&s.lock.u.futex.state) != 2)
        sched_yield();
    nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
    ASSERT_EQ(s.counter, 0, "nobody got in while held");
    spin_futex_unlock(&s.lock.u.futex);
    lab_threads_join(&ts);
    ASSERT_EQ(s.counter, 3, "every sleeper woke and got the lock");
    ASSERT_EQ(atomic_load(&s.lock.u.futex.state), 0, "free at the end");
}
