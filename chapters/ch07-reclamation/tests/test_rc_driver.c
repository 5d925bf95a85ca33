/* test_rc_driver.c - the driver of the reference-counted stacks (rc_driver.h)
 * keeps each run's state in a struct of its own: one process can run it
 * twice, and the second run judges its own pushes and pops, not the sum of
 * both. The stack here is a plain one behind a mutex, correct by
 * construction, so every run must pass. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "rc_driver.h"
#include "test.h"

struct locked_node {
    struct locked_node *next;
    uint64_t value;
};

struct locked_stack {
    pthread_mutex_t lock;
    struct locked_node *top;
};

static void *locked_create(void)
{
    struct locked_stack *s = malloc(sizeof *s);
    if (s != NULL) {
        pthread_mutex_init(&s->lock, NULL);
        s->top = NULL;
    }
    return s;
}

static void locked_destroy(void *stack)
{
    struct locked_stack *s = stack;
    while (s->top != NULL) {
        struct locked_node *n = s->top;
        s->top = n->next;
        free(n);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static int locked_push(void *stack, uint64_t v)
{
    struct locked_stack *s = stack;
    struct locked_node *n = malloc(sizeof *n);
    if (n == NULL)
        return -ENOMEM;
    n->value = v;
    pthread_mutex_lock(&s->lock);
    n->next = s->top;
    s->top = n;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static bool locked_pop(void *stack, uint64_t *v)
{
    struct locked_stack *s = stack;
    pthread_mutex_lock(&s->lock);
    struct locked_node *n = s->top;
    if (n != NULL)
        s->top = n->next;
    pthread_mutex_unlock(&s->lock);
    if (n == NULL)
        return false;
    *v = n->value;
    free(n);
    return true;
}

static const struct rc_stack_ops locked_ops = {
    .name = "locked_stack",
    .variant = "a stack behind a mutex",
    .create = locked_create,
    .destroy = locked_destroy,
    .push = locked_push,
    .pop = locked_pop,
};

TEST(rc_driver, runs_twice_in_one_process, .timeout = 60)
{
    const struct rc_drive_config first = {.threads = 2, .iters = 500, .seconds = 30};
    const struct rc_drive_config second = {.threads = 3, .iters = 300, .seconds = 30};
    ASSERT_EQ(rc_drive(&locked_ops, &first), 0, "the first run");
    ASSERT_EQ(rc_drive(&locked_ops, &second), 0,
              "the second run, with other threads and iterations, judged on its own");
    ASSERT_EQ(rc_drive(&locked_ops, &first), 0, "and the first again");
}
