/*
 * PLAIN (RFC 4616) and OAUTHBEARER (RFC 7628) client messages: byte-exact goldens from
 * the RFCs' grammars, and every input the formats cannot carry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kr_saslmech.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_plain(void **state)
{
    (void)state;
    uint8_t mem[32];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    assert_int_equal(kr_sasl_plain_write(&w, "tim", 3, "tanstaaftanstaaf", 16), 0);
    const char want[] = "\0tim\0tanstaaftanstaaf"; /* RFC 4616 section 4, no authzid */
    assert_int_equal(kr_wbuf_len(&w), sizeof(want) - 1);
    assert_memory_equal(mem, want, sizeof(want) - 1);
    kr_wbuf_init(&w, mem, sizeof(mem));
    assert_int_equal(kr_sasl_plain_write(&w, "u", 1, NULL, 0), 0);
    assert_int_equal(kr_wbuf_len(&w), 3);
    assert_memory_equal(mem, "\0u\0", 3);

    kr_wbuf_init(&w, mem, sizeof(mem));
    assert_int_equal(kr_sasl_plain_write(&w, "", 0, "p", 1), KR_ECONFIG);
    assert_int_equal(kr_sasl_plain_write(&w, "a\0b", 3, "p", 1), KR_ECONFIG);
    assert_int_equal(kr_sasl_plain_write(&w, "u", 1, "p\0q", 3), KR_ECONFIG);
    assert_int_equal(kr_wbuf_len(&w), 0);
    kr_wbuf_init(&w, mem, 5);
    assert_int_equal(kr_sasl_plain_write(&w, "user", 4, "p", 1), KR_ENOSPC);
}

static void test_oauthbearer(void **state)
{
    (void)state;
    uint8_t mem[128];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    assert_int_equal(kr_sasl_oauthbearer_write(&w, "vF9dft4qmT", 10, NULL, 0), 0);
    const char want[] = "n,,\x01"
                        "auth=Bearer vF9dft4qmT\x01\x01"; /* RFC 7628 section 4.1 */
    assert_int_equal(kr_wbuf_len(&w), sizeof(want) - 1);
    assert_memory_equal(mem, want, sizeof(want) - 1);

    const kr_sasl_kv_t ext[] = {{"traceId", 7, "123 abc", 7}, {"empty", 5, "", 0}};
    kr_wbuf_init(&w, mem, sizeof(mem));
    assert_int_equal(kr_sasl_oauthbearer_write(&w, "a-b.c_d~e+f/g==", 15, ext, 2), 0);
    const char want_ext[] = "n,,\x01"
                            "auth=Bearer a-b.c_d~e+f/g==\x01"
                            "traceId=123 abc\x01"
                            "empty=\x01\x01";
    assert_int_equal(kr_wbuf_len(&w), sizeof(want_ext) - 1);
    assert_memory_equal(mem, want_ext, sizeof(want_ext) - 1);
}

static void test_oauthbearer_rejects(void **state)
{
    (void)state;
    static const char *const bad_tokens[] = {"", "=", "ab=c", "a b", "a\x01", "a,b", "\xc3\xa4"};
    uint8_t mem[128];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    for (size_t i = 0; i < N_ELEMS(bad_tokens); i++)
        assert_int_equal(
            kr_sasl_oauthbearer_write(&w, bad_tokens[i], strlen(bad_tokens[i]), NULL, 0),
            KR_ECONFIG);
    static const kr_sasl_kv_t bad_ext[] = {
        {"", 0, "v", 1},       {"auth", 4, "v", 1},   {"a1", 2, "v", 1},   {"a=b", 3, "v", 1},
        {"key", 3, "\x01", 1}, {"key", 3, "\x7f", 1}, {"key", 3, "\0", 1},
    };
    for (size_t i = 0; i < N_ELEMS(bad_ext); i++)
        assert_int_equal(kr_sasl_oauthbearer_write(&w, "tok", 3, &bad_ext[i], 1), KR_ECONFIG);
    assert_int_equal(kr_wbuf_len(&w), 0);
    const kr_sasl_kv_t ok = {"k", 1, "tab\there\r\n", 10};
    assert_int_equal(kr_sasl_oauthbearer_write(&w, "tok", 3, &ok, 1), 0);
    kr_wbuf_init(&w, mem, 20);
    assert_int_equal(kr_sasl_oauthbearer_write(&w, "tok", 3, &ok, 1), KR_ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_oauthbearer),
        cmocka_unit_test(test_oauthbearer_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
