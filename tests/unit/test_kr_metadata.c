/*
 * Metadata: golden request and response bodies built by hand from MetadataRequest.json /
 * MetadataResponse.json for every distinct layout, round trips of random responses
 * through a test-side encoder at every version, storage limits, lying counts,
 * truncations and corruptions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kr_decode_check.h"
#include "kr_header.h"
#include "kr_metadata.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t topic_uuid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* ---- requests ---- */

static const kr_MetadataRequestTopic_t by_name[] = {{{0}, "t1", 2}};

/* Distinct flag values so each byte shows which field it is. */
static const kr_MetadataRequest_t req_by_name = {by_name, 1, false, true, false};

/* Writes req at version and checks the bytes against want. */
static void check_request(int16_t version, const kr_MetadataRequest_t *req, const uint8_t *want,
                          size_t want_len)
{
    uint8_t mem[128];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    assert_int_equal(kr_MetadataRequest_write(&w, version, req), 0);
    assert_int_equal(kr_wbuf_len(&w), want_len);
    assert_memory_equal(mem, want, want_len);
}

/* Request goldens of req_by_name, one per distinct layout. */
/* clang-format off */
static const uint8_t req_v1[] = {
    0x00, 0x00, 0x00, 0x01, /* Topics: int32 count 1 */
    0x00, 0x02, 't',  '1',  /*   [0] Name "t1" */
};

static const uint8_t req_v4[] = {
    0x00, 0x00, 0x00, 0x01, /* Topics: int32 count 1 */
    0x00, 0x02, 't',  '1',  /*   [0] Name "t1" */
    0x00,                   /* AllowAutoTopicCreation false (v4+) */
};

static const uint8_t req_v8[] = {
    0x00, 0x00, 0x00, 0x01, /* Topics: int32 count 1 */
    0x00, 0x02, 't',  '1',  /*   [0] Name "t1" */
    0x00,                   /* AllowAutoTopicCreation false */
    0x01,                   /* IncludeClusterAuthorizedOperations true (v8..v10) */
    0x00,                   /* IncludeTopicAuthorizedOperations false (v8+) */
};

static const uint8_t req_v9[] = {
    0x02,           /* Topics: compact count 1+1 */
    0x03, 't', '1', /*   [0] Name: compact "t1" */
    0x00,           /*       tagged fields: none */
    0x00,           /* AllowAutoTopicCreation false */
    0x01,           /* IncludeClusterAuthorizedOperations true */
    0x00,           /* IncludeTopicAuthorizedOperations false */
    0x00,           /* tagged fields: none */
};

static const uint8_t req_v10[] = {
    0x02,                                           /* Topics: compact count 1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*   [0] TopicId: zero (by name) */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x03, 't',  '1', /*       Name: compact "t1" */
    0x00,            /*       tagged fields: none */
    0x00,            /* AllowAutoTopicCreation false */
    0x01,            /* IncludeClusterAuthorizedOperations */
    0x00,            /* IncludeTopicAuthorizedOperations */
    0x00,            /* tagged fields: none */
};

/* v11 drops IncludeClusterAuthorizedOperations; v12 and v13 have the v11 layout. */
static const uint8_t req_v11[] = {
    0x02,                                           /* Topics: compact count 1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*   [0] TopicId: zero */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x03, 't',  '1', /*       Name: compact "t1" */
    0x00,            /*       tagged fields: none */
    0x00,            /* AllowAutoTopicCreation false */
    0x00,            /* IncludeTopicAuthorizedOperations */
    0x00,            /* tagged fields: none */
};
/* clang-format on */

/* Every version from..to writes req_by_name as want. */
static const struct {
    int16_t from;
    int16_t to;
    const uint8_t *want;
    size_t len;
} req_goldens[] = {
    {1, 3, req_v1, sizeof(req_v1)},     {4, 7, req_v4, sizeof(req_v4)},
    {8, 8, req_v8, sizeof(req_v8)},     {9, 9, req_v9, sizeof(req_v9)},
    {10, 10, req_v10, sizeof(req_v10)}, {11, 13, req_v11, sizeof(req_v11)},
};

static void test_request_goldens(void **state)
{
    (void)state;
    int16_t next = 1;
    for (size_t i = 0; i < N_ELEMS(req_goldens); i++) {
        assert_int_equal(req_goldens[i].from, next); /* every version, once */
        for (int16_t v = req_goldens[i].from; v <= req_goldens[i].to; v++)
            check_request(v, &req_by_name, req_goldens[i].want, req_goldens[i].len);
        next = (int16_t)(req_goldens[i].to + 1);
    }
    assert_int_equal(next, 14);
}

static void test_request_by_id_v12(void **state)
{
    (void)state;
    kr_MetadataRequestTopic_t t = {{0}, NULL, 0};
    memcpy(t.TopicId, topic_uuid, 16);
    kr_MetadataRequest_t req = {&t, 1, false, false, true};
    const uint8_t want[] = {
        0x02,                                                 /* Topics: compact count 1 */
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,       /*   [0] TopicId */
        0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x00, /*       Name: compact null */
        0x00,                                                 /*       tagged fields: none */
        0x00,                                                 /* AllowAutoTopicCreation false */
        0x01,                                                 /* IncludeTopicAuthorizedOperations */
        0x00,                                                 /* tagged fields: none */
    };
    check_request(12, &req, want, sizeof(want));
    check_request(13, &req, want, sizeof(want));
}

static void test_request_all_and_no_topics(void **state)
{
    (void)state;
    kr_MetadataRequest_t all = {NULL, -1, false, false, false};
    const uint8_t all_v1[] = {0xff, 0xff, 0xff, 0xff}; /* Topics: null = all topics */
    check_request(1, &all, all_v1, sizeof(all_v1));
    const uint8_t all_v9[] = {
        0x00, /* Topics: compact null = all topics */
        0x00, /* AllowAutoTopicCreation false */
        0x00, /* IncludeClusterAuthorizedOperations false */
        0x00, /* IncludeTopicAuthorizedOperations false */
        0x00, /* tagged fields: none */
    };
    check_request(9, &all, all_v9, sizeof(all_v9));
    kr_MetadataRequest_t none = {NULL, 0, true, false, false};
    const uint8_t none_v4[] = {
        0x00, 0x00, 0x00, 0x00, /* Topics: empty = no topics */
        0x01,                   /* AllowAutoTopicCreation true */
    };
    check_request(4, &none, none_v4, sizeof(none_v4));
    const uint8_t none_v12[] = {
        0x01, /* Topics: compact count 0 */
        0x01, /* AllowAutoTopicCreation true */
        0x00, /* IncludeTopicAuthorizedOperations false */
        0x00, /* tagged fields: none */
    };
    check_request(12, &none, none_v12, sizeof(none_v12));
}

static void test_request_errors(void **state)
{
    (void)state;
    uint8_t mem[8];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    assert_int_equal(kr_MetadataRequest_write(&w, 0, &req_by_name), KR_EVERSION);
    assert_int_equal(kr_MetadataRequest_write(&w, 14, &req_by_name), KR_EVERSION);
    kr_MetadataRequestTopic_t t = {{0}, NULL, 0};
    kr_MetadataRequest_t req = {&t, 1, false, false, false};
    assert_int_equal(kr_MetadataRequest_write(&w, 9, &req), KR_EVERSION);
    t.Name = "t1";
    t.NameLen = 2;
    t.TopicId[15] = 1;
    assert_int_equal(kr_MetadataRequest_write(&w, 9, &req), KR_EVERSION);
    assert_int_equal(kr_wbuf_len(&w), 0);
    assert_int_equal(kr_MetadataRequest_write(&w, 12, &req_by_name), KR_ENOSPC);
}

/* ---- response goldens, one per distinct layout ---- */

/*
 * Every golden but resp_v12 encodes one model (main_model below): one broker, a topic "t"
 * with one partition. A golden is the byte fragments its version's layout has, in
 * MetadataResponse.json's order; each fragment is written once, a comment per field.
 */
/* clang-format off */

/* v1..v8: int16 strings, int32 counts. */
#define MD_THROTTLE \
    0x00, 0x00, 0x00, 0x07, /* ThrottleTimeMs 7 (v3+) */
#define MD_BROKERS \
    0x00, 0x00, 0x00, 0x01, /* Brokers: int32 count 1 */ \
    0x00, 0x00, 0x00, 0x01, /*   [0] NodeId 1 */ \
    0x00, 0x02, 'h',  '1',  /*       Host "h1" */ \
    0x00, 0x00, 0x23, 0x84, /*       Port 9092 */ \
    0x00, 0x01, 'r',        /*       Rack "r" (nullable) */
#define MD_CLUSTER_ID \
    0x00, 0x01, 'c',        /* ClusterId "c" (v2+) */
#define MD_CONTROLLER \
    0x00, 0x00, 0x00, 0x01, /* ControllerId 1 */
#define MD_TOPIC_TO_LEADER \
    0x00, 0x00, 0x00, 0x01, /* Topics: int32 count 1 */ \
    0x00, 0x00,             /*   [0] ErrorCode 0 */ \
    0x00, 0x01, 't',        /*       Name "t" */ \
    0x01,                   /*       IsInternal true */ \
    0x00, 0x00, 0x00, 0x01, /*       Partitions: int32 count 1 */ \
    0x00, 0x09,             /*         [0] ErrorCode 9 REPLICA_NOT_AVAILABLE */ \
    0x00, 0x00, 0x00, 0x00, /*             PartitionIndex 0 */ \
    0x00, 0x00, 0x00, 0x01, /*             LeaderId 1 */
#define MD_LEADER_EPOCH \
    0x00, 0x00, 0x00, 0x05, /*             LeaderEpoch 5 (v7+) */
#define MD_NODES \
    0x00, 0x00, 0x00, 0x02, /*             ReplicaNodes: count 2 */ \
    0x00, 0x00, 0x00, 0x01, /*               1 */ \
    0x00, 0x00, 0x00, 0x02, /*               2 */ \
    0x00, 0x00, 0x00, 0x01, /*             IsrNodes: count 1 */ \
    0x00, 0x00, 0x00, 0x01, /*               1 */
#define MD_OFFLINE \
    0x00, 0x00, 0x00, 0x01, /*             OfflineReplicas: count 1 (v5+) */ \
    0x00, 0x00, 0x00, 0x02, /*               2 */
#define MD_TOPIC_AUTH_OPS \
    0x00, 0x00, 0x0f, 0xf8, /*       TopicAuthorizedOperations 0xff8 (v8+) */
#define MD_CLUSTER_AUTH_OPS \
    0x00, 0x00, 0x01, 0x23, /* ClusterAuthorizedOperations 0x123 (v8..v10) */

/* v9..v13 (flexible): compact strings and counts (n + 1), tagged fields. */
#define MDF_HEAD \
    MD_THROTTLE \
    0x02,                   /* Brokers: compact count 1 */ \
    0x00, 0x00, 0x00, 0x01, /*   [0] NodeId 1 */ \
    0x03, 'h',  '1',        /*       Host: compact "h1" */ \
    0x00, 0x00, 0x23, 0x84, /*       Port 9092 */ \
    0x02, 'r',              /*       Rack: compact "r" */ \
    0x00,                   /*       tagged fields: none */ \
    0x02, 'c',              /* ClusterId: compact "c" */ \
    MD_CONTROLLER
#define MDF_ONE_TOPIC \
    0x02,                   /* Topics: compact count 1 */
#define MDF_TOPIC_NAME \
    0x00, 0x00,             /*   [0] ErrorCode 0 */ \
    0x02, 't',              /*       Name: compact "t" */
#define MDF_TOPIC_ID \
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /*       TopicId (v10+) */ \
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
#define MDF_TOPIC_REST \
    0x01,                   /*       IsInternal true */ \
    0x02,                   /*       Partitions: compact count 1 */ \
    0x00, 0x09,             /*         [0] ErrorCode 9 */ \
    0x00, 0x00, 0x00, 0x00, /*             PartitionIndex 0 */ \
    0x00, 0x00, 0x00, 0x01, /*             LeaderId 1 */ \
    MD_LEADER_EPOCH \
    0x03,                   /*             ReplicaNodes: compact count 2 */ \
    0x00, 0x00, 0x00, 0x01, /*               1 */ \
    0x00, 0x00, 0x00, 0x02, /*               2 */ \
    0x02,                   /*             IsrNodes: compact count 1 */ \
    0x00, 0x00, 0x00, 0x01, /*               1 */ \
    0x02,                   /*             OfflineReplicas: compact count 1 */ \
    0x00, 0x00, 0x00, 0x02, /*               2 */ \
    0x00,                   /*             tagged fields: none */ \
    MD_TOPIC_AUTH_OPS \
    0x00,                   /*       tagged fields: none */
#define MDF_TAGS \
    0x00,                   /* tagged fields: none */

static const uint8_t resp_v1[] = {
    MD_BROKERS MD_CONTROLLER MD_TOPIC_TO_LEADER MD_NODES
};

static const uint8_t resp_v2[] = {
    MD_BROKERS MD_CLUSTER_ID MD_CONTROLLER MD_TOPIC_TO_LEADER MD_NODES
};

/* v3 and v4. */
static const uint8_t resp_v3[] = {
    MD_THROTTLE MD_BROKERS MD_CLUSTER_ID MD_CONTROLLER MD_TOPIC_TO_LEADER MD_NODES
};

/* v5 and v6. */
static const uint8_t resp_v5[] = {
    MD_THROTTLE MD_BROKERS MD_CLUSTER_ID MD_CONTROLLER MD_TOPIC_TO_LEADER MD_NODES MD_OFFLINE
};

static const uint8_t resp_v7[] = {
    MD_THROTTLE MD_BROKERS MD_CLUSTER_ID MD_CONTROLLER MD_TOPIC_TO_LEADER MD_LEADER_EPOCH
    MD_NODES MD_OFFLINE
};

static const uint8_t resp_v8[] = {
    MD_THROTTLE MD_BROKERS MD_CLUSTER_ID MD_CONTROLLER MD_TOPIC_TO_LEADER MD_LEADER_EPOCH
    MD_NODES MD_OFFLINE MD_TOPIC_AUTH_OPS MD_CLUSTER_AUTH_OPS
};

static const uint8_t resp_v9[] = {
    MDF_HEAD MDF_ONE_TOPIC MDF_TOPIC_NAME MDF_TOPIC_REST MD_CLUSTER_AUTH_OPS MDF_TAGS
};

static const uint8_t resp_v10[] = {
    MDF_HEAD MDF_ONE_TOPIC MDF_TOPIC_NAME MDF_TOPIC_ID MDF_TOPIC_REST MD_CLUSTER_AUTH_OPS
    MDF_TAGS
};

/* v11: ClusterAuthorizedOperations is gone. v12 reads the same bytes. */
static const uint8_t resp_v11[] = {
    MDF_HEAD MDF_ONE_TOPIC MDF_TOPIC_NAME MDF_TOPIC_ID MDF_TOPIC_REST MDF_TAGS
};

/* v12: a second topic asked for by an id the broker does not know has a null Name. */
static const uint8_t resp_v12[] = {
    MDF_HEAD
    0x03,                   /* Topics: compact count 2 */
    MDF_TOPIC_NAME MDF_TOPIC_ID MDF_TOPIC_REST
    0x00, 0x64,             /*   [1] ErrorCode 100 UNKNOWN_TOPIC_ID */
    0x00,                   /*       Name: compact null (v12+) */
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, /*       TopicId as asked */
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0x00,                   /*       IsInternal false */
    0x01,                   /*       Partitions: compact count 0 */
    0x80, 0x00, 0x00, 0x00, /*       TopicAuthorizedOperations unset */
    0x00,                   /*       tagged fields: none */
    MDF_TAGS
};

static const uint8_t resp_v13[] = {
    MDF_HEAD MDF_ONE_TOPIC MDF_TOPIC_NAME MDF_TOPIC_ID MDF_TOPIC_REST
    0x00, 0x00,             /* ErrorCode 0 (v13+) */
    MDF_TAGS
};

/* clang-format on */

/* v13 with a top-level error (KIP-1102): nothing else to report. */
static const uint8_t resp_v13_rebootstrap[] = {
    0x00, 0x00, 0x00, 0x00, /* ThrottleTimeMs 0 */
    0x01,                   /* Brokers: compact count 0 */
    0x00,                   /* ClusterId: compact null */
    0xff, 0xff, 0xff, 0xff, /* ControllerId -1 */
    0x01,                   /* Topics: compact count 0 */
    0x00, 0x81,             /* ErrorCode 129 REBOOTSTRAP_REQUIRED */
    0x00,                   /* tagged fields: none */
};

/* Storage for one decode. */
typedef struct {
    kr_MetadataResponseBroker_t brokers[8];
    kr_MetadataResponseTopic_t topics[8];
    kr_MetadataResponsePartition_t partitions[32];
} md_store_t;

static int read_md(const uint8_t *buf, size_t len, int16_t v, kr_MetadataResponse_t *out,
                   md_store_t *st, int32_t nb, int32_t nt, int32_t np)
{
    memset(out, 0, sizeof(*out));
    out->Brokers = st->brokers;
    out->BrokersCap = nb;
    out->Topics = st->topics;
    out->TopicsCap = nt;
    out->Partitions = st->partitions;
    out->PartitionsCap = np;
    kr_rbuf_t r;
    kr_rbuf_init(&r, buf, len);
    return kr_MetadataResponse_read(&r, v, out);
}

static void assert_str(kr_str_t s, const char *want)
{
    if (want == NULL) {
        assert_int_equal(s.len, -1);
        return;
    }
    assert_int_equal(s.len, (int32_t)strlen(want));
    assert_memory_equal(s.ptr, want, strlen(want));
}

/* Checks the fields every golden above shares, as they read at `version`. */
static void check_common(const kr_MetadataResponse_t *m, int16_t v)
{
    assert_int_equal(m->ThrottleTimeMs, v >= 3 ? 7 : 0);
    assert_int_equal(m->BrokersCount, 1);
    assert_int_equal(m->Brokers[0].NodeId, 1);
    assert_str(m->Brokers[0].Host, "h1");
    assert_int_equal(m->Brokers[0].Port, 9092);
    assert_str(m->Brokers[0].Rack, "r");
    assert_str(m->ClusterId, v >= 2 ? "c" : NULL);
    assert_int_equal(m->ControllerId, 1);
    const kr_MetadataResponseTopic_t *t = &m->Topics[0];
    assert_int_equal(t->ErrorCode, 0);
    assert_str(t->Name, "t");
    const uint8_t zero[16] = {0};
    assert_memory_equal(t->TopicId, v >= 10 ? topic_uuid : zero, 16);
    assert_true(t->IsInternal);
    assert_int_equal(t->PartitionsFirst, 0);
    assert_int_equal(t->PartitionsCount, 1);
    assert_int_equal(t->TopicAuthorizedOperations, v >= 8 ? 0xff8 : INT32_MIN);
    const kr_MetadataResponsePartition_t *p = &m->Partitions[0];
    assert_int_equal(p->ErrorCode, 9);
    assert_int_equal(p->PartitionIndex, 0);
    assert_int_equal(p->LeaderId, 1);
    assert_int_equal(p->LeaderEpoch, v >= 7 ? 5 : -1);
    assert_int_equal(p->ReplicaNodesCount, 2);
    assert_int_equal(kr_metadata_node_at(p->ReplicaNodes, 0), 1);
    assert_int_equal(kr_metadata_node_at(p->ReplicaNodes, 1), 2);
    assert_int_equal(p->IsrNodesCount, 1);
    assert_int_equal(kr_metadata_node_at(p->IsrNodes, 0), 1);
    assert_int_equal(p->OfflineReplicasCount, v >= 5 ? 1 : 0);
    assert_int_equal(m->ClusterAuthorizedOperations, v >= 8 && v <= 10 ? 0x123 : INT32_MIN);
    assert_int_equal(m->ErrorCode, 0);
}

typedef struct {
    const uint8_t *buf;
    size_t len;
    int16_t version;
} golden_t;

/* Every version 1..13 with the golden it reads. */
static const golden_t goldens[] = {
    {resp_v1, sizeof(resp_v1), 1},    {resp_v2, sizeof(resp_v2), 2},
    {resp_v3, sizeof(resp_v3), 3},    {resp_v3, sizeof(resp_v3), 4},
    {resp_v5, sizeof(resp_v5), 5},    {resp_v5, sizeof(resp_v5), 6},
    {resp_v7, sizeof(resp_v7), 7},    {resp_v8, sizeof(resp_v8), 8},
    {resp_v9, sizeof(resp_v9), 9},    {resp_v10, sizeof(resp_v10), 10},
    {resp_v11, sizeof(resp_v11), 11}, {resp_v11, sizeof(resp_v11), 12},
    {resp_v12, sizeof(resp_v12), 12}, {resp_v13, sizeof(resp_v13), 13},
};

static void test_response_goldens(void **state)
{
    (void)state;
    md_store_t st;
    kr_MetadataResponse_t m;
    for (size_t i = 0; i < N_ELEMS(goldens); i++) {
        const golden_t *g = &goldens[i];
        assert_int_equal(read_md(g->buf, g->len, g->version, &m, &st, 8, 8, 32), 0);
        check_common(&m, g->version);
        assert_int_equal(m.TopicsCount, g->buf == resp_v12 ? 2 : 1);
        assert_int_equal(m.PartitionsCount, 1);
    }
    assert_int_equal(read_md(resp_v12, sizeof(resp_v12), 12, &m, &st, 8, 8, 32), 0);
    const kr_MetadataResponseTopic_t *t = &m.Topics[1];
    assert_int_equal(t->ErrorCode, 100);
    assert_str(t->Name, NULL);
    const uint8_t aa[16] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
                            0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
    assert_memory_equal(t->TopicId, aa, 16);
    assert_false(t->IsInternal);
    assert_int_equal(t->PartitionsFirst, 1);
    assert_int_equal(t->PartitionsCount, 0);
    assert_int_equal(t->TopicAuthorizedOperations, INT32_MIN);
}

static void test_response_v13_top_level_error(void **state)
{
    (void)state;
    md_store_t st;
    kr_MetadataResponse_t m;
    const uint8_t *b = resp_v13_rebootstrap;
    assert_int_equal(read_md(b, sizeof(resp_v13_rebootstrap), 13, &m, &st, 0, 0, 0), 0);
    assert_int_equal(m.ErrorCode, 129);
    assert_int_equal(m.BrokersCount, 0);
    assert_int_equal(m.TopicsCount, 0);
    assert_int_equal(m.ControllerId, -1);
    assert_str(m.ClusterId, NULL);
    /* The same bytes as v12 leave the ErrorCode over. */
    assert_int_equal(read_md(b, sizeof(resp_v13_rebootstrap), 12, &m, &st, 0, 0, 0), KR_EMALFORMED);
}

/*
 * A body of one layout read as a neighbouring version must not pass. (Not every pair
 * fails: resp_v5 happens to parse as v7, its ReplicaNodes count taken as LeaderEpoch.)
 */
static void test_response_wrong_layout(void **state)
{
    (void)state;
    md_store_t st;
    kr_MetadataResponse_t m;
    const struct {
        const uint8_t *buf;
        size_t len;
        int16_t as;
    } cases[] = {
        {resp_v1, sizeof(resp_v1), 2},    {resp_v2, sizeof(resp_v2), 1},
        {resp_v2, sizeof(resp_v2), 3},    {resp_v3, sizeof(resp_v3), 5},
        {resp_v5, sizeof(resp_v5), 4},    {resp_v5, sizeof(resp_v5), 8},
        {resp_v7, sizeof(resp_v7), 8},    {resp_v8, sizeof(resp_v8), 7},
        {resp_v8, sizeof(resp_v8), 9},    {resp_v9, sizeof(resp_v9), 8},
        {resp_v9, sizeof(resp_v9), 10},   {resp_v10, sizeof(resp_v10), 11},
        {resp_v11, sizeof(resp_v11), 10}, {resp_v11, sizeof(resp_v11), 13},
        {resp_v12, sizeof(resp_v12), 11}, {resp_v13, sizeof(resp_v13), 12},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++)
        assert_int_not_equal(read_md(cases[i].buf, cases[i].len, cases[i].as, &m, &st, 8, 8, 32),
                             0);
}

static void test_response_bad_version(void **state)
{
    (void)state;
    md_store_t st;
    kr_MetadataResponse_t m;
    assert_int_equal(read_md(resp_v1, sizeof(resp_v1), 0, &m, &st, 8, 8, 32), KR_EVERSION);
    assert_int_equal(read_md(resp_v13, sizeof(resp_v13), 14, &m, &st, 8, 8, 32), KR_EVERSION);
}

static void test_response_storage_limits(void **state)
{
    (void)state;
    md_store_t st;
    kr_MetadataResponse_t m;
    assert_int_equal(read_md(resp_v9, sizeof(resp_v9), 9, &m, &st, 0, 8, 32), KR_ETOOMANY);
    assert_int_equal(read_md(resp_v9, sizeof(resp_v9), 9, &m, &st, 8, 0, 32), KR_ETOOMANY);
    assert_int_equal(read_md(resp_v9, sizeof(resp_v9), 9, &m, &st, 8, 8, 0), KR_ETOOMANY);
    assert_int_equal(read_md(resp_v12, sizeof(resp_v12), 12, &m, &st, 1, 1, 1), KR_ETOOMANY);
    assert_int_equal(read_md(resp_v12, sizeof(resp_v12), 12, &m, &st, 1, 2, 1), 0);
    assert_int_equal(read_md(resp_v1, sizeof(resp_v1), 1, &m, &st, 1, 1, 1), 0);
}

/* ---- lying counts and forbidden nulls, built from a v9 golden ---- */

/* Offsets into resp_v9 of the fields the cases below overwrite. */
enum {
    V9_BROKERS = 4,
    V9_HOST = 9,
    V9_TOPICS = 25,
    V9_NAME = 28,
    V9_PARTITIONS = 31,
    V9_REPLICAS = 46,
    V9_OFFLINE = 60,
};

static int read_v9_patched(size_t off, const uint8_t *patch, size_t n)
{
    uint8_t buf[sizeof(resp_v9)];
    memcpy(buf, resp_v9, sizeof(buf));
    memcpy(buf + off, patch, n);
    md_store_t st;
    kr_MetadataResponse_t m;
    return read_md(buf, sizeof(buf), 9, &m, &st, 8, 8, 32);
}

static void test_response_lying_counts(void **state)
{
    (void)state;
    assert_int_equal(resp_v9[V9_BROKERS], 0x02);
    assert_int_equal(resp_v9[V9_HOST], 0x03);
    assert_int_equal(resp_v9[V9_TOPICS], 0x02);
    assert_int_equal(resp_v9[V9_NAME], 0x02);
    assert_int_equal(resp_v9[V9_PARTITIONS], 0x02);
    assert_int_equal(resp_v9[V9_REPLICAS], 0x03);
    assert_int_equal(resp_v9[V9_OFFLINE], 0x02);
    const uint8_t big[] = {0x7f};  /* compact count 126 */
    const uint8_t null[] = {0x00}; /* compact null */
    const uint8_t two[] = {0x03};  /* compact count 2 */
    assert_int_equal(read_v9_patched(V9_BROKERS, big, 1), KR_ETRUNC);
    assert_int_equal(read_v9_patched(V9_BROKERS, null, 1), KR_EMALFORMED);
    assert_int_not_equal(read_v9_patched(V9_BROKERS, two, 1), 0);
    assert_int_equal(read_v9_patched(V9_HOST, null, 1), KR_EMALFORMED);
    assert_int_equal(read_v9_patched(V9_HOST, big, 1), KR_ETRUNC);
    assert_int_equal(read_v9_patched(V9_TOPICS, big, 1), KR_ETRUNC);
    assert_int_equal(read_v9_patched(V9_TOPICS, null, 1), KR_EMALFORMED);
    assert_int_equal(read_v9_patched(V9_NAME, null, 1), KR_EMALFORMED); /* null before v12 */
    assert_int_equal(read_v9_patched(V9_PARTITIONS, big, 1), KR_ETRUNC);
    assert_int_equal(read_v9_patched(V9_PARTITIONS, null, 1), KR_EMALFORMED);
    assert_int_equal(read_v9_patched(V9_REPLICAS, big, 1), KR_ETRUNC);
    assert_int_equal(read_v9_patched(V9_REPLICAS, null, 1), KR_EMALFORMED);
    assert_int_equal(read_v9_patched(V9_OFFLINE, null, 1), KR_EMALFORMED);
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x07}; /* compact count 2^31 - 2 */
    uint8_t buf[sizeof(resp_v9) + 4];
    memcpy(buf, resp_v9, V9_BROKERS);
    memcpy(buf + V9_BROKERS, huge, sizeof(huge));
    memcpy(buf + V9_BROKERS + 5, resp_v9 + V9_BROKERS + 1, sizeof(resp_v9) - V9_BROKERS - 1);
    md_store_t st;
    kr_MetadataResponse_t m;
    assert_int_equal(read_md(buf, sizeof(buf), 9, &m, &st, 8, 8, 32), KR_ETRUNC);
    const uint8_t huge_v1[] = {0x7f, 0xff, 0xff, 0xff}; /* Brokers: int32 count INT32_MAX */
    memcpy(buf, resp_v1, sizeof(resp_v1));
    memcpy(buf, huge_v1, 4);
    assert_int_equal(read_md(buf, sizeof(resp_v1), 1, &m, &st, 8, 8, 32), KR_ETRUNC);
    const uint8_t neg_v1[] = {0xff, 0xff, 0xff, 0xfe}; /* Brokers: int32 count -2 */
    memcpy(buf, neg_v1, 4);
    assert_int_equal(read_md(buf, sizeof(resp_v1), 1, &m, &st, 8, 8, 32), KR_EMALFORMED);
}

/* ---- round trips through a test-side encoder ---- */

/*
 * Encodes a response body per MetadataResponse.json. The node-id arrays, which the
 * reader only counts, hold 1..n for ReplicaNodes and IsrNodes, and the last
 * OfflineReplicasCount replicas for OfflineReplicas.
 */
static void enc_node_ids(kr_wbuf_t *w, bool flex, int32_t n, int32_t first)
{
    kr_wbuf_arraylen(w, flex, n);
    for (int32_t i = 0; i < n; i++)
        kr_wbuf_i32(w, first + i);
}

static void enc_partition(kr_wbuf_t *w, int16_t v, const kr_MetadataResponsePartition_t *p)
{
    bool flex = v >= 9;
    kr_wbuf_i16(w, p->ErrorCode);
    kr_wbuf_i32(w, p->PartitionIndex);
    kr_wbuf_i32(w, p->LeaderId);
    if (v >= 7)
        kr_wbuf_i32(w, p->LeaderEpoch);
    enc_node_ids(w, flex, p->ReplicaNodesCount, 1);
    enc_node_ids(w, flex, p->IsrNodesCount, 1);
    if (v >= 5)
        enc_node_ids(w, flex, p->OfflineReplicasCount,
                     p->ReplicaNodesCount - p->OfflineReplicasCount + 1);
    kr_wbuf_tags(w, flex);
}

static void enc_nstr(kr_wbuf_t *w, bool flex, kr_str_t s)
{
    kr_wbuf_nstr(w, flex, s.len < 0 ? NULL : s.ptr, (size_t)(s.len < 0 ? 0 : s.len));
}

static void enc_topic(kr_wbuf_t *w, int16_t v, const kr_MetadataResponse_t *m,
                      const kr_MetadataResponseTopic_t *t)
{
    bool flex = v >= 9;
    kr_wbuf_i16(w, t->ErrorCode);
    enc_nstr(w, flex, t->Name);
    if (v >= 10)
        kr_wbuf_uuid(w, t->TopicId);
    kr_wbuf_bool(w, t->IsInternal);
    kr_wbuf_arraylen(w, flex, t->PartitionsCount);
    for (int32_t i = 0; i < t->PartitionsCount; i++)
        enc_partition(w, v, &m->Partitions[t->PartitionsFirst + i]);
    if (v >= 8)
        kr_wbuf_i32(w, t->TopicAuthorizedOperations);
    kr_wbuf_tags(w, flex);
}

static void enc_response(kr_wbuf_t *w, int16_t v, const kr_MetadataResponse_t *m)
{
    bool flex = v >= 9;
    if (v >= 3)
        kr_wbuf_i32(w, m->ThrottleTimeMs);
    kr_wbuf_arraylen(w, flex, m->BrokersCount);
    for (int32_t i = 0; i < m->BrokersCount; i++) {
        const kr_MetadataResponseBroker_t *b = &m->Brokers[i];
        kr_wbuf_i32(w, b->NodeId);
        enc_nstr(w, flex, b->Host);
        kr_wbuf_i32(w, b->Port);
        enc_nstr(w, flex, b->Rack);
        kr_wbuf_tags(w, flex);
    }
    if (v >= 2)
        enc_nstr(w, flex, m->ClusterId);
    kr_wbuf_i32(w, m->ControllerId);
    kr_wbuf_arraylen(w, flex, m->TopicsCount);
    for (int32_t i = 0; i < m->TopicsCount; i++)
        enc_topic(w, v, m, &m->Topics[i]);
    if (v >= 8 && v <= 10)
        kr_wbuf_i32(w, m->ClusterAuthorizedOperations);
    if (v >= 13)
        kr_wbuf_i16(w, m->ErrorCode);
    kr_wbuf_tags(w, flex);
}

static kr_str_t str_of(const char *s) { return (kr_str_t){s, (int32_t)strlen(s)}; }

/* The model every golden encodes, with the defaults of fields `v` lacks. */
static void main_model(int16_t v, kr_MetadataResponse_t *m, md_store_t *st)
{
    memset(m, 0, sizeof(*m));
    st->brokers[0] = (kr_MetadataResponseBroker_t){1, str_of("h1"), 9092, str_of("r")};
    st->partitions[0] = (kr_MetadataResponsePartition_t){.ErrorCode = 9,
                                                         .PartitionIndex = 0,
                                                         .LeaderId = 1,
                                                         .LeaderEpoch = v >= 7 ? 5 : -1,
                                                         .ReplicaNodesCount = 2,
                                                         .IsrNodesCount = 1,
                                                         .OfflineReplicasCount = v >= 5 ? 1 : 0};
    kr_MetadataResponseTopic_t *t = &st->topics[0];
    memset(t, 0, sizeof(*t));
    t->Name = str_of("t");
    if (v >= 10)
        memcpy(t->TopicId, topic_uuid, 16);
    t->IsInternal = true;
    t->PartitionsCount = 1;
    t->TopicAuthorizedOperations = v >= 8 ? 0xff8 : INT32_MIN;
    *m = (kr_MetadataResponse_t){v >= 3 ? 7 : 0,
                                 st->brokers,
                                 8,
                                 1,
                                 v >= 2 ? str_of("c") : (kr_str_t){NULL, -1},
                                 1,
                                 st->topics,
                                 8,
                                 1,
                                 st->partitions,
                                 32,
                                 1,
                                 v >= 8 && v <= 10 ? 0x123 : INT32_MIN,
                                 0};
}

static void test_encoder_matches_goldens(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(goldens); i++) {
        const golden_t *g = &goldens[i];
        if (g->buf == resp_v12)
            continue;
        md_store_t st;
        kr_MetadataResponse_t m;
        main_model(g->version, &m, &st);
        uint8_t mem[256];
        kr_wbuf_t w;
        kr_wbuf_init(&w, mem, sizeof(mem));
        enc_response(&w, g->version, &m);
        assert_int_equal(w.err, 0);
        assert_int_equal(kr_wbuf_len(&w), g->len);
        assert_memory_equal(mem, g->buf, g->len);
    }
}

static void assert_str_eq(kr_str_t a, kr_str_t b)
{
    assert_int_equal(a.len, b.len);
    if (a.len > 0)
        assert_memory_equal(a.ptr, b.ptr, (size_t)a.len);
}

/* Field-by-field equality of two decoded (or model) responses. */
static void assert_md_equal(const kr_MetadataResponse_t *a, const kr_MetadataResponse_t *b)
{
    assert_int_equal(a->ThrottleTimeMs, b->ThrottleTimeMs);
    assert_int_equal(a->BrokersCount, b->BrokersCount);
    for (int32_t i = 0; i < a->BrokersCount; i++) {
        assert_int_equal(a->Brokers[i].NodeId, b->Brokers[i].NodeId);
        assert_str_eq(a->Brokers[i].Host, b->Brokers[i].Host);
        assert_int_equal(a->Brokers[i].Port, b->Brokers[i].Port);
        assert_str_eq(a->Brokers[i].Rack, b->Brokers[i].Rack);
    }
    assert_str_eq(a->ClusterId, b->ClusterId);
    assert_int_equal(a->ControllerId, b->ControllerId);
    assert_int_equal(a->TopicsCount, b->TopicsCount);
    for (int32_t i = 0; i < a->TopicsCount; i++) {
        const kr_MetadataResponseTopic_t *x = &a->Topics[i], *y = &b->Topics[i];
        assert_int_equal(x->ErrorCode, y->ErrorCode);
        assert_str_eq(x->Name, y->Name);
        assert_memory_equal(x->TopicId, y->TopicId, 16);
        assert_int_equal(x->IsInternal, y->IsInternal);
        assert_int_equal(x->PartitionsFirst, y->PartitionsFirst);
        assert_int_equal(x->PartitionsCount, y->PartitionsCount);
        assert_int_equal(x->TopicAuthorizedOperations, y->TopicAuthorizedOperations);
    }
    assert_int_equal(a->PartitionsCount, b->PartitionsCount);
    for (int32_t i = 0; i < a->PartitionsCount; i++) {
        const kr_MetadataResponsePartition_t *x = &a->Partitions[i], *y = &b->Partitions[i];
        assert_int_equal(x->ErrorCode, y->ErrorCode);
        assert_int_equal(x->PartitionIndex, y->PartitionIndex);
        assert_int_equal(x->LeaderId, y->LeaderId);
        assert_int_equal(x->LeaderEpoch, y->LeaderEpoch);
        assert_int_equal(x->ReplicaNodesCount, y->ReplicaNodesCount);
        assert_int_equal(x->IsrNodesCount, y->IsrNodesCount);
        assert_int_equal(x->OfflineReplicasCount, y->OfflineReplicasCount);
    }
    assert_int_equal(a->ClusterAuthorizedOperations, b->ClusterAuthorizedOperations);
    assert_int_equal(a->ErrorCode, b->ErrorCode);
}

static const char *const words[] = {
    "", "a", "kafka-1.example.com", "rack-a", "orders", "__consumer_offsets", "x.y_z-0"};

/* A nullable-where-allowed random string from `words`. */
static kr_str_t rand_str(uint64_t *s, bool nullable)
{
    if (nullable && kr_prng_below(s, 4) == 0)
        return (kr_str_t){NULL, -1};
    return str_of(words[kr_prng_below(s, N_ELEMS(words))]);
}

static void rand_partition(uint64_t *s, int16_t v, kr_MetadataResponsePartition_t *p)
{
    p->ErrorCode = (int16_t)kr_prng_below(s, 3);
    p->PartitionIndex = (int32_t)kr_prng_below(s, 1000);
    p->LeaderId = (int32_t)kr_prng_next(s);
    p->LeaderEpoch = v >= 7 ? (int32_t)kr_prng_next(s) : -1;
    p->ReplicaNodesCount = (int32_t)kr_prng_below(s, 6);
    p->IsrNodesCount = (int32_t)kr_prng_below(s, (uint32_t)p->ReplicaNodesCount + 1);
    p->OfflineReplicasCount =
        v >= 5 ? (int32_t)kr_prng_below(s, (uint32_t)p->ReplicaNodesCount + 1) : 0;
}

static void rand_topic(uint64_t *s, int16_t v, kr_MetadataResponse_t *m,
                       kr_MetadataResponseTopic_t *t)
{
    memset(t, 0, sizeof(*t));
    t->ErrorCode = (int16_t)kr_prng_below(s, 4);
    t->Name = rand_str(s, v >= 12);
    for (int k = 0; k < 16 && v >= 10; k++)
        t->TopicId[k] = (uint8_t)kr_prng_next(s);
    t->IsInternal = kr_prng_below(s, 2) != 0;
    t->PartitionsFirst = m->PartitionsCount;
    t->PartitionsCount = (int32_t)kr_prng_below(s, 5);
    for (int32_t j = 0; j < t->PartitionsCount; j++)
        rand_partition(s, v, &m->Partitions[m->PartitionsCount + j]);
    m->PartitionsCount += t->PartitionsCount;
    t->TopicAuthorizedOperations = v >= 8 ? (int32_t)kr_prng_next(s) : INT32_MIN;
}

/* A random model valid for `v`, with the defaults of fields `v` lacks. */
static void rand_model(uint64_t *s, int16_t v, kr_MetadataResponse_t *m, md_store_t *st)
{
    memset(m, 0, sizeof(*m));
    m->Brokers = st->brokers;
    m->Topics = st->topics;
    m->Partitions = st->partitions;
    m->ThrottleTimeMs = v >= 3 ? (int32_t)kr_prng_below(s, 1000) : 0;
    m->BrokersCount = (int32_t)kr_prng_below(s, 9);
    for (int32_t i = 0; i < m->BrokersCount; i++)
        st->brokers[i] =
            (kr_MetadataResponseBroker_t){(int32_t)kr_prng_next(s), rand_str(s, false),
                                          (int32_t)kr_prng_below(s, 65536), rand_str(s, true)};
    m->ClusterId = v >= 2 ? rand_str(s, true) : (kr_str_t){NULL, -1};
    m->ControllerId = (int32_t)kr_prng_next(s);
    m->TopicsCount = (int32_t)kr_prng_below(s, 7);
    for (int32_t i = 0; i < m->TopicsCount; i++)
        rand_topic(s, v, m, &st->topics[i]);
    m->ClusterAuthorizedOperations = v >= 8 && v <= 10 ? (int32_t)kr_prng_next(s) : INT32_MIN;
    m->ErrorCode = v >= 13 ? (int16_t)kr_prng_below(s, 130) : 0;
}

static void test_round_trip_every_version(void **state)
{
    (void)state;
    uint64_t s = 0x3e7a;
    static uint8_t mem[4096];
    for (int round = 0; round < 2000; round++) {
        int16_t v = (int16_t)(1 + round % 13);
        md_store_t ms, ds;
        kr_MetadataResponse_t m, d;
        rand_model(&s, v, &m, &ms);
        kr_wbuf_t w;
        kr_wbuf_init(&w, mem, sizeof(mem));
        enc_response(&w, v, &m);
        assert_int_equal(w.err, 0);
        int32_t np = m.PartitionsCount;
        assert_int_equal(
            read_md(mem, kr_wbuf_len(&w), v, &d, &ds, m.BrokersCount, m.TopicsCount, np), 0);
        assert_md_equal(&d, &m);
        if (np > 0)
            assert_int_equal(read_md(mem, kr_wbuf_len(&w), v, &d, &ds, 8, 8, np - 1), KR_ETOOMANY);
    }
}

/* ---- robustness ---- */

typedef struct {
    int16_t version;
} decode_ctx_t;

/* A borrowed string lies inside buf[0..len). */
static void assert_str_inside(kr_str_t s, const uint8_t *buf, size_t len)
{
    if (s.len <= 0)
        return;
    const uint8_t *p = (const uint8_t *)s.ptr;
    assert_true(p >= buf);
    assert_true(p + s.len <= buf + len);
}

/* Checks what a successful decode promises: counts in capacity, strings inside buf. */
static void check_invariants(const kr_MetadataResponse_t *m, const uint8_t *buf, size_t len)
{
    assert_in_range(m->BrokersCount, 0, m->BrokersCap);
    assert_in_range(m->TopicsCount, 0, m->TopicsCap);
    assert_in_range(m->PartitionsCount, 0, m->PartitionsCap);
    int32_t next = 0;
    for (int32_t i = 0; i < m->TopicsCount; i++) {
        assert_int_equal(m->Topics[i].PartitionsFirst, next);
        next += m->Topics[i].PartitionsCount;
        assert_str_inside(m->Topics[i].Name, buf, len);
    }
    assert_int_equal(next, m->PartitionsCount);
    for (int32_t i = 0; i < m->BrokersCount; i++) {
        assert_true(m->Brokers[i].Host.len >= 0);
        assert_str_inside(m->Brokers[i].Host, buf, len);
        assert_str_inside(m->Brokers[i].Rack, buf, len);
    }
}

static int decode_any(const uint8_t *buf, size_t len, void *ctx)
{
    const decode_ctx_t *c = ctx;
    md_store_t st;
    kr_MetadataResponse_t m;
    int rc = read_md(buf, len, c->version, &m, &st, 4, 4, 8);
    if (rc == 0)
        check_invariants(&m, buf, len);
    return rc;
}

static void test_truncations_and_corruptions_goldens(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(goldens); i++) {
        decode_ctx_t c = {goldens[i].version};
        kr_check_truncations(decode_any, &c, goldens[i].buf, goldens[i].len);
        unsigned ok =
            kr_check_corruptions(decode_any, &c, goldens[i].buf, goldens[i].len, 3000, 0x3d00 + i);
        assert_true(ok > 0);
    }
    decode_ctx_t c = {13};
    kr_check_truncations(decode_any, &c, resp_v13_rebootstrap, sizeof(resp_v13_rebootstrap));
    kr_check_corruptions(decode_any, &c, resp_v13_rebootstrap, sizeof(resp_v13_rebootstrap), 3000,
                         0x3d99);
}

/* Truncations and corruptions of random encodings, within the decode_any capacities. */
static void test_truncations_and_corruptions_random(void **state)
{
    (void)state;
    uint64_t s = 0x7a11;
    static uint8_t mem[4096];
    for (int round = 0; round < 130; round++) {
        int16_t v = (int16_t)(1 + round % 13);
        md_store_t ms;
        kr_MetadataResponse_t m;
        do
            rand_model(&s, v, &m, &ms);
        while (m.BrokersCount > 4 || m.TopicsCount > 4 || m.PartitionsCount > 8);
        kr_wbuf_t w;
        kr_wbuf_init(&w, mem, sizeof(mem));
        enc_response(&w, v, &m);
        assert_int_equal(w.err, 0);
        decode_ctx_t c = {v};
        kr_check_truncations(decode_any, &c, mem, kr_wbuf_len(&w));
        kr_check_corruptions(decode_any, &c, mem, kr_wbuf_len(&w), 300, 0x7a00 + (uint64_t)round);
    }
    for (int16_t v = 1; v <= 13; v++) {
        decode_ctx_t c = {v};
        kr_check_noise(decode_any, &c, 96, 2000, 0x7b00 + (uint64_t)v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_goldens),
        cmocka_unit_test(test_request_by_id_v12),
        cmocka_unit_test(test_request_all_and_no_topics),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_response_goldens),
        cmocka_unit_test(test_response_v13_top_level_error),
        cmocka_unit_test(test_response_wrong_layout),
        cmocka_unit_test(test_response_bad_version),
        cmocka_unit_test(test_response_storage_limits),
        cmocka_unit_test(test_response_lying_counts),
        cmocka_unit_test(test_encoder_matches_goldens),
        cmocka_unit_test(test_round_trip_every_version),
        cmocka_unit_test(test_truncations_and_corruptions_goldens),
        cmocka_unit_test(test_truncations_and_corruptions_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
