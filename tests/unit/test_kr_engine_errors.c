/*
 * The engine against a scripted fake broker that answers with errors: retriable
 * partition errors (in any order among the partitions of one response) retried after a
 * metadata refresh, non-retriable ones failing exactly their partition's records with the
 * broker's error name, idempotent sequence errors and the epoch bump of KIP-360,
 * duplicates, MESSAGE_TOO_LARGE, and errors on Metadata and InitProducerId.
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
#include "kr_kerr.h"
#include "kr_engine.h"

#define TEST_LIMIT_S 60

static kr_fb_batch_t journal[KR_FB_JOURNAL_MAX];

/* Records from..to-1, round-robin over parts partitions of "t", 80 bytes each. */
static void produce_range(kr_fbh_t *h, uint64_t from, uint64_t to, int32_t parts)
{
    fbh_produce_range(h, from, to, parts, 80);
}

/* Produces records from..to-1 as produce_range does, and flushes them (30 s). */
static void produce_flushed(kr_fbh_t *h, uint64_t from, uint64_t to, int32_t parts)
{
    produce_range(h, from, to, parts);
    assert_int_equal(kr_flush(h->p, 30000), 0);
}

/* Opens h on fb (settings may be NULL) and produces records 0..n-1 over `parts` partitions. */
static void open_and_produce(kr_fbh_t *h, kr_fb_t *fb, uint64_t n, int32_t parts,
                             const char *const *settings)
{
    fbh_open(h, fb, n, settings);
    produce_range(h, 0, n, parts);
}

/*
 * An answer to `count` requests (0 or 1: once, -1: every one) that refuses partition
 * `part` of `topic` with error e (NULL, -1: the whole answer, as InitProducerId's).
 */
static kr_fb_action_t refusal(int count, const char *topic, int32_t part, int16_t e)
{
    return (kr_fb_action_t){
        .kind = KR_FB_ANSWER, .count = count, .perr_cnt = 1, .perr = {{topic, part, e}}};
}

/* refusal(1, "t", part, e), answered 100 ms late. */
static kr_fb_action_t late_refusal(int32_t part, int16_t e)
{
    kr_fb_action_t a = refusal(1, "t", part, e);
    a.kind = KR_FB_DELAY;
    a.delay_ms = 100;
    return a;
}

/* fbh_start(nodes, parts), with `a` scripted for api's first requests. */
static kr_fb_t *start_scripted(int nodes, int32_t parts, int16_t api, kr_fb_action_t a)
{
    kr_fb_t *fb = fbh_start(nodes, parts);
    kr_fb_script(fb, api, &a);
    return fb;
}

/* Answers for a partition in the journal with error e. */
static int answered_with(kr_fb_t *fb, int32_t part, int16_t e)
{
    int n = kr_fb_batches(fb, journal, KR_FB_JOURNAL_MAX), k = 0;
    for (int i = 0; i < n; i++)
        if ((part < 0 || journal[i].partition == part) && journal[i].error == e)
            k++;
    return k;
}

/*
 * Every retriable produce error, on partitions 1, 3 and 5 of six in the first two
 * responses (those of them the requests carry), in reversed and in shuffled order:
 * retried, nothing lost or doubled.
 * (NOT_ENOUGH_REPLICAS_AFTER_APPEND, written before it is refused, has its own test.)
 */
static void test_retriable_any_order(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S * 2, __func__);
    static const int16_t errs[] = {KR_KERR_NOT_LEADER_OR_FOLLOWER,     KR_KERR_LEADER_NOT_AVAILABLE,
                                   KR_KERR_UNKNOWN_TOPIC_OR_PARTITION, KR_KERR_REQUEST_TIMED_OUT,
                                   KR_KERR_NOT_ENOUGH_REPLICAS,        KR_KERR_CORRUPT_MESSAGE,
                                   KR_KERR_NETWORK_EXCEPTION,          KR_KERR_KAFKA_STORAGE_ERROR,
                                   KR_KERR_CONCURRENT_TRANSACTIONS};
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        for (int order = KR_FB_ORDER_REVERSED; order <= KR_FB_ORDER_SHUFFLED; order++) {
            print_message("%s, order %d\n", kr_kerr_name(errs[i]), order);
            kr_fb_action_t a = refusal(2, "t", 1, errs[i]);
            a.order = order;
            a.perr_cnt = 3;
            for (int k = 1; k < 3; k++)
                a.perr[k] = (kr_fb_perr_t){"t", 2 * k + 1, errs[i]};
            kr_fb_t *fb = start_scripted(1, 6, KR_API_Produce, a);
            kr_fbh_t h;
            open_and_produce(&h, fb, 3000, 6, NULL);
            fbh_flush_exact(&h, 30000, 3000);
            assert_int_equal(kr_fb_script_left(fb, KR_API_Produce), 0);
            assert_true(answered_with(fb, 1, errs[i]) >= 1);
            /* Which of partitions 3 and 5 the two refused requests carried depends on
             * timing (records wait for metadata, then go as batches close); every batch
             * refused is retried. */
            kr_stats_t st;
            kr_stats(h.p, &st);
            assert_true(st.retries >= (uint64_t)answered_with(fb, -1, errs[i]));
            fbh_finish(&h);
        }
    }
}

/*
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND: the broker wrote the batch, then refused it, while
 * the next batches of the partition were in flight and got written after it. The retry
 * is a duplicate; nothing doubles, and the partition's delivery reports stay in order:
 * the later batches, acked first, must not be reported before the retried one.
 */
static void test_error_after_append_keeps_order(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_t *fb = start_scripted(1, 2, KR_API_Produce,
                                 late_refusal(0, KR_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND));
    kr_fbh_t h;
    static const char *const set[] = {"batch.size", "2048", NULL};
    open_and_produce(&h, fb, 2000, 2, set);
    assert_int_equal(kr_flush(h.p, 30000), 0);
    assert_true(answered_with(fb, 0, KR_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND) == 1);
    assert_true(kr_fb_duplicates(fb) >= 1);
    check_exact(&h, 0, "t", 2000);
    check_no_violations(fb);
    fbh_finish(&h);
}

/*
 * The leaders of two partitions move mid-run: the old leader answers
 * NOT_LEADER_OR_FOLLOWER for both in one response (reversed), the engine refreshes
 * metadata and sends the retries to the new leader with the same sequences.
 */
static void test_leader_moves(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_action_t a = {.kind = KR_FB_ANSWER, .count = -1, .order = KR_FB_ORDER_REVERSED};
    kr_fb_t *fb = start_scripted(3, 6, KR_API_Produce, a);
    kr_fbh_t h;
    fbh_open(&h, fb, 6000, NULL);
    produce_flushed(&h, 0, 3000, 6);
    int64_t md0 = kr_fb_requests(fb, KR_API_Metadata);
    /* node 1 leads partitions 0 and 3; both go to node 2 */
    kr_fb_set_leader(fb, 0, 0, 2);
    kr_fb_set_leader(fb, 0, 3, 2);
    produce_range(&h, 3000, 6000, 6);
    fbh_flush_exact(&h, 30000, 6000);
    assert_true(kr_fb_requests(fb, KR_API_Metadata) > md0);
    assert_true(answered_with(fb, 0, KR_KERR_NOT_LEADER_OR_FOLLOWER) >= 1);
    assert_true(answered_with(fb, 3, KR_KERR_NOT_LEADER_OR_FOLLOWER) >= 1);
    /*
     * The refused batch went to node 2 with the same producer epoch and sequence (it may
     * have gone back to node 1 once more before the metadata refresh landed).
     */
    int n = kr_fb_batches(fb, journal, KR_FB_JOURNAL_MAX);
    for (int i = 0; i < n; i++) {
        if (journal[i].error != KR_KERR_NOT_LEADER_OR_FOLLOWER)
            continue;
        int j = i + 1;
        while (j < n && (journal[j].partition != journal[i].partition || journal[j].node != 2))
            j++;
        assert_true(j < n);
        assert_int_equal(journal[j].base_sequence, journal[i].base_sequence);
        assert_int_equal(journal[j].producer_epoch, journal[i].producer_epoch);
        assert_int_equal(journal[j].error, 0);
        int back = 0;
        for (int k = i + 1; k < j; k++) {
            if (journal[k].partition != journal[i].partition)
                continue;
            assert_int_equal(journal[k].node, 1);
            assert_int_equal(journal[k].error, KR_KERR_NOT_LEADER_OR_FOLLOWER);
            if (journal[k].base_sequence == journal[i].base_sequence)
                back++;
        }
        print_message("retries sent back to the old leader before the refresh: %d\n", back);
        break;
    }
    kr_fb_pid_t pids[4];
    assert_int_equal(kr_fb_pids(fb, pids, 4), 1); /* no epoch bump for a leader move */
    fbh_finish(&h);
}

/*
 * A non-retriable error for one partition of a multi-partition response fails exactly
 * the records of that batch, with the broker's error name; the other partitions and
 * the records that follow succeed.
 */
static void test_non_retriable_fails_that_partition(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S * 2, __func__);
    static const int16_t errs[] = {KR_KERR_INVALID_RECORD,
                                   KR_KERR_TOPIC_AUTHORIZATION_FAILED,
                                   KR_KERR_INVALID_TIMESTAMP,
                                   KR_KERR_RECORD_LIST_TOO_LARGE,
                                   KR_KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT,
                                   KR_KERR_UNSUPPORTED_COMPRESSION_TYPE,
                                   KR_KERR_INVALID_REQUIRED_ACKS,
                                   KR_KERR_CLUSTER_AUTHORIZATION_FAILED};
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        print_message("%s\n", kr_kerr_name(errs[i]));
        kr_fb_action_t first = refusal(1, "t", 2, errs[i]);
        first.order = KR_FB_ORDER_SHUFFLED;
        kr_fb_t *fb = start_scripted(1, 4, KR_API_Produce, first);
        kr_fbh_t h;
        /* A long linger: the flush sends every partition in one request, the scripted one. */
        static const char *const one_request[] = {"linger.ms", "1000", NULL};
        open_and_produce(&h, fb, 2000, 4, one_request);
        assert_int_equal(kr_flush(h.p, 30000), 0);
        assert_int_equal(h.dr_cnt, 2000);
        int n = kr_fb_batches(fb, journal, KR_FB_JOURNAL_MAX);
        int refused = -1;
        for (int k = 0; k < n && refused < 0; k++)
            if (journal[k].error == errs[i])
                refused = k;
        assert_true(refused >= 0);
        assert_int_equal(journal[refused].partition, 2);
        assert_int_equal(h.failed, (uint64_t)journal[refused].count);
        for (size_t k = 0; k < h.dr_cnt; k++) {
            const kr_fbh_dr_t *r = &h.dr[k];
            if (r->err == 0) {
                assert_int_equal(kr_fb_log_id(fb, 0, r->partition, r->offset), r->id);
                continue;
            }
            assert_int_equal(r->partition, 2);
            assert_int_equal(r->err, KR_EBROKER);
            assert_int_equal(r->broker_error, errs[i]);
            assert_string_equal(r->error_name, kr_kerr_name(errs[i]));
            assert_int_equal(r->offset, -1);
        }
        int64_t logged = 0;
        for (int32_t p = 0; p < 4; p++)
            logged += kr_fb_log_len(fb, 0, p);
        assert_int_equal((uint64_t)logged, h.ok);
        check_no_violations(fb);
        fbh_finish(&h);
    }
}

/* A retriable error that never ends: the records fail after `retries` with its name. */
static void test_retries_exhausted(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_t *fb =
        start_scripted(1, 2, KR_API_Produce, refusal(-1, "t", 0, KR_KERR_NOT_ENOUGH_REPLICAS));
    kr_fbh_t h;
    static const char *const set[] = {"retries", "2", NULL};
    open_and_produce(&h, fb, 100, 2, set);
    assert_int_equal(kr_flush(h.p, 20000), 0);
    assert_int_equal(h.failed, 50);
    assert_int_equal(h.ok, 50);
    for (size_t k = 0; k < h.dr_cnt; k++) {
        if (h.dr[k].partition != 0)
            continue;
        assert_int_equal(h.dr[k].err, KR_EBROKER);
        assert_string_equal(h.dr[k].error_name, "NOT_ENOUGH_REPLICAS");
    }
    /* each batch of partition 0 was tried 1 + retries times */
    int n = kr_fb_batches(fb, journal, KR_FB_JOURNAL_MAX), tries = 0;
    for (int i = 0; i < n; i++)
        if (journal[i].partition == 0 && journal[i].base_sequence == journal[0].base_sequence &&
            journal[i].producer_epoch == 0)
            tries++;
    assert_int_equal(tries, 3);
    check_no_violations(fb);
    fbh_finish(&h);
}

/*
 * Checks the journal after the first batch refused with error e: the batches that
 * follow carry producer `id` and epoch `epoch`, and each partition's first one under
 * them has sequence 0 (the refused partition among them).
 */
static void check_restart(kr_fb_t *fb, int16_t e, int32_t refused_part, int64_t id, int16_t epoch)
{
    int n = kr_fb_batches(fb, journal, KR_FB_JOURNAL_MAX), refused = -1;
    for (int i = 0; i < n && refused < 0; i++)
        if (journal[i].error == e)
            refused = i;
    assert_true(refused >= 0);
    bool seen[KR_FB_PARTS_MAX] = {false};
    for (int i = refused + 1; i < n; i++) {
        if (journal[i].producer_id != id || journal[i].producer_epoch != epoch ||
            seen[journal[i].partition])
            continue;
        seen[journal[i].partition] = true;
        assert_int_equal(journal[i].base_sequence, 0);
        assert_int_equal(journal[i].error, 0);
    }
    assert_true(seen[refused_part]);
}

/*
 * OUT_OF_ORDER_SEQUENCE_NUMBER (and UNKNOWN_PRODUCER_ID) for the batch the broker
 * expects next: the engine bumps its epoch itself (KIP-360, as the Java client does; a
 * broker answers a non-transactional InitProducerId with a new id), and the batches
 * that follow start again at sequence 0 under the same id and the next epoch.
 */
static void test_sequence_error_bumps_epoch(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    static const int16_t errs[] = {KR_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                                   KR_KERR_UNKNOWN_PRODUCER_ID};
    for (size_t e = 0; e < 2; e++) {
        print_message("%s\n", kr_kerr_name(errs[e]));
        kr_fb_t *fb = fbh_start(1, 3);
        kr_fbh_t h;
        fbh_open(&h, fb, 3000, NULL);
        produce_flushed(&h, 0, 1500, 3);
        kr_fb_action_t a = refusal(1, "t", 1, errs[e]);
        a.order = KR_FB_ORDER_SHUFFLED;
        kr_fb_script(fb, KR_API_Produce, &a);
        produce_range(&h, 1500, 3000, 3);
        fbh_flush_exact(&h, 30000, 3000);
        kr_fb_pid_t pids[8];
        assert_int_equal(kr_fb_pids(fb, pids, 8), 1);
        check_restart(fb, errs[e], 1, pids[0].resp_id, (int16_t)(pids[0].resp_epoch + 1));
        fbh_finish(&h);
    }
}

/*
 * At epoch 32767 there is no next epoch: the engine asks InitProducerId for a new id,
 * and sequences restart at 0 under it.
 */
static void test_epoch_exhausted_new_id(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    fc.first_epoch = INT16_MAX - 1;
    kr_fb_conf_topic(&fc, "t", 2);
    kr_fb_t *fb = fbh_start_conf(&fc);
    kr_fbh_t h;
    fbh_open(&h, fb, 3000, NULL);
    kr_fb_action_t a = refusal(1, "t", 0, KR_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    produce_flushed(&h, 0, 1000, 2);
    kr_fb_script(fb, KR_API_Produce, &a); /* 32766 -> 32767, locally */
    produce_flushed(&h, 1000, 2000, 2);
    kr_fb_pid_t pids[8];
    assert_int_equal(kr_fb_pids(fb, pids, 8), 1);
    check_restart(fb, KR_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER, 0, pids[0].resp_id, INT16_MAX);
    kr_fb_script(fb, KR_API_Produce, &a); /* at 32767: a new id */
    produce_range(&h, 2000, 3000, 2);
    fbh_flush_exact(&h, 30000, 3000);
    assert_int_equal(kr_fb_pids(fb, pids, 8), 2);
    assert_true(pids[1].resp_id != pids[0].resp_id);
    int n = kr_fb_batches(fb, journal, KR_FB_JOURNAL_MAX);
    bool seen[2] = {false, false};
    for (int i = 0; i < n; i++) {
        if (journal[i].producer_id != pids[1].resp_id || seen[journal[i].partition])
            continue;
        seen[journal[i].partition] = true;
        assert_int_equal(journal[i].base_sequence, 0);
    }
    assert_true(seen[0]); /* partition 1 may have had nothing left to send by then */
    fbh_finish(&h);
}

/* A broker that lost the producer's state mid-run: OUT_OF_ORDER, bump, nothing lost. */
static void test_broker_forgets_producer(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_t *fb = fbh_start(2, 4);
    kr_fbh_t h;
    fbh_open(&h, fb, 4000, NULL);
    produce_flushed(&h, 0, 2000, 4);
    kr_fb_forget_producers(fb);
    produce_range(&h, 2000, 4000, 4);
    fbh_flush_exact(&h, 30000, 4000);
    kr_fb_pid_t pids[8];
    assert_int_equal(kr_fb_pids(fb, pids, 8), 1);
    assert_true(answered_with(fb, -1, KR_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER) >= 1);
    int n = kr_fb_batches(fb, journal, KR_FB_JOURNAL_MAX);
    assert_int_equal(journal[n - 1].producer_epoch, pids[0].resp_epoch + 1);
    fbh_finish(&h);
}

/*
 * OUT_OF_ORDER for a batch that is not the next expected (an earlier one of the same
 * partition was refused with a retriable error while it was in flight): no epoch bump,
 * both are retried in order.
 */
static void test_out_of_order_after_gap_no_bump(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_t *fb = fbh_start(1, 1);
    kr_fbh_t h;
    static const char *const set[] = {"batch.size", "2048", "linger.ms", "0", NULL};
    fbh_open(&h, fb, 2000, set);
    /* The partition's first batch goes alone until it is acked; after that, batches
     * are pipelined. */
    produce_flushed(&h, 0, 20, 1);
    /* the next answer is late, so the requests after it are in flight when it refuses */
    kr_fb_action_t a = late_refusal(0, KR_KERR_NOT_LEADER_OR_FOLLOWER);
    kr_fb_script(fb, KR_API_Produce, &a);
    produce_range(&h, 20, 2000, 1);
    fbh_flush_exact(&h, 30000, 2000);
    assert_true(answered_with(fb, 0, KR_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER) >= 1);
    kr_fb_pid_t pids[8];
    assert_int_equal(kr_fb_pids(fb, pids, 8), 1);
    fbh_finish(&h);
}

/*
 * A broker that answers a duplicate with DUPLICATE_SEQUENCE_NUMBER (older brokers):
 * success, offset -1, nothing written twice.
 */
static void test_duplicate_sequence_is_success(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    fc.dup_error = true;
    kr_fb_conf_topic(&fc, "t", 2);
    kr_fb_t *fb = fbh_start_conf(&fc);
    kr_fb_action_t a = {.kind = KR_FB_CLOSE, .count = 2};
    kr_fb_script(fb, KR_API_Produce, &a);
    kr_fbh_t h;
    open_and_produce(&h, fb, 1000, 2, NULL);
    assert_int_equal(kr_flush(h.p, 30000), 0);
    assert_int_equal(h.ok, 1000);
    assert_true(kr_fb_duplicates(fb) >= 1);
    uint64_t no_offset = 0;
    for (size_t k = 0; k < h.dr_cnt; k++) {
        if (h.dr[k].offset < 0)
            no_offset++;
        else
            assert_int_equal(kr_fb_log_id(fb, 0, h.dr[k].partition, h.dr[k].offset), h.dr[k].id);
    }
    assert_true(no_offset >= 1);
    assert_int_equal(kr_fb_log_len(fb, 0, 0) + kr_fb_log_len(fb, 0, 1), 1000);
    check_no_violations(fb);
    fbh_finish(&h);
}

/*
 * MESSAGE_TOO_LARGE for a batch of many records: the engine splits it and resends
 * (issue 3); a single record over the broker's limit fails alone with that name.
 */
static void test_message_too_large_splits(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    fc.max_batch_bytes = 4000;
    kr_fb_conf_topic(&fc, "t", 1);
    kr_fb_t *fb = fbh_start_conf(&fc);
    kr_fbh_t h;
    static const char *const set[] = {"compression.type", "none", "linger.ms", "50", NULL};
    fbh_open(&h, fb, 100, set);
    for (uint64_t i = 0; i < 40; i++)
        assert_int_equal(kr_fbh_produce(&h, "t", 0, i, 300), 0);
    assert_int_equal(kr_fbh_produce(&h, "t", 0, 40, 4096), 0);
    assert_int_equal(kr_flush(h.p, 20000), 0);
    assert_int_equal(h.dr_cnt, 41);
    const kr_fbh_dr_t *big = kr_fbh_report(&h, 40);
    assert_non_null(big);
    assert_string_equal(big->error_name, "MESSAGE_TOO_LARGE");
    for (uint64_t i = 0; i < 40; i++) {
        const kr_fbh_dr_t *r = kr_fbh_report(&h, i);
        assert_non_null(r);
        if (r->err != 0)
            fail_msg("record %llu of a splittable batch failed: %s", (unsigned long long)i,
                     r->error_name);
    }
    assert_int_equal(kr_fb_log_len(fb, 0, 0), 40);
    check_no_violations(fb);
    fbh_finish(&h);
}

/*
 * Metadata answers `count` times with LEADER_NOT_AVAILABLE for partition `part` of "t"
 * (-1: the topic): the records wait for those answers to end, then go, all of them once.
 */
static void check_metadata_waits(int32_t parts, int count, int32_t part, uint64_t n)
{
    kr_fb_t *fb = start_scripted(1, parts, KR_API_Metadata,
                                 refusal(count, "t", part, KR_KERR_LEADER_NOT_AVAILABLE));
    kr_fbh_t h;
    open_and_produce(&h, fb, n, parts, NULL);
    fbh_flush_exact(&h, 30000, n);
    assert_int_equal(kr_fb_script_left(fb, KR_API_Metadata), 0);
    fbh_finish(&h);
}

/* A partition without a leader in the first metadata answers waits, then goes. */
static void test_metadata_partition_without_leader(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    check_metadata_waits(3, 3, 1, 900);
}

/* A topic the cluster reports with LEADER_NOT_AVAILABLE at first (being created). */
static void test_metadata_topic_being_created(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    check_metadata_waits(2, 2, -1, 400);
}

/* InitProducerId: a retriable error is retried until it is granted. */
static void test_initpid_retriable(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_t *fb = start_scripted(1, 1, KR_API_InitProducerId,
                                 refusal(3, NULL, -1, KR_KERR_COORDINATOR_LOAD_IN_PROGRESS));
    kr_fbh_t h;
    open_and_produce(&h, fb, 100, 1, NULL);
    assert_int_equal(kr_flush(h.p, 30000), 0);
    check_exact(&h, 0, "t", 100);
    kr_fb_pid_t pids[8];
    assert_int_equal(kr_fb_pids(fb, pids, 8), 4);
    check_no_violations(fb);
    fbh_finish(&h);
}

/*
 * InitProducerId refused with a retriable error for as long as the test lasts: retried
 * with retry.backoff.ms (10 ms, doubling to 100 ms), so a few dozen requests in half a
 * second at most, not a request per round trip.
 */
static void test_initpid_retriable_backs_off(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_t *fb = start_scripted(1, 1, KR_API_InitProducerId,
                                 refusal(-1, NULL, -1, KR_KERR_COORDINATOR_LOAD_IN_PROGRESS));
    kr_fbh_t h;
    fbh_open(&h, fb, 10, NULL);
    produce_range(&h, 0, 1, 1);
    assert_int_equal(kr_flush(h.p, 500), KR_ETIMEDOUT);
    int64_t n = kr_fb_requests(fb, KR_API_InitProducerId);
    print_message("InitProducerId requests in 500 ms: %lld\n", (long long)n);
    assert_true(n >= 2);
    assert_true(n <= 50);
    kr_fbh_close(&h, 100);
    kr_fb_stop(fb);
}

/* InitProducerId refused for good: every record fails with its name, produce says fatal. */
static void test_initpid_fatal(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_t *fb = start_scripted(1, 1, KR_API_InitProducerId,
                                 refusal(-1, NULL, -1, KR_KERR_CLUSTER_AUTHORIZATION_FAILED));
    kr_fbh_t h;
    fbh_open(&h, fb, 100, NULL);
    produce_range(&h, 0, 20, 1);
    assert_int_equal(kr_flush(h.p, 10000), 0);
    assert_int_equal(h.failed, 20);
    for (size_t k = 0; k < h.dr_cnt; k++)
        assert_string_equal(h.dr[k].error_name, "CLUSTER_AUTHORIZATION_FAILED");
    assert_int_equal(kr_fbh_produce(&h, "t", 0, 21, 10), KR_EFATAL);
    assert_int_equal(kr_fb_log_len(fb, 0, 0), 0);
    fbh_finish(&h);
}

/*
 * connections.max reached: the bootstrap connection and one node take the two allowed;
 * the partitions the other two nodes lead cannot be sent to and their records fail at
 * delivery.timeout.ms, the rest are acked, and the limit was said (once) in the log.
 */
static void test_connections_max(void **state)
{
    (void)state;
    kr_fbh_watchdog(60, __func__);
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    fc.nodes = 3;
    kr_fb_conf_topic(&fc, "t", 3); /* partition p led by node p + 1 */
    kr_fb_t *fb = kr_fb_start(&fc);
    assert_non_null(fb);
    kr_fbh_t h;
    const char *const settings[] = {"connections.max", "2", "delivery.timeout.ms", "3000", NULL};
    assert_int_equal(kr_fbh_open(&h, fb, 30, settings), 0);
    for (uint64_t i = 0; i < 30; i++)
        assert_int_equal(kr_fbh_produce(&h, "t", (int32_t)(i % 3), i, 20), 0);
    kr_flush(h.p, 20000);
    assert_int_equal(h.dr_cnt, 30);
    assert_int_equal(h.ok, 10);
    assert_int_equal(h.failed, 20);
    for (size_t i = 0; i < h.dr_cnt; i++)
        if (h.dr[i].err != 0)
            assert_int_equal(h.dr[i].err, KR_ETIMEDOUT);
    assert_true(h.p->conn_limit_logged);
    assert_int_equal(h.p->conn_cnt, 2);
    kr_fbh_close(&h, 1000);
    kr_fb_stop(fb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retriable_any_order),
        cmocka_unit_test(test_error_after_append_keeps_order),
        cmocka_unit_test(test_leader_moves),
        cmocka_unit_test(test_non_retriable_fails_that_partition),
        cmocka_unit_test(test_retries_exhausted),
        cmocka_unit_test(test_sequence_error_bumps_epoch),
        cmocka_unit_test(test_epoch_exhausted_new_id),
        cmocka_unit_test(test_broker_forgets_producer),
        cmocka_unit_test(test_out_of_order_after_gap_no_bump),
        cmocka_unit_test(test_duplicate_sequence_is_success),
        cmocka_unit_test(test_message_too_large_splits),
        cmocka_unit_test(test_metadata_partition_without_leader),
        cmocka_unit_test(test_metadata_topic_being_created),
        cmocka_unit_test(test_initpid_retriable),
        cmocka_unit_test(test_initpid_retriable_backs_off),
        cmocka_unit_test(test_initpid_fatal),
        cmocka_unit_test(test_connections_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
