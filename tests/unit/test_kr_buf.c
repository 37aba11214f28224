/* Cursor and primitive encodings: golden bytes, round trips, truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kr_buf.h"

static void test_fixed_width_big_endian(void **state)
{
    (void)state;
    uint8_t mem[32];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    kr_wbuf_i8(&w, -2);
    kr_wbuf_i16(&w, 0x0102);
    kr_wbuf_i32(&w, -1);
    kr_wbuf_i64(&w, 0x0102030405060708LL);
    const uint8_t want[] = {0xfe, 0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(w.err, 0);
    assert_int_equal(kr_wbuf_len(&w), sizeof(want));
    assert_memory_equal(mem, want, sizeof(want));

    kr_rbuf_t r;
    kr_rbuf_init(&r, mem, kr_wbuf_len(&w));
    assert_int_equal(kr_rbuf_i8(&r), -2);
    assert_int_equal(kr_rbuf_i16(&r), 0x0102);
    assert_int_equal(kr_rbuf_i32(&r), -1);
    assert_true(kr_rbuf_i64(&r) == 0x0102030405060708LL);
    assert_int_equal(r.err, 0);
    assert_int_equal(kr_rbuf_left(&r), 0);
    assert_int_equal(kr_rbuf_i8(&r), 0);
    assert_int_equal(r.err, KR_ETRUNC);
}

/* Varint vectors as the protocol guide and the Java ByteUtils tests give them. */
static void test_varints(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        uint8_t bytes[10];
        size_t n;
    } zz[] = {
        {0, {0x00}, 1},
        {-1, {0x01}, 1},
        {1, {0x02}, 1},
        {-64, {0x7f}, 1},
        {63, {0x7e}, 1},
        {64, {0x80, 0x01}, 2},
        {-65, {0x81, 0x01}, 2},
        {300, {0xd8, 0x04}, 2},
        {INT32_MAX, {0xfe, 0xff, 0xff, 0xff, 0x0f}, 5},
        {INT32_MIN, {0xff, 0xff, 0xff, 0xff, 0x0f}, 5},
    };
    for (size_t i = 0; i < sizeof(zz) / sizeof(zz[0]); i++) {
        uint8_t mem[16];
        kr_wbuf_t w;
        kr_wbuf_init(&w, mem, sizeof(mem));
        kr_wbuf_varint(&w, (int32_t)zz[i].v);
        assert_int_equal(kr_wbuf_len(&w), zz[i].n);
        assert_memory_equal(mem, zz[i].bytes, zz[i].n);
        assert_int_equal(kr_varint_size((int32_t)zz[i].v), zz[i].n);
        kr_rbuf_t r;
        kr_rbuf_init(&r, mem, zz[i].n);
        assert_int_equal(kr_rbuf_varint(&r), (int32_t)zz[i].v);
        assert_int_equal(r.err, 0);
        kr_rbuf_init(&r, mem, zz[i].n);
        assert_true(kr_rbuf_varlong(&r) == zz[i].v);
    }
    const int64_t longs[] = {INT64_MIN, INT64_MAX, -1, 1LL << 40, -(1LL << 40)};
    for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++) {
        uint8_t mem[16];
        kr_wbuf_t w;
        kr_wbuf_init(&w, mem, sizeof(mem));
        kr_wbuf_varlong(&w, longs[i]);
        assert_int_equal(kr_wbuf_len(&w), kr_varlong_size(longs[i]));
        kr_rbuf_t r;
        kr_rbuf_init(&r, mem, kr_wbuf_len(&w));
        assert_true(kr_rbuf_varlong(&r) == longs[i]);
        assert_int_equal(r.err, 0);
    }
}

static void test_varint_overlong_is_malformed(void **state)
{
    (void)state;
    const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    kr_rbuf_t r;
    kr_rbuf_init(&r, six, sizeof(six));
    (void)kr_rbuf_uvarint32(&r);
    assert_int_equal(r.err, KR_EMALFORMED);
    const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 0x1f}; /* 2^35 - 1 */
    kr_rbuf_init(&r, big, sizeof(big));
    (void)kr_rbuf_uvarint32(&r);
    assert_int_equal(r.err, KR_EMALFORMED);
    const uint8_t cut[] = {0x80};
    kr_rbuf_init(&r, cut, sizeof(cut));
    (void)kr_rbuf_uvarint(&r);
    assert_int_equal(r.err, KR_ETRUNC);
}

static void test_strings_classic_and_compact(void **state)
{
    (void)state;
    uint8_t mem[64];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    kr_wbuf_str(&w, false, "ab", 2);
    kr_wbuf_nstr(&w, false, NULL, 0);
    kr_wbuf_str(&w, true, "ab", 2);
    kr_wbuf_nstr(&w, true, NULL, 0);
    kr_wbuf_bytes(&w, false, "x", 1);
    kr_wbuf_bytes(&w, true, NULL, 0);
    kr_wbuf_arraylen(&w, false, 3);
    kr_wbuf_arraylen(&w, true, 3);
    kr_wbuf_arraylen(&w, true, -1);
    kr_wbuf_tags(&w, true);
    kr_wbuf_tags(&w, false);
    const uint8_t want[] = {0, 2, 'a', 'b', 0xff, 0xff, 3, 'a', 'b', 0, 0, 0,
                            0, 1, 'x', 0,   0,    0,    0, 3,   4,   0, 0};
    assert_int_equal(w.err, 0);
    assert_int_equal(kr_wbuf_len(&w), sizeof(want));
    assert_memory_equal(mem, want, sizeof(want));

    kr_rbuf_t r;
    kr_rbuf_init(&r, mem, kr_wbuf_len(&w));
    kr_str_t s = kr_rbuf_str(&r, false);
    assert_int_equal(s.len, 2);
    assert_memory_equal(s.ptr, "ab", 2);
    assert_int_equal(kr_rbuf_nstr(&r, false).len, -1);
    s = kr_rbuf_str(&r, true);
    assert_int_equal(s.len, 2);
    assert_int_equal(kr_rbuf_nstr(&r, true).len, -1);
    s = kr_rbuf_bytes(&r, false);
    assert_int_equal(s.len, 1);
    assert_int_equal(kr_rbuf_bytes(&r, true).len, -1);
    assert_int_equal(kr_rbuf_arraylen(&r, false, 0), 3);
    assert_int_equal(kr_rbuf_arraylen(&r, true, 0), 3);
    assert_int_equal(kr_rbuf_arraylen(&r, true, 0), -1);
    kr_rbuf_tags(&r, true);
    assert_int_equal(r.err, 0);
    assert_int_equal(kr_rbuf_left(&r), 0);
}

static void test_lying_lengths(void **state)
{
    (void)state;
    const uint8_t str[] = {0x00, 0x05, 'a'};
    kr_rbuf_t r;
    kr_rbuf_init(&r, str, sizeof(str));
    (void)kr_rbuf_str(&r, false);
    assert_int_equal(r.err, KR_ETRUNC);

    const uint8_t neg[] = {0xff, 0xfe};
    kr_rbuf_init(&r, neg, sizeof(neg));
    (void)kr_rbuf_nstr(&r, false);
    assert_int_equal(r.err, KR_EMALFORMED);

    const uint8_t nul[] = {0xff, 0xff};
    kr_rbuf_init(&r, nul, sizeof(nul));
    (void)kr_rbuf_str(&r, false);
    assert_int_equal(r.err, KR_EMALFORMED);

    const uint8_t arr[] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0};
    kr_rbuf_init(&r, arr, sizeof(arr));
    (void)kr_rbuf_arraylen(&r, false, 4);
    assert_int_equal(r.err, KR_ETRUNC);

    const uint8_t tags[] = {0x01, 0x00, 0x09, 0x00};
    kr_rbuf_init(&r, tags, sizeof(tags));
    kr_rbuf_tags(&r, true);
    assert_int_equal(r.err, KR_ETRUNC);
}

static void test_unknown_tags_skipped(void **state)
{
    (void)state;
    const uint8_t tags[] = {0x02, 0x00, 0x02, 0xaa, 0xbb, 0x05, 0x00, 0x7e};
    kr_rbuf_t r;
    kr_rbuf_init(&r, tags, sizeof(tags));
    kr_rbuf_tags(&r, true);
    assert_int_equal(r.err, 0);
    assert_int_equal(kr_rbuf_i8(&r), 0x7e);
}

static void test_write_overflow_is_sticky(void **state)
{
    (void)state;
    uint8_t mem[5];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    kr_wbuf_i32(&w, 1);
    kr_wbuf_i16(&w, 2);
    assert_int_equal(w.err, KR_ENOSPC);
    kr_wbuf_i8(&w, 3);
    assert_int_equal(w.err, KR_ENOSPC);
    assert_int_equal(kr_wbuf_len(&w), 4);
}

static void test_reserve_and_patch(void **state)
{
    (void)state;
    uint8_t mem[16];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    size_t off = kr_wbuf_reserve(&w, 4);
    kr_wbuf_i16(&w, 7);
    kr_wbuf_patch_i32(&w, off, (int32_t)(kr_wbuf_len(&w) - 4));
    const uint8_t want[] = {0, 0, 0, 2, 0, 7};
    assert_memory_equal(mem, want, sizeof(want));
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(kr_strerror(KR_ETRUNC), "input truncated");
    assert_string_equal(kr_errname(KR_ETRUNC), "KR_ETRUNC");
    assert_string_equal(kr_errname(-111), "ECONNREFUSED");
    assert_non_null(kr_strerror(-123456));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_width_big_endian),
        cmocka_unit_test(test_varints),
        cmocka_unit_test(test_varint_overlong_is_malformed),
        cmocka_unit_test(test_strings_classic_and_compact),
        cmocka_unit_test(test_lying_lengths),
        cmocka_unit_test(test_unknown_tags_skipped),
        cmocka_unit_test(test_write_overflow_is_sticky),
        cmocka_unit_test(test_reserve_and_patch),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
