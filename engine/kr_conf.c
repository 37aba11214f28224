/* Producer settings: defaults, parsing and validation. */
#include "kr_conf.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kr_transport.h"
#include "kr_zstd.h"

enum conf_type {
    T_STR,
    T_INT,
    T_INT64,
    T_BOOL,
    T_ACKS,
    T_CODEC,
    T_PARTITIONER,
    T_DEBUG,
    T_IOENGINE,
    T_SECRET,
    T_SECPROTO,
    T_MECHANISM,
    T_ENDPOINT,
    T_LEVEL
};

typedef struct conf_entry {
    const char *name;
    const char *alias; /* librdkafka's name where it differs, or NULL */
    enum conf_type type;
    size_t off;
    int64_t min;
    int64_t max;
} conf_entry_t;

#define F(field) offsetof(struct kr_conf, field)

static const conf_entry_t conf_table[] = {
    {"bootstrap.servers", "metadata.broker.list", T_STR, F(bootstrap_servers), 0, 0},
    {"client.id", NULL, T_STR, F(client_id), 0, 0},
    {"acks", "request.required.acks", T_ACKS, F(acks), 0, 0},
    {"enable.idempotence", NULL, T_BOOL, F(idempotence), 0, 0},
    {"compression.type", "compression.codec", T_CODEC, F(compression), 0, 0},
    /* Java's name is compression.zstd.level (KIP-390); the level applies to zstd only. */
    {"compression.level", "compression.zstd.level", T_LEVEL, F(compression_level), 0, 0},
    {"linger.ms", "queue.buffering.max.ms", T_INT, F(linger_ms), 0, 900000},
    {"batch.size", NULL, T_INT, F(batch_size), 1024, 16 << 20},
    {"max.in.flight.requests.per.connection", "max.in.flight", T_INT, F(max_in_flight), 1, 64},
    {"retries", "message.send.max.retries", T_INT, F(retries), 0, INT32_MAX},
    {"retry.backoff.ms", NULL, T_INT, F(retry_backoff_ms), 1, 300000},
    {"retry.backoff.max.ms", NULL, T_INT, F(retry_backoff_max_ms), 1, 300000},
    {"request.timeout.ms", NULL, T_INT, F(request_timeout_ms), 100, 900000},
    {"delivery.timeout.ms", "message.timeout.ms", T_INT, F(delivery_timeout_ms), 100, INT32_MAX},
    {"buffer.memory", NULL, T_INT64, F(buffer_memory), 1 << 20, 64LL << 30},
    {"max.request.size", "message.max.bytes", T_INT, F(max_request_size), 1024, 256 << 20},
    {"metadata.max.age.ms", NULL, T_INT, F(metadata_max_age_ms), 1000, INT32_MAX},
    {"partitioner", NULL, T_PARTITIONER, F(partitioner), 0, 0},
    {"send.buffer.bytes", "socket.send.buffer.bytes", T_INT, F(socket_send_buffer_bytes), 0,
     1 << 30},
    {"receive.buffer.bytes", "socket.receive.buffer.bytes", T_INT, F(socket_receive_buffer_bytes),
     0, 1 << 30},
    {"socket.connection.setup.timeout.ms", NULL, T_INT, F(socket_connection_setup_timeout_ms), 100,
     900000},
    {"socket.zerocopy.min.bytes", NULL, T_INT, F(zerocopy_min_bytes), 0, INT32_MAX},
    {"reconnect.backoff.ms", NULL, T_INT, F(reconnect_backoff_ms), 1, 300000},
    {"reconnect.backoff.max.ms", NULL, T_INT, F(reconnect_backoff_max_ms), 1, 300000},
    {"topic.metadata.propagation.max.ms", NULL, T_INT, F(topic_metadata_propagation_max_ms), 0,
     3600000},
    {"connections.max", NULL, T_INT, F(connections_max), 1, 1 << 20},
    {"receive.message.max.bytes", NULL, T_INT, F(receive_message_max_bytes), 1 << 16, INT32_MAX},
    {"debug", NULL, T_DEBUG, F(debug), 0, 0},
    {"statistics.interval.ms", NULL, T_INT, F(statistics_interval_ms), 0, 86400000},
    {"io.engine", NULL, T_IOENGINE, F(io_engine), 0, 0},
    {"security.protocol", NULL, T_SECPROTO, F(security_protocol), 0, 0},
    {"ssl.ca.location", NULL, T_STR, F(ssl_ca_location), 0, 0},
    {"ssl.certificate.location", NULL, T_STR, F(ssl_certificate_location), 0, 0},
    {"ssl.key.location", NULL, T_STR, F(ssl_key_location), 0, 0},
    {"ssl.key.password", NULL, T_SECRET, F(ssl_key_password), 0, 0},
    {"ssl.endpoint.identification.algorithm", NULL, T_ENDPOINT, F(ssl_verify_host), 0, 0},
    {"enable.ssl.certificate.verification", NULL, T_BOOL, F(ssl_verify_cert), 0, 0},
    {"sasl.mechanism", "sasl.mechanisms", T_MECHANISM, F(sasl_mechanism), 0, 0},
    {"sasl.username", NULL, T_STR, F(sasl_username), 0, 0},
    {"sasl.password", NULL, T_SECRET, F(sasl_password), 0, 0},
};

/* Names by enum value (kr_conf.h), as Kafka spells them. */
static const char *const sec_protocols[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};
static const char *const sasl_mechanisms[] = {"", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512",
                                              "OAUTHBEARER"};

/* io.engine's values, by enum kr_io_engine. */
static const char *const io_engines[] = {"auto", "io_uring", "poll"};

#define KR_COUNT(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(KR_COUNT(sec_protocols) == KR_SEC_SASL_SSL + 1, "a name per security.protocol");
_Static_assert(KR_COUNT(sasl_mechanisms) == KR_SASL_OAUTHBEARER + 1, "a name per mechanism");
_Static_assert(KR_COUNT(io_engines) == KR_IO_POLL + 1, "a name per io.engine");
/* conf_str_cap()'s 256 is the size of these fields. */
_Static_assert(sizeof(((kr_conf_t *)0)->client_id) == 256, "client.id is 256 bytes");
_Static_assert(sizeof(((kr_conf_t *)0)->ssl_key_password) == 256, "ssl.key.password");
_Static_assert(sizeof(((kr_conf_t *)0)->sasl_username) == 256, "sasl.username");
_Static_assert(sizeof(((kr_conf_t *)0)->sasl_password) == 256, "sasl.password");

#undef F

void kr_conf_defaults(kr_conf_t *c)
{
    assert(c != NULL);
    memset(c, 0, sizeof(*c));
    snprintf(c->client_id, sizeof(c->client_id), "kring");
    c->acks = -1;
    c->idempotence = -1;
    c->compression = 3;
    c->compression_level = KR_ZSTD_LEVEL_DEFAULT;
    c->linger_ms = 5;
    c->batch_size = 256 * 1024;
    c->max_in_flight = 5;
    c->retries = INT32_MAX;
    c->retry_backoff_ms = 100;
    c->retry_backoff_max_ms = 1000;
    c->request_timeout_ms = 30000;
    c->delivery_timeout_ms = 120000;
    c->buffer_memory = 64LL << 20;
    c->max_request_size = 1 << 20;
    c->metadata_max_age_ms = 300000;
    c->partitioner = KR_PARTITIONER_MURMUR2;
    c->socket_connection_setup_timeout_ms = 10000;
    c->zerocopy_min_bytes = 1 << 20;
    c->reconnect_backoff_ms = 50;
    c->reconnect_backoff_max_ms = 1000;
    c->topic_metadata_propagation_max_ms = 30000;
    c->connections_max = 1024;
    c->receive_message_max_bytes = 100000000;
    c->ssl_verify_host = 1;
    c->ssl_verify_cert = 1;
}

kr_conf_t *kr_conf_new(void)
{
    kr_conf_t *c = malloc(sizeof(*c));
    if (c != NULL)
        kr_conf_defaults(c);
    return c;
}

void kr_conf_destroy(kr_conf_t *conf) { free(conf); }

void kr_conf_set_delivery_cb(kr_conf_t *conf, kr_delivery_cb_t *cb, void *ctx)
{
    assert(conf != NULL);
    conf->dr_cb = cb;
    conf->drb_cb = NULL;
    conf->dr_ctx = ctx;
}

void kr_conf_set_delivery_batch_cb(kr_conf_t *conf, kr_delivery_batch_cb_t *cb, void *ctx)
{
    assert(conf != NULL);
    conf->drb_cb = cb;
    conf->dr_cb = NULL;
    conf->dr_ctx = ctx;
}

void kr_conf_set_oauthbearer_cb(kr_conf_t *conf, kr_oauthbearer_cb_t *cb, void *ctx)
{
    assert(conf != NULL);
    conf->oauth_cb = cb;
    conf->oauth_ctx = ctx;
}

void kr_conf_set_log_cb(kr_conf_t *conf, kr_log_cb_t *cb, void *ctx)
{
    assert(conf != NULL);
    conf->log_cb = cb;
    conf->log_ctx = ctx;
}

void kr_conf_set_stats_cb(kr_conf_t *conf, kr_stats_cb_t *cb, void *ctx)
{
    conf->stats_cb = cb;
    conf->stats_ctx = ctx;
}

static const conf_entry_t *conf_find(const char *key)
{
    assert(key != NULL);
    for (size_t i = 0; i < KR_COUNT(conf_table); i++) {
        const conf_entry_t *e = &conf_table[i];
        assert(e->off < sizeof(kr_conf_t));
        assert(e->min <= e->max);
        if (strcmp(e->name, key) == 0 || (e->alias != NULL && strcmp(e->alias, key) == 0))
            return e;
    }
    return NULL;
}

/* Parses a whole decimal integer in [min, max]; false on anything else. */
static bool parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    assert(s != NULL);
    assert(min <= max);
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static size_t conf_str_cap(const conf_entry_t *e)
{
    switch (e->off) {
    case offsetof(kr_conf_t, client_id):
    case offsetof(kr_conf_t, ssl_key_password):
    case offsetof(kr_conf_t, sasl_username):
    case offsetof(kr_conf_t, sasl_password):
        return 256;
    default:
        return KR_CONF_STR_MAX;
    }
}

/* Finds v (case-insensitively, as Kafka's clients take these names) among n names. */
static bool parse_name(const char *v, const char *const *names, int n, int *out)
{
    assert(names != NULL);
    assert(n > 0);
    for (int i = 0; i < n; i++)
        if (names[i][0] != '\0' && strcasecmp(v, names[i]) == 0) {
            *out = i;
            return true;
        }
    return false;
}

/*
 * debug: empty (off) or a comma-separated list of contexts. kring logs every context
 * when any is on; the names are librdkafka's, so the same setting works for both.
 */
static bool debug_valid(const char *v)
{
    static const char *const ctx[] = {"all", "broker", "protocol", "metadata", "msg", "eos"};
    if (strlen(v) >= sizeof(((kr_conf_t *)0)->debug))
        return false;
    while (*v != '\0') {
        size_t n = strcspn(v, ",");
        bool known = false;
        for (size_t i = 0; i < sizeof(ctx) / sizeof(ctx[0]); i++)
            if (strlen(ctx[i]) == n && strncmp(v, ctx[i], n) == 0)
                known = true;
        if (!known)
            return false;
        v += n;
        if (*v == ',')
            v++;
    }
    return true;
}

/*
 * compression.type: none, lz4 or zstd. gzip and snappy are Kafka codecs that kring
 * does not write (docs/CONFIG.md says why): refused here, with their own message.
 */
static bool conf_codec(int *field, const char *v)
{
    if (strcasecmp(v, "none") == 0)
        *field = 0;
    else if (strcasecmp(v, "lz4") == 0)
        *field = 3;
    else if (strcasecmp(v, "zstd") == 0)
        *field = 4;
    else
        return false;
    return true;
}

/* Parses value into the field e names. Returns false if the value is not acceptable. */
static bool conf_parse(kr_conf_t *c, const conf_entry_t *e, const char *v)
{
    void *field = (char *)c + e->off;
    int64_t n = 0;
    switch (e->type) {
    case T_STR:
    case T_SECRET:
        if (strlen(v) >= conf_str_cap(e))
            return false;
        strcpy(field, v);
        return true;
    case T_SECPROTO:
        return parse_name(v, sec_protocols, (int)KR_COUNT(sec_protocols), field);
    case T_MECHANISM:
        return parse_name(v, sasl_mechanisms, (int)KR_COUNT(sasl_mechanisms), field);
    case T_ENDPOINT:
        if (strcasecmp(v, "https") == 0)
            *(int *)field = 1;
        else if (strcasecmp(v, "none") == 0 || v[0] == '\0')
            *(int *)field = 0;
        else
            return false;
        return true;
    case T_INT:
        assert(e->min >= INT_MIN); /* the field is an int */
        assert(e->max <= INT_MAX);
        if (!parse_int(v, e->min, e->max, &n))
            return false;
        *(int *)field = (int)n;
        return true;
    case T_INT64:
        if (!parse_int(v, e->min, e->max, &n))
            return false;
        *(int64_t *)field = n;
        return true;
    case T_BOOL:
        if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
            *(int *)field = 1;
        else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
            *(int *)field = 0;
        else
            return false;
        return true;
    case T_ACKS:
        if (strcmp(v, "all") == 0 || strcmp(v, "-1") == 0)
            *(int *)field = -1;
        else if (strcmp(v, "0") == 0 || strcmp(v, "1") == 0)
            *(int *)field = v[0] - '0';
        else
            return false;
        return true;
    case T_CODEC:
        return conf_codec(field, v);
    case T_LEVEL:
        if (!parse_int(v, kr_zstd_level_min(), kr_zstd_level_max(), &n))
            return false;
        *(int *)field = (int)n;
        return true;
    case T_DEBUG:
        if (!debug_valid(v))
            return false;
        snprintf(field, sizeof(c->debug), "%s", v);
        return true;
    case T_IOENGINE:
        for (int i = KR_IO_AUTO; i <= KR_IO_POLL; i++)
            if (strcmp(v, io_engines[i]) == 0) {
                *(int *)field = i;
                return true;
            }
        return false;
    case T_PARTITIONER:
        if (strcmp(v, "murmur2") == 0 || strcmp(v, "default") == 0)
            *(int *)field = KR_PARTITIONER_MURMUR2;
        else if (strcmp(v, "murmur2_random") == 0)
            *(int *)field = KR_PARTITIONER_MURMUR2_RANDOM;
        else
            return false;
        return true;
    }
    return false;
}

static const char *conf_expect(const conf_entry_t *e)
{
    switch (e->type) {
    case T_STR:
    case T_SECRET:
        return "a string";
    case T_SECPROTO:
        return "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL";
    case T_MECHANISM:
        return "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER";
    case T_ENDPOINT:
        return "https or none";
    case T_INT:
    case T_INT64:
        return "an integer in range";
    case T_BOOL:
        return "true or false";
    case T_ACKS:
        return "0, 1 or all";
    case T_CODEC:
        return "none, lz4 or zstd";
    case T_LEVEL:
        return "an integer in range";
    case T_PARTITIONER:
        return "murmur2 or murmur2_random";
    case T_DEBUG:
        return "a comma-separated list of all, broker, protocol, metadata, msg, eos";
    case T_IOENGINE:
        return "auto, io_uring or poll";
    }
    return "?";
}

int kr_conf_set(kr_conf_t *conf, const char *key, const char *value, char *errstr, size_t errlen)
{
    assert(conf != NULL);
    assert(errlen == 0 || errstr != NULL);
    const conf_entry_t *e = key != NULL ? conf_find(key) : NULL;
    if (e == NULL) {
        if (errlen > 0)
            snprintf(errstr, errlen, "unknown setting \"%s\"", key ? key : "(null)");
        return KR_ECONFIG;
    }
    if (value == NULL || !conf_parse(conf, e, value)) {
        if (errlen > 0) {
            if (e->type == T_SECRET) /* never echo a secret */
                snprintf(errstr, errlen, "%s: bad value: at most %zu characters", key,
                         conf_str_cap(e) - 1);
            else if (e->type == T_CODEC && value != NULL &&
                     (strcasecmp(value, "gzip") == 0 || strcasecmp(value, "snappy") == 0))
                snprintf(errstr, errlen, "%s: %s is not supported by kring (use lz4 or zstd)", key,
                         value);
            else if (e->type == T_LEVEL)
                snprintf(errstr, errlen, "%s: bad value \"%s\": expected an integer from %d to %d",
                         key, value ? value : "(null)", kr_zstd_level_min(), kr_zstd_level_max());
            else if (e->type == T_INT || e->type == T_INT64)
                snprintf(errstr, errlen,
                         "%s: bad value \"%s\": expected an integer from %lld to %lld", key,
                         value ? value : "(null)", (long long)e->min, (long long)e->max);
            else
                snprintf(errstr, errlen, "%s: bad value \"%s\": expected %s", key,
                         value ? value : "(null)", conf_expect(e));
        }
        return KR_ECONFIG;
    }
    return 0;
}

int kr_conf_get(const kr_conf_t *conf, const char *key, char *buf, size_t buflen)
{
    assert(conf != NULL);
    assert(buflen == 0 || buf != NULL);
    const conf_entry_t *e = conf_find(key);
    if (e == NULL)
        return KR_ECONFIG;
    const void *field = (const char *)conf + e->off;
    switch (e->type) {
    case T_STR:
    case T_DEBUG:
        snprintf(buf, buflen, "%s", (const char *)field);
        break;
    case T_SECRET:
        snprintf(buf, buflen, "%s", ((const char *)field)[0] != '\0' ? "[hidden]" : "");
        break;
    case T_SECPROTO:
        assert(*(const int *)field >= 0);
        assert(*(const int *)field < (int)KR_COUNT(sec_protocols));
        snprintf(buf, buflen, "%s", sec_protocols[*(const int *)field]);
        break;
    case T_MECHANISM:
        assert(*(const int *)field >= 0);
        assert(*(const int *)field < (int)KR_COUNT(sasl_mechanisms));
        snprintf(buf, buflen, "%s", sasl_mechanisms[*(const int *)field]);
        break;
    case T_ENDPOINT:
        snprintf(buf, buflen, "%s", *(const int *)field ? "https" : "none");
        break;
    case T_INT64:
        snprintf(buf, buflen, "%lld", (long long)*(const int64_t *)field);
        break;
    case T_ACKS:
        snprintf(buf, buflen, "%s",
                 *(const int *)field == -1 ? "all"
                 : *(const int *)field     ? "1"
                                           : "0");
        break;
    case T_CODEC:
        snprintf(buf, buflen, "%s",
                 *(const int *)field == 3   ? "lz4"
                 : *(const int *)field == 4 ? "zstd"
                                            : "none");
        break;
    case T_BOOL:
        snprintf(buf, buflen, "%s",
                 *(const int *)field == 1   ? "true"
                 : *(const int *)field == 0 ? "false"
                                            : "default");
        break;
    case T_PARTITIONER:
        snprintf(buf, buflen, "%s", *(const int *)field ? "murmur2_random" : "murmur2");
        break;
    case T_INT:
    case T_LEVEL:
        snprintf(buf, buflen, "%d", *(const int *)field);
        break;
    case T_IOENGINE:
        assert(*(const int *)field >= 0);
        assert(*(const int *)field < (int)KR_COUNT(io_engines));
        snprintf(buf, buflen, "%s", io_engines[*(const int *)field]);
        break;
    }
    return 0;
}

bool kr_conf_idempotent(const kr_conf_t *c)
{
    assert(c != NULL);
    assert(c->idempotence >= -1);
    assert(c->idempotence <= 1);
    if (c->idempotence == -1)
        return c->acks == -1;
    return c->idempotence == 1;
}

static int conf_fail(char *errstr, size_t errlen, const char *msg)
{
    if (errlen > 0)
        snprintf(errstr, errlen, "%s", msg);
    return KR_ECONFIG;
}

/* SASL needs a mechanism kring speaks and what that mechanism needs. */
static int conf_validate_security(const kr_conf_t *c, char *errstr, size_t errlen)
{
    bool sasl =
        c->security_protocol == KR_SEC_SASL_PLAINTEXT || c->security_protocol == KR_SEC_SASL_SSL;
    if (!sasl)
        return 0;
    if (c->sasl_mechanism == KR_SASL_NONE)
        return conf_fail(errstr, errlen,
                         "security.protocol SASL_* needs sasl.mechanism: PLAIN, "
                         "SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER");
    if (c->sasl_mechanism == KR_SASL_OAUTHBEARER) {
        if (c->oauth_cb == NULL)
            return conf_fail(errstr, errlen,
                             "sasl.mechanism=OAUTHBEARER needs a token "
                             "callback (kr_conf_set_oauthbearer_cb)");
        return 0;
    }
    if (c->sasl_username[0] == '\0' || c->sasl_password[0] == '\0')
        return conf_fail(errstr, errlen,
                         "sasl.mechanism PLAIN and SCRAM need sasl.username "
                         "and sasl.password");
    return 0;
}

int kr_conf_validate(const kr_conf_t *c, char *errstr, size_t errlen)
{
    assert(c != NULL);
    assert(errlen == 0 || errstr != NULL);
    if (c->bootstrap_servers[0] == '\0')
        return conf_fail(errstr, errlen, "bootstrap.servers is not set");
    if (c->idempotence == 1 && c->acks != -1)
        return conf_fail(errstr, errlen, "enable.idempotence=true requires acks=all");
    if (kr_conf_idempotent(c) && c->max_in_flight > 5)
        return conf_fail(errstr, errlen,
                         "enable.idempotence requires max.in.flight.requests.per.connection <= 5");
    if (c->retry_backoff_max_ms < c->retry_backoff_ms)
        return conf_fail(errstr, errlen, "retry.backoff.max.ms is below retry.backoff.ms");
    if (c->batch_size > c->max_request_size)
        return conf_fail(errstr, errlen, "batch.size is larger than max.request.size");
    if (c->buffer_memory < 4LL * c->batch_size)
        return conf_fail(errstr, errlen, "buffer.memory must hold at least 4 batches (batch.size)");
    if (c->delivery_timeout_ms < c->linger_ms + c->request_timeout_ms)
        return conf_fail(errstr, errlen,
                         "delivery.timeout.ms must be at least linger.ms + request.timeout.ms");
    return conf_validate_security(c, errstr, errlen);
}
