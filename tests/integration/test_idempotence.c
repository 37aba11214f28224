/*
 * Idempotence at the protocol level against the real broker, at the versions kring
 * picks (InitProducerId 5, Produce 13 on Kafka 4.1), acks=-1, one partition.
 *
 * - InitProducerId, then batches with base sequences 0, 3, 6, 9, 12 (three records
 *   each, codecs alternating): appended at offsets 0, 3, 6, 9, 12.
 * - An earlier batch and the last batch resent byte for byte: answered without error
 *   and with the offset they were first written at, and not appended again.
 * - A batch that skips a sequence (16 after 14): OUT_OF_ORDER_SEQUENCE_NUMBER (45),
 *   nothing appended; then the right next batch (15) is appended at 15.
 * - The epoch bump an idempotent producer does itself (KIP-360; the broker only hands
 *   out a new producer id, see test_initpid): a batch already built is restamped
 *   (kr_batch_restamp) with epoch + 1 and sequence 0 and accepted; the old epoch is
 *   then fenced (INVALID_PRODUCER_EPOCH, 47).
 * - Independent readers: GetOffsetShell's log end offset, kcat's records (every one
 *   once, in order, byte for byte), DumpLogSegments' batches (producer id, epoch,
 *   base sequence, valid CRC).
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

#define PER_BATCH 3
#define IN_ORDER 5 /* batches with sequences 0..14 */
#define MAX_RECORDS 64

static char topic[200];
static kr_testapi_versions_t versions;
static kr_testapi_target_t target;
static int64_t producer_id;
static int16_t producer_epoch;
static int64_t base_ts;

/* What the log should hold, in order: the record numbers written so far. */
static int written[MAX_RECORDS];
static size_t written_n;

/* Key and value text of record number n, in static storage. */
static char rec_text[MAX_RECORDS][2][32];
static const kr_record_header_t hdr_seq[] = {{"producer", 8, "kring-idempotence-test", 22}};

/* Record number n: key "idem-<n>", value "seq-<n>", a header on every third. */
static kr_test_record_t record(int n)
{
    assert_in_range(n, 0, MAX_RECORDS - 1);
    char *key = rec_text[n][0], *val = rec_text[n][1];
    snprintf(key, 32, "idem-%d", n);
    snprintf(val, 32, "seq-%d", n);
    kr_test_record_t r = {
        base_ts + n,       key, strlen(key), val, strlen(val), n % 3 == 0 ? hdr_seq : NULL,
        n % 3 == 0 ? 1 : 0};
    return r;
}

/* A batch of records first..first+PER_BATCH-1 with base sequence `seq` and `epoch`. */
static void build(kr_test_batch_t *b, int first, int32_t seq, int16_t epoch)
{
    kr_test_record_t recs[PER_BATCH];
    for (int i = 0; i < PER_BATCH; i++)
        recs[i] = record(first + i);
    kr_batch_producer_t p = {producer_id, epoch, seq, false};
    kr_test_batch_build(b, recs, PER_BATCH, first % 2 ? KR_CODEC_LZ4 : KR_CODEC_NONE, &p);
}

/* Sends one batch; returns the partition's ErrorCode, *base_offset its BaseOffset. */
static int16_t send(kr_testconn_t *c, const kr_test_batch_t *b, int64_t *base_offset)
{
    kr_ProducePartitionResponse_t p;
    kr_testapi_produce(c, versions.produce, -1, &target, b->data, b->len, &p);
    *base_offset = p.BaseOffset;
    return p.ErrorCode;
}

/* Sends a batch that must be appended at `offset`; records it as written. */
static void send_ok(kr_testconn_t *c, const kr_test_batch_t *b, int first, int64_t offset)
{
    int64_t got;
    int16_t err = send(c, b, &got);
    if (err != 0)
        fail_msg("records %d..: error %d (%s)", first, err, kr_kerr_name(err));
    assert_int_equal(got, offset);
    for (int i = 0; i < PER_BATCH; i++)
        written[written_n++] = first + i;
}

static int setup(void **state)
{
    kr_test_topic_name(topic, sizeof(topic), "idempotence");
    if (kr_test_create_topic(topic, 1, NULL) != 0 || kr_testapi_conn_setup(state) != 0)
        return -1;
    kr_testconn_t *c = *state;
    kr_testapi_pick(c, &versions);
    int32_t partitions;
    target.topic = topic;
    target.partition = 0;
    kr_testapi_topic_info(c, topic, target.topic_id, &partitions);
    kr_InitProducerIdRequest_t req = {NULL, 0, 60000, -1, -1};
    kr_InitProducerIdResponse_t resp;
    kr_testapi_initpid(c, versions.initpid, &req, &resp);
    if (resp.ErrorCode != 0 || resp.ProducerId < 0 || resp.ProducerEpoch < 0)
        return -1;
    producer_id = resp.ProducerId;
    producer_epoch = resp.ProducerEpoch;
    base_ts = kr_test_now_ms() - 10000;
    return 0;
}

/* Sequences 0..14 in five batches, duplicates, a gap, then the right next batch. */
static void test_sequences(void **state)
{
    kr_testconn_t *c = *state;
    kr_test_batch_t b[IN_ORDER + 2];
    for (int i = 0; i < IN_ORDER; i++) {
        build(&b[i], i * PER_BATCH, i * PER_BATCH, producer_epoch);
        send_ok(c, &b[i], i * PER_BATCH, i * PER_BATCH);
    }
    /* Duplicates of an earlier and of the last batch: the first offsets, no append. */
    int64_t off;
    assert_int_equal(send(c, &b[1], &off), 0);
    assert_int_equal(off, 1 * PER_BATCH);
    assert_int_equal(send(c, &b[IN_ORDER - 1], &off), 0);
    assert_int_equal(off, (IN_ORDER - 1) * PER_BATCH);
    /* A gap: sequence 16 when 15 is next. */
    int next = IN_ORDER * PER_BATCH;
    build(&b[IN_ORDER], next + 1, next + 1, producer_epoch);
    int16_t err = send(c, &b[IN_ORDER], &off);
    if (err != KR_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER)
        fail_msg("sequence gap: error %d (%s), want 45", err, kr_kerr_name(err));
    /* The broker still expects 15. */
    build(&b[IN_ORDER + 1], next, next, producer_epoch);
    send_ok(c, &b[IN_ORDER + 1], next, next);
    for (int i = 0; i < IN_ORDER + 2; i++)
        kr_test_batch_free(&b[i]);
}

/*
 * The client-side epoch bump: a batch built for the old epoch, restamped with
 * epoch + 1 and sequence 0, is accepted; the old epoch is fenced afterwards.
 */
static void test_epoch_bump(void **state)
{
    kr_testconn_t *c = *state;
    assert_int_equal(written_n, (IN_ORDER + 1) * PER_BATCH);
    int first = (int)written_n;
    kr_test_batch_t b;
    build(&b, first, first, producer_epoch);
    kr_batch_restamp(b.data, b.len, producer_id, (int16_t)(producer_epoch + 1), 0);
    send_ok(c, &b, first, first);
    kr_test_batch_free(&b);
    /* The old epoch's next sequence is refused. */
    build(&b, first + PER_BATCH, first, producer_epoch);
    int64_t off;
    int16_t err = send(c, &b, &off);
    if (err != KR_KERR_INVALID_PRODUCER_EPOCH)
        fail_msg("old epoch: error %d (%s), want 47", err, kr_kerr_name(err));
    kr_test_batch_free(&b);
    /* The new epoch goes on from sequence PER_BATCH. */
    build(&b, first + PER_BATCH, PER_BATCH, (int16_t)(producer_epoch + 1));
    send_ok(c, &b, first + PER_BATCH, first + PER_BATCH);
    kr_test_batch_free(&b);
}

/* The log end offset from the Java client: every record once. */
static void test_log_end_offset(void **state)
{
    (void)state;
    assert_true(written_n > 0);
    int64_t leo = kr_test_log_end_offset(topic, 0);
    assert_int_equal(leo, (int64_t)written_n);
}

/* kcat reads every record once, in order, byte for byte. */
static void test_read_back_kcat(void **state)
{
    (void)state;
    kr_test_msgs_t got;
    assert_int_equal(kr_test_kcat_consume(topic, 0, &got), 0);
    if (got.n != written_n)
        fail_msg("kcat read %zu records, %zu written", got.n, written_n);
    for (size_t i = 0; i < got.n; i++) {
        kr_test_record_t want = record(written[i]);
        char what[64];
        snprintf(what, sizeof(what), "record %d at offset %zu", written[i], i);
        kr_test_check_record(&got.v[i], &want, (int64_t)i, what);
    }
    kr_test_msgs_free(&got);
}

/* Checks one DumpLogSegments batch line against the batch expected there. */
static void check_batch(const char *line, int64_t pid, int epoch, int seq)
{
    char v[64];
    assert_int_equal(kr_test_batch_field(line, "isvalid", v, sizeof(v)), 0);
    assert_string_equal(v, "true");
    assert_int_equal(kr_test_batch_field(line, "producerId", v, sizeof(v)), 0);
    assert_int_equal(strtoll(v, NULL, 10), pid);
    assert_int_equal(kr_test_batch_field(line, "producerEpoch", v, sizeof(v)), 0);
    assert_int_equal(atoi(v), epoch);
    assert_int_equal(kr_test_batch_field(line, "baseSequence", v, sizeof(v)), 0);
    if (atoi(v) != seq)
        fail_msg("baseSequence %s, want %d\n%s", v, seq, line);
    assert_int_equal(kr_test_batch_field(line, "count", v, sizeof(v)), 0);
    assert_int_equal(atoi(v), PER_BATCH);
}

/* The stored batches: sequences 0..15 in order at the first epoch, then 0, 3. */
static void test_dump_log_segments(void **state)
{
    (void)state;
    kr_test_batches_t b;
    assert_int_equal(kr_test_dump_batches(topic, 0, &b), 0);
    assert_int_equal(b.n, written_n / PER_BATCH);
    for (size_t i = 0; i < IN_ORDER + 1; i++)
        check_batch(b.line[i], producer_id, producer_epoch, (int)i * PER_BATCH);
    check_batch(b.line[IN_ORDER + 1], producer_id, producer_epoch + 1, 0);
    check_batch(b.line[IN_ORDER + 2], producer_id, producer_epoch + 1, PER_BATCH);
    kr_test_batches_free(&b);
}

int main(void)
{
    kr_testenv_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequences),         cmocka_unit_test(test_epoch_bump),
        cmocka_unit_test(test_log_end_offset),    cmocka_unit_test(test_read_back_kcat),
        cmocka_unit_test(test_dump_log_segments),
    };
    return cmocka_run_group_tests(tests, setup, kr_testapi_conn_teardown);
}
