/* Statistics: snapshots and the JSON document. See kr_stats.h. */
#include "kr_stats.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_engine.h"
#include "kr_header.h"
#include "kr_json.h"
#include "kr_kerr.h"

#define STATS_DOC_MIN (64 * 1024)

uint64_t kr_rtt_bucket_high(uint32_t i)
{
    assert(i < KR_RTT_BUCKETS);
    return kr_loghist_high(i, KR_RTT_SUB_BITS);
}

int64_t kr_rtt_quantile(const kr_rtt_hist_t *h, double q)
{
    if (h->count == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.999999);
    return (int64_t)kr_loghist_at_rank(h->buckets, KR_RTT_BUCKETS, KR_RTT_SUB_BITS, rank ? rank : 1,
                                       h->max_us);
}

void kr_stats_part_error(kr_part_stats_t *s, int32_t code)
{
    for (uint32_t i = 0; i < s->err_used; i++) {
        if (s->err_code[i] == code) {
            s->err_count[i]++;
            return;
        }
    }
    if (s->err_used == KR_STATS_ERRCODES_MAX) {
        s->errors_other++;
        return;
    }
    s->err_code[s->err_used] = code;
    s->err_count[s->err_used++] = 1;
}

const char *kr_stats_code_name(int32_t code)
{
    /* Kafka's codes start at -1 (UNKNOWN_SERVER_ERROR); kring's are -errno or KR_E... */
    if (code >= -1 && code <= INT16_MAX)
        return kr_kerr_name((int16_t)code);
    return kr_errname(code);
}

/* Records of Produce requests on b's connection that wait for their answer. */
static uint64_t stats_broker_records_inflight(const kr_broker_t *b)
{
    const kr_conn_t *c = &b->conn;
    uint64_t n = 0;
    if (c->reqs == NULL)
        return 0;
    for (uint32_t i = c->req_tail; i != c->req_head; i++) {
        const kr_req_t *r = &c->reqs[i % KR_CONN_REQS_MAX];
        if (r->api_key != KR_API_Produce || r->state == KR_REQ_FREE || r->state == KR_REQ_DONE)
            continue;
        for (uint32_t k = 0; k < r->batch_cnt; k++)
            if (r->batches[k] != NULL)
                n += r->batches[k]->cnt;
    }
    return n;
}

static void stats_broker(const kr_broker_t *b, kr_broker_stats_t *s)
{
    memset(s, 0, sizeof(*s));
    s->node_id = b->node_id;
    snprintf(s->host, sizeof(s->host), "%s", b->host);
    s->port = b->port;
    s->rtt_us_avg = b->rtt_cnt ? b->rtt_us_sum / b->rtt_cnt : 0;
    s->rtt_us_max = b->rtt_us_max;
    s->rtt_us_p50 = kr_rtt_quantile(&b->rtt_hist, 0.50);
    s->rtt_us_p99 = kr_rtt_quantile(&b->rtt_hist, 0.99);
    s->rtt_us_sum = b->rtt_us_sum;
    s->responses = b->rtt_cnt;
    s->requests = b->requests;
    s->in_flight = (int32_t)(b->conn.req_head - b->conn.req_tail);
    s->connected = b->conn.state == KR_CONN_READY; /* data only: no call into kr_conn */
    s->reconnects = b->connects > 1 ? b->connects - 1 : 0;
    s->bytes_out = b->bytes_out;
    s->bytes_in = b->bytes_in;
    s->throttle_ms = b->throttle_ms;
}

void kr_stats(const kr_producer_t *p, kr_stats_t *out)
{
    *out = p->stats;
    out->requests_in_flight = 0;
    out->records_in_flight = 0;
    out->broker_cnt = 0;
    for (int32_t i = p->bootstrap_cnt; i < p->broker_cnt; i++) {
        const kr_broker_t *b = p->brokers[i];
        out->requests_in_flight += (int32_t)(b->conn.req_head - b->conn.req_tail);
        out->records_in_flight += stats_broker_records_inflight(b);
        if (out->broker_cnt < KR_STATS_BROKERS_MAX)
            stats_broker(b, &out->brokers[out->broker_cnt++]);
    }
    const kr_stats_t *s = &p->stats;
    uint64_t cap = s->batches_sealed * (uint64_t)p->conf.batch_size;
    out->batch_fill = cap > 0 ? (double)s->batch_bytes_raw / (double)cap : 0;
    out->compression_ratio =
        s->batch_bytes_wire > 0 ? (double)s->batch_bytes_raw / (double)s->batch_bytes_wire : 1.0;
    out->producer_id = p->producer_id;
    out->producer_epoch = p->producer_epoch;
    out->partition_cnt = p->part_used;
}

static void stats_partition(const kr_producer_t *p, const kr_partition_t *part,
                            kr_partition_stats_t *s)
{
    const kr_part_stats_t *c = &part->st;
    memset(s, 0, sizeof(*s));
    s->topic = part->topic->name;
    s->partition = part->id;
    s->leader = part->leader;
    s->records_acked = c->records_acked;
    s->bytes_acked = c->bytes_acked;
    s->records_failed = c->records_failed;
    s->batches_acked = c->batches_acked;
    s->retries = c->retries;
    s->producer_id = p->producer_id;
    s->producer_epoch = p->producer_epoch;
    s->error_cnt = (int32_t)c->err_used;
    for (uint32_t i = 0; i < c->err_used; i++) {
        s->errors[i].code = c->err_code[i];
        s->errors[i].name = kr_stats_code_name(c->err_code[i]);
        s->errors[i].count = c->err_count[i];
    }
    s->errors_other = c->errors_other;
}

int32_t kr_stats_partitions(const kr_producer_t *p, kr_partition_stats_t *out, int32_t cap)
{
    int32_t n = 0;
    for (int32_t ti = 0; ti < p->topic_cnt; ti++) {
        const kr_topic_t *t = p->topics[ti];
        for (int32_t i = 0; t->parts != NULL && i < t->part_cnt; i++, n++)
            if (n < cap)
                stats_partition(p, t->parts[i], &out[n]);
    }
    return n;
}

/* ---- the JSON document ---- */

typedef struct js {
    char *buf;
    size_t len;
    size_t cap;
    bool over; /* ran out of room: the caller grows buf and writes again */
} js_t;

static void __attribute__((format(printf, 2, 3))) js_put(js_t *j, const char *fmt, ...)
{
    if (j->over)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(j->buf + j->len, j->cap - j->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= j->cap - j->len) {
        j->over = true;
        return;
    }
    j->len += (size_t)n;
}

/* A JSON string: quotes, and escapes for what JSON forbids raw (kr_json.h). */
static void js_str(js_t *j, const char *s)
{
    if (j->over)
        return;
    size_t n = kr_json_str(j->buf + j->len, j->cap - j->len, s);
    if (n >= j->cap - j->len) {
        j->over = true;
        return;
    }
    j->len += n;
}

static void js_u64(js_t *j, const char *key, uint64_t v)
{
    js_put(j, "\"%s\":%llu,", key, (unsigned long long)v);
}

static void js_i64(js_t *j, const char *key, int64_t v)
{
    js_put(j, "\"%s\":%lld,", key, (long long)v);
}

/* Drops the comma after the last member of an object or array. */
static void js_close(js_t *j, char ch)
{
    if (!j->over && j->len > 0 && j->buf[j->len - 1] == ',')
        j->len--;
    js_put(j, "%c", ch);
}

static void stats_json_global(js_t *j, const kr_producer_t *p, const kr_stats_t *s)
{
    js_put(j, "{\"name\":");
    js_str(j, p->conf.client_id);
    js_put(j, ",\"transport\":");
    js_str(j, p->tr.name);
    js_put(j, ",");
    js_i64(j, "ts_us", p->now_us);
    js_u64(j, "records_queued", s->records_queued);
    js_u64(j, "bytes_queued", s->bytes_queued);
    js_u64(j, "records_sent", s->records_sent);
    js_u64(j, "records_in_flight", s->records_in_flight);
    js_u64(j, "records_acked", s->records_acked);
    js_u64(j, "bytes_acked", s->bytes_acked);
    js_u64(j, "records_failed", s->records_failed);
    js_u64(j, "retries", s->retries);
    js_u64(j, "requests_sent", s->requests_sent);
    js_i64(j, "requests_in_flight", s->requests_in_flight);
    js_u64(j, "bytes_sent", s->bytes_sent);
    js_u64(j, "buffer_bytes_used", s->buffer_bytes_used);
    js_u64(j, "buffer_bytes_max", s->buffer_bytes_max);
    js_u64(j, "batches_sealed", s->batches_sealed);
    js_u64(j, "batch_bytes_raw", s->batch_bytes_raw);
    js_u64(j, "batch_bytes_wire", s->batch_bytes_wire);
    js_put(j, "\"batch_fill\":%.4f,\"compression_ratio\":%.4f,", s->batch_fill,
           s->compression_ratio);
    js_u64(j, "metadata_refreshes", s->metadata_refreshes);
    js_u64(j, "epoch_bumps", s->epoch_bumps);
    js_i64(j, "producer_id", s->producer_id);
    js_i64(j, "producer_epoch", s->producer_epoch);
}

static void stats_json_broker(js_t *j, const kr_broker_stats_t *b)
{
    js_put(j, "{");
    js_i64(j, "node_id", b->node_id);
    js_put(j, "\"host\":");
    js_str(j, b->host);
    js_put(j, ",");
    js_i64(j, "port", b->port);
    js_put(j, "\"connected\":%s,", b->connected ? "true" : "false");
    js_i64(j, "requests", b->requests);
    js_i64(j, "in_flight", b->in_flight);
    js_i64(j, "responses", b->responses);
    js_i64(j, "rtt_us_avg", b->rtt_us_avg);
    js_i64(j, "rtt_us_p50", b->rtt_us_p50);
    js_i64(j, "rtt_us_p99", b->rtt_us_p99);
    js_i64(j, "rtt_us_max", b->rtt_us_max);
    js_u64(j, "reconnects", b->reconnects);
    js_u64(j, "bytes_out", b->bytes_out);
    js_u64(j, "bytes_in", b->bytes_in);
    js_u64(j, "throttle_ms", b->throttle_ms);
    js_close(j, '}');
}

static void stats_json_partition(js_t *j, const kr_producer_t *p, const kr_partition_t *part)
{
    kr_partition_stats_t s;
    stats_partition(p, part, &s);
    js_put(j, "{");
    js_i64(j, "partition", s.partition);
    js_i64(j, "leader", s.leader);
    js_u64(j, "records_acked", s.records_acked);
    js_u64(j, "bytes_acked", s.bytes_acked);
    js_u64(j, "records_failed", s.records_failed);
    js_u64(j, "batches_acked", s.batches_acked);
    js_u64(j, "retries", s.retries);
    js_i64(j, "producer_id", s.producer_id);
    js_i64(j, "producer_epoch", s.producer_epoch);
    js_put(j, "\"errors\":{");
    for (int32_t i = 0; i < s.error_cnt; i++) {
        js_str(j, s.errors[i].name);
        js_put(j, ":%llu,", (unsigned long long)s.errors[i].count);
    }
    js_close(j, '}');
    js_put(j, ",");
    js_u64(j, "errors_other", s.errors_other);
    js_close(j, '}');
    js_put(j, ",");
}

/* The whole document into j; j->over when it did not fit. */
static void stats_json(js_t *j, const kr_producer_t *p)
{
    kr_stats_t s;
    kr_stats(p, &s);
    j->len = 0;
    j->over = false;
    stats_json_global(j, p, &s);
    js_put(j, "\"brokers\":[");
    for (int32_t i = 0; i < s.broker_cnt; i++) {
        stats_json_broker(j, &s.brokers[i]);
        js_put(j, ",");
    }
    js_close(j, ']');
    js_put(j, ",\"topics\":[");
    for (int32_t ti = 0; ti < p->topic_cnt; ti++) {
        const kr_topic_t *t = p->topics[ti];
        js_put(j, "{\"topic\":");
        js_str(j, t->name);
        js_put(j, ",\"partitions\":[");
        for (int32_t i = 0; t->parts != NULL && i < t->part_cnt; i++)
            stats_json_partition(j, p, t->parts[i]);
        js_close(j, ']');
        js_put(j, "},");
    }
    js_close(j, ']');
    js_close(j, '}');
}

/* Makes the document, growing its buffer to twice what it needs, so that counters that
 * gain digits do not make it grow again. -ENOMEM leaves no document. */
static int stats_make(kr_producer_t *p, js_t *j)
{
    for (;;) {
        *j = (js_t){p->stats_doc, 0, p->stats_doc_cap, false};
        if (j->cap > 0) {
            stats_json(j, p);
            if (!j->over && j->len * 2 <= j->cap)
                return 0;
            if (!j->over && p->stats_doc_cap >= STATS_DOC_MIN * 64)
                return 0; /* large enough: stop doubling */
        }
        size_t cap = j->cap < STATS_DOC_MIN ? STATS_DOC_MIN : j->cap * 2;
        char *nb = realloc(p->stats_doc, cap);
        if (nb == NULL)
            return -1;
        p->stats_doc = nb;
        p->stats_doc_cap = cap;
    }
}

void kr_stats_tick(kr_producer_t *p)
{
    int64_t iv = p->conf.statistics_interval_ms;
    if (iv <= 0 || p->conf.stats_cb == NULL || p->now_us < p->stats_next_us)
        return;
    p->stats_next_us = p->now_us + iv * 1000;
    js_t j;
    if (stats_make(p, &j) != 0)
        return;
    p->stats.stats_documents++;
    p->conf.stats_cb(j.buf, j.len, p->conf.stats_ctx);
    /* Percentiles cover one interval: the next window starts now. */
    for (int32_t i = 0; i < p->broker_cnt; i++)
        memset(&p->brokers[i]->rtt_hist, 0, sizeof(p->brokers[i]->rtt_hist));
}

void kr_stats_free(kr_producer_t *p)
{
    free(p->stats_doc);
    p->stats_doc = NULL;
    p->stats_doc_cap = 0;
}
