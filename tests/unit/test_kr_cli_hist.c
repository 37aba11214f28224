/* The latency histogram: quantiles against exact ones, merge, delta (the bucket layout is
 * test_kr_loghist.c's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kr_cli_hist.h"

static kr_hist_t h, h2, d;

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_quantiles(void **state)
{
    (void)state;
    enum { N = 100000 };
    uint64_t *v = malloc(N * sizeof(*v));
    assert_non_null(v);
    kr_hist_init(&h);
    assert_int_equal(kr_hist_quantile(&h, 0.5), 0);
    for (int i = 0; i < N; i++) {
        /* log-uniform from 1 us to 10 s, like latencies */
        double e = 3.0 + 7.0 * (double)(next_rand() % 1000000) / 1e6;
        uint64_t x = 1;
        for (int k = 0; k < (int)e; k++)
            x *= 10;
        x += next_rand() % (x * 9);
        v[i] = x;
        kr_hist_record(&h, x);
    }
    qsort(v, N, sizeof(*v), cmp_u64);
    assert_int_equal(h.count, N);
    assert_int_equal(h.max, v[N - 1]);
    assert_int_equal(h.min, v[0]);
    const double qs[] = {0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999};
    for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
        uint64_t exact = v[(size_t)(qs[k] * N + 0.9999999) - 1];
        uint64_t got = kr_hist_quantile(&h, qs[k]);
        assert_true(got >= exact);
        assert_true(got - exact <= exact / KR_HIST_SUB + 1);
    }
    assert_int_equal(kr_hist_quantile(&h, 1.0), h.max);
    assert_int_equal(kr_hist_quantile(&h, 0.0), h.min);
    free(v);
}

static void test_merge_delta(void **state)
{
    (void)state;
    kr_hist_init(&h);
    kr_hist_init(&h2);
    for (uint64_t i = 1; i <= 1000; i++)
        kr_hist_record(&h, i * 1000);
    memcpy(&d, &h, sizeof(h)); /* a snapshot */
    for (uint64_t i = 1; i <= 10; i++)
        kr_hist_record(&h, 5000000);
    kr_hist_record(&h2, 7);
    kr_hist_record(&h2, 9000000000ull);
    kr_hist_t *delta = malloc(sizeof(*delta));
    assert_non_null(delta);
    kr_hist_delta(delta, &h, &d);
    assert_int_equal(delta->count, 10);
    assert_true(kr_hist_quantile(delta, 0.99) >= 5000000);
    assert_true(kr_hist_quantile(delta, 0.99) <= 5000000 + 5000000 / KR_HIST_SUB);
    kr_hist_merge(&h, &h2);
    assert_int_equal(h.count, 1012);
    assert_int_equal(h.max, 9000000000ull);
    assert_int_equal(h.min, 7);
    assert_int_equal(kr_hist_quantile(&h, 1.0), 9000000000ull);
    free(delta);
}

/* A quantile never reports more than the recorded maximum. */
static void test_capped_by_max(void **state)
{
    (void)state;
    kr_hist_init(&h);
    kr_hist_record(&h, 1000001);
    assert_int_equal(kr_hist_quantile(&h, 0.5), 1000001);
    assert_int_equal(kr_hist_quantile(&h, 0.999), 1000001);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantiles),
        cmocka_unit_test(test_merge_delta),
        cmocka_unit_test(test_capped_by_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
