/*
 * rc_driver.h - the companion code's `refcount` driver, shared by the two
 * reference-counted Treiber stacks of this chapter (rc_treiber_book.c, the
 * book's flawed one, and rc_treiber_split.c, a correct one), so that both run
 * exactly the same load.
 *
 * Each of --threads threads loops { push(v); pop(); } on one shared stack,
 * which the threads hold through an Arc (arc.h), as the companion's threads
 * hold an Arc<Stack>: the last thread to drop its reference destroys the
 * stack. Every value pushed is distinct, and the driver checks what the pops
 * give back:
 *   - every pop finds an item (its own thread pushed just before it);
 *   - no value comes out twice, and none that was never pushed;
 *   - at the end every pushed value came out exactly once (conservation),
 *     counting what the stack's destructor found left on it;
 *   - the stack's destructor ran exactly once;
 *   - the stack's own checks held (the book's asserts).
 * It stops at --iters push+pop pairs per thread, after --seconds, or when the
 * stack's own checks fail (unless keep_going), whichever comes first; a run whose threads stop
 * making progress is reported as stuck. Exit status: 0 when every check held, 1 when one broke (the
 * message names it), and a crash dies of its signal after a line saying how far it got.
 */
#ifndef CH07_RC_DRIVER_H
#define CH07_RC_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rc_stack_ops {
    const char *name;      /* the program's name, for its messages */
    const char *variant;   /* one phrase for the header line */
    void *(*create)(void); /* NULL when out of memory */
    void (*destroy)(void *stack);
    int (*push)(void *stack, uint64_t v); /* 0, or -ENOMEM */
    bool (*pop)(void *stack, uint64_t *v);
    /* Optional: the first check the stack itself found broken, written into
     * buf, or NULL while all held. Called between operations and at the end. */
    const char *(*broken)(void *stack, char *buf, size_t len);
};

struct rc_drive_config {
    long threads;
    uint64_t iters;  /* push+pop pairs per thread */
    double seconds;  /* and at most this long */
    bool keep_going; /* don't stop when the stack's own checks fail; report them at the end */
    bool yield;      /* sched_yield() between push and pop, so that threads that run one
                        at a time (valgrind) still meet inside the stack */
    bool lockstep;   /* the threads take strict turns, one operation each: A pushes, B
                        pushes, A pops B's value, ... so they meet in every run, on an
                        idle or a loaded machine (lockstep.h); --seconds still stops it */
};

/* The most turns --lockstep can count: 2 x threads x iters must stay below it. */
#define RC_DRIVE_MAX_TURNS 0xfffffff0ULL

/* The largest --iters: the driver keeps one bit per pushed value. */
#define RC_DRIVE_MAX_ITERS 10000000ULL
#define RC_DRIVE_MAX_THREADS 64

/* Runs the driver and prints its report; returns the exit status. A crash
 * while it runs prints one line ("NAME: crashed: SIGSEGV (fault address 0x0)
 * after N push+pop pairs in S s", crash.h) before the process dies of it. */
int rc_drive(const struct rc_stack_ops *ops, const struct rc_drive_config *c);

#endif
