// cxx_counters.cc - std::atomic counters behind the C API of cxx_counters.h.
#include "cxx_counters.h"

#include <atomic>
#include <cstddef>
#include <new>

namespace
{

struct alignas(64) padded_slot {
    std::atomic<uint64_t> v{0};
};

} // namespace

struct cxx_counters {
    int n;
    bool padded;
    alignas(64) std::atomic<uint64_t> packed[8];
    padded_slot slots[8];
};

extern "C" struct cxx_counters *cxx_counters_new(int n, int padded)
{
    if (n < 1 || n > 8)
        return nullptr;
    auto *c = new (std::nothrow) cxx_counters;
    if (c == nullptr)
        return nullptr;
    c->n = n;
    c->padded = padded != 0;
    for (int i = 0; i < 8; i++) {
        c->packed[i].store(0, std::memory_order_relaxed);
        c->slots[i].v.store(0, std::memory_order_relaxed);
    }
    return c;
}

extern "C" void cxx_counters_add_loop(struct cxx_counters *c, int i, uint64_t iters)
{
    std::atomic<uint64_t> &v = c->padded ? c->slots[i].v : c->packed[i];
    for (uint64_t k = 0; k < iters; k++)
        v.fetch_add(1, std::memory_order_relaxed);
}

extern "C" uint64_t cxx_counters_sum(const struct cxx_counters *c)
{
    uint64_t s = 0;
    for (int i = 0; i < c->n; i++)
        s += c->padded ? c->slots[i].v.load() : c->packed[i].load();
    return s;
}

extern "C" void cxx_counters_free(struct cxx_counters *c)
{
    delete c;
}
