/* test_amdahl.c - the two laws at the points the chapter quotes. */
#include <math.h>

#include "test.h"

double amdahl_speedup(double s, double n);
double gustafson_speedup(double s, double n);

TEST(amdahl, the_24_hour_job)
{
    /* 23 parallel hours and 1 serial: never more than 24x. */
    ASSERT(fabs(amdahl_speedup(1.0 / 24, 1e12) - 24) < 1e-6);
    ASSERT(fabs(amdahl_speedup(1.0 / 24, 1024) - 23.47) < 0.01);
    ASSERT(fabs(amdahl_speedup(1.0 / 24, 1) - 1) < 1e-12, "one processor: no speedup");
    ASSERT(fabs(amdahl_speedup(0, 8) - 8) < 1e-12, "no serial part: linear");
    ASSERT(fabs(amdahl_speedup(1, 1024) - 1) < 1e-12, "all serial: nothing");
}

TEST(amdahl, gustafson_grows_with_n)
{
    ASSERT(fabs(gustafson_speedup(0.5, 1) - 1) < 1e-12);
    ASSERT(fabs(gustafson_speedup(1.0 / 24, 1024) - (1024 - 1023.0 / 24)) < 1e-9);
    ASSERT(gustafson_speedup(0.1, 1024) > 900);
    ASSERT(gustafson_speedup(0.1, 1024) > amdahl_speedup(0.1, 1024) * 90);
}
