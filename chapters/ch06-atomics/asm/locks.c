/*
 * locks.c - the fast paths of spin.h's locks as functions of their own,
 * compiled only to assembly by asm_table.sh (`make asm-ch06`) to show what
 * each becomes on x86-64, aarch64 (LL/SC and LSE) and armv7. Built with
 * LAB_NO_VALGRIND, as the benchmarks are: the helgrind annotations would add
 * their client-request sequences.
 */
#include "spin.h"

bool swap_trylock(struct spin_swap *l)
{
    return spin_swap_trylock(l);
}
void swap_unlock(struct spin_swap *l)
{
    spin_swap_unlock(l);
}
bool cas_trylock(struct spin_cas *l)
{
    return spin_cas_trylock(l);
}
void cas_unlock(struct spin_cas *l)
{
    spin_cas_unlock(l);
}
bool ttas_trylock(struct spin_ttas *l)
{
    return spin_ttas_trylock(l);
}
void ticket_lock(struct spin_ticket *l)
{
    spin_ticket_lock(l);
}
void ticket_unlock(struct spin_ticket *l)
{
    spin_ticket_unlock(l);
}
void mcs_lock(struct spin_mcs *l, struct spin_mcs_node *me)
{
    spin_mcs_lock(l, me);
}
void mcs_unlock(struct spin_mcs *l, struct spin_mcs_node *me)
{
    spin_mcs_unlock(l, me);
}
bool futex_trylock(struct spin_futex *l)
{
    return spin_futex_trylock(l);
}
void futex_unlock(struct spin_futex *l)
{
    spin_futex_unlock(l);
}
