/* Kafka error table: names, retriable flags, unknown codes, table shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kr_kerr.h"

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(kr_kerr_name(-1), "UNKNOWN_SERVER_ERROR");
    assert_string_equal(kr_kerr_name(0), "NONE");
    assert_string_equal(kr_kerr_name(6), "NOT_LEADER_OR_FOLLOWER");
    assert_string_equal(kr_kerr_name(10), "MESSAGE_TOO_LARGE");
    assert_string_equal(kr_kerr_name(35), "UNSUPPORTED_VERSION");
    assert_string_equal(kr_kerr_name(45), "OUT_OF_ORDER_SEQUENCE_NUMBER");
    assert_string_equal(kr_kerr_name(46), "DUPLICATE_SEQUENCE_NUMBER");
    assert_string_equal(kr_kerr_name(59), "UNKNOWN_PRODUCER_ID");
    assert_string_equal(kr_kerr_name(90), "PRODUCER_FENCED");
    assert_string_equal(kr_kerr_name(99), "POSITION_OUT_OF_RANGE");
    assert_string_equal(kr_kerr_name(100), "UNKNOWN_TOPIC_ID");
    assert_string_equal(kr_kerr_name(120), "TRANSACTION_ABORTABLE");
    assert_string_equal(kr_kerr_name(129), "REBOOTSTRAP_REQUIRED");
    assert_string_equal(kr_kerr_name(133), "SHARE_SESSION_LIMIT_REACHED");
}

static void test_constants(void **state)
{
    (void)state;
    assert_int_equal(KR_KERR_NONE, 0);
    assert_int_equal(KR_KERR_UNKNOWN_SERVER_ERROR, -1);
    assert_int_equal(KR_KERR_NOT_LEADER_OR_FOLLOWER, 6);
    assert_int_equal(KR_KERR_UNSUPPORTED_VERSION, 35);
    assert_int_equal(KR_KERR_DUPLICATE_SEQUENCE_NUMBER, 46);
    assert_int_equal(KR_KERR_INVALID_PRODUCER_EPOCH, 47);
    assert_int_equal(KR_KERR_UNKNOWN_PRODUCER_ID, 59);
    assert_int_equal(KR_KERR_MIN, -1);
    assert_int_equal(KR_KERR_MAX, 133);
}

/* KAFKA_FACTS: the produce errors kring retries, and those it must not. */
static void test_retriable_produce_errors(void **state)
{
    (void)state;
    const int16_t retriable[] = {2, 3, 5, 6, 7, 13, 19, 20, 51, 56};
    for (size_t i = 0; i < sizeof(retriable) / sizeof(retriable[0]); i++)
        assert_true(kr_kerr_retriable(retriable[i]));
    const int16_t fatal[] = {10, 18, 21, 29, 31, 32, 43, 47, 48, 53, 76, 87, 90, 120};
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
        assert_false(kr_kerr_retriable(fatal[i]));
}

/* Java RetriableException subclasses outside the produce path, and some that are not. */
static void test_retriable_other(void **state)
{
    (void)state;
    const int16_t yes[] = {9,  14, 15, 16, 41, 70,  71,  72,  74,  75,  78,
                           80, 83, 84, 88, 89, 100, 103, 106, 122, 123, 133};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(kr_kerr_retriable(yes[i]));
    const int16_t no[] = {-1, 0, 1, 4, 8, 11, 35, 42, 45, 46, 59, 99, 129, 130, 132};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(kr_kerr_retriable(no[i]));
}

static void test_unknown_codes(void **state)
{
    (void)state;
    const int16_t unknown[] = {-2, -32768, 134, 999, 32767};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        assert_false(kr_kerr_known(unknown[i]));
        assert_false(kr_kerr_retriable(unknown[i]));
        assert_ptr_equal(kr_kerr_name(unknown[i]), kr_kerr_name(unknown[0]));
        assert_string_equal(kr_kerr_name(unknown[i]), KR_KERR_UNKNOWN_NAME);
    }
}

/* Every code from MIN to MAX has a distinct, upper-case name; 32 are retriable. */
static void test_table_dense_and_unique(void **state)
{
    (void)state;
    int retriable = 0;
    for (int c = KR_KERR_MIN; c <= KR_KERR_MAX; c++) {
        assert_true(kr_kerr_known((int16_t)c));
        const char *n = kr_kerr_name((int16_t)c);
        assert_string_not_equal(n, KR_KERR_UNKNOWN_NAME);
        for (const char *p = n; *p != '\0'; p++)
            assert_true((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_');
        for (int d = KR_KERR_MIN; d < c; d++)
            assert_string_not_equal(n, kr_kerr_name((int16_t)d));
        retriable += kr_kerr_retriable((int16_t)c);
    }
    assert_int_equal(retriable, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_retriable_produce_errors),
        cmocka_unit_test(test_retriable_other),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_table_dense_and_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
