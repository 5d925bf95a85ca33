/*
 * cxx_queues.h - C API of the C++ queue peers, for the queue benchmarks:
 *   boost::lockfree::queue<uint64_t>      lock-free MPMC (Michael-Scott, node
 *                                          free list); push and try-pop
 *   tbb::concurrent_bounded_queue<uint64_t> blocking push (while full) and pop
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
/* 1 and *v, or 0 when empty. */
int cxx_boost_queue_try_pop(struct cxx_boost_queue *q, uint64_t *v);
void cxx_boost_queue_free(struct cxx_boost_queue *q);

struct cxx_tbb_queue;
/* capacity 0: unbounded. NULL when out of memory. */
struct cxx_tbb_queue *cxx_tbb_queue_new(size_t capacity);
void cxx_tbb_queue_push(struct cxx_tbb_queue *q, uint64_t v); /* blocks while full */
uint64_t cxx_tbb_queue_pop(struct cxx_tbb_queue *q);         /* blocks while empty */
void cxx_tbb_queue_free(struct cxx_tbb_queue *q);

#ifdef __cplusplus
}
#endif

#endif
