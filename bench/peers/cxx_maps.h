/*
 * cxx_maps.h - the map benchmark's operations, and the C API of its C++ peers:
 * std::unordered_map and Abseil's flat_hash_map, both uint64_t -> uint64_t,
 * behind an extern "C" shim (cxx_maps.cc); host builds only.
 *
 * Every map of chapters/ch02-hashmap/bench/bench_maps.c, ours and the peers, runs the same
 * array of operations in one call, so that no map pays a call per operation
 * that another one inlines.
 */
#ifndef LAB_CXX_MAPS_H
#define LAB_CXX_MAPS_H

#include <stddef.h>
#include <stdint.h>

enum map_op_kind { MAP_OP_INSERT, MAP_OP_GET, MAP_OP_REMOVE };

struct map_op {
    uint64_t key;
    uint32_t kind; /* enum map_op_kind */
};

/* The value stored for a key: computed, so that a lookup can be checked. */
static inline uint64_t map_op_value(uint64_t key)
{
    return key * 3 + 1;
}

#ifdef __cplusplus
extern "C" {
#endif

/* Each returns a checksum: operations that found their key, plus the values
 * found; every map must give the same for the same operations. */
void *cxx_umap_new(void);
void cxx_umap_free(void *m);
uint64_t cxx_umap_run(void *m, const struct map_op *ops, size_t n);

void *cxx_absl_new(void);
void cxx_absl_free(void *m);
uint64_t cxx_absl_run(void *m, const struct map_op *ops, size_t n);

#ifdef __cplusplus
}
#endif

#endif
