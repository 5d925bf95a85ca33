/*
 * cxx_queues.h - C API of the C++ queue peers, for the queue benchmarks:
 *   boost::lockfree::queue<uint64_t>      lock-free MPMC (Michael-Scott, node
 *                                          free list); push, bounded push, try-pop
 *   boost::lockfree::spsc_queue<uint64_t> a ring for one producer and one consumer
 *   tbb::concurrent_bounded_queue<uint64_t> blocking push (while full) and pop,
 *                                          and their try- forms
 *   tbb::concurrent_queue<uint64_t>       unbounded MPMC; push and try-pop
 * C++ stays behind this extern "C" shim (cxx_queues.cc); host builds only.
 */
#ifndef LAB_CXX_QUEUES_H
#define LAB_CXX_QUEUES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cxx_boost_queue;
/* Nodes for `reserve` items are allocated up front; more are allocated as
 * needed. NULL when out of memory. */
struct cxx_boost_queue *cxx_boost_queue_new(size_t reserve);
/* 1 on success, 0 when a node could not be allocated. */
int cxx_boost_queue_push(struct cxx_boost_queue *q, uint64_t v);
/* 1 on success, 0 when the nodes reserved are all in use (no allocation). */
int cxx_boost_queue_bounded_push(struct cxx_boost_queue *q, uint64_t v);
/* 1 and *v, or 0 when empty. */
int cxx_boost_queue_try_pop(struct cxx_boost_queue *q, uint64_t *v);
void cxx_boost_queue_free(struct cxx_boost_queue *q);

struct cxx_boost_spsc;
struct cxx_boost_spsc *cxx_boost_spsc_new(size_t capacity);
int cxx_boost_spsc_push(struct cxx_boost_spsc *q, uint64_t v); /* 0 when full */
int cxx_boost_spsc_pop(struct cxx_boost_spsc *q, uint64_t *v); /* 0 when empty */
void cxx_boost_spsc_free(struct cxx_boost_spsc *q);

struct cxx_tbb_queue;
/* capacity 0: unbounded. NULL when out of memory. */
struct cxx_tbb_queue *cxx_tbb_queue_new(size_t capacity);
void cxx_tbb_queue_push(struct cxx_tbb_queue *q, uint64_t v);    /* blocks while full */
uint64_t cxx_tbb_queue_pop(struct cxx_tbb_queue *q);             /* blocks while empty */
int cxx_tbb_queue_try_push(struct cxx_tbb_queue *q, uint64_t v); /* 0 when full */
int cxx_tbb_queue_try_pop(struct cxx_tbb_queue *q, uint64_t *v); /* 0 when empty */
void cxx_tbb_queue_free(struct cxx_tbb_queue *q);

struct cxx_tbb_cq;
struct cxx_tbb_cq *cxx_tbb_cq_new(void);
void cxx_tbb_cq_push(struct cxx_tbb_cq *q, uint64_t v);
int cxx_tbb_cq_try_pop(struct cxx_tbb_cq *q, uint64_t *v); /* 0 when empty */
void cxx_tbb_cq_free(struct cxx_tbb_cq *q);

#ifdef __cplusplus
}
#endif

#endif
