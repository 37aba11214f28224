/* Broker connections: connect, handshake, pipelined requests, response framing. */
#define _GNU_SOURCE
#include "kr_conn.h"

#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kr_apiversions.h"
#include "kr_auth.h"
#include "kr_clock.h"
#include "kr_header.h"

#define KR_APIVERSIONS_FIRST 3 /* the version every broker since 2.4 takes */

void kr_conn_init(kr_conn_t *c, void *owner)
{
    memset(c, 0, sizeof(*c));
    kr_sock_init(&c->sock, owner);
}

/*
 * Sets up the connection's memory before its first connect: request slots and the receive
 * buffer. At most connections.max brokers get one; past that the broker cannot be
 * connected, which is said once as an error naming the setting. 0, KR_ETOOMANY, -ENOMEM.
 */
static int conn_memory(kr_producer_t *p, kr_broker_t *b)
{
    kr_conn_t *c = &b->conn;
    if (c->reqs != NULL)
        return 0;
    if (p->conn_cnt >= p->conf.connections_max) {
        snprintf(c->sock.err, sizeof(c->sock.err),
                 "connections.max (%d) reached: raise "
                 "connections.max to connect to more brokers",
                 p->conf.connections_max);
        if (!p->conn_limit_logged)
            kr_log(p, KR_LOG_ERR,
                   "broker %d %s:%d: not connected: connections.max (%d) "
                   "reached (%d brokers known); raise connections.max",
                   b->node_id, b->host, b->port, p->conf.connections_max, p->broker_cnt);
        p->conn_limit_logged = true;
        return KR_ETOOMANY;
    }
    c->reqs = calloc(KR_CONN_REQS_MAX, sizeof(kr_req_t));
    c->rbuf = malloc(KR_CONN_RBUF);
    if (c->reqs == NULL || c->rbuf == NULL) {
        free(c->reqs);
        free(c->rbuf);
        c->reqs = NULL;
        c->rbuf = NULL;
        return -ENOMEM;
    }
    c->rbuf_cap = KR_CONN_RBUF;
    p->conn_cnt++;
    return 0;
}

void kr_conn_free(kr_conn_t *c)
{
    if (c->sock.fd >= 0)
        close(c->sock.fd); /* a producer closed with ops still in the kernel */
    c->sock.fd = -1;
    kr_resolve_free(&c->res);
    free(c->reqs);
    free(c->rbuf);
    c->reqs = NULL;
    c->rbuf = NULL;
}

static kr_req_t *req_at(const kr_conn_t *c, uint32_t i) { return &c->reqs[i % KR_CONN_REQS_MAX]; }

/* Connected, past the TCP (and TLS) connect: requests flow. */
static bool conn_live(const kr_conn_t *c)
{
    return c->state == KR_CONN_HANDSHAKE || c->state == KR_CONN_AUTH || c->state == KR_CONN_READY ||
           c->state == KR_CONN_REAUTH;
}

/* Opens the transport's connection to the next address of the host. 0 or an error. */
static int conn_open_next(kr_producer_t *p, kr_broker_t *b)
{
    kr_conn_t *c = &b->conn;
    socklen_t len = 0;
    const struct sockaddr *addr = kr_resolve_next(&c->res, &len);
    if (addr == NULL)
        return KR_ETRANSPORT;
    c->resolving = false;
    c->tcp_connecting = true;
    return p->tr.ops->open(&p->tr, &c->sock, b->host, addr, len,
                           p->conf.socket_connection_setup_timeout_ms);
}

/* A lookup in progress: connects once it has answered. */
static void conn_resolve_tick(kr_producer_t *p, kr_broker_t *b)
{
    kr_conn_t *c = &b->conn;
    int rc = kr_resolve_poll(&c->res, c->sock.err, sizeof(c->sock.err));
    if (rc == KR_RESOLVE_PENDING)
        return;
    if (rc == 0)
        rc = conn_open_next(p, b);
    if (rc != 0)
        kr_conn_fail(p, b, rc);
}

void kr_conn_start(kr_producer_t *p, kr_broker_t *b)
{
    kr_conn_t *c = &b->conn;
    assert(c->state == KR_CONN_DOWN);
    assert(c->sock.fd < 0 && kr_sock_idle(&c->sock));
    b->connects++;
    c->sock.err[0] = '\0';
    int rc = conn_memory(p, b);
    c->state = KR_CONN_CONNECTING;
    c->connect_started_us = p->now_us;
    c->resolving = false;
    c->tcp_connecting = false;
    KR_DBG(p, "broker %d %s:%d: connecting", b->node_id, b->host, b->port);
    if (rc == 0 && c->res.next >= c->res.cnt) {
        /* Every address of the last lookup was tried (or none was made): look again. */
        rc = kr_resolve_start(&c->res, b->host, b->port, c->sock.err, sizeof(c->sock.err));
        c->resolving = rc == KR_RESOLVE_PENDING;
        if (c->resolving)
            return;
    }
    if (rc == 0)
        rc = conn_open_next(p, b);
    if (rc != 0)
        kr_conn_fail(p, b, rc);
}

/* A free request slot on a live connection, or NULL. */
static kr_req_t *conn_req_alloc(kr_producer_t *p, kr_conn_t *c)
{
    if (!conn_live(c))
        return NULL;
    if (c->req_head - c->req_tail == KR_CONN_REQS_MAX)
        return NULL;
    kr_req_t *r = req_at(c, c->req_head);
    if (r->state != KR_REQ_FREE)
        return NULL;
    c->req_head++;
    memset(r, 0, offsetof(kr_req_t, frame));
    r->corr_id = p->corr_next++ & INT32_MAX;
    r->expects_response = true;
    return r;
}

kr_req_t *kr_conn_req_alloc(kr_producer_t *p, kr_conn_t *c)
{
    return c->state == KR_CONN_READY ? conn_req_alloc(p, c) : NULL;
}

/* Gathers every queued request, in order, into one sendmsg. */
static void conn_send_start(kr_producer_t *p, kr_conn_t *c)
{
    if (c->sock.op_send.busy || c->sock.op_send.pinned)
        return;
    uint32_t niov = 0, nreq = 0;
    size_t bytes = 0;
    for (uint32_t i = c->req_tail; i != c->req_head; i++) {
        kr_req_t *r = req_at(c, i);
        if (r->state != KR_REQ_QUEUED)
            continue;
        if (niov + r->iov_cnt > KR_CONN_IOV_MAX)
            break;
        memcpy(&c->iov[niov], r->iov, r->iov_cnt * sizeof(struct iovec));
        niov += r->iov_cnt;
        bytes += r->len;
        r->state = KR_REQ_SENDING;
        nreq++;
    }
    if (nreq == 0)
        return;
    memset(&c->msg, 0, sizeof(c->msg));
    c->msg.msg_iov = c->iov;
    c->msg.msg_iovlen = niov;
    c->send_reqs = nreq;
    /* Zero-copy pays for large sends only: the pages are pinned until the peer acks. */
    c->send_zc = p->conf.zerocopy_min_bytes > 0 && bytes >= (size_t)p->conf.zerocopy_min_bytes;
    p->tr.ops->send(&p->tr, &c->sock, &c->msg, c->send_zc);
}

void kr_conn_req_queue(kr_producer_t *p, kr_broker_t *b, kr_req_t *r)
{
    kr_conn_t *c = &b->conn;
    assert(r->state == KR_REQ_FREE);
    assert(r->iov_cnt > 0 && r->len > 0);
    KR_DBG(p, "broker %d: request api %d v%d corr %d, %zu bytes", b->node_id, r->api_key,
           r->api_version, r->corr_id, r->len);
    r->state = KR_REQ_QUEUED;
    r->sent_us = p->now_us;
    r->deadline_us = p->now_us + (int64_t)p->conf.request_timeout_ms * 1000;
    b->requests++;
    b->bytes_out += r->len;
    p->stats.requests_sent++;
    p->stats.bytes_sent += r->len;
    conn_send_start(p, c);
}

/* Frees DONE slots at the tail of the ring. */
static void conn_reap(kr_conn_t *c)
{
    while (c->req_tail != c->req_head && req_at(c, c->req_tail)->state == KR_REQ_DONE) {
        req_at(c, c->req_tail)->state = KR_REQ_FREE;
        c->req_tail++;
    }
}

/* The send in progress wrote `n` bytes: finish it, or send the rest. */
static void conn_on_sent(kr_producer_t *p, kr_broker_t *b, size_t n)
{
    kr_conn_t *c = &b->conn;
    struct iovec *iov = c->msg.msg_iov;
    size_t cnt = c->msg.msg_iovlen;
    while (cnt > 0 && n >= iov->iov_len) {
        n -= iov->iov_len;
        iov++;
        cnt--;
    }
    if (cnt > 0) {
        iov->iov_base = (uint8_t *)iov->iov_base + n;
        iov->iov_len -= n;
        c->msg.msg_iov = iov;
        c->msg.msg_iovlen = cnt;
        p->tr.ops->send(&p->tr, &c->sock, &c->msg, c->send_zc);
        return;
    }
    uint32_t left = c->send_reqs;
    for (uint32_t i = c->req_tail; i != c->req_head && left > 0; i++) {
        kr_req_t *r = req_at(c, i);
        if (r->state != KR_REQ_SENDING)
            continue;
        left--;
        if (r->expects_response) {
            r->state = KR_REQ_SENT;
        } else {
            r->state = KR_REQ_DONE;
            p->conn_events->sent(p, b, r);
        }
    }
    c->send_reqs = 0;
    conn_reap(c);
    if (conn_live(c))
        conn_send_start(p, c);
}

/* Arms the receive into the free end of rbuf (or the transport's own buffers). */
static void conn_recv_start(kr_producer_t *p, kr_conn_t *c)
{
    if (c->sock.op_recv.busy)
        return; /* a multishot receive is still armed */
    assert(c->rlen < c->rbuf_cap);
    p->tr.ops->recv(&p->tr, &c->sock, c->rbuf + c->rlen, c->rbuf_cap - c->rlen);
}

/* Frames and queues a request of the connection's own (ApiVersions, SASL) whose body is
 * in body[0..len). */
static void conn_send_own(kr_producer_t *p, kr_broker_t *b, int16_t api_key, int16_t v,
                          const uint8_t *body, size_t len)
{
    kr_conn_t *c = &b->conn;
    kr_req_t *r = conn_req_alloc(p, c);
    assert(r != NULL); /* the connection's own requests go one at a time */
    kr_wbuf_t w;
    kr_wbuf_init(&w, r->frame, sizeof(r->frame));
    kr_RequestHeader_t h = {api_key, v, r->corr_id, p->conf.client_id, strlen(p->conf.client_id)};
    size_t off = kr_request_begin(&w, &h);
    kr_wbuf_raw(&w, body, len);
    int rc = kr_request_end(&w, off);
    assert(rc == 0);
    (void)rc;
    r->api_key = api_key;
    r->api_version = v;
    r->iov[0].iov_base = r->frame;
    r->iov[0].iov_len = kr_wbuf_len(&w);
    r->iov_cnt = 1;
    r->len = kr_wbuf_len(&w);
    kr_conn_req_queue(p, b, r);
}

/* Sends ApiVersions at version v: the first request on every connection. */
static void conn_send_apiversions(kr_producer_t *p, kr_broker_t *b, int16_t v)
{
    uint8_t body[64];
    kr_wbuf_t w;
    kr_wbuf_init(&w, body, sizeof(body));
    kr_ApiVersionsRequest_t req = {"kring", 5, "0.1.0", 5};
    int rc = kr_ApiVersionsRequest_write(&w, v, &req);
    assert(rc == 0 && w.err == 0);
    (void)rc;
    b->conn.apiversions_try = v;
    conn_send_own(p, b, KR_API_ApiVersions, v, body, kr_wbuf_len(&w));
}

/* Sends the next request of the SASL exchange. Returns 0 or KR_EAUTH (sock.err says why). */
static int conn_send_auth(kr_producer_t *p, kr_broker_t *b)
{
    kr_conn_t *c = &b->conn;
    uint8_t body[KR_REQ_FRAME_MAX / 2];
    kr_wbuf_t w;
    kr_wbuf_init(&w, body, sizeof(body));
    int16_t api = 0, v = 0;
    c->sock.err[0] = '\0';
    int rc = kr_auth_request(&c->auth, &p->conf, c->ver[KR_V_SASLAUTH], &w, &api, &v, c->sock.err,
                             sizeof(c->sock.err));
    if (rc == 0 && w.err != 0)
        rc = KR_EAUTH;
    if (rc == 0)
        conn_send_own(p, b, api, v, body, kr_wbuf_len(&w));
    memset(body, 0, sizeof(body)); /* it held a credential */
    return rc;
}

/* The connection can carry the producer's requests: first time, or after re-auth. */
static void conn_ready(kr_producer_t *p, kr_broker_t *b)
{
    kr_conn_t *c = &b->conn;
    bool first = c->state != KR_CONN_REAUTH;
    c->state = KR_CONN_READY;
    c->failures = 0;
    KR_DBG(p, "broker %d: ready: Produce v%d Metadata v%d ApiVersions v%d InitProducerId v%d",
           b->node_id, c->ver[0], c->ver[1], c->ver[2], c->ver[3]);
    if (first)
        p->conn_events->ready(p, b);
}

/* A SASL response: the next round, the end (ready, and when to do it again), or a refusal. */
static int conn_on_auth(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, kr_rbuf_t *body)
{
    kr_conn_t *c = &b->conn;
    int64_t lifetime_ms = 0;
    c->sock.err[0] = '\0';
    int rc = kr_auth_response(&c->auth, &p->conf, r->api_key, r->api_version, body, &lifetime_ms,
                              c->sock.err, sizeof(c->sock.err));
    if (rc == 0)
        return conn_send_auth(p, b);
    if (rc != 1)
        return rc;
    c->reauth_at_us = 0;
    if (lifetime_ms > 0) {
        /* Renew at 85-95% of the session, as the Java client does. */
        int64_t pct = 85 + (int64_t)(kr_backoff_us(&p->rand_state, 1, 1, 1) % 11);
        c->reauth_at_us = p->now_us + lifetime_ms * 10 * pct;
    }
    KR_DBG(p, "broker %d: SASL authenticated, session %lld ms", b->node_id, (long long)lifetime_ms);
    conn_ready(p, b);
    return 0;
}

/* Starts the SASL exchange (or its renewal). Returns 0 or KR_EAUTH. */
static int conn_auth_start(kr_producer_t *p, kr_broker_t *b, uint8_t state)
{
    b->conn.state = state;
    kr_auth_begin(&b->conn.auth);
    return conn_send_auth(p, b);
}

/* Handles the ApiVersions response: picks a version per API, or retries lower. */
static int conn_on_apiversions(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, kr_rbuf_t *body)
{
    kr_conn_t *c = &b->conn;
    kr_ApiVersion_t keys[128];
    kr_ApiVersionsResponse_t resp = {.ApiKeys = keys, .ApiKeysCap = 128};
    int rc = kr_ApiVersionsResponse_read(body, r->api_version, &resp);
    if (rc != 0 && rc != KR_ETOOMANY && r->api_version > 0) {
        /* Some peers answer a version they do not know with a body no version
         * describes; v0 is the one every broker speaks. */
        conn_send_apiversions(p, b, 0);
        return 0;
    }
    if (rc != 0)
        return rc == KR_ETOOMANY ? KR_EMALFORMED : rc;
    if (resp.ErrorCode == 35 && r->api_version > 0) {
        int16_t v = 0;
        if (kr_apiversions_pick(&resp, KR_API_ApiVersions, &v) != 0 || v >= r->api_version)
            v = 0;
        conn_send_apiversions(p, b, v);
        return 0;
    }
    if (resp.ErrorCode != 0)
        return KR_EBROKER;
    static const int16_t apis[5] = {KR_API_Produce, KR_API_Metadata, KR_API_ApiVersions,
                                    KR_API_InitProducerId, KR_API_SaslAuthenticate};
    bool sasl = kr_auth_wanted(&p->conf);
    for (int i = 0; i < (sasl ? 5 : 4); i++)
        if (kr_apiversions_pick(&resp, apis[i], &c->ver[i]) != 0)
            return KR_EVERSION;
    if (sasl)
        return conn_auth_start(p, b, KR_CONN_AUTH);
    conn_ready(p, b);
    return 0;
}

/* Dispatches one complete response frame (Size stripped). */
static int conn_on_frame(kr_producer_t *p, kr_broker_t *b, const uint8_t *f, size_t len)
{
    kr_conn_t *c = &b->conn;
    kr_req_t *r = NULL;
    /* A request still SENDING can be answered: the broker has all its bytes, and its
     * send completion (or zero-copy notification) is simply not drained yet. */
    for (uint32_t i = c->req_tail; i != c->req_head; i++) {
        kr_req_t *x = req_at(c, i);
        if ((x->state == KR_REQ_SENT || x->state == KR_REQ_SENDING) && x->expects_response) {
            r = x;
            break;
        }
    }
    if (r == NULL)
        return KR_EMALFORMED; /* a response nobody asked for */
    kr_rbuf_t body;
    kr_rbuf_init(&body, f, len);
    int32_t cid = -1;
    int rc = kr_ResponseHeader_read(&body, kr_response_header_flexible(r->api_key, r->api_version),
                                    &cid);
    if (rc != 0)
        return rc;
    if (cid != r->corr_id)
        return KR_ECORRELATION;
    int64_t rtt = p->now_us - r->sent_us;
    KR_DBG(p, "broker %d: response api %d corr %d, %zu bytes, %lld us", b->node_id, r->api_key, cid,
           len, (long long)rtt);
    r->state = KR_REQ_DONE;
    if (r->api_key == KR_API_ApiVersions) {
        rc = conn_on_apiversions(p, b, r, &body);
    } else if (r->api_key == KR_API_SaslHandshake || r->api_key == KR_API_SaslAuthenticate) {
        rc = conn_on_auth(p, b, r, &body);
    } else {
        b->rtt_us_sum += rtt;
        b->rtt_cnt++;
        kr_rtt_record(&b->rtt_hist, rtt);
        if (rtt > b->rtt_us_max)
            b->rtt_us_max = rtt;
        p->conn_events->response(p, b, r, &body);
    }
    conn_reap(c);
    return rc;
}

/* A TLS record header (alert or handshake, version 3.x) where a Kafka Size should be: a
 * plaintext client talking to a TLS listener. No ApiVersions answer starts so. */
static bool conn_tls_answer(const uint8_t *q)
{
    return (q[0] == 0x15 || q[0] == 0x16) && q[1] == 0x03 && q[2] <= 0x04;
}

/*
 * Makes room in rbuf for a frame of `need` bytes starting at off: the bytes before off are
 * dropped and the buffer grows (a large Metadata answer; it keeps its size after). Only
 * called between receives, when no receive is armed into rbuf. False: out of memory.
 */
static bool conn_rbuf_grow(kr_conn_t *c, size_t off, size_t need)
{
    if (off > 0) {
        memmove(c->rbuf, c->rbuf + off, c->rlen - off);
        c->rlen -= off;
    }
    size_t cap = c->rbuf_cap;
    while (cap < need)
        cap *= 2;
    uint8_t *n = realloc(c->rbuf, cap);
    if (n == NULL)
        return false;
    c->rbuf = n;
    c->rbuf_cap = cap;
    return true;
}

/*
 * Dispatches every complete frame in the receive buffer and keeps the partial rest.
 * Returns false when the connection failed meanwhile.
 */
static bool conn_parse(kr_producer_t *p, kr_broker_t *b)
{
    kr_conn_t *c = &b->conn;
    size_t off = 0;
    while (c->rlen - off >= 4) {
        const uint8_t *q = c->rbuf + off;
        uint32_t size =
            ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) | q[3];
        if (c->state == KR_CONN_HANDSHAKE && conn_tls_answer(q)) {
            snprintf(c->sock.err, sizeof(c->sock.err),
                     "the broker answered with TLS: this "
                     "listener wants security.protocol SSL or SASL_SSL");
            kr_conn_fail(p, b, KR_ETLS);
            return false;
        }
        if (size < 4 || size > (uint32_t)p->conf.receive_message_max_bytes) {
            if (size >= 4)
                snprintf(c->sock.err, sizeof(c->sock.err),
                         "a response of %u bytes: more "
                         "than receive.message.max.bytes (%d)",
                         size, p->conf.receive_message_max_bytes);
            kr_conn_fail(p, b, KR_EMALFORMED);
            return false;
        }
        if (4 + (size_t)size > c->rbuf_cap) {
            if (!conn_rbuf_grow(c, off, 4 + (size_t)size)) {
                kr_conn_fail(p, b, -ENOMEM);
                return false;
            }
            off = 0;
            q = c->rbuf;
        }
        if (c->rlen - off < 4 + (size_t)size)
            break;
        int rc = conn_on_frame(p, b, q + 4, size);
        if (rc != 0) {
            kr_conn_fail(p, b, rc);
            return false;
        }
        if (!conn_live(c))
            return false;
        off += 4 + size;
    }
    if (off > 0) {
        memmove(c->rbuf, c->rbuf + off, c->rlen - off);
        c->rlen -= off;
    }
    return true;
}

/* Bytes in the transport's buffer: copied into rbuf piece by piece and parsed. */
static bool conn_on_bytes(kr_producer_t *p, kr_broker_t *b, const uint8_t *data, size_t n)
{
    kr_conn_t *c = &b->conn;
    while (n > 0) {
        size_t take = c->rbuf_cap - c->rlen;
        if (take > n)
            take = n;
        assert(take > 0); /* a frame never exceeds rbuf, so parsing always makes room */
        memcpy(c->rbuf + c->rlen, data, take);
        c->rlen += take;
        data += take;
        n -= take;
        if (!conn_parse(p, b))
            return false;
    }
    return true;
}

/* A receive completion: its bytes are framed, and the receive is re-armed. */
static void conn_on_recv(kr_producer_t *p, kr_broker_t *b, const kr_cqe_t *e)
{
    kr_conn_t *c = &b->conn;
    if (e->res == -EAGAIN) {
        conn_recv_start(p, c);
        return;
    }
    if (e->res <= 0) {
        kr_conn_fail(p, b, e->res == 0 ? -ECONNRESET : e->res);
        return;
    }
    bool alive;
    b->bytes_in += (uint64_t)e->res;
    if (e->data != NULL) {
        alive = conn_on_bytes(p, b, e->data, (size_t)e->res);
    } else {
        c->rlen += (size_t)e->res;
        alive = conn_parse(p, b);
    }
    if (alive)
        conn_recv_start(p, c);
}

/* Once every op of a closing connection has completed: close and fail what was live. */
static void conn_finish_close(kr_producer_t *p, kr_broker_t *b)
{
    kr_conn_t *c = &b->conn;
    if (!kr_sock_idle(&c->sock))
        return;
    p->tr.ops->close(&p->tr, &c->sock);
    for (uint32_t i = c->req_tail; i != c->req_head; i++) {
        kr_req_t *r = req_at(c, i);
        if (r->state != KR_REQ_DONE && r->state != KR_REQ_FREE && r->api_key != KR_API_ApiVersions)
            p->conn_events->failed(p, b, r, c->last_err);
        r->state = KR_REQ_FREE;
    }
    c->req_head = c->req_tail = 0;
    c->send_reqs = 0;
    c->rlen = 0;
    c->inflight_produce = 0;
    c->state = KR_CONN_DOWN;
    c->reauth_at_us = 0;
    c->reconnect_at_us = p->now_us + kr_backoff_us(&p->rand_state, p->conf.reconnect_backoff_ms,
                                                   p->conf.reconnect_backoff_max_ms, c->failures);
    /* A connect to one address of the host failed: the next address is tried now. */
    if (c->tcp_connecting && c->res.next < c->res.cnt && c->last_err != KR_ETLS &&
        c->last_err != KR_EAUTH)
        c->reconnect_at_us = p->now_us;
    c->tcp_connecting = false;
    if (c->last_err == KR_ETLS || c->last_err == KR_EAUTH)
        p->conn_events->refused(p, b, c->last_err, c->sock.err);
}

void kr_conn_fail(kr_producer_t *p, kr_broker_t *b, int err)
{
    kr_conn_t *c = &b->conn;
    if (c->state == KR_CONN_DOWN || c->state == KR_CONN_CLOSING)
        return;
    KR_DBG(p, "broker %d %s:%d: connection failed: %s%s%s", b->node_id, b->host, b->port,
           kr_strerror(err), c->sock.err[0] != '\0' ? ": " : "", c->sock.err);
    c->last_err = err;
    c->failures++;
    if (c->resolving)
        kr_resolve_cancel(&c->res);
    c->resolving = false;
    c->state = KR_CONN_CLOSING;
    p->tr.ops->cancel(&p->tr, &c->sock);
    conn_finish_close(p, b);
}

void kr_conn_shutdown(kr_producer_t *p, kr_broker_t *b) { kr_conn_fail(p, b, KR_ESTATE); }

void kr_conn_on_cqe(kr_producer_t *p, kr_broker_t *b, const kr_cqe_t *e)
{
    kr_conn_t *c = &b->conn;
    if (c->state == KR_CONN_CLOSING) {
        conn_finish_close(p, b);
        return;
    }
    switch (e->op->kind) {
    case KR_OP_CONNECT:
        if (e->res < 0) {
            kr_conn_fail(p, b, e->res == -ECANCELED ? KR_ETIMEDOUT : e->res);
            return;
        }
        c->state = KR_CONN_HANDSHAKE;
        c->tcp_connecting = false;
        kr_resolve_forget(&c->res); /* a later reconnect looks the name up again */
        c->rlen = 0;
        conn_recv_start(p, c);
        conn_send_apiversions(p, b, KR_APIVERSIONS_FIRST);
        return;
    case KR_OP_SEND:
        if (e->res < 0) {
            kr_conn_fail(p, b, e->res);
            return;
        }
        conn_on_sent(p, b, (size_t)e->res);
        return;
    case KR_OP_RECV:
        conn_on_recv(p, b, e);
        return;
    default:
        return;
    }
}

static int64_t conn_connect_deadline(const kr_producer_t *p, const kr_conn_t *c)
{
    return c->connect_started_us + (int64_t)p->conf.socket_connection_setup_timeout_ms * 1000;
}

void kr_conn_tick(kr_producer_t *p, kr_broker_t *b)
{
    kr_conn_t *c = &b->conn;
    if (c->state == KR_CONN_DOWN) {
        if (b->in_use && p->now_us >= c->reconnect_at_us)
            kr_conn_start(p, b);
        return;
    }
    if (c->state == KR_CONN_CLOSING)
        return;
    if (c->state == KR_CONN_CONNECTING) {
        if (c->resolving)
            conn_resolve_tick(p, b);
        /* The transport's connect may take a TLS handshake too, and the lookup comes
         * before: bound the whole. */
        if (c->state == KR_CONN_CONNECTING && p->now_us >= conn_connect_deadline(p, c)) {
            snprintf(c->sock.err, sizeof(c->sock.err),
                     "no %s within "
                     "socket.connection.setup.timeout.ms (%d ms)",
                     c->resolving ? "answer from DNS" : "connection",
                     p->conf.socket_connection_setup_timeout_ms);
            kr_conn_fail(p, b, KR_ETIMEDOUT);
        }
        return;
    }
    if (c->state == KR_CONN_READY && c->reauth_at_us != 0 && p->now_us >= c->reauth_at_us) {
        KR_DBG(p, "broker %d: SASL session ends soon: re-authenticating", b->node_id);
        if (conn_auth_start(p, b, KR_CONN_REAUTH) != 0) {
            kr_conn_fail(p, b, KR_EAUTH);
            return;
        }
    }
    for (uint32_t i = c->req_tail; i != c->req_head; i++) {
        kr_req_t *r = req_at(c, i);
        if (r->state == KR_REQ_DONE || !r->expects_response)
            continue;
        if (p->now_us >= r->deadline_us)
            kr_conn_fail(p, b, KR_ETIMEDOUT);
        return; /* responses come in order: only the oldest can be late first */
    }
}

int64_t kr_conn_next_deadline(const kr_producer_t *p, const kr_broker_t *b)
{
    const kr_conn_t *c = &b->conn;
    if (c->state == KR_CONN_DOWN)
        return b->in_use ? c->reconnect_at_us : INT64_MAX;
    if (c->state == KR_CONN_CONNECTING && c->resolving) {
        int64_t poll_at = p->now_us + KR_RESOLVE_POLL_US; /* the lookup is looked at */
        int64_t d = conn_connect_deadline(p, c);
        return poll_at < d ? poll_at : d;
    }
    if (c->state == KR_CONN_CONNECTING)
        return conn_connect_deadline(p, c);
    if (c->state == KR_CONN_READY && c->reauth_at_us != 0)
        return c->reauth_at_us; /* before any request deadline, or the same turn */
    for (uint32_t i = c->req_tail; i != c->req_head; i++) {
        const kr_req_t *r = req_at(c, i);
        if (r->state != KR_REQ_DONE && r->expects_response)
            return r->deadline_us;
    }
    return INT64_MAX;
}
