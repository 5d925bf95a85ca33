/*
 * container_of.h - from a pointer to a member back to the struct around it.
 *
 * An intrusive structure (the registry's record, a reclamation link) knows
 * only the member embedded in a larger struct; the code that embedded it gets
 * its own struct back by subtracting the member's offset:
 *
 *     struct hp_local { ...; struct lab_record rec; };
 *     struct hp_local *l = CONTAINER_OF(rec, struct hp_local, rec);
 *
 * Valid only when ptr really points at that member of a live `type`.
 */
#ifndef LAB_CONTAINER_OF_H
#define LAB_CONTAINER_OF_H

#include <stddef.h>

#define CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif
