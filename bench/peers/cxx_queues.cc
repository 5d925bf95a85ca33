// cxx_queues.cc - Boost.Lockfree's and TBB's queues behind the C API of
// cxx_queues.h.
#include "cxx_queues.h"

#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>
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

extern "C" int cxx_boost_queue_bounded_push(struct cxx_boost_queue *q, uint64_t v)
{
    return q->q.bounded_push(v) ? 1 : 0;
}

extern "C" int cxx_boost_queue_try_pop(struct cxx_boost_queue *q, uint64_t *v)
{
    return q->q.pop(*v) ? 1 : 0;
}

extern "C" void cxx_boost_queue_free(struct cxx_boost_queue *q)
{
    delete q;
}

struct cxx_boost_spsc {
    explicit cxx_boost_spsc(size_t capacity) : q(capacity) {}
    boost::lockfree::spsc_queue<uint64_t> q;
};

extern "C" struct cxx_boost_spsc *cxx_boost_spsc_new(size_t capacity)
{
    try {
        return new cxx_boost_spsc(capacity);
    } catch (const std::bad_alloc &) {
        return nullptr;
    }
}

extern "C" int cxx_boost_spsc_push(struct cxx_boost_spsc *q, uint64_t v)
{
    return q->q.push(v) ? 1 : 0;
}

extern "C" int cxx_boost_spsc_pop(struct cxx_boost_spsc *q, uint64_t *v)
{
    return q->q.pop(*v) ? 1 : 0;
}

extern "C" void cxx_boost_spsc_free(struct cxx_boost_spsc *q)
{
    delete q;
}

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

extern "C" void cxx_tbb_queue_push(struct cxx_tbb_queue *q, uint64_t v)
{
    q->q.push(v);
}

extern "C" uint64_t cxx_tbb_queue_pop(struct cxx_tbb_queue *q)
{
    uint64_t v = 0;
    q->q.pop(v);
    return v;
}

extern "C" int cxx_tbb_queue_try_push(struct cxx_tbb_queue *q, uint64_t v)
{
    return q->q.try_push(v) ? 1 : 0;
}

extern "C" int cxx_tbb_queue_try_pop(struct cxx_tbb_queue *q, uint64_t *v)
{
    return q->q.try_pop(*v) ? 1 : 0;
}

extern "C" void cxx_tbb_queue_free(struct cxx_tbb_queue *q)
{
    delete q;
}

struct cxx_tbb_cq {
    tbb::concurrent_queue<uint64_t> q;
};

extern "C" struct cxx_tbb_cq *cxx_tbb_cq_new(void)
{
    return new (std::nothrow) cxx_tbb_cq;
}

extern "C" void cxx_tbb_cq_push(struct cxx_tbb_cq *q, uint64_t v)
{
    q->q.push(v);
}

extern "C" int cxx_tbb_cq_try_pop(struct cxx_tbb_cq *q, uint64_t *v)
{
    return q->q.try_pop(*v) ? 1 : 0;
}

extern "C" void cxx_tbb_cq_free(struct cxx_tbb_cq *q)
{
    delete q;
}
