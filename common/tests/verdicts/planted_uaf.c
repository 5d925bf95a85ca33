/*
 * planted_uaf.c - a use after free planted for the verdict runner's test
 * (common/tests/verdicts_test.sh): one thread allocates, frees, then reads
 * the freed block. ASan and memcheck report the use after free; the thread
 * detectors have nothing to report on one thread.
 */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    /* volatile: the compiler may not fold the read into the store above it */
    int *volatile block = malloc(4 * sizeof(int));
    if (!block)
        return 1;
    block[0] = 42;
    free(block);
    int seen = block[0]; /* the planted bug: a read of freed memory */
    printf("planted_uaf: read %d after free\n", seen);
    return 0;
}
