/*
 * planted_ub.c - undefined behaviour planted for the verdict runner's test
 * (common/tests/verdicts_test.sh): a signed int overflow, then a leak. UBSan
 * reports the overflow ("runtime error:", the ubsan column's ub). The ASan
 * build does not recover from UB (-fno-sanitize-recover=undefined, as
 * common/mk/config.mk builds SAN=asan): the run ends at the overflow, and
 * LeakSanitizer never sees the leak behind it, so the asan column is clean.
 * memcheck knows nothing of UB, runs to the end and reports the leak.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* volatile: read at run time, so the overflow is not folded away */
static volatile int big = INT_MAX;
/* volatile: the store of NULL must happen, and drops the block */
static char *volatile last;

int main(void)
{
    int sum = big + 1; /* the planted bug: INT_MAX + 1 overflows an int */
    last = malloc(64);
    last = NULL; /* a leak, after the UB */
    printf("planted_ub: INT_MAX + 1 = %d\n", sum);
    return 0;
}
