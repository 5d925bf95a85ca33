/*
 * sorted_insert - a correct insertion into a sorted array, as a fuzz target:
 * a campaign should save no crash (make fuzz-sorted_insert FUZZ_SECONDS=60).
 */
#include <stdio.h>
#include <stdlib.h>

#include "prop.h"

static void sorted_insert(int *a, size_t n, int x)
{
    size_t i = n;
    while (i > 0 && a[i - 1] > x) {
        a[i] = a[i - 1];
        i--;
    }
    a[i] = x;
}

static enum prop_result keeps_order(struct prop_source *s, void *env)
{
    (void)env;
    int a[256];
    size_t n = 0;
    while (n < 256 && prop_more(s, 16))
        sorted_insert(a, n++, (int)prop_int(s, -1000, 1000));
    for (size_t i = 1; i < n; i++)
        PROP_REQUIRE(s, a[i - 1] <= a[i], "a[%zu] = %d > a[%zu] = %d", i - 1, a[i - 1], i, a[i]);
    return PROP_PASS;
}

PROP_FUZZ_TARGET(keeps_order, NULL)
