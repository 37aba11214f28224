/* CRC-32C: published vectors, every length and alignment, hw == sw, incremental, combine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kr_crc32c.h"

typedef uint32_t (*crc_fn)(uint32_t crc, const void *buf, size_t len);

/* Bit-at-a-time reference, straight from the definition: independent of the tables. */
static uint32_t crc_ref(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ ((crc & 1) ? 0x82f63b78u : 0);
    }
    return ~crc;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(rng() >> 56);
}

/* The implementations under test: dispatching, portable, and hardware when present. */
static size_t impls(crc_fn out[3])
{
    size_t n = 0;
    out[n++] = kr_crc32c;
    out[n++] = kr_crc32c_sw;
    if (kr_crc32c_hw_available())
        out[n++] = kr_crc32c_hw;
    return n;
}

static void test_check_value(void **state)
{
    (void)state;
    crc_fn f[3];
    size_t n = impls(f);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(f[i](0, "123456789", 9), 0xE3069283u);
        assert_int_equal(f[i](0, NULL, 0), 0);
        assert_int_equal(f[i](0x12345678, "", 0), 0x12345678);
    }
    assert_int_equal(crc_ref(0, "123456789", 9), 0xE3069283u);
}

/* RFC 3720 (iSCSI) appendix B.4. */
static void test_rfc3720_vectors(void **state)
{
    (void)state;
    static const uint8_t read_pdu[48] = {
        0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
        0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    uint8_t zeros[32], ones[32], inc[32], dec[32];
    memset(zeros, 0, sizeof(zeros));
    memset(ones, 0xff, sizeof(ones));
    for (int i = 0; i < 32; i++) {
        inc[i] = (uint8_t)i;
        dec[i] = (uint8_t)(31 - i);
    }
    crc_fn f[3];
    size_t n = impls(f);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(f[i](0, zeros, 32), 0x8a9136aau);
        assert_int_equal(f[i](0, ones, 32), 0x62a8ab43u);
        assert_int_equal(f[i](0, inc, 32), 0x46dd794eu);
        assert_int_equal(f[i](0, dec, 32), 0x113fdb5cu);
        assert_int_equal(f[i](0, read_pdu, 48), 0xd9963a56u);
    }
}

/* Every length 0..300 at every start offset 0..15, against the bit-wise reference. */
static void test_every_length_and_alignment(void **state)
{
    (void)state;
    uint8_t buf[300 + 16];
    fill_random(buf, sizeof(buf));
    crc_fn f[3];
    size_t n = impls(f);
    for (size_t off = 0; off < 16; off++) {
        for (size_t len = 0; len <= 300; len++) {
            uint32_t want = crc_ref(0, buf + off, len);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(f[i](0, buf + off, len), want);
        }
    }
}

/* Lengths around the 3-way stream thresholds (3 x 256, 3 x 8192) and large inputs. */
static void test_long_inputs(void **state)
{
    (void)state;
    static const size_t lens[] = {767,
                                  768,
                                  769,
                                  775,
                                  776,
                                  1536,
                                  1543,
                                  24575,
                                  24576,
                                  24577,
                                  24583,
                                  25344,
                                  49152,
                                  65536,
                                  65599,
                                  99999,
                                  24576 * 3 + 768 * 2 + 13,
                                  (1 << 20) + 7};
    size_t max = (1 << 20) + 7 + 8;
    uint8_t *buf = malloc(max);
    assert_non_null(buf);
    fill_random(buf, max);
    crc_fn f[3];
    size_t n = impls(f);
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        for (size_t off = 0; off < 8; off += 3) {
            uint32_t want = crc_ref(0, buf + off, lens[k]);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(f[i](0, buf + off, lens[k]), want);
        }
    }
    free(buf);
}

/* Feeding pieces gives the one-shot value, for every split point. */
static void test_incremental(void **state)
{
    (void)state;
    size_t len = 2000;
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    fill_random(buf, len);
    crc_fn f[3];
    size_t n = impls(f);
    for (size_t i = 0; i < n; i++) {
        uint32_t whole = f[i](0, buf, len);
        for (size_t cut = 0; cut <= len; cut++) {
            uint32_t c = f[i](0, buf, cut);
            assert_int_equal(f[i](c, buf + cut, len - cut), whole);
        }
        uint32_t c = 0;
        for (size_t pos = 0; pos < len;) {
            size_t step = 1 + rng() % 97;
            step = step < len - pos ? step : len - pos;
            c = f[i](c, buf + pos, step);
            pos += step;
        }
        assert_int_equal(c, whole);
    }
    free(buf);
}

static void test_combine(void **state)
{
    (void)state;
    size_t len = 70000;
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    fill_random(buf, len);
    static const size_t cuts[] = {0, 1, 7, 8, 100, 4096, 65536, 69999, 70000};
    uint32_t whole = kr_crc32c(0, buf, len);
    for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
        size_t cut = cuts[k];
        uint32_t a = kr_crc32c(0, buf, cut);
        uint32_t b = kr_crc32c(0, buf + cut, len - cut);
        assert_int_equal(kr_crc32c_combine(a, b, len - cut), whole);
    }
    free(buf);
}

int main(void)
{
    kr_crc32c_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_value),
        cmocka_unit_test(test_rfc3720_vectors),
        cmocka_unit_test(test_every_length_and_alignment),
        cmocka_unit_test(test_long_inputs),
        cmocka_unit_test(test_incremental),
        cmocka_unit_test(test_combine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
