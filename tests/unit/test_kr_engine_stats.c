/*
 * Statistics (issue 10) against the scripted fake broker: the JSON document parses, has
 * every field docs/OBSERVABILITY.md names, and its counts agree with the delivery
 * reports; kr_stats_partitions() counts errors by code and retries; the round-trip
 * histogram's percentiles; no document when statistics.interval.ms is 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kr_fakebroker.h"
#include "kr_fbh_check.h"
#include "kr_header.h"
#include "kr_kerr.h"
#include "kr_stats.h"

#define TEST_LIMIT_S 60
#define DOC_CAP (256 * 1024)
#define PARTS 4

typedef struct docs {
    uint64_t cnt;
    size_t len;
    char last[DOC_CAP];
} docs_t;

static void on_stats(const char *json, size_t len, void *ctx)
{
    docs_t *d = ctx;
    assert_true(len < DOC_CAP);
    assert_int_equal(json[len], '\0');
    memcpy(d->last, json, len + 1);
    d->len = len;
    d->cnt++;
}

/* ---- a small JSON checker: syntax only, iterative ---- */

static const char *js_ws(const char *s)
{
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
        s++;
    return s;
}

static const char *js_string(const char *s)
{
    if (*s++ != '"')
        return NULL;
    for (; *s != '"'; s++) {
        if ((unsigned char)*s < 0x20)
            return NULL;
        if (*s == '\\' && *++s == '\0')
            return NULL;
    }
    return s + 1;
}

static const char *js_scalar(const char *s)
{
    if (*s == '"')
        return js_string(s);
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++)
        if (strncmp(s, words[i], strlen(words[i])) == 0)
            return s + strlen(words[i]);
    char *end;
    strtod(s, &end);
    return end == s ? NULL : end;
}

/* 1 if s is exactly one JSON value. */
static int json_valid(const char *s)
{
    char stack[64];
    int depth = 0;
    int want_value = 1;
    s = js_ws(s);
    for (;;) {
        if (want_value) {
            if (*s == '{' || *s == '[') {
                if (depth == 64)
                    return 0;
                stack[depth++] = *s == '{' ? '}' : ']';
                s = js_ws(s + 1);
                if (*s == stack[depth - 1]) {
                    want_value = 0;
                    continue;
                }
                if (stack[depth - 1] == '}') {
                    if ((s = js_string(s)) == NULL || *(s = js_ws(s)) != ':')
                        return 0;
                    s = js_ws(s + 1);
                }
                continue;
            }
            if ((s = js_scalar(s)) == NULL)
                return 0;
            want_value = 0;
        }
        s = js_ws(s);
        if (depth == 0)
            return *s == '\0';
        if (*s == stack[depth - 1]) {
            depth--;
            s++;
            continue;
        }
        if (*s != ',')
            return 0;
        s = js_ws(s + 1);
        if (stack[depth - 1] == '}') {
            if ((s = js_string(s)) == NULL || *(s = js_ws(s)) != ':')
                return 0;
            s = js_ws(s + 1);
        }
        want_value = 1;
    }
}

/* The number after "key": at or after `from`; fails the test when absent. */
static long long json_num(const char *from, const char *key)
{
    char pat[80];
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    const char *at = strstr(from, pat);
    if (at == NULL)
        fail_msg("no \"%s\" in the statistics document", key);
    return strtoll(at + strlen(pat), NULL, 10);
}

static void test_json_checker(void **state)
{
    (void)state;
    assert_true(json_valid("{\"a\":[1,2,{\"b\":\"c\\\"\"}],\"d\":{},\"e\":[],\"f\":true}"));
    assert_false(json_valid("{\"a\":1,}"));
    assert_false(json_valid("{\"a\" 1}"));
    assert_false(json_valid("[1,2"));
    assert_false(json_valid("{\"a\":1}}"));
}

/* ---- the document ---- */

static void test_document(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    static docs_t d;
    memset(&d, 0, sizeof(d));
    kr_fb_t *fb = fbh_start(1, PARTS);
    kr_fbh_t h;
    const char *const set[] = {"statistics.interval.ms", "20", "client.id", "st\"ats", NULL};
    assert_int_equal(kr_fbh_open_stats(&h, fb, 3000, set, on_stats, &d), 0);
    fbh_produce_range(&h, 0, 3000, PARTS, 100);
    assert_int_equal(kr_flush(h.p, 20000), 0);
    check_exact(&h, 0, "t", 3000);
    /* a document made after the last report */
    uint64_t seen = d.cnt;
    int64_t until = kr_fbh_now_ms() + 10000;
    while (d.cnt < seen + 1 && kr_fbh_now_ms() < until)
        kr_poll(h.p, 10);
    assert_true(d.cnt > seen);
    if (!json_valid(d.last))
        fail_msg("not JSON: %s", d.last);
    const char *doc = d.last;
    assert_non_null(strstr(doc, "\"name\":\"st\\\"ats\""));
    assert_int_equal(json_num(doc, "records_acked"), 3000);
    assert_int_equal(json_num(doc, "records_failed"), 0);
    assert_int_equal(json_num(doc, "records_in_flight"), 0);
    assert_int_equal(json_num(doc, "bytes_acked"), 3000 * 100);
    assert_true(json_num(doc, "batches_sealed") >= PARTS);
    assert_true(json_num(doc, "buffer_bytes_max") > 0);
    static const char *const fields[] = {
        "records_queued",     "records_sent",      "retries",     "requests_sent",
        "requests_in_flight", "buffer_bytes_used", "batch_fill",  "compression_ratio",
        "metadata_refreshes", "epoch_bumps",       "producer_id", "producer_epoch",
        "rtt_us_p50",         "rtt_us_p99",        "reconnects",  "bytes_out",
        "bytes_in",           "throttle_ms",       "in_flight",   "leader",
        "batches_acked",      "errors_other"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        (void)json_num(doc, fields[i]);
    assert_int_equal(json_num(strstr(doc, "\"brokers\""), "node_id"), 1);
    assert_true(json_num(strstr(doc, "\"brokers\""), "responses") > 0);
    assert_true(json_num(strstr(doc, "\"brokers\""), "rtt_us_p99") >=
                json_num(strstr(doc, "\"brokers\""), "rtt_us_p50"));
    /* per partition: the reports' counts */
    uint64_t per[PARTS] = {0};
    for (size_t i = 0; i < h.dr_cnt && i < h.dr_cap; i++)
        if (h.dr[i].err == 0)
            per[h.dr[i].partition]++;
    const char *at = strstr(doc, "\"topic\":\"t\"");
    assert_non_null(at);
    for (int32_t p = 0; p < PARTS; p++) {
        char pat[32];
        snprintf(pat, sizeof(pat), "{\"partition\":%d,", p);
        const char *ps = strstr(at, pat);
        assert_non_null(ps);
        assert_int_equal(json_num(ps, "records_acked"), per[p]);
        assert_int_equal(json_num(ps, "bytes_acked"), per[p] * 100);
        assert_int_equal(json_num(ps, "leader"), 1);
    }
    kr_stats_t st;
    kr_stats(h.p, &st);
    assert_true(st.stats_documents >= d.cnt);
    assert_int_equal(st.partition_cnt, PARTS);
    fbh_finish(&h);
}

/*
 * Opens h on a fake cluster with topic "t" of two partitions whose Produce answers refuse
 * partition `part` with error e, `count` times (-1: every time), and produces records
 * 0..n-1 of 16 bytes round-robin over the two.
 */
static void produce_refused(kr_fbh_t *h, int count, int32_t part, int16_t e, uint64_t n)
{
    kr_fb_t *fb = fbh_start(1, 2);
    fbh_open(h, fb, n, NULL);
    kr_fb_action_t a = {
        .kind = KR_FB_ANSWER, .count = count, .perr_cnt = 1, .perr = {{"t", part, e}}};
    kr_fb_script(fb, KR_API_Produce, &a);
    fbh_produce_range(h, 0, n, 2, 16);
}

/* A partition error is counted by its name, the batch retried, the rest untouched. */
static void test_errors_by_code(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fbh_t h;
    produce_refused(&h, 1, 0, KR_KERR_NOT_LEADER_OR_FOLLOWER, 200);
    assert_int_equal(kr_flush(h.p, 20000), 0);
    check_exact(&h, 0, "t", 200);
    kr_partition_stats_t ps[4];
    assert_int_equal(kr_stats_partitions(h.p, ps, 4), 2);
    assert_int_equal(kr_stats_partitions(h.p, ps, 1), 2); /* more than fit */
    assert_int_equal(kr_stats_partitions(h.p, ps, 4), 2);
    assert_string_equal(ps[0].topic, "t");
    assert_int_equal(ps[0].partition, 0);
    assert_int_equal(ps[0].error_cnt, 1);
    assert_int_equal(ps[0].errors[0].code, KR_KERR_NOT_LEADER_OR_FOLLOWER);
    assert_string_equal(ps[0].errors[0].name, "NOT_LEADER_OR_FOLLOWER");
    assert_int_equal(ps[0].errors[0].count, 1);
    assert_int_equal(ps[0].retries, 1);
    assert_int_equal(ps[1].error_cnt, 0);
    assert_int_equal(ps[1].retries, 0);
    assert_int_equal(ps[0].records_acked + ps[1].records_acked, 200);
    assert_int_equal(ps[0].records_failed + ps[1].records_failed, 0);
    kr_stats_t st;
    kr_stats(h.p, &st);
    assert_int_equal(st.retries, 1);
    assert_int_equal(st.records_acked, 200);
    assert_int_equal(st.stats_documents, 0); /* statistics.interval.ms 0: none */
    fbh_finish(&h);
}

/* Failed batches are counted per partition as the reports say. */
static void test_failures_counted(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fbh_t h;
    produce_refused(&h, -1, 1, KR_KERR_RECORD_LIST_TOO_LARGE, 100);
    kr_flush(h.p, 20000);
    uint64_t failed = 0;
    for (size_t i = 0; i < h.dr_cnt && i < h.dr_cap; i++)
        failed += h.dr[i].err != 0;
    kr_partition_stats_t ps[2];
    assert_int_equal(kr_stats_partitions(h.p, ps, 2), 2);
    assert_true(failed > 0);
    assert_int_equal(ps[1].records_failed, failed);
    assert_int_equal(ps[0].records_acked, 100 - failed);
    assert_int_equal(ps[1].error_cnt, 1);
    assert_string_equal(ps[1].errors[0].name, "RECORD_LIST_TOO_LARGE");
    kr_stats_t st;
    kr_stats(h.p, &st);
    assert_int_equal(st.records_failed, failed);
    fbh_finish(&h);
}

/* ---- the round-trip histogram ---- */

static void test_rtt_hist(void **state)
{
    (void)state;
    static kr_rtt_hist_t h;
    memset(&h, 0, sizeof(h));
    assert_int_equal(kr_rtt_quantile(&h, 0.5), 0);
    for (uint32_t i = 1; i < KR_RTT_BUCKETS; i++)
        assert_true(kr_rtt_bucket_high(i) > kr_rtt_bucket_high(i - 1));
    for (uint64_t v = 0; v < 100000; v += 7)
        assert_true(kr_rtt_bucket_high(kr_rtt_index(v)) >= v);
    assert_int_equal(kr_rtt_index(UINT64_MAX), KR_RTT_BUCKETS - 1);
    /* 1..1000 us: p50 near 500, p99 near 990, each within a bucket (1/8) */
    for (int64_t v = 1; v <= 1000; v++)
        kr_rtt_record(&h, v);
    int64_t p50 = kr_rtt_quantile(&h, 0.5);
    int64_t p99 = kr_rtt_quantile(&h, 0.99);
    assert_true(p50 >= 500 && p50 <= 500 + 500 / 8);
    assert_true(p99 >= 990 && p99 <= 1000);
    assert_int_equal(kr_rtt_quantile(&h, 1.0), 1000);
    kr_rtt_record(&h, -5); /* a clock step: counted as 0 */
    assert_int_equal(h.count, 1001);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_checker),   cmocka_unit_test(test_document),
        cmocka_unit_test(test_errors_by_code), cmocka_unit_test(test_failures_counted),
        cmocka_unit_test(test_rtt_hist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
