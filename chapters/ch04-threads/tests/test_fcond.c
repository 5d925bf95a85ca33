/* test_fcond.c - the futex condition variable: hand-overs and broadcast. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "env.h"
#include "fcond.h"
#include "threads.h"
#include "test.h"

/* Two threads hand a token back and forth, each waiting for its turn: every
 * hand-over needs its signal, so a lost one hangs the test (its timeout fails it). */
struct pingpong {
    pthread_mutex_t m;
    struct fcond turn_changed;
    int turn;
    long rounds, moves[2];
};

static void *player(size_t id, void *arg)
{
    struct pingpong *p = arg;
    pthread_mutex_lock(&p->m);
    for (long i = 0; i < p->rounds; i++) {
        while (p->turn != (int)id)
            fcond_wait(&p->turn_changed, &p->m);
        p->moves[id]++;
        p->turn = 1 - (int)id;
        fcond_signal(&p->turn_changed);
    }
    pthread_mutex_unlock(&p->m);
    return NULL;
}

TEST(fcond, pingpong_hands_over_every_turn, .timeout = 120)
{
    struct pingpong p = {.rounds = (long)lab_scaled(20000)};
    pthread_mutex_init(&p.m, NULL);
    fcond_init(&p.turn_changed);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 2, player, &p, 0), 0);
    ASSERT_NULL(lab_threads_join(&ts));
    ASSERT_EQ(p.moves[0], p.rounds);
    ASSERT_EQ(p.moves[1], p.rounds);
    pthread_mutex_destroy(&p.m);
}

/* Four waiters sleep on a gate; once all four are inside the wait, one
 * broadcast must wake them all (a signal would wake one: the test would hang). */
struct gate {
    pthread_mutex_t m;
    struct fcond cv, arrived; /* two conditions, two variables (see below) */
    int waiting, passed;
    bool open;
};

static void *at_gate(size_t id, void *arg)
{
    (void)id;
    struct gate *g = arg;
    pthread_mutex_lock(&g->m);
    g->waiting++;
    /* Tell the opener, on a variable of its own: a signal on cv could wake
     * another waiter instead, which would go back to sleep with it. */
    fcond_signal(&g->arrived);
    while (!g->open)
        fcond_wait(&g->cv, &g->m);
    g->passed++;
    pthread_mutex_unlock(&g->m);
    return NULL;
}

TEST(fcond, broadcast_wakes_every_waiter, .timeout = 60)
{
    struct gate g = {.open = false};
    pthread_mutex_init(&g.m, NULL);
    fcond_init(&g.cv);
    fcond_init(&g.arrived);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 4, at_gate, &g, 0), 0);
    pthread_mutex_lock(&g.m);
    while (g.waiting < 4)
        fcond_wait(&g.arrived, &g.m);
    g.open = true;
    fcond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.m);
    ASSERT_NULL(lab_threads_join(&ts));
    ASSERT_EQ(g.passed, 4);
    pthread_mutex_destroy(&g.m);
}
