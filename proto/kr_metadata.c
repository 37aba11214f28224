/* Metadata request writer and response reader, v1..v13. */
#include "kr_metadata.h"

#include <assert.h>
#include <string.h>

#include "kr_header.h"

/* True if kring implements `version` of Metadata. */
static bool metadata_version_ok(int16_t version)
{
    const kr_api_range_t *a = kr_api_range(KR_API_Metadata);
    assert(a != NULL);
    return version >= a->min && version <= a->max;
}

static bool metadata_uuid_zero(const uint8_t id[16])
{
    static const uint8_t zero[16];
    return memcmp(id, zero, sizeof(zero)) == 0;
}

/*
 * Returns KR_EVERSION if `version` is not implemented or cannot carry the request
 * (topics by id before v10), else 0.
 */
static int metadata_request_check(int16_t version, const kr_MetadataRequest_t *req)
{
    if (!metadata_version_ok(version))
        return KR_EVERSION;
    if (version >= 10)
        return 0;
    for (int32_t i = 0; i < req->TopicsCount; i++) {
        const kr_MetadataRequestTopic_t *t = &req->Topics[i];
        if (t->Name == NULL || !metadata_uuid_zero(t->TopicId))
            return KR_EVERSION;
    }
    return 0;
}

/* Writes one MetadataRequestTopic. Errors stay in w->err. */
static void metadata_write_topic(kr_wbuf_t *w, int16_t version, bool flex,
                                 const kr_MetadataRequestTopic_t *t)
{
    if (version >= 10) {
        kr_wbuf_uuid(w, t->TopicId);
        kr_wbuf_nstr(w, flex, t->Name, t->NameLen);
    } else {
        kr_wbuf_str(w, flex, t->Name, t->NameLen);
    }
    kr_wbuf_tags(w, flex);
}

/*
 * Writes the request body (see kr_metadata.h). Borrows req. Returns w->err or
 * KR_EVERSION.
 */
int kr_MetadataRequest_write(kr_wbuf_t *w, int16_t version, const kr_MetadataRequest_t *req)
{
    assert(w != NULL);
    assert(req != NULL);
    assert(req->TopicsCount >= -1);
    assert(req->Topics != NULL || req->TopicsCount <= 0);
    int rc = metadata_request_check(version, req);
    if (rc != 0)
        return rc;
    bool flex = kr_api_flexible(KR_API_Metadata, version);
    kr_wbuf_arraylen(w, flex, req->TopicsCount);
    for (int32_t i = 0; i < req->TopicsCount; i++)
        metadata_write_topic(w, version, flex, &req->Topics[i]);
    if (version >= 4)
        kr_wbuf_bool(w, req->AllowAutoTopicCreation);
    if (version >= 8 && version <= 10)
        kr_wbuf_bool(w, req->IncludeClusterAuthorizedOperations);
    if (version >= 8)
        kr_wbuf_bool(w, req->IncludeTopicAuthorizedOperations);
    kr_wbuf_tags(w, flex);
    return w->err;
}

/*
 * Reads the count of a non-nullable array whose elements take at least min_elem bytes,
 * into *n. Returns 0, the cursor's error, or KR_ETOOMANY if the count exceeds room.
 */
static int metadata_read_count(kr_rbuf_t *r, bool flex, size_t min_elem, int32_t room, int32_t *n)
{
    int32_t c = kr_rbuf_arraylen(r, flex, min_elem);
    if (r->err != 0)
        return r->err;
    if (c < 0) {
        kr_rbuf_fail(r, KR_EMALFORMED);
        return r->err;
    }
    if (c > room)
        return KR_ETOOMANY;
    *n = c;
    return 0;
}

/*
 * Skips a non-nullable []int32 and returns its length; *raw (if not NULL) gets where its
 * elements start in the input. Errors stay in r->err.
 */
static int32_t metadata_skip_int32s(kr_rbuf_t *r, bool flex, const uint8_t **raw)
{
    int32_t n = kr_rbuf_arraylen(r, flex, 4);
    if (n < 0) {
        kr_rbuf_fail(r, KR_EMALFORMED);
        return 0;
    }
    const uint8_t *at = kr_rbuf_raw(r, (size_t)n * 4);
    if (raw != NULL)
        *raw = r->err == 0 ? at : NULL;
    return r->err == 0 ? n : 0;
}

int32_t kr_metadata_node_at(const uint8_t *raw, int32_t i)
{
    const uint8_t *q = raw + (size_t)i * 4;
    return (int32_t)(((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) |
                     q[3]);
}

/* Reads one MetadataResponseBroker. Errors stay in r->err. */
static void metadata_read_broker(kr_rbuf_t *r, bool flex, kr_MetadataResponseBroker_t *b)
{
    b->NodeId = kr_rbuf_i32(r);
    b->Host = kr_rbuf_str(r, flex);
    b->Port = kr_rbuf_i32(r);
    b->Rack = kr_rbuf_nstr(r, flex);
    kr_rbuf_tags(r, flex);
}

/* Reads the Brokers array into out. Returns 0 or an error. */
static int metadata_read_brokers(kr_rbuf_t *r, bool flex, kr_MetadataResponse_t *out)
{
    /* NodeId, Host, Port, Rack, tags: 4 + 1 + 4 + 1 + 1 flexible, 4 + 2 + 4 + 2 not. */
    size_t min = flex ? 11 : 12;
    int32_t n = 0;
    int rc = metadata_read_count(r, flex, min, out->BrokersCap, &n);
    if (rc != 0)
        return rc;
    for (int32_t i = 0; i < n && r->err == 0; i++)
        metadata_read_broker(r, flex, &out->Brokers[i]);
    out->BrokersCount = n;
    return r->err;
}

/* Reads one MetadataResponsePartition. Errors stay in r->err. */
static void metadata_read_partition(kr_rbuf_t *r, int16_t version, bool flex,
                                    kr_MetadataResponsePartition_t *p)
{
    p->ErrorCode = kr_rbuf_i16(r);
    p->PartitionIndex = kr_rbuf_i32(r);
    p->LeaderId = kr_rbuf_i32(r);
    p->LeaderEpoch = version >= 7 ? kr_rbuf_i32(r) : -1;
    p->ReplicaNodesCount = metadata_skip_int32s(r, flex, &p->ReplicaNodes);
    p->IsrNodesCount = metadata_skip_int32s(r, flex, &p->IsrNodes);
    p->OfflineReplicasCount = version >= 5 ? metadata_skip_int32s(r, flex, NULL) : 0;
    kr_rbuf_tags(r, flex);
}

/* The fewest bytes a MetadataResponsePartition of `version` takes. */
static size_t metadata_partition_min(int16_t version, bool flex)
{
    size_t arr = flex ? 1 : 4;
    size_t n = 2 + 4 + 4 + 2 * arr;
    if (version >= 5)
        n += arr;
    if (version >= 7)
        n += 4;
    return flex ? n + 1 : n;
}

/* Reads a topic's Partitions into the shared pool and records where. Returns 0 or an error. */
static int metadata_read_partitions(kr_rbuf_t *r, int16_t version, bool flex,
                                    kr_MetadataResponse_t *out, kr_MetadataResponseTopic_t *t)
{
    int32_t room = out->PartitionsCap - out->PartitionsCount;
    int32_t n = 0;
    int rc = metadata_read_count(r, flex, metadata_partition_min(version, flex), room, &n);
    if (rc != 0)
        return rc;
    t->PartitionsFirst = out->PartitionsCount;
    t->PartitionsCount = n;
    for (int32_t i = 0; i < n && r->err == 0; i++)
        metadata_read_partition(r, version, flex, &out->Partitions[t->PartitionsFirst + i]);
    out->PartitionsCount += n;
    return r->err;
}

/* Reads one MetadataResponseTopic and its partitions. Returns 0 or an error. */
static int metadata_read_topic(kr_rbuf_t *r, int16_t version, bool flex, kr_MetadataResponse_t *out,
                               kr_MetadataResponseTopic_t *t)
{
    t->ErrorCode = kr_rbuf_i16(r);
    t->Name = version >= 12 ? kr_rbuf_nstr(r, flex) : kr_rbuf_str(r, flex);
    memset(t->TopicId, 0, sizeof(t->TopicId));
    if (version >= 10)
        kr_rbuf_uuid(r, t->TopicId);
    t->IsInternal = kr_rbuf_bool(r);
    t->PartitionsFirst = out->PartitionsCount;
    t->PartitionsCount = 0;
    int rc = metadata_read_partitions(r, version, flex, out, t);
    if (rc != 0)
        return rc;
    t->TopicAuthorizedOperations = KR_METADATA_AUTHORIZED_OPERATIONS_UNSET;
    if (version >= 8)
        t->TopicAuthorizedOperations = kr_rbuf_i32(r);
    kr_rbuf_tags(r, flex);
    return r->err;
}

/* The fewest bytes a MetadataResponseTopic of `version` takes. */
static size_t metadata_topic_min(int16_t version, bool flex)
{
    /* ErrorCode, Name, IsInternal, Partitions count. */
    size_t n = flex ? 2 + 1 + 1 + 1 : 2 + 2 + 1 + 4;
    if (version >= 8)
        n += 4;
    if (version >= 10)
        n += 16;
    return flex ? n + 1 : n;
}

/* Reads the Topics array into out. Returns 0 or an error. */
static int metadata_read_topics(kr_rbuf_t *r, int16_t version, bool flex,
                                kr_MetadataResponse_t *out)
{
    int32_t n = 0;
    int rc = metadata_read_count(r, flex, metadata_topic_min(version, flex), out->TopicsCap, &n);
    if (rc != 0)
        return rc;
    for (int32_t i = 0; i < n && rc == 0; i++) {
        rc = metadata_read_topic(r, version, flex, out, &out->Topics[i]);
        out->TopicsCount = i + 1;
    }
    return rc;
}

/* Sets every field the reader fills to what an absent field means. */
static void metadata_response_reset(kr_MetadataResponse_t *out)
{
    out->ThrottleTimeMs = 0;
    out->BrokersCount = 0;
    out->ClusterId = (kr_str_t){NULL, -1};
    out->ControllerId = -1;
    out->TopicsCount = 0;
    out->PartitionsCount = 0;
    out->ClusterAuthorizedOperations = KR_METADATA_AUTHORIZED_OPERATIONS_UNSET;
    out->ErrorCode = 0;
}

/*
 * Reads the response body (see kr_metadata.h). Strings borrow r's buffer; arrays go to
 * the caller's storage in out. Returns 0, KR_ETRUNC, KR_EMALFORMED, KR_ETOOMANY or
 * KR_EVERSION.
 */
int kr_MetadataResponse_read(kr_rbuf_t *r, int16_t version, kr_MetadataResponse_t *out)
{
    assert(r != NULL);
    assert(r->err == 0);
    assert(out != NULL);
    assert(out->BrokersCap >= 0 && (out->Brokers != NULL || out->BrokersCap == 0));
    assert(out->TopicsCap >= 0 && (out->Topics != NULL || out->TopicsCap == 0));
    assert(out->PartitionsCap >= 0 && (out->Partitions != NULL || out->PartitionsCap == 0));
    if (!metadata_version_ok(version))
        return KR_EVERSION;
    bool flex = kr_api_flexible(KR_API_Metadata, version);
    metadata_response_reset(out);
    if (version >= 3)
        out->ThrottleTimeMs = kr_rbuf_i32(r);
    int rc = metadata_read_brokers(r, flex, out);
    if (rc != 0)
        return rc;
    if (version >= 2)
        out->ClusterId = kr_rbuf_nstr(r, flex);
    out->ControllerId = kr_rbuf_i32(r);
    rc = metadata_read_topics(r, version, flex, out);
    if (rc != 0)
        return rc;
    if (version >= 8 && version <= 10)
        out->ClusterAuthorizedOperations = kr_rbuf_i32(r);
    if (version >= 13)
        out->ErrorCode = kr_rbuf_i16(r);
    kr_rbuf_tags(r, flex);
    if (r->err == 0 && kr_rbuf_left(r) != 0)
        kr_rbuf_fail(r, KR_EMALFORMED);
    return r->err;
}
