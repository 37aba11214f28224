/*
 * Host names: kr_resolve looks them up off the producer's thread and keeps every address;
 * a connection tries them in turn. The fake broker listens on 127.0.0.1 only, so with
 * localhost resolving to ::1 first (the _dual run: nss_wrapper with tests/unit/hosts-dual)
 * the connect to ::1 is refused and the producer must move on to 127.0.0.1.
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kr_fakebroker.h"
#include "kr_fbh_check.h"
#include "kr_resolve.h"

#define TEST_LIMIT_S 60

/* Waits for a lookup's outcome, as a connection's ticks would. */
static int resolve_wait(kr_resolve_t *r, const char *host, int port, char *err, size_t len)
{
    int rc = kr_resolve_start(r, host, port, err, len);
    for (int i = 0; rc == KR_RESOLVE_PENDING && i < 30000; i++) {
        usleep(1000);
        rc = kr_resolve_poll(r, err, len);
    }
    return rc;
}

/* Every address getaddrinfo gives for localhost, in its order. */
static void test_every_address(void **state)
{
    (void)state;
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG};
    struct addrinfo *res = NULL;
    assert_int_equal(getaddrinfo("localhost", "9092", &hints, &res), 0);
    kr_resolve_t r = {0};
    char err[256] = "";
    assert_int_equal(resolve_wait(&r, "localhost", 9092, err, sizeof(err)), 0);
    int n = 0;
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next, n++) {
        socklen_t len = 0;
        const struct sockaddr *a = kr_resolve_next(&r, &len);
        assert_non_null(a);
        assert_int_equal(len, ai->ai_addrlen);
        assert_memory_equal(a, ai->ai_addr, len);
    }
    socklen_t len = 0;
    assert_null(kr_resolve_next(&r, &len));
    if (getenv("KR_TEST_DUAL_LOCALHOST") != NULL) {
        assert_int_equal(n, 2);
        assert_int_equal(r.addr[0].ss_family, AF_INET6);
        assert_int_equal(r.addr[1].ss_family, AF_INET);
    }
    freeaddrinfo(res);
    kr_resolve_free(&r);
}

/* A numeric address needs no thread; a name that does not exist fails with a reason. */
static void test_numeric_and_missing(void **state)
{
    (void)state;
    kr_resolve_t r = {0};
    char err[256] = "";
    assert_int_equal(kr_resolve_start(&r, "::1", 1, err, sizeof(err)), 0);
    assert_false(kr_resolve_busy(&r));
    assert_int_equal(r.cnt, 1);
    assert_int_equal(resolve_wait(&r, "no-such-host.invalid", 1, err, sizeof(err)), KR_ETRANSPORT);
    assert_non_null(strstr(err, "no-such-host.invalid"));
    /* A lookup given up on is freed by its thread (LeakSanitizer checks at exit). */
    assert_int_equal(kr_resolve_start(&r, "localhost", 1, err, sizeof(err)), KR_RESOLVE_PENDING);
    kr_resolve_cancel(&r);
    kr_resolve_free(&r);
}

/* The producer bootstrapped by name: every record delivered exactly once. */
static void test_producer_localhost(void **state)
{
    (void)state;
    kr_fbh_watchdog(TEST_LIMIT_S, __func__);
    kr_fb_conf_t fc;
    kr_fb_conf_defaults(&fc);
    kr_fb_conf_topic(&fc, "t", 3);
    kr_fb_t *fb = kr_fb_start(&fc);
    assert_non_null(fb);
    char boot[64];
    snprintf(boot, sizeof(boot), "localhost:%d", kr_fb_port(fb, 1));
    const char *const settings[] = {"bootstrap.servers", boot, NULL};
    kr_fbh_t h;
    assert_int_equal(kr_fbh_open(&h, fb, 1000, settings), 0);
    for (uint64_t i = 0; i < 1000; i++)
        assert_int_equal(kr_fbh_produce(&h, "t", (int32_t)(i % 3), i, 40), 0);
    assert_int_equal(kr_flush(h.p, 20000), 0);
    check_exact(&h, 0, "t", 1000);
    check_no_violations(fb);
    kr_fbh_close(&h, 1000);
    kr_fb_stop(fb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_address),
        cmocka_unit_test(test_numeric_and_missing),
        cmocka_unit_test(test_producer_localhost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
