/* The summary: the JSON fields, the text, errors by name, the exit status; the status line. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kr_cli_opts.h"
#include "kr_cli_report.h"
#include "kr_cli_status.h"

static kr_hist_t lat;

/* Runs fn(f, r) into a string the caller frees. */
static char *capture(void (*fn)(FILE *, const kr_cli_report_t *), const kr_cli_report_t *r)
{
    static char *buf; /* static: open_memstream() keeps their addresses until fclose() */
    static size_t len;
    buf = NULL;
    len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fn(f, r);
    fclose(f);
    return buf;
}

static void full_report(kr_cli_report_t *r)
{
    memset(r, 0, sizeof(*r));
    kr_hist_init(&lat);
    for (uint64_t i = 1; i <= 1000; i++)
        kr_hist_record(&lat, i * 10000); /* 10 us .. 10 ms */
    r->records_sent = 1000;
    r->records_acked = 998;
    r->records_failed = 2;
    r->bytes = 998 * 300;
    r->wall_s = 2.0;
    r->cpu_user_s = 0.5;
    r->cpu_sys_s = 0.25;
    r->transport = "poll";
    r->latency = &lat;
    kr_cli_errs_add(&r->errs, "NOT_ENOUGH_REPLICAS", 1);
    kr_cli_errs_add(&r->errs, "KR_ETIMEDOUT", 1);
}

static void test_json_fields(void **state)
{
    (void)state;
    kr_cli_report_t r;
    full_report(&r);
    char *s = capture(kr_cli_report_json, &r);
    const char *want =
        "{\"records_sent\":1000,\"records_acked\":998,\"records_failed\":2,\"bytes\":299400,"
        "\"wall_s\":2.000000,\"records_per_s\":499.0,\"mb_per_s\":0.143,"
        "\"cpu_user_s\":0.500000,\"cpu_sys_s\":0.250000,\"cpu_ns_per_record\":750000.0,"
        "\"latency_ms\":{\"p50\":5.000,\"p99\":9.990,\"p999\":10.000,\"max\":10.000},"
        "\"errors\":{\"NOT_ENOUGH_REPLICAS\":1,\"KR_ETIMEDOUT\":1}}\n";
    /* p50 is the top of 5 ms's bucket: compare the fixed parts and the shape */
    assert_non_null(strstr(s, "\"latency_ms\":{\"p50\":"));
    assert_memory_equal(s, want, strstr(want, "\"latency_ms\"") - want);
    assert_non_null(strstr(s, ",\"p99\":"));
    assert_non_null(strstr(s, ",\"p999\":"));
    assert_non_null(strstr(s, ",\"max\":10.000}"));
    assert_non_null(strstr(s, "\"errors\":{\"NOT_ENOUGH_REPLICAS\":1,\"KR_ETIMEDOUT\":1}}\n"));
    double p50 = strtod(strstr(s, "\"p50\":") + 6, NULL);
    assert_true(p50 >= 5.0 && p50 <= 5.0 * (1 + 1.0 / 64));
    free(s);
}

static void test_json_empty(void **state)
{
    (void)state;
    kr_cli_report_t r;
    memset(&r, 0, sizeof(r));
    char *s = capture(kr_cli_report_json, &r);
    assert_string_equal(s,
                        "{\"records_sent\":0,\"records_acked\":0,\"records_failed\":0,\"bytes\":0,"
                        "\"wall_s\":0.000000,\"records_per_s\":0.0,\"mb_per_s\":0.000,"
                        "\"cpu_user_s\":0.000000,\"cpu_sys_s\":0.000000,\"cpu_ns_per_record\":0.0,"
                        "\"latency_ms\":{\"p50\":null,\"p99\":null,\"p999\":null,\"max\":null},"
                        "\"transport\":null,\"errors\":{}}\n");
    free(s);
}

static void test_text(void **state)
{
    (void)state;
    kr_cli_report_t r;
    full_report(&r);
    char *s = capture(kr_cli_report_text, &r);
    assert_non_null(strstr(s, "records   1000 sent, 998 acked, 2 failed\n"));
    assert_non_null(strstr(s, "wall      2.000 s\n"));
    assert_non_null(strstr(s, "transport poll\n"));
    assert_non_null(strstr(s, "rate      499 records/s, 0.1 MB/s\n"));
    assert_non_null(strstr(s, "cpu       0.500 s user, 0.250 s sys, 750000 ns/record\n"));
    assert_non_null(strstr(s, "latency   p50 5.0"));
    assert_non_null(strstr(s, "max 10.000 ms\n"));
    assert_non_null(strstr(s, "errors    NOT_ENOUGH_REPLICAS 1, KR_ETIMEDOUT 1\n"));
    free(s);
    memset(&r, 0, sizeof(r));
    s = capture(kr_cli_report_text, &r);
    assert_non_null(strstr(s, "latency   -\n"));
    assert_non_null(strstr(s, "errors    none\n"));
    free(s);
}

static void test_errs(void **state)
{
    (void)state;
    kr_cli_errs_t a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    kr_cli_errs_add(&a, "X", 2);
    kr_cli_errs_add(&a, "X", 3);
    kr_cli_errs_add(&a, NULL, 1);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.e[0].name, "X");
    assert_int_equal(a.e[0].count, 5);
    assert_string_equal(a.e[1].name, "UNKNOWN");
    for (int i = 0; i < KR_CLI_ERRNAMES_MAX + 5; i++) {
        char name[16];
        snprintf(name, sizeof(name), "E%d", i);
        kr_cli_errs_add(&b, name, 1);
    }
    assert_int_equal(b.n, KR_CLI_ERRNAMES_MAX);
    assert_int_equal(b.other, 5);
    kr_cli_errs_merge(&a, &b);
    assert_int_equal(kr_cli_errs_total(&a), 6 + KR_CLI_ERRNAMES_MAX + 5);
    char longname[200];
    memset(longname, 'N', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    memset(&a, 0, sizeof(a));
    kr_cli_errs_add(&a, longname, 1);
    kr_cli_errs_add(&a, longname, 1);
    assert_int_equal(a.n, 1);
    assert_int_equal(strlen(a.e[0].name), KR_CLI_ERRNAME_LEN);
    assert_int_equal(a.e[0].count, 2);
}

static void test_json_escapes(void **state)
{
    (void)state;
    kr_cli_report_t r;
    memset(&r, 0, sizeof(r));
    kr_cli_errs_add(&r.errs, "a\"b\\c\n", 1);
    char *s = capture(kr_cli_report_json, &r);
    assert_non_null(strstr(s, "\"errors\":{\"a\\\"b\\\\c\\u000a\":1}"));
    free(s);
}

static void test_exit(void **state)
{
    (void)state;
    kr_cli_report_t r;
    memset(&r, 0, sizeof(r));
    assert_int_equal(kr_cli_report_exit(&r), KR_CLI_EXIT_OK);
    r.records_sent = r.records_acked = 10;
    assert_int_equal(kr_cli_report_exit(&r), KR_CLI_EXIT_OK);
    r.records_acked = 9;
    assert_int_equal(kr_cli_report_exit(&r), KR_CLI_EXIT_FAIL);
    r.records_acked = 10;
    r.records_failed = 1; /* refused by kr_produce(): never sent */
    assert_int_equal(kr_cli_report_exit(&r), KR_CLI_EXIT_FAIL);
}

static void test_status_line(void **state)
{
    (void)state;
    kr_cli_status_snap_t a = {.t_ns = 1000000000, .acked = 0, .bytes = 0};
    kr_cli_status_snap_t b = {.t_ns = 3000000000,
                              .sent = 2100000,
                              .acked = 2000000,
                              .failed = 3,
                              .in_flight = 100000,
                              .bytes = 2000000ull * 1048576 / 1000,
                              .p99_ns = 4200000};
    char line[256];
    size_t n = kr_cli_status_format(line, sizeof(line), &a, &b);
    assert_int_equal(n, strlen(line));
    assert_null(strchr(line, '\n'));
    assert_non_null(strstr(line, "1000000 rec/s"));
    assert_non_null(strstr(line, "1000.0 MB/s"));
    assert_non_null(strstr(line, "acked 2000000"));
    assert_non_null(strstr(line, "in flight 100000"));
    assert_non_null(strstr(line, "p99 4.2 ms"));
    assert_non_null(strstr(line, "errors 3"));
    char tiny[8];
    assert_int_equal(kr_cli_status_format(tiny, sizeof(tiny), &a, &b), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_fields),  cmocka_unit_test(test_json_empty),
        cmocka_unit_test(test_text),         cmocka_unit_test(test_errs),
        cmocka_unit_test(test_json_escapes), cmocka_unit_test(test_exit),
        cmocka_unit_test(test_status_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
