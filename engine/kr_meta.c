/* Brokers, topics, Metadata and InitProducerId. */
#include "kr_meta.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_accum.h"
#include "kr_conn.h"
#include "kr_header.h"
#include "kr_initpid.h"
#include "kr_kerr.h"
#include "kr_metadata.h"

/* Decoding room for one Metadata response: starts at META_*_ROOM and doubles, when a
 * response holds more, until it fits (at metadata time only). */
#define META_BROKERS_ROOM 64
#define META_TOPICS_ROOM 64
#define META_PARTS_ROOM 4096
struct kr_meta_scratch {
    kr_MetadataResponseBroker_t *brokers;
    kr_MetadataResponseTopic_t *topics;
    kr_MetadataResponsePartition_t *parts;
    int32_t brokers_cap;
    int32_t topics_cap;
    int32_t parts_cap;
    kr_MetadataRequestTopic_t *req_topics; /* the request's topics: one per topic */
    int32_t req_topics_cap;
};

/* Sets the scratch's room to the given counts. Returns 0 or -ENOMEM (room unchanged). */
static int meta_scratch_size(struct kr_meta_scratch *s, int32_t brokers, int32_t topics,
                             int32_t parts)
{
    void *b = realloc(s->brokers, (size_t)brokers * sizeof(*s->brokers));
    if (b != NULL)
        s->brokers = b;
    void *t = realloc(s->topics, (size_t)topics * sizeof(*s->topics));
    if (t != NULL)
        s->topics = t;
    void *q = realloc(s->parts, (size_t)parts * sizeof(*s->parts));
    if (q != NULL)
        s->parts = q;
    if (b == NULL || t == NULL || q == NULL)
        return -ENOMEM;
    s->brokers_cap = brokers;
    s->topics_cap = topics;
    s->parts_cap = parts;
    return 0;
}

int kr_meta_init(kr_producer_t *p)
{
    p->meta_scratch = calloc(1, sizeof(*p->meta_scratch));
    if (p->meta_scratch == NULL)
        return -ENOMEM;
    return meta_scratch_size(p->meta_scratch, META_BROKERS_ROOM, META_TOPICS_ROOM, META_PARTS_ROOM);
}

/* Frees one topic's partitions: each block allocated at once is freed by its head, last
 * block first (a block's members follow its head). */
static void meta_topic_free(kr_topic_t *t)
{
    for (int32_t i = t->part_cnt - 1; i >= 0; i--)
        if (t->parts[i]->block_head)
            free(t->parts[i]);
    free(t->parts);
}

void kr_meta_free(kr_producer_t *p)
{
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        meta_topic_free(p->topics[i]);
        free(p->topics[i]);
    }
    free(p->topics);
    for (int32_t i = 0; i < p->broker_cnt; i++) {
        kr_conn_free(&p->brokers[i]->conn);
        free(p->brokers[i]);
    }
    free(p->brokers);
    if (p->meta_scratch != NULL) {
        free(p->meta_scratch->brokers);
        free(p->meta_scratch->topics);
        free(p->meta_scratch->parts);
        free(p->meta_scratch->req_topics);
    }
    free(p->meta_scratch);
    free(p->meta_frame);
}

/* Makes room for one more pointer in a table of *cnt of *cap. 0 or -ENOMEM. */
static int meta_table_room(void ***tab, int32_t cnt, int32_t *cap)
{
    if (cnt < *cap)
        return 0;
    int32_t ncap = *cap > 0 ? *cap * 2 : 16;
    void **n = realloc(*tab, (size_t)ncap * sizeof(void *));
    if (n == NULL)
        return -ENOMEM;
    *tab = n;
    *cap = ncap;
    return 0;
}

/* Adds a broker entry (its connection memory comes with its first connect). NULL when
 * out of memory or the host name is too long. */
static kr_broker_t *meta_broker_add(kr_producer_t *p, int32_t node_id, const char *host,
                                    size_t host_len, int port)
{
    assert(host != NULL);
    assert(p->broker_cnt >= p->bootstrap_cnt);
    if (host_len >= sizeof(((kr_broker_t *)NULL)->host) ||
        meta_table_room((void ***)&p->brokers, p->broker_cnt, &p->broker_cap) != 0)
        return NULL;
    kr_broker_t *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    kr_conn_init(&b->conn, b);
    b->node_id = node_id;
    memcpy(b->host, host, host_len);
    b->host[host_len] = '\0';
    b->port = port;
    p->brokers[p->broker_cnt++] = b;
    return b;
}

int kr_meta_bootstrap(kr_producer_t *p, char *errstr, size_t errlen)
{
    assert(errstr != NULL);
    assert(p->broker_cnt == 0); /* once, before any broker is known */
    assert(p->bootstrap_cnt == 0);
    char list[KR_CONF_STR_MAX];
    snprintf(list, sizeof(list), "%s", p->conf.bootstrap_servers);
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        char *colon = strrchr(tok, ':');
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : -1;
        if (colon == NULL || colon == tok || *end != '\0' || port <= 0 || port > 65535) {
            snprintf(errstr, errlen, "bootstrap.servers: bad entry \"%s\": expected HOST:PORT",
                     tok);
            return KR_ECONFIG;
        }
        const char *host = tok;
        size_t host_len = (size_t)(colon - tok);
        if (host[0] == '[' && host_len > 2 && host[host_len - 1] == ']') {
            host++;
            host_len -= 2;
        }
        kr_broker_t *b = meta_broker_add(p, -1 - p->bootstrap_cnt, host, host_len, (int)port);
        if (b == NULL) {
            snprintf(errstr, errlen, "bootstrap.servers: host name too long or out of memory");
            return KR_ECONFIG;
        }
        b->in_use = true;
        p->bootstrap_cnt++;
    }
    if (p->bootstrap_cnt == 0) {
        snprintf(errstr, errlen, "bootstrap.servers is empty");
        return KR_ECONFIG;
    }
    assert(p->broker_cnt == p->bootstrap_cnt);
    return 0;
}

kr_broker_t *kr_meta_broker(kr_producer_t *p, int32_t node_id)
{
    assert(p->bootstrap_cnt <= p->broker_cnt);
    assert(p->broker_cnt <= p->broker_cap);
    for (int32_t i = p->bootstrap_cnt; i < p->broker_cnt; i++)
        if (p->brokers[i]->node_id == node_id)
            return p->brokers[i];
    return NULL;
}

/* Kafka's rule: 1..249 characters of [a-zA-Z0-9._-], not "." or "..". */
static bool topic_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > KR_TOPIC_NAME_MAX)
        return false;
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

/* Room for one more topic: its pointer, its entry in the Metadata request, and the
 * request frame (the header, and per topic a length, the name, a topic id and tagged
 * fields). 0 or -ENOMEM. */
static int meta_topic_room(kr_producer_t *p)
{
    struct kr_meta_scratch *s = p->meta_scratch;
    if (meta_table_room((void ***)&p->topics, p->topic_cnt, &p->topic_cap) != 0)
        return -ENOMEM;
    if (s->req_topics_cap < p->topic_cap) {
        void *n = realloc(s->req_topics, (size_t)p->topic_cap * sizeof(*s->req_topics));
        if (n == NULL)
            return -ENOMEM;
        s->req_topics = n;
        s->req_topics_cap = p->topic_cap;
    }
    size_t need =
        64 + sizeof(p->conf.client_id) + (size_t)(p->topic_cnt + 1) * (KR_TOPIC_NAME_MAX + 24);
    if (need <= p->meta_frame_cap)
        return 0;
    size_t cap = p->meta_frame_cap > 0 ? p->meta_frame_cap * 2 : 16384;
    while (cap < need)
        cap *= 2;
    uint8_t *n = realloc(p->meta_frame, cap);
    if (n == NULL)
        return -ENOMEM;
    p->meta_frame = n;
    p->meta_frame_cap = cap;
    return 0;
}

kr_topic_t *kr_meta_topic(kr_producer_t *p, const char *name)
{
    assert(name != NULL);
    assert(p->topic_cnt >= 0);
    assert(p->topic_cnt <= p->topic_cap);
    size_t len = strlen(name);
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        kr_topic_t *t = p->topics[i];
        if (t->name_len == len && memcmp(t->name, name, len) == 0)
            return t;
    }
    if (!topic_name_valid(name, len) || meta_topic_room(p) != 0)
        return NULL;
    assert(len < sizeof(((kr_topic_t *)NULL)->name));
    kr_topic_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    p->topics[p->topic_cnt++] = t;
    memcpy(t->name, name, len);
    t->name_len = (uint16_t)len;
    t->state = KR_TOPIC_PENDING;
    t->sticky = -1;
    t->pending_since_us = p->now_us;
    p->metadata_wanted = true;
    p->metadata_at_us = p->now_us;
    return t;
}

void kr_meta_want(kr_producer_t *p)
{
    /* As soon as possible, but no more often than once per retry.backoff.ms. */
    int64_t at = p->metadata_sent_us + (int64_t)p->conf.retry_backoff_ms * 1000;
    if (at < p->now_us)
        at = p->now_us;
    if (!p->metadata_wanted || at < p->metadata_at_us)
        p->metadata_at_us = at;
    p->metadata_wanted = true;
    assert(p->metadata_at_us <= at); /* never later than this call asks */
}

kr_broker_t *kr_meta_pick_broker(kr_producer_t *p)
{
    kr_broker_t *best = NULL;
    for (int32_t i = 0; i < p->broker_cnt; i++) {
        kr_broker_t *b = p->brokers[i];
        assert(b->conn.req_head - b->conn.req_tail <= KR_CONN_REQS_MAX);
        if (!kr_conn_ready(&b->conn) || b->conn.req_head - b->conn.req_tail >= KR_CONN_REQS_MAX)
            continue;
        if (best == NULL ||
            b->conn.req_head - b->conn.req_tail < best->conn.req_head - best->conn.req_tail)
            best = b;
    }
    if (best == NULL && p->fatal_err == 0) {
        /* Nothing is up: make sure the bootstrap brokers are being tried. */
        for (int32_t i = 0; i < p->bootstrap_cnt; i++)
            p->brokers[i]->in_use = true;
    }
    return best;
}

/* kr_meta_send into frame[0..cap), which must stay put until the request is answered or
 * failed (NULL: the request slot's own frame). */
static int meta_send_in(kr_producer_t *p, kr_broker_t *b, int16_t api_key, int16_t version,
                        kr_meta_write_t *write, const void *body, bool describe, uint8_t *frame,
                        size_t cap)
{
    assert(b != NULL);
    assert(write != NULL);
    assert(body != NULL);
    assert(version >= 0);
    assert(api_key == KR_API_Metadata || api_key == KR_API_InitProducerId);
    kr_req_t *r = kr_conn_req_alloc(p, &b->conn);
    if (r == NULL)
        return KR_ESTATE;
    r->describe = describe;
    if (frame == NULL) {
        frame = r->frame;
        cap = sizeof(r->frame);
    }
    kr_wbuf_t w;
    kr_wbuf_init(&w, frame, cap);
    kr_RequestHeader_t h = {api_key, version, r->corr_id, p->conf.client_id,
                            strlen(p->conf.client_id)};
    size_t off = kr_request_begin(&w, &h);
    write(&w, version, body);
    int rc = kr_request_end(&w, off);
    assert(rc == 0); /* the frame is sized for the body: meta_topic_room */
    r->api_key = api_key;
    r->api_version = version;
    r->iov[0].iov_base = frame;
    r->iov[0].iov_len = kr_wbuf_len(&w);
    r->iov_cnt = 1;
    r->len = kr_wbuf_len(&w);
    assert(r->len <= sizeof(r->frame));
    kr_conn_req_queue(p, b, r);
    return 0;
}

int kr_meta_send(kr_producer_t *p, kr_broker_t *b, int16_t api_key, int16_t version,
                 kr_meta_write_t *write, const void *body, bool describe)
{
    return meta_send_in(p, b, api_key, version, write, body, describe, NULL, 0);
}

int kr_meta_write_metadata(kr_wbuf_t *w, int16_t v, const void *body)
{
    return kr_MetadataRequest_write(w, v, body);
}

static int meta_write_initpid(kr_wbuf_t *w, int16_t v, const void *body)
{
    return kr_InitProducerIdRequest_write(w, v, body);
}

void kr_meta_tick(kr_producer_t *p)
{
    /* A leader that is down is usually being replaced: ask until metadata names another
     * (the Java client refreshes on every disconnect). */
    for (int32_t i = p->bootstrap_cnt; i < p->broker_cnt && !p->metadata_wanted; i++)
        if (p->brokers[i]->parts != NULL && !kr_conn_ready(&p->brokers[i]->conn))
            kr_meta_want(p);
    if (p->metadata_inflight || p->now_us < p->metadata_at_us)
        return;
    kr_broker_t *b = kr_meta_pick_broker(p);
    if (b == NULL)
        return;
    assert(p->topic_cnt >= 0);
    kr_MetadataRequestTopic_t *topics = p->meta_scratch->req_topics;
    if (p->topic_cnt > 0) /* before the first topic there is no table yet */
        memset(topics, 0, (size_t)p->topic_cnt * sizeof(*topics));
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        topics[i].Name = p->topics[i]->name;
        topics[i].NameLen = p->topics[i]->name_len;
    }
    kr_MetadataRequest_t req = {topics, p->topic_cnt, false, false, false};
    /* The request names every topic: it is built in the producer's metadata frame (one
     * Metadata request of the producer's own is in flight at a time). */
    if (meta_send_in(p, b, KR_API_Metadata, b->conn.ver[KR_V_METADATA], kr_meta_write_metadata,
                     &req, false, p->meta_frame, p->meta_frame_cap) == 0) {
        p->metadata_inflight = true;
        p->metadata_wanted = false;
        p->metadata_sent_us = p->now_us;
        p->stats.metadata_refreshes++;
        p->metadata_at_us = p->now_us + (int64_t)p->conf.metadata_max_age_ms * 1000;
    }
}

/* Brings the broker table up to date with a response's broker list. */
static void meta_update_brokers(kr_producer_t *p, const kr_MetadataResponse_t *m)
{
    for (int32_t i = 0; i < m->BrokersCount; i++) {
        const kr_MetadataResponseBroker_t *rb = &m->Brokers[i];
        kr_broker_t *b = kr_meta_broker(p, rb->NodeId);
        if (b == NULL) {
            meta_broker_add(p, rb->NodeId, rb->Host.ptr, (size_t)rb->Host.len, rb->Port);
            continue;
        }
        if (b->port != rb->Port || strlen(b->host) != (size_t)rb->Host.len ||
            memcmp(b->host, rb->Host.ptr, (size_t)rb->Host.len) != 0) {
            if ((size_t)rb->Host.len < sizeof(b->host)) {
                memcpy(b->host, rb->Host.ptr, (size_t)rb->Host.len);
                b->host[rb->Host.len] = '\0';
                b->port = rb->Port;
                kr_conn_fail(p, b, KR_ETRANSPORT);
            }
        }
    }
}

/*
 * Grows t's partition table to n partitions (partitions first seen, or added to the topic
 * since): the table of pointers is reallocated, the new partitions come in one block, and
 * the existing ones stay where they are with their queues and sequences. A count smaller
 * than t's (a broker behind on the topic) changes nothing: partitions are never removed.
 * Returns 0 or -ENOMEM (then t keeps its partitions, and a refresh is wanted).
 */
static int meta_topic_grow(kr_producer_t *p, kr_topic_t *t, int32_t n)
{
    if (n <= t->part_cnt)
        return 0;
    kr_partition_t **tab = realloc(t->parts, (size_t)n * sizeof(*tab));
    if (tab != NULL)
        t->parts = tab;
    kr_partition_t *blk = calloc((size_t)(n - t->part_cnt), sizeof(*blk));
    if (tab == NULL || blk == NULL) {
        free(blk);
        kr_log(p, KR_LOG_ERR, "topic %s: out of memory for %d partitions", t->name, n);
        kr_meta_want(p);
        return -ENOMEM;
    }
    for (int32_t i = t->part_cnt; i < n; i++) {
        kr_partition_t *part = &blk[i - t->part_cnt];
        part->topic = t;
        part->id = i;
        part->leader = -1;
        t->parts[i] = part;
    }
    blk[0].block_head = true;
    if (t->part_cnt > 0)
        KR_DBG(p, "topic %s: %d partitions, was %d", t->name, n, t->part_cnt);
    p->part_used += n - t->part_cnt;
    t->part_cnt = n;
    return 0;
}

/* Applies one topic's metadata: partitions and leaders, or its error. */
static void meta_update_topic(kr_producer_t *p, kr_topic_t *t, const kr_MetadataResponse_t *m,
                              const kr_MetadataResponseTopic_t *mt)
{
    if (mt->ErrorCode != 0 || mt->PartitionsCount == 0) {
        t->error = mt->ErrorCode;
        bool waiting = mt->ErrorCode == KR_KERR_UNKNOWN_TOPIC_OR_PARTITION ||
                       mt->ErrorCode == KR_KERR_LEADER_NOT_AVAILABLE || mt->ErrorCode == 0;
        int64_t waited = p->now_us - t->pending_since_us;
        if (t->state == KR_TOPIC_PENDING &&
            (!waiting || waited >= (int64_t)p->conf.topic_metadata_propagation_max_ms * 1000)) {
            t->state = KR_TOPIC_FAILED;
            kr_accum_topic_failed(p, t);
        } else if (t->state != KR_TOPIC_FAILED) {
            kr_meta_want(p);
        }
        return;
    }
    /* The decoder hands out each topic's partitions as a run inside m->Partitions. */
    assert(mt->PartitionsFirst >= 0);
    assert(mt->PartitionsFirst + mt->PartitionsCount <= m->PartitionsCount);
    if (meta_topic_grow(p, t, mt->PartitionsCount) != 0 && t->part_cnt == 0)
        return; /* out of memory: the topic stays pending, and is asked for again */
    _Static_assert(sizeof(t->id) == sizeof(mt->TopicId), "a topic id is 16 bytes");
    memcpy(t->id, mt->TopicId, sizeof(t->id));
    for (int32_t i = 0; i < mt->PartitionsCount; i++) {
        const kr_MetadataResponsePartition_t *mp = &m->Partitions[mt->PartitionsFirst + i];
        if (mp->PartitionIndex < 0 || mp->PartitionIndex >= t->part_cnt)
            continue; /* not numbered 0..count-1: a malformed answer */
        kr_partition_t *part = t->parts[mp->PartitionIndex];
        part->leader = mp->ErrorCode == 0 || mp->LeaderId >= 0 ? mp->LeaderId : -1;
        part->leader_epoch = mp->LeaderEpoch;
        if (part->leader < 0)
            kr_meta_want(p);
    }
    t->error = 0;
    if (t->state != KR_TOPIC_KNOWN) {
        t->state = KR_TOPIC_KNOWN;
        kr_accum_topic_known(p, t);
    }
}

/* Rebuilds each broker's list of the partitions it leads. */
static void meta_relink(kr_producer_t *p)
{
    for (int32_t i = 0; i < p->broker_cnt; i++)
        p->brokers[i]->parts = NULL;
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        kr_topic_t *t = p->topics[i];
        for (int32_t j = 0; j < t->part_cnt; j++) {
            kr_partition_t *part = t->parts[j];
            assert(part->topic == t);
            assert(part->id == j);
            kr_broker_t *b = part->leader >= 0 ? kr_meta_broker(p, part->leader) : NULL;
            part->bnext = NULL;
            if (b == NULL)
                continue;
            part->bnext = b->parts;
            b->parts = part;
            b->in_use = true;
        }
    }
}

/*
 * Decodes a Metadata response into the scratch, doubling its room while the answer holds
 * more brokers, topics or partitions than it has room for. Every element takes at least
 * a byte, so the room never passes the body's length. Returns 0 or a decode error.
 */
static int meta_read(kr_producer_t *p, int16_t version, kr_rbuf_t *body, kr_MetadataResponse_t *m)
{
    struct kr_meta_scratch *s = p->meta_scratch;
    const kr_rbuf_t start = *body;
    for (;;) {
        *m = (kr_MetadataResponse_t){.Brokers = s->brokers,
                                     .BrokersCap = s->brokers_cap,
                                     .Topics = s->topics,
                                     .TopicsCap = s->topics_cap,
                                     .Partitions = s->parts,
                                     .PartitionsCap = s->parts_cap};
        int rc = kr_MetadataResponse_read(body, version, m);
        size_t len = kr_rbuf_left(&start);
        if (rc != KR_ETOOMANY || (size_t)s->parts_cap > len)
            return rc;
        if (meta_scratch_size(s, s->brokers_cap * 2, s->topics_cap * 2, s->parts_cap * 2) != 0)
            return -ENOMEM;
        *body = start;
    }
}

void kr_meta_on_metadata(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, kr_rbuf_t *body)
{
    assert(!r->describe);
    assert(r->api_key == KR_API_Metadata);
    assert(p->metadata_inflight); /* one Metadata request of the producer's at a time */
    p->metadata_inflight = false;
    kr_MetadataResponse_t m;
    int rc = meta_read(p, r->api_version, body, &m);
    if (rc != 0 || m.ErrorCode != 0) {
        kr_meta_want(p);
        if (rc != 0)
            kr_conn_fail(p, b, rc);
        return;
    }
    meta_update_brokers(p, &m);
    for (int32_t i = 0; i < m.TopicsCount; i++) {
        const kr_MetadataResponseTopic_t *mt = &m.Topics[i];
        for (int32_t j = 0; j < p->topic_cnt; j++) {
            kr_topic_t *t = p->topics[j];
            if (mt->Name.len == t->name_len && memcmp(mt->Name.ptr, t->name, t->name_len) == 0)
                meta_update_topic(p, t, &m, mt);
        }
    }
    meta_relink(p);
    /* Once real brokers are known the bootstrap entries are not reconnected. */
    if (p->broker_cnt > p->bootstrap_cnt)
        for (int32_t i = 0; i < p->bootstrap_cnt; i++)
            p->brokers[i]->in_use = false;
}

void kr_meta_pid_tick(kr_producer_t *p)
{
    if (!p->idempotent || !p->pid_wanted || p->pid_inflight || p->fatal_err != 0 ||
        p->now_us < p->pid_retry_at_us)
        return;
    if (!kr_accum_pid_quiet(p))
        return; /* an epoch bump waits for every in-flight batch to resolve */
    if (p->producer_id >= 0 && p->producer_epoch < INT16_MAX) {
        /* An idempotent producer bumps its epoch itself (KIP-360): the broker takes a
         * higher epoch of the same id starting at sequence 0. Asking InitProducerId
         * would hand out a new id instead. */
        p->producer_epoch++;
        p->pid_wanted = false;
        KR_DBG(p, "producer id %lld: epoch bumped to %d", (long long)p->producer_id,
               p->producer_epoch);
        kr_accum_pid_changed(p);
        return;
    }
    kr_broker_t *b = kr_meta_pick_broker(p);
    if (b == NULL)
        return;
    int16_t v = b->conn.ver[KR_V_INITPID];
    kr_InitProducerIdRequest_t req = {NULL, 0, INT32_MAX, -1, -1};
    if (kr_meta_send(p, b, KR_API_InitProducerId, v, meta_write_initpid, &req, false) == 0)
        p->pid_inflight = true;
}

void kr_meta_on_initpid(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, kr_rbuf_t *body)
{
    assert(r->api_key == KR_API_InitProducerId);
    assert(p->idempotent);
    assert(p->pid_inflight);
    p->pid_inflight = false;
    kr_InitProducerIdResponse_t resp;
    int rc = kr_InitProducerIdResponse_read(body, r->api_version, &resp);
    if (rc != 0) {
        kr_conn_fail(p, b, rc);
        return;
    }
    if (resp.ErrorCode != 0) {
        KR_DBG(p, "InitProducerId: %s", kr_kerr_name(resp.ErrorCode));
        if (!kr_kerr_retriable(resp.ErrorCode)) {
            p->fatal_err = KR_EFATAL;
            kr_accum_fail_all(p, KR_EBROKER, resp.ErrorCode);
            return;
        }
        p->pid_retry_at_us = p->now_us + kr_retry_backoff_us(p, ++p->pid_attempts);
        return;
    }
    p->pid_attempts = 0;
    if (p->producer_id >= 0)
        p->stats.epoch_bumps++; /* KIP-360: the same id again, one epoch up */
    p->producer_id = resp.ProducerId;
    p->producer_epoch = resp.ProducerEpoch;
    p->pid_wanted = false;
    KR_DBG(p, "producer id %lld epoch %d", (long long)p->producer_id, p->producer_epoch);
    kr_accum_pid_changed(p);
}

void kr_meta_req_failed(kr_producer_t *p, kr_req_t *r)
{
    assert(!r->describe);
    assert(r->api_key == KR_API_Metadata || r->api_key == KR_API_InitProducerId);
    if (r->api_key == KR_API_Metadata) {
        p->metadata_inflight = false;
        kr_meta_want(p);
    } else if (r->api_key == KR_API_InitProducerId) {
        p->pid_inflight = false;
        p->pid_retry_at_us = p->now_us + kr_retry_backoff_us(p, ++p->pid_attempts);
    }
}
