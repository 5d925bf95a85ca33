/*
 * planted_stack.h - a stack with a planted bug, and its model, for the tests of
 * the property engine (tests/test_prop.c) and its fuzz target
 * (target.c beside it).
 *
 * The bug: a pop that leaves one element arms a quirk, and the next push
 * overwrites that element instead of going on top. The smallest sequence that
 * shows it is push, push, pop, push, size.
 */
#ifndef LAB_PLANTED_STACK_H
#define LAB_PLANTED_STACK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "prop.h"

struct stack {
    int64_t v[256];
    size_t top;
    bool quirk; /* the planted bug: set by a pop that leaves one element */
};

static inline void *stack_new(void)
{
    return calloc(1, sizeof(struct stack));
}

enum { PUSH, POP, SIZE };

static inline int64_t stack_apply(void *p, size_t op, int64_t arg)
{
    struct stack *st = p;
    switch (op) {
    case PUSH:
        if (st->quirk) { /* overwrites the element below instead of pushing */
            st->v[st->top - 1] = arg;
            st->quirk = false;
        } else if (st->top < 256) {
            st->v[st->top++] = arg;
        }
        return 0;
    case POP:
        if (st->top == 0)
            return -1;
        st->quirk = st->top == 2;
        return st->v[--st->top];
    default:
        return (int64_t)st->top;
    }
}

/* The model: a plain array stack. */
struct model {
    int64_t v[256];
    size_t n;
};

static inline void *model_new(void)
{
    return calloc(1, sizeof(struct model));
}

static inline int64_t model_apply(void *p, size_t op, int64_t arg)
{
    struct model *m = p;
    if (op == PUSH) {
        if (m->n < 256)
            m->v[m->n++] = arg;
        return 0;
    }
    if (op == POP)
        return m->n ? m->v[--m->n] : -1;
    return (int64_t)m->n;
}

static const char *const stack_ops[] = {"push", "pop", "size"};
static bool stack_args[] = {true, false, false};
static struct prop_model stack_model = {
    .ops = stack_ops,
    .n_ops = 3,
    .takes_arg = stack_args,
    .arg_lo = -1000,
    .arg_hi = 1000,
    .average_steps = 20,
    .real_new = stack_new,
    .real_free = free,
    .real_apply = stack_apply,
    .model_new = model_new,
    .model_free = free,
    .model_apply = model_apply,
};

#endif
