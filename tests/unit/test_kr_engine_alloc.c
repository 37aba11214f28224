/*
 * No malloc/free on the steady-state path (issue 3): after a warm-up that connects,
 * handshakes, fetches metadata and a producer id, 1,000,000 records go through the fake
 * broker and the producer's thread calls no allocator function at all between the two
 * checkpoints.
 *
 * Counting: tests/common/kr_alloc_count.h. Only calls made on the producer's thread
 * while the window is open count: the fake broker's threads allocate as they please.
 * (With TLS, the same check runs against the real Kafka: tests/engine/secure.sh.)
 *
 * getaddrinfo allocates; the engine calls it when it connects, which is during the
 * warm-up only (the test asserts that no new connection was made in the window).
 *
 * Statistics are on (statistics.interval.ms 100, issue 10): making the documents in the
 * window allocates nothing either.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>

#include <cmocka.h>

#include "kr_fakebroker.h"
#include "kr_fbh_check.h"
#include "kr_alloc_count.h"
#include "kr_header.h"

#define WARMUP 10000
#define RECORDS 1000000
#define PARTS 4

/*
 * The counting itself works: creating and closing a producer (which allocates its
 * arenas, and whose connect calls getaddrinfo) is seen, and nothing is counted while
 * the window is closed.
 */
static void test_counter_counts(void **state)
{
    (void)state;
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    kr_fb_conf_topic(&fc, "t", 1);
    kr_fb_t *fb = fbh_start_conf(&fc);
    const kr_alloc_counts_t *c = kr_alloc_counts();
    kr_alloc_count_start();
    kr_fbh_t h;
    int rc = kr_fbh_open(&h, fb, 0, NULL);
    uint64_t created = c->allocs;
    if (rc == 0)
        rc = kr_fbh_produce(&h, "t", 0, 0, 8);
    if (rc == 0)
        rc = kr_flush(h.p, 10000);
    kr_fbh_close(&h, 1000);
    kr_alloc_count_stop();
    assert_int_equal(rc, 0);
    print_message("allocations: %llu creating the producer, %llu to connect, produce and "
                  "close; frees: %llu\n",
                  (unsigned long long)created, (unsigned long long)(c->allocs - created),
                  (unsigned long long)c->frees);
    assert_true(created >= 4);
    assert_true(c->allocs > created); /* getaddrinfo, at least */
    assert_true(c->frees >= created);
    uint64_t before = c->allocs;
    void *p = malloc(64);
    free(p);
    assert_int_equal(c->allocs, before);
    kr_fb_stop(fb);
}

static uint64_t stats_docs;

static void on_stats(const char *json, size_t len, void *ctx)
{
    (void)ctx;
    if (len > 0 && json[0] == '{' && json[len - 1] == '}')
        stats_docs++;
}

static void produce_range(kr_fbh_t *h, uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to; i++) {
        int rc = kr_fbh_produce(h, "t", (int32_t)(i % PARTS), i, 32);
        if (rc != 0)
            fail_msg("record %llu: %s", (unsigned long long)i, kr_strerror(rc));
    }
}

/* Steady state with compression.type=codec: no allocation, every record in order. */
static void steady_state(const char *codec)
{
    kr_fbh_watchdog(240, __func__);
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    fc.log_cap = (WARMUP + RECORDS) / PARTS + 1;
    kr_fb_conf_topic(&fc, "t", PARTS);
    kr_fb_t *fb = fbh_start_conf(&fc);
    kr_fbh_t h;
    const char *const set[] = {
        "batch.size",       "65536", "buffer.memory",          "16777216", "linger.ms", "5",
        "compression.type", codec,   "statistics.interval.ms", "100",      NULL};
    assert_int_equal(kr_fbh_open_stats(&h, fb, 0, set, on_stats, NULL), 0);
    produce_range(&h, 0, WARMUP);
    assert_int_equal(kr_flush(h.p, 30000), 0);
    assert_int_equal(h.ok, WARMUP);
    int64_t conns = kr_fb_connections(fb, 1);

    stats_docs = 0;
    kr_alloc_count_start();
    produce_range(&h, WARMUP, WARMUP + RECORDS);
    int rc = kr_flush(h.p, 120000);
    kr_alloc_count_stop();
    const kr_alloc_counts_t *c = kr_alloc_counts();
    print_message("statistics documents in the window: %llu\n", (unsigned long long)stats_docs);
    assert_true(stats_docs > 0);

    assert_int_equal(rc, 0);
    assert_int_equal(h.ok, WARMUP + RECORDS);
    assert_int_equal(h.failed, 0);
    assert_int_equal(kr_fb_connections(fb, 1), conns);
    for (uint64_t i = 0; i < c->allocs && i < KR_ALLOC_SEEN_MAX; i++)
        print_message("allocation %llu in the window: %zu bytes, called from %p\n",
                      (unsigned long long)i, c->seen_size[i], c->seen_caller[i]);
    if (c->allocs != 0 || c->frees != 0)
        fail_msg("the steady state called the allocator: %llu allocations, %llu frees",
                 (unsigned long long)c->allocs, (unsigned long long)c->frees);
    /* and the records are all there, in order, once */
    int64_t total = 0;
    for (int32_t p = 0; p < PARTS; p++) {
        int64_t n = kr_fb_log_len(fb, 0, p);
        uint64_t prev = 0;
        for (int64_t o = 0; o < n; o++) {
            uint64_t id = kr_fb_log_id(fb, 0, p, o);
            if (id % PARTS != (uint64_t)p || (o > 0 && id <= prev))
                fail_msg("partition %d offset %lld holds record %llu after %llu", p, (long long)o,
                         (unsigned long long)id, (unsigned long long)prev);
            prev = id;
        }
        total += n;
    }
    assert_int_equal(total, WARMUP + RECORDS);
    check_no_violations(fb);
    fbh_finish(&h);
}

static void test_steady_state_allocates_nothing(void **state)
{
    (void)state;
    steady_state("lz4");
}

/* zstd's contexts are carved at kr_producer_new: closing batches allocates nothing. */
static void test_steady_state_zstd_allocates_nothing(void **state)
{
    (void)state;
    steady_state("zstd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_counts),
        cmocka_unit_test(test_steady_state_allocates_nothing),
        cmocka_unit_test(test_steady_state_zstd_allocates_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
