/* Brokers, topics, Metadata and InitProducerId. */
#include "kr_meta.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_accum.h"
#include "kr_conn.h"
#include "kr_header.h"
#include "kr_initpid.h"
#include "kr_kerr.h"
#include "kr_metadata.h"

/* Decoding room for one Metadata response, allocated with the producer. */
struct kr_meta_scratch {
    kr_MetadataResponseBroker_t brokers[KR_BROKERS_MAX];
    kr_MetadataResponseTopic_t topics[KR_TOPICS_MAX];
    kr_MetadataResponsePartition_t parts[KR_PARTITIONS_MAX];
};

size_t kr_meta_scratch_size(void) { return sizeof(struct kr_meta_scratch); }

/* Adds a broker entry; allocates its connection memory (never on the steady state). */
static kr_broker_t *meta_broker_add(kr_producer_t *p, int32_t node_id, const char *host,
                                    size_t host_len, int port)
{
    assert(host != NULL);
    assert(p->broker_cnt >= p->bootstrap_cnt);
    assert(p->broker_cnt <= KR_BROKERS_MAX);
    if (p->broker_cnt == KR_BROKERS_MAX || host_len >= sizeof(p->brokers[0].host))
        return NULL;
    kr_broker_t *b = &p->brokers[p->broker_cnt];
    memset(b, 0, sizeof(*b));
    if (kr_conn_init(&b->conn, b) != 0)
        return NULL;
    b->node_id = node_id;
    memcpy(b->host, host, host_len);
    b->host[host_len] = '\0';
    b->port = port;
    p->broker_cnt++;
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
            snprintf(errstr, errlen, "bootstrap.servers: too many entries or out of memory");
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
    assert(p->broker_cnt <= KR_BROKERS_MAX);
    for (int32_t i = p->bootstrap_cnt; i < p->broker_cnt; i++)
        if (p->brokers[i].node_id == node_id)
            return &p->brokers[i];
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

kr_topic_t *kr_meta_topic(kr_producer_t *p, const char *name)
{
    assert(name != NULL);
    assert(p->topic_cnt >= 0);
    assert(p->topic_cnt <= KR_TOPICS_MAX);
    size_t len = strlen(name);
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        kr_topic_t *t = &p->topics[i];
        if (t->name_len == len && memcmp(t->name, name, len) == 0)
            return t;
    }
    if (p->topic_cnt == KR_TOPICS_MAX || !topic_name_valid(name, len))
        return NULL;
    assert(len < sizeof(p->topics[0].name));
    kr_topic_t *t = &p->topics[p->topic_cnt++];
    memset(t, 0, sizeof(*t));
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
        kr_broker_t *b = &p->brokers[i];
        assert(b->conn.req_head - b->conn.req_tail <= KR_CONN_REQS_MAX);
        if (!kr_conn_ready(&b->conn) || b->conn.req_head - b->conn.req_tail >= KR_CONN_REQS_MAX)
            continue;
        if (best == NULL || b->conn.req_head - b->conn.req_tail <
                                best->conn.req_head - best->conn.req_tail)
            best = b;
    }
    if (best == NULL && p->fatal_err == 0) {
        /* Nothing is up: make sure the bootstrap brokers are being tried. */
        for (int32_t i = 0; i < p->bootstrap_cnt; i++)
            p->brokers[i].in_use = true;
    }
    return best;
}

int kr_meta_send(kr_producer_t *p, kr_broker_t *b, int16_t api_key, int16_t version,
                 kr_meta_write_t *write, const void *body, bool describe)
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
    kr_wbuf_t w;
    kr_wbuf_init(&w, r->frame, sizeof(r->frame));
    kr_RequestHeader_t h = {api_key, version, r->corr_id, p->conf.client_id,
                            strlen(p->conf.client_id)};
    size_t off = kr_request_begin(&w, &h);
    write(&w, version, body);
    int rc = kr_request_end(&w, off);
    assert(rc == 0); /* the frame holds KR_TOPICS_MAX names */
    r->api_key = api_key;
    r->api_version = version;
    r->iov[0].iov_base = r->frame;
    r->iov[0].iov_len = kr_wbuf_len(&w);
    r->iov_cnt = 1;
    r->len = kr_wbuf_len(&w);
    assert(r->len <= sizeof(r->frame));
    kr_conn_req_queue(p, b, r);
    return 0;
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
        if (p->brokers[i].parts != NULL && !kr_conn_ready(&p->brokers[i].conn))
            kr_meta_want(p);
    if (p->metadata_inflight || p->now_us < p->metadata_at_us)
        return;
    kr_broker_t *b = kr_meta_pick_broker(p);
    if (b == NULL)
        return;
    assert(p->topic_cnt <= KR_TOPICS_MAX);
    kr_MetadataRequestTopic_t topics[KR_TOPICS_MAX];
    memset(topics, 0, sizeof(topics));
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        topics[i].Name = p->topics[i].name;
        topics[i].NameLen = p->topics[i].name_len;
    }
    kr_MetadataRequest_t req = {topics, p->topic_cnt, false, false, false};
    if (kr_meta_send(p, b, KR_API_Metadata, b->conn.ver[KR_V_METADATA], kr_meta_write_metadata,
                  &req, false) == 0) {
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
    if (t->parts == NULL) {
        if (p->part_used + mt->PartitionsCount > KR_PARTITIONS_MAX)
            return;
        assert(mt->PartitionsCount > 0);
        t->parts = &p->part_pool[p->part_used];
        p->part_used += mt->PartitionsCount;
        t->part_cnt = mt->PartitionsCount;
        for (int32_t i = 0; i < t->part_cnt; i++) {
            memset(&t->parts[i], 0, sizeof(t->parts[i]));
            t->parts[i].topic = t;
            t->parts[i].id = i;
            t->parts[i].leader = -1;
        }
    }
    _Static_assert(sizeof(t->id) == sizeof(mt->TopicId), "a topic id is 16 bytes");
    memcpy(t->id, mt->TopicId, sizeof(t->id));
    /* The decoder hands out each topic's partitions as a run inside m->Partitions. */
    assert(mt->PartitionsFirst >= 0);
    assert(mt->PartitionsFirst + mt->PartitionsCount <= m->PartitionsCount);
    for (int32_t i = 0; i < mt->PartitionsCount; i++) {
        const kr_MetadataResponsePartition_t *mp = &m->Partitions[mt->PartitionsFirst + i];
        if (mp->PartitionIndex < 0 || mp->PartitionIndex >= t->part_cnt)
            continue; /* partitions added after first sight are not used (yet) */
        kr_partition_t *part = &t->parts[mp->PartitionIndex];
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
        p->brokers[i].parts = NULL;
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        kr_topic_t *t = &p->topics[i];
        for (int32_t j = 0; j < t->part_cnt; j++) {
            kr_partition_t *part = &t->parts[j];
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

void kr_meta_on_metadata(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, kr_rbuf_t *body)
{
    assert(!r->describe);
    assert(r->api_key == KR_API_Metadata);
    assert(p->metadata_inflight); /* one Metadata request of the producer's at a time */
    struct kr_meta_scratch *s = p->meta_scratch;
    p->metadata_inflight = false;
    kr_MetadataResponse_t m = {.Brokers = s->brokers, .BrokersCap = KR_BROKERS_MAX,
                               .Topics = s->topics, .TopicsCap = KR_TOPICS_MAX,
                               .Partitions = s->parts, .PartitionsCap = KR_PARTITIONS_MAX};
    int rc = kr_MetadataResponse_read(body, r->api_version, &m);
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
            kr_topic_t *t = &p->topics[j];
            if (mt->Name.len == t->name_len && memcmp(mt->Name.ptr, t->name, t->name_len) == 0)
                meta_update_topic(p, t, &m, mt);
        }
    }
    meta_relink(p);
    /* Once real brokers are known the bootstrap entries are not reconnected. */
    if (p->broker_cnt > p->bootstrap_cnt)
        for (int32_t i = 0; i < p->bootstrap_cnt; i++)
            p->brokers[i].in_use = false;
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
