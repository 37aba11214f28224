/*
 * The sink transport: an in-memory broker in place of sockets (kr_sink.h says why).
 *
 * Each socket is a peer that has "connected" at once. A send is taken whole: its bytes are
 * gathered into request frames, and each frame is answered into the peer's response
 * buffer as the broker of a one-node cluster would: ApiVersions (v0-3), Metadata (v9: the
 * sink's topic, every partition led by node 1 at 127.0.0.1:9), InitProducerId (v4:
 * producer id 1, epoch 0) and Produce (v3 up to the version set at init: every partition
 * acknowledged, offsets counted per partition; acks=0 gets no answer). A receive
 * completes with the pending response bytes, handed out of the peer's buffer.
 *
 * A request the sink does not know how to answer fails the send with -EPROTO, so the
 * connection drops as it would with a broker that closes it.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_buf.h"
#include "kr_error.h"
#include "kr_header.h"
#include "kr_transport.h"

#define SINK_PEERS 8
#define SINK_RX (256 * 1024) /* pending responses per peer */
#define SINK_NODE 1
#define SINK_TOPIC_MAX 249
#define SINK_METADATA_V 9
#define SINK_INITPID_V 4
#define SINK_APIVERSIONS_V 3

typedef struct speer {
    kr_sock_t *s; /* NULL: free */
    bool broken;  /* answered garbage or ran out of room: sends fail */
    uint8_t rx[SINK_RX];
    size_t rx_len;   /* response bytes written */
    size_t rx_given; /* of those, handed out in receive completions */
    uint32_t rx_out; /* receive completions not yet done() */
} speer_t;

typedef struct sink {
    char topic[SINK_TOPIC_MAX + 1];
    size_t topic_len;
    int32_t partitions;
    int16_t produce_version;
    int64_t *offsets; /* next offset per partition */
    uint8_t *req;     /* one request frame, gathered from the iovecs */
    size_t req_cap;
    size_t req_len;
    uint64_t bytes;
    speer_t peers[SINK_PEERS];
    kr_cq_t cq;
} sink_t;

static sink_t *S(kr_transport_t *t) { return t->impl; }
static const sink_t *CS(const kr_transport_t *t) { return t->impl; }

/* ---- the answers ---- */

static void sink_apiversions(sink_t *k, kr_wbuf_t *w, int16_t v)
{
    if (v > SINK_APIVERSIONS_V) {
        /* UNSUPPORTED_VERSION in the v0 layout, naming the versions the sink speaks. */
        kr_wbuf_i16(w, 35);
        kr_wbuf_arraylen(w, false, 1);
        kr_wbuf_i16(w, KR_API_ApiVersions);
        kr_wbuf_i16(w, 0);
        kr_wbuf_i16(w, SINK_APIVERSIONS_V);
        return;
    }
    bool flex = v >= 3;
    const int16_t apis[4][3] = {{KR_API_Produce, 3, k->produce_version},
                                {KR_API_Metadata, SINK_METADATA_V, SINK_METADATA_V},
                                {KR_API_ApiVersions, 0, SINK_APIVERSIONS_V},
                                {KR_API_InitProducerId, SINK_INITPID_V, SINK_INITPID_V}};
    kr_wbuf_i16(w, 0);
    kr_wbuf_arraylen(w, flex, 4);
    for (int i = 0; i < 4; i++) {
        kr_wbuf_i16(w, apis[i][0]);
        kr_wbuf_i16(w, apis[i][1]);
        kr_wbuf_i16(w, apis[i][2]);
        kr_wbuf_tags(w, flex);
    }
    if (v >= 1)
        kr_wbuf_i32(w, 0); /* ThrottleTimeMs */
    kr_wbuf_tags(w, flex);
}

/* One topic of a Metadata v9 answer: the sink's, or an unknown one. */
static void sink_md_topic(const sink_t *k, kr_wbuf_t *w, kr_str_t name)
{
    bool known = name.len == (int32_t)k->topic_len && memcmp(name.ptr, k->topic, k->topic_len) == 0;
    kr_wbuf_i16(w, known ? 0 : 3 /* UNKNOWN_TOPIC_OR_PARTITION */);
    kr_wbuf_str(w, true, name.ptr, (size_t)name.len);
    kr_wbuf_bool(w, false); /* IsInternal */
    int32_t n = known ? k->partitions : 0;
    kr_wbuf_arraylen(w, true, n);
    for (int32_t i = 0; i < n; i++) {
        kr_wbuf_i16(w, 0);
        kr_wbuf_i32(w, i);
        kr_wbuf_i32(w, SINK_NODE);
        kr_wbuf_i32(w, 0); /* LeaderEpoch */
        kr_wbuf_arraylen(w, true, 1);
        kr_wbuf_i32(w, SINK_NODE);
        kr_wbuf_arraylen(w, true, 1);
        kr_wbuf_i32(w, SINK_NODE);
        kr_wbuf_arraylen(w, true, 0); /* OfflineReplicas */
        kr_wbuf_tags(w, true);
    }
    kr_wbuf_i32(w, INT32_MIN); /* TopicAuthorizedOperations */
    kr_wbuf_tags(w, true);
}

static int sink_metadata(const sink_t *k, kr_wbuf_t *w, kr_rbuf_t *r)
{
    kr_str_t names[64];
    int32_t n = kr_rbuf_arraylen(r, true, 2);
    for (int32_t i = 0; i < n && i < 64; i++) {
        names[i] = kr_rbuf_str(r, true);
        kr_rbuf_tags(r, true);
    }
    if (r->err != 0 || n > 64)
        return r->err != 0 ? r->err : KR_ETOOMANY;
    kr_wbuf_i32(w, 0); /* ThrottleTimeMs */
    kr_wbuf_arraylen(w, true, 1);
    kr_wbuf_i32(w, SINK_NODE);
    kr_wbuf_str(w, true, "127.0.0.1", 9);
    kr_wbuf_i32(w, 9);
    kr_wbuf_nstr(w, true, NULL, 0); /* Rack */
    kr_wbuf_tags(w, true);
    kr_wbuf_nstr(w, true, "sink", 4); /* ClusterId */
    kr_wbuf_i32(w, SINK_NODE);        /* ControllerId */
    kr_wbuf_arraylen(w, true, n < 0 ? 1 : n);
    if (n < 0)
        sink_md_topic(k, w, (kr_str_t){k->topic, (int32_t)k->topic_len});
    for (int32_t i = 0; i < n; i++)
        sink_md_topic(k, w, names[i]);
    kr_wbuf_i32(w, INT32_MIN); /* ClusterAuthorizedOperations */
    kr_wbuf_tags(w, true);
    return 0;
}

static void sink_initpid(kr_wbuf_t *w)
{
    kr_wbuf_i32(w, 0); /* ThrottleTimeMs */
    kr_wbuf_i16(w, 0);
    kr_wbuf_i64(w, 1); /* ProducerId */
    kr_wbuf_i16(w, 0); /* ProducerEpoch */
    kr_wbuf_tags(w, true);
}

/* Records in the batch(es) of one partition: the first batch's lastOffsetDelta + 1. */
static int64_t sink_batch_records(kr_str_t recs)
{
    if (recs.len < 61)
        return 0;
    const uint8_t *q = (const uint8_t *)recs.ptr + 23;
    uint32_t delta = ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) | q[3];
    return (int64_t)delta + 1;
}

/* One partition of a Produce answer. */
static void sink_produce_part(sink_t *k, kr_wbuf_t *w, int16_t v, bool known, int32_t idx,
                              kr_str_t recs)
{
    bool flex = v >= 9;
    bool ok = known && idx >= 0 && idx < k->partitions;
    kr_wbuf_i32(w, idx);
    kr_wbuf_i16(w, ok ? 0 : 3);
    kr_wbuf_i64(w, ok ? k->offsets[idx] : -1);
    kr_wbuf_i64(w, -1); /* LogAppendTimeMs */
    if (v >= 5)
        kr_wbuf_i64(w, 0); /* LogStartOffset */
    if (v >= 8) {
        kr_wbuf_arraylen(w, flex, 0); /* RecordErrors */
        kr_wbuf_nstr(w, flex, NULL, 0);
    }
    kr_wbuf_tags(w, flex);
    if (ok)
        k->offsets[idx] += sink_batch_records(recs);
}

/* Answers a Produce request as it is read; *acks tells whether the answer is wanted. */
static int sink_produce(sink_t *k, kr_wbuf_t *w, kr_rbuf_t *r, int16_t v, int16_t *acks)
{
    bool flex = v >= 9;
    kr_rbuf_nstr(r, flex); /* TransactionalId */
    *acks = kr_rbuf_i16(r);
    kr_rbuf_i32(r); /* TimeoutMs */
    int32_t nt = kr_rbuf_arraylen(r, flex, 2);
    kr_wbuf_arraylen(w, flex, nt < 0 ? 0 : nt);
    for (int32_t i = 0; i < nt && r->err == 0; i++) {
        kr_str_t name = kr_rbuf_str(r, flex);
        bool known =
            name.len == (int32_t)k->topic_len && memcmp(name.ptr, k->topic, k->topic_len) == 0;
        kr_wbuf_str(w, flex, name.ptr, name.len < 0 ? 0 : (size_t)name.len);
        int32_t np = kr_rbuf_arraylen(r, flex, 5);
        kr_wbuf_arraylen(w, flex, np < 0 ? 0 : np);
        for (int32_t j = 0; j < np && r->err == 0; j++) {
            int32_t idx = kr_rbuf_i32(r);
            kr_str_t recs = kr_rbuf_bytes(r, flex);
            kr_rbuf_tags(r, flex);
            sink_produce_part(k, w, v, known, idx, recs);
        }
        kr_rbuf_tags(r, flex);
        kr_wbuf_tags(w, flex);
    }
    kr_rbuf_tags(r, flex);
    kr_wbuf_i32(w, 0); /* ThrottleTimeMs */
    kr_wbuf_tags(w, flex);
    return r->err;
}

/* ---- request frames ---- */

/* Answers one request frame (Size stripped) into the peer's response buffer. */
static int sink_request(sink_t *k, speer_t *pe, const uint8_t *f, size_t len)
{
    kr_rbuf_t r;
    kr_rbuf_init(&r, f, len);
    int16_t api = kr_rbuf_i16(&r);
    int16_t v = kr_rbuf_i16(&r);
    int32_t corr = kr_rbuf_i32(&r);
    kr_rbuf_nstr(&r, false); /* ClientId: never compact */
    if (r.err != 0 || kr_api_range(api) == NULL)
        return KR_EMALFORMED;
    kr_rbuf_tags(&r, kr_api_flexible(api, v));
    if (pe->rx_given == pe->rx_len && pe->rx_out == 0)
        pe->rx_len = pe->rx_given = 0;
    kr_wbuf_t w;
    kr_wbuf_init(&w, pe->rx + pe->rx_len, SINK_RX - pe->rx_len);
    size_t size_off = kr_wbuf_reserve(&w, 4);
    kr_wbuf_i32(&w, corr);
    kr_wbuf_tags(&w, kr_response_header_flexible(api, v));
    int16_t acks = 1;
    int rc = KR_EVERSION;
    if (api == KR_API_ApiVersions) {
        sink_apiversions(k, &w, v);
        rc = 0;
    } else if (api == KR_API_Metadata && v == SINK_METADATA_V) {
        rc = sink_metadata(k, &w, &r);
    } else if (api == KR_API_InitProducerId && v == SINK_INITPID_V) {
        sink_initpid(&w);
        rc = 0;
    } else if (api == KR_API_Produce && v >= 3 && v <= k->produce_version) {
        rc = sink_produce(k, &w, &r, v, &acks);
    }
    if (rc == 0 && w.err != 0)
        rc = w.err;
    if (rc != 0 || acks == 0)
        return rc;
    kr_wbuf_patch_i32(&w, size_off, (int32_t)(kr_wbuf_len(&w) - 4));
    pe->rx_len += kr_wbuf_len(&w);
    return 0;
}

/* Takes n bytes of the request stream; answers each frame once it is whole. */
static int sink_take(sink_t *k, speer_t *pe, const uint8_t *b, size_t n)
{
    while (n > 0) {
        size_t want = 4;
        if (k->req_len >= 4) {
            const uint8_t *q = k->req;
            uint32_t size =
                ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) | q[3];
            if (size > k->req_cap - 4)
                return KR_EMALFORMED;
            want = 4 + (size_t)size;
        }
        size_t take = want - k->req_len < n ? want - k->req_len : n;
        memcpy(k->req + k->req_len, b, take);
        k->req_len += take;
        b += take;
        n -= take;
        if (k->req_len == want && want > 4) {
            k->req_len = 0;
            int rc = sink_request(k, pe, k->req + 4, want - 4);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* ---- the transport ---- */

/* Hands the pending response bytes to an armed receive. */
static void sink_deliver(sink_t *k, speer_t *pe)
{
    kr_op_t *op = &pe->s->op_recv;
    if (!kr_op_waiting(op) || pe->rx_given == pe->rx_len)
        return;
    kr_cq_push(&k->cq, op, (int32_t)(pe->rx_len - pe->rx_given), pe->rx + pe->rx_given);
    pe->rx_given = pe->rx_len;
    pe->rx_out++;
}

static int sink_open(kr_transport_t *t, kr_sock_t *s, const char *host, const struct sockaddr *addr,
                     socklen_t addrlen, int timeout_ms)
{
    sink_t *k = S(t);
    (void)host, (void)addr, (void)addrlen, (void)timeout_ms;
    int slot = 0;
    while (slot < SINK_PEERS && k->peers[slot].s != NULL)
        slot++;
    if (slot == SINK_PEERS)
        return -EMFILE;
    speer_t *pe = &k->peers[slot];
    pe->s = s;
    pe->broken = false;
    pe->rx_len = pe->rx_given = 0;
    pe->rx_out = 0;
    s->slot = slot;
    kr_transport_op_start(t, &s->op_connect);
    kr_cq_push(&k->cq, &s->op_connect, 0, NULL);
    return 0;
}

static void sink_send(kr_transport_t *t, kr_sock_t *s, const struct msghdr *msg, bool zc)
{
    sink_t *k = S(t);
    speer_t *pe = &k->peers[s->slot];
    (void)zc;
    kr_transport_op_start(t, &s->op_send);
    size_t total = 0;
    int rc = pe->broken ? -EPROTO : 0;
    for (size_t i = 0; i < msg->msg_iovlen && rc == 0; i++) {
        rc = sink_take(k, pe, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
        total += msg->msg_iov[i].iov_len;
    }
    if (rc != 0) {
        pe->broken = true;
        k->req_len = 0;
    }
    k->bytes += total;
    kr_cq_push(&k->cq, &s->op_send, rc != 0 ? -EPROTO : (int32_t)total, NULL);
    sink_deliver(k, pe);
}

static void sink_recv(kr_transport_t *t, kr_sock_t *s, void *buf, size_t len)
{
    sink_t *k = S(t);
    (void)buf, (void)len;
    kr_transport_op_start(t, &s->op_recv);
    sink_deliver(k, &k->peers[s->slot]);
}

static void sink_cancel(kr_transport_t *t, kr_sock_t *s)
{
    sink_t *k = S(t);
    kr_cq_fail_waiting(&k->cq, s, -ECANCELED);
}

static void sink_close(kr_transport_t *t, kr_sock_t *s)
{
    assert(kr_sock_idle(s));
    if (s->slot >= 0)
        S(t)->peers[s->slot].s = NULL;
    s->slot = -1;
}

static int sink_wait(kr_transport_t *t, int64_t timeout_us)
{
    (void)t, (void)timeout_us; /* every answer is there at once */
    return 0;
}

static unsigned sink_drain(kr_transport_t *t, kr_cqe_t *out, unsigned max)
{
    return kr_cq_drain(&S(t)->cq, t, out, max);
}

static void sink_done(kr_transport_t *t, const kr_cqe_t *e)
{
    if (e->data == NULL)
        return;
    speer_t *pe = &S(t)->peers[e->op->sock->slot];
    assert(pe->rx_out > 0);
    pe->rx_out--;
}

static void sink_exit(kr_transport_t *t)
{
    sink_t *k = S(t);
    if (k == NULL)
        return;
    free(k->offsets);
    free(k->req);
    kr_cq_free(&k->cq);
    free(k);
    t->impl = NULL;
}

static const kr_transport_ops_t sink_ops = {
    "sink",     sink_open, sink_send,  sink_recv, sink_cancel,
    sink_close, sink_wait, sink_drain, sink_done, sink_exit,
};

int kr_sink_init(kr_transport_t *t, const char *topic, int32_t partitions, int16_t produce_version,
                 size_t request_max)
{
    assert(topic != NULL && partitions > 0);
    assert(produce_version >= 3 && produce_version <= 12);
    size_t len = strlen(topic);
    if (len == 0 || len > SINK_TOPIC_MAX)
        return KR_ECONFIG;
    memset(t, 0, sizeof(*t));
    sink_t *k = calloc(1, sizeof(*k));
    if (k == NULL)
        return -ENOMEM;
    memcpy(k->topic, topic, len);
    k->topic_len = len;
    k->partitions = partitions;
    k->produce_version = produce_version;
    k->req_cap = request_max + 65536;
    k->offsets = calloc((size_t)partitions, sizeof(int64_t));
    k->req = malloc(k->req_cap);
    t->ops = &sink_ops;
    t->impl = k;
    t->socks_max = SINK_PEERS; /* the sink plays one broker: a bootstrap and a node */
    if (k->offsets == NULL || k->req == NULL || kr_cq_init(&k->cq, SINK_PEERS) != 0) {
        sink_exit(t);
        return -ENOMEM;
    }
    snprintf(t->name, sizeof(t->name), "%s", "sink");
    snprintf(t->info, sizeof(t->info), "sink: in-memory broker, Produce up to v%d",
             produce_version);
    return 0;
}

uint64_t kr_sink_bytes(const kr_transport_t *t) { return t->ops == &sink_ops ? CS(t)->bytes : 0; }
