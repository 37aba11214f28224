/* murmur2 and the keyed partitioner against the Java client's published values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kr_murmur2.h"

typedef struct {
    const char *key;
    int32_t hash;
} vec_t;

static void check(const vec_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(kr_murmur2(v[i].key, strlen(v[i].key)), v[i].hash);
}

/* apache/kafka clients/.../utils/UtilsTest.java, testMurmur2. */
static void test_java_utils_test_vectors(void **state)
{
    (void)state;
    static const vec_t v[] = {
        {"21", -973932308},
        {"foobar", -790332482},
        {"a-little-bit-long-string", -985981536},
        {"a-little-bit-longer-string", -1486304829},
        {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
        {"abc", 479470107},
    };
    check(v, sizeof(v) / sizeof(v[0]));
}

/*
 * librdkafka's rdmurmur2.c unit test (Java-compatible), plus keys of every tail
 * length checked with an independent transcription of Utils.murmur2.
 */
static void test_more_keys(void **state)
{
    (void)state;
    static const vec_t v[] = {
        {"kafka", (int32_t)0xd067cf64},
        {"giberish123456789", (int32_t)0x8f552b0c},
        {"1234", (int32_t)0x9fc97b14},
        {"234", (int32_t)0xe7c009ca},
        {"34", (int32_t)0x873930da},
        {"4", (int32_t)0x5a4b5ca1},
        {"PreAmbleWillBeRemoved,ThePrePartThatIs", (int32_t)0x78424f1c},
        {"a", -1563381124},
        {"ab", 316155434},
        {"hello", (int32_t)0x7f1ddbbd},
        {"order-100", -955961047},
        {"order-101", 1112104930},
        {"user-1002", 494644997},
    };
    check(v, sizeof(v) / sizeof(v[0]));
    /* High bytes are unsigned in Java's tail handling (& 0xff). */
    const uint8_t high[] = {0xff, 0x80, 0x7f};
    assert_int_equal(kr_murmur2(high, sizeof(high)), 968261134);
    const char euro[] = "\xe2\x82\xac-euro";
    assert_int_equal(kr_murmur2(euro, strlen(euro)), -830186244);
}

static void test_empty_key(void **state)
{
    (void)state;
    assert_int_equal(kr_murmur2("", 0), 0x106e08d9);
    assert_int_equal(kr_murmur2(NULL, 0), 0x106e08d9);
    assert_int_equal(kr_partition_for_key(NULL, 0, 6), 3);
}

/* (murmur2 & 0x7fffffff) % n, as BuiltInPartitioner.partitionForKey computes it. */
static void test_partition_for_key(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        int32_t want[6];
    } v[] = {
        {"", {0, 0, 3, 9, 81, 275646681}},
        {"21", {0, 0, 0, 0, 40, 1173551340}},
        {"foobar", {0, 0, 0, 6, 66, 1357151166}},
        {"abc", {0, 0, 3, 3, 7, 479470107}},
        {"order-100", {0, 1, 1, 1, 1, 1191522601}},
        {"user-1002", {0, 2, 5, 5, 97, 494644997}},
        {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", {0, 2, 5, 5, 77, 2088585677}},
    };
    static const int32_t parts[6] = {1, 3, 6, 12, 100, INT32_MAX};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        for (size_t k = 0; k < 6; k++) {
            int32_t p = kr_partition_for_key(v[i].key, strlen(v[i].key), parts[k]);
            assert_int_equal(p, v[i].want[k]);
        }
    }
}

/* Always in range, whatever the sign of the hash. */
static void test_partition_range(void **state)
{
    (void)state;
    char key[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof(key), "key-%d", i);
        for (int32_t parts = 1; parts <= 64; parts *= 2) {
            int32_t p = kr_partition_for_key(key, (size_t)n, parts);
            assert_true(p >= 0 && p < parts);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_java_utils_test_vectors),
        cmocka_unit_test(test_more_keys),
        cmocka_unit_test(test_empty_key),
        cmocka_unit_test(test_partition_for_key),
        cmocka_unit_test(test_partition_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
