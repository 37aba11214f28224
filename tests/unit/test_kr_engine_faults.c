/*
 * The engine against a scripted fake broker that misbehaves on the wire: responses in
 * 1-byte pieces, late, never, garbage, truncated, with a wrong correlation id or an
 * oversize length, connections closed under in-flight requests, a bootstrap address
 * nobody listens on. In every case: no crash, no hang (each test has a time limit), the
 * connection is dropped and the requests are retried on a new one, and with idempotence
 * on nothing is lost and nothing is written twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "kr_fakebroker.h"
#include "kr_fbh_check.h"
#include "kr_header.h"

#define TEST_LIMIT_S 60

static const char *kind_name(int k)
{
    static const char *const names[] = {"ANSWER",   "DELAY",       "NO_ANSWER", "PIECES",
                                        "GARBAGE",  "GARBAGE_RAW", "TRUNCATE",  "CLOSE",
                                        "BAD_CORR", "OVERSIZE"};
    return k >= 0 && k <= KR_FB_OVERSIZE ? names[k] : "?";
}

/*
 * Runs n records over `parts` partitions of topic "t" with `a` scripted for api_key
 * before the first record, flushes and checks exactly-once delivery. Returns the
 * producer's retry count.
 */
static uint64_t run_scripted(int16_t api_key, const kr_fb_action_t *a, uint64_t n, int32_t parts,
                             const char *const *settings)
{
    kr_fb_t *fb = fbh_start(1, parts);
    kr_fb_script(fb, api_key, a);
    kr_fbh_t h;
    fbh_open(&h, fb, n, settings);
    fbh_produce_range(&h, 0, n, parts, 100);
    fbh_flush_exact(&h, 30000, n);
    assert_int_equal(h.dr_cnt, n);
    assert_int_equal(kr_fb_script_left(fb, api_key), 0); /* the fault did happen */
    kr_stats_t st;
    kr_stats(h.p, &st);
    fbh_finish(&h);
    return st.retries;
}

/* Every response of every API dribbled one byte at a time. */
static void test_one_byte_pieces(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_t *fb = fbh_start(1, 4);
    kr_fb_action_t a = {.kind = KR_FB_PIECES, .piece = 1, .pause_ms = 0, .count = -1};
    kr_fb_script(fb, KR_API_ApiVersions, &a);
    kr_fb_script(fb, KR_API_Metadata, &a);
    kr_fb_script(fb, KR_API_InitProducerId, &a);
    kr_fb_script(fb, KR_API_Produce, &a);
    kr_fbh_t h;
    fbh_open(&h, fb, 2000, NULL);
    fbh_produce_range(&h, 0, 2000, 4, 100);
    fbh_flush_exact(&h, 30000, 2000);
    kr_stats_t st;
    kr_stats(h.p, &st);
    assert_int_equal(st.retries, 0);
    fbh_finish(&h);
}

/* Pieces with pauses: the engine waits for the rest of a frame. */
static void test_pieces_with_pauses(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_action_t a = {.kind = KR_FB_PIECES, .piece = 7, .pause_ms = 5, .count = 3};
    assert_int_equal(run_scripted(KR_API_Produce, &a, 3000, 3, NULL), 0);
    a.piece = 3;
    a.count = 1;
    assert_int_equal(run_scripted(KR_API_Metadata, &a, 100, 3, NULL), 0);
    assert_int_equal(run_scripted(KR_API_ApiVersions, &a, 100, 3, NULL), 0);
}

/* A late answer inside request.timeout.ms is just late: no retry. */
static void test_delay_within_timeout(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_action_t a = {.kind = KR_FB_DELAY, .delay_ms = 300, .count = 3};
    assert_int_equal(run_scripted(KR_API_Produce, &a, 1000, 3, NULL), 0);
}

/*
 * Each way of losing a Produce response, with the request applied by the broker (the
 * retry is a duplicate the broker recognises) and not applied: retried, exact.
 */
static void test_produce_response_lost(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S * 3, __func__);
    static const int kinds[] = {KR_FB_GARBAGE,  KR_FB_GARBAGE_RAW, KR_FB_TRUNCATE, KR_FB_CLOSE,
                                KR_FB_BAD_CORR, KR_FB_OVERSIZE,    KR_FB_NO_ANSWER};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        for (int no_apply = 0; no_apply <= 1; no_apply++) {
            print_message("Produce response: %s, %s\n", kind_name(kinds[i]),
                          no_apply ? "not applied" : "applied");
            kr_fb_action_t a = {.kind = kinds[i], .no_apply = no_apply != 0};
            uint64_t retries = run_scripted(KR_API_Produce, &a, 600, 3, NULL);
            assert_true(retries >= 1);
        }
    }
}

/* The same faults on a later request, with several requests in flight. */
static void test_produce_fault_mid_stream(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S * 3, __func__);
    static const int kinds[] = {KR_FB_GARBAGE,  KR_FB_TRUNCATE, KR_FB_CLOSE,
                                KR_FB_BAD_CORR, KR_FB_OVERSIZE, KR_FB_NO_ANSWER};
    static const char *const set[] = {"batch.size", "4096", "linger.ms", "20", NULL};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        print_message("Produce response mid-stream: %s\n", kind_name(kinds[i]));
        kr_fb_t *fb = fbh_start(1, 2);
        kr_fb_action_t ok = {.kind = KR_FB_DELAY, .delay_ms = 20, .count = 4};
        kr_fb_action_t bad = {.kind = kinds[i]};
        kr_fb_script(fb, KR_API_Produce, &ok);
        kr_fb_script(fb, KR_API_Produce, &bad);
        kr_fbh_t h;
        fbh_open(&h, fb, 20000, set);
        fbh_produce_range(&h, 0, 20000, 2, 60);
        fbh_flush_exact(&h, 30000, 20000);
        assert_int_equal(kr_fb_script_left(fb, KR_API_Produce), 0);
        fbh_finish(&h);
    }
}

/* Faults on the handshake and metadata path: the connection is redone, nothing lost. */
static void test_control_responses_lost(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S * 3, __func__);
    static const int16_t apis[] = {KR_API_ApiVersions, KR_API_Metadata, KR_API_InitProducerId};
    static const int kinds[] = {KR_FB_GARBAGE,  KR_FB_GARBAGE_RAW, KR_FB_TRUNCATE, KR_FB_CLOSE,
                                KR_FB_BAD_CORR, KR_FB_OVERSIZE,    KR_FB_NO_ANSWER};
    for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++) {
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
            print_message("api %d: %s\n", apis[i], kind_name(kinds[k]));
            kr_fb_action_t a = {.kind = kinds[k]};
            run_scripted(apis[i], &a, 200, 2, NULL);
        }
    }
}

/* A broker that does not answer: request.timeout.ms trips, the records are retried. */
static void test_request_timeout_then_retry(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    static const char *const set[] = {"request.timeout.ms", "400", NULL};
    kr_fb_t *fb = fbh_start(1, 1);
    kr_fb_action_t a = {.kind = KR_FB_NO_ANSWER};
    kr_fb_script(fb, KR_API_Produce, &a);
    kr_fbh_t h;
    fbh_open(&h, fb, 10, set);
    int64_t t0 = kr_fbh_now_ms();
    assert_int_equal(kr_fbh_produce(&h, "t", 0, 0, 100), 0);
    assert_int_equal(kr_flush(h.p, 10000), 0);
    int64_t took = kr_fbh_now_ms() - t0;
    assert_true(took >= 400);
    assert_true(took < 5000);
    check_exact(&h, 0, "t", 1);
    assert_int_equal(kr_fb_duplicates(fb), 1); /* applied the first time, recognised after */
    kr_stats_t st;
    kr_stats(h.p, &st);
    assert_int_equal(st.retries, 1);
    check_no_violations(fb);
    fbh_finish(&h);
}

/* A broker that never answers again: records fail once delivery.timeout.ms passes. */
static void test_never_recovers(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    static const char *const set[] = {"request.timeout.ms", "300", "delivery.timeout.ms", "1500",
                                      NULL};
    kr_fb_t *fb = fbh_start(1, 2);
    kr_fb_action_t a = {.kind = KR_FB_NO_ANSWER, .count = -1};
    kr_fb_script(fb, KR_API_Produce, &a);
    kr_fbh_t h;
    fbh_open(&h, fb, 100, set);
    int64_t t0 = kr_fbh_now_ms();
    fbh_produce_range(&h, 0, 100, 2, 100);
    assert_int_equal(kr_flush(h.p, 15000), 0);
    int64_t took = kr_fbh_now_ms() - t0;
    assert_int_equal(h.failed, 100);
    assert_true(took >= 1400);
    assert_true(took < 1500 + 300 + 2000);
    for (size_t i = 0; i < h.dr_cnt; i++) {
        assert_int_equal(h.dr[i].err, KR_ETIMEDOUT);
        assert_int_equal(h.dr[i].offset, -1);
        assert_string_equal(h.dr[i].error_name, "KR_ETIMEDOUT");
    }
    kr_stats_t st;
    kr_stats(h.p, &st);
    assert_true(st.retries >= 2);
    assert_true(kr_fb_connections(fb, 1) >= 3);
    check_no_violations(fb);
    fbh_finish(&h);
}

/* A port where nobody listens. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Unreachable bootstrap: kr_flush times out, and records fail by delivery.timeout.ms. */
static void test_unreachable_bootstrap(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    char boot[64];
    snprintf(boot, sizeof(boot), "127.0.0.1:%d", closed_port());
    const char *const set[] = {"bootstrap.servers",
                               boot,
                               "request.timeout.ms",
                               "300",
                               "delivery.timeout.ms",
                               "1200",
                               NULL};
    kr_fbh_t h;
    fbh_open(&h, NULL, 100, set);
    for (uint64_t i = 0; i < 50; i++)
        assert_int_equal(kr_fbh_produce(&h, "t", KR_PARTITION_ANY, i, 100), 0);
    int64_t t0 = kr_fbh_now_ms();
    assert_int_equal(kr_flush(h.p, 300), KR_ETIMEDOUT);
    assert_true(kr_fbh_now_ms() - t0 < 1000);
    assert_int_equal(h.dr_cnt, 0);
    assert_int_equal(kr_flush(h.p, 10000), 0);
    int64_t took = kr_fbh_now_ms() - t0;
    assert_true(took >= 1000);
    assert_true(took < 4000);
    assert_int_equal(h.failed, 50);
    for (size_t i = 0; i < h.dr_cnt; i++) {
        assert_int_equal(h.dr[i].err, KR_ETIMEDOUT);
        assert_string_equal(h.dr[i].error_name, "KR_ETIMEDOUT");
    }
    /* Closing with records queued fails them, bounded. */
    assert_int_equal(kr_fbh_produce(&h, "t", KR_PARTITION_ANY, 99, 100), 0);
    t0 = kr_fbh_now_ms();
    kr_producer_close(h.p, 200);
    h.p = NULL;
    assert_true(kr_fbh_now_ms() - t0 < 3000);
    assert_int_equal(h.failed, 51);
    kr_fbh_close(&h, 0);
}

/*
 * A bootstrap that accepts nothing (its backlog is full, SYNs are dropped):
 * socket.connection.setup.timeout.ms ends each attempt; records fail by
 * delivery.timeout.ms.
 */
static void test_connect_blackhole(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(lfd, 0), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
    int fill[4];
    for (int i = 0; i < 4; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fill[i], (struct sockaddr *)&a, sizeof(a));
    }
    char boot[64];
    snprintf(boot, sizeof(boot), "127.0.0.1:%d", ntohs(a.sin_port));
    const char *const set[] = {"bootstrap.servers",
                               boot,
                               "request.timeout.ms",
                               "300",
                               "socket.connection.setup.timeout.ms",
                               "200",
                               "delivery.timeout.ms",
                               "1500",
                               NULL};
    kr_fbh_t h;
    fbh_open(&h, NULL, 10, set);
    for (uint64_t i = 0; i < 5; i++)
        assert_int_equal(kr_fbh_produce(&h, "t", KR_PARTITION_ANY, i, 100), 0);
    int64_t t0 = kr_fbh_now_ms();
    assert_int_equal(kr_flush(h.p, 10000), 0);
    int64_t took = kr_fbh_now_ms() - t0;
    assert_true(took < 5000);
    assert_int_equal(h.failed, 5);
    assert_string_equal(h.dr[0].error_name, "KR_ETIMEDOUT");
    kr_fbh_close(&h, 200);
    for (int i = 0; i < 4; i++)
        close(fill[i]);
    close(lfd);
}

/* Many faults of every kind over one long run: exact at the end. */
static void test_fault_storm(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S * 2, __func__);
    static const char *const set[] = {"request.timeout.ms", "300", "batch.size", "4096",
                                      "linger.ms",          "5",   NULL};
    kr_fb_t *fb = fbh_start(2, 6);
    static const int kinds[] = {KR_FB_GARBAGE,  KR_FB_TRUNCATE,  KR_FB_CLOSE,      KR_FB_BAD_CORR,
                                KR_FB_OVERSIZE, KR_FB_NO_ANSWER, KR_FB_GARBAGE_RAW};
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
            kr_fb_action_t ok = {.kind = KR_FB_ANSWER, .count = 3};
            kr_fb_action_t bad = {
                .kind = kinds[i], .no_apply = (i + round) % 2 == 1, .order = KR_FB_ORDER_SHUFFLED};
            kr_fb_script(fb, KR_API_Produce, &ok);
            kr_fb_script(fb, KR_API_Produce, &bad);
        }
    }
    kr_fbh_t h;
    enum { N = 30000 };
    fbh_open(&h, fb, N, set);
    fbh_produce_range(&h, 0, N, 6, 40);
    fbh_flush_exact(&h, 60000, N);
    print_message("faults left unused: %d\n", kr_fb_script_left(fb, KR_API_Produce));
    fbh_finish(&h);
}

/* A bootstrap list whose first entry is down: the other one serves, nothing lost. */
static void test_bootstrap_first_entry_down(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_t *fb = fbh_start(1, 2);
    char boot[128];
    snprintf(boot, sizeof(boot), "127.0.0.1:%d,%s", closed_port(), kr_fb_bootstrap(fb));
    const char *const set[] = {"bootstrap.servers", boot, NULL};
    kr_fbh_t h;
    fbh_open(&h, fb, 500, set);
    fbh_produce_range(&h, 0, 500, 2, 50);
    fbh_flush_exact(&h, 20000, 500);
    fbh_finish(&h);
}

/*
 * A response that leaves out one of the partitions asked for (it was written), while
 * later requests are in flight: the engine retries that batch, the broker recognises the
 * duplicate, nothing doubles, and the delivery reports of that partition stay in order
 * (the later batches, acked first, are reported after the retried one).
 */
static void test_partition_missing_from_response(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    /* The first three Produce answers: on a loaded machine the first request may not
     * carry partition 2 yet, and the fault must land at least once. */
    kr_fb_action_t a = {.kind = KR_FB_DELAY,
                        .count = 3,
                        .delay_ms = 100,
                        .order = KR_FB_ORDER_SHUFFLED,
                        .perr_cnt = 1,
                        .perr = {{"t", 2, KR_FB_OMIT}}};
    static const char *const set[] = {"batch.size", "2048", NULL};
    assert_true(run_scripted(KR_API_Produce, &a, 2000, 4, set) >= 1);
}

/*
 * Small socket buffers and large batches: sendmsg writes part of a request and the
 * engine sends the rest; the fake reads whole frames only.
 */
static void test_partial_sends(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    static const char *const set[] = {
        "send.buffer.bytes", "4096", "receive.buffer.bytes", "4096", "batch.size", "131072",
        "linger.ms",         "20",   "compression.type",     "none", NULL};
    kr_fbh_t h;
    fbh_open(&h, fbh_start(1, 3), 600, set);
    fbh_produce_range(&h, 0, 600, 3, 3000);
    fbh_flush_exact(&h, 30000, 600);
    fbh_finish(&h);
}

/*
 * kr_producer_close while requests are in flight to a broker that never answers: every
 * record still gets exactly one delivery report (KR_ETIMEDOUT), none is dropped
 * silently, and close is bounded.
 */
static void test_close_with_requests_in_flight(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_t *fb = fbh_start(1, 2);
    kr_fb_action_t a = {.kind = KR_FB_NO_ANSWER, .count = -1};
    kr_fb_script(fb, KR_API_Produce, &a);
    kr_fbh_t h;
    fbh_open(&h, fb, 100, NULL);
    fbh_produce_range(&h, 0, 40, 2, 100);
    /* until the fake has seen the Produce requests: they are in flight */
    int64_t until = kr_fbh_now_ms() + 5000;
    while (kr_fb_requests(fb, KR_API_Produce) < 1 && kr_fbh_now_ms() < until)
        kr_poll(h.p, 10);
    assert_true(kr_fb_requests(fb, KR_API_Produce) >= 1);
    kr_stats_t st;
    kr_stats(h.p, &st);
    assert_true(st.requests_in_flight >= 1);
    int64_t t0 = kr_fbh_now_ms();
    kr_producer_close(h.p, 200);
    h.p = NULL;
    assert_true(kr_fbh_now_ms() - t0 < 3000);
    if (h.dr_cnt != 40)
        fail_msg("40 records produced, %zu delivery reports after close", h.dr_cnt);
    assert_int_equal(h.failed, 40);
    for (size_t i = 0; i < h.dr_cnt; i++)
        assert_int_equal(h.dr[i].err, KR_ETIMEDOUT);
    fbh_finish(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_byte_pieces),
        cmocka_unit_test(test_pieces_with_pauses),
        cmocka_unit_test(test_delay_within_timeout),
        cmocka_unit_test(test_produce_response_lost),
        cmocka_unit_test(test_produce_fault_mid_stream),
        cmocka_unit_test(test_control_responses_lost),
        cmocka_unit_test(test_request_timeout_then_retry),
        cmocka_unit_test(test_never_recovers),
        cmocka_unit_test(test_unreachable_bootstrap),
        cmocka_unit_test(test_connect_blackhole),
        cmocka_unit_test(test_fault_storm),
        cmocka_unit_test(test_bootstrap_first_entry_down),
        cmocka_unit_test(test_partition_missing_from_response),
        cmocka_unit_test(test_partial_sends),
        cmocka_unit_test(test_close_with_requests_in_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
