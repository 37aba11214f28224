/* Producer settings: defaults, parsing and validation. */
#include "kr_conf.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kr_zstd.h"

enum conf_type { T_STR, T_INT, T_INT64, T_BOOL, T_ACKS, T_CODEC, T_PARTITIONER, T_DEBUG,
                 T_LEVEL };

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
    {"delivery.timeout.ms", "message.timeout.ms", T_INT, F(delivery_timeout_ms), 100,
     INT32_MAX},
    {"buffer.memory", NULL, T_INT64, F(buffer_memory), 1 << 20, 64LL << 30},
    {"max.request.size", "message.max.bytes", T_INT, F(max_request_size), 1024, 256 << 20},
    {"metadata.max.age.ms", NULL, T_INT, F(metadata_max_age_ms), 1000, INT32_MAX},
    {"partitioner", NULL, T_PARTITIONER, F(partitioner), 0, 0},
    {"send.buffer.bytes", "socket.send.buffer.bytes", T_INT, F(socket_send_buffer_bytes), 0,
     1 << 30},
    {"receive.buffer.bytes", "socket.receive.buffer.bytes", T_INT,
     F(socket_receive_buffer_bytes), 0, 1 << 30},
    {"socket.connection.setup.timeout.ms", NULL, T_INT, F(socket_connection_setup_timeout_ms),
     100, 900000},
    {"socket.zerocopy.min.bytes", NULL, T_INT, F(zerocopy_min_bytes), 0, INT32_MAX},
    {"reconnect.backoff.ms", NULL, T_INT, F(reconnect_backoff_ms), 1, 300000},
    {"reconnect.backoff.max.ms", NULL, T_INT, F(reconnect_backoff_max_ms), 1, 300000},
    {"topic.metadata.propagation.max.ms", NULL, T_INT, F(topic_metadata_propagation_max_ms),
     0, 3600000},
    {"debug", NULL, T_DEBUG, F(debug), 0, 0},
};

#undef F

void kr_conf_defaults(kr_conf_t *c)
{
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
    conf->dr_cb = cb;
    conf->dr_ctx = ctx;
}

static const conf_entry_t *conf_find(const char *key)
{
    for (size_t i = 0; i < sizeof(conf_table) / sizeof(conf_table[0]); i++) {
        const conf_entry_t *e = &conf_table[i];
        if (strcmp(e->name, key) == 0 || (e->alias != NULL && strcmp(e->alias, key) == 0))
            return e;
    }
    return NULL;
}

/* Parses a whole decimal integer in [min, max]; false on anything else. */
static bool parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
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
    if (e->off == offsetof(kr_conf_t, client_id))
        return sizeof(((kr_conf_t *)0)->client_id);
    return KR_CONF_STR_MAX;
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
        if (strlen(v) >= conf_str_cap(e))
            return false;
        strcpy(field, v);
        return true;
    case T_INT:
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
        return "a string";
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
    }
    return "?";
}

int kr_conf_set(kr_conf_t *conf, const char *key, const char *value, char *errstr,
                size_t errlen)
{
    assert(conf != NULL);
    const conf_entry_t *e = key != NULL ? conf_find(key) : NULL;
    if (e == NULL) {
        if (errlen > 0)
            snprintf(errstr, errlen, "unknown setting \"%s\"", key ? key : "(null)");
        return KR_ECONFIG;
    }
    if (value == NULL || !conf_parse(conf, e, value)) {
        if (errlen > 0) {
            if (e->type == T_CODEC && value != NULL &&
                (strcasecmp(value, "gzip") == 0 || strcasecmp(value, "snappy") == 0))
                snprintf(errstr, errlen,
                         "%s: %s is not supported by kring (use lz4 or zstd)", key, value);
            else if (e->type == T_LEVEL)
                snprintf(errstr, errlen,
                         "%s: bad value \"%s\": expected an integer from %d to %d", key,
                         value ? value : "(null)", kr_zstd_level_min(), kr_zstd_level_max());
            else if (e->type == T_INT || e->type == T_INT64)
                snprintf(errstr, errlen,
                         "%s: bad value \"%s\": expected an integer from %lld to %lld",
                         key, value ? value : "(null)", (long long)e->min, (long long)e->max);
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
    const conf_entry_t *e = conf_find(key);
    if (e == NULL)
        return KR_ECONFIG;
    const void *field = (const char *)conf + e->off;
    switch (e->type) {
    case T_STR:
    case T_DEBUG:
        snprintf(buf, buflen, "%s", (const char *)field);
        break;
    case T_INT64:
        snprintf(buf, buflen, "%lld", (long long)*(const int64_t *)field);
        break;
    case T_ACKS:
        snprintf(buf, buflen, "%s",
                 *(const int *)field == -1 ? "all" : *(const int *)field ? "1" : "0");
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
    }
    return 0;
}

bool kr_conf_idempotent(const kr_conf_t *c)
{
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

int kr_conf_validate(const kr_conf_t *c, char *errstr, size_t errlen)
{
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
    return 0;
}
