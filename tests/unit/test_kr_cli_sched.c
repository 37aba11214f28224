/* The open-loop schedule and the split of records and rate among threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kr_cli_sched.h"

static void test_planned_times(void **state)
{
    (void)state;
    const uint64_t rates[] = {1, 3, 7, 1000, 333333, 1000000, 999999937, 1000000000, 3000000000ull};
    for (size_t k = 0; k < sizeof(rates) / sizeof(rates[0]); k++) {
        kr_sched_t s;
        int64_t start = 123456789;
        kr_sched_init(&s, rates[k], start);
        for (uint64_t i = 0; i < 200000; i++) {
            int64_t t = kr_sched_next(&s);
            assert_int_equal(t, kr_sched_at(rates[k], start, i));
        }
    }
}

static void test_exact_rate(void **state)
{
    (void)state;
    /* 1,000,000 records at 250,000/s take exactly 4 s: the last is planned at 4 s - 4 us */
    assert_int_equal(kr_sched_at(250000, 0, 999999), 3999996000LL);
    assert_int_equal(kr_sched_at(250000, 0, 1000000), 4000000000LL);
    assert_int_equal(kr_sched_at(3, 0, 1), 333333333);
    assert_int_equal(kr_sched_at(3, 0, 2), 666666666);
    assert_int_equal(kr_sched_at(3, 0, 3), 1000000000);
    assert_int_equal(kr_sched_at(1, 5, 1000000000ull), 5 + 1000000000000000000LL);
}

static void test_share(void **state)
{
    (void)state;
    for (uint64_t total = 0; total < 50; total++) {
        for (uint32_t n = 1; n < 9; n++) {
            uint64_t sum = 0, lo = UINT64_MAX, hi = 0;
            for (uint32_t t = 0; t < n; t++) {
                uint64_t s = kr_sched_share(total, n, t);
                sum += s;
                lo = s < lo ? s : lo;
                hi = s > hi ? s : hi;
            }
            assert_int_equal(sum, total);
            assert_true(hi - lo <= 1);
        }
    }
    assert_int_equal(kr_sched_share(1000000, 2, 0), 500000);
    assert_int_equal(kr_sched_share(UINT64_MAX, 2, 0), UINT64_MAX / 2 + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planned_times),
        cmocka_unit_test(test_exact_rate),
        cmocka_unit_test(test_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
