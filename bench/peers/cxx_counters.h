/*
 * cxx_counters.h - C API of the C++ peer for the counter benchmarks:
 * std::atomic<uint64_t> counters, packed into one line or one per line.
 * C++ stays behind this extern "C" shim (cxx_counters.cc); host builds only.
 */
#ifndef LAB_CXX_COUNTERS_H
#define LAB_CXX_COUNTERS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cxx_counters;

struct cxx_counters *cxx_counters_new(int n, int padded);
/* fetch_add(1, memory_order_relaxed) on counter i, iters times. */
void cxx_counters_add_loop(struct cxx_counters *c, int i, uint64_t iters);
uint64_t cxx_counters_sum(const struct cxx_counters *c);
void cxx_counters_free(struct cxx_counters *c);

#ifdef __cplusplus
}
#endif

#endif
