/*
 * lincheck.h - is a concurrent history linearizable?
 *
 * Threads run operations on a shared structure and record, for each, when it
 * was called and when it returned (lin_begin / lin_end). The history is
 * linearizable if the operations can be put in one sequential order that
 * respects real time (an operation that returned before another was called
 * comes first) and in which a plain sequential model gives every operation the
 * result it really returned. lin_check searches for that order: Wing and Gong's
 * search, with Lowe's memoisation of (operations done, model state) pairs so
 * that no configuration is explored twice (as porcupine and Knossos do).
 *
 * Models are small and fixed-size, so their states can be copied and compared
 * as bytes: register, counter, FIFO queue, LIFO stack and small set are here.
 * Histories have at most 64 operations: small histories, many runs.
 */
#ifndef LAB_LINCHECK_H
#define LAB_LINCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define LIN_MAX_OPS 64

struct lin_op {
    int thread;
    int op; /* the model's operation code */
    int64_t arg, ret;
    uint64_t call, ret_time; /* call and return times (any monotonic clock) */
};

struct lin_model {
    const char *name;
    const char *const *op_names;
    size_t state_size; /* bytes; compared with memcmp */
    void (*init)(void *state);
    /* Applies op to state if `ret` is what it would return; false if not. */
    bool (*step)(void *state, int op, int64_t arg, int64_t ret);
};

/* The models. Operation codes are the enums below; -1 is "empty"/"absent". */
enum { LIN_REG_READ, LIN_REG_WRITE };                   /* register */
enum { LIN_CTR_GET, LIN_CTR_ADD };                      /* counter: add returns the old value */
enum { LIN_Q_ENQ, LIN_Q_DEQ };                          /* FIFO queue, at most 32 items */
enum { LIN_S_PUSH, LIN_S_POP };                         /* LIFO stack, at most 32 items */
enum { LIN_SET_ADD, LIN_SET_REMOVE, LIN_SET_CONTAINS }; /* set of 0..63; 1 = changed/present */
extern const struct lin_model lin_register, lin_counter, lin_queue, lin_stack, lin_set;

struct lin_result {
    bool linearizable;
    size_t states;          /* configurations explored */
    int order[LIN_MAX_OPS]; /* a linearization, when there is one */
};

/* Checks ops[0..n), n <= LIN_MAX_OPS. Returns 0, or -1 on bad input. */
int lin_check(const struct lin_model *m, const struct lin_op *ops, size_t n,
              struct lin_result *out);

/* Writes the history, one operation per line, ordered by call time. */
void lin_format(const struct lin_model *m, const struct lin_op *ops, size_t n, char *buf,
                size_t len);

/* ---- a concurrent test driver ---------------------------------------------------------- */

struct lin_target {
    const struct lin_model *model;
    void *(*create)(void);
    void (*destroy)(void *obj);
    int64_t (*apply)(void *obj, int op, int64_t arg); /* the real structure */
    int64_t arg_lo, arg_hi;                           /* arguments drawn from here */
    const unsigned *op_weights;                       /* per model operation; NULL: equal */
    size_t n_ops;
    /* Optional: may this thread run this operation? (e.g. only one receiver
     * for an MPSC channel). Where not, the thread runs operation 0 instead. */
    bool (*allowed)(int thread, int op);
};

struct lin_run_config {
    int threads;        /* 2..8 */
    int ops_per_thread; /* threads * ops_per_thread <= LIN_MAX_OPS */
    unsigned runs;
    uint64_t seed;
    bool yields; /* random sched_yield between operations, to widen windows */
};

struct lin_run_report {
    unsigned runs, failures;
    size_t max_states;
    char history[4096]; /* the first history that was not linearizable */
};

/* One concurrent execution: draws each thread's operations from rng, runs
 * them on `threads` threads behind a start gate and records the history into
 * ops. Returns the number of operations, or -1. */
int lin_record(const struct lin_target *t, const struct lin_run_config *c, struct splitmix64 *rng,
               struct lin_op *ops);

/* Runs the target `runs` times on `threads` threads (behind a start gate), each
 * with its own random operations, and checks every history. Returns the number
 * of non-linearizable histories (the first is formatted in the report), or -1
 * if threads could not start. */
int lin_run(const struct lin_target *t, const struct lin_run_config *c,
            struct lin_run_report *report);

#endif
