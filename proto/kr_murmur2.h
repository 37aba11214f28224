/*
 * Keyed partitioning as the Java client does it: Utils.murmur2 (MurmurHash2 with
 * seed 0x9747b28c, little-endian 4-byte words) and
 * partition = (murmur2(key) & 0x7fffffff) % partitions
 * (BuiltInPartitioner.partitionForKey). librdkafka's "murmur2" partitioner agrees.
 * Same key, same partition as every Java producer: users depend on it.
 */
#ifndef KR_MURMUR2_H
#define KR_MURMUR2_H

#include <stddef.h>
#include <stdint.h>

/*
 * Java's Utils.murmur2(key) bit for bit, as the signed 32-bit value Java returns.
 * key may be NULL only when len == 0. Never fails.
 */
int32_t kr_murmur2(const void *key, size_t len);

/*
 * The partition, 0..partitions-1, the Java client picks for a non-null key.
 * partitions must be > 0 (asserted). Never fails.
 */
int32_t kr_partition_for_key(const void *key, size_t len, int32_t partitions);

#endif
