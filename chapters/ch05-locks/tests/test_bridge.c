/* test_bridge.c - the rope bridge: the book's table move by move, the
 * checkers against broken states, and whole runs, locked and racy. */
#include "bridge.h"
#include "env.h"
#include "test.h"

static struct bridge_state st(enum bridge_dir dir, unsigned n)
{
    return (struct bridge_state){dir, n};
}

/* One move of `side` from `from`: the move it makes and the state it leaves. */
static void expect_move(enum bridge_side side, bool may_send, struct bridge_state from,
                        enum bridge_move move, struct bridge_state to)
{
    struct bridge_state s = from;
    enum bridge_move m = bridge_step(&s, side, may_send);
    ASSERT_EQ(m, move, "side %d from (%d, %u)", side, from.dir, from.n);
    ASSERT_EQ(s.dir, to.dir, "side %d from (%d, %u)", side, from.dir, from.n);
    ASSERT_EQ(s.n, to.n, "side %d from (%d, %u)", side, from.dir, from.n);
    ASSERT_NULL(bridge_check_step(from, s), "a table move must pass the checker");
}

TEST(bridge, the_books_table_left_hand_side)
{
    expect_move(BRIDGE_LHS, true, st(BRIDGE_EMPTY, 0), BRIDGE_SEND, st(BRIDGE_RIGHT, 1));
    for (unsigned i = 0; i < 5; i++)
        expect_move(BRIDGE_LHS, true, st(BRIDGE_RIGHT, i), BRIDGE_SEND, st(BRIDGE_RIGHT, i + 1));
    expect_move(BRIDGE_LHS, true, st(BRIDGE_RIGHT, 5), BRIDGE_IDLE, st(BRIDGE_RIGHT, 5));
    expect_move(BRIDGE_LHS, true, st(BRIDGE_LEFT, 0), BRIDGE_CLEAR, st(BRIDGE_EMPTY, 0));
    for (unsigned i = 1; i <= 5; i++)
        expect_move(BRIDGE_LHS, true, st(BRIDGE_LEFT, i), BRIDGE_ARRIVE, st(BRIDGE_LEFT, i - 1));
    /* with nobody left to send it only receives */
    expect_move(BRIDGE_LHS, false, st(BRIDGE_EMPTY, 0), BRIDGE_IDLE, st(BRIDGE_EMPTY, 0));
    expect_move(BRIDGE_LHS, false, st(BRIDGE_RIGHT, 2), BRIDGE_IDLE, st(BRIDGE_RIGHT, 2));
    expect_move(BRIDGE_LHS, false, st(BRIDGE_LEFT, 2), BRIDGE_ARRIVE, st(BRIDGE_LEFT, 1));
}

TEST(bridge, the_right_hand_side_mirrors_it)
{
    expect_move(BRIDGE_RHS, true, st(BRIDGE_EMPTY, 0), BRIDGE_SEND, st(BRIDGE_LEFT, 1));
    for (unsigned i = 0; i < 5; i++)
        expect_move(BRIDGE_RHS, true, st(BRIDGE_LEFT, i), BRIDGE_SEND, st(BRIDGE_LEFT, i + 1));
    expect_move(BRIDGE_RHS, true, st(BRIDGE_LEFT, 5), BRIDGE_IDLE, st(BRIDGE_LEFT, 5));
    expect_move(BRIDGE_RHS, true, st(BRIDGE_RIGHT, 0), BRIDGE_CLEAR, st(BRIDGE_EMPTY, 0));
    for (unsigned i = 1; i <= 5; i++)
        expect_move(BRIDGE_RHS, true, st(BRIDGE_RIGHT, i), BRIDGE_ARRIVE, st(BRIDGE_RIGHT, i - 1));
}

TEST(bridge, the_step_checker_refuses_what_the_table_never_does)
{
    ASSERT_NOT_NULL(bridge_check_step(st(BRIDGE_RIGHT, 5), st(BRIDGE_RIGHT, 6)));
    ASSERT_NOT_NULL(bridge_check_step(st(BRIDGE_RIGHT, 2), st(BRIDGE_LEFT, 1)));
    ASSERT_NOT_NULL(bridge_check_step(st(BRIDGE_RIGHT, 2), st(BRIDGE_EMPTY, 0)));
    ASSERT_NOT_NULL(bridge_check_step(st(BRIDGE_EMPTY, 0), st(BRIDGE_LEFT, 2)));
    ASSERT_NOT_NULL(bridge_check_step(st(BRIDGE_LEFT, 1), st(BRIDGE_LEFT, 3)));
    ASSERT_NOT_NULL(bridge_check_step(st(BRIDGE_EMPTY, 0), st(BRIDGE_EMPTY, 1)));
    ASSERT_NULL(bridge_check_step(st(BRIDGE_LEFT, 3), st(BRIDGE_LEFT, 3)));
}

TEST(bridge, the_rope_checkers)
{
    ASSERT_NULL(bridge_check_rope((struct bridge_rope){0, 5}));
    ASSERT_NULL(bridge_check_rope((struct bridge_rope){0, 0}));
    ASSERT_STR_CONTAINS(bridge_check_rope((struct bridge_rope){1, 1}), "both ways");
    ASSERT_STR_CONTAINS(bridge_check_rope((struct bridge_rope){6, 0}), "more than 5");
    ASSERT_NULL(bridge_check_agree(st(BRIDGE_LEFT, 3), (struct bridge_rope){3, 0}));
    ASSERT_NULL(bridge_check_agree(st(BRIDGE_RIGHT, 0), (struct bridge_rope){0, 0}));
    ASSERT_NOT_NULL(bridge_check_agree(st(BRIDGE_EMPTY, 0), (struct bridge_rope){0, 2}));
    ASSERT_NOT_NULL(bridge_check_agree(st(BRIDGE_LEFT, 3), (struct bridge_rope){2, 0}));
}

TEST(bridge, the_bins_cover_every_length_once)
{
    uint64_t lo, hi, next = 1;
    for (unsigned k = 0; k < BRIDGE_BINS; k++) {
        bridge_bin_bounds(k, &lo, &hi);
        ASSERT_EQ(lo, next, "bin %u", k);
        ASSERT_GE(hi, lo, "bin %u", k);
        next = hi + 1;
    }
    bridge_bin_bounds(4, &lo, &hi);
    ASSERT_EQ(hi, BRIDGE_CAPACITY, "one ropeful ends a bin");
}

/* Whole runs: every traveller crosses, every invariant holds on every turn,
 * and the statistics add up. */
TEST(bridge, locked_runs_keep_every_invariant, .timeout = 300)
{
    const uint64_t sizes[] = {1, 7, 1000, 20000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint64_t n = sizes[k] > 1000 ? lab_scaled(sizes[k]) : sizes[k];
        struct bridge_outcome o;
        ASSERT_EQ(bridge_run(n, BRIDGE_YIELD, &o), 0);
        ASSERT_NULL(o.broken, "%llu crossings: %s", (unsigned long long)n, o.broken);
        ASSERT_EQ(o.crossed[BRIDGE_LEFT], n);
        ASSERT_EQ(o.crossed[BRIDGE_RIGHT], n);
        ASSERT_GE(o.max_on_rope, 1);
        ASSERT_LE(o.max_on_rope, BRIDGE_CAPACITY);
        const struct bridge_runs *l = &o.by_dir[BRIDGE_LEFT], *r = &o.by_dir[BRIDGE_RIGHT];
        ASSERT_EQ(l->crossings + r->crossings + o.unopposed, 2 * n, "runs cover every crossing");
        ASSERT_LE(o.unopposed, n);
        /* runs alternate: one switch between two runs, one more into the unopposed tail */
        uint64_t runs = l->count + r->count;
        ASSERT_GE(o.switches + 1, runs);
        ASSERT_LE(o.switches, runs);
        uint64_t binned = 0, in_bins = 0;
        for (int b = 0; b < BRIDGE_BINS; b++) {
            binned += l->runs[b] + r->runs[b];
            in_bins += l->in_runs[b] + r->in_runs[b];
        }
        ASSERT_EQ(binned, runs);
        ASSERT_EQ(in_bins, l->crossings + r->crossings);
    }
}

/* The book's spinning sides get there too, only slower when the two threads
 * share a CPU (each then spins through its whole time slice). */
TEST(bridge, spinning_sides_keep_every_invariant, .timeout = 300)
{
    uint64_t n = lab_scaled(300);
    struct bridge_outcome o;
    ASSERT_EQ(bridge_run(n, BRIDGE_SPIN, &o), 0);
    ASSERT_NULL(o.broken, "%s", o.broken);
    ASSERT_EQ(o.crossed[BRIDGE_LEFT] + o.crossed[BRIDGE_RIGHT], 2 * n);
    ASSERT_LE(o.max_on_rope, BRIDGE_CAPACITY);
}

/* The racy twin must end (it stops at the first broken invariant, or when
 * all have crossed) and, when it reports damage, name a real invariant. Not
 * in the TSan build: there the race is the point, and TSan would fail the
 * test binary for it (tests/races.tsv checks that TSan reports it). */
TEST(bridge, the_racy_twin_ends_and_names_the_damage, .timeout = 300)
{
    if (lab_under_tsan())
        SKIP("the racy twin is checked by the race matrix, not by the TSan test run");
    for (unsigned k = 0; k < 5; k++) {
        struct bridge_outcome o;
        uint64_t n = lab_scaled(20000);
        ASSERT_EQ(bridge_run_racy(n, BRIDGE_YIELD, &o), 0);
        if (o.broken == NULL) { /* no damage this time: then all crossed */
            ASSERT_EQ(o.crossed[BRIDGE_LEFT], n);
            ASSERT_EQ(o.crossed[BRIDGE_RIGHT], n);
        } else {
            ASSERT(strstr(o.broken, "both ways") || strstr(o.broken, "more than 5") ||
                       strstr(o.broken, "never set out") || strstr(o.broken, "stranded"),
                   "%s", o.broken);
        }
    }
}
