/* JSON strings: the escape of every byte, and the string writer's snprintf contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kr_json.h"

/* The escape of byte ch, as a NUL-terminated string. */
static const char *esc_of(unsigned char ch)
{
    static char out[KR_JSON_CHAR_MAX + 1];
    size_t n = kr_json_char(ch, out);
    assert_true(n >= 1);
    assert_true(n <= KR_JSON_CHAR_MAX);
    out[n] = '\0';
    return out;
}

static void test_every_byte(void **state)
{
    (void)state;
    char want[16];
    for (unsigned ch = 1; ch < 256; ch++) {
        if (ch == '"' || ch == '\\')
            snprintf(want, sizeof(want), "\\%c", ch);
        else if (ch < 0x20)
            snprintf(want, sizeof(want), "\\u%04x", ch);
        else
            snprintf(want, sizeof(want), "%c", ch);
        assert_string_equal(esc_of((unsigned char)ch), want);
    }
    assert_string_equal(esc_of('\n'), "\\u000a");
    assert_string_equal(esc_of(0x1f), "\\u001f");
    assert_string_equal(esc_of(' '), " "); /* 0x20 is the first byte copied as it is */
    assert_string_equal(esc_of(0xc3), "\xc3");
}

static void test_str(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(kr_json_str(buf, sizeof(buf), "a\"b\\c\n"), 15);
    assert_string_equal(buf, "\"a\\\"b\\\\c\\u000a\"");
    assert_int_equal(kr_json_str(buf, sizeof(buf), ""), 2);
    assert_string_equal(buf, "\"\"");
    assert_int_equal(kr_json_str(buf, sizeof(buf), NULL), 2);
    assert_string_equal(buf, "\"\"");
}

/* Cut like snprintf: as many bytes as fit before the NUL, the full length returned. */
static void test_cut(void **state)
{
    (void)state;
    const char *in = "x\ty";
    const char *whole = "\"x\\u0009y\"";
    size_t len = strlen(whole);
    assert_int_equal(kr_json_str(NULL, 0, in), len);
    for (size_t cap = 1; cap <= len + 1; cap++) {
        char buf[32];
        memset(buf, '#', sizeof(buf));
        assert_int_equal(kr_json_str(buf, cap, in), len);
        assert_int_equal(strlen(buf), cap - 1);
        assert_memory_equal(buf, whole, cap - 1);
        assert_int_equal(buf[cap], '#'); /* nothing past cap */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_byte),
        cmocka_unit_test(test_str),
        cmocka_unit_test(test_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
