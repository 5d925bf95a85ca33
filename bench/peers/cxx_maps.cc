// cxx_maps.cc - std::unordered_map and absl::flat_hash_map behind the C API of
// cxx_maps.h, each running a whole array of operations per call.
#include "cxx_maps.h"

#include <unordered_map>

#include <absl/container/flat_hash_map.h>

namespace
{

template <class Map> uint64_t run_ops(Map &m, const struct map_op *ops, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = ops[i].key;
        switch (ops[i].kind) {
        case MAP_OP_INSERT: {
            auto r = m.insert_or_assign(k, map_op_value(k));
            sum += !r.second; // replaced
            break;
        }
        case MAP_OP_GET: {
            auto it = m.find(k);
            if (it != m.end())
                sum += 1 + it->second;
            break;
        }
        default:
            sum += m.erase(k);
            break;
        }
    }
    return sum;
}

using umap = std::unordered_map<uint64_t, uint64_t>;
using amap = absl::flat_hash_map<uint64_t, uint64_t>;

} // namespace

extern "C" {

void *cxx_umap_new(void)
{
    return new umap();
}
void cxx_umap_free(void *m)
{
    delete static_cast<umap *>(m);
}
uint64_t cxx_umap_run(void *m, const struct map_op *ops, size_t n)
{
    return run_ops(*static_cast<umap *>(m), ops, n);
}

void *cxx_absl_new(void)
{
    return new amap();
}
void cxx_absl_free(void *m)
{
    delete static_cast<amap *>(m);
}
uint64_t cxx_absl_run(void *m, const struct map_op *ops, size_t n)
{
    return run_ops(*static_cast<amap *>(m), ops, n);
}

} // extern "C"
