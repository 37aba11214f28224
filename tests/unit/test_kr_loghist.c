/* Log-linear histogram buckets: the layout at both precisions kring uses, the rank walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kr_loghist.h"

/* The two layouts in use: the CLI's latencies and the engine's round trips. */
static const struct layout {
    uint32_t value_bits;
    uint32_t sub_bits;
} layouts[] = {{64, 6}, {31, 3}};

static void check_layout(uint32_t value_bits, uint32_t sub_bits)
{
    uint64_t sub = 1u << sub_bits;
    uint32_t n = KR_LOGHIST_BUCKETS(value_bits, sub_bits);
    uint64_t top = value_bits == 64 ? UINT64_MAX : ((uint64_t)1 << value_bits) - 1;
    for (uint64_t v = 0; v < 2 * sub; v++) {
        assert_int_equal(kr_loghist_index(v, sub_bits), v);
        assert_int_equal(kr_loghist_high((uint32_t)v, sub_bits), v);
    }
    assert_int_equal(kr_loghist_index(top, sub_bits), n - 1);
    assert_int_equal(kr_loghist_high(n - 1, sub_bits), top);
    /* each bucket's highest value maps back to it, and the next value to the next one */
    for (uint32_t i = 0; i + 1 < n; i++) {
        uint64_t hi = kr_loghist_high(i, sub_bits);
        assert_int_equal(kr_loghist_index(hi, sub_bits), i);
        assert_int_equal(kr_loghist_index(hi + 1, sub_bits), i + 1);
        /* width at most 1/2^sub_bits of the value */
        uint64_t lo = i == 0 ? 0 : kr_loghist_high(i - 1, sub_bits) + 1;
        assert_true(hi - lo <= hi / sub);
    }
}

static void test_layouts(void **state)
{
    (void)state;
    assert_int_equal(KR_LOGHIST_BUCKETS(64, 6), 59 * 64);
    assert_int_equal(KR_LOGHIST_BUCKETS(31, 3), 29 * 8);
    for (size_t k = 0; k < sizeof(layouts) / sizeof(layouts[0]); k++)
        check_layout(layouts[k].value_bits, layouts[k].sub_bits);
}

static void test_at_rank(void **state)
{
    (void)state;
    enum { SUB_BITS = 3, N = KR_LOGHIST_BUCKETS(31, SUB_BITS) };
    static uint64_t b[N];
    /* 2 x 5, 3 in the bucket of 1000 (high 1023), 1 in the bucket of 5000 */
    b[kr_loghist_index(5, SUB_BITS)] = 2;
    b[kr_loghist_index(1000, SUB_BITS)] = 3;
    uint32_t last = kr_loghist_index(5000, SUB_BITS);
    b[last] = 1;
    uint64_t last_high = kr_loghist_high(last, SUB_BITS);
    assert_int_equal(kr_loghist_at_rank(b, N, SUB_BITS, 1, 5000), 5);
    assert_int_equal(kr_loghist_at_rank(b, N, SUB_BITS, 2, 5000), 5);
    assert_int_equal(kr_loghist_at_rank(b, N, SUB_BITS, 3, 5000), 1023);
    assert_int_equal(kr_loghist_at_rank(b, N, SUB_BITS, 5, 5000), 1023);
    /* the last bucket's high is above the maximum: capped */
    assert_true(last_high > 5000);
    assert_int_equal(kr_loghist_at_rank(b, N, SUB_BITS, 6, 5000), 5000);
    assert_int_equal(kr_loghist_at_rank(b, N, SUB_BITS, 6, UINT64_MAX), last_high);
    /* more than the buckets hold: the maximum */
    assert_int_equal(kr_loghist_at_rank(b, N, SUB_BITS, 7, 5000), 5000);
    /* a cap below a bucket's high */
    assert_int_equal(kr_loghist_at_rank(b, N, SUB_BITS, 3, 1001), 1001);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_at_rank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
