/*
 * The engine against the scripted fake broker: the happy paths. Every record acked once,
 * in order per partition, with the offset the broker's log gives it, across the
 * versions, acks settings and codecs kring speaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kr_fakebroker.h"
#include "kr_fbh_check.h"
#include "kr_header.h"

#define TEST_LIMIT_S 60

/* n records round-robin over the partitions of `name`; flush; exactness. */
static void run_simple(const kr_fb_conf_t *fc, const char *const *settings, int32_t parts,
                       uint64_t n)
{
    kr_fbh_t h;
    fbh_open(&h, fbh_start_conf(fc), n, settings);
    fbh_produce_range(&h, 0, n, parts, 100);
    fbh_flush_exact(&h, 20000, n);
    assert_int_equal(h.dr_cnt, n);
    fbh_finish(&h);
}

static void test_acked_in_order(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    kr_fb_conf_topic(&fc, "t", 4);
    run_simple(&fc, NULL, 4, 5000);
}

/* Three nodes, leaders spread over them: one connection and one request stream each. */
static void test_three_nodes(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fbh_t h;
    fbh_open(&h, fbh_start(3, 12), 6000, NULL);
    fbh_produce_range(&h, 0, 6000, 12, 50);
    fbh_flush_exact(&h, 20000, 6000);
    for (int node = 2; node <= 3; node++)
        assert_true(kr_fb_connections(h.fb, node) >= 1);
    kr_stats_t st;
    kr_stats(h.p, &st);
    assert_int_equal(st.records_acked, 6000);
    assert_int_equal(st.records_failed, 0);
    assert_int_equal(st.records_queued, 6000);
    fbh_finish(&h);
}

/* Records with KR_PARTITION_ANY, keyed and unkeyed, go where the partitioner says. */
static void test_partition_any(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fbh_t h;
    fbh_open(&h, fbh_start(1, 6), 3000, NULL);
    for (uint64_t i = 0; i < 3000; i++)
        assert_int_equal(kr_fbh_produce(&h, "t", KR_PARTITION_ANY, i, 30), 0);
    fbh_flush_exact(&h, 20000, 3000);
    fbh_finish(&h);
}

/* Two topics in one producer: one Produce request carries both. */
static void test_two_topics(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    kr_fb_conf_topic(&fc, "a", 3);
    kr_fb_conf_topic(&fc, "b", 2);
    kr_fb_t *fb = fbh_start_conf(&fc);
    kr_fbh_t h;
    fbh_open(&h, fb, 2000, NULL);
    /* ids 0..999 to a, 1000..1999 to b, interleaved */
    for (uint64_t i = 0; i < 1000; i++) {
        assert_int_equal(kr_fbh_produce(&h, "a", (int32_t)(i % 3), i, 40), 0);
        assert_int_equal(kr_fbh_produce(&h, "b", (int32_t)(i % 2), 1000 + i, 40), 0);
    }
    assert_int_equal(kr_flush(h.p, 20000), 0);
    assert_int_equal(h.ok, 2000);
    for (size_t i = 0; i < h.dr_cnt; i++) {
        const kr_fbh_dr_t *r = &h.dr[i];
        int t = r->id < 1000 ? 0 : 1;
        assert_int_equal(kr_fb_log_id(fb, t, r->partition, r->offset), r->id);
    }
    assert_int_equal(kr_fb_log_len(fb, 0, 0) + kr_fb_log_len(fb, 0, 1) + kr_fb_log_len(fb, 0, 2),
                     1000);
    assert_int_equal(kr_fb_log_len(fb, 1, 0) + kr_fb_log_len(fb, 1, 1), 1000);
    check_no_violations(fb);
    fbh_finish(&h);
}

/*
 * Partitions added to a topic mid-run: the next metadata refresh (metadata.max.age.ms)
 * grows the producer's table, records sent to the new partitions land there, unkeyed
 * records spread over the new count, and the records already queued on the old
 * partitions keep their sequences: every record exactly once.
 */
static void test_partitions_added(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    fc.nodes = 2;
    kr_fb_conf_topic(&fc, "t", 4);
    kr_fb_t *fb = kr_fb_start(&fc);
    assert_non_null(fb);
    kr_fbh_t h;
    const char *const settings[] = {"metadata.max.age.ms", "1000", NULL};
    enum { N = 6000 };
    assert_int_equal(kr_fbh_open(&h, fb, N, settings), 0);
    uint64_t id = 0;
    for (; id < 1000; id++)
        assert_int_equal(kr_fbh_produce(&h, "t", (int32_t)(id % 4), id, 60), 0);
    /* Partition 6 does not exist yet. */
    kr_record_t rec = {.topic = "t", .partition = 6, .value = "x", .value_len = 1};
    assert_int_equal(kr_produce(h.p, &rec), KR_EUNKNOWNPART);
    kr_fb_add_partitions(fb, 0, 8);
    /* Records keep flowing to the old partitions until a refresh shows the new ones. */
    int rc = KR_EUNKNOWNPART;
    for (int64_t until = kr_fbh_now_ms() + 20000; id < N / 2 && kr_fbh_now_ms() < until; id++) {
        rc = kr_fbh_produce(&h, "t", 6, id, 60);
        if (rc != KR_EUNKNOWNPART)
            break;
        assert_int_equal(kr_fbh_produce(&h, "t", (int32_t)(id % 4), id, 60), 0);
        kr_poll(h.p, 1);
    }
    assert_int_equal(rc, 0); /* id went to partition 6 */
    for (id++; id < N - 2000; id++)
        assert_int_equal(kr_fbh_produce(&h, "t", (int32_t)(id % 8), id, 60), 0);
    for (; id < N; id++)
        assert_int_equal(kr_fbh_produce(&h, "t", KR_PARTITION_ANY, id, 60), 0);
    assert_int_equal(kr_flush(h.p, 20000), 0);
    check_exact(&h, 0, "t", N);
    check_no_violations(fb);
    for (int32_t p = 4; p < 8; p++)
        assert_true(kr_fb_log_len(fb, 0, p) > 0);
    kr_fbh_close(&h, 1000);
    kr_fb_stop(fb);
}

/* Each Produce version kring speaks, with Metadata versions to match (v13: topic ids). */
static void test_versions(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    static const int16_t produce[] = {3, 5, 7, 8, 9, 10, 11, 12, 13};
    static const int16_t metadata[] = {1, 4, 7, 8, 9, 10, 11, 12, 13};
    for (size_t i = 0; i < sizeof(produce) / sizeof(produce[0]); i++) {
        kr_fb_conf_t fc;
        kr_fb_conf_defaults(&fc);
        fc.produce_max = produce[i];
        fc.metadata_max = metadata[i];
        fc.initpid_max = (int16_t)(i % 6);
        kr_fb_conf_topic(&fc, "t", 3);
        print_message("Produce v%d, Metadata v%d, InitProducerId v%d\n", produce[i], metadata[i],
                      fc.initpid_max);
        run_simple(&fc, NULL, 3, 300);
    }
}

/* A broker that knows ApiVersions v0..v2 only: error 35, kring retries lower. */
static void test_apiversions_fallback(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    for (int16_t v = 0; v <= 2; v++) {
        kr_fb_conf_t fc;
        kr_fb_conf_defaults(&fc);
        fc.apiversions_max = v;
        kr_fb_conf_topic(&fc, "t", 2);
        run_simple(&fc, NULL, 2, 100);
    }
}

static void test_acks_1_and_codecs(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    static const char *const acks1[] = {"acks", "1", NULL};
    static const char *const none[] = {"compression.type", "none", NULL};
    static const char *const both[] = {
        "acks", "1", "compression.type", "none", "enable.idempotence", "false", NULL};
    static const char *const zstd[] = {"compression.type", "zstd", NULL};
    static const char *const zstd9[] = {
        "compression.type", "zstd", "compression.level", "9", "acks", "1", NULL};
    const char *const *sets[] = {acks1, none, both, zstd, zstd9};
    for (int i = 0; i < 5; i++) {
        kr_fb_conf_t fc;
        kr_fb_conf_defaults(&fc);
        kr_fb_conf_topic(&fc, "t", 3);
        run_simple(&fc, sets[i], 3, 2000);
    }
}

/* acks=0: no response at all; every record reported sent (offset -1), all in the log. */
static void test_acks_0(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_t *fb = fbh_start(1, 3);
    kr_fbh_t h;
    static const char *const set[] = {"acks", "0", NULL};
    fbh_open(&h, fb, 3000, set);
    fbh_produce_range(&h, 0, 3000, 3, 64);
    assert_int_equal(kr_flush(h.p, 20000), 0);
    assert_int_equal(h.dr_cnt, 3000);
    assert_int_equal(h.ok, 3000);
    for (size_t i = 0; i < h.dr_cnt; i++)
        assert_int_equal(h.dr[i].offset, -1);
    /* The fake reads what was sent at its own pace. */
    int64_t until = kr_fbh_now_ms() + 5000;
    int64_t total = 0;
    while (kr_fbh_now_ms() < until) {
        total = kr_fb_log_len(fb, 0, 0) + kr_fb_log_len(fb, 0, 1) + kr_fb_log_len(fb, 0, 2);
        if (total >= 3000)
            break;
        kr_poll(h.p, 10);
    }
    assert_int_equal(total, 3000);
    assert_int_equal(kr_fb_last_acks(fb), 0);
    assert_int_equal(kr_fb_requests(fb, KR_API_InitProducerId), 0);
    check_no_violations(fb);
    fbh_finish(&h);
}

/* Idempotent by default (acks=all): one InitProducerId, batches numbered 0, n, 2n... */
static void test_idempotent_sequences(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_t *fb = fbh_start(1, 2);
    kr_fbh_t h;
    fbh_open(&h, fb, 4000, NULL);
    fbh_produce_range(&h, 0, 4000, 2, 100);
    fbh_flush_exact(&h, 20000, 4000);
    kr_fb_pid_t pids[8];
    assert_int_equal(kr_fb_pids(fb, pids, 8), 1);
    assert_int_equal(pids[0].req_id, -1);
    assert_int_equal(kr_fb_last_acks(fb), -1);
    static kr_fb_batch_t bs[KR_FB_JOURNAL_MAX];
    int nb = kr_fb_batches(fb, bs, KR_FB_JOURNAL_MAX);
    int32_t next[2] = {0, 0};
    for (int i = 0; i < nb; i++) {
        assert_int_equal(bs[i].producer_id, pids[0].resp_id);
        assert_int_equal(bs[i].producer_epoch, pids[0].resp_epoch);
        assert_int_equal(bs[i].base_sequence, next[bs[i].partition]);
        assert_int_equal(bs[i].error, 0);
        next[bs[i].partition] += bs[i].count;
    }
    assert_int_equal(next[0] + next[1], 4000);
    fbh_finish(&h);
}

/* Records for a topic the cluster does not have fail with its error; no hang. */
static void test_unknown_topic(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fbh_t h;
    static const char *const set[] = {"topic.metadata.propagation.max.ms", "300", NULL};
    fbh_open(&h, fbh_start(1, 1), 10, set);
    for (uint64_t i = 0; i < 5; i++)
        assert_int_equal(kr_fbh_produce(&h, "nope", KR_PARTITION_ANY, i, 10), 0);
    int64_t t0 = kr_fbh_now_ms();
    assert_int_equal(kr_flush(h.p, 8000), 0);
    assert_true(kr_fbh_now_ms() - t0 < 5000);
    assert_int_equal(h.failed, 5);
    for (size_t i = 0; i < h.dr_cnt; i++)
        assert_string_equal(h.dr[i].error_name, "UNKNOWN_TOPIC_OR_PARTITION");
    check_no_violations(h.fb);
    fbh_finish(&h);
}

/* What a describe callback saw, copied out (its view is valid only during the call). */
typedef struct described {
    int calls;
    int32_t brokers;
    int32_t node_ids_sum;
    int32_t topics;
    char topic[16];
    int32_t parts;
    int32_t parts_led; /* partitions with a leader among the brokers */
    int16_t topic_error;
} described_t;

static void on_describe(const kr_metadata_t *md, void *ctx)
{
    described_t *d = ctx;
    d->calls++;
    d->brokers = md->broker_cnt;
    for (int32_t i = 0; i < md->broker_cnt; i++)
        d->node_ids_sum += md->brokers[i].node_id;
    d->topics = md->topic_cnt;
    if (md->topic_cnt < 1)
        return;
    const kr_metadata_topic_t *t = &md->topics[0];
    snprintf(d->topic, sizeof(d->topic), "%s", t->name);
    d->topic_error = t->error;
    d->parts = t->partition_cnt;
    for (int32_t i = 0; i < t->partition_cnt; i++)
        if (t->partitions[i].leader >= 1 && t->partitions[i].leader <= md->broker_cnt)
            d->parts_led++;
}

/* kr_metadata_describe: the caller's view of the cluster, one topic and all of them. */
static void test_describe(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    fc.nodes = 2;
    kr_fb_conf_topic(&fc, "t", 5);
    kr_fb_conf_topic(&fc, "u", 1);
    kr_fbh_t h;
    fbh_open(&h, fbh_start_conf(&fc), 10, NULL);
    described_t d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(kr_metadata_describe(h.p, "t", 10000, on_describe, &d), 0);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.brokers, 2);
    assert_int_equal(d.node_ids_sum, 1 + 2);
    assert_int_equal(d.topics, 1);
    assert_string_equal(d.topic, "t");
    assert_int_equal(d.topic_error, 0);
    assert_int_equal(d.parts, 5);
    assert_int_equal(d.parts_led, 5);
    memset(&d, 0, sizeof(d));
    assert_int_equal(kr_metadata_describe(h.p, NULL, 10000, on_describe, &d), 0);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.topics, 2);
    check_no_violations(h.fb);
    fbh_finish(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acked_in_order),
        cmocka_unit_test(test_three_nodes),
        cmocka_unit_test(test_partition_any),
        cmocka_unit_test(test_two_topics),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_apiversions_fallback),
        cmocka_unit_test(test_acks_1_and_codecs),
        cmocka_unit_test(test_acks_0),
        cmocka_unit_test(test_idempotent_sequences),
        cmocka_unit_test(test_unknown_topic),
        cmocka_unit_test(test_partitions_added),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
