/* The public API: producer life cycle, produce, the poll loop, flush, stats. */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_accum.h"
#include "kr_clock.h"
#include "kr_conn.h"
#include "kr_describe.h"
#include "kr_engine.h"
#include "kr_header.h"
#include "kr_meta.h"
#include "kr_sender.h"
#include "kr_sink.h"
#include "kr_stats.h"
#include "kr_tls.h"
#include "kring.h"

/* What the benchmark sink needs to play the broker (kr_producer_new_sink). */
typedef struct producer_sink {
    const char *topic;
    int32_t partitions;
    int16_t produce_version;
} producer_sink_t;

static const kr_conn_events_t producer_conn_events;

static void producer_free(kr_producer_t *p)
{
    if (p->tr.ops != NULL)
        p->tr.ops->exit(&p->tr);
    kr_accum_free(p);
    kr_meta_free(p);
    free(p->sender_scratch);
    kr_stats_free(p);
    free(p);
}

/* Puts TLS over the socket transport. On failure the socket transport is freed. */
static int producer_tls(kr_producer_t *p, char *errstr, size_t errlen)
{
    const kr_conf_t *c = &p->conf;
    kr_tls_conf_t tc = {c->ssl_ca_location,  c->ssl_certificate_location, c->ssl_key_location,
                        c->ssl_key_password, c->ssl_verify_cert != 0,     c->ssl_verify_host != 0};
    kr_transport_t inner = p->tr;
    int rc = kr_tls_init(&p->tr, &inner, &tc, errstr, errlen);
    if (rc != 0) {
        inner.ops->exit(&inner);
        memset(&p->tr, 0, sizeof(p->tr));
    }
    return rc;
}

/*
 * Sets up the transport: the sink when asked, else what io.engine says. auto takes
 * io_uring and falls back to poll, with one warning, where the kernel refuses io_uring.
 */
static int producer_transport(kr_producer_t *p, const producer_sink_t *sink, char *errstr,
                              size_t errlen)
{
    int engine = p->conf.io_engine;
    int rc;
    if (sink != NULL)
        rc = kr_sink_init(&p->tr, sink->topic, sink->partitions, sink->produce_version,
                          (size_t)p->conf.max_request_size);
    else if (engine == KR_IO_POLL)
        rc = kr_poll_init(&p->tr, (uint32_t)p->conf.connections_max);
    else
        rc = kr_uring_init(&p->tr, (uint32_t)p->conf.connections_max);
    if (rc == KR_ENOURING && engine == KR_IO_AUTO) {
        /* One warning per process: a program with a producer per core says it once. */
        static atomic_bool warned;
        rc = kr_poll_init(&p->tr, (uint32_t)p->conf.connections_max);
        if (rc == 0 && !atomic_exchange(&warned, true))
            kr_log(p, KR_LOG_WARNING,
                   "io_uring is not available here (refused by the kernel "
                   "or a seccomp profile): using the poll transport");
    }
    if (rc != 0) {
        snprintf(errstr, errlen, "%s: %s", engine == KR_IO_POLL ? "poll" : "io_uring",
                 kr_strerror(rc));
        memset(&p->tr, 0, sizeof(p->tr));
        return rc;
    }
    p->tr.sndbuf = p->conf.socket_send_buffer_bytes;
    p->tr.rcvbuf = p->conf.socket_receive_buffer_bytes;
    if (sink == NULL &&
        (p->conf.security_protocol == KR_SEC_SSL || p->conf.security_protocol == KR_SEC_SASL_SSL))
        rc = producer_tls(p, errstr, errlen);
    if (rc != 0)
        return rc;
    KR_DBG(p, "%s", p->tr.info);
    return 0;
}

static int producer_new(kr_producer_t **out, const kr_conf_t *conf, const producer_sink_t *sink,
                        char *errstr, size_t errlen)
{
    char dummy[1];
    if (errstr == NULL || errlen == 0) {
        errstr = dummy;
        errlen = sizeof(dummy);
    }
    errstr[0] = '\0';
    int rc = kr_conf_validate(conf, errstr, errlen);
    if (rc != 0)
        return rc;
    kr_producer_t *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    p->conf = *conf;
    p->conn_events = &producer_conn_events;
    p->idempotent = kr_conf_idempotent(conf);
    p->now_us = kr_now_us();
    p->rand_state = (uint64_t)p->now_us ^ (uint64_t)(uintptr_t)p;
    p->producer_id = -1;
    p->producer_epoch = -1;
    p->pid_wanted = p->idempotent;
    p->metadata_wanted = true;
    p->sender_scratch = malloc(kr_sender_scratch_size());
    if (conf->statistics_interval_ms > 0 && conf->stats_cb != NULL) {
        /* The document's first room; kr_stats.c grows it only as partitions are added. */
        p->stats_next_us = p->now_us + (int64_t)conf->statistics_interval_ms * 1000;
        p->stats_doc_cap = 64 * 1024;
        p->stats_doc = malloc(p->stats_doc_cap);
    }
    if (kr_meta_init(p) != 0 || p->sender_scratch == NULL ||
        (p->stats_doc_cap > 0 && p->stats_doc == NULL)) {
        producer_free(p);
        return -ENOMEM;
    }
    rc = kr_meta_bootstrap(p, errstr, errlen);
    if (rc == 0)
        rc = kr_accum_init(p, errstr, errlen);
    if (rc == 0)
        rc = producer_transport(p, sink, errstr, errlen);
    if (rc != 0) {
        producer_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int kr_producer_new(kr_producer_t **out, const kr_conf_t *conf, char *errstr, size_t errlen)
{
    return producer_new(out, conf, NULL, errstr, errlen);
}

const char *kr_producer_transport(const kr_producer_t *p) { return p->tr.name; }

/* Routes one completion to the connection that owns its op. */
static void producer_dispatch(kr_producer_t *p, const kr_cqe_t *e)
{
    kr_broker_t *b = e->op->sock->owner;
    assert(b != NULL);
    kr_conn_on_cqe(p, b, e);
}

/* Handles every completion that is there now, in bounded batches. */
static void producer_drain(kr_producer_t *p)
{
    kr_cqe_t cqes[KR_TRANSPORT_DRAIN_MAX];
    for (;;) {
        unsigned n = p->tr.ops->drain(&p->tr, cqes, KR_TRANSPORT_DRAIN_MAX);
        for (unsigned i = 0; i < n; i++) {
            producer_dispatch(p, &cqes[i]);
            p->tr.ops->done(&p->tr, &cqes[i]); /* its data has been consumed */
        }
        if (n < KR_TRANSPORT_DRAIN_MAX)
            return;
    }
}

/* Timers and sends: everything due at p->now_us. */
static void producer_tick(kr_producer_t *p)
{
    for (int32_t i = 0; i < p->broker_cnt; i++)
        kr_conn_tick(p, p->brokers[i]);
    kr_describe_tick(p);
    kr_meta_tick(p);
    kr_meta_pid_tick(p);
    kr_accum_tick(p);
    kr_sender_tick(p);
}

static int64_t producer_next_deadline(const kr_producer_t *p)
{
    int64_t t = kr_accum_next_deadline(p);
    bool ready = false;
    for (int32_t i = 0; i < p->broker_cnt; i++) {
        int64_t c = kr_conn_next_deadline(p, p->brokers[i]);
        if (c < t)
            t = c;
        ready |= kr_conn_ready(&p->brokers[i]->conn);
    }
    /* Requests that wait for a connection are woken by its completion, not a timer:
     * an overdue refresh with no broker up must not spin the loop. */
    if (!ready)
        return t;
    if ((p->metadata_wanted || p->topic_cnt > 0) && !p->metadata_inflight && p->metadata_at_us < t)
        t = p->metadata_at_us;
    if (p->pid_wanted && !p->pid_inflight && p->pid_retry_at_us > p->now_us &&
        p->pid_retry_at_us < t)
        t = p->pid_retry_at_us;
    return t;
}

/*
 * One turn of the loop: completions, timers, sends, then a wait of at most until
 * `until_us` (or none when until_us <= now) for the next completion.
 */
static int producer_turn(kr_producer_t *p, int64_t until_us)
{
    p->now_us = kr_now_us();
    producer_drain(p);
    producer_tick(p);
    int64_t next = producer_next_deadline(p);
    if (next < until_us)
        until_us = next;
    int64_t wait = until_us - p->now_us;
    if (wait < 0 || kr_accum_serve(p, 0) > 0)
        wait = 0;
    int rc = p->tr.ops->wait(&p->tr, wait);
    p->now_us = kr_now_us();
    producer_drain(p);
    return rc;
}

int kr_poll(kr_producer_t *p, int timeout_ms)
{
    int64_t start = kr_now_us();
    int64_t until = timeout_ms < 0 ? INT64_MAX : start + (int64_t)timeout_ms * 1000;
    int served = 0;
    for (;;) {
        int rc = producer_turn(p, until);
        if (rc < 0)
            return rc;
        served += kr_accum_serve(p, INT32_MAX);
        kr_stats_tick(p);
        if (served > 0 || p->now_us >= until)
            return served;
    }
}

int kr_produce(kr_producer_t *p, const kr_record_t *rec)
{
    assert(p != NULL && rec != NULL && rec->topic != NULL);
    if (p->fatal_err != 0)
        return KR_EFATAL;
    if (rec->header_cnt > KR_HEADERS_MAX)
        return KR_ERANGE;
    for (size_t i = 0; i < rec->header_cnt; i++)
        if (rec->headers[i].key == NULL)
            return KR_ERANGE; /* Kafka header keys are never null */
    kr_topic_t *t = p->last_topic;
    if (t == NULL || rec->topic != p->last_topic_name || strcmp(rec->topic, t->name) != 0) {
        /* Callers usually pass the same topic over and over: skip the table scan. */
        t = kr_meta_topic(p, rec->topic);
        if (t == NULL)
            return KR_EUNKNOWNTOPIC;
        p->last_topic = t;
        p->last_topic_name = rec->topic;
    }
    return kr_accum_append(p, t, rec);
}

int kr_produce_wait(kr_producer_t *p, const kr_record_t *rec, int timeout_ms)
{
    int64_t until = timeout_ms < 0 ? INT64_MAX : kr_now_us() + (int64_t)timeout_ms * 1000;
    for (;;) {
        int rc = kr_produce(p, rec);
        if (rc != KR_EQUEUEFULL)
            return rc;
        if (kr_now_us() >= until)
            return KR_EQUEUEFULL;
        rc = kr_poll(p, 10);
        if (rc < 0)
            return rc;
    }
}

int kr_flush(kr_producer_t *p, int timeout_ms)
{
    int64_t until = timeout_ms < 0 ? INT64_MAX : kr_now_us() + (int64_t)timeout_ms * 1000;
    kr_accum_close_all(p);
    for (;;) {
        kr_accum_serve(p, INT32_MAX);
        if (kr_accum_empty(p))
            return 0;
        if (kr_now_us() >= until)
            return KR_ETIMEDOUT;
        int rc = producer_turn(p, until);
        if (rc < 0)
            return rc;
        kr_stats_tick(p);
        kr_accum_close_all(p);
    }
}

void kr_producer_close(kr_producer_t *p, int timeout_ms)
{
    if (p == NULL)
        return;
    int rc = kr_flush(p, timeout_ms);
    p->closing = true;
    if (rc != 0)
        kr_accum_fail_all(p, KR_ETIMEDOUT, 0);
    for (int32_t i = 0; i < p->broker_cnt; i++) {
        p->brokers[i]->in_use = false;
        kr_conn_shutdown(p, p->brokers[i]);
    }
    /* Wait (bounded) for cancelled ops, so the kernel holds no buffer that is freed; the
     * requests they carried fail, and their records are reported. */
    int64_t until = kr_now_us() + 2000000;
    while (p->tr.ops_queued > 0 && kr_now_us() < until) {
        p->tr.ops->wait(&p->tr, 10000);
        p->now_us = kr_now_us();
        producer_drain(p);
    }
    p->tr.ops->exit(&p->tr); /* waits for whatever the kernel still holds */
    memset(&p->tr, 0, sizeof(p->tr));
    kr_accum_fail_inflight(p, KR_ETIMEDOUT);
    kr_accum_fail_all(p, KR_ETIMEDOUT, 0);
    kr_accum_serve(p, INT32_MAX);
    producer_free(p);
}

int kr_metadata_describe(kr_producer_t *p, const char *topic, int timeout_ms, kr_metadata_cb_t *cb,
                         void *ctx)
{
    assert(p != NULL && cb != NULL);
    if (p->fatal_err != 0)
        return KR_EFATAL;
    int64_t until = timeout_ms < 0 ? INT64_MAX : kr_now_us() + (int64_t)timeout_ms * 1000;
    p->describe.cb = cb;
    p->describe.ctx = ctx;
    p->describe.topic = topic;
    p->describe.state = KR_DESCRIBE_WANTED;
    p->describe.rc = 0;
    while (p->describe.state != KR_DESCRIBE_DONE && kr_now_us() < until) {
        int rc = producer_turn(p, until);
        if (rc < 0) {
            p->describe.state = KR_DESCRIBE_IDLE;
            return rc;
        }
    }
    int rc = p->describe.state == KR_DESCRIBE_DONE ? p->describe.rc : KR_ETIMEDOUT;
    p->describe.state = KR_DESCRIBE_IDLE;
    return rc;
}

/* ---- what connections report (kr_conn_events_t) ---- */

static void producer_on_ready(kr_producer_t *p, kr_broker_t *b)
{
    (void)b;
    if (p->metadata_wanted && p->metadata_at_us > p->now_us)
        p->metadata_at_us = p->now_us;
}

static void producer_on_response(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, kr_rbuf_t *body)
{
    switch (r->api_key) {
    case KR_API_Produce:
        kr_sender_on_produce(p, b, r, body);
        return;
    case KR_API_Metadata:
        if (r->describe)
            kr_describe_on_metadata(p, b, r, body);
        else
            kr_meta_on_metadata(p, b, r, body);
        return;
    case KR_API_InitProducerId:
        kr_meta_on_initpid(p, b, r, body);
        return;
    default:
        assert(!"response to a request kring never sends");
    }
}

static void producer_req_failed(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, int err)
{
    if (r->api_key == KR_API_Produce)
        kr_sender_req_failed(p, b, r, err);
    else if (r->describe)
        kr_describe_req_failed(p);
    else
        kr_meta_req_failed(p, r);
}

/*
 * TLS or SASL refused: retrying would only repeat it (wrong password, untrusted
 * certificate, a listener of another protocol), so the producer fails at once, as the
 * Java client's AuthenticationException fails its sends: every record is reported with
 * err, kr_produce() returns KR_EFATAL, and the log says why, once.
 */
static void producer_refused(kr_producer_t *p, kr_broker_t *b, int err, const char *why)
{
    if (p->fatal_err != 0)
        return;
    kr_log(p, KR_LOG_ERR, "broker %s:%d: %s: %s", b->host, b->port, kr_strerror(err),
           why[0] != '\0' ? why : "no reason given");
    p->fatal_err = err;
    for (int32_t i = 0; i < p->broker_cnt; i++)
        p->brokers[i]->in_use = false; /* no reconnecting into the same refusal */
    kr_accum_fail_all(p, err, 0);
}

static const kr_conn_events_t producer_conn_events = {
    producer_on_ready,  producer_on_response, producer_req_failed,
    kr_sender_req_sent, producer_refused,
};

int kr_producer_new_sink(kr_producer_t **out, const kr_conf_t *conf, const char *topic,
                         int32_t partitions, int16_t produce_version, char *errstr, size_t errlen)
{
    kr_conf_t c = *conf;
    if (c.bootstrap_servers[0] == '\0')
        snprintf(c.bootstrap_servers, sizeof(c.bootstrap_servers), "127.0.0.1:9");
    if (produce_version < 3 || produce_version > 12)
        return KR_EVERSION;
    if (partitions < 1 || partitions > KR_SINK_PARTITIONS_MAX)
        return KR_ECONFIG;
    producer_sink_t sink = {topic, partitions, produce_version};
    return producer_new(out, &c, &sink, errstr, errlen);
}

uint64_t kr_producer_sink_bytes(const kr_producer_t *p) { return kr_sink_bytes(&p->tr); }
