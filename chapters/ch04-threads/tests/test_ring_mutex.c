/* test_ring_mutex.c - the mutex ring delivers every value once, in order. */
#include "env.h"
#include "ring.h"
#include "test.h"

TEST(ring_mutex, every_value_in_order, .timeout = 120)
{
    const uint32_t capacities[] = {1, 2, 10, 64};
    for (size_t i = 0; i < sizeof capacities / sizeof capacities[0]; i++) {
        struct ring_outcome o;
        uint32_t count = (uint32_t)lab_scaled(50000);
        ASSERT_EQ(ring_mutex_run(capacities[i], count, &o), 0);
        ASSERT_EQ(o.taken, count, "capacity %u", capacities[i]);
        ASSERT_EQ(o.out_of_order, 0, "capacity %u: expected %u, found %u", capacities[i],
                  o.expected, o.found);
        ASSERT_EQ(o.stomped, 0, "capacity %u", capacities[i]);
    }
}

TEST(ring_mutex, zero_capacity_is_refused)
{
    struct ring_outcome o;
    ASSERT_EQ(ring_mutex_run(0, 10, &o), -1);
}
