/*
 * Produce against the real broker, then read back by independent tools.
 *
 * For Produce v3, v7, v9 and the highest version the broker offers (v13 on Kafka 4.1,
 * which names the topic by the TopicId from Metadata), each with codec none, LZ4 and (v7+: KIP-110) ZSTD,
 * into its own partition of a topic created here: two requests, a batch of small
 * records (keys, a null key, an empty key and value, a null value, several headers with
 * a null and an empty value, binary bytes, a timestamp below the batch's base) and a
 * batch with a 1 MiB value. Checks the ProduceResponse (no error, base offsets 0 and
 * then the first batch's count, no record errors), then reads every partition back
 * with kcat and compares every key, value, header and timestamp byte for byte, and
 * runs DumpLogSegments: two batches per partition, each `isvalid: true` with the
 * codec sent and the record count sent.
 *
 * A last test sends one request spanning two topics with three partitions each, built
 * the way the engine sends it (kr_ProduceRequest_write_frame and its iovecs), at v3,
 * v9 and the highest version.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kr_kerr.h"
#include "kr_testapi.h"
#include "kr_testbatch.h"
#include "kr_testenv.h"

#define BIG_VALUE_LEN (1u << 20)
#define N_SMALL 8
#define N_BIG 2
#define N_CASES 11

/* One (version, codec) case; partition = its index. version 0: the broker's highest. */
typedef struct produce_case {
    int16_t version;
    int codec;
} produce_case_t;

static produce_case_t cases[N_CASES] = {
    {3, KR_CODEC_NONE}, {3, KR_CODEC_LZ4},  {7, KR_CODEC_NONE}, {7, KR_CODEC_LZ4},
    {9, KR_CODEC_NONE}, {9, KR_CODEC_LZ4},  {0, KR_CODEC_NONE}, {0, KR_CODEC_LZ4},
    {7, KR_CODEC_ZSTD}, {9, KR_CODEC_ZSTD}, {0, KR_CODEC_ZSTD},
};

/* The codec's name as DumpLogSegments prints it (compresscodec). */
static const char *codec_name(int codec)
{
    return codec == KR_CODEC_LZ4 ? "lz4" : codec == KR_CODEC_ZSTD ? "zstd" : "none";
}

static const char *const topic_configs[] = {
    "max.message.bytes=2097152", /* room for the 1 MiB value, compressed or not */
    "compression.type=producer", /* store the codec as sent */
    "message.timestamp.type=CreateTime",
    NULL,
};

static char topic[200];
static uint8_t topic_id[16];
static uint8_t binary[256];
static uint8_t *big_value;
static char text[10000];

/* Headers: several, one with a null value, one empty; text kcat prints unambiguously. */
static const kr_record_header_t hdr_three[] = {
    {"h1", 2, "v1", 2},
    {"h-null", 6, NULL, 0},
    {"h-empty", 7, "", 0},
};
static const kr_record_header_t hdr_one[] = {{"only", 4, "x", 1}};
static const kr_record_header_t hdr_four[] = {
    {"trace-id", 8, "4bf92f3577b34da6a3ce929d0e0e4736", 32},
    {"dup", 3, "first", 5},
    {"dup", 3, "second", 6},
    {"h4", 2, "1", 1},
};
static const kr_record_header_t hdr_big[] = {{"size", 4, "1048576", 7}};

/* Fills the big value: a pseudo-random half (raw LZ4 blocks) and a repetitive half. */
static void fill_values(void)
{
    for (size_t i = 0; i < sizeof(binary); i++)
        binary[i] = (uint8_t)i;
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < BIG_VALUE_LEN / 2; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        big_value[i] = (uint8_t)s;
    }
    for (size_t i = BIG_VALUE_LEN / 2; i < BIG_VALUE_LEN; i++)
        big_value[i] = (uint8_t)("kring big value "[i % 16]);
    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = "the quick brown fox jumps over the lazy dog "[i % 44];
}

/* The small batch: every shape of record the brief names, timestamps around ts. */
static void small_records(kr_test_record_t r[N_SMALL], int64_t ts)
{
    static const uint8_t odd_key[] = {0x00, '\n', 0xff, ' ', 0x80};
    kr_test_record_t v[N_SMALL] = {
        {ts, "key-1", 5, "value-1", 7, hdr_three, 3},
        {ts + 1, NULL, 0, binary, sizeof(binary), NULL, 0},
        {ts + 2, "", 0, "", 0, hdr_one, 1},
        {ts - 1500, "tombstone", 9, NULL, 0, NULL, 0},
        {ts + 3, odd_key, sizeof(odd_key), "line1\nline2\n", 12, hdr_four, 4},
        {ts + 4, "text", 4, text, sizeof(text), hdr_one, 1},
        {ts + 5, NULL, 0, NULL, 0, hdr_three, 3},
        {ts + 6, "key-1", 5, "value-8", 7, NULL, 0},
    };
    memcpy(r, v, sizeof(v));
}

/* The big batch: the 1 MiB value, then one more record. */
static void big_records(kr_test_record_t r[N_BIG], int64_t ts)
{
    kr_test_record_t v[N_BIG] = {
        {ts + 10, "big", 3, big_value, BIG_VALUE_LEN, hdr_big, 1},
        {ts + 11, "after-big", 9, "tail", 4, NULL, 0},
    };
    memcpy(r, v, sizeof(v));
}

static int multi_setup(int16_t top_version);

static int setup(void **state)
{
    big_value = malloc(BIG_VALUE_LEN);
    if (big_value == NULL)
        return -1;
    fill_values();
    kr_test_topic_name(topic, sizeof(topic), "produce");
    if (kr_test_create_topic(topic, N_CASES, topic_configs) != 0)
        return -1;
    if (kr_testapi_conn_setup(state) != 0)
        return -1;
    kr_testconn_t *c = *state;
    kr_testapi_versions_t v;
    kr_testapi_pick(c, &v);
    for (size_t i = 0; i < N_CASES; i++)
        if (cases[i].version == 0)
            cases[i].version = v.produce;
    int32_t partitions;
    kr_testapi_topic_info(c, topic, topic_id, &partitions);
    if (partitions != N_CASES)
        return -1;
    return multi_setup(v.produce);
}

static int teardown(void **state)
{
    free(big_value);
    return kr_testapi_conn_teardown(state);
}

/* Per case: the timestamps it used, so the read-back tests rebuild the same records. */
static int64_t case_ts[N_CASES];
static int produced[N_CASES];

/* Builds a case's two batches (small, big) with the case's codec. */
static void build_case(size_t i, kr_test_batch_t batches[2])
{
    kr_test_record_t small[N_SMALL], big[N_BIG];
    small_records(small, case_ts[i]);
    big_records(big, case_ts[i]);
    kr_test_batch_build(&batches[0], small, N_SMALL, cases[i].codec, NULL);
    kr_test_batch_build(&batches[1], big, N_BIG, cases[i].codec, NULL);
}

/* Checks one partition response: no error, the expected base offset, fields by version. */
static void check_produce_response(const kr_ProducePartitionResponse_t *p, int16_t version,
                                   int64_t base_offset, const char *what)
{
    if (p->ErrorCode != 0)
        fail_msg("%s: error %d (%s) %.*s", what, p->ErrorCode, kr_kerr_name(p->ErrorCode),
                 p->ErrorMessage.len > 0 ? (int)p->ErrorMessage.len : 0, p->ErrorMessage.ptr);
    if (p->BaseOffset != base_offset)
        fail_msg("%s: BaseOffset %lld, want %lld", what, (long long)p->BaseOffset,
                 (long long)base_offset);
    assert_int_equal(p->LogAppendTimeMs, -1); /* CreateTime topic */
    assert_int_equal(p->LogStartOffset, version >= 5 ? 0 : -1);
    assert_int_equal(p->record_error_cnt, 0);
    assert_int_equal(p->ErrorMessage.len, -1);
}

static void test_produce_every_version(void **state)
{
    kr_testconn_t *c = *state;
    int64_t now = kr_test_now_ms();
    for (size_t i = 0; i < N_CASES; i++) {
        char what[64];
        snprintf(what, sizeof(what), "Produce v%d %s", cases[i].version,
                 codec_name(cases[i].codec));
        case_ts[i] = now - 60000 + (int64_t)i * 1000;
        kr_test_batch_t batches[2];
        build_case(i, batches);
        kr_testapi_target_t t = {topic, {0}, (int32_t)i};
        memcpy(t.topic_id, topic_id, 16);
        kr_ProducePartitionResponse_t p;
        kr_testapi_produce(c, cases[i].version, -1, &t, batches[0].data, batches[0].len, &p);
        check_produce_response(&p, cases[i].version, 0, what);
        kr_testapi_produce(c, cases[i].version, -1, &t, batches[1].data, batches[1].len, &p);
        check_produce_response(&p, cases[i].version, N_SMALL, what);
        kr_test_batch_free(&batches[0]);
        kr_test_batch_free(&batches[1]);
        produced[i] = 1;
    }
}

/* Compares one partition read back by kcat with the records its case sent. */
static void check_partition_kcat(size_t i)
{
    kr_test_record_t want[N_SMALL + N_BIG];
    small_records(want, case_ts[i]);
    big_records(want + N_SMALL, case_ts[i]);
    kr_test_msgs_t got;
    assert_int_equal(kr_test_kcat_consume(topic, (int32_t)i, &got), 0);
    if (got.n != N_SMALL + N_BIG)
        fail_msg("partition %zu: kcat read %zu records, sent %d", i, got.n, N_SMALL + N_BIG);
    for (size_t k = 0; k < got.n; k++) {
        char what[96];
        snprintf(what, sizeof(what), "Produce v%d %s record %zu", cases[i].version,
                 codec_name(cases[i].codec), k);
        assert_int_equal(got.v[k].partition, (int32_t)i);
        kr_test_check_record(&got.v[k], &want[k], (int64_t)k, what);
    }
    kr_test_msgs_free(&got);
}

static void test_read_back_kcat(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES; i++) {
        assert_true(produced[i]);
        check_partition_kcat(i);
    }
}

/* Checks a DumpLogSegments batch line: valid, the codec and record count sent. */
static void check_batch_line(const char *line, int codec, int count, const char *what)
{
    char v[64];
    assert_int_equal(kr_test_batch_field(line, "isvalid", v, sizeof(v)), 0);
    if (strcmp(v, "true") != 0)
        fail_msg("%s: isvalid: %s\n%s", what, v, line);
    assert_int_equal(kr_test_batch_field(line, "compresscodec", v, sizeof(v)), 0);
    const char *want = codec_name(codec);
    if (strcmp(v, want) != 0)
        fail_msg("%s: compresscodec: %s, sent %s\n%s", what, v, want, line);
    assert_int_equal(kr_test_batch_field(line, "count", v, sizeof(v)), 0);
    assert_int_equal(atoi(v), count);
    assert_int_equal(kr_test_batch_field(line, "producerId", v, sizeof(v)), 0);
    assert_string_equal(v, "-1");
}

/* The batch lines of partition i, in log order; fails unless there are exactly two. */
static void partition_batches(const kr_test_batches_t *b, size_t i, const char *lines[2],
                              const char *what)
{
    size_t n = 0;
    for (size_t k = 0; k < b->n; k++)
        if (b->partition[k] == (int32_t)i && n++ < 2)
            lines[n - 1] = b->line[k];
    if (n != 2)
        fail_msg("%s: DumpLogSegments shows %zu batches, sent 2", what, n);
}

/* Every partition's segments, dumped in one JVM run. */
static void test_dump_log_segments(void **state)
{
    (void)state;
    kr_test_batches_t b;
    assert_int_equal(kr_test_dump_batches(topic, -1, &b), 0);
    for (size_t i = 0; i < N_CASES; i++) {
        assert_true(produced[i]);
        char what[64];
        snprintf(what, sizeof(what), "Produce v%d %s", cases[i].version,
                 codec_name(cases[i].codec));
        const char *lines[2];
        partition_batches(&b, i, lines, what);
        check_batch_line(lines[0], cases[i].codec, N_SMALL, what);
        check_batch_line(lines[1], cases[i].codec, N_BIG, what);
    }
    kr_test_batches_free(&b);
}

/* ---- one request, many topics and partitions ---- */

#define MULTI_TOPICS 2
#define MULTI_PARTS 3
#define MULTI_RECS 2
#define MULTI_VERSIONS 3

static char multi_topic[MULTI_TOPICS][200];
static uint8_t multi_id[MULTI_TOPICS][16];
static int16_t multi_versions[MULTI_VERSIONS] = {3, 9, 0};
static int64_t multi_ts;

/* Key and value text of one record of the multi test, in static storage. */
static char multi_text[MULTI_VERSIONS][MULTI_TOPICS][MULTI_PARTS][MULTI_RECS][2][48];

/* Creates the multi topics and sets the multi versions' highest one. */
static int multi_setup(int16_t top_version)
{
    for (size_t t = 0; t < MULTI_TOPICS; t++) {
        char what[16];
        snprintf(what, sizeof(what), "multi%zu", t);
        kr_test_topic_name(multi_topic[t], sizeof(multi_topic[t]), what);
        if (kr_test_create_topic(multi_topic[t], MULTI_PARTS, topic_configs) != 0)
            return -1;
    }
    multi_versions[MULTI_VERSIONS - 1] = top_version;
    multi_ts = kr_test_now_ms() - 30000;
    return 0;
}

/* The records of (version index, topic, partition). */
static void multi_records(size_t vi, size_t t, size_t p, kr_test_record_t r[MULTI_RECS])
{
    for (size_t k = 0; k < MULTI_RECS; k++) {
        char *key = multi_text[vi][t][p][k][0], *val = multi_text[vi][t][p][k][1];
        snprintf(key, 48, "t%zu-p%zu-v%zu-k%zu", t, p, vi, k);
        snprintf(val, 48, "value of t%zu p%zu v%zu r%zu", t, p, vi, k);
        kr_test_record_t rec = {
            multi_ts + (int64_t)(vi * 10 + k), key,           strlen(key), val, strlen(val),
            k == 0 ? hdr_one : NULL,           k == 0 ? 1 : 0};
        r[k] = rec;
    }
}

#define MULTI_GAPS (MULTI_TOPICS * MULTI_PARTS)

/* Concatenates iov[0..n) into flat[0..size); fails unless they fill it exactly. */
static void flatten(const struct iovec *iov, size_t n, uint8_t *flat, size_t size)
{
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(off + iov[i].iov_len <= size);
        memcpy(flat + off, iov[i].iov_base, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    assert_int_equal(off, size);
}

/*
 * Writes the request as the engine does (frame without the records, then the iovecs
 * interleaving frame pieces and batches) and flattens it for the blocking socket.
 * Checks it is byte for byte what kr_ProduceRequest_write() writes.
 */
static uint8_t *multi_request(const kr_RequestHeader_t *h, const kr_ProduceRequest_t *req,
                              size_t *len)
{
    size_t frame_len = kr_ProduceRequest_frame_size(h, req);
    size_t size = kr_ProduceRequest_size(h, req);
    uint8_t *frame = malloc(frame_len), *flat = malloc(size), *whole = malloc(size);
    assert_true(frame != NULL && flat != NULL && whole != NULL);
    size_t gaps[MULTI_GAPS];
    kr_wbuf_t w;
    kr_wbuf_init(&w, frame, frame_len);
    assert_int_equal(kr_ProduceRequest_write_frame(&w, h, req, gaps, MULTI_GAPS), 0);
    assert_int_equal(kr_wbuf_len(&w), frame_len);
    struct iovec iov[2 * MULTI_GAPS + 1];
    size_t n = kr_ProduceRequest_iov(frame, frame_len, gaps, req, iov, 2 * MULTI_GAPS + 1);
    assert_int_equal(n, 2 * MULTI_GAPS + 1);
    flatten(iov, n, flat, size);
    kr_wbuf_init(&w, whole, size);
    assert_int_equal(kr_ProduceRequest_write(&w, h, req), 0);
    assert_memory_equal(flat, whole, size);
    free(frame);
    free(whole);
    *len = size;
    return flat;
}

/* The multi topic a response entry answers (by name, or by id at v13), or -1. */
static int multi_topic_index(const kr_ProduceTopicResponse_t *tr, int16_t version)
{
    for (int t = 0; t < MULTI_TOPICS; t++) {
        if (version >= KR_PRODUCE_VERSION_TOPICID) {
            if (memcmp(tr->TopicId, multi_id[t], 16) == 0)
                return t;
        } else if (tr->Name.len == (int32_t)strlen(multi_topic[t]) &&
                   memcmp(tr->Name.ptr, multi_topic[t], (size_t)tr->Name.len) == 0) {
            return t;
        }
    }
    return -1;
}

/*
 * Checks the response to a multi request: every topic and partition once (the broker
 * need not keep the request's order), no error, the expected base offset.
 */
static void multi_check_response(const kr_ProduceResponse_t *resp, int16_t version,
                                 int64_t base_offset)
{
    int seen[MULTI_TOPICS][MULTI_PARTS] = {{0}};
    assert_int_equal(resp->topic_cnt, MULTI_TOPICS);
    for (int32_t i = 0; i < resp->topic_cnt; i++) {
        const kr_ProduceTopicResponse_t *tr = &resp->Responses[i];
        int t = multi_topic_index(tr, version);
        assert_true(t >= 0);
        assert_int_equal(tr->part_cnt, MULTI_PARTS);
        for (int32_t k = 0; k < tr->part_cnt; k++) {
            const kr_ProducePartitionResponse_t *p = &tr->parts[k];
            if (p->ErrorCode != 0)
                fail_msg("v%d topic %d partition %d: error %d (%s)", version, t, (int)p->Index,
                         p->ErrorCode, kr_kerr_name(p->ErrorCode));
            assert_in_range(p->Index, 0, MULTI_PARTS - 1);
            assert_false(seen[t][p->Index]);
            seen[t][p->Index] = 1;
            assert_int_equal(p->BaseOffset, base_offset);
        }
    }
}

/* Builds the batches of one multi request; codecs alternate across partitions. */
static void multi_build(size_t vi, kr_test_batch_t b[MULTI_TOPICS][MULTI_PARTS],
                        kr_ProducePartition_t parts[MULTI_TOPICS][MULTI_PARTS],
                        kr_ProduceTopic_t topics[MULTI_TOPICS])
{
    for (size_t t = 0; t < MULTI_TOPICS; t++) {
        for (size_t p = 0; p < MULTI_PARTS; p++) {
            kr_test_record_t recs[MULTI_RECS];
            multi_records(vi, t, p, recs);
            int codec = (t + p) % 2 ? KR_CODEC_LZ4 : KR_CODEC_NONE;
            kr_test_batch_build(&b[t][p], recs, MULTI_RECS, codec, NULL);
            kr_ProducePartition_t part = {(int32_t)p, b[t][p].data, b[t][p].len};
            parts[t][p] = part;
        }
        kr_ProduceTopic_t topic_data = {
            multi_topic[t], strlen(multi_topic[t]), {0}, MULTI_PARTS, parts[t]};
        memcpy(topic_data.TopicId, multi_id[t], 16);
        topics[t] = topic_data;
    }
}

/* One request to every partition of both multi topics at `version`. */
static void multi_send(kr_testconn_t *c, size_t vi, int16_t version)
{
    kr_test_batch_t b[MULTI_TOPICS][MULTI_PARTS];
    kr_ProducePartition_t parts[MULTI_TOPICS][MULTI_PARTS];
    kr_ProduceTopic_t topics[MULTI_TOPICS];
    multi_build(vi, b, parts, topics);
    kr_ProduceRequest_t req = {NULL, 0, -1, 30000, MULTI_TOPICS, topics};
    kr_RequestHeader_t h = kr_testnet_header(c, KR_API_Produce, version);
    size_t len;
    uint8_t *buf = multi_request(&h, &req, &len);
    kr_rbuf_t r;
    int rc = kr_testnet_call_raw(c, buf, len, &r);
    free(buf);
    assert_int_equal(rc, 0);
    kr_ProduceTopicResponse_t tr[MULTI_TOPICS];
    kr_ProducePartitionResponse_t pr[MULTI_TOPICS * MULTI_PARTS];
    kr_ProduceResponse_t resp = {.topic_pool = tr,
                                 .topic_cap = MULTI_TOPICS,
                                 .part_pool = pr,
                                 .part_cap = MULTI_TOPICS * MULTI_PARTS};
    assert_int_equal(kr_ProduceResponse_read(&r, version, &resp), 0);
    multi_check_response(&resp, version, (int64_t)(vi * MULTI_RECS));
    for (size_t t = 0; t < MULTI_TOPICS; t++)
        for (size_t p = 0; p < MULTI_PARTS; p++)
            kr_test_batch_free(&b[t][p]);
}

/* Every multi partition read back: the records of each version, in order. */
static void multi_check_kcat(void)
{
    for (size_t t = 0; t < MULTI_TOPICS; t++) {
        for (size_t p = 0; p < MULTI_PARTS; p++) {
            kr_test_msgs_t got;
            assert_int_equal(kr_test_kcat_consume(multi_topic[t], (int32_t)p, &got), 0);
            assert_int_equal(got.n, MULTI_VERSIONS * MULTI_RECS);
            for (size_t vi = 0; vi < MULTI_VERSIONS; vi++) {
                kr_test_record_t want[MULTI_RECS];
                multi_records(vi, t, p, want);
                for (size_t k = 0; k < MULTI_RECS; k++) {
                    size_t off = vi * MULTI_RECS + k;
                    kr_test_check_record(&got.v[off], &want[k], (int64_t)off, multi_topic[t]);
                }
            }
            kr_test_msgs_free(&got);
        }
    }
}

static void test_multi_topic_request(void **state)
{
    kr_testconn_t *c = *state;
    for (size_t t = 0; t < MULTI_TOPICS; t++) {
        int32_t partitions;
        kr_testapi_topic_info(c, multi_topic[t], multi_id[t], &partitions);
        assert_int_equal(partitions, MULTI_PARTS);
    }
    for (size_t vi = 0; vi < MULTI_VERSIONS; vi++)
        multi_send(c, vi, multi_versions[vi]);
    multi_check_kcat();
}

int main(void)
{
    kr_testenv_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_produce_every_version),
        cmocka_unit_test(test_read_back_kcat),
        cmocka_unit_test(test_dump_log_segments),
        cmocka_unit_test(test_multi_topic_request),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
