/* spin.c - the futex system calls behind struct spin_futex (spin.h). */
#define _GNU_SOURCE
#include "spin.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Sleeps while *word == expected (the kernel checks, atomically with going
 * to sleep, so a wake between our test and the call is never lost). Returns
 * on a wake, a signal, or when the word had already changed. */
void spin_futex_wait(_Atomic uint32_t *word, uint32_t expected)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

void spin_futex_wake_one(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
