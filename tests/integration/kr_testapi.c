/* Request/response helpers for the integration tests (see kr_testapi.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kr_testapi.h"
#include "kr_testenv.h"

/* Fails the test when a transport or decoder call did not return 0. */
#define CHECK_RC(rc, what, version)                                                                \
    do {                                                                                           \
        int rc_ = (rc);                                                                            \
        if (rc_ != 0)                                                                              \
            fail_msg("%s v%d: %s (%s)", (what), (int)(version), kr_errname(rc_),                   \
                     kr_strerror(rc_));                                                            \
    } while (0)

int kr_testapi_conn_setup(void **state)
{
    kr_testconn_t *c = malloc(sizeof(*c));
    if (c == NULL)
        return -1;
    const char *broker = kr_testenv()->first_broker;
    int rc = kr_testnet_connect(c, broker);
    if (rc != 0) {
        print_error("connect %s: %s\n", broker, kr_strerror(rc));
        free(c);
        return -1;
    }
    *state = c;
    return 0;
}

int kr_testapi_conn_teardown(void **state)
{
    kr_testconn_t *c = *state;
    kr_testnet_close(c);
    free(c);
    *state = NULL;
    return 0;
}

void kr_testapi_apiversions(kr_testconn_t *c, int16_t version, kr_ApiVersionsResponse_t *resp)
{
    static const char name[] = "kring-test", ver[] = "0.1";
    kr_ApiVersionsRequest_t req = {name, sizeof(name) - 1, ver, sizeof(ver) - 1};
    kr_wbuf_t *w = kr_testnet_begin(c, KR_API_ApiVersions, version);
    CHECK_RC(kr_ApiVersionsRequest_write(w, version, &req), "ApiVersions write", version);
    kr_rbuf_t r;
    CHECK_RC(kr_testnet_call(c, &r), "ApiVersions call", version);
    CHECK_RC(kr_ApiVersionsResponse_read(&r, version, resp), "ApiVersions read", version);
}

void kr_testapi_pick(kr_testconn_t *c, kr_testapi_versions_t *v)
{
    kr_ApiVersion_t keys[KR_TESTAPI_API_KEYS_MAX];
    kr_ApiVersionsResponse_t resp = {.ApiKeys = keys, .ApiKeysCap = KR_TESTAPI_API_KEYS_MAX};
    kr_testapi_apiversions(c, 3, &resp);
    assert_int_equal(resp.ErrorCode, 0);
    CHECK_RC(kr_apiversions_pick(&resp, KR_API_ApiVersions, &v->apiversions), "pick", 18);
    CHECK_RC(kr_apiversions_pick(&resp, KR_API_Metadata, &v->metadata), "pick", 3);
    CHECK_RC(kr_apiversions_pick(&resp, KR_API_Produce, &v->produce), "pick", 0);
    CHECK_RC(kr_apiversions_pick(&resp, KR_API_InitProducerId, &v->initpid), "pick", 22);
}

void kr_testapi_metadata_req(kr_testconn_t *c, int16_t version, const kr_MetadataRequest_t *req,
                             kr_testapi_meta_t *m)
{
    memset(m, 0, sizeof(*m));
    m->resp.Brokers = m->brokers;
    m->resp.BrokersCap = (int32_t)(sizeof(m->brokers) / sizeof(m->brokers[0]));
    m->resp.Topics = m->topics;
    m->resp.TopicsCap = (int32_t)(sizeof(m->topics) / sizeof(m->topics[0]));
    m->resp.Partitions = m->parts;
    m->resp.PartitionsCap = (int32_t)(sizeof(m->parts) / sizeof(m->parts[0]));
    kr_wbuf_t *w = kr_testnet_begin(c, KR_API_Metadata, version);
    CHECK_RC(kr_MetadataRequest_write(w, version, req), "Metadata write", version);
    kr_rbuf_t r;
    CHECK_RC(kr_testnet_call(c, &r), "Metadata call", version);
    CHECK_RC(kr_MetadataResponse_read(&r, version, &m->resp), "Metadata read", version);
}

void kr_testapi_metadata(kr_testconn_t *c, int16_t version, const char *topic, kr_testapi_meta_t *m)
{
    kr_MetadataRequestTopic_t t = {.Name = topic, .NameLen = strlen(topic)};
    kr_MetadataRequest_t req = {.Topics = &t, .TopicsCount = 1};
    kr_testapi_metadata_req(c, version, &req, m);
}

void kr_testapi_topic_info(kr_testconn_t *c, const char *topic, uint8_t topic_id[16],
                           int32_t *partitions)
{
    kr_testapi_meta_t meta, *m = &meta;
    kr_testapi_metadata(c, 12, topic, m);
    assert_int_equal(m->resp.TopicsCount, 1);
    const kr_MetadataResponseTopic_t *t = &m->topics[0];
    if (t->ErrorCode != 0)
        fail_msg("Metadata for %s: error %d", topic, t->ErrorCode);
    memcpy(topic_id, t->TopicId, 16);
    *partitions = t->PartitionsCount;
}

void kr_testapi_initpid(kr_testconn_t *c, int16_t version, const kr_InitProducerIdRequest_t *req,
                        kr_InitProducerIdResponse_t *out)
{
    kr_wbuf_t *w = kr_testnet_begin(c, KR_API_InitProducerId, version);
    CHECK_RC(kr_InitProducerIdRequest_write(w, version, req), "InitProducerId write", version);
    kr_rbuf_t r;
    CHECK_RC(kr_testnet_call(c, &r), "InitProducerId call", version);
    CHECK_RC(kr_InitProducerIdResponse_read(&r, version, out), "InitProducerId read", version);
}

/* Checks that a Produce response answers exactly target t and copies its partition. */
static void produce_check_response(const kr_ProduceResponse_t *resp, int16_t version,
                                   const kr_testapi_target_t *t, kr_ProducePartitionResponse_t *out)
{
    assert_int_equal(resp->topic_cnt, 1);
    const kr_ProduceTopicResponse_t *tr = &resp->Responses[0];
    if (version >= KR_PRODUCE_VERSION_TOPICID) {
        assert_memory_equal(tr->TopicId, t->topic_id, 16);
    } else {
        assert_int_equal(tr->Name.len, (int32_t)strlen(t->topic));
        assert_memory_equal(tr->Name.ptr, t->topic, strlen(t->topic));
    }
    assert_int_equal(tr->part_cnt, 1);
    assert_int_equal(tr->parts[0].Index, t->partition);
    *out = tr->parts[0];
}

void kr_testapi_produce(kr_testconn_t *c, int16_t version, int16_t acks,
                        const kr_testapi_target_t *t, const void *records, size_t len,
                        kr_ProducePartitionResponse_t *out)
{
    kr_ProducePartition_t part = {t->partition, records, len};
    kr_ProduceTopic_t topic = {t->topic, strlen(t->topic), {0}, 1, &part};
    memcpy(topic.TopicId, t->topic_id, 16);
    kr_ProduceRequest_t req = {NULL, 0, acks, 30000, 1, &topic};
    kr_RequestHeader_t h = kr_testnet_header(c, KR_API_Produce, version);
    size_t size = kr_ProduceRequest_size(&h, &req);
    assert_true(size > 0);
    uint8_t *buf = malloc(size);
    assert_non_null(buf);
    kr_wbuf_t w;
    kr_wbuf_init(&w, buf, size);
    int rc = kr_ProduceRequest_write(&w, &h, &req);
    size_t len_written = kr_wbuf_len(&w);
    kr_rbuf_t r;
    if (rc == 0 && len_written == size)
        rc = kr_testnet_call_raw(c, buf, size, &r);
    free(buf);
    CHECK_RC(rc, "Produce write and call", version);
    assert_int_equal(len_written, size);
    kr_ProduceTopicResponse_t topics[1];
    kr_ProducePartitionResponse_t parts[1];
    kr_ProduceRecordError_t rerrs[16];
    kr_ProduceNodeEndpoint_t eps[16];
    kr_ProduceResponse_t resp = {
        .topic_pool = topics,
        .topic_cap = 1,
        .part_pool = parts,
        .part_cap = 1,
        .record_error_pool = rerrs,
        .record_error_cap = 16,
        .node_endpoint_pool = eps,
        .node_endpoint_cap = 16,
    };
    CHECK_RC(kr_ProduceResponse_read(&r, version, &resp), "Produce read", version);
    produce_check_response(&resp, version, t, out);
}
