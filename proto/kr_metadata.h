/*
 * Metadata (key 3), versions 1..13: which brokers exist, and which broker leads each
 * partition of the topics kring produces to.
 *
 * Writer and reader follow the conventions in kr_apiversions.h: the writer writes the
 * body only (frame it with kr_request_begin/kr_request_end) and returns w->err or
 * KR_EVERSION; the reader consumes the body after the response header exactly, borrows
 * strings from the input and fills storage the caller lends.
 *
 * Layouts (flexible, with compact encodings and tagged fields, from v9):
 *   request  v1..v3 Topics (null = all); v4+ AllowAutoTopicCreation;
 *            v8..v10 IncludeClusterAuthorizedOperations; v8+ IncludeTopicAuthorizedOperations;
 *            v10+ each topic is TopicId, Name (nullable); v13 body = v12 body.
 *   response v1 Brokers (with Rack), ControllerId, Topics (with IsInternal);
 *            v2 ClusterId; v3 ThrottleTimeMs; v5 OfflineReplicas; v7 LeaderEpoch;
 *            v8 TopicAuthorizedOperations, ClusterAuthorizedOperations (until v10);
 *            v10 TopicId; v12 Name nullable; v13 top-level ErrorCode (KIP-1102).
 */
#ifndef KR_METADATA_H
#define KR_METADATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kr_buf.h"

/* The value the broker sends when authorized operations were not requested. */
#define KR_METADATA_AUTHORIZED_OPERATIONS_UNSET INT32_MIN

/*
 * One requested topic, by name, or (v12+) by id with a NULL Name. TopicId is sent from
 * v10 and must be all zero before v10 (brokers before v12 ignore it). The writer only
 * borrows Name.
 */
typedef struct kr_MetadataRequestTopic {
    uint8_t TopicId[16];
    const char *Name; /* NULL writes a null name (v10+) */
    size_t NameLen;
} kr_MetadataRequestTopic_t;

/*
 * TopicsCount -1 asks for all topics (a null array); 0 for none (brokers and cluster
 * only); n > 0 for the n entries of Topics. AllowAutoTopicCreation is sent from v4 (kring
 * sends false; below v4 the broker's auto.create.topics.enable decides). The authorized
 * operation flags are not sent by versions without the field.
 */
typedef struct kr_MetadataRequest {
    const kr_MetadataRequestTopic_t *Topics;
    int32_t TopicsCount;
    bool AllowAutoTopicCreation;
    bool IncludeClusterAuthorizedOperations;
    bool IncludeTopicAuthorizedOperations;
} kr_MetadataRequest_t;

typedef struct kr_MetadataResponseBroker {
    int32_t NodeId;
    kr_str_t Host;
    int32_t Port;
    kr_str_t Rack; /* len -1: null */
} kr_MetadataResponseBroker_t;

/*
 * ReplicaNodes and IsrNodes borrow the input: `count` big-endian int32 node ids starting
 * at the pointer (NULL when empty); read them with kr_metadata_node_at(). OfflineReplicas
 * are parsed and checked, and only counted.
 */
typedef struct kr_MetadataResponsePartition {
    int16_t ErrorCode;
    int32_t PartitionIndex;
    int32_t LeaderId;
    int32_t LeaderEpoch; /* v7+, else -1 */
    int32_t ReplicaNodesCount;
    const uint8_t *ReplicaNodes;
    int32_t IsrNodesCount;
    const uint8_t *IsrNodes;
    int32_t OfflineReplicasCount; /* v5+, else 0 */
} kr_MetadataResponsePartition_t;

/* A topic's partitions are Partitions[PartitionsFirst .. PartitionsFirst + PartitionsCount). */
typedef struct kr_MetadataResponseTopic {
    int16_t ErrorCode;
    kr_str_t Name;       /* len -1 (v12+): null, for a topic asked for by an unknown id */
    uint8_t TopicId[16]; /* v10+, else zero */
    bool IsInternal;
    int32_t PartitionsFirst;
    int32_t PartitionsCount;
    int32_t TopicAuthorizedOperations; /* v8+, else KR_METADATA_AUTHORIZED_OPERATIONS_UNSET */
} kr_MetadataResponseTopic_t;

/*
 * The caller sets the three storage pointers and capacities; the reader sets everything
 * else. Partitions is one pool shared by all topics, in response order.
 */
typedef struct kr_MetadataResponse {
    int32_t ThrottleTimeMs; /* v3+, else 0 */
    kr_MetadataResponseBroker_t *Brokers;
    int32_t BrokersCap;
    int32_t BrokersCount;
    kr_str_t ClusterId; /* v2+, len -1: null (and below v2) */
    int32_t ControllerId;
    kr_MetadataResponseTopic_t *Topics;
    int32_t TopicsCap;
    int32_t TopicsCount;
    kr_MetadataResponsePartition_t *Partitions;
    int32_t PartitionsCap;
    int32_t PartitionsCount;
    int32_t ClusterAuthorizedOperations; /* v8..v10, else ..._UNSET */
    int16_t ErrorCode;                   /* v13+, else 0 */
} kr_MetadataResponse_t;

/* Node id i of a ReplicaNodes or IsrNodes array (i < its count). */
int32_t kr_metadata_node_at(const uint8_t *raw, int32_t i);

/*
 * Writes the MetadataRequest body for `version` (1..13). Returns w->err, or KR_EVERSION
 * (nothing written) for another version, or a request that version cannot carry: a null
 * Name or a non-zero TopicId below v10.
 */
int kr_MetadataRequest_write(kr_wbuf_t *w, int16_t version, const kr_MetadataRequest_t *req);

/*
 * Reads a MetadataResponse body of `version` (1..13) into `out`, whose storage the
 * caller has set. Returns 0, KR_ETRUNC, KR_EMALFORMED (null arrays, a null Name before
 * v12, bytes left over), KR_ETOOMANY (more brokers, topics or partitions in total than
 * the capacities) or KR_EVERSION.
 */
int kr_MetadataResponse_read(kr_rbuf_t *r, int16_t version, kr_MetadataResponse_t *out);

#endif
