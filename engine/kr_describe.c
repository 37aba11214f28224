/* kr_metadata_describe(): a Metadata request for the caller, answered in kring.h's terms. */
#include "kr_describe.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kr_header.h"
#include "kr_kerr.h"
#include "kr_meta.h"
#include "kr_metadata.h"

void kr_describe_tick(kr_producer_t *p)
{
    assert(p != NULL);
    assert(p->describe.state <= KR_DESCRIBE_DONE);
    if (p->describe.state != KR_DESCRIBE_WANTED)
        return;
    assert(p->describe.cb != NULL);
    kr_broker_t *b = kr_meta_pick_broker(p);
    if (b == NULL)
        return;
    kr_MetadataRequestTopic_t one;
    memset(&one, 0, sizeof(one));
    kr_MetadataRequest_t req = {NULL, -1, false, false, false};
    if (p->describe.topic != NULL) {
        one.Name = p->describe.topic;
        one.NameLen = strlen(p->describe.topic);
        req.Topics = &one;
        req.TopicsCount = 1;
    }
    if (kr_meta_send(p, b, KR_API_Metadata, b->conn.ver[KR_V_METADATA], kr_meta_write_metadata,
                     &req, true) == 0)
        p->describe.state = KR_DESCRIBE_INFLIGHT;
}

void kr_describe_req_failed(kr_producer_t *p)
{
    assert(p != NULL);
    assert(p->describe.state <= KR_DESCRIBE_DONE);
    if (p->describe.state == KR_DESCRIBE_INFLIGHT)
        p->describe.state = KR_DESCRIBE_WANTED; /* ask again on another connection */
}

/* Copies s into the string area at *cur as a C string. */
static const char *meta_cstr(char **cur, kr_str_t s)
{
    assert(cur != NULL);
    assert(*cur != NULL);
    if (s.len < 0)
        return NULL;
    assert(s.len == 0 || s.ptr != NULL);
    char *out = *cur;
    memcpy(out, s.ptr, (size_t)s.len);
    out[s.len] = '\0';
    *cur += s.len + 1;
    return out;
}

/* The bytes the public view of m needs: structs, node ids, strings. */
static size_t meta_describe_size(const kr_MetadataResponse_t *m, size_t body_len)
{
    size_t ids = 0;
    for (int32_t i = 0; i < m->PartitionsCount; i++)
        ids += (size_t)m->Partitions[i].ReplicaNodesCount + (size_t)m->Partitions[i].IsrNodesCount;
    return (size_t)m->BrokersCount * sizeof(kr_metadata_broker_t) +
           (size_t)m->TopicsCount * sizeof(kr_metadata_topic_t) +
           (size_t)m->PartitionsCount * sizeof(kr_metadata_partition_t) + ids * sizeof(int32_t) +
           body_len + 2 * (size_t)(m->BrokersCount + m->TopicsCount) + 16;
}

/*
 * Builds the public view of m in mem (size bytes, meta_describe_size()) and hands it to
 * the describe callback.
 */
static void meta_describe_deliver(kr_producer_t *p, kr_broker_t *b, const kr_MetadataResponse_t *m,
                                  char *mem, size_t size)
{
    assert(b != NULL);
    assert(mem != NULL);
    assert(p->describe.cb != NULL);
    kr_metadata_broker_t *brokers = (kr_metadata_broker_t *)mem;
    kr_metadata_topic_t *topics = (kr_metadata_topic_t *)(brokers + m->BrokersCount);
    kr_metadata_partition_t *parts = (kr_metadata_partition_t *)(topics + m->TopicsCount);
    int32_t *ids = (int32_t *)(parts + m->PartitionsCount);
    for (int32_t i = 0; i < m->PartitionsCount; i++) {
        const kr_MetadataResponsePartition_t *mp = &m->Partitions[i];
        kr_metadata_partition_t *o = &parts[i];
        *o = (kr_metadata_partition_t){
            mp->PartitionIndex,    mp->LeaderId,
            mp->ErrorCode,         mp->ErrorCode ? kr_kerr_name(mp->ErrorCode) : NULL,
            mp->ReplicaNodesCount, ids,
            mp->IsrNodesCount,     NULL};
        for (int32_t k = 0; k < mp->ReplicaNodesCount; k++)
            *ids++ = kr_metadata_node_at(mp->ReplicaNodes, k);
        o->isrs = ids;
        for (int32_t k = 0; k < mp->IsrNodesCount; k++)
            *ids++ = kr_metadata_node_at(mp->IsrNodes, k);
    }
    char *str = (char *)ids;
    for (int32_t i = 0; i < m->BrokersCount; i++)
        brokers[i] =
            (kr_metadata_broker_t){m->Brokers[i].NodeId, meta_cstr(&str, m->Brokers[i].Host),
                                   m->Brokers[i].Port, meta_cstr(&str, m->Brokers[i].Rack)};
    for (int32_t i = 0; i < m->TopicsCount; i++) {
        const kr_MetadataResponseTopic_t *mt = &m->Topics[i];
        /* The decoder hands out each topic's partitions as a run inside m->Partitions. */
        assert(mt->PartitionsFirst >= 0);
        assert(mt->PartitionsCount >= 0);
        assert(mt->PartitionsFirst + mt->PartitionsCount <= m->PartitionsCount);
        kr_str_t name = mt->Name.len >= 0 ? mt->Name : (kr_str_t){"", 0};
        topics[i] = (kr_metadata_topic_t){meta_cstr(&str, name), mt->ErrorCode,
                                          mt->ErrorCode ? kr_kerr_name(mt->ErrorCode) : NULL,
                                          mt->PartitionsCount, parts + mt->PartitionsFirst};
    }
    kr_metadata_t md = {b->node_id,      meta_cstr(&str, m->ClusterId),
                        m->ControllerId, m->BrokersCount,
                        brokers,         m->TopicsCount,
                        topics};
    assert(str <= mem + size); /* meta_describe_size() counted every byte written */
    p->describe.cb(&md, p->describe.ctx);
}

void kr_describe_on_metadata(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, kr_rbuf_t *body)
{
    assert(r->describe);
    assert(r->api_key == KR_API_Metadata);
    assert(p->describe.state <= KR_DESCRIBE_DONE);
    if (p->describe.state != KR_DESCRIBE_INFLIGHT)
        return; /* the caller gave up waiting */
    /* A whole cluster's metadata can be large: room sized from the answer's length (each
     * broker, topic and partition takes at least 8 bytes), off the hot path. */
    size_t body_len = kr_rbuf_left(body);
    int32_t cap = (int32_t)(body_len / 8 + 1);
    kr_MetadataResponse_t m = {.Brokers = calloc((size_t)cap, sizeof(kr_MetadataResponseBroker_t)),
                               .BrokersCap = cap,
                               .Topics = calloc((size_t)cap, sizeof(kr_MetadataResponseTopic_t)),
                               .TopicsCap = cap,
                               .Partitions =
                                   calloc((size_t)cap, sizeof(kr_MetadataResponsePartition_t)),
                               .PartitionsCap = cap};
    p->describe.state = KR_DESCRIBE_DONE;
    int rc = -ENOMEM;
    char *mem = NULL;
    if (m.Brokers != NULL && m.Topics != NULL && m.Partitions != NULL)
        rc = kr_MetadataResponse_read(body, r->api_version, &m);
    size_t size = rc == 0 ? meta_describe_size(&m, body_len) : 0;
    if (rc == 0 && (mem = malloc(size)) == NULL)
        rc = -ENOMEM;
    p->describe.rc = rc;
    if (rc == 0)
        meta_describe_deliver(p, b, &m, mem, size);
    free(mem);
    free(m.Brokers);
    free(m.Topics);
    free(m.Partitions);
}
