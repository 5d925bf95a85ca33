/*
 * maps.h - the maps of this chapter, instantiated for the types its programs,
 * tests and benchmarks use (see map_template.h for the verbs they share).
 *
 *   64-bit keys and values (tests, benchmarks):
 *     naive_u64        the book's naive map (naive_map.h)
 *     rh_u64           the rebuild of Rust's std HashMap (robinhood.h), SipHash-1-3
 *     sw_u64           the fast map (swiss.h), SSE2 groups on x86-64
 *     sw_u64_portable  the same with the portable 8-byte groups
 *   The runners' 16-bit keys and 32-bit values: naive_u16, rh_u16, and the
 *   specialised u8map_u32 for 8-bit keys.
 *   Strings (the interpreter): naive_str, rh_str, sw_str.
 */
#ifndef CH02_MAPS_H
#define CH02_MAPS_H

#include <stdint.h>
#include <string.h>

#include "siphash.h"

/* Integer keys hashed as their bytes with SipHash-1-3, as Rust hashes them. */
#define MAPS_SIP(hs, k) siphash13((hs)->k, &(k), sizeof(k))
#define MAPS_SIP_STR(hs, k) siphash13((hs)->k, (k), strlen(k))
#define MAPS_INT_EQ(a, b) ((a) == (b))
#define MAPS_STR_EQ(a, b) (strcmp((a), (b)) == 0)

#define MAP_NAME naive_u64
#define MAP_KEY uint64_t
#define MAP_VAL uint64_t
#define MAP_HASH MAPS_SIP
#define MAP_EQ MAPS_INT_EQ
#include "naive_map.h"

#define MAP_NAME rh_u64
#define MAP_KEY uint64_t
#define MAP_VAL uint64_t
#define MAP_HASH MAPS_SIP
#define MAP_EQ MAPS_INT_EQ
#include "robinhood.h"

#define MAP_NAME sw_u64
#define MAP_KEY uint64_t
#define MAP_VAL uint64_t
#define MAP_HASH(hs, k) map_mix64((k), (hs)->k[0])
#define MAP_EQ MAPS_INT_EQ
#include "swiss.h"

#define MAP_NAME sw_u64_portable
#define MAP_KEY uint64_t
#define MAP_VAL uint64_t
#define MAP_HASH(hs, k) map_mix64((k), (hs)->k[0])
#define MAP_EQ MAPS_INT_EQ
#define MAP_GROUP_PORTABLE
#include "swiss.h"

#define MAP_NAME naive_u16
#define MAP_KEY uint16_t
#define MAP_VAL uint32_t
#define MAP_HASH MAPS_SIP
#define MAP_EQ MAPS_INT_EQ
#include "naive_map.h"

#define MAP_NAME rh_u16
#define MAP_KEY uint16_t
#define MAP_VAL uint32_t
#define MAP_HASH MAPS_SIP
#define MAP_EQ MAPS_INT_EQ
#include "robinhood.h"

#define U8MAP_NAME u8map_u32
#define U8MAP_VAL uint32_t
#include "u8map.h"

#define MAP_NAME naive_str
#define MAP_KEY char *
#define MAP_VAL char *
#define MAP_HASH MAPS_SIP_STR
#define MAP_EQ MAPS_STR_EQ
#include "naive_map.h"

#define MAP_NAME rh_str
#define MAP_KEY char *
#define MAP_VAL char *
#define MAP_HASH MAPS_SIP_STR
#define MAP_EQ MAPS_STR_EQ
#include "robinhood.h"

#define MAP_NAME sw_str
#define MAP_KEY char *
#define MAP_VAL char *
#define MAP_HASH MAPS_SIP_STR
#define MAP_EQ MAPS_STR_EQ
#include "swiss.h"

#endif
