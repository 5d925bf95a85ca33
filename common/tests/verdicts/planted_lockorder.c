/*
 * planted_lockorder.c - a lock-order inversion planted for the verdict
 * runner's test (common/tests/verdicts_test.sh): one thread takes a then b,
 * the other b then a. A barrier keeps the two sections apart in time (the
 * second thread starts its section only after the first has left its own), so
 * the program never deadlocks, yet the order of acquisition forms a cycle:
 * helgrind and TSan report the inversion; DRD, which does not track lock
 * order, reports nothing, and no access races.
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t between;
static long total;

static void *a_then_b(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&a);
    pthread_mutex_lock(&b);
    total += 1;
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&a);
    pthread_barrier_wait(&between); /* the other thread starts after this */
    return NULL;
}

static void *b_then_a(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&between);
    pthread_mutex_lock(&b);
    pthread_mutex_lock(&a); /* the planted inversion: a was taken before b above */
    total += 2;
    pthread_mutex_unlock(&a);
    pthread_mutex_unlock(&b);
    return NULL;
}

int main(void)
{
    pthread_t first, second;
    pthread_barrier_init(&between, NULL, 2);
    pthread_create(&first, NULL, a_then_b, NULL);
    pthread_create(&second, NULL, b_then_a, NULL);
    pthread_join(first, NULL);
    pthread_join(second, NULL);
    pthread_barrier_destroy(&between);
    printf("planted_lockorder: total %ld\n", total);
    return 0;
}
