/*
 * planted_insert.h - a sorted insert with a planted bug and the property that
 * finds it, for the tests of the property engine (tests/test_prop.c) and its
 * benchmark (common/bench/bench_prop.c). The smallest failing input: insert 1,
 * then 0.
 */
#ifndef LAB_PLANTED_INSERT_H
#define LAB_PLANTED_INSERT_H

#include <stdio.h>
#include <string.h>

#include "prop.h"

/* Inserts x into the sorted a[0..n). The bug: it never moves a[0], so a value
 * smaller than everything lands in slot 1. */
static inline void buggy_sorted_insert(int *a, size_t n, int x)
{
    size_t i = n;
    while (i > 1 && a[i - 1] > x) {
        a[i] = a[i - 1];
        i--;
    }
    a[i] = x;
}

static inline enum prop_result insert_keeps_order(struct prop_source *s, void *env)
{
    (void)env;
    int a[64];
    size_t n = 0;
    char drawn[256] = "";
    while (n < 64 && prop_more(s, 10)) {
        int x = (int)prop_int(s, 0, 100);
        buggy_sorted_insert(a, n++, x);
        size_t len = strlen(drawn);
        snprintf(drawn + len, sizeof drawn - len, "%s%d", len ? " " : "", x);
    }
    prop_log(s, "inserted: %s", drawn);
    for (size_t i = 1; i < n; i++)
        PROP_REQUIRE(s, a[i - 1] <= a[i], "a[%zu] = %d > a[%zu] = %d", i - 1, a[i - 1], i, a[i]);
    return PROP_PASS;
}

#endif
