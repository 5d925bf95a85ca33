/* urcu_qsbr.c - urcu_peers.h under the qsbr flavour. */
/* _LGPL_SOURCE: the read-side fast paths inline, as urcu recommends for speed */
#define _LGPL_SOURCE
#define URCU_API_MAP /* keep the unprefixed rcu_* names mapped to the flavour */
#define URCU_PEER_FLAVOUR qsbr
#define URCU_PEER_QSBR 1
#include <urcu/urcu-qsbr.h>
#include "urcu_peers.inc"
