/*
 * Producer settings through the public API: every key of engine/kr_conf.c's table (and
 * its librdkafka alias) takes a good value and reads it back; bad values and unknown
 * keys fail with KR_ECONFIG and a message naming them; settings that conflict make
 * kr_producer_new fail with a message naming them; io.engine picks the transport the
 * producer names. The fallback from a refused io_uring is tested by running the engine
 * suite under tests/seccomp's filter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kring.h"

#define BADS_MAX 8

typedef struct conf_case {
    const char *key;
    const char *alias;         /* or NULL */
    const char *good;          /* a value to set */
    const char *back;          /* what kr_conf_get gives back for it */
    const char *bad[BADS_MAX]; /* NULL-terminated */
} conf_case_t;

static char long_str[2048];
static char long_id[300];
static char long_debug[200];

static const conf_case_t cases[] = {
    {"bootstrap.servers", "metadata.broker.list", "h1:9092,h2:9093", "h1:9092,h2:9093", {long_str}},
    {"client.id", NULL, "my-client", "my-client", {long_id}},
    {"acks", "request.required.acks", "1", "1", {"2", "-2", "al", "", "none"}},
    {"enable.idempotence", NULL, "false", "false", {"yes", "2", ""}},
    {"compression.type",
     "compression.codec",
     "zstd",
     "zstd",
     {"gzip2", "", "lz5", "gzip", "snappy", "zstd5"}},
    {"compression.level", "compression.zstd.level", "-7", "-7", {"23", "-131073", "x", "", "3.5"}},
    {"linger.ms", "queue.buffering.max.ms", "7", "7", {"-1", "900001", "x", "", "7ms"}},
    {"batch.size", NULL, "65536", "65536", {"1023", "16777217", "1e5"}},
    {"max.in.flight.requests.per.connection", "max.in.flight", "3", "3", {"0", "65"}},
    {"retries", "message.send.max.retries", "0", "0", {"-1", "2147483648"}},
    {"retry.backoff.ms", NULL, "250", "250", {"0", "300001"}},
    {"retry.backoff.max.ms", NULL, "5000", "5000", {"0", "300001"}},
    {"request.timeout.ms", NULL, "15000", "15000", {"99", "900001"}},
    {"delivery.timeout.ms", "message.timeout.ms", "60000", "60000", {"99", "2147483648"}},
    {"buffer.memory", NULL, "33554432", "33554432", {"1048575", "68719476737", "1.5"}},
    {"max.request.size", "message.max.bytes", "2097152", "2097152", {"1023", "268435457"}},
    {"metadata.max.age.ms", NULL, "60000", "60000", {"999", "-5"}},
    {"partitioner", NULL, "murmur2_random", "murmur2_random", {"random", "", "crc32"}},
    {"send.buffer.bytes", "socket.send.buffer.bytes", "131072", "131072", {"-1", "1073741825"}},
    {"receive.buffer.bytes",
     "socket.receive.buffer.bytes",
     "131072",
     "131072",
     {"-1", "1073741825"}},
    {"socket.connection.setup.timeout.ms", NULL, "5000", "5000", {"99", "900001"}},
    {"reconnect.backoff.ms", NULL, "20", "20", {"0", "300001"}},
    {"reconnect.backoff.max.ms", NULL, "2000", "2000", {"0", "300001"}},
    {"topic.metadata.propagation.max.ms", NULL, "0", "0", {"-1", "3600001"}},
    {"debug", NULL, "all", "all", {long_debug}},
    {"io.engine", NULL, "poll", "poll", {"", "uring", "epoll", "POLL"}},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static int setup(void **state)
{
    (void)state;
    memset(long_str, 'h', sizeof(long_str) - 1);
    memset(long_id, 'c', sizeof(long_id) - 1);
    memset(long_debug, 'a', sizeof(long_debug) - 1);
    return 0;
}

static void test_every_key_good_value(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        const conf_case_t *c = &cases[i];
        for (int use_alias = 0; use_alias <= (c->alias != NULL); use_alias++) {
            const char *key = use_alias ? c->alias : c->key;
            kr_conf_t *conf = kr_conf_new();
            assert_non_null(conf);
            char err[256] = "untouched";
            int rc = kr_conf_set(conf, key, c->good, err, sizeof(err));
            if (rc != 0)
                fail_msg("%s=%s refused: %s", key, c->good, err);
            char buf[2048];
            assert_int_equal(kr_conf_get(conf, c->key, buf, sizeof(buf)), 0);
            assert_string_equal(buf, c->back);
            if (c->alias != NULL) {
                assert_int_equal(kr_conf_get(conf, c->alias, buf, sizeof(buf)), 0);
                assert_string_equal(buf, c->back);
            }
            kr_conf_destroy(conf);
        }
    }
}

static void test_every_key_bad_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        const conf_case_t *c = &cases[i];
        for (int k = 0; k < BADS_MAX && c->bad[k] != NULL; k++) {
            for (int use_alias = 0; use_alias <= (c->alias != NULL); use_alias++) {
                const char *key = use_alias ? c->alias : c->key;
                kr_conf_t *conf = kr_conf_new();
                assert_non_null(conf);
                char before[2048], after[2048];
                assert_int_equal(kr_conf_get(conf, c->key, before, sizeof(before)), 0);
                char err[4096] = "";
                int rc = kr_conf_set(conf, key, c->bad[k], err, sizeof(err));
                if (rc != KR_ECONFIG)
                    fail_msg("%s=\"%.40s\" accepted (rc %d)", key, c->bad[k], rc);
                if (strstr(err, key) == NULL)
                    fail_msg("the message for %s=\"%.40s\" does not name it: %s", key, c->bad[k],
                             err);
                /* a refused value leaves the setting as it was */
                assert_int_equal(kr_conf_get(conf, c->key, after, sizeof(after)), 0);
                assert_string_equal(before, after);
                kr_conf_destroy(conf);
            }
        }
        /* NULL is never a value */
        kr_conf_t *conf = kr_conf_new();
        char err[256] = "";
        assert_int_equal(kr_conf_set(conf, c->key, NULL, err, sizeof(err)), KR_ECONFIG);
        assert_non_null(strstr(err, c->key));
        kr_conf_destroy(conf);
    }
}

/* gzip and snappy are Kafka codecs kring does not write: refused with their own line. */
static void test_codec_refusals(void **state)
{
    (void)state;
    static const char *const refused[] = {"gzip", "snappy", "GZIP"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        kr_conf_t *conf = kr_conf_new();
        char err[256] = "";
        assert_int_equal(kr_conf_set(conf, "compression.type", refused[i], err, sizeof(err)),
                         KR_ECONFIG);
        assert_non_null(strstr(err, "not supported by kring"));
        kr_conf_destroy(conf);
    }
}

static void test_unknown_keys(void **state)
{
    (void)state;
    static const char *const unknown[] = {
        "bootstrap.server", "lingerms",        "", "ACKS", "queue.buffering.max.messages",
        "linger.ms ",       "transactional.id"};
    kr_conf_t *conf = kr_conf_new();
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        char err[256] = "";
        assert_int_equal(kr_conf_set(conf, unknown[i], "1", err, sizeof(err)), KR_ECONFIG);
        char quoted[64];
        snprintf(quoted, sizeof(quoted), "\"%s\"", unknown[i]);
        if (strstr(err, quoted) == NULL)
            fail_msg("the message for unknown key %s does not name it: %s", quoted, err);
        char buf[64];
        assert_int_equal(kr_conf_get(conf, unknown[i], buf, sizeof(buf)), KR_ECONFIG);
    }
    char err[256] = "";
    assert_int_equal(kr_conf_set(conf, NULL, "1", err, sizeof(err)), KR_ECONFIG);
    kr_conf_destroy(conf);
}

/*
 * debug takes "" or "all" (kr_conf.h); anything else is a bad value, as librdkafka
 * refuses an unknown debug context.
 */
static void test_debug_values(void **state)
{
    (void)state;
    static const char *const bad[] = {"nonsense", "al", "ALL ", "1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kr_conf_t *conf = kr_conf_new();
        char err[256] = "";
        int rc = kr_conf_set(conf, "debug", bad[i], err, sizeof(err));
        kr_conf_destroy(conf);
        if (rc != KR_ECONFIG)
            fail_msg("debug=\"%s\" accepted (rc %d)", bad[i], rc);
        assert_non_null(strstr(err, "debug"));
    }
}

/* errstr is always NUL-terminated when errlen > 0, and untouched when it is 0. */
static void test_errstr_bounds(void **state)
{
    (void)state;
    kr_conf_t *conf = kr_conf_new();
    char err[8];
    memset(err, 'x', sizeof(err));
    assert_int_equal(kr_conf_set(conf, "linger.ms", "oops", err, sizeof(err)), KR_ECONFIG);
    assert_int_equal(err[7], '\0');
    assert_int_equal(strlen(err), 7);
    char none[4] = "abc";
    assert_int_equal(kr_conf_set(conf, "nope", "1", none, 0), KR_ECONFIG);
    assert_string_equal(none, "abc");
    kr_conf_destroy(conf);
}

/* Defaults, as documented (Java's where they mean the same). */
static void test_defaults(void **state)
{
    (void)state;
    static const char *const want[][2] = {{"acks", "all"},
                                          {"compression.type", "lz4"},
                                          {"linger.ms", "5"},
                                          {"max.in.flight.requests.per.connection", "5"},
                                          {"retry.backoff.ms", "100"},
                                          {"retry.backoff.max.ms", "1000"},
                                          {"request.timeout.ms", "30000"},
                                          {"delivery.timeout.ms", "120000"},
                                          {"partitioner", "murmur2"},
                                          {"enable.idempotence", "default"},
                                          {"bootstrap.servers", ""},
                                          {"compression.level", "3"}};
    kr_conf_t *conf = kr_conf_new();
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char buf[64];
        assert_int_equal(kr_conf_get(conf, want[i][0], buf, sizeof(buf)), 0);
        if (strcmp(buf, want[i][1]) != 0)
            fail_msg("%s defaults to %s, expected %s", want[i][0], buf, want[i][1]);
    }
    kr_conf_destroy(conf);
}

/* Settings that contradict each other: kr_producer_new says which. */
static void test_producer_new_conflicts(void **state)
{
    (void)state;
    static const struct {
        const char *set[8];
        const char *names[2]; /* each must appear in the message */
    } cases_[] = {
        {{NULL}, {"bootstrap.servers", NULL}},
        {{"bootstrap.servers", "h:1", "enable.idempotence", "true", "acks", "1", NULL},
         {"enable.idempotence", "acks"}},
        {{"bootstrap.servers", "h:1", "max.in.flight.requests.per.connection", "6", NULL},
         {"enable.idempotence", "max.in.flight.requests.per.connection"}},
        {{"bootstrap.servers", "h:1", "retry.backoff.ms", "500", "retry.backoff.max.ms", "100",
          NULL},
         {"retry.backoff.max.ms", "retry.backoff.ms"}},
        {{"bootstrap.servers", "h:1", "batch.size", "2000000", NULL},
         {"batch.size", "max.request.size"}},
        {{"bootstrap.servers", "h:1", "batch.size", "1000000", "buffer.memory", "2000000", NULL},
         {"buffer.memory", "batch.size"}},
        {{"bootstrap.servers", "h:1", "delivery.timeout.ms", "1000", "request.timeout.ms", "5000",
          NULL},
         {"delivery.timeout.ms", "request.timeout.ms"}},
        {{"bootstrap.servers", "nohostport", NULL}, {"bootstrap.servers", "nohostport"}},
        {{"bootstrap.servers", "h:0", NULL}, {"bootstrap.servers", "h:0"}},
        {{"bootstrap.servers", "h:70000", NULL}, {"bootstrap.servers", "h:70000"}},
        {{"bootstrap.servers", ":9092", NULL}, {"bootstrap.servers", ":9092"}},
        {{"bootstrap.servers", "h:1,h2:x", NULL}, {"bootstrap.servers", "h2:x"}},
        {{"bootstrap.servers", ",", NULL}, {"bootstrap.servers", NULL}},
    };
    for (size_t i = 0; i < sizeof(cases_) / sizeof(cases_[0]); i++) {
        kr_conf_t *conf = kr_conf_new();
        char err[512] = "";
        for (int k = 0; cases_[i].set[k] != NULL; k += 2)
            assert_int_equal(
                kr_conf_set(conf, cases_[i].set[k], cases_[i].set[k + 1], err, sizeof(err)), 0);
        kr_producer_t *p = NULL;
        int rc = kr_producer_new(&p, conf, err, sizeof(err));
        if (rc != KR_ECONFIG)
            fail_msg("case %zu: kr_producer_new gave %d (%s), not KR_ECONFIG", i, rc, err);
        assert_null(p);
        for (int k = 0; k < 2; k++)
            if (cases_[i].names[k] != NULL && strstr(err, cases_[i].names[k]) == NULL)
                fail_msg("case %zu: the message does not name %s: %s", i, cases_[i].names[k], err);
        kr_conf_destroy(conf);
    }
}

/* The configuration is copied: changing or destroying it after creation is harmless. */
static void test_conf_copied(void **state)
{
    (void)state;
    kr_conf_t *conf = kr_conf_new();
    char err[256];
    assert_int_equal(kr_conf_set(conf, "bootstrap.servers", "127.0.0.1:9", err, sizeof(err)), 0);
    kr_producer_t *p = NULL;
    assert_int_equal(kr_producer_new(&p, conf, err, sizeof(err)), 0);
    assert_int_equal(kr_conf_set(conf, "bootstrap.servers", "x:1", err, sizeof(err)), 0);
    kr_conf_destroy(conf);
    assert_int_equal(kr_flush(p, 0), 0);
    kr_producer_close(p, 0);
}

/* io.engine: each value gives the transport it names; auto gives one of the two. */
static void test_io_engine(void **state)
{
    (void)state;
    static const char *const engines[][2] = {
        {"poll", "poll"}, {"io_uring", "io_uring"}, {"auto", NULL}};
    for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
        kr_conf_t *conf = kr_conf_new();
        char err[256];
        assert_int_equal(kr_conf_set(conf, "bootstrap.servers", "127.0.0.1:9", err, sizeof(err)),
                         0);
        assert_int_equal(kr_conf_set(conf, "io.engine", engines[i][0], err, sizeof(err)), 0);
        kr_producer_t *p = NULL;
        assert_int_equal(kr_producer_new(&p, conf, err, sizeof(err)), 0);
        const char *name = kr_producer_transport(p);
        if (engines[i][1] != NULL)
            assert_string_equal(name, engines[i][1]);
        else
            assert_true(strcmp(name, "io_uring") == 0 || strcmp(name, "poll") == 0);
        kr_producer_close(p, 0);
        kr_conf_destroy(conf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key_good_value),
        cmocka_unit_test(test_every_key_bad_values),
        cmocka_unit_test(test_codec_refusals),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_debug_values),
        cmocka_unit_test(test_errstr_bounds),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_producer_new_conflicts),
        cmocka_unit_test(test_conf_copied),
        cmocka_unit_test(test_io_engine),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
