/*
 * The four response types kring decodes, seen from the fuzzers: for each one
 *   - gen_*:   a random valid response of a given version, drawn from fuzz input, in the
 *              decoded form (the reader's own struct, version defaults filled in);
 *   - enc_*:   an independent encoder of that form, written from the protocol layouts
 *              (ApiVersionsResponse.json, MetadataResponse.json, ...), which sprinkles
 *              unknown tagged fields drawn from the input (none when `in` is NULL);
 *   - check_*: the reader's contract on a decoded struct (counts within capacities,
 *              strings inside the input, pool ranges consistent, version defaults);
 *   - eq_*:    value equality of two decoded structs (pointers into pools followed).
 *
 * Used by the decoder harnesses (decode -> check -> encode -> decode -> eq), by
 * fuzz_response_rt (gen -> encode -> decode -> eq) and by gen_corpus (seed files).
 *
 * Header-only; every function is static inline. Storage for generated responses lives
 * in a kr_fuzz_model_t that the caller provides.
 */
#ifndef KR_FUZZ_RESP_H
#define KR_FUZZ_RESP_H

#include "kr_apiversions.h"
#include "kr_initpid.h"
#include "kr_kerr.h"
#include "kr_metadata.h"
#include "kr_produce.h"

#include "kr_fuzz.h"

/* Limits of generated responses (decoder harnesses size their pools from the input). */
#define KR_FUZZ_MAX_KEYS 8
#define KR_FUZZ_MAX_BROKERS 4
#define KR_FUZZ_MAX_TOPICS 4
#define KR_FUZZ_MAX_PARTS 16 /* in total: at most 4 topics x 4 partitions */
#define KR_FUZZ_MAX_ERRS 32  /* in total: at most 16 partitions x 2 record errors */
#define KR_FUZZ_MAX_NODES 4
#define KR_FUZZ_MAX_STR 40

/* Storage a generated response points into. */
typedef struct kr_fuzz_model {
    kr_ApiVersion_t keys[KR_FUZZ_MAX_KEYS];
    kr_MetadataResponseBroker_t brokers[KR_FUZZ_MAX_BROKERS];
    kr_MetadataResponseTopic_t mtopics[KR_FUZZ_MAX_TOPICS];
    kr_MetadataResponsePartition_t mparts[KR_FUZZ_MAX_PARTS];
    kr_ProduceTopicResponse_t ptopics[KR_FUZZ_MAX_TOPICS];
    kr_ProducePartitionResponse_t pparts[KR_FUZZ_MAX_PARTS];
    kr_ProduceRecordError_t perrs[KR_FUZZ_MAX_ERRS];
    kr_ProduceNodeEndpoint_t nodes[KR_FUZZ_MAX_NODES];
} kr_fuzz_model_t;

/* ---------------------------------------------------------------- tagged fields */

/* One tagged field the encoder must write, its payload already encoded. */
typedef struct kr_fuzz_tag {
    uint32_t tag;
    const uint8_t *p;
    size_t n;
} kr_fuzz_tag_t;

/*
 * Writes a tagged-field section: the `known` fields in the given order, then 0..2
 * unknown ones drawn from `in` (none when in is NULL), with tag numbers ascending from
 * first_unknown and payloads of random bytes.
 */
static inline void kr_fuzz_put_tags(kr_wbuf_t *w, kr_fuzz_in_t *in, uint32_t first_unknown,
                                    const kr_fuzz_tag_t *known, size_t known_cnt)
{
    static const uint8_t unknown_cnt[4] = {0, 0, 1, 2};
    kr_fuzz_tag_t unk[2];
    size_t want = in != NULL ? unknown_cnt[kr_fuzz_below(in, 4)] : 0, n = 0;
    uint64_t tag = first_unknown;
    for (size_t i = 0; i < want; i++) {
        uint8_t step = kr_fuzz_u8(in);
        /* Mostly small tag numbers, sometimes ones that need a 5-byte varint. */
        tag = step == 0xff ? (uint64_t)UINT32_MAX - (want - 1 - i) : tag + step;
        if (tag > UINT32_MAX)
            break; /* no wrap-around onto a known tag */
        unk[n].tag = (uint32_t)tag;
        unk[n].p = kr_fuzz_bytes(in, 64, &unk[n].n);
        n++;
        tag++;
    }
    kr_wbuf_uvarint(w, known_cnt + n);
    for (size_t i = 0; i < known_cnt; i++) {
        kr_wbuf_uvarint(w, known[i].tag);
        kr_wbuf_uvarint(w, known[i].n);
        kr_wbuf_raw(w, known[i].p, known[i].n);
    }
    for (size_t i = 0; i < n; i++) {
        kr_wbuf_uvarint(w, unk[i].tag);
        kr_wbuf_uvarint(w, unk[i].n);
        kr_wbuf_raw(w, unk[i].p, unk[i].n);
    }
}

/* A tag section for a flexible struct; nothing for a classic one. */
static inline void kr_fuzz_tags(kr_wbuf_t *w, kr_fuzz_in_t *in, bool flex)
{
    if (flex)
        kr_fuzz_put_tags(w, in, 0, NULL, 0);
}

/* ---------------------------------------------------------------- ApiVersions */

static inline int16_t kr_fuzz_gen_error(kr_fuzz_in_t *in)
{
    switch (kr_fuzz_below(in, 4)) {
    case 0:
        return 0;
    case 1:
        return KR_KERR_UNSUPPORTED_VERSION;
    case 2:
        return (int16_t)kr_fuzz_below(in, 120);
    default:
        return (int16_t)kr_fuzz_u16(in);
    }
}

/* A random ApiVersionsResponse of request version v, as the reader decodes it. */
static inline void kr_fuzz_gen_apiversions(kr_fuzz_in_t *in, int16_t v, kr_fuzz_model_t *m,
                                           kr_ApiVersionsResponse_t *out)
{
    memset(out, 0, sizeof(*out));
    out->ErrorCode = kr_fuzz_gen_error(in);
    /* Error 35 always comes in the v0 layout (KIP-511). */
    out->Version = out->ErrorCode == KR_KERR_UNSUPPORTED_VERSION ? 0 : v;
    out->ApiKeys = m->keys;
    out->ApiKeysCap = KR_FUZZ_MAX_KEYS;
    out->ApiKeysCount = (int32_t)kr_fuzz_below(in, KR_FUZZ_MAX_KEYS + 1);
    for (int32_t i = 0; i < out->ApiKeysCount; i++) {
        kr_ApiVersion_t *k = &m->keys[i];
        /* Mostly keys kring speaks, so that version picks succeed. */
        static const int16_t common[] = {KR_API_Produce, KR_API_Metadata, KR_API_ApiVersions,
                                         KR_API_InitProducerId};
        uint8_t sel = kr_fuzz_u8(in);
        k->ApiKey = sel < 192 ? common[sel % 4] : (int16_t)kr_fuzz_u16(in);
        k->MinVersion = (int16_t)kr_fuzz_below(in, 16);
        k->MaxVersion = (int16_t)kr_fuzz_below(in, 20);
    }
    out->ThrottleTimeMs = out->Version >= 1 ? (int32_t)kr_fuzz_u32(in) : 0;
}

/* Encodes `a` in its layout (a->Version). */
static inline void kr_fuzz_enc_apiversions(kr_wbuf_t *w, kr_fuzz_in_t *in,
                                           const kr_ApiVersionsResponse_t *a)
{
    bool flex = a->Version >= 3;
    kr_wbuf_i16(w, a->ErrorCode);
    kr_wbuf_arraylen(w, flex, a->ApiKeysCount);
    for (int32_t i = 0; i < a->ApiKeysCount; i++) {
        kr_wbuf_i16(w, a->ApiKeys[i].ApiKey);
        kr_wbuf_i16(w, a->ApiKeys[i].MinVersion);
        kr_wbuf_i16(w, a->ApiKeys[i].MaxVersion);
        kr_fuzz_tags(w, in, flex);
    }
    if (a->Version >= 1)
        kr_wbuf_i32(w, a->ThrottleTimeMs);
    /* SupportedFeatures (0), FinalizedFeaturesEpoch (1), ... are skipped: any tag goes. */
    kr_fuzz_tags(w, in, flex);
}

/* The reader's contract for a response decoded with request version v. */
static inline void kr_fuzz_check_apiversions(const kr_ApiVersionsResponse_t *a, int16_t v)
{
    KR_FUZZ_CHECK(a->Version == v ||
                  (a->Version == 0 && a->ErrorCode == KR_KERR_UNSUPPORTED_VERSION));
    KR_FUZZ_CHECK(a->ApiKeysCount >= 0);
    KR_FUZZ_CHECK(a->ApiKeysCount <= a->ApiKeysCap);
    if (a->Version == 0)
        KR_FUZZ_CHECK_EQ(a->ThrottleTimeMs, 0);
    /* Version negotiation on whatever the broker claimed. */
    static const int16_t apis[] = {KR_API_Produce, KR_API_Metadata, KR_API_ApiVersions,
                                   KR_API_InitProducerId};
    for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++) {
        const kr_ApiVersion_t *b = kr_apiversions_find(a, apis[i]);
        if (b != NULL) {
            KR_FUZZ_CHECK(b >= a->ApiKeys && b < a->ApiKeys + a->ApiKeysCount);
            KR_FUZZ_CHECK_EQ(b->ApiKey, apis[i]);
        }
        int16_t picked = -1;
        int rc = kr_apiversions_pick(a, apis[i], &picked);
        if (rc != 0) {
            KR_FUZZ_CHECK_EQ(rc, KR_EVERSION);
            continue;
        }
        const kr_api_range_t *ours = kr_api_range(apis[i]);
        KR_FUZZ_CHECK(b != NULL);
        KR_FUZZ_CHECK(picked >= ours->min && picked <= ours->max);
        KR_FUZZ_CHECK(picked >= b->MinVersion && picked <= b->MaxVersion);
    }
}

static inline bool kr_fuzz_eq_apiversions(const kr_ApiVersionsResponse_t *a,
                                          const kr_ApiVersionsResponse_t *b)
{
    if (a->Version != b->Version || a->ErrorCode != b->ErrorCode ||
        a->ApiKeysCount != b->ApiKeysCount || a->ThrottleTimeMs != b->ThrottleTimeMs)
        return false;
    for (int32_t i = 0; i < a->ApiKeysCount; i++) {
        const kr_ApiVersion_t *x = &a->ApiKeys[i], *y = &b->ApiKeys[i];
        if (x->ApiKey != y->ApiKey || x->MinVersion != y->MinVersion ||
            x->MaxVersion != y->MaxVersion)
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------- InitProducerId */

static inline void kr_fuzz_gen_initpid(kr_fuzz_in_t *in, kr_InitProducerIdResponse_t *out)
{
    out->ThrottleTimeMs = (int32_t)kr_fuzz_u32(in);
    out->ErrorCode = kr_fuzz_gen_error(in);
    out->ProducerId = (int64_t)kr_fuzz_u64(in);
    out->ProducerEpoch = (int16_t)kr_fuzz_u16(in);
}

static inline void kr_fuzz_enc_initpid(kr_wbuf_t *w, kr_fuzz_in_t *in, int16_t v,
                                       const kr_InitProducerIdResponse_t *p)
{
    kr_wbuf_i32(w, p->ThrottleTimeMs);
    kr_wbuf_i16(w, p->ErrorCode);
    kr_wbuf_i64(w, p->ProducerId);
    kr_wbuf_i16(w, p->ProducerEpoch);
    kr_fuzz_tags(w, in, v >= 2);
}

static inline bool kr_fuzz_eq_initpid(const kr_InitProducerIdResponse_t *a,
                                      const kr_InitProducerIdResponse_t *b)
{
    return a->ThrottleTimeMs == b->ThrottleTimeMs && a->ErrorCode == b->ErrorCode &&
           a->ProducerId == b->ProducerId && a->ProducerEpoch == b->ProducerEpoch;
}

/* ---------------------------------------------------------------- Metadata */

static const uint8_t kr_fuzz_zero_uuid[16];

/* A host name or rack: short, printable-ish bytes from the input. */
static inline kr_str_t kr_fuzz_gen_name(kr_fuzz_in_t *in, bool nullable)
{
    return kr_fuzz_str(in, nullable ? 4 : 0, KR_FUZZ_MAX_STR);
}

static inline void kr_fuzz_gen_uuid(kr_fuzz_in_t *in, uint8_t id[16])
{
    for (int i = 0; i < 16; i++)
        id[i] = kr_fuzz_u8(in);
}

static inline void kr_fuzz_gen_mpart(kr_fuzz_in_t *in, int16_t v, kr_MetadataResponsePartition_t *p)
{
    p->ErrorCode = kr_fuzz_gen_error(in);
    p->PartitionIndex = (int32_t)kr_fuzz_u32(in);
    p->LeaderId = (int32_t)kr_fuzz_u32(in);
    p->LeaderEpoch = v >= 7 ? (int32_t)kr_fuzz_u32(in) : -1;
    p->ReplicaNodesCount = (int32_t)kr_fuzz_below(in, 5);
    p->IsrNodesCount = (int32_t)kr_fuzz_below(in, 5);
    p->OfflineReplicasCount = v >= 5 ? (int32_t)kr_fuzz_below(in, 3) : 0;
}

/* A random MetadataResponse of version v, as the reader decodes it. */
static inline void kr_fuzz_gen_metadata(kr_fuzz_in_t *in, int16_t v, kr_fuzz_model_t *m,
                                        kr_MetadataResponse_t *out)
{
    memset(out, 0, sizeof(*out));
    out->Brokers = m->brokers;
    out->BrokersCap = KR_FUZZ_MAX_BROKERS;
    out->Topics = m->mtopics;
    out->TopicsCap = KR_FUZZ_MAX_TOPICS;
    out->Partitions = m->mparts;
    out->PartitionsCap = KR_FUZZ_MAX_PARTS;
    out->ThrottleTimeMs = v >= 3 ? (int32_t)kr_fuzz_u32(in) : 0;
    out->BrokersCount = (int32_t)kr_fuzz_below(in, KR_FUZZ_MAX_BROKERS + 1);
    for (int32_t i = 0; i < out->BrokersCount; i++) {
        kr_MetadataResponseBroker_t *b = &m->brokers[i];
        b->NodeId = (int32_t)kr_fuzz_u32(in);
        b->Host = kr_fuzz_gen_name(in, false);
        b->Port = (int32_t)kr_fuzz_u32(in);
        b->Rack = kr_fuzz_gen_name(in, true);
    }
    out->ClusterId = v >= 2 ? kr_fuzz_gen_name(in, true) : (kr_str_t){NULL, -1};
    out->ControllerId = (int32_t)kr_fuzz_u32(in);
    out->TopicsCount = (int32_t)kr_fuzz_below(in, KR_FUZZ_MAX_TOPICS + 1);
    for (int32_t i = 0; i < out->TopicsCount; i++) {
        kr_MetadataResponseTopic_t *t = &m->mtopics[i];
        t->ErrorCode = kr_fuzz_gen_error(in);
        t->Name = kr_fuzz_gen_name(in, v >= 12);
        memset(t->TopicId, 0, 16);
        if (v >= 10)
            kr_fuzz_gen_uuid(in, t->TopicId);
        t->IsInternal = kr_fuzz_bool(in);
        t->PartitionsFirst = out->PartitionsCount;
        t->PartitionsCount = (int32_t)kr_fuzz_below(in, 5);
        for (int32_t j = 0; j < t->PartitionsCount; j++)
            kr_fuzz_gen_mpart(in, v, &m->mparts[out->PartitionsCount + j]);
        out->PartitionsCount += t->PartitionsCount;
        t->TopicAuthorizedOperations =
            v >= 8 ? (int32_t)kr_fuzz_u32(in) : KR_METADATA_AUTHORIZED_OPERATIONS_UNSET;
    }
    out->ClusterAuthorizedOperations =
        v >= 8 && v <= 10 ? (int32_t)kr_fuzz_u32(in) : KR_METADATA_AUTHORIZED_OPERATIONS_UNSET;
    out->ErrorCode = v >= 13 ? kr_fuzz_gen_error(in) : 0;
}

/* A []int32 of n node ids (the reader keeps only the count). */
static inline void kr_fuzz_put_nodes(kr_wbuf_t *w, kr_fuzz_in_t *in, bool flex, int32_t n)
{
    kr_wbuf_arraylen(w, flex, n);
    for (int32_t i = 0; i < n; i++)
        kr_wbuf_i32(w, in != NULL ? (int32_t)kr_fuzz_u32(in) : i);
}

static inline void kr_fuzz_enc_mpart(kr_wbuf_t *w, kr_fuzz_in_t *in, int16_t v, bool flex,
                                     const kr_MetadataResponsePartition_t *p)
{
    kr_wbuf_i16(w, p->ErrorCode);
    kr_wbuf_i32(w, p->PartitionIndex);
    kr_wbuf_i32(w, p->LeaderId);
    if (v >= 7)
        kr_wbuf_i32(w, p->LeaderEpoch);
    kr_fuzz_put_nodes(w, in, flex, p->ReplicaNodesCount);
    kr_fuzz_put_nodes(w, in, flex, p->IsrNodesCount);
    if (v >= 5)
        kr_fuzz_put_nodes(w, in, flex, p->OfflineReplicasCount);
    kr_fuzz_tags(w, in, flex);
}

static inline void kr_fuzz_enc_metadata(kr_wbuf_t *w, kr_fuzz_in_t *in, int16_t v,
                                        const kr_MetadataResponse_t *m)
{
    bool flex = v >= 9;
    if (v >= 3)
        kr_wbuf_i32(w, m->ThrottleTimeMs);
    kr_wbuf_arraylen(w, flex, m->BrokersCount);
    for (int32_t i = 0; i < m->BrokersCount; i++) {
        const kr_MetadataResponseBroker_t *b = &m->Brokers[i];
        kr_wbuf_i32(w, b->NodeId);
        kr_fuzz_put_str(w, flex, b->Host);
        kr_wbuf_i32(w, b->Port);
        kr_fuzz_put_nstr(w, flex, b->Rack);
        kr_fuzz_tags(w, in, flex);
    }
    if (v >= 2)
        kr_fuzz_put_nstr(w, flex, m->ClusterId);
    kr_wbuf_i32(w, m->ControllerId);
    kr_wbuf_arraylen(w, flex, m->TopicsCount);
    for (int32_t i = 0; i < m->TopicsCount; i++) {
        const kr_MetadataResponseTopic_t *t = &m->Topics[i];
        kr_wbuf_i16(w, t->ErrorCode);
        if (v >= 12)
            kr_fuzz_put_nstr(w, flex, t->Name);
        else
            kr_fuzz_put_str(w, flex, t->Name);
        if (v >= 10)
            kr_wbuf_uuid(w, t->TopicId);
        kr_wbuf_bool(w, t->IsInternal);
        kr_wbuf_arraylen(w, flex, t->PartitionsCount);
        for (int32_t j = 0; j < t->PartitionsCount; j++)
            kr_fuzz_enc_mpart(w, in, v, flex, &m->Partitions[t->PartitionsFirst + j]);
        if (v >= 8)
            kr_wbuf_i32(w, t->TopicAuthorizedOperations);
        kr_fuzz_tags(w, in, flex);
    }
    if (v >= 8 && v <= 10)
        kr_wbuf_i32(w, m->ClusterAuthorizedOperations);
    if (v >= 13)
        kr_wbuf_i16(w, m->ErrorCode);
    kr_fuzz_tags(w, in, flex);
}

static inline void kr_fuzz_check_metadata(const kr_MetadataResponse_t *m, int16_t v,
                                          const uint8_t *buf, size_t len)
{
    KR_FUZZ_CHECK(m->BrokersCount >= 0 && m->BrokersCount <= m->BrokersCap);
    KR_FUZZ_CHECK(m->TopicsCount >= 0 && m->TopicsCount <= m->TopicsCap);
    KR_FUZZ_CHECK(m->PartitionsCount >= 0 && m->PartitionsCount <= m->PartitionsCap);
    if (v < 3)
        KR_FUZZ_CHECK_EQ(m->ThrottleTimeMs, 0);
    for (int32_t i = 0; i < m->BrokersCount; i++) {
        kr_fuzz_check_str(m->Brokers[i].Host, false, buf, len);
        kr_fuzz_check_str(m->Brokers[i].Rack, true, buf, len);
    }
    if (v < 2)
        KR_FUZZ_CHECK(m->ClusterId.len == -1 && m->ClusterId.ptr == NULL);
    kr_fuzz_check_str(m->ClusterId, true, buf, len);
    /* Topics own consecutive ranges of the shared pool, in response order. */
    int32_t next = 0;
    for (int32_t i = 0; i < m->TopicsCount; i++) {
        const kr_MetadataResponseTopic_t *t = &m->Topics[i];
        kr_fuzz_check_str(t->Name, v >= 12, buf, len);
        if (v < 10)
            KR_FUZZ_CHECK(memcmp(t->TopicId, kr_fuzz_zero_uuid, 16) == 0);
        if (v < 8)
            KR_FUZZ_CHECK_EQ(t->TopicAuthorizedOperations, KR_METADATA_AUTHORIZED_OPERATIONS_UNSET);
        KR_FUZZ_CHECK_EQ(t->PartitionsFirst, next);
        KR_FUZZ_CHECK(t->PartitionsCount >= 0);
        KR_FUZZ_CHECK(t->PartitionsCount <= m->PartitionsCount - t->PartitionsFirst);
        next += t->PartitionsCount;
    }
    KR_FUZZ_CHECK_EQ(next, m->PartitionsCount);
    for (int32_t i = 0; i < m->PartitionsCount; i++) {
        const kr_MetadataResponsePartition_t *p = &m->Partitions[i];
        KR_FUZZ_CHECK(p->ReplicaNodesCount >= 0);
        KR_FUZZ_CHECK(p->IsrNodesCount >= 0);
        KR_FUZZ_CHECK(p->OfflineReplicasCount >= 0);
        /* Each node id took 4 bytes of the input. */
        KR_FUZZ_CHECK((size_t)p->ReplicaNodesCount + (size_t)p->IsrNodesCount +
                          (size_t)p->OfflineReplicasCount <=
                      len / 4);
        if (v < 7)
            KR_FUZZ_CHECK_EQ(p->LeaderEpoch, -1);
        if (v < 5)
            KR_FUZZ_CHECK_EQ(p->OfflineReplicasCount, 0);
    }
    if (v < 8 || v > 10)
        KR_FUZZ_CHECK_EQ(m->ClusterAuthorizedOperations, KR_METADATA_AUTHORIZED_OPERATIONS_UNSET);
    if (v < 13)
        KR_FUZZ_CHECK_EQ(m->ErrorCode, 0);
}

static inline bool kr_fuzz_eq_metadata(const kr_MetadataResponse_t *a,
                                       const kr_MetadataResponse_t *b)
{
    if (a->ThrottleTimeMs != b->ThrottleTimeMs || a->BrokersCount != b->BrokersCount ||
        !kr_fuzz_str_eq(a->ClusterId, b->ClusterId) || a->ControllerId != b->ControllerId ||
        a->TopicsCount != b->TopicsCount || a->PartitionsCount != b->PartitionsCount ||
        a->ClusterAuthorizedOperations != b->ClusterAuthorizedOperations ||
        a->ErrorCode != b->ErrorCode)
        return false;
    for (int32_t i = 0; i < a->BrokersCount; i++) {
        const kr_MetadataResponseBroker_t *x = &a->Brokers[i], *y = &b->Brokers[i];
        if (x->NodeId != y->NodeId || !kr_fuzz_str_eq(x->Host, y->Host) || x->Port != y->Port ||
            !kr_fuzz_str_eq(x->Rack, y->Rack))
            return false;
    }
    for (int32_t i = 0; i < a->TopicsCount; i++) {
        const kr_MetadataResponseTopic_t *x = &a->Topics[i], *y = &b->Topics[i];
        if (x->ErrorCode != y->ErrorCode || !kr_fuzz_str_eq(x->Name, y->Name) ||
            memcmp(x->TopicId, y->TopicId, 16) != 0 || x->IsInternal != y->IsInternal ||
            x->PartitionsFirst != y->PartitionsFirst || x->PartitionsCount != y->PartitionsCount ||
            x->TopicAuthorizedOperations != y->TopicAuthorizedOperations)
            return false;
    }
    for (int32_t i = 0; i < a->PartitionsCount; i++) {
        const kr_MetadataResponsePartition_t *x = &a->Partitions[i], *y = &b->Partitions[i];
        if (x->ErrorCode != y->ErrorCode || x->PartitionIndex != y->PartitionIndex ||
            x->LeaderId != y->LeaderId || x->LeaderEpoch != y->LeaderEpoch ||
            x->ReplicaNodesCount != y->ReplicaNodesCount || x->IsrNodesCount != y->IsrNodesCount ||
            x->OfflineReplicasCount != y->OfflineReplicasCount)
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------- Produce */

static inline void kr_fuzz_gen_ppart(kr_fuzz_in_t *in, int16_t v, kr_fuzz_model_t *m,
                                     kr_ProduceResponse_t *out, kr_ProducePartitionResponse_t *p)
{
    p->Index = (int32_t)kr_fuzz_u32(in);
    p->ErrorCode = kr_fuzz_gen_error(in);
    p->BaseOffset = (int64_t)kr_fuzz_u64(in);
    p->LogAppendTimeMs = (int64_t)kr_fuzz_u64(in);
    p->LogStartOffset = v >= 5 ? (int64_t)kr_fuzz_u64(in) : -1;
    p->record_error_cnt = 0;
    p->RecordErrors = NULL;
    p->ErrorMessage = (kr_str_t){NULL, -1};
    p->CurrentLeader = (kr_ProduceLeader_t){-1, -1};
    if (v >= 8) {
        int32_t n = (int32_t)kr_fuzz_below(in, 3);
        if (n > 0) {
            p->RecordErrors = m->perrs + out->record_error_used;
            p->record_error_cnt = n;
            out->record_error_used += n;
        }
        for (int32_t i = 0; i < n; i++) {
            p->RecordErrors[i].BatchIndex = (int32_t)kr_fuzz_u32(in);
            p->RecordErrors[i].BatchIndexErrorMessage = kr_fuzz_gen_name(in, true);
        }
        p->ErrorMessage = kr_fuzz_gen_name(in, true);
    }
    if (v >= 10 && kr_fuzz_bool(in)) {
        p->CurrentLeader.LeaderId = (int32_t)kr_fuzz_u32(in);
        p->CurrentLeader.LeaderEpoch = (int32_t)kr_fuzz_u32(in);
    }
}

/* A random ProduceResponse of version v, as the reader decodes it. */
static inline void kr_fuzz_gen_produce(kr_fuzz_in_t *in, int16_t v, kr_fuzz_model_t *m,
                                       kr_ProduceResponse_t *out)
{
    memset(out, 0, sizeof(*out));
    out->topic_pool = m->ptopics;
    out->topic_cap = KR_FUZZ_MAX_TOPICS;
    out->part_pool = m->pparts;
    out->part_cap = KR_FUZZ_MAX_PARTS;
    out->record_error_pool = m->perrs;
    out->record_error_cap = KR_FUZZ_MAX_ERRS;
    out->node_endpoint_pool = m->nodes;
    out->node_endpoint_cap = KR_FUZZ_MAX_NODES;
    out->topic_cnt = (int32_t)kr_fuzz_below(in, KR_FUZZ_MAX_TOPICS + 1);
    out->Responses = out->topic_cnt > 0 ? m->ptopics : NULL;
    for (int32_t i = 0; i < out->topic_cnt; i++) {
        kr_ProduceTopicResponse_t *t = &m->ptopics[i];
        memset(t->TopicId, 0, 16);
        t->Name = (kr_str_t){NULL, -1};
        if (v >= 13)
            kr_fuzz_gen_uuid(in, t->TopicId);
        else
            t->Name = kr_fuzz_gen_name(in, false);
        t->part_cnt = (int32_t)kr_fuzz_below(in, 5);
        t->parts = t->part_cnt > 0 ? m->pparts + out->part_used : NULL;
        out->part_used += t->part_cnt;
        for (int32_t j = 0; j < t->part_cnt; j++)
            kr_fuzz_gen_ppart(in, v, m, out, &t->parts[j]);
    }
    out->ThrottleTimeMs = (int32_t)kr_fuzz_u32(in);
    if (v >= 10 && kr_fuzz_bool(in)) {
        out->node_endpoint_cnt = (int32_t)kr_fuzz_below(in, KR_FUZZ_MAX_NODES + 1);
        out->NodeEndpoints = out->node_endpoint_cnt > 0 ? m->nodes : NULL;
        for (int32_t i = 0; i < out->node_endpoint_cnt; i++) {
            kr_ProduceNodeEndpoint_t *e = &m->nodes[i];
            e->NodeId = (int32_t)kr_fuzz_u32(in);
            e->Host = kr_fuzz_gen_name(in, false);
            e->Port = (int32_t)kr_fuzz_u32(in);
            e->Rack = kr_fuzz_gen_name(in, true);
        }
    }
}

/* Tag 0 of a partition (v10+): CurrentLeader, a struct with its own tag section. */
static inline size_t kr_fuzz_enc_leader(uint8_t *mem, size_t cap, kr_fuzz_in_t *in,
                                        kr_ProduceLeader_t l)
{
    kr_wbuf_t s;
    kr_wbuf_init(&s, mem, cap);
    kr_wbuf_i32(&s, l.LeaderId);
    kr_wbuf_i32(&s, l.LeaderEpoch);
    kr_fuzz_tags(&s, in, true);
    KR_FUZZ_CHECK_EQ(s.err, 0);
    return kr_wbuf_len(&s);
}

/*
 * A partition's tag section: from v10 CurrentLeader as tag 0 when it is not the
 * default, sometimes preceded by a decoy tag 0 that the real one must replace.
 */
static inline void kr_fuzz_enc_ppart_tags(kr_wbuf_t *w, kr_fuzz_in_t *in, int16_t v,
                                          const kr_ProducePartitionResponse_t *p)
{
    kr_fuzz_tag_t known[2];
    size_t n = 0;
    /* 8 bytes, then up to two unknown tags of 5 + 1 + 64 bytes and their count. */
    uint8_t decoy[160], real[160];
    bool set = p->CurrentLeader.LeaderId != -1 || p->CurrentLeader.LeaderEpoch != -1;
    if (v >= 10 && set) {
        if (in != NULL && kr_fuzz_below(in, 8) == 0) {
            kr_ProduceLeader_t d = {(int32_t)kr_fuzz_u32(in), (int32_t)kr_fuzz_u32(in)};
            known[n++] = (kr_fuzz_tag_t){0, decoy, kr_fuzz_enc_leader(decoy, sizeof(decoy), in, d)};
        }
        known[n++] =
            (kr_fuzz_tag_t){0, real, kr_fuzz_enc_leader(real, sizeof(real), in, p->CurrentLeader)};
    }
    /* Below v10 tag 0 is unknown too; from v10 unknown tags start at 1. */
    kr_fuzz_put_tags(w, in, v >= 10 ? 1 : 0, known, n);
}

static inline void kr_fuzz_enc_ppart(kr_wbuf_t *w, kr_fuzz_in_t *in, int16_t v,
                                     const kr_ProducePartitionResponse_t *p)
{
    bool flex = v >= 9;
    kr_wbuf_i32(w, p->Index);
    kr_wbuf_i16(w, p->ErrorCode);
    kr_wbuf_i64(w, p->BaseOffset);
    kr_wbuf_i64(w, p->LogAppendTimeMs);
    if (v >= 5)
        kr_wbuf_i64(w, p->LogStartOffset);
    if (v >= 8) {
        kr_wbuf_arraylen(w, flex, p->record_error_cnt);
        for (int32_t i = 0; i < p->record_error_cnt; i++) {
            kr_wbuf_i32(w, p->RecordErrors[i].BatchIndex);
            kr_fuzz_put_nstr(w, flex, p->RecordErrors[i].BatchIndexErrorMessage);
            kr_fuzz_tags(w, in, flex);
        }
        kr_fuzz_put_nstr(w, flex, p->ErrorMessage);
    }
    if (flex)
        kr_fuzz_enc_ppart_tags(w, in, v, p);
}

/* The top-level NodeEndpoints tag payload (v10+). Returns its length. */
static inline size_t kr_fuzz_enc_node_endpoints(uint8_t *mem, size_t cap, kr_fuzz_in_t *in,
                                                const kr_ProduceResponse_t *r)
{
    kr_wbuf_t s;
    kr_wbuf_init(&s, mem, cap);
    kr_wbuf_arraylen(&s, true, r->node_endpoint_cnt);
    for (int32_t i = 0; i < r->node_endpoint_cnt; i++) {
        const kr_ProduceNodeEndpoint_t *e = &r->NodeEndpoints[i];
        kr_wbuf_i32(&s, e->NodeId);
        kr_fuzz_put_str(&s, true, e->Host);
        kr_wbuf_i32(&s, e->Port);
        kr_fuzz_put_nstr(&s, true, e->Rack);
        kr_fuzz_tags(&s, in, true);
    }
    KR_FUZZ_CHECK_EQ(s.err, 0);
    return kr_wbuf_len(&s);
}

static inline void kr_fuzz_enc_produce(kr_wbuf_t *w, kr_fuzz_in_t *in, int16_t v,
                                       const kr_ProduceResponse_t *r)
{
    bool flex = v >= 9;
    kr_wbuf_arraylen(w, flex, r->topic_cnt);
    for (int32_t i = 0; i < r->topic_cnt; i++) {
        const kr_ProduceTopicResponse_t *t = &r->Responses[i];
        if (v >= 13)
            kr_wbuf_uuid(w, t->TopicId);
        else
            kr_fuzz_put_str(w, flex, t->Name);
        kr_wbuf_arraylen(w, flex, t->part_cnt);
        for (int32_t j = 0; j < t->part_cnt; j++)
            kr_fuzz_enc_ppart(w, in, v, &t->parts[j]);
        kr_fuzz_tags(w, in, flex);
    }
    kr_wbuf_i32(w, r->ThrottleTimeMs);
    if (!flex)
        return;
    kr_fuzz_tag_t known[1];
    size_t n = 0;
    uint8_t *nodes = NULL;
    if (v >= 10 && r->node_endpoint_cnt > 0) {
        /* Per endpoint: fixed fields, two strings, a tag section of up to 160 bytes. */
        size_t cap = 5;
        for (int32_t i = 0; i < r->node_endpoint_cnt; i++)
            cap += 4 + 5 + (size_t)(r->NodeEndpoints[i].Host.len + 1) + 4 + 5 +
                   (size_t)(r->NodeEndpoints[i].Rack.len + 1) + 160;
        nodes = malloc(cap);
        KR_FUZZ_CHECK(nodes != NULL);
        known[n++] = (kr_fuzz_tag_t){0, nodes, kr_fuzz_enc_node_endpoints(nodes, cap, in, r)};
    }
    kr_fuzz_put_tags(w, in, v >= 10 ? 1 : 0, known, n);
    free(nodes);
}

static inline void kr_fuzz_check_produce(const kr_ProduceResponse_t *r, int16_t v,
                                         const uint8_t *buf, size_t len)
{
    KR_FUZZ_CHECK(r->topic_cnt >= 0 && r->topic_cnt <= r->topic_cap);
    KR_FUZZ_CHECK(r->part_used >= 0 && r->part_used <= r->part_cap);
    KR_FUZZ_CHECK(r->record_error_used >= 0 && r->record_error_used <= r->record_error_cap);
    KR_FUZZ_CHECK(r->node_endpoint_cnt >= 0 && r->node_endpoint_cnt <= r->node_endpoint_cap);
    KR_FUZZ_CHECK(r->Responses == (r->topic_cnt > 0 ? r->topic_pool : NULL));
    KR_FUZZ_CHECK(r->NodeEndpoints == (r->node_endpoint_cnt > 0 ? r->node_endpoint_pool : NULL));
    if (v < 10)
        KR_FUZZ_CHECK_EQ(r->node_endpoint_cnt, 0);
    /* Topics own consecutive ranges of the partition pool, partitions of the error pool. */
    int32_t next_part = 0, next_err = 0;
    for (int32_t i = 0; i < r->topic_cnt; i++) {
        const kr_ProduceTopicResponse_t *t = &r->Responses[i];
        if (v >= 13) {
            KR_FUZZ_CHECK(t->Name.len == -1 && t->Name.ptr == NULL);
        } else {
            kr_fuzz_check_str(t->Name, false, buf, len);
            KR_FUZZ_CHECK(memcmp(t->TopicId, kr_fuzz_zero_uuid, 16) == 0);
        }
        KR_FUZZ_CHECK(t->part_cnt >= 0);
        KR_FUZZ_CHECK(t->parts == (t->part_cnt > 0 ? r->part_pool + next_part : NULL));
        next_part += t->part_cnt;
        KR_FUZZ_CHECK(next_part <= r->part_used);
        for (int32_t j = 0; j < t->part_cnt; j++) {
            const kr_ProducePartitionResponse_t *p = &t->parts[j];
            KR_FUZZ_CHECK(p->record_error_cnt >= 0);
            KR_FUZZ_CHECK(p->RecordErrors ==
                          (p->record_error_cnt > 0 ? r->record_error_pool + next_err : NULL));
            next_err += p->record_error_cnt;
            KR_FUZZ_CHECK(next_err <= r->record_error_used);
            for (int32_t k = 0; k < p->record_error_cnt; k++)
                kr_fuzz_check_str(p->RecordErrors[k].BatchIndexErrorMessage, true, buf, len);
            kr_fuzz_check_str(p->ErrorMessage, true, buf, len);
            if (v < 8)
                KR_FUZZ_CHECK(p->record_error_cnt == 0 && p->ErrorMessage.len == -1);
            if (v < 5)
                KR_FUZZ_CHECK_EQ(p->LogStartOffset, -1);
            if (v < 10)
                KR_FUZZ_CHECK(p->CurrentLeader.LeaderId == -1 &&
                              p->CurrentLeader.LeaderEpoch == -1);
        }
    }
    KR_FUZZ_CHECK_EQ(next_part, r->part_used);
    KR_FUZZ_CHECK_EQ(next_err, r->record_error_used);
    for (int32_t i = 0; i < r->node_endpoint_cnt; i++) {
        kr_fuzz_check_str(r->NodeEndpoints[i].Host, false, buf, len);
        kr_fuzz_check_str(r->NodeEndpoints[i].Rack, true, buf, len);
    }
}

static inline bool kr_fuzz_eq_ppart(const kr_ProducePartitionResponse_t *x,
                                    const kr_ProducePartitionResponse_t *y)
{
    if (x->Index != y->Index || x->ErrorCode != y->ErrorCode || x->BaseOffset != y->BaseOffset ||
        x->LogAppendTimeMs != y->LogAppendTimeMs || x->LogStartOffset != y->LogStartOffset ||
        x->record_error_cnt != y->record_error_cnt ||
        !kr_fuzz_str_eq(x->ErrorMessage, y->ErrorMessage) ||
        x->CurrentLeader.LeaderId != y->CurrentLeader.LeaderId ||
        x->CurrentLeader.LeaderEpoch != y->CurrentLeader.LeaderEpoch)
        return false;
    for (int32_t k = 0; k < x->record_error_cnt; k++)
        if (x->RecordErrors[k].BatchIndex != y->RecordErrors[k].BatchIndex ||
            !kr_fuzz_str_eq(x->RecordErrors[k].BatchIndexErrorMessage,
                            y->RecordErrors[k].BatchIndexErrorMessage))
            return false;
    return true;
}

static inline bool kr_fuzz_eq_produce(const kr_ProduceResponse_t *a, const kr_ProduceResponse_t *b)
{
    if (a->topic_cnt != b->topic_cnt || a->ThrottleTimeMs != b->ThrottleTimeMs ||
        a->node_endpoint_cnt != b->node_endpoint_cnt || a->part_used != b->part_used ||
        a->record_error_used != b->record_error_used)
        return false;
    for (int32_t i = 0; i < a->topic_cnt; i++) {
        const kr_ProduceTopicResponse_t *x = &a->Responses[i], *y = &b->Responses[i];
        if (!kr_fuzz_str_eq(x->Name, y->Name) || memcmp(x->TopicId, y->TopicId, 16) != 0 ||
            x->part_cnt != y->part_cnt)
            return false;
        for (int32_t j = 0; j < x->part_cnt; j++)
            if (!kr_fuzz_eq_ppart(&x->parts[j], &y->parts[j]))
                return false;
    }
    for (int32_t i = 0; i < a->node_endpoint_cnt; i++) {
        const kr_ProduceNodeEndpoint_t *x = &a->NodeEndpoints[i], *y = &b->NodeEndpoints[i];
        if (x->NodeId != y->NodeId || !kr_fuzz_str_eq(x->Host, y->Host) || x->Port != y->Port ||
            !kr_fuzz_str_eq(x->Rack, y->Rack))
            return false;
    }
    return true;
}

#endif
