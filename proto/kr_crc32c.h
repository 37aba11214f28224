/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of a Kafka
 * RecordBatch v2.
 *
 * Three implementations compute the same function: the SSE4.2 `crc32` instruction
 * (x86-64), the ARMv8 CRC32 extension (aarch64), and a portable slice-by-8 table.
 * The hardware paths run three independent streams for long inputs and join them
 * with precomputed shift tables. The implementation is chosen once per process, by
 * kr_crc32c_init() or on first use (thread-safe); a constructor also calls it at
 * load time. No allocation, no I/O: the tables are static.
 *
 * The CRC is incremental with the zlib convention: start with crc = 0, feed any
 * number of pieces, each call returning the finished (inverted) CRC of everything so
 * far. kr_crc32c(0, "123456789", 9) == 0xE3069283.
 */
#ifndef KR_CRC32C_H
#define KR_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Builds the tables and selects the fastest implementation this CPU supports.
 * Idempotent and thread-safe; calling it is optional (first use does it too).
 */
void kr_crc32c_init(void);

/*
 * Extends `crc` (0 for a new checksum, else the value a previous call returned) by
 * `len` bytes at `buf` (any alignment; NULL only when len == 0). Never fails.
 */
uint32_t kr_crc32c(uint32_t crc, const void *buf, size_t len);

/* The portable table-driven implementation of kr_crc32c(), for tests and fallback. */
uint32_t kr_crc32c_sw(uint32_t crc, const void *buf, size_t len);

/* True if the CPU has a CRC-32C instruction that kring uses. */
bool kr_crc32c_hw_available(void);

/* The hardware implementation; asserts kr_crc32c_hw_available(). */
uint32_t kr_crc32c_hw(uint32_t crc, const void *buf, size_t len);

/*
 * CRC of the concatenation A || B from crc_a = CRC(A), crc_b = CRC(B) and
 * len_b = |B|, in O(log len_b) without touching the data (zlib's crc32_combine()).
 */
uint32_t kr_crc32c_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b);

#endif
