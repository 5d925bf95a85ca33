/*
 * planted_race.c - a data race planted for the verdict runner's test
 * (common/tests/verdicts_test.sh): two threads increment one counter with no
 * lock. Both pass a barrier first, so their increments are ordered by nothing
 * and every detector sees them unordered on every run: helgrind, DRD and TSan
 * report a race; memcheck and ASan, which do not look at threads, report
 * nothing.
 */
#include <pthread.h>
#include <stdio.h>

enum { THREADS = 2, INCREMENTS = 1000 };

static pthread_barrier_t start;
static long counter; /* the planted race: written by both threads, no lock */

static void *increment(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    for (int i = 0; i < INCREMENTS; i++)
        counter++;
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, increment, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    printf("planted_race: counter %ld of %d\n", counter, THREADS * INCREMENTS);
    return 0;
}
