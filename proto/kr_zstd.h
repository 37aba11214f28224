/*
 * Zstandard for RecordBatch codec 4: caller-owned workspaces over zstd's static
 * contexts (ZSTD_initStaticCCtx / ZSTD_initStaticDCtx), one-shot frames.
 *
 * The frame kring writes: one zstd frame per records section, content size in the
 * header, no checksum, no dictionary (what ZSTD_compressCCtx writes; the broker and
 * the Java client read it with their streaming decoders). The reader takes any
 * sequence of zstd frames (skippable frames too) whose decompressed sizes fit `out`.
 *
 * Memory. Nothing here allocates. A compression workspace is sized for one level and
 * the largest records section it will see (kr_zstd_cws_size()): level 3 and 1 MB take
 * about 1.3 MB, level 19 about 18 MB. A decompression workspace is about 96 KB and does
 * not depend on the level. The caller allocates both once (per engine, per thread) and
 * reuses them for every batch.
 *
 * Threads: a workspace is used by one thread at a time.
 */
#ifndef KR_ZSTD_H
#define KR_ZSTD_H

#include <stddef.h>

/* zstd's own default level, and the Java client's. */
#define KR_ZSTD_LEVEL_DEFAULT 3

typedef struct kr_zstd_cws kr_zstd_cws_t; /* compression workspace */
typedef struct kr_zstd_dws kr_zstd_dws_t; /* decompression workspace */

/* The accepted levels: libzstd's ZSTD_minCLevel() (negative: faster) to ZSTD_maxCLevel()
 * (22). 0 means the default, 3. */
int kr_zstd_level_min(void);
int kr_zstd_level_max(void);

/*
 * Bytes a compression workspace needs to compress any records section of up to
 * records_max bytes at `level` (a level outside the range is asserted).
 */
size_t kr_zstd_cws_size(int level, size_t records_max);

/*
 * Prepares mem (size bytes, 8-byte aligned) as a compression workspace for `level`
 * and sections of up to records_max bytes. The caller owns mem. Returns NULL if size
 * is below kr_zstd_cws_size(level, records_max) or mem is misaligned.
 */
kr_zstd_cws_t *kr_zstd_cws_init(void *mem, size_t size, int level, size_t records_max);

/* The level and largest section the workspace was prepared for. */
int kr_zstd_cws_level(const kr_zstd_cws_t *ws);
size_t kr_zstd_cws_records_max(const kr_zstd_cws_t *ws);

/* Bytes a decompression workspace needs. */
size_t kr_zstd_dws_size(void);

/* Prepares mem (size bytes, 8-byte aligned) as a decompression workspace; NULL if too
 * small or misaligned. */
kr_zstd_dws_t *kr_zstd_dws_init(void *mem, size_t size);

/* The largest frame ZSTD_compressCCtx writes for len bytes (ZSTD_COMPRESSBOUND). */
size_t kr_zstd_bound(size_t len);

/*
 * Compresses src[0..len) (len <= the workspace's records_max, asserted) as one frame
 * into dst[0..cap). *out_len gets the frame size. Returns 0, or KR_ENOSPC if cap is too
 * small (with cap >= kr_zstd_bound(len) it never is).
 */
int kr_zstd_compress(kr_zstd_cws_t *ws, void *dst, size_t cap, const void *src, size_t len,
                     size_t *out_len);

/*
 * Decompresses the frames src[0..len) into dst[0..cap); *out_len gets the size.
 * Returns 0; KR_ENOSPC if they do not fit; KR_ECRC if a frame checksum fails; KR_ECODEC
 * for anything else that is not valid zstd (truncated or corrupt frames, dictionaries,
 * windows beyond what one-shot decoding allows).
 */
int kr_zstd_decompress(kr_zstd_dws_t *ws, void *dst, size_t cap, const void *src, size_t len,
                       size_t *out_len);

#endif
