/*
 * threads.h - start N threads at the same instant, optionally pinned to CPUs.
 *
 * Creating a thread takes tens of microseconds, so threads started in a loop
 * do not really run together at first: the first one may finish before the last
 * is created. A start gate fixes that: every thread checks in and waits; once
 * all have checked in, one store opens the gate and they start together. Every
 * measurement and race demo in the project starts its threads this way.
 *
 *     struct lab_threads ts;
 *     if (lab_threads_start(&ts, 4, worker, &shared, LAB_THREADS_PIN) != 0) ...
 *     lab_threads_join(&ts);      // returns the first non-NULL result, if any
 *
 * worker(id, arg) gets its index 0..n-1 and the shared argument.
 */
#ifndef LAB_THREADS_H
#define LAB_THREADS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef void *(*lab_worker_fn)(size_t id, void *arg);

enum lab_threads_flags {
    LAB_THREADS_PIN = 1, /* pin thread i to online CPU i mod ncpus (best effort) */
};

struct lab_thread_slot;

struct lab_threads {
    size_t n;
    struct lab_thread_slot *slots;
    _Atomic size_t ready; /* threads that reached the gate */
    _Atomic int open;     /* the gate: 0 closed, 1 open */
    lab_worker_fn fn;
    void *arg;
    int flags;
    _Atomic size_t pinned; /* how many threads pinning succeeded for */
};

/* Starts n threads running fn(id, arg), all released together once all exist.
 * Returns 0, or a positive errno (then no thread is left running). */
int lab_threads_start(struct lab_threads *ts, size_t n, lab_worker_fn fn, void *arg, int flags);

/* Joins all threads and frees what start allocated. Returns the first non-NULL
 * value a worker returned (workers report failure that way), else NULL. */
void *lab_threads_join(struct lab_threads *ts);

/* Number of online CPUs (at least 1). */
size_t lab_ncpus(void);

/* A hint to the CPU inside a spin-wait loop: x86 `pause`, ARM `yield`. It saves
 * power and, on x86, avoids a memory-order machine clear when the wait ends. */
static inline void lab_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* Spin until *flag != 0, yielding the CPU now and then so that a waiter does not
 * starve the thread it waits for when threads outnumber cores (or under qemu). */
void lab_spin_until_set(_Atomic int *flag);

#endif
