// cxx_queues.cc - Boost.Lockfree's and TBB's queues behind the C API of
// cxx_queues.h.
#include "cxx_queues.h"

#include <boost/lockfree/queue.hpp>
#include <new>
#include <tbb/concurrent_queue.h>

struct cxx_boost_queue {
    explicit cxx_boost_queue(size_t reserve) : q(reserve) {}
    boost::lockfree::queue<uint64_t> q;
};

extern "C" struct cxx_boost_queue *cxx_boost_queue_new(size_t reserve)
{
    try {
        return new cxx_boost_queue(reserve);
    } catch (const std::bad_alloc &) {
        return nullptr;
    }
}

extern "C" int cxx_boost_queue_push(struct cxx_boost_queue *q, uint64_t v)
{
    return q->q.push(v) ? 1 : 0;
}

extern "C" int cxx_boost_queue_try_pop(struct cxx_boost_queue *q, uint64_t *v)
{
    return q->q.pop(*v) ? 1 : 0;
}

extern "C" void cxx_boost_queue_free(struct cxx_boost_queue *q) { delete q; }

struct cxx_tbb_queue {
    tbb::concurrent_bounded_queue<uint64_t> q;
};

extern "C" struct cxx_tbb_queue *cxx_tbb_queue_new(size_t capacity)
{
    auto *q = new (std::nothrow) cxx_tbb_queue;
    if (q != nullptr && capacity > 0)
        q->q.set_capacity(static_cast<std::ptrdiff_t>(capacity));
    return q;
}

extern "C" void cxx_tbb_queue_push(struct cxx_tbb_queue *q, uint64_t v) { q->q.push(v); }

extern "C" uint64_t cxx_tbb_queue_pop(struct cxx_tbb_queue *q)
{
    uint64_t v = 0;
    q->q.pop(v);
    return v;
}

extern "C" void cxx_tbb_queue_free(struct cxx_tbb_queue *q) { delete q; }
