/* The CLI's JSON string writer: quoting, escapes, bytes passed through, NULL. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kr_cli_json.h"

/* kr_cli_json_str(s) as a string the caller frees. */
static char *json_of(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    kr_cli_json_str(f, s);
    assert_int_equal(fclose(f), 0);
    assert_non_null(buf);
    assert_int_equal(strlen(buf), len);
    return buf;
}

static void expect_json(const char *in, const char *want)
{
    char *got = json_of(in);
    assert_string_equal(got, want);
    free(got);
}

static void test_plain(void **state)
{
    (void)state;
    expect_json("NOT_LEADER_OR_FOLLOWER", "\"NOT_LEADER_OR_FOLLOWER\"");
    expect_json("", "\"\"");
    expect_json(NULL, "\"\"");
    expect_json("a b/c.d-e_f~\x7f", "\"a b/c.d-e_f~\x7f\"");
}

static void test_escapes(void **state)
{
    (void)state;
    expect_json("\"", "\"\\\"\"");
    expect_json("\\", "\"\\\\\"");
    expect_json("a\"b\\c\n", "\"a\\\"b\\\\c\\u000a\"");
    expect_json("\x01\t\r\x1f", "\"\\u0001\\u0009\\u000d\\u001f\"");
    expect_json(" ", "\" \""); /* 0x20 is the first byte copied as it is */
}

static void test_utf8_passes_through(void **state)
{
    (void)state;
    expect_json("caf\xc3\xa9", "\"caf\xc3\xa9\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_utf8_passes_through),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
