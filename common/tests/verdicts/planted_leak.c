/*
 * planted_leak.c - a memory leak planted for the verdict runner's test
 * (common/tests/verdicts_test.sh): blocks are allocated and the only pointer
 * to each is overwritten, so at exit nothing points to them. LeakSanitizer
 * and memcheck (definitely lost) report the leak; the thread detectors do not
 * look for leaks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCKS = 4, BLOCK_BYTES = 64 };

/* volatile: each store of a new block must happen, and drops the one before */
static char *volatile last;

int main(void)
{
    for (int i = 0; i < BLOCKS; i++) {
        char *block = malloc(BLOCK_BYTES);
        if (!block)
            return 1;
        memset(block, i, BLOCK_BYTES);
        last = block; /* the planted bug: the previous block is now unreachable */
    }
    last = NULL; /* and the last one too */
    printf("planted_leak: %d blocks of %d bytes lost\n", BLOCKS, BLOCK_BYTES);
    return 0;
}
