/*
 * reclaim.c - what a read costs under each scheme, as functions of their own,
 * compiled only to assembly by asm_table.sh (`make asm-ch07`) for x86-64,
 * aarch64 (LL/SC and LSE) and armv7: a hazard pointer's protect and clear,
 * an epoch's pin and unpin, and the full fence both use. Built with
 * LAB_NO_VALGRIND, as the benchmarks are.
 */
#include "annotate.h"
#include "fence.h"
#include "ebr.h"
#include "hp.h"

void *hp_protect_slot0(struct hp_local *l, void *_Atomic *src)
{
    return hp_protect(l, 0, src);
}
void hp_clear_all(struct hp_local *l)
{
    hp_clear(l);
}
void ebr_pin_outer(struct ebr_local *l)
{
    ebr_pin(l);
}
void ebr_unpin_outer(struct ebr_local *l)
{
    ebr_unpin(l);
}
void full_fence(_Atomic int *word)
{
    lab_fence_seq_cst(word);
}
