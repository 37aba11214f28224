/* Java-compatible murmur2 and the keyed partitioner. */
#include "kr_murmur2.h"

#include <assert.h>

#define MURMUR2_SEED 0x9747b28cu
#define MURMUR2_M 0x5bd1e995u
#define MURMUR2_R 24

static inline uint32_t load32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/*
 * Java computes in int with wrap-around; unsigned arithmetic here gives the same bits
 * without undefined behaviour, and `>>>` is the unsigned shift. Java's length is an
 * int: the low 32 bits of len enter the seed, as they would in Java.
 */
int32_t kr_murmur2(const void *key, size_t len)
{
    assert(key != NULL || len == 0);
    const uint8_t *p = key;
    uint32_t h = MURMUR2_SEED ^ (uint32_t)len;
    size_t words = len / 4;
    for (size_t i = 0; i < words; i++, p += 4) {
        uint32_t k = load32le(p) * MURMUR2_M;
        k ^= k >> MURMUR2_R;
        k *= MURMUR2_M;
        h = (h * MURMUR2_M) ^ k;
    }
    switch (len & 3) {
    case 3:
        h ^= (uint32_t)p[2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)p[1] << 8;
        /* fall through */
    case 1:
        h ^= p[0];
        h *= MURMUR2_M;
        break;
    default:
        break;
    }
    h ^= h >> 13;
    h *= MURMUR2_M;
    h ^= h >> 15;
    return (int32_t)h;
}

int32_t kr_partition_for_key(const void *key, size_t len, int32_t partitions)
{
    assert(partitions > 0);
    uint32_t positive = (uint32_t)kr_murmur2(key, len) & 0x7fffffffu;
    return (int32_t)(positive % (uint32_t)partitions);
}
