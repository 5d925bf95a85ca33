/* siphash.c - SipHash-c-d (Aumasson and Bernstein, 2012), see siphash.h. */
#include "siphash.h"

#include <string.h>
#include <sys/random.h>

#include "rng.h"

static inline uint64_t rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v); /* one unaligned load */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* One SipRound: add-rotate-xor over the four words of state. */
#define SIPROUND(v0, v1, v2, v3)                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = rotl(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = rotl(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = rotl(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = rotl(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = rotl(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = rotl(v2, 32);                                                                         \
    } while (0)

uint64_t siphash(unsigned c, unsigned d, const uint64_t k[2], const void *data, size_t len)
{
    const uint8_t *in = data;
    /* The initial state: the key xored with "somepseudorandomlygeneratedbytes". */
    uint64_t v0 = k[0] ^ 0x736f6d6570736575ull, v1 = k[1] ^ 0x646f72616e646f6dull;
    uint64_t v2 = k[0] ^ 0x6c7967656e657261ull, v3 = k[1] ^ 0x7465646279746573ull;
    size_t full = len - len % 8;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(in + i);
        v3 ^= m;
        for (unsigned r = 0; r < c; r++)
            SIPROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    /* The last word: the remaining bytes, and the length's low byte on top. */
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++)
        b |= (uint64_t)in[full + i] << (8 * i);
    v3 ^= b;
    for (unsigned r = 0; r < c; r++)
        SIPROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    for (unsigned r = 0; r < d; r++)
        SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

struct map_hasher map_hasher_random(void)
{
    struct map_hasher h;
    if (getrandom(h.k, sizeof h.k, 0) != (ssize_t)sizeof h.k) {
        /* No entropy source (an old kernel, a sandbox): a fixed key is still
         * a working hash, only a predictable one. */
        return map_hasher_seeded(0);
    }
    return h;
}

struct map_hasher map_hasher_seeded(uint64_t seed)
{
    struct splitmix64 g = {seed};
    struct map_hasher h;
    h.k[0] = splitmix64_next(&g);
    h.k[1] = splitmix64_next(&g);
    return h;
}
