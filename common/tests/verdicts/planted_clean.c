/*
 * planted_clean.c - the verdict runner's control (common/tests/verdicts_test.sh):
 * two threads increment one counter under a mutex, then everything is freed
 * and joined. No tool may report anything.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { THREADS = 2, INCREMENTS = 1000 };

struct counter {
    pthread_mutex_t lock;
    long value; /* guarded by lock */
};

static void *increment(void *arg)
{
    struct counter *c = arg;
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&c->lock);
        c->value++;
        pthread_mutex_unlock(&c->lock);
    }
    return NULL;
}

int main(void)
{
    struct counter *c = malloc(sizeof *c);
    if (!c)
        return 1;
    pthread_mutex_init(&c->lock, NULL);
    c->value = 0;
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, increment, c);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    long value = c->value;
    pthread_mutex_destroy(&c->lock);
    free(c);
    printf("planted_clean: counter %ld of %d\n", value, THREADS * INCREMENTS);
    return value == THREADS * INCREMENTS ? 0 : 1;
}
