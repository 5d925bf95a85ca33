/* bridge.h - the rope bridge of bridge.c: its state machine, its invariant
 * checkers and its runs, for the tests. */
#ifndef CH05_BRIDGE_H
#define CH05_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#define BRIDGE_CAPACITY 5 /* the most the rope holds */
#define BRIDGE_BINS 40    /* run lengths in bins: see bridge_bin_bounds() */

/* Which way the travellers on the rope are going. LEFT travellers are sent by
 * the right-hand side and arrive on the left; RIGHT ones the other way. */
enum bridge_dir { BRIDGE_EMPTY, BRIDGE_LEFT, BRIDGE_RIGHT };

/* The book's enum Bridge { Empty, Left(u8), Right(u8) }: one direction and a
 * count, so "both ways at once" cannot even be written down. n is 0 for EMPTY;
 * LEFT(0)/RIGHT(0) means nobody on the rope, but the direction is kept. */
struct bridge_state {
    enum bridge_dir dir;
    unsigned n;
};

enum bridge_side { BRIDGE_LHS, BRIDGE_RHS };
enum bridge_move { BRIDGE_IDLE, BRIDGE_SEND, BRIDGE_ARRIVE, BRIDGE_CLEAR };

/* One turn of a side, the book's table (LHS shown; RHS mirrors it):
 *   EMPTY        -> RIGHT(1)    send           (if it has someone to send)
 *   RIGHT(i < 5) -> RIGHT(i+1)  send           (likewise)
 *   RIGHT(5)        unchanged   idle: the rope is full
 *   LEFT(0)      -> EMPTY       clear
 *   LEFT(i)      -> LEFT(i-1)   one arrives
 * Updates *s and returns the move. */
enum bridge_move bridge_step(struct bridge_state *s, enum bridge_side side, bool may_send);

/* Who is really on the rope, counted by the travellers as they get on and
 * off, apart from the state the two sides keep. */
struct bridge_rope {
    unsigned left, right;
};

/* The invariants; each returns NULL when it holds, else what broke. */
/* A turn moved the state only as the table allows, and kept n <= 5. */
const char *bridge_check_step(struct bridge_state before, struct bridge_state after);
/* At most 5 on the rope, never travellers going both ways. */
const char *bridge_check_rope(struct bridge_rope on);
/* The state says exactly who is on the rope. */
const char *bridge_check_agree(struct bridge_state s, struct bridge_rope on);

struct bridge_runs {                /* runs of consecutive crossings one way */
    uint64_t count, crossings, max; /* runs, crossings in them, the longest */
    uint64_t runs[BRIDGE_BINS];     /* runs with length in bin k */
    uint64_t in_runs[BRIDGE_BINS];  /* crossings made in those runs */
};

/* The lengths bin k holds, lo..hi: 1, 2, 3, 4 and 5 (up to one ropeful) each
 * alone, then by doubling ropefuls: 6-10, 11-20, 21-40, ... */
void bridge_bin_bounds(unsigned k, uint64_t *lo, uint64_t *hi);

struct bridge_outcome {
    uint64_t crossed[3]; /* arrivals, by direction (index LEFT, RIGHT) */
    uint64_t idle[2];    /* turns each side found nothing to do */
    unsigned max_on_rope;
    uint64_t switches;            /* times a traveller set out the other way than the one before */
    struct bridge_runs by_dir[3]; /* index LEFT, RIGHT (locked version only) */
    uint64_t unopposed;           /* sent once the other side had sent all its own */
    const char *broken;           /* NULL, or the first invariant that broke */
    double seconds;
};

/* What a side does after a turn with nothing to do: take the lock again at
 * once (the book's loop), or sched_yield() first. */
enum bridge_idle { BRIDGE_SPIN, BRIDGE_YIELD };

/* Sends `crossings` travellers each way, both sides under one mutex (the
 * book's solution), checking every invariant on every turn. Returns 0, or -1
 * if the threads cannot be started. */
int bridge_run(uint64_t crossings, enum bridge_idle idle, struct bridge_outcome *out);

/* The same without the lock, dir and n kept apart: a data race (bridge.c).
 * Stops at the first broken invariant, if it sees one. */
int bridge_run_racy(uint64_t crossings, enum bridge_idle idle, struct bridge_outcome *out);

#endif
