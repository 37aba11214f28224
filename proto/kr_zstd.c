/* Zstandard workspaces and one-shot frames over zstd's static contexts. */
#define ZSTD_STATIC_LINKING_ONLY
#include "kr_zstd.h"

#include <assert.h>
#include <stdint.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "kr_error.h"

/* The workspace headers sit at the start of the caller's memory; zstd's context
 * follows at this offset. */
#define KR_ZSTD_HDR 64

struct kr_zstd_cws {
    ZSTD_CCtx *cctx;
    int level;
    size_t records_max;
};

struct kr_zstd_dws {
    ZSTD_DCtx *dctx;
};

_Static_assert(sizeof(struct kr_zstd_cws) <= KR_ZSTD_HDR, "cws header fits");
_Static_assert(sizeof(struct kr_zstd_dws) <= KR_ZSTD_HDR, "dws header fits");

int kr_zstd_level_min(void) { return ZSTD_minCLevel(); }
int kr_zstd_level_max(void) { return ZSTD_maxCLevel(); }

size_t kr_zstd_cws_size(int level, size_t records_max)
{
    assert(level >= ZSTD_minCLevel());
    assert(level <= ZSTD_maxCLevel());
    /*
     * ZSTD_compressCCtx picks its parameters from the level and the size of each
     * input: one table per size class (16 KB, 128 KB, 256 KB, larger), then a window
     * no larger than the input. The largest context any input up to records_max needs
     * is the largest over the classes it reaches.
     */
    static const size_t tiers[] = {16 << 10, 128 << 10, 256 << 10};
    size_t max = records_max > 0 ? records_max : 1;
    size_t need = ZSTD_estimateCCtxSize_usingCParams(ZSTD_getCParams(level, max, 0));
    for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]) && tiers[i] < max; i++) {
        size_t n = ZSTD_estimateCCtxSize_usingCParams(ZSTD_getCParams(level, tiers[i], 0));
        need = n > need ? n : need;
    }
    return KR_ZSTD_HDR + need;
}

kr_zstd_cws_t *kr_zstd_cws_init(void *mem, size_t size, int level, size_t records_max)
{
    if (mem == NULL || ((uintptr_t)mem & 7) != 0 || level < ZSTD_minCLevel() ||
        level > ZSTD_maxCLevel() || size < kr_zstd_cws_size(level, records_max))
        return NULL;
    kr_zstd_cws_t *ws = mem;
    ws->cctx = ZSTD_initStaticCCtx((uint8_t *)mem + KR_ZSTD_HDR, size - KR_ZSTD_HDR);
    if (ws->cctx == NULL)
        return NULL;
    ws->level = level;
    ws->records_max = records_max;
    return ws;
}

int kr_zstd_cws_level(const kr_zstd_cws_t *ws) { return ws->level; }
size_t kr_zstd_cws_records_max(const kr_zstd_cws_t *ws) { return ws->records_max; }

size_t kr_zstd_dws_size(void) { return KR_ZSTD_HDR + ZSTD_estimateDCtxSize(); }

kr_zstd_dws_t *kr_zstd_dws_init(void *mem, size_t size)
{
    if (mem == NULL || ((uintptr_t)mem & 7) != 0 || size < kr_zstd_dws_size())
        return NULL;
    kr_zstd_dws_t *ws = mem;
    ws->dctx = ZSTD_initStaticDCtx((uint8_t *)mem + KR_ZSTD_HDR, size - KR_ZSTD_HDR);
    return ws->dctx != NULL ? ws : NULL;
}

size_t kr_zstd_bound(size_t len) { return ZSTD_COMPRESSBOUND(len); }

int kr_zstd_compress(kr_zstd_cws_t *ws, void *dst, size_t cap, const void *src, size_t len,
                     size_t *out_len)
{
    assert(ws != NULL);
    assert(len <= ws->records_max);
    size_t n = ZSTD_compressCCtx(ws->cctx, dst, cap, src, len, ws->level);
    if (ZSTD_isError(n)) {
        /* The workspace is sized for every input up to records_max: only the
         * destination can be short. */
        assert(ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall);
        return KR_ENOSPC;
    }
    *out_len = n;
    return 0;
}

int kr_zstd_decompress(kr_zstd_dws_t *ws, void *dst, size_t cap, const void *src, size_t len,
                       size_t *out_len)
{
    assert(ws != NULL);
    size_t n = ZSTD_decompressDCtx(ws->dctx, dst, cap, src, len);
    if (!ZSTD_isError(n)) {
        *out_len = n;
        return 0;
    }
    switch (ZSTD_getErrorCode(n)) {
    case ZSTD_error_dstSize_tooSmall:
        return KR_ENOSPC;
    case ZSTD_error_checksum_wrong:
        return KR_ECRC;
    default:
        return KR_ECODEC;
    }
}
