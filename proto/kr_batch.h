/*
 * RecordBatch v2 (magic 2): a builder that writes records straight into caller
 * memory, a closer that fills the header, compresses (LZ4, ZSTD) and checksums, a re-stamp
 * for idempotent retries, and a reader with a record iterator.
 *
 * Layout (big-endian), see the KR_RB_OF_ offsets below:
 *   BaseOffset i64 | BatchLength i32 | PartitionLeaderEpoch i32 | Magic i8 | Crc u32 |
 *   Attributes i16 | LastOffsetDelta i32 | BaseTimestamp i64 | MaxTimestamp i64 |
 *   ProducerId i64 | ProducerEpoch i16 | BaseSequence i32 | RecordsCount i32 | records
 * BatchLength counts the bytes after itself; Crc is CRC-32C over Attributes..end.
 * Record: Length varint | Attributes i8 | TimestampDelta varlong | OffsetDelta varint |
 *   KeyLength varint (-1 null) | Key | ValueLength varint | Value | HeaderCount varint |
 *   headers (KeyLength varint, Key, ValueLength varint (-1 null), Value).
 *
 * Memory. Nothing here allocates. The builder writes into one caller range (an arena
 * slot): the 61-byte header is reserved at its start and records follow. Appends
 * encode a record in place (sizes computed up front, varints written directly).
 *
 * LZ4. With codec LZ4 the records section becomes one LZ4 frame (magic 0x184D2204,
 * independent 64 KB blocks, no block or content checksum, no content size, header
 * checksum XXH32(descriptor) >> 8), as the Java client writes it. Blocks that do not
 * shrink are stored raw. The frame cannot be built in place, so close writes the
 * finished batch into a second caller buffer `dst`. Two layouts work:
 *   - one scratch per engine (the choice for kring's engine): dst is an engine-wide
 *     buffer of kr_batch_bound(max records bytes, KR_CODEC_LZ4) bytes; after close the
 *     engine copies out_len bytes back over the slot. That always fits when the slot
 *     was opened with cap = kr_batch_lz4_inplace_cap(slot bytes). Memory: one slot per
 *     batch plus one scratch; cost: one memcpy of the compressed bytes.
 *   - two buffers per slot: dst is the slot's own second buffer and the batch is sent
 *     from there. No copy, twice the memory.
 * The LZ4 state (kr_lz4_ws_t, kr_lz4_ws_size() bytes) is allocated once per thread
 * by the caller and reused for every batch.
 *
 * ZSTD. With codec ZSTD the records section becomes one zstd frame (kr_zstd.h), written
 * by kr_batch_close_zstd() into a caller buffer `dst` exactly as for LZ4 (the same two
 * layouts; open the slot with cap = kr_batch_zstd_inplace_cap(slot bytes)). The
 * compression workspace (kr_zstd_cws_t) and, for readers, the decompression workspace
 * (kr_zstd_dws_t) are allocated once by the caller and reused.
 *
 * Threads: a builder, a workspace and a reader are used by one thread at a time.
 */
#ifndef KR_BATCH_H
#define KR_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kr_buf.h"
#include "kr_zstd.h"

/* ---- wire layout ---- */

#define KR_RB_OF_BaseOffset 0
#define KR_RB_OF_BatchLength 8
#define KR_RB_OF_PartitionLeaderEpoch 12
#define KR_RB_OF_Magic 16
#define KR_RB_OF_Crc 17
#define KR_RB_OF_Attributes 21
#define KR_RB_OF_LastOffsetDelta 23
#define KR_RB_OF_BaseTimestamp 27
#define KR_RB_OF_MaxTimestamp 35
#define KR_RB_OF_ProducerId 43
#define KR_RB_OF_ProducerEpoch 51
#define KR_RB_OF_BaseSequence 53
#define KR_RB_OF_RecordsCount 57
#define KR_RB_HEADER_SIZE 61
/* BaseOffset and BatchLength: the bytes BatchLength does not count. */
#define KR_RB_LOG_OVERHEAD 12
#define KR_RB_MAGIC 2

_Static_assert(KR_RB_OF_BatchLength == KR_RB_OF_BaseOffset + 8, "BaseOffset is i64");
_Static_assert(KR_RB_OF_PartitionLeaderEpoch == KR_RB_OF_BatchLength + 4, "BatchLength i32");
_Static_assert(KR_RB_OF_Magic == KR_RB_OF_PartitionLeaderEpoch + 4, "LeaderEpoch is i32");
_Static_assert(KR_RB_OF_Crc == KR_RB_OF_Magic + 1, "Magic is i8");
_Static_assert(KR_RB_OF_Attributes == KR_RB_OF_Crc + 4, "Crc is u32");
_Static_assert(KR_RB_OF_LastOffsetDelta == KR_RB_OF_Attributes + 2, "Attributes is i16");
_Static_assert(KR_RB_OF_BaseTimestamp == KR_RB_OF_LastOffsetDelta + 4, "LastOffsetDelta i32");
_Static_assert(KR_RB_OF_MaxTimestamp == KR_RB_OF_BaseTimestamp + 8, "BaseTimestamp is i64");
_Static_assert(KR_RB_OF_ProducerId == KR_RB_OF_MaxTimestamp + 8, "MaxTimestamp is i64");
_Static_assert(KR_RB_OF_ProducerEpoch == KR_RB_OF_ProducerId + 8, "ProducerId is i64");
_Static_assert(KR_RB_OF_BaseSequence == KR_RB_OF_ProducerEpoch + 2, "ProducerEpoch is i16");
_Static_assert(KR_RB_OF_RecordsCount == KR_RB_OF_BaseSequence + 4, "BaseSequence is i32");
_Static_assert(KR_RB_HEADER_SIZE == KR_RB_OF_RecordsCount + 4, "RecordsCount is i32");
_Static_assert(KR_RB_HEADER_SIZE == 61, "the RecordBatch v2 header is 61 bytes");

/* Attributes bits. */
#define KR_RB_ATTR_CODEC_MASK 0x07
#define KR_RB_ATTR_LOG_APPEND_TIME 0x08
#define KR_RB_ATTR_TRANSACTIONAL 0x10
#define KR_RB_ATTR_CONTROL 0x20
#define KR_RB_ATTR_DELETE_HORIZON 0x40

enum kr_codec {
    KR_CODEC_NONE = 0,
    KR_CODEC_GZIP = 1,
    KR_CODEC_SNAPPY = 2,
    KR_CODEC_LZ4 = 3,
    KR_CODEC_ZSTD = 4,
};

/* The LZ4 frame kring writes: 64 KB blocks; 7-byte header; 4-byte end mark. */
#define KR_LZ4_BLOCK_SIZE 65536
#define KR_LZ4_FRAME_HEADER_SIZE 7
#define KR_LZ4_FRAME_OVERHEAD (KR_LZ4_FRAME_HEADER_SIZE + 4)

/* The largest batch a builder accepts: BatchLength is an i32. */
#define KR_BATCH_CAP_MAX ((size_t)INT32_MAX)

/* ---- builder ---- */

/*
 * One record header. Kafka header keys are non-null strings; values may be null.
 * Same members in the same order as kring.h's kr_header_t, so the engine can pass
 * its caller's array through.
 */
typedef struct kr_record_header {
    const char *key; /* never NULL */
    size_t key_len;
    const void *value; /* NULL: null value */
    size_t value_len;
} kr_record_header_t;

/* Producer fields of the header. Not idempotent: -1, -1, -1 (pass NULL). */
typedef struct kr_batch_producer {
    int64_t id;            /* ProducerId */
    int16_t epoch;         /* ProducerEpoch */
    int32_t base_sequence; /* BaseSequence of the first record */
    bool transactional;    /* Attributes bit 4 */
} kr_batch_producer_t;

/*
 * Builder state. Borrows the caller's memory; fields are read-only for callers.
 * After kr_batch_close(), out/out_len is the finished batch. (Named "builder": the
 * engine's batch slot is its own kr_batch_t.)
 */
typedef struct kr_batch_builder {
    uint8_t *base;          /* the batch: 61-byte header, then records */
    uint8_t *pos;           /* where the next record goes */
    uint8_t *end;           /* end of the caller's range */
    int64_t base_timestamp; /* BaseTimestamp; records store their delta to it */
    int64_t max_timestamp;  /* MaxTimestamp so far */
    int32_t count;          /* records so far, and the next OffsetDelta */
    bool closed;
    uint8_t *out; /* after close: base (codec none) or dst (LZ4, ZSTD) */
    size_t out_len;
} kr_batch_builder_t;

/* Opaque LZ4 compression state (liblz4's LZ4_stream_t), one per thread. */
typedef struct kr_lz4_ws kr_lz4_ws_t;

/*
 * Opens a builder on mem[0..cap): reserves the 61-byte header; records follow.
 * The builder borrows mem until the batch is sent. cap must be at least 61 and at
 * most KR_BATCH_CAP_MAX (asserted). base_timestamp (ms) becomes BaseTimestamp.
 */
void kr_batch_open(kr_batch_builder_t *b, void *mem, size_t cap, int64_t base_timestamp);

/*
 * Exact bytes kr_batch_append() would write for this record into this batch now
 * (it depends on the record count and the base timestamp). Same argument rules as
 * kr_batch_append(). Never fails.
 */
size_t kr_batch_record_size(const kr_batch_builder_t *b, int64_t timestamp, const void *key,
                            size_t key_len, const void *value, size_t value_len,
                            const kr_record_header_t *headers, size_t header_count);

/*
 * Appends one record, encoded in place. key == NULL writes a null key (key_len
 * ignored), value == NULL a null value; headers may be NULL when header_count is 0.
 * The bytes are copied: nothing is borrowed after the call.
 * Returns 0, or KR_EBATCHFULL if the record does not fit (the batch is unchanged;
 * a record that does not fit an empty batch never will).
 */
int kr_batch_append(kr_batch_builder_t *b, int64_t timestamp, const void *key, size_t key_len,
                    const void *value, size_t value_len, const kr_record_header_t *headers,
                    size_t header_count);

static inline int32_t kr_batch_count(const kr_batch_builder_t *b) { return b->count; }
/* Bytes of encoded records so far (the uncompressed records section). */
static inline size_t kr_batch_records_len(const kr_batch_builder_t *b)
{
    return (size_t)(b->pos - b->base) - KR_RB_HEADER_SIZE;
}
/* Bytes still free for records. */
static inline size_t kr_batch_space(const kr_batch_builder_t *b)
{
    return (size_t)(b->end - b->pos);
}

/*
 * Bytes a closed batch may take, given records_len bytes of encoded records:
 * 61 + records_len for KR_CODEC_NONE; for KR_CODEC_LZ4, 61 + frame overhead +
 * LZ4_compressBound() of each 64 KB block. A dst of this size compresses at full
 * speed and never fails. For KR_CODEC_ZSTD, 61 + ZSTD_COMPRESSBOUND(records_len).
 */
size_t kr_batch_bound(size_t records_len, int codec);

/*
 * The largest cap to open a batch with so that its closed ZSTD form always fits back
 * in slot_size bytes: kr_batch_bound(cap - 61, KR_CODEC_ZSTD) <= slot_size. Returns
 * at least 61.
 */
size_t kr_batch_zstd_inplace_cap(size_t slot_size);

/*
 * The largest cap to open a batch with so that its closed LZ4 form always fits back
 * in slot_size bytes (incompressible blocks are stored raw: the frame is at most the
 * records plus 11 bytes plus 4 per block). Returns at least 61.
 */
size_t kr_batch_lz4_inplace_cap(size_t slot_size);

/* Bytes of memory an LZ4 workspace needs (liblz4's LZ4_sizeofState()). */
size_t kr_lz4_ws_size(void);

/*
 * Prepares mem (size bytes, 8-byte aligned) as an LZ4 workspace. The caller owns
 * mem; the workspace lives in it. Returns NULL if size is too small or mem is
 * misaligned.
 */
kr_lz4_ws_t *kr_lz4_ws_init(void *mem, size_t size);

/*
 * Finishes the batch: fills every header field (BaseOffset 0, BatchLength,
 * PartitionLeaderEpoch -1, Magic 2, Attributes with codec and transactional bit,
 * LastOffsetDelta, Base/MaxTimestamp, producer fields (-1 when producer is NULL),
 * RecordsCount) and the CRC. codec KR_CODEC_NONE: done in place, ws and dst unused
 * (may be NULL), b->out == b->base. KR_CODEC_LZ4: the batch is written to
 * dst[0..dst_cap) (must not overlap the builder's memory) using workspace ws;
 * b->out == dst. Other codecs are not supported (asserted).
 * Closing an empty batch is a programmer error (asserted): Kafka producers never
 * send one.
 * Returns 0, or KR_ENOSPC if dst_cap is too small (the builder is then unchanged and
 * may be closed again with a larger dst).
 */
int kr_batch_close(kr_batch_builder_t *b, int codec, const kr_batch_producer_t *producer,
                   kr_lz4_ws_t *ws, void *dst, size_t dst_cap);

/*
 * As kr_batch_close() with codec KR_CODEC_ZSTD: the records become one zstd frame at
 * the workspace's level, written with the header to dst[0..dst_cap) (must not overlap
 * the builder's memory); b->out == dst. The records section must be at most the
 * workspace's records_max (asserted). Returns 0, or KR_ENOSPC if dst_cap is too small
 * (the builder is then unchanged); a dst of kr_batch_bound(records, KR_CODEC_ZSTD)
 * bytes never is.
 */
int kr_batch_close_zstd(kr_batch_builder_t *b, const kr_batch_producer_t *producer,
                        kr_zstd_cws_t *ws, void *dst, size_t dst_cap);

/*
 * Rewrites ProducerId, ProducerEpoch and BaseSequence of a closed batch (batch, len
 * as kr_batch_close() produced it, wherever it now lives) and updates the CRC
 * without re-reading the records: O(log len), for idempotent retries after an epoch
 * bump. Asserts that the bytes look like a closed batch (magic, length). Never fails.
 */
void kr_batch_restamp(void *batch, size_t len, int64_t producer_id, int16_t producer_epoch,
                      int32_t base_sequence);

/* ---- reader ---- */

/* A parsed batch header. records borrows the input (codec none) or the out buffer. */
typedef struct kr_batch_info {
    int64_t base_offset;
    int32_t batch_length;
    int32_t partition_leader_epoch;
    int8_t magic;
    uint32_t crc;
    int16_t attributes;
    int32_t last_offset_delta;
    int64_t base_timestamp;
    int64_t max_timestamp;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t records_count;
    const uint8_t *records; /* the uncompressed records section */
    size_t records_len;
    size_t size; /* bytes of input this batch takes: 12 + batch_length */
} kr_batch_info_t;

/*
 * Parses the RecordBatch at data[0..len) (bytes after it are left alone: see
 * info->size) and checks Magic, BatchLength and the CRC. LZ4 and ZSTD records are
 * decompressed into out[0..out_cap) (out may be NULL for codec none); ZSTD uses the
 * caller's decompression workspace zd (may be NULL when the caller reads no ZSTD
 * batches: they then fail with KR_ECODEC). Records are not parsed here: iterate them
 * with kr_batch_iter_init()/kr_batch_iter_next().
 * Returns 0; KR_ETRUNC (input too short), KR_EVERSION (magic != 2), KR_EMALFORMED,
 * KR_ECRC (batch CRC or an LZ4/zstd frame checksum), KR_ECODEC (unsupported codec,
 * a corrupt frame, or ZSTD without zd), KR_ENOSPC (out too small for the records).
 */
int kr_batch_read(kr_batch_info_t *info, const void *data, size_t len, void *out, size_t out_cap,
                  kr_zstd_dws_t *zd);

/* One record. key/value borrow the records section; len -1 means null. */
typedef struct kr_batch_record {
    int8_t attributes;
    int64_t timestamp; /* BaseTimestamp + TimestampDelta */
    int32_t offset_delta;
    kr_str_t key;
    kr_str_t value;
    int32_t header_count;
    const uint8_t *headers; /* the encoded headers: walk with kr_record_headers_init() */
    size_t headers_len;
} kr_batch_record_t;

typedef struct kr_batch_iter {
    kr_rbuf_t r;
    int32_t left;
    int64_t base_timestamp;
} kr_batch_iter_t;

/* Starts iterating the records of a batch kr_batch_read() accepted. */
void kr_batch_iter_init(kr_batch_iter_t *it, const kr_batch_info_t *info);

/*
 * Parses the next record, headers included, into rec. Returns 1 for a record, 0 at a
 * clean end (RecordsCount records, no bytes left), or KR_ETRUNC / KR_EMALFORMED
 * (sticky) for a malformed record section.
 */
int kr_batch_iter_next(kr_batch_iter_t *it, kr_batch_record_t *rec);

typedef struct kr_record_headers {
    kr_rbuf_t r;
    int32_t left;
} kr_record_headers_t;

/* Starts iterating the headers of a record kr_batch_iter_next() returned. */
void kr_record_headers_init(kr_record_headers_t *hi, const kr_batch_record_t *rec);

/* Next header (value len -1 when null); false after the last. Cannot fail. */
bool kr_record_headers_next(kr_record_headers_t *hi, kr_str_t *key, kr_str_t *value);

#endif
