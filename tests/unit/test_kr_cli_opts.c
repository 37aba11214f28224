/* kring's command line: every flag, good and bad values, defaults, settings order. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <cmocka.h>

#include "kr_cli_opts.h"

static kr_cli_opts_t o;
static char err[512];

/* Parses a NULL-terminated list of arguments after the subcommand's name. */
static int parse_v(kr_cli_cmd_t cmd, const char *const *args)
{
    static char store[64][256];
    static char *argv[66];
    int argc = 0;
    argv[argc++] = (char *)kr_cli_cmd_name(cmd);
    for (; *args != NULL; args++, argc++) {
        assert_true(argc < 64);
        snprintf(store[argc], sizeof(store[argc]), "%s", *args);
        argv[argc] = store[argc];
    }
    argv[argc] = NULL;
    return kr_cli_opts_parse(&o, cmd, argc, argv, err, sizeof(err));
}

#define PARSE(cmd, ...) parse_v((cmd), (const char *const[]){__VA_ARGS__, NULL})
#define PRODUCE(...) PARSE(KR_CLI_CMD_PRODUCE, "-b", "h:9092", "-t", "t", __VA_ARGS__)

/* A failure with a message that contains want and is one line. */
static void expect_fail(int rc, const char *want)
{
    assert_int_equal(rc, -1);
    if (strstr(err, want) == NULL)
        fail_msg("message '%s' lacks '%s'", err, want);
    assert_null(strchr(err, '\n'));
    assert_true(strlen(err) > 0);
}

static const char *setting(const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; i < o.setting_cnt; i++) {
        if (strcmp(o.settings[i].key, key) == 0)
            v = o.settings[i].value;
    }
    return v;
}

static void env_clear(void)
{
    unsetenv("KRING_INSTANCE");
    unsetenv("JOB_COMPLETION_INDEX");
    unsetenv("KRING_INSTANCES");
}

/* --instance I/N, then the environment: KRING_INSTANCE, or an Indexed Job's index. */
static void test_instance(void **state)
{
    (void)state;
    env_clear();
    assert_int_equal(PRODUCE("-n", "10"), 0);
    assert_int_equal(o.instance, 0);
    assert_int_equal(o.instances, 1);
    assert_int_equal(PRODUCE("--instance", "2/5", "--threads", "3"), 0);
    assert_int_equal(o.instance, 2);
    assert_int_equal(o.instances, 5);
    assert_int_equal(PRODUCE("--instance", "0/1"), 0);
    assert_int_equal(o.instances, 1);
    assert_int_equal(PRODUCE("--instance", "65535/65536"), 0);
    static const char *const bad[] = {"5/5",  "1/0",   "0/65537", "1",    "/2", "1/",
                                      "-1/2", "1/2/3", "a/2",     "1/2x", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_fail(PRODUCE("--instance", bad[i]), "--instance");
    expect_fail(PRODUCE("--source", "-", "--instance", "0/2"), "not stdin");
    assert_int_equal(PRODUCE("--source", "file:x", "--instance", "1/2"), 0);
    expect_fail(PRODUCE("--rate", "5", "--threads", "2", "--instance", "0/3"),
                "--rate (5) must be at least");
    assert_int_equal(PRODUCE("--rate", "6", "--threads", "2", "--instance", "0/3"), 0);
    assert_int_equal(PARSE(KR_CLI_CMD_GENERATE, "--instance", "1/3"), 0);
    assert_int_equal(o.instance, 1);

    setenv("KRING_INSTANCE", "3/4", 1);
    assert_int_equal(PRODUCE("-n", "10"), 0);
    assert_int_equal(o.instance, 3);
    assert_int_equal(o.instances, 4);
    assert_int_equal(PRODUCE("--instance", "1/2"), 0); /* the flag wins */
    assert_int_equal(o.instance, 1);
    assert_int_equal(o.instances, 2);
    setenv("KRING_INSTANCE", "4/4", 1);
    expect_fail(PRODUCE("-n", "10"), "KRING_INSTANCE");
    env_clear();

    setenv("JOB_COMPLETION_INDEX", "7", 1);
    expect_fail(PRODUCE("-n", "10"), "needs KRING_INSTANCES");
    setenv("KRING_INSTANCES", "8", 1);
    assert_int_equal(PRODUCE("-n", "10"), 0);
    assert_int_equal(o.instance, 7);
    assert_int_equal(o.instances, 8);
    setenv("KRING_INSTANCE", "0/2", 1); /* KRING_INSTANCE before the Job's index */
    assert_int_equal(PRODUCE("-n", "10"), 0);
    assert_int_equal(o.instances, 2);
    unsetenv("KRING_INSTANCE");
    setenv("KRING_INSTANCES", "7", 1);
    expect_fail(PRODUCE("-n", "10"), "JOB_COMPLETION_INDEX=7, KRING_INSTANCES=7");
    setenv("KRING_INSTANCES", "x", 1);
    expect_fail(PRODUCE("-n", "10"), "JOB_COMPLETION_INDEX");
    assert_int_equal(PARSE(KR_CLI_CMD_METADATA, "-b", "h:1"), 0); /* not metadata's */
    env_clear();
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(PARSE(KR_CLI_CMD_PRODUCE, "-b", "h:9092", "-t", "flights"), 0);
    assert_string_equal(o.bootstrap, "h:9092");
    assert_string_equal(o.topic, "flights");
    assert_int_equal(o.source, KR_CLI_SRC_FLIGHTS);
    assert_int_equal(o.count, KR_CLI_COUNT_DEFAULT);
    assert_int_equal(o.duration_ns, 0);
    assert_int_equal(o.rate, 0);
    assert_int_equal(o.record_size, 0);
    assert_int_equal(o.partition, KR_CLI_PARTITION_ANY);
    assert_int_equal(o.key, KR_FLIGHTS_KEY_ICAO24);
    assert_int_equal(o.threads, 1);
    assert_int_equal(o.seed, 1);
    assert_int_equal(o.fleet, KR_FLIGHTS_FLEET_DEFAULT);
    assert_null(o.report_json);
    assert_int_equal(o.quiet, 0);
    assert_int_equal(o.dry_run, 0);
    assert_string_equal(setting("bootstrap.servers"), "h:9092");
}

static void test_every_flag(void **state)
{
    (void)state;
    assert_int_equal(PARSE(KR_CLI_CMD_PRODUCE, "--bootstrap", "a:1,b:2", "--topic", "x", "--count",
                           "5k", "--duration", "1.5s", "--rate", "2m", "--record-size", "1k",
                           "--acks", "all", "--compression", "lz4", "--linger-ms", "5",
                           "--batch-size", "64k", "--partition", "3", "--key", "callsign",
                           "--threads", "2", "--seed", "0x10", "--fleet", "100", "--report-json",
                           "r.json", "--quiet", "-X", "client.id=me", "--dry-run"),
                     0);
    assert_string_equal(o.bootstrap, "a:1,b:2");
    assert_string_equal(o.topic, "x");
    assert_int_equal(o.count, 5000);
    assert_int_equal(o.duration_ns, 1500000000);
    assert_int_equal(o.rate, 2000000);
    assert_int_equal(o.record_size, 1024);
    assert_string_equal(setting("acks"), "all");
    assert_string_equal(setting("compression.type"), "lz4");
    assert_string_equal(setting("linger.ms"), "5");
    assert_string_equal(setting("batch.size"), "65536");
    assert_int_equal(o.partition, 3);
    assert_int_equal(o.key, KR_FLIGHTS_KEY_CALLSIGN);
    assert_int_equal(o.threads, 2);
    assert_int_equal(o.seed, 16);
    assert_int_equal(o.fleet, 100);
    assert_string_equal(o.report_json, "r.json");
    assert_int_equal(o.quiet, 1);
    assert_int_equal(o.dry_run, 1);
    assert_string_equal(setting("client.id"), "me");
    assert_string_equal(setting("bootstrap.servers"), "a:1,b:2");

    assert_int_equal(PARSE(KR_CLI_CMD_PRODUCE, "--brokers", "h:1", "-t", "x", "-n", "7", "-q",
                           "--source", "file:/tmp/x", "-K", "\\t"),
                     0);
    assert_int_equal(o.count, 7);
    assert_int_equal(o.quiet, 1);
    assert_int_equal(o.source, KR_CLI_SRC_FILE);
    assert_string_equal(o.path, "/tmp/x");
    assert_int_equal(o.key_delim_len, 1);
    assert_int_equal(o.key_delim[0], '\t');
    assert_int_equal(o.key, KR_FLIGHTS_KEY_NONE);
    assert_int_equal(PRODUCE("--source=-", "--key-delimiter=::"), 0);
    assert_int_equal(o.source, KR_CLI_SRC_STDIN);
    assert_int_equal(o.count, 0);
    assert_string_equal(o.key_delim, "::");
    assert_int_equal(PRODUCE("--source", "stdin"), 0);
    assert_int_equal(o.source, KR_CLI_SRC_STDIN);
    assert_int_equal(PRODUCE("--acks", "-1"), 0);
    assert_string_equal(setting("acks"), "all");
    assert_int_equal(PRODUCE("--acks", "0", "--acks", "1"), 0);
    assert_string_equal(setting("acks"), "1");
    assert_int_equal(PRODUCE("--key", "none"), 0);
    assert_int_equal(o.key, KR_FLIGHTS_KEY_NONE);
    assert_int_equal(PRODUCE("--duration", "10"), 0);
    assert_int_equal(o.duration_ns, 10000000000LL);
    assert_int_equal(o.count, 0);
}

/* Settings keep command-line order, so the last one given wins in kr_conf_set(). */
static void test_settings_order(void **state)
{
    (void)state;
    assert_int_equal(PRODUCE("-X", "linger.ms=1", "--linger-ms", "7", "-X", "acks=0", "-X",
                             "x.y=a=b", "-X", "empty="),
                     0);
    assert_int_equal(o.setting_cnt, 6);
    assert_string_equal(o.settings[0].key, "bootstrap.servers");
    assert_string_equal(o.settings[1].key, "linger.ms");
    assert_string_equal(o.settings[1].value, "1");
    assert_string_equal(o.settings[2].key, "linger.ms");
    assert_string_equal(o.settings[2].value, "7");
    assert_string_equal(o.settings[3].key, "acks");
    assert_string_equal(o.settings[4].key, "x.y");
    assert_string_equal(o.settings[4].value, "a=b");
    assert_string_equal(o.settings[5].key, "empty");
    assert_string_equal(o.settings[5].value, "");
}

static void test_bad_values(void **state)
{
    (void)state;
    expect_fail(PRODUCE("--count", "0"), "--count: '0' is not a positive integer");
    expect_fail(PRODUCE("-n", "-5"), "--count");
    expect_fail(PRODUCE("-n", "abc"), "--count: 'abc'");
    expect_fail(PRODUCE("-n", "5x"), "--count");
    expect_fail(PRODUCE("-n", "99999999999999999999"), "--count");
    expect_fail(PRODUCE("-n", ""), "--count");
    expect_fail(PRODUCE("--duration", "0s"), "--duration: '0s'");
    expect_fail(PRODUCE("--duration", "5 s"), "--duration");
    expect_fail(PRODUCE("--duration", "5d"), "--duration");
    expect_fail(PRODUCE("--duration", "-1s"), "--duration");
    expect_fail(PRODUCE("--duration", "1."), "--duration");
    expect_fail(PRODUCE("--rate", "0"), "--rate: '0' is not a positive integer");
    expect_fail(PRODUCE("--rate", "fast"), "--rate");
    expect_fail(PRODUCE("--record-size", "0"), "--record-size: '0'");
    expect_fail(PRODUCE("--record-size", "17m"), "--record-size");
    expect_fail(PRODUCE("--record-size", "1kb"), "--record-size");
    expect_fail(PRODUCE("--acks", "2"), "--acks: '2' is not 0, 1, all or -1");
    expect_fail(PRODUCE("--acks", "ALL"), "--acks");
    expect_fail(PRODUCE("--compression", "lzma"), "--compression: 'lzma'");
    expect_fail(PRODUCE("--linger-ms", "-1"), "--linger-ms");
    expect_fail(PRODUCE("--linger-ms", "900001"), "--linger-ms");
    expect_fail(PRODUCE("--linger-ms", "soon"), "--linger-ms");
    expect_fail(PRODUCE("--batch-size", "0"), "--batch-size: '0'");
    expect_fail(PRODUCE("--batch-size", "3g"), "--batch-size");
    expect_fail(PRODUCE("--partition", "-1"), "--partition");
    expect_fail(PRODUCE("--partition", "2147483648"), "--partition");
    expect_fail(PRODUCE("--key", "latitude"), "--key: 'latitude' is not one of");
    expect_fail(PRODUCE("--threads", "0"), "--threads: '0' is not an integer from 1 to 256");
    expect_fail(PRODUCE("--threads", "257"), "--threads");
    expect_fail(PRODUCE("--seed", "-1"), "--seed");
    expect_fail(PRODUCE("--seed", "0x"), "--seed");
    expect_fail(PRODUCE("--seed", "0x12345678901234567"), "--seed");
    expect_fail(PRODUCE("--seed", "12g"), "--seed");
    expect_fail(PRODUCE("--fleet", "0"), "--fleet");
    expect_fail(PRODUCE("--fleet", "1000001"), "--fleet");
    expect_fail(PRODUCE("--report-json", ""), "--report-json");
    expect_fail(PRODUCE("--source", "kafka"), "--source: 'kafka' is not flights, file:PATH or -");
    expect_fail(PRODUCE("--source", "file:"), "--source");
    expect_fail(PRODUCE("--source", "-", "-K", ""), "--key-delimiter: empty");
    expect_fail(PRODUCE("--source", "-", "-K", "\\q"), "--key-delimiter: unknown escape");
    expect_fail(PRODUCE("--source", "-", "-K", "\\n"), "--key-delimiter");
    expect_fail(PRODUCE("--source", "-", "-K", "0123456789abcdef"), "--key-delimiter");
    expect_fail(PRODUCE("-X", "novalue"), "-X: 'novalue' is not key=value");
    expect_fail(PRODUCE("-X", "=v"), "-X");
    expect_fail(PARSE(KR_CLI_CMD_PRODUCE, "-b", "", "-t", "x"), "--bootstrap: empty");
    expect_fail(PARSE(KR_CLI_CMD_PRODUCE, "-b", "h:1", "-t", ""), "--topic: empty");
}

static void test_unknown_and_missing(void **state)
{
    (void)state;
    expect_fail(PRODUCE("--nope"), "unknown option '--nope'");
    expect_fail(PRODUCE("--nope=3"), "unknown option '--nope'");
    expect_fail(PRODUCE("-y"), "unknown option '-y'");
    expect_fail(PRODUCE("--quiet=1"), "'--quiet'");
    expect_fail(PRODUCE("--rate"), "option '--rate' needs a value");
    expect_fail(PRODUCE("-n"), "option '-n' needs a value");
    expect_fail(PRODUCE("extra"), "unexpected argument 'extra'");
    expect_fail(PARSE(KR_CLI_CMD_PRODUCE, "-t", "x"), "-b/--bootstrap is required");
    expect_fail(PARSE(KR_CLI_CMD_PRODUCE, "-b", "h:1"), "-t/--topic is required");
    expect_fail(PARSE(KR_CLI_CMD_METADATA, "--rate", "5", "-b", "h:1"), "unknown option");
    expect_fail(PARSE(KR_CLI_CMD_METADATA, "-t", "x"), "-b/--bootstrap is required");
    expect_fail(PARSE(KR_CLI_CMD_GENERATE, "-b", "h:1"), "unknown option '-b'");
}

static void test_help(void **state)
{
    (void)state;
    assert_int_equal(PARSE(KR_CLI_CMD_PRODUCE, "--help"), KR_CLI_PARSE_HELP);
    assert_int_equal(PARSE(KR_CLI_CMD_PRODUCE, "-h"), KR_CLI_PARSE_HELP);
    assert_int_equal(PARSE(KR_CLI_CMD_PRODUCE, "--rate", "5", "-h"), KR_CLI_PARSE_HELP);
    assert_int_equal(PARSE(KR_CLI_CMD_METADATA, "--help"), KR_CLI_PARSE_HELP);
    assert_int_equal(PARSE(KR_CLI_CMD_GENERATE, "--help"), KR_CLI_PARSE_HELP);
}

static void test_conflicts(void **state)
{
    (void)state;
    expect_fail(PRODUCE("-K", ","), "--key-delimiter applies to file and stdin sources only");
    expect_fail(PRODUCE("--source", "-", "--record-size", "100"),
                "--record-size applies to --source flights only");
    expect_fail(PRODUCE("--source", "-", "--key", "icao24"), "--key applies");
    expect_fail(PRODUCE("--source", "file:x", "--seed", "3"), "--seed applies");
    expect_fail(PRODUCE("--source", "file:x", "--fleet", "3"), "--fleet applies");
    assert_int_equal(PRODUCE("--source", "-", "--threads", "2"), 0); /* a shared stream */
    assert_int_equal(PRODUCE("--fleet", "2", "--threads", "3"), 0);  /* parts may exceed it */
    expect_fail(PRODUCE("--rate", "2", "--threads", "3"), "--rate (2) must be at least");
    assert_int_equal(PRODUCE("--source", "file:x", "--threads", "2"), 0);
    assert_int_equal(PARSE(KR_CLI_CMD_PRODUCE, "--dry-run"), 0);
    assert_null(o.topic);
}

static void test_metadata(void **state)
{
    (void)state;
    assert_int_equal(PARSE(KR_CLI_CMD_METADATA, "-b", "h:1"), 0);
    assert_null(o.topic);
    assert_int_equal(o.timeout_ms, KR_CLI_META_TIMEOUT_MS);
    assert_int_equal(o.json, 0);
    assert_int_equal(PARSE(KR_CLI_CMD_METADATA, "-b", "h:1", "-t", "x", "-J", "--timeout-ms", "500",
                           "-X", "client.id=a"),
                     0);
    assert_string_equal(o.topic, "x");
    assert_int_equal(o.timeout_ms, 500);
    assert_int_equal(o.json, 1);
    assert_string_equal(setting("client.id"), "a");
    expect_fail(PARSE(KR_CLI_CMD_METADATA, "-b", "h:1", "--timeout-ms", "0"), "--timeout-ms");
}

static void test_generate(void **state)
{
    (void)state;
    assert_int_equal(PARSE(KR_CLI_CMD_GENERATE, "-n", "3"), 0);
    assert_int_equal(o.count, 3);
    assert_int_equal(o.key, KR_FLIGHTS_KEY_NONE);
    assert_int_equal(PARSE(KR_CLI_CMD_GENERATE, "--key", "icao24"), 0);
    assert_int_equal(o.count, KR_CLI_GENERATE_DEFAULT);
    assert_int_equal(o.key, KR_FLIGHTS_KEY_ICAO24);
    assert_string_equal(o.key_delim, "\t");
    assert_int_equal(PARSE(KR_CLI_CMD_GENERATE, "-K", "|", "--record-size", "500", "--seed", "9",
                           "--fleet", "10"),
                     0);
    assert_int_equal(o.key, KR_FLIGHTS_KEY_ICAO24);
    assert_string_equal(o.key_delim, "|");
    assert_int_equal(o.record_size, 500);
    expect_fail(PARSE(KR_CLI_CMD_GENERATE, "--key", "none", "-K", "|"), "--key-delimiter needs");
}

static void test_value_parsers(void **state)
{
    (void)state;
    uint64_t v;
    int64_t ns;
    assert_int_equal(kr_cli_parse_count("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(kr_cli_parse_count("18446744073709551615", &v), 0);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(kr_cli_parse_count("18446744073709551616", &v), -1);
    assert_int_equal(kr_cli_parse_count("3K", &v), 0);
    assert_int_equal(v, 3000);
    assert_int_equal(kr_cli_parse_count("2G", &v), 0);
    assert_int_equal(v, 2000000000);
    assert_int_equal(kr_cli_parse_count("18446744073709552k", &v), -1);
    assert_int_equal(kr_cli_parse_count("+5", &v), -1);
    assert_int_equal(kr_cli_parse_count(" 5", &v), -1);
    assert_int_equal(kr_cli_parse_size("2m", &v), 0);
    assert_int_equal(v, 2u << 20);
    assert_int_equal(kr_cli_parse_u64("0xFFFFFFFFFFFFFFFF", &v), 0);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(kr_cli_parse_u64("0x1g", &v), -1);
    assert_int_equal(kr_cli_parse_u64("0X1f", &v), 0);
    assert_int_equal(v, 31);
    assert_int_equal(kr_cli_parse_u64("0x", &v), -1);
    assert_int_equal(kr_cli_parse_u64("0x10000000000000000", &v), -1);
    const char *file = "file:/tmp/x";
    assert_ptr_equal(kr_cli_after_prefix(file, "file:"), file + strlen("file:"));
    assert_ptr_equal(kr_cli_after_prefix(file, ""), file);
    assert_null(kr_cli_after_prefix(file, "file:/tmp/xy"));
    assert_null(kr_cli_after_prefix("fil", "file:"));
    assert_int_equal(kr_cli_parse_duration("250ms", &ns), 0);
    assert_int_equal(ns, 250000000);
    assert_int_equal(kr_cli_parse_duration("2m", &ns), 0);
    assert_int_equal(ns, 120000000000LL);
    assert_int_equal(kr_cli_parse_duration("1h", &ns), 0);
    assert_int_equal(ns, 3600000000000LL);
    assert_int_equal(kr_cli_parse_duration("0.001s", &ns), 0);
    assert_int_equal(ns, 1000000);
    assert_int_equal(kr_cli_parse_duration("0.5ms", &ns), 0);
    assert_int_equal(ns, 500000);
    assert_int_equal(kr_cli_parse_duration("0.0000000001s", &ns), -1);
    assert_int_equal(kr_cli_parse_duration("9999999999999h", &ns), -1);
}

/* kcat / ProducerPerformance flags: -p -z -k -H -D --throughput -F. */
static void test_kcat_flags(void **state)
{
    (void)state;
    assert_int_equal(PRODUCE("-p", "3", "-z", "zstd", "-k", "K1", "-H", "a=1", "-H", "b=", "-H",
                             "c=x=y", "--throughput", "-1"),
                     0);
    assert_int_equal(o.partition, 3);
    assert_string_equal(setting("compression.type"), "zstd");
    assert_string_equal(o.fixed_key, "K1");
    assert_int_equal(o.fixed_key_len, 2);
    assert_int_equal(o.header_cnt, 3);
    assert_int_equal(o.headers[0].key_len, 1);
    assert_memory_equal(o.headers[0].key, "a", 1);
    assert_int_equal(o.headers[1].value_len, 0);
    assert_int_equal(o.headers[2].value_len, 3);
    assert_memory_equal(o.headers[2].value, "x=y", 3);
    assert_int_equal(o.rate, 0);
    assert_int_equal(PRODUCE("--throughput", "5000"), 0);
    assert_int_equal(o.rate, 5000);
    assert_int_equal(o.rec_delim, '\n');
    static const struct {
        const char *arg;
        char want;
    } delims[] = {
        {",", ','}, {"\\0", '\0'}, {"\\t", '\t'}, {"\\x1e", 0x1e}, {"\\n", '\n'}, {"\\\\", '\\'},
    };
    for (size_t i = 0; i < sizeof(delims) / sizeof(delims[0]); i++) {
        assert_int_equal(PRODUCE("--source", "-", "-D", delims[i].arg), 0);
        assert_int_equal(o.rec_delim, delims[i].want);
    }
    expect_fail(PRODUCE("-D", ","), "-D applies to file and stdin sources only");
    expect_fail(PRODUCE("--source", "-", "-D", ",,"), "-D: ',,' is not one byte");
    expect_fail(PRODUCE("--source", "-", "-D", "\\xZZ"), "is not one byte");
    expect_fail(PRODUCE("--source", "-", "-D", ",", "-K", ","), "-K and -D are the same");
    expect_fail(PRODUCE("-H", "novalue"), "-H: 'novalue' is not key=value");
    expect_fail(PRODUCE("-H", "=v"), "-H: '=v' is not key=value");
    expect_fail(PRODUCE("-k", "a", "--key", "callsign"), "-k (one key for every record)");
    expect_fail(PRODUCE("-z", "gzip"), "gzip is not supported by kring");
    expect_fail(PRODUCE("-z", "snappy"), "snappy is not supported by kring");
    expect_fail(PRODUCE("--compression", "brotli"), "'brotli' is not none, lz4 or zstd");
    expect_fail(PRODUCE("-p", "-1"), "--partition");
    expect_fail(PRODUCE("--throughput", "-2"), "'-2' is not a positive integer");
    const char *many[2 * KR_CLI_HEADERS_MAX + 8] = {"-b", "h:1", "-t", "t"};
    for (int i = 0; i <= KR_CLI_HEADERS_MAX; i++) {
        many[4 + 2 * i] = "-H";
        many[5 + 2 * i] = "h=v";
    }
    many[6 + 2 * KR_CLI_HEADERS_MAX] = NULL;
    expect_fail(parse_v(KR_CLI_CMD_PRODUCE, many), "more than 16 headers");
}

/* -F: a properties file's settings join the list in place; a later -X wins. */
static void test_config_file(void **state)
{
    (void)state;
    char path[] = "/tmp/kr_opts_props_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "acks=1\nlinger.ms : 9\nsasl.password=hunter2\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    assert_int_equal(PRODUCE("-X", "linger.ms=1", "-F", path, "-X", "acks=all"), 0);
    assert_string_equal(setting("linger.ms"), "9"); /* the file came after -X linger.ms */
    assert_string_equal(setting("acks"), "all");    /* -X after -F wins */
    const kr_cli_setting_t *pw = NULL;
    for (size_t i = 0; i < o.setting_cnt; i++)
        if (strcmp(o.settings[i].key, "sasl.password") == 0)
            pw = &o.settings[i];
    assert_non_null(pw);
    assert_string_equal(pw->file, path);
    assert_int_equal(pw->line, 3);
    assert_int_equal(PARSE(KR_CLI_CMD_METADATA, "-b", "h:1", "-F", path), 0);
    assert_string_equal(setting("acks"), "1");
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    const char bad[] = "ok=1\n=hunter2\n";
    assert_int_equal(write(fd, bad, sizeof(bad) - 1), (ssize_t)(sizeof(bad) - 1));
    close(fd);
    expect_fail(PRODUCE("-F", path), ":2: a setting without a key");
    assert_null(strstr(err, "hunter2"));
    unlink(path);
    expect_fail(PRODUCE("-F", path), "No such file");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_flag),
        cmocka_unit_test(test_settings_order),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_unknown_and_missing),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_conflicts),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_generate),
        cmocka_unit_test(test_value_parsers),
        cmocka_unit_test(test_instance),
        cmocka_unit_test(test_kcat_flags),
        cmocka_unit_test(test_config_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
