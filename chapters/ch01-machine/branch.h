/* branch.h - the loops of branch.c, for its tests. */
#ifndef CH01_BRANCH_H
#define CH01_BRANCH_H

#include <stddef.h>
#include <stdint.h>

uint64_t branch_sum_branchy(const uint8_t *v, size_t n);
uint64_t branch_sum_branchless(const uint8_t *v, size_t n);
void branch_fill(uint8_t *v, size_t n, uint64_t seed);
void branch_sort(uint8_t *v, size_t n); /* counting sort, ascending */

#endif
