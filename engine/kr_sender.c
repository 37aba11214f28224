/* Produce requests out, Produce responses in. */
#include "kr_sender.h"

#include <assert.h>
#include <string.h>

#include "kr_accum.h"
#include "kr_batch.h"
#include "kr_conn.h"
#include "kr_header.h"
#include "kr_kerr.h"
#include "kr_meta.h"
#include "kr_produce.h"

/* Room to build one request and to decode one response, allocated with the producer. A
 * request holds at most KR_REQ_PARTS_MAX partitions, so as many topics, and its response
 * as many topics and leader endpoints (KIP-951): none of it follows the cluster's size. */
struct kr_sender_scratch {
    kr_batch_t *ready[KR_REQ_PARTS_MAX];
    kr_ProduceTopic_t topics[KR_REQ_PARTS_MAX];
    kr_ProducePartition_t parts[KR_REQ_PARTS_MAX];
    size_t gaps[KR_REQ_PARTS_MAX];
    kr_ProduceTopicResponse_t rtopics[KR_REQ_PARTS_MAX];
    kr_ProducePartitionResponse_t rparts[KR_REQ_PARTS_MAX];
    kr_ProduceRecordError_t rerrs[64];
    kr_ProduceNodeEndpoint_t rnodes[KR_REQ_PARTS_MAX];
};

size_t kr_sender_scratch_size(void) { return sizeof(struct kr_sender_scratch); }

/* The batch at the head of part's queue if it may be sent now, else NULL. */
static kr_batch_t *sender_ready(kr_producer_t *p, kr_partition_t *part)
{
    kr_batch_t *b = part->q_head;
    if (b == NULL || b->retry_at_us > p->now_us)
        return NULL;
    assert(b->state == KR_BATCH_QUEUED);
    if (part->inflight >= p->conf.max_in_flight)
        return NULL;
    /* A retry goes out alone, so batches after it cannot overtake it. */
    if (b->attempts > 0 && part->inflight > 0)
        return NULL;
    /* A broker takes any sequence as a producer's first batch on a partition: until one
     * is acked, a later batch could be written ahead of a refused earlier one and leave
     * a gap for good. So the first batch of an epoch goes alone. */
    if (p->idempotent && !part->acked_any && part->inflight > 0)
        return NULL;
    return b;
}

/* Collects at most one ready batch per partition that broker bk leads. */
static uint32_t sender_gather(kr_producer_t *p, kr_broker_t *bk, kr_batch_t **out)
{
    uint32_t n = 0;
    size_t bytes = 0;
    for (kr_partition_t *part = bk->parts; part != NULL && n < KR_REQ_PARTS_MAX;
         part = part->bnext) {
        kr_batch_t *b = sender_ready(p, part);
        if (b == NULL)
            continue;
        if (n > 0 && bytes + b->wire_len + 512 > (size_t)p->conf.max_request_size)
            break;
        bytes += b->wire_len;
        out[n++] = b;
    }
    return n;
}

/* Groups batches by topic into the request shape; fills r->batches in request order. */
static int32_t sender_shape(kr_producer_t *p, kr_req_t *r, kr_batch_t **ready, uint32_t n,
                            bool by_id)
{
    struct kr_sender_scratch *s = p->sender_scratch;
    int32_t tcnt = 0;
    uint32_t placed = 0;
    for (int32_t ti = 0; ti < p->topic_cnt && placed < n; ti++) {
        kr_topic_t *t = p->topics[ti];
        kr_ProduceTopic_t *pt = &s->topics[tcnt];
        pt->parts = &s->parts[placed];
        pt->part_cnt = 0;
        for (uint32_t i = 0; i < n; i++) {
            kr_batch_t *b = ready[i];
            if (b->part->topic != t)
                continue;
            kr_ProducePartition_t *pp = &s->parts[placed];
            pp->Index = b->part->id;
            pp->records = b->wire;
            pp->records_len = b->wire_len;
            r->batches[placed++] = b;
            pt->part_cnt++;
        }
        if (pt->part_cnt == 0)
            continue;
        pt->Name = t->name;
        pt->NameLen = t->name_len;
        memcpy(pt->TopicId, t->id, 16);
        (void)by_id;
        tcnt++;
    }
    assert(placed == n);
    r->batch_cnt = n;
    return tcnt;
}

static bool topic_ids_known(const kr_producer_t *p, kr_batch_t **ready, uint32_t n)
{
    static const uint8_t zero[16];
    for (uint32_t i = 0; i < n; i++)
        if (memcmp(ready[i]->part->topic->id, zero, 16) == 0)
            return false;
    return true;
}

/* Builds and queues one Produce request on bk from n ready batches. */
static void sender_send(kr_producer_t *p, kr_broker_t *bk, kr_req_t *r, kr_batch_t **ready,
                        uint32_t n)
{
    struct kr_sender_scratch *s = p->sender_scratch;
    int16_t v = bk->conn.ver[KR_V_PRODUCE];
    if (v >= KR_PRODUCE_VERSION_TOPICID && !topic_ids_known(p, ready, n))
        v = KR_PRODUCE_VERSION_TOPICID - 1;
    int32_t tcnt = sender_shape(p, r, ready, n, v >= KR_PRODUCE_VERSION_TOPICID);
    kr_ProduceRequest_t req = {NULL, 0,        (int16_t)p->conf.acks, p->conf.request_timeout_ms,
                               tcnt, s->topics};
    kr_RequestHeader_t h = {KR_API_Produce, v, r->corr_id, p->conf.client_id,
                            strlen(p->conf.client_id)};
    kr_wbuf_t w;
    kr_wbuf_init(&w, r->frame, sizeof(r->frame));
    int rc = kr_ProduceRequest_write_frame(&w, &h, &req, s->gaps, KR_REQ_PARTS_MAX);
    assert(rc == 0); /* the frame is sized for KR_REQ_PARTS_MAX partitions */
    (void)rc;
    r->iov_cnt = (uint32_t)kr_ProduceRequest_iov(r->frame, kr_wbuf_len(&w), s->gaps, &req, r->iov,
                                                 sizeof(r->iov) / sizeof(r->iov[0]));
    r->len = kr_ProduceRequest_size(&h, &req);
    r->api_key = KR_API_Produce;
    r->api_version = v;
    r->expects_response = p->conf.acks != 0;
    for (uint32_t i = 0; i < n; i++) {
        kr_batch_t *b = r->batches[i];
        kr_partition_t *part = b->part;
        part->q_head = b->next;
        if (part->q_head == NULL)
            part->q_tail = NULL;
        b->next = NULL;
        b->state = KR_BATCH_INFLIGHT;
        part->inflight++;
        if (b->attempts == 0)
            p->stats.records_sent += b->cnt;
        b->attempts++;
    }
    bk->conn.inflight_produce++;
    kr_conn_req_queue(p, bk, r);
}

void kr_sender_tick(kr_producer_t *p)
{
    if (p->idempotent && (p->producer_id < 0 || p->pid_wanted))
        return; /* no id yet, or an epoch bump is pending: hold every batch */
    struct kr_sender_scratch *s = p->sender_scratch;
    for (int32_t i = p->bootstrap_cnt; i < p->broker_cnt; i++) {
        kr_broker_t *bk = p->brokers[i];
        kr_conn_t *c = &bk->conn;
        if (!kr_conn_ready(c) || bk->parts == NULL)
            continue;
        while (c->inflight_produce < p->conf.max_in_flight) {
            uint32_t n = sender_gather(p, bk, s->ready);
            if (n == 0)
                break;
            kr_req_t *r = kr_conn_req_alloc(p, c);
            if (r == NULL)
                break;
            sender_send(p, bk, r, s->ready, n);
        }
    }
}

/* Errors after which the partition's leader may have moved. */
static bool kerr_stale_metadata(int16_t e)
{
    return e == KR_KERR_NOT_LEADER_OR_FOLLOWER || e == KR_KERR_LEADER_NOT_AVAILABLE ||
           e == KR_KERR_UNKNOWN_TOPIC_OR_PARTITION || e == KR_KERR_NOT_ENOUGH_REPLICAS ||
           e == KR_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND || e == KR_KERR_REQUEST_TIMED_OUT ||
           e == KR_KERR_NETWORK_EXCEPTION || e == KR_KERR_KAFKA_STORAGE_ERROR;
}

/* Records the outcome of one in-flight batch: success, retry or final failure. */
static void sender_complete(kr_producer_t *p, kr_batch_t *b, int err, int16_t kerr,
                            int64_t base_offset, int64_t append_ms)
{
    kr_partition_t *part = b->part;
    assert(b->state == KR_BATCH_INFLIGHT);
    assert(part->inflight > 0);
    part->inflight--;
    bool dup = kerr == KR_KERR_DUPLICATE_SEQUENCE_NUMBER && p->idempotent;
    if (err != 0 || kerr != 0)
        kr_stats_part_error(&part->st, err != 0 ? err : kerr);
    if (err == 0 && (kerr == 0 || dup)) {
        b->base_offset = dup ? -1 : base_offset;
        b->log_append_ms = append_ms;
        if (p->idempotent && b->base_seq >= 0) {
            part->acked_seq = b->base_seq + (int32_t)b->cnt;
            part->acked_any = true;
        }
        kr_accum_done(p, b);
        return;
    }
    KR_DBG(p, "%s-%d: %u records, seq %d: %s%s", part->topic->name, part->id, b->cnt, b->base_seq,
           err != 0 ? kr_strerror(err) : kr_kerr_name(kerr), p->closing ? " (closing)" : "");
    if (err == 0 && kerr == KR_KERR_MESSAGE_TOO_LARGE && b->cnt > 1 && !b->jumbo &&
        kr_accum_split(p, b) == 0) {
        p->stats.retries++;
        part->st.retries++;
        return; /* each half is retried; a record too large alone fails alone */
    }
    bool seq_err = p->idempotent && (kerr == KR_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER ||
                                     kerr == KR_KERR_UNKNOWN_PRODUCER_ID);
    bool retriable = (err != 0 || kr_kerr_retriable(kerr) || seq_err) && !p->closing;
    if (retriable && b->attempts <= p->conf.retries && p->now_us < b->deadline_us) {
        if (err != 0 || kerr_stale_metadata(kerr))
            kr_meta_want(p);
        /* The broker expected exactly this batch and still refused it: its producer
         * state is gone. Bump the epoch (KIP-360) and restart sequences at 0. */
        if (seq_err && b->base_seq == part->acked_seq)
            p->pid_wanted = true;
        b->retry_at_us = p->now_us + kr_retry_backoff_us(p, b->attempts);
        p->stats.retries++;
        part->st.retries++;
        kr_accum_requeue(p, b);
        return;
    }
    if (p->closing || p->now_us >= b->deadline_us)
        err = KR_ETIMEDOUT;
    b->err = err != 0 ? err : KR_EBROKER;
    b->broker_err = kerr;
    if (p->idempotent && b->base_seq >= 0)
        p->pid_wanted = true; /* a sequence was lost: the next batch would be out of order */
    kr_accum_done(p, b);
}

/* Finds the batch of r for topic/partition; `hint` is where it usually is. */
static kr_batch_t *sender_find(kr_req_t *r, const kr_ProduceTopicResponse_t *t, int32_t part,
                               uint32_t hint, bool by_id)
{
    for (uint32_t k = 0; k < r->batch_cnt; k++) {
        uint32_t i = (hint + k) % r->batch_cnt;
        kr_batch_t *b = r->batches[i];
        if (b == NULL || b->part->id != part)
            continue;
        const kr_topic_t *tp = b->part->topic;
        if (by_id
                ? memcmp(tp->id, t->TopicId, 16) == 0
                : (t->Name.len == tp->name_len && memcmp(t->Name.ptr, tp->name, tp->name_len) == 0))
            return b;
    }
    return NULL;
}

void kr_sender_on_produce(kr_producer_t *p, kr_broker_t *bk, kr_req_t *r, kr_rbuf_t *body)
{
    struct kr_sender_scratch *s = p->sender_scratch;
    assert(bk->conn.inflight_produce > 0);
    kr_ProduceResponse_t resp = {.topic_pool = s->rtopics,
                                 .topic_cap = KR_REQ_PARTS_MAX,
                                 .part_pool = s->rparts,
                                 .part_cap = KR_REQ_PARTS_MAX,
                                 .record_error_pool = s->rerrs,
                                 .record_error_cap = 64,
                                 .node_endpoint_pool = s->rnodes,
                                 .node_endpoint_cap = KR_REQ_PARTS_MAX};
    int rc = kr_ProduceResponse_read(body, r->api_version, &resp);
    if (rc != 0) {
        /* A response we cannot read: the connection is dropped and the batches retried. */
        kr_sender_req_failed(p, bk, r, rc == KR_ETOOMANY ? KR_EMALFORMED : rc);
        r->batch_cnt = 0;
        kr_conn_fail(p, bk, KR_EMALFORMED);
        return;
    }
    bk->conn.inflight_produce--;
    if (resp.ThrottleTimeMs > 0)
        bk->throttle_ms += (uint64_t)resp.ThrottleTimeMs;
    bool by_id = r->api_version >= KR_PRODUCE_VERSION_TOPICID;
    uint32_t hint = 0;
    for (int32_t ti = 0; ti < resp.topic_cnt; ti++) {
        const kr_ProduceTopicResponse_t *t = &resp.Responses[ti];
        for (int32_t pi = 0; pi < t->part_cnt; pi++, hint++) {
            const kr_ProducePartitionResponse_t *pr = &t->parts[pi];
            kr_batch_t *b = r->batch_cnt ? sender_find(r, t, pr->Index, hint, by_id) : NULL;
            if (b == NULL)
                continue; /* not ours, or answered twice */
            for (uint32_t k = 0; k < r->batch_cnt; k++)
                if (r->batches[k] == b)
                    r->batches[k] = NULL;
            sender_complete(p, b, 0, pr->ErrorCode, pr->BaseOffset, pr->LogAppendTimeMs);
        }
    }
    /* A batch the broker did not answer for is retried. */
    for (uint32_t k = 0; k < r->batch_cnt; k++)
        if (r->batches[k] != NULL)
            sender_complete(p, r->batches[k], KR_EMALFORMED, 0, -1, -1);
    r->batch_cnt = 0;
}

void kr_sender_req_failed(kr_producer_t *p, kr_broker_t *bk, kr_req_t *r, int err)
{
    if (r->batch_cnt > 0 && bk->conn.inflight_produce > 0)
        bk->conn.inflight_produce--;
    for (uint32_t k = 0; k < r->batch_cnt; k++)
        if (r->batches[k] != NULL)
            sender_complete(p, r->batches[k], err, 0, -1, -1);
    r->batch_cnt = 0;
    kr_meta_want(p);
}

void kr_sender_req_sent(kr_producer_t *p, kr_broker_t *bk, kr_req_t *r)
{
    assert(bk->conn.inflight_produce > 0);
    bk->conn.inflight_produce--;
    for (uint32_t k = 0; k < r->batch_cnt; k++)
        sender_complete(p, r->batches[k], 0, 0, -1, -1);
    r->batch_cnt = 0;
}
