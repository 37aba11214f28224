/* Command-line options. See kr_cli_opts.h. */
#include "kr_cli_opts.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kr_cli_props.h"

enum {
    O_SOURCE = 256,
    O_DURATION,
    O_RATE,
    O_RECORD_SIZE,
    O_ACKS,
    O_LINGER,
    O_BATCH,
    O_KEY,
    O_THREADS,
    O_SEED,
    O_FLEET,
    O_REPORT,
    O_DRY_RUN,
    O_INSTANCE,
    O_METRICS_ADDR,
    O_STATS_JSON,
    O_METRICS_LINGER,
    O_PAYLOAD_FILE,
    O_PAYLOAD_DELIM,
    O_TIMEOUT,
};

#define OPT_END                                                                                    \
    {                                                                                              \
        NULL, 0, NULL, 0                                                                           \
    }

static const struct option produce_opts[] = {
    {"bootstrap", required_argument, NULL, 'b'},
    {"brokers", required_argument, NULL, 'b'},
    {"topic", required_argument, NULL, 't'},
    {"source", required_argument, NULL, O_SOURCE},
    {"count", required_argument, NULL, 'n'},
    {"duration", required_argument, NULL, O_DURATION},
    {"rate", required_argument, NULL, O_RATE},
    {"record-size", required_argument, NULL, O_RECORD_SIZE},
    {"acks", required_argument, NULL, O_ACKS},
    {"compression", required_argument, NULL, 'z'},
    {"linger-ms", required_argument, NULL, O_LINGER},
    {"batch-size", required_argument, NULL, O_BATCH},
    {"partition", required_argument, NULL, 'p'},
    {"key", required_argument, NULL, O_KEY},
    {"record-key", required_argument, NULL, 'k'},
    {"header", required_argument, NULL, 'H'},
    {"delimiter", required_argument, NULL, 'D'},
    {"throughput", required_argument, NULL, O_RATE},
    {"payload-file", required_argument, NULL, O_PAYLOAD_FILE},
    {"payload-delimiter", required_argument, NULL, O_PAYLOAD_DELIM},
    {"config", required_argument, NULL, 'F'},
    {"key-delimiter", required_argument, NULL, 'K'},
    {"threads", required_argument, NULL, O_THREADS},
    {"seed", required_argument, NULL, O_SEED},
    {"fleet", required_argument, NULL, O_FLEET},
    {"instance", required_argument, NULL, O_INSTANCE},
    {"report-json", required_argument, NULL, O_REPORT},
    {"metrics-addr", required_argument, NULL, O_METRICS_ADDR},
    {"metrics-linger", required_argument, NULL, O_METRICS_LINGER},
    {"stats-json", required_argument, NULL, O_STATS_JSON},
    {"quiet", no_argument, NULL, 'q'},
    {"dry-run", no_argument, NULL, O_DRY_RUN},
    {"help", no_argument, NULL, 'h'},
    OPT_END,
};
static const char produce_short[] = "+:b:t:n:K:X:F:p:z:k:H:D:qh";

static const struct option metadata_opts[] = {
    {"bootstrap", required_argument, NULL, 'b'},
    {"brokers", required_argument, NULL, 'b'},
    {"topic", required_argument, NULL, 't'},
    {"timeout-ms", required_argument, NULL, O_TIMEOUT},
    {"config", required_argument, NULL, 'F'},
    {"json", no_argument, NULL, 'J'},
    {"help", no_argument, NULL, 'h'},
    OPT_END,
};
static const char metadata_short[] = "+:b:t:X:F:Jh";

static const struct option generate_opts[] = {
    {"count", required_argument, NULL, 'n'},
    {"record-size", required_argument, NULL, O_RECORD_SIZE},
    {"key", required_argument, NULL, O_KEY},
    {"key-delimiter", required_argument, NULL, 'K'},
    {"seed", required_argument, NULL, O_SEED},
    {"fleet", required_argument, NULL, O_FLEET},
    {"instance", required_argument, NULL, O_INSTANCE},
    {"help", no_argument, NULL, 'h'},
    OPT_END,
};
static const char generate_short[] = "+:n:K:h";

const char *kr_cli_cmd_name(kr_cli_cmd_t cmd)
{
    switch (cmd) {
    case KR_CLI_CMD_PRODUCE:
        return "produce";
    case KR_CLI_CMD_METADATA:
        return "metadata";
    case KR_CLI_CMD_GENERATE:
        return "generate";
    }
    return "?";
}

/* ---- value parsers ---- */

static int parse_digits(const char **sp, uint64_t *out)
{
    const char *s = *sp;
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *sp = s;
    *out = v;
    return 0;
}

static int parse_scaled(const char *s, uint64_t *out, uint64_t k)
{
    uint64_t v, mul = 1;
    if (parse_digits(&s, &v) != 0)
        return -1;
    switch (*s) {
    case '\0':
        break;
    case 'k':
    case 'K':
        mul = k;
        s++;
        break;
    case 'm':
    case 'M':
        mul = k * k;
        s++;
        break;
    case 'g':
    case 'G':
        mul = k * k * k;
        s++;
        break;
    default:
        return -1;
    }
    if (*s != '\0' || (v != 0 && mul > UINT64_MAX / v))
        return -1;
    *out = v * mul;
    return 0;
}

int kr_cli_parse_count(const char *s, uint64_t *out) { return parse_scaled(s, out, 1000); }

int kr_cli_parse_size(const char *s, uint64_t *out) { return parse_scaled(s, out, 1024); }

const char *kr_cli_after_prefix(const char *s, const char *prefix)
{
    assert(s != NULL);
    assert(prefix != NULL);
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

int kr_cli_parse_u64(const char *s, uint64_t *out)
{
    const char *hex = kr_cli_after_prefix(s, "0x");
    if (hex == NULL)
        hex = kr_cli_after_prefix(s, "0X");
    if (hex != NULL) {
        if (hex[0] == '\0' || strlen(hex) > 16)
            return -1;
        uint64_t v = 0;
        for (const char *p = hex; *p != '\0'; p++) {
            int d;
            if (*p >= '0' && *p <= '9')
                d = *p - '0';
            else if (*p >= 'a' && *p <= 'f')
                d = *p - 'a' + 10;
            else if (*p >= 'A' && *p <= 'F')
                d = *p - 'A' + 10;
            else
                return -1;
            v = v << 4 | (uint64_t)d;
        }
        *out = v;
        return 0;
    }
    uint64_t v;
    if (parse_digits(&s, &v) != 0 || *s != '\0')
        return -1;
    *out = v;
    return 0;
}

int kr_cli_parse_duration(const char *s, int64_t *out_ns)
{
    uint64_t whole, frac = 0, frac_div = 1;
    if (parse_digits(&s, &whole) != 0)
        return -1;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return -1;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (frac_div < 1000000000ull) {
                frac = frac * 10 + (uint64_t)(*s - '0');
                frac_div *= 10;
            }
        }
    }
    uint64_t unit;
    if (strcmp(s, "") == 0 || strcmp(s, "s") == 0)
        unit = 1000000000ull;
    else if (strcmp(s, "ms") == 0)
        unit = 1000000ull;
    else if (strcmp(s, "m") == 0 || strcmp(s, "min") == 0)
        unit = 60000000000ull;
    else if (strcmp(s, "h") == 0)
        unit = 3600000000000ull;
    else
        return -1;
    if (whole > (uint64_t)INT64_MAX / unit)
        return -1;
    unsigned __int128 ns =
        (unsigned __int128)whole * unit + (unsigned __int128)frac * unit / frac_div;
    if (ns == 0 || ns > (unsigned __int128)INT64_MAX)
        return -1;
    *out_ns = (int64_t)ns;
    return 0;
}

/* ---- parsing ---- */

typedef struct parse_ctx {
    kr_cli_opts_t *o;
    char *err;
    size_t errlen;
    const struct option *table;
} parse_ctx_t;

__attribute__((format(printf, 2, 3))) static int fail(parse_ctx_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* The long name of an option (every option with a value has one). */
static const char *opt_name(const parse_ctx_t *c, int val)
{
    for (const struct option *op = c->table; op->name != NULL; op++) {
        if (op->val == val)
            return op->name;
    }
    return "?";
}

static char *save_str(parse_ctx_t *c, const char *s, size_t len)
{
    kr_cli_opts_t *o = c->o;
    if (len + 1 > sizeof(o->strbuf) - o->strbuf_used)
        return NULL;
    char *p = o->strbuf + o->strbuf_used;
    memcpy(p, s, len);
    p[len] = '\0';
    o->strbuf_used += len + 1;
    return p;
}

static int add_setting(parse_ctx_t *c, const char *key, size_t key_len, const char *value)
{
    kr_cli_opts_t *o = c->o;
    if (o->setting_cnt == KR_CLI_SETTINGS_MAX)
        return fail(c, "too many settings (at most %d)", KR_CLI_SETTINGS_MAX);
    const char *k = save_str(c, key, key_len);
    const char *v = k == NULL ? NULL : save_str(c, value, strlen(value));
    if (v == NULL)
        return fail(c, "settings too long");
    o->settings[o->setting_cnt] = (kr_cli_setting_t){k, v, NULL, 0};
    o->setting_cnt++;
    return 0;
}

/* A setting from a properties file: on failure, say where, never the value. */
static int add_file_setting(parse_ctx_t *c, const char *key, const char *value, const char *path,
                            int line)
{
    kr_cli_opts_t *o = c->o;
    if (o->setting_cnt == KR_CLI_SETTINGS_MAX)
        return fail(c, "%s:%d: too many settings (at most %d)", path, line, KR_CLI_SETTINGS_MAX);
    const char *k = save_str(c, key, strlen(key));
    const char *v = k == NULL ? NULL : save_str(c, value, strlen(value));
    if (v == NULL)
        return fail(c, "%s:%d: %s: settings too long", path, line, key);
    o->settings[o->setting_cnt] = (kr_cli_setting_t){k, v, path, line};
    o->setting_cnt++;
    return 0;
}

static int opt_x(parse_ctx_t *c, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (eq == NULL || eq == arg)
        return fail(c, "-X: '%s' is not key=value", arg);
    return add_setting(c, arg, (size_t)(eq - arg), eq + 1);
}

/* A count-like value in [lo, hi] with the count suffixes. */
static int opt_count(parse_ctx_t *c, int val, const char *arg, uint64_t lo, uint64_t hi,
                     uint64_t *out)
{
    uint64_t v;
    if (kr_cli_parse_count(arg, &v) != 0 || v < lo || v > hi) {
        if (lo == 1 && hi == UINT64_MAX)
            return fail(c, "--%s: '%s' is not a positive integer", opt_name(c, val), arg);
        return fail(c, "--%s: '%s' is not an integer from %llu to %llu", opt_name(c, val), arg,
                    (unsigned long long)lo, (unsigned long long)hi);
    }
    *out = v;
    return 0;
}

/* A size in bytes in [lo, hi], also handed to the engine as plain digits under key. */
static int opt_size_setting(parse_ctx_t *c, int val, const char *arg, uint64_t lo, uint64_t hi,
                            const char *key)
{
    uint64_t v;
    if (kr_cli_parse_size(arg, &v) != 0 || v < lo || v > hi)
        return fail(c, "--%s: '%s' is not a size from %llu to %llu bytes", opt_name(c, val), arg,
                    (unsigned long long)lo, (unsigned long long)hi);
    char digits[24];
    snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
    return add_setting(c, key, strlen(key), digits);
}

static int opt_source(parse_ctx_t *c, const char *arg)
{
    kr_cli_opts_t *o = c->o;
    const char *path;
    if (strcmp(arg, "flights") == 0) {
        o->source = KR_CLI_SRC_FLIGHTS;
    } else if (strcmp(arg, "-") == 0 || strcmp(arg, "stdin") == 0) {
        o->source = KR_CLI_SRC_STDIN;
    } else if ((path = kr_cli_after_prefix(arg, "file:")) != NULL && path[0] != '\0') {
        if (o->path_cnt > 0 && o->source != KR_CLI_SRC_FILE)
            o->path_cnt = 0; /* a later --source replaces an earlier kind */
        if (o->path_cnt == KR_CLI_FILES_MAX)
            return fail(c, "--source: more than %d files", KR_CLI_FILES_MAX);
        o->source = KR_CLI_SRC_FILE;
        o->paths[o->path_cnt++] = path;
        o->path = o->paths[0];
    } else {
        return fail(c, "--source: '%s' is not flights, file:PATH or -", arg);
    }
    return 0;
}

/* --payload-delimiter: literal text with the escapes \n, \t, \r, \0 and \\. */
static int opt_payload_delim(parse_ctx_t *c, const char *arg)
{
    kr_cli_opts_t *o = c->o;
    size_t n = 0;
    for (const char *p = arg; *p != '\0'; p++) {
        char ch = *p;
        if (ch == '\\' && p[1] != '\0') {
            const char *from = "ntr0\\", *to = "\n\t\r\0\\";
            const char *at = strchr(from, *++p);
            if (at == NULL)
                return fail(c, "--payload-delimiter: unknown escape '\\%c'", *p);
            ch = to[at - from];
        }
        if (n == KR_CLI_DELIM_MAX)
            return fail(c, "--payload-delimiter: longer than %d bytes", KR_CLI_DELIM_MAX);
        o->payload_delim[n++] = ch;
    }
    if (n == 0)
        return fail(c, "--payload-delimiter: empty");
    o->payload_delim_len = n;
    return 0;
}

static int opt_delim(parse_ctx_t *c, const char *arg)
{
    kr_cli_opts_t *o = c->o;
    size_t n = 0;
    for (const char *p = arg; *p != '\0'; p++) {
        char ch = *p;
        if (ch == '\\' && p[1] != '\0') {
            p++;
            switch (*p) {
            case 't':
                ch = '\t';
                break;
            case 'n':
                ch = '\n';
                break;
            case '\\':
                ch = '\\';
                break;
            default:
                return fail(c, "--key-delimiter: unknown escape '\\%c'", *p);
            }
        }
        if (ch == '\n')
            return fail(c, "--key-delimiter: a newline separates records, not keys");
        if (n == KR_CLI_DELIM_MAX)
            return fail(c, "--key-delimiter: longer than %d bytes", KR_CLI_DELIM_MAX);
        o->key_delim[n++] = ch;
    }
    if (n == 0)
        return fail(c, "--key-delimiter: empty");
    o->key_delim[n] = '\0';
    o->key_delim_len = n;
    return 0;
}

static int opt_acks(parse_ctx_t *c, const char *arg)
{
    if (strcmp(arg, "0") != 0 && strcmp(arg, "1") != 0 && strcmp(arg, "all") != 0 &&
        strcmp(arg, "-1") != 0)
        return fail(c, "--acks: '%s' is not 0, 1, all or -1", arg);
    return add_setting(c, "acks", 4, strcmp(arg, "-1") == 0 ? "all" : arg);
}

static int opt_compression(parse_ctx_t *c, const char *arg)
{
    static const char *const codecs[] = {"none", "lz4", "zstd"};
    for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
        if (strcmp(arg, codecs[i]) == 0)
            return add_setting(c, "compression.type", 16, arg);
    }
    if (strcmp(arg, "gzip") == 0 || strcmp(arg, "snappy") == 0)
        return fail(c, "--compression: %s is not supported by kring (use lz4 or zstd)", arg);
    return fail(c, "--compression: '%s' is not none, lz4 or zstd", arg);
}

/* -H key=value: a header on every record (the value may be empty, the key may not). */
static int opt_header(parse_ctx_t *c, const char *arg)
{
    kr_cli_opts_t *o = c->o;
    const char *eq = strchr(arg, '=');
    if (eq == NULL || eq == arg)
        return fail(c, "-H: '%s' is not key=value", arg);
    if (o->header_cnt == KR_CLI_HEADERS_MAX)
        return fail(c, "-H: more than %d headers", KR_CLI_HEADERS_MAX);
    kr_cli_header_t *h = &o->headers[o->header_cnt++];
    h->key = arg;
    h->key_len = (size_t)(eq - arg);
    h->value = eq + 1;
    h->value_len = strlen(eq + 1);
    return 0;
}

/* -D: one byte, or an escape \n \t \r \0 \\ or \xHH. */
static int opt_rec_delim(parse_ctx_t *c, const char *arg)
{
    kr_cli_opts_t *o = c->o;
    if (arg[0] != '\\' && arg[0] != '\0' && arg[1] == '\0') {
        o->rec_delim = arg[0];
        return 0;
    }
    static const char from[] = "ntr0\\", to[] = {'\n', '\t', '\r', '\0', '\\'};
    const char *at = arg[0] == '\\' && arg[1] != '\0' ? strchr(from, arg[1]) : NULL;
    if (at != NULL && arg[2] == '\0') {
        o->rec_delim = to[at - from];
        return 0;
    }
    if (arg[0] == '\\' && arg[1] == 'x' && isxdigit((unsigned char)arg[2]) &&
        isxdigit((unsigned char)arg[3]) && arg[4] == '\0') {
        o->rec_delim = (char)strtoul(arg + 2, NULL, 16);
        return 0;
    }
    return fail(c, "-D: '%s' is not one byte (or \\n, \\t, \\r, \\0, \\\\, \\xHH)", arg);
}

typedef struct config_ctx {
    parse_ctx_t *c;
    const char *path;
} config_ctx_t;

static int add_file_setting(parse_ctx_t *c, const char *key, const char *value, const char *path,
                            int line);

static int config_one(void *ctx, const char *key, const char *value, int line)
{
    config_ctx_t *cc = ctx;
    return add_file_setting(cc->c, key, value, cc->path, line);
}

/* -F FILE: the file's settings join the list here, so a later -X overrides them. */
static int opt_config(parse_ctx_t *c, const char *path)
{
    config_ctx_t cc = {c, path};
    if (kr_cli_props_load(path, config_one, &cc, c->err, c->errlen) != 0)
        return -1;
    return 0;
}

static int opt_u32(parse_ctx_t *c, int val, const char *arg, uint64_t lo, uint64_t hi,
                   uint32_t *out)
{
    uint64_t v;
    int rc = opt_count(c, val, arg, lo, hi, &v);
    if (rc == 0)
        *out = (uint32_t)v;
    return rc;
}

/* The options that take a number, a size or a duration. */
static int apply_number(parse_ctx_t *c, int val, const char *arg)
{
    kr_cli_opts_t *o = c->o;
    uint64_t v;
    int64_t ns;
    switch (val) {
    case 'n':
        return opt_count(c, val, arg, 1, UINT64_MAX, &o->count);
    case O_DURATION:
        if (kr_cli_parse_duration(arg, &ns) != 0)
            return fail(c, "--duration: '%s' is not a duration like 30s, 500ms, 5m or 1h", arg);
        o->duration_ns = ns;
        return 0;
    case O_RATE:
        if (strcmp(arg, "-1") == 0) { /* ProducerPerformance's --throughput -1: no limit */
            o->rate = 0;
            return 0;
        }
        return opt_count(c, val, arg, 1, UINT64_MAX, &o->rate);
    case O_RECORD_SIZE:
        if (kr_cli_parse_size(arg, &v) != 0 || v < 1 || v > KR_FLIGHTS_RECORD_MAX)
            return fail(c, "--record-size: '%s' is not a size from 1 to %u bytes", arg,
                        KR_FLIGHTS_RECORD_MAX);
        o->record_size = (size_t)v;
        return 0;
    case O_LINGER:
        if (opt_count(c, val, arg, 0, 900000, &v) != 0)
            return -1;
        return add_setting(c, "linger.ms", 9, arg);
    case O_BATCH:
        return opt_size_setting(c, val, arg, 1, INT32_MAX, "batch.size");
    case 'p':
        if (opt_count(c, val, arg, 0, INT32_MAX, &v) != 0)
            return -1;
        o->partition = (int32_t)v;
        return 0;
    case O_THREADS:
        return opt_u32(c, val, arg, 1, KR_CLI_THREADS_MAX, &o->threads);
    case O_SEED:
        if (kr_cli_parse_u64(arg, &o->seed) != 0)
            return fail(c, "--seed: '%s' is not an unsigned 64-bit integer", arg);
        return 0;
    case O_FLEET:
        return opt_u32(c, val, arg, 1, KR_FLIGHTS_FLEET_MAX, &o->fleet);
    case O_TIMEOUT:
        if (opt_count(c, val, arg, 1, INT32_MAX, &v) != 0)
            return -1;
        o->timeout_ms = (int)v;
        return 0;
    }
    assert(!"an option in a table without a case");
    return -1;
}

/* One option of any subcommand; the tables decide which reach here. */
static int apply(parse_ctx_t *c, int val, const char *arg)
{
    kr_cli_opts_t *o = c->o;
    switch (val) {
    case 'b':
        if (arg[0] == '\0')
            return fail(c, "--bootstrap: empty");
        o->bootstrap = arg;
        return add_setting(c, "bootstrap.servers", 17, arg);
    case 't':
        if (arg[0] == '\0')
            return fail(c, "--topic: empty");
        if (strlen(arg) > 249)
            return fail(c, "--topic: longer than 249 characters");
        o->topic = arg;
        return 0;
    case 'X':
        return opt_x(c, arg);
    case 'q':
        o->quiet = 1;
        return 0;
    case 'K':
        return opt_delim(c, arg);
    case 'J':
        o->json = 1;
        return 0;
    case O_SOURCE:
        return opt_source(c, arg);
    case O_PAYLOAD_FILE:
        c->o->source = KR_CLI_SRC_PAYLOADS;
        c->o->path = arg;
        c->o->path_cnt = 0;
        return 0;
    case O_PAYLOAD_DELIM:
        return opt_payload_delim(c, arg);
    case O_ACKS:
        return opt_acks(c, arg);
    case 'z':
        return opt_compression(c, arg);
    case 'k':
        o->fixed_key = arg;
        o->fixed_key_len = strlen(arg);
        return 0;
    case 'H':
        return opt_header(c, arg);
    case 'D':
        return opt_rec_delim(c, arg);
    case 'F':
        return opt_config(c, arg);
    case O_KEY:
        if (kr_flights_key_parse(arg, &o->key) != 0)
            return fail(c, "--key: '%s' is not one of: %s", arg, KR_FLIGHTS_KEY_NAMES);
        return 0;
    case O_REPORT:
        if (arg[0] == '\0')
            return fail(c, "--report-json: empty file name");
        o->report_json = arg;
        return 0;
    case O_STATS_JSON:
        if (arg[0] == '\0')
            return fail(c, "--stats-json: empty file name");
        o->stats_json = arg;
        return 0;
    case O_METRICS_ADDR:
        if (strrchr(arg, ':') == NULL || strrchr(arg, ':')[1] == '\0')
            return fail(c, "--metrics-addr: '%s' is not HOST:PORT", arg);
        o->metrics_addr = arg;
        return 0;
    case O_METRICS_LINGER:
        if (kr_cli_parse_duration(arg, &o->metrics_linger_ns) != 0)
            return fail(c, "--metrics-linger: '%s' is not a duration like 5s or 500ms", arg);
        return 0;
    case O_DRY_RUN:
        o->dry_run = 1;
        return 0;
    case O_INSTANCE:
        if (kr_cli_parse_instance(arg, &o->instance, &o->instances) != 0)
            return fail(c, "--instance: '%s' is not I/N with 0 <= I < N <= %u", arg,
                        KR_CLI_INSTANCES_MAX);
        return 0;
    }
    return apply_number(c, val, arg);
}

static void defaults(kr_cli_opts_t *o, kr_cli_cmd_t cmd)
{
    memset(o, 0, offsetof(kr_cli_opts_t, strbuf));
    o->cmd = cmd;
    o->source = KR_CLI_SRC_FLIGHTS;
    o->partition = KR_CLI_PARTITION_ANY;
    o->key = KR_FLIGHTS_KEY_ICAO24;
    o->threads = 1;
    o->instances = 1;
    o->seed = 1;
    o->fleet = KR_FLIGHTS_FLEET_DEFAULT;
    o->timeout_ms = KR_CLI_META_TIMEOUT_MS;
    o->rec_delim = '\n';
    o->payload_delim[0] = '\n';
    o->payload_delim_len = 1;
}

/* Which options were given, for the checks that relate them. */
typedef struct seen {
    unsigned char any[O_TIMEOUT + 1];
} seen_t;

static int check_produce(parse_ctx_t *c, const seen_t *s)
{
    kr_cli_opts_t *o = c->o;
    if (o->bootstrap == NULL && !o->dry_run)
        return fail(c, "-b/--bootstrap is required");
    if (o->topic == NULL && !o->dry_run)
        return fail(c, "-t/--topic is required");
    if (s->any['k'] && (s->any['K'] || s->any[O_KEY]))
        return fail(c, "-k (one key for every record) excludes -K and --key");
    if (s->any[O_PAYLOAD_DELIM] && o->source != KR_CLI_SRC_PAYLOADS)
        return fail(c, "--payload-delimiter applies to --payload-file only");
    if (s->any[O_PAYLOAD_FILE] && s->any[O_SOURCE])
        return fail(c, "--payload-file and --source are two sources: give one");
    if (o->source == KR_CLI_SRC_PAYLOADS) {
        if (s->any['K'] || s->any['D'])
            return fail(c, "--payload-file splits at --payload-delimiter: -K and -D do not "
                           "apply");
        if (o->count == 0 && o->duration_ns == 0)
            return fail(c, "--payload-file repeats its payloads without end: give -n or "
                           "--duration");
    }
    if (o->source == KR_CLI_SRC_FLIGHTS) {
        if (s->any['K'])
            return fail(c, "--key-delimiter applies to file and stdin sources only");
        if (s->any['D'])
            return fail(c, "-D applies to file and stdin sources only");
        if (o->count == 0 && o->duration_ns == 0)
            o->count = KR_CLI_COUNT_DEFAULT;
    } else {
        static const int flights_only[] = {O_RECORD_SIZE, O_KEY, O_SEED, O_FLEET};
        for (size_t i = 0; i < sizeof(flights_only) / sizeof(flights_only[0]); i++) {
            if (s->any[flights_only[i]])
                return fail(c, "--%s applies to --source flights only",
                            opt_name(c, flights_only[i]));
        }
        o->key = KR_FLIGHTS_KEY_NONE;
    }
    if (o->key_delim_len == 1 && o->key_delim[0] == o->rec_delim)
        return fail(c, "-K and -D are the same byte");
    if (o->source == KR_CLI_SRC_STDIN && o->instances > 1)
        return fail(c, "--instance needs --source flights or file:PATH, not stdin");
    if ((uint64_t)o->instances * o->threads > KR_FLIGHTS_PARTS_MAX)
        return fail(c, "--instance N times --threads must be at most %u", KR_FLIGHTS_PARTS_MAX);
    uint64_t parts = (uint64_t)o->instances * o->threads;
    if (o->rate != 0 && o->rate < parts)
        return fail(c,
                    "--rate (%llu) must be at least --threads (%u) times the instances "
                    "(%u)",
                    (unsigned long long)o->rate, o->threads, o->instances);
    return 0;
}

/*
 * The instance from the environment when --instance was not given: KRING_INSTANCE=I/N,
 * else Kubernetes' JOB_COMPLETION_INDEX=I (an Indexed Job) with KRING_INSTANCES=N.
 */
static int instance_from_env(parse_ctx_t *c, const seen_t *s)
{
    kr_cli_opts_t *o = c->o;
    if (s->any[O_INSTANCE])
        return 0;
    const char *v = getenv("KRING_INSTANCE");
    if (v != NULL && v[0] != '\0') {
        if (kr_cli_parse_instance(v, &o->instance, &o->instances) != 0)
            return fail(c, "KRING_INSTANCE: '%s' is not I/N with 0 <= I < N <= %u", v,
                        KR_CLI_INSTANCES_MAX);
        return 0;
    }
    const char *idx = getenv("JOB_COMPLETION_INDEX");
    const char *cnt = getenv("KRING_INSTANCES");
    if (idx == NULL || idx[0] == '\0')
        return 0;
    if (cnt == NULL || cnt[0] == '\0')
        return fail(c,
                    "JOB_COMPLETION_INDEX=%s needs KRING_INSTANCES (the Job's "
                    "completions) to split the records",
                    idx);
    char both[64];
    snprintf(both, sizeof(both), "%s/%s", idx, cnt);
    if (strlen(idx) + strlen(cnt) + 2 > sizeof(both) ||
        kr_cli_parse_instance(both, &o->instance, &o->instances) != 0)
        return fail(c,
                    "JOB_COMPLETION_INDEX=%s, KRING_INSTANCES=%s: need 0 <= index < "
                    "instances <= %u",
                    idx, cnt, KR_CLI_INSTANCES_MAX);
    return 0;
}

static int check(parse_ctx_t *c, const seen_t *s)
{
    kr_cli_opts_t *o = c->o;
    if (o->cmd != KR_CLI_CMD_METADATA && instance_from_env(c, s) != 0)
        return -1;
    switch (o->cmd) {
    case KR_CLI_CMD_PRODUCE:
        return check_produce(c, s);
    case KR_CLI_CMD_METADATA:
        if (o->bootstrap == NULL)
            return fail(c, "-b/--bootstrap is required");
        return 0;
    case KR_CLI_CMD_GENERATE:
        if (o->count == 0)
            o->count = KR_CLI_GENERATE_DEFAULT;
        if (s->any['K'] && o->key == KR_FLIGHTS_KEY_NONE)
            return fail(c, "--key-delimiter needs a --key other than none");
        if (!s->any['K'] && !s->any[O_KEY])
            o->key = KR_FLIGHTS_KEY_NONE;
        if (!s->any['K'] && o->key != KR_FLIGHTS_KEY_NONE) {
            o->key_delim[0] = '\t';
            o->key_delim_len = 1;
        }
        return 0;
    }
    return 0;
}

/* The text of the option getopt stopped at: "--foo" or "-z". */
static const char *bad_opt_text(int argc, char **argv, char *buf, size_t len)
{
    if (optopt != 0 && optopt != '?' && optopt < 256) {
        const char *prev = optind >= 1 && optind <= argc ? argv[optind - 1] : "";
        if (kr_cli_after_prefix(prev, "--") == NULL) {
            snprintf(buf, len, "-%c", optopt);
            return buf;
        }
    }
    if (optind >= 1 && optind <= argc) {
        const char *a = argv[optind - 1];
        const char *eq = strchr(a, '=');
        snprintf(buf, len, "%.*s", eq != NULL ? (int)(eq - a) : (int)strlen(a), a);
        return buf;
    }
    return "?";
}

int kr_cli_parse_instance(const char *s, uint32_t *index, uint32_t *count)
{
    uint64_t i, n;
    if (parse_digits(&s, &i) != 0 || *s++ != '/' || parse_digits(&s, &n) != 0 || *s != '\0')
        return -1;
    if (n < 1 || n > KR_CLI_INSTANCES_MAX || i >= n)
        return -1;
    *index = (uint32_t)i;
    *count = (uint32_t)n;
    return 0;
}

int kr_cli_opts_parse(kr_cli_opts_t *o, kr_cli_cmd_t cmd, int argc, char **argv, char *err,
                      size_t errlen)
{
    assert(errlen > 0);
    err[0] = '\0';
    defaults(o, cmd);
    parse_ctx_t c = {o, err, errlen, NULL};
    const char *shorts = NULL;
    switch (cmd) {
    case KR_CLI_CMD_PRODUCE:
        c.table = produce_opts;
        shorts = produce_short;
        break;
    case KR_CLI_CMD_METADATA:
        c.table = metadata_opts;
        shorts = metadata_short;
        break;
    case KR_CLI_CMD_GENERATE:
        c.table = generate_opts;
        shorts = generate_short;
        break;
    }
    seen_t seen;
    memset(&seen, 0, sizeof(seen));
    optind = 0; /* glibc: a full reset, so that parsing can run more than once */
    opterr = 0;
    char buf[64];
    for (;;) {
        int ch = getopt_long(argc, argv, shorts, c.table, NULL);
        if (ch == -1)
            break;
        if (ch == '?')
            return fail(&c, "unknown option '%s'", bad_opt_text(argc, argv, buf, sizeof(buf)));
        if (ch == ':')
            return fail(&c, "option '%s' needs a value",
                        bad_opt_text(argc, argv, buf, sizeof(buf)));
        if (ch == 'h')
            return KR_CLI_PARSE_HELP;
        if (ch >= 0 && ch <= O_TIMEOUT)
            seen.any[ch] = 1;
        if (apply(&c, ch, optarg) != 0)
            return -1;
    }
    if (optind < argc)
        return fail(&c, "unexpected argument '%s'", argv[optind]);
    return check(&c, &seen);
}

static const char usage_main[] =
    "usage: kring COMMAND [options]\n"
    "\n"
    "  produce   send records to a topic: generated flight events, a file or stdin\n"
    "  metadata  list brokers, topics, partitions and leaders (like kcat -L)\n"
    "  generate  write generated flight events to stdout, one a line\n"
    "  bench     run the in-process per-core benchmarks (no network)\n"
    "  help      this text; kring COMMAND --help for a command's options\n"
    "  version   print the version\n";

static const char usage_produce[] =
    "usage: kring produce -b HOST:PORT[,...] -t TOPIC [options]\n"
    "\n"
    "Source and amount:\n"
    "  --source SRC          flights (default: generated flight events as JSON),\n"
    "                        file:PATH (one record a line; repeat for several files,\n"
    "                        read one after another), - (stdin, one record a line)\n"
    "      --payload-file F  values drawn at random from F's payloads, repeated (as\n"
    "                        ProducerPerformance); needs -n or --duration\n"
    "      --payload-delimiter S  what separates F's payloads (default \\n; \\t, \\r,\n"
    "                        \\0, \\\\ escapes)\n"
    "  -n, --count N         records to send (k, m, g: x1000); flights default 1000000\n"
    "      --duration D      stop after D (30s, 500ms, 5m, 1h)\n"
    "      --rate N          records/s over all threads, open loop: each record has a\n"
    "                        planned send time and latency counts from it\n"
    "      --throughput N    the same (ProducerPerformance's name; -1: no limit)\n"
    "      --record-size B   pad or cut every generated record to B bytes (k, m: x1024)\n"
    "      --key FIELD       key generated records by FIELD (default icao24) or none:\n"
    "                        " KR_FLIGHTS_KEY_NAMES "\n"
    "  -K, --key-delimiter D lines of file/stdin are KEY<D>VALUE (\\t for a tab)\n"
    "  -D, --delimiter C     the byte that ends a file/stdin record (default \\n; \\0,\n"
    "                        \\t, \\r, \\xHH)\n"
    "  -k, --record-key KEY  this key on every record\n"
    "  -H, --header K=V      this header on every record; repeatable (up to 16)\n"
    "      --seed S          generator seed (default 1)\n"
    "      --fleet N         aircraft in the generated fleet (default 4096)\n"
    "Producer:\n"
    "  -b, --bootstrap LIST  bootstrap brokers, HOST:PORT[,...] (bootstrap.servers)\n"
    "  -t, --topic TOPIC     the topic\n"
    "  -p, --partition P     send every record to partition P (default: partitioner)\n"
    "      --acks A          0, 1 or all\n"
    "  -z, --compression C   none, lz4 or zstd (gzip and snappy: not supported)\n"
    "      --linger-ms MS    linger.ms\n"
    "      --batch-size B    batch.size in bytes (k, m: x1024)\n"
    "  -X KEY=VALUE          any engine setting (docs/CONFIG.md); repeatable\n"
    "  -F, --config FILE     engine settings from a Java properties file (a later -X\n"
    "                        overrides them)\n"
    "      --threads N       N producers, one per thread, pinned to CPUs; the records\n"
    "                        (and the rate) are split among them\n"
    "      --instance I/N    this process is instance I (0..N-1) of N: -n and --rate are\n"
    "                        the whole job's, this process sends its share, and the N\n"
    "                        together send what one process would (docs/DEPLOY.md);\n"
    "                        also KRING_INSTANCE=I/N, or JOB_COMPLETION_INDEX=I with\n"
    "                        KRING_INSTANCES=N (a Kubernetes Indexed Job)\n"
    "Security (-X or, for secrets, -F FILE; docs/SECURITY.md):\n"
    "  security.protocol     PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL\n"
    "  ssl.ca.location       CA file or directory (default: the system's)\n"
    "  ssl.certificate.location, ssl.key.location, ssl.key.password   mutual TLS\n"
    "  ssl.endpoint.identification.algorithm   https (default) or none\n"
    "  sasl.mechanism        PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER\n"
    "  sasl.username, sasl.password            PLAIN and SCRAM\n"
    "  sasl.oauthbearer.token.file             OAUTHBEARER: the token, re-read at\n"
    "                        every (re-)authentication\n"
    "  io.engine             auto (default: io_uring, else poll), io_uring or poll\n"
    "Output:\n"
    "  -q, --quiet           no live status line (it shows only on a terminal anyway)\n"
    "      --report-json F   write the summary as JSON to F\n"
    "      --metrics-addr HOST:PORT  serve Prometheus metrics at http://HOST:PORT/metrics\n"
    "                        (docs/OBSERVABILITY.md)\n"
    "      --metrics-linger D  after the run, keep serving them for D (e.g. 5s), so that\n"
    "                        a last scrape sees the final counts\n"
    "      --stats-json F    append each producer's statistics document (JSON, one a\n"
    "                        line) to F every statistics.interval.ms (default 1000)\n"
    "      --dry-run         generate and schedule but send nothing: each record counts\n"
    "                        as acknowledged at once (measures the source alone)\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 when every record was acknowledged; 1 otherwise (with the counts);\n"
    "2 for bad flags or values; 130 after Ctrl-C (in-flight records are flushed and the\n"
    "summary is printed first).\n";

static const char usage_metadata[] =
    "usage: kring metadata -b HOST:PORT[,...] [options]\n"
    "\n"
    "  -b, --bootstrap LIST  bootstrap brokers\n"
    "  -t, --topic TOPIC     only this topic\n"
    "  -X KEY=VALUE          any engine setting; repeatable\n"
    "  -F, --config FILE     engine settings from a Java properties file\n"
    "      --timeout-ms MS   give up after MS (default 10000)\n"
    "  -J, --json            JSON instead of text\n"
    "  -h, --help            this text\n";

static const char usage_generate[] =
    "usage: kring generate [options]\n"
    "\n"
    "Writes flight events to stdout, one a line: the records kring produce sends.\n"
    "  -n, --count N         events (default 10; k, m, g: x1000)\n"
    "      --record-size B   pad or cut every event to B bytes\n"
    "      --key FIELD       prefix each line with FIELD's value and a tab\n"
    "  -K, --key-delimiter D the separator after the key instead of a tab\n"
    "      --seed S          generator seed (default 1)\n"
    "      --fleet N         aircraft in the fleet (default 4096)\n"
    "      --instance I/N    only instance I's share of the N (as kring produce)\n"
    "  -h, --help            this text\n";

void kr_cli_usage(FILE *f, int cmd)
{
    switch (cmd) {
    case KR_CLI_CMD_PRODUCE:
        fputs(usage_produce, f);
        break;
    case KR_CLI_CMD_METADATA:
        fputs(usage_metadata, f);
        break;
    case KR_CLI_CMD_GENERATE:
        fputs(usage_generate, f);
        break;
    default:
        fputs(usage_main, f);
        break;
    }
}
