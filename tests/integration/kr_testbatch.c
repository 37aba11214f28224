/* RecordBatch helpers for the integration tests (see kr_testbatch.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kr_testbatch.h"

/* Generous room for one record: its bytes plus varints and attributes. */
static size_t record_room(const kr_test_record_t *r)
{
    size_t n = 64 + r->key_len + r->value_len;
    for (size_t i = 0; i < r->header_count; i++)
        n += 20 + r->headers[i].key_len + r->headers[i].value_len;
    return n;
}

/* Appends every record; fails the test if one does not fit. */
static void append_all(kr_batch_builder_t *b, const kr_test_record_t *recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const kr_test_record_t *r = &recs[i];
        int rc = kr_batch_append(b, r->timestamp, r->key, r->key_len, r->value, r->value_len,
                                 r->headers, r->header_count);
        if (rc != 0)
            fail_msg("kr_batch_append record %zu: %s", i, kr_strerror(rc));
    }
    assert_int_equal(kr_batch_count(b), (int32_t)n);
}

/* Closes with LZ4 into a kr_batch_bound()-sized buffer, with a fresh workspace. */
static void close_lz4(kr_batch_builder_t *b, const kr_batch_producer_t *producer,
                      kr_test_batch_t *out)
{
    size_t ws_size = (kr_lz4_ws_size() + 63) & ~(size_t)63;
    void *ws_mem = aligned_alloc(64, ws_size);
    assert_non_null(ws_mem);
    kr_lz4_ws_t *ws = kr_lz4_ws_init(ws_mem, ws_size);
    assert_non_null(ws);
    size_t cap = kr_batch_bound(kr_batch_records_len(b), KR_CODEC_LZ4);
    out->data = malloc(cap);
    assert_non_null(out->data);
    int rc = kr_batch_close(b, KR_CODEC_LZ4, producer, ws, out->data, cap);
    free(ws_mem);
    if (rc != 0)
        fail_msg("kr_batch_close lz4: %s", kr_strerror(rc));
    assert_ptr_equal(b->out, out->data);
    out->len = b->out_len;
}

/* Closes with ZSTD (level 3) into a kr_batch_bound()-sized buffer, fresh workspace. */
static void close_zstd(kr_batch_builder_t *b, const kr_batch_producer_t *producer,
                       kr_test_batch_t *out)
{
    size_t rl = kr_batch_records_len(b);
    size_t ws_size = (kr_zstd_cws_size(KR_ZSTD_LEVEL_DEFAULT, rl) + 63) & ~(size_t)63;
    void *ws_mem = aligned_alloc(64, ws_size);
    assert_non_null(ws_mem);
    kr_zstd_cws_t *ws = kr_zstd_cws_init(ws_mem, ws_size, KR_ZSTD_LEVEL_DEFAULT, rl);
    assert_non_null(ws);
    size_t cap = kr_batch_bound(rl, KR_CODEC_ZSTD);
    out->data = malloc(cap);
    assert_non_null(out->data);
    int rc = kr_batch_close_zstd(b, producer, ws, out->data, cap);
    free(ws_mem);
    if (rc != 0)
        fail_msg("kr_batch_close_zstd: %s", kr_strerror(rc));
    assert_ptr_equal(b->out, out->data);
    out->len = b->out_len;
}

void kr_test_batch_build(kr_test_batch_t *out, const kr_test_record_t *recs, size_t n, int codec,
                         const kr_batch_producer_t *producer)
{
    assert_true(n > 0);
    size_t cap = KR_RB_HEADER_SIZE;
    for (size_t i = 0; i < n; i++)
        cap += record_room(&recs[i]);
    uint8_t *mem = malloc(cap);
    assert_non_null(mem);
    kr_batch_builder_t b;
    kr_batch_open(&b, mem, cap, recs[0].timestamp);
    append_all(&b, recs, n);
    if (codec == KR_CODEC_LZ4 || codec == KR_CODEC_ZSTD) {
        if (codec == KR_CODEC_LZ4)
            close_lz4(&b, producer, out);
        else
            close_zstd(&b, producer, out);
        free(mem);
        return;
    }
    assert_int_equal(codec, KR_CODEC_NONE);
    int rc = kr_batch_close(&b, KR_CODEC_NONE, producer, NULL, NULL, 0);
    if (rc != 0)
        fail_msg("kr_batch_close none: %s", kr_strerror(rc));
    assert_ptr_equal(b.out, mem);
    out->data = mem;
    out->len = b.out_len;
}

void kr_test_batch_free(kr_test_batch_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

/* Renders headers as kcat prints them: "k=v,k2=NULL,k3=" ("" for none). */
static void render_headers(const kr_test_record_t *r, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->header_count && n < cap; i++) {
        const kr_record_header_t *h = &r->headers[i];
        const char *v = h->value != NULL ? h->value : "NULL";
        int vlen = h->value != NULL ? (int)h->value_len : 4;
        n += (size_t)snprintf(buf + n, cap - n, "%s%.*s=%.*s", i > 0 ? "," : "", (int)h->key_len,
                              h->key, vlen, v);
    }
}

/* Fails with the first differing byte of a key or value. */
static void check_bytes(const char *what, const char *field, const uint8_t *got, int32_t got_len,
                        const void *want, size_t want_len)
{
    int32_t want_len32 = want != NULL ? (int32_t)want_len : -1;
    if (got_len != want_len32)
        fail_msg("%s: %s length %d, sent %d", what, field, got_len, want_len32);
    if (got_len <= 0 || memcmp(got, want, (size_t)got_len) == 0)
        return;
    size_t i = 0;
    while (got[i] == ((const uint8_t *)want)[i])
        i++;
    fail_msg("%s: %s differs at byte %zu of %d", what, field, i, got_len);
}

void kr_test_check_record(const kr_test_msg_t *got, const kr_test_record_t *want, int64_t offset,
                          const char *what)
{
    if (got->offset != offset)
        fail_msg("%s: offset %lld, want %lld", what, (long long)got->offset, (long long)offset);
    if (got->timestamp != want->timestamp)
        fail_msg("%s: timestamp %lld, sent %lld", what, (long long)got->timestamp,
                 (long long)want->timestamp);
    check_bytes(what, "key", got->key, got->key_len, want->key, want->key_len);
    check_bytes(what, "value", got->value, got->value_len, want->value, want->value_len);
    char headers[4096];
    render_headers(want, headers, sizeof(headers));
    if (strcmp(got->headers, headers) != 0)
        fail_msg("%s: headers \"%s\", sent \"%s\"", what, got->headers, headers);
}
