/* cli/kr_cli_props.c: Java properties syntax, errors that never show a value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kr_cli_props.h"

typedef struct got {
    char text[4096]; /* "key=value@line;" for every setting */
    size_t n;
    int stop_at; /* make the callback refuse the n-th setting (1-based), 0: never */
    int calls;
} got_t;

static int collect(void *ctx, const char *key, const char *value, int line)
{
    got_t *g = ctx;
    g->calls++;
    if (g->stop_at == g->calls)
        return 1;
    g->n += (size_t)snprintf(g->text + g->n, sizeof(g->text) - g->n, "%s=%s@%d;", key, value, line);
    return 0;
}

static int parse(const char *text, got_t *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof(*g));
    return kr_cli_props_parse("f.properties", text, strlen(text), collect, g, err, errlen);
}

static void expect(const char *text, const char *want)
{
    got_t g;
    char err[256] = "";
    if (parse(text, &g, err, sizeof(err)) != 0)
        fail_msg("'%s' failed: %s", text, err);
    if (strcmp(g.text, want) != 0)
        fail_msg("'%s' gave '%s', expected '%s'", text, g.text, want);
}

static void test_syntax(void **state)
{
    (void)state;
    expect("", "");
    expect("a=1", "a=1@1;");
    expect("a = 1 \n b:2\nc 3\n", "a=1@1;b=2@2;c=3@3;");
    expect("# comment\n! also\n\n   \n\tk\t=\tv\t\n", "k=v@5;");
    expect("k=v=w:x", "k=v=w:x@1;");
    expect("k:=v", "k==v@1;"); /* only the first separator is one */
    expect("empty=\nbare\n", "empty=@1;bare=@2;");
    expect("a=1\r\nb=2\rc=3", "a=1@1;b=2@2;c=3@3;");
    expect("long=one \\\n    two \\\n three\nnext=x", "long=one two three@1;next=x@4;");
    expect("even=ends\\\\\nnext=x", "even=ends\\@1;next=x@2;");
    expect("#no continuation \\\nk=v", "k=v@2;");
    expect("k\\ ey=a\\tb\\nc", "k ey=a\tb\nc@1;");
    expect("k\\=x=1", "k=x=1@1;");
    expect("k\\:x:1", "k:x=1@1;");
    expect("u=\\u00e9\\u20ac\\u0041", "u=\xc3\xa9\xe2\x82\xac"
                                      "A@1;");
    expect("t=trailing\\ ", "t=trailing @1;");
    expect("cont=\\\n", "cont=@1;");
    expect("sasl.jaas.config=org.Mod required \\\n  username=\"u\" password=\"p\";",
           "sasl.jaas.config=org.Mod required username=\"u\" password=\"p\";@1;");
}

/* Errors name the file, the line and the key, never the value. */
static void test_errors_hide_values(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want;
    } bad[] = {
        {"a=1\n=s3cret", "f.properties:2: a setting without a key"},
        {"ok=1\npassword=\\u12zsecret", "f.properties:2: password: a bad \\u escape"},
        {"password=abc\\u12", "f.properties:1: password: a bad \\u escape"},
        {"x\\uZZZZ=secret", "f.properties:1: a bad \\u escape in the key"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        got_t g;
        char err[256] = "";
        assert_int_equal(parse(bad[i].text, &g, err, sizeof(err)), -1);
        if (strstr(err, bad[i].want) == NULL)
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].text, err, bad[i].want);
        assert_null(strstr(err, "secret"));
        assert_null(strstr(err, "s3cret"));
        assert_null(strchr(err, '\n'));
    }
    /* too long a value: the key is named, the value is not */
    size_t n = KR_PROPS_VALUE_MAX + 20;
    char *text = malloc(n + 16);
    assert_non_null(text);
    strcpy(text, "password=");
    memset(text + 9, 'S', n);
    text[9 + n] = '\0';
    got_t g;
    char err[256];
    assert_int_equal(parse(text, &g, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "f.properties:1: password: a value longer than"));
    assert_null(strstr(err, "SSS"));
    free(text);
    /* a NUL byte */
    assert_int_equal(kr_cli_props_parse("f", "a=1\nb=\0x", 8, collect, &g, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "f:2: a NUL byte"));
}

/* The callback can stop the parse; settings before it were delivered in order. */
static void test_callback_stops(void **state)
{
    (void)state;
    got_t g;
    memset(&g, 0, sizeof(g));
    g.stop_at = 2;
    char err[64] = "";
    const char *text = "a=1\nb=2\nc=3\n";
    assert_int_equal(kr_cli_props_parse("f", text, strlen(text), collect, &g, err, sizeof(err)),
                     -1);
    assert_string_equal(g.text, "a=1@1;");
    assert_int_equal(g.calls, 2);
}

static void test_load(void **state)
{
    (void)state;
    char path[] = "/tmp/kr_props_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "# client.properties\nacks=all\nlinger.ms: 7\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    got_t g;
    memset(&g, 0, sizeof(g));
    char err[256];
    assert_int_equal(kr_cli_props_load(path, collect, &g, err, sizeof(err)), 0);
    assert_string_equal(g.text, "acks=all@2;linger.ms=7@3;");
    unlink(path);
    assert_int_equal(kr_cli_props_load(path, collect, &g, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "No such file"));
    assert_int_equal(kr_cli_props_load("/tmp", collect, &g, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/tmp: "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_errors_hide_values),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
