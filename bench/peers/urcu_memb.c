/* urcu_memb.c - urcu_peers.h under the memb flavour. */
/* _LGPL_SOURCE: the read-side fast paths inline, as urcu recommends for speed */
#define _LGPL_SOURCE
#define URCU_API_MAP /* keep the unprefixed rcu_* names mapped to the flavour */
#define URCU_PEER_FLAVOUR memb
#include <urcu/urcu-memb.h>
#include "urcu_peers.inc"
