/*
 * Metadata against the real broker, every version kring speaks (v1..v13), for a topic
 * created here with several partitions: the broker list matches KR_TEST_BOOTSTRAP
 * (127.0.0.1:19092, node 1 on the single cluster), the cluster id is the one the
 * cluster was formatted with, the topic is found with every partition led by a listed
 * broker (node 1 on single), leader epochs from v7, topic ids from v10 (non-zero and
 * the same at every version), the v13 top-level ErrorCode. An unknown topic gives
 * UNKNOWN_TOPIC_OR_PARTITION at every version; at v12+ a topic asked for by id comes
 * back with its name, and an unknown id gives UNKNOWN_TOPIC_ID; at v10 and v11, whose
 * null name the spec allows, the broker answers INVALID_REQUEST for that topic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kr_kerr.h"
#include "kr_testapi.h"
#include "kr_testenv.h"

#define PARTITIONS 6
#define VERSION_MIN 1
#define VERSION_MAX 13

static char topic[200];

static int setup(void **state)
{
    (void)state;
    kr_test_topic_name(topic, sizeof(topic), "metadata");
    return kr_test_create_topic(topic, PARTITIONS, NULL);
}

static bool str_eq(kr_str_t s, const char *c)
{
    return s.len == (int32_t)strlen(c) && memcmp(s.ptr, c, (size_t)s.len) == 0;
}

static bool uuid_zero(const uint8_t id[16])
{
    static const uint8_t zero[16];
    return memcmp(id, zero, 16) == 0;
}

/* True if node_id is one of the brokers in the response. */
static bool has_broker(const kr_MetadataResponse_t *m, int32_t node_id)
{
    for (int32_t i = 0; i < m->BrokersCount; i++)
        if (m->Brokers[i].NodeId == node_id)
            return true;
    return false;
}

/* Every bootstrap host:port is a listed broker; node 1 at the bootstrap port on single. */
static void check_brokers(const kr_MetadataResponse_t *m)
{
    const kr_testenv_t *e = kr_testenv();
    assert_int_equal(m->BrokersCount, e->brokers);
    for (int32_t i = 0; i < m->BrokersCount; i++) {
        const kr_MetadataResponseBroker_t *b = &m->Brokers[i];
        char hostport[300];
        snprintf(hostport, sizeof(hostport), "%.*s:%d", (int)b->Host.len, b->Host.ptr,
                 (int)b->Port);
        if (strstr(e->bootstrap, hostport) == NULL)
            fail_msg("broker %d at %s is not in %s", (int)b->NodeId, hostport, e->bootstrap);
        assert_int_equal(b->Rack.len, -1);
    }
    if (e->brokers == 1) {
        assert_int_equal(m->Brokers[0].NodeId, 1);
        assert_true(str_eq(m->Brokers[0].Host, "127.0.0.1"));
        const char *colon = strrchr(e->bootstrap, ':');
        assert_non_null(colon);
        assert_int_equal(m->Brokers[0].Port, atoi(colon + 1));
    }
    assert_true(has_broker(m, m->ControllerId));
}

/* The cluster id cluster.sh formatted the cluster with, from v2. */
static void check_cluster_id(const kr_MetadataResponse_t *m, int16_t version)
{
    if (version < 2) {
        assert_int_equal(m->ClusterId.len, -1);
        return;
    }
    char path[1024], id[64] = {0};
    snprintf(path, sizeof(path), "%s/cluster.id", kr_testenv()->cluster_dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(id, sizeof(id), f));
    fclose(f);
    id[strcspn(id, "\n")] = '\0';
    if (!str_eq(m->ClusterId, id))
        fail_msg("v%d ClusterId %.*s, cluster.id %s", version, (int)m->ClusterId.len,
                 m->ClusterId.ptr, id);
}

/* Each partition once, led by a listed broker (node 1 on single), fully replicated. */
static void check_partitions(const kr_MetadataResponse_t *m, const kr_MetadataResponseTopic_t *t,
                             int16_t version)
{
    int rf = kr_testenv()->brokers >= 3 ? 3 : 1;
    bool seen[PARTITIONS] = {false};
    assert_int_equal(t->PartitionsCount, PARTITIONS);
    for (int32_t i = 0; i < t->PartitionsCount; i++) {
        const kr_MetadataResponsePartition_t *p = &m->Partitions[t->PartitionsFirst + i];
        assert_int_equal(p->ErrorCode, 0);
        assert_in_range(p->PartitionIndex, 0, PARTITIONS - 1);
        assert_false(seen[p->PartitionIndex]);
        seen[p->PartitionIndex] = true;
        assert_true(has_broker(m, p->LeaderId));
        if (kr_testenv()->brokers == 1)
            assert_int_equal(p->LeaderId, 1);
        if (version >= 7)
            assert_true(p->LeaderEpoch >= 0);
        else
            assert_int_equal(p->LeaderEpoch, -1);
        assert_int_equal(p->ReplicaNodesCount, rf);
        assert_int_equal(p->IsrNodesCount, rf);
        assert_int_equal(p->OfflineReplicasCount, 0);
    }
}

/* The created topic at `version`; stores its id (zero below v10). */
static void check_topic_version(kr_testconn_t *c, int16_t version, uint8_t id[16])
{
    kr_testapi_meta_t meta, *m = &meta;
    kr_testapi_metadata(c, version, topic, m);
    check_brokers(&m->resp);
    check_cluster_id(&m->resp, version);
    assert_int_equal(m->resp.ErrorCode, 0);
    assert_int_equal(m->resp.TopicsCount, 1);
    const kr_MetadataResponseTopic_t *t = &m->topics[0];
    assert_int_equal(t->ErrorCode, 0);
    assert_true(str_eq(t->Name, topic));
    assert_false(t->IsInternal);
    assert_int_equal(t->TopicAuthorizedOperations, KR_METADATA_AUTHORIZED_OPERATIONS_UNSET);
    assert_int_equal(m->resp.ClusterAuthorizedOperations, KR_METADATA_AUTHORIZED_OPERATIONS_UNSET);
    assert_true(version >= 10 ? !uuid_zero(t->TopicId) : uuid_zero(t->TopicId));
    memcpy(id, t->TopicId, 16);
    check_partitions(&m->resp, t, version);
}

static void test_topic_every_version(void **state)
{
    kr_testconn_t *c = *state;
    uint8_t first_id[16] = {0};
    for (int16_t version = VERSION_MIN; version <= VERSION_MAX; version++) {
        uint8_t id[16];
        check_topic_version(c, version, id);
        if (version == 10)
            memcpy(first_id, id, 16);
        if (version > 10)
            assert_memory_equal(id, first_id, 16);
    }
}

static void test_unknown_topic(void **state)
{
    char missing[220];
    snprintf(missing, sizeof(missing), "%s-missing", topic);
    kr_testconn_t *c = *state;
    kr_testapi_meta_t meta, *m = &meta;
    for (int16_t version = VERSION_MIN; version <= VERSION_MAX; version++) {
        kr_testapi_metadata(c, version, missing, m);
        check_brokers(&m->resp);
        assert_int_equal(m->resp.TopicsCount, 1);
        if (m->topics[0].ErrorCode != KR_KERR_UNKNOWN_TOPIC_OR_PARTITION)
            fail_msg("v%d unknown topic: error %d (%s)", version, m->topics[0].ErrorCode,
                     kr_kerr_name(m->topics[0].ErrorCode));
        assert_true(str_eq(m->topics[0].Name, missing));
        assert_int_equal(m->topics[0].PartitionsCount, 0);
    }
}

/* Metadata v12+ for one topic by id (null name). */
static void metadata_by_id(kr_testconn_t *c, int16_t version, const uint8_t id[16],
                           kr_testapi_meta_t *m)
{
    kr_MetadataRequestTopic_t t = {.Name = NULL};
    memcpy(t.TopicId, id, 16);
    kr_MetadataRequest_t req = {.Topics = &t, .TopicsCount = 1};
    kr_testapi_metadata_req(c, version, &req, m);
    assert_int_equal(m->resp.TopicsCount, 1);
}

static void test_topic_by_id(void **state)
{
    kr_testconn_t *c = *state;
    uint8_t id[16];
    int32_t partitions;
    kr_testapi_topic_info(c, topic, id, &partitions);
    assert_int_equal(partitions, PARTITIONS);
    kr_testapi_meta_t meta, *m = &meta;
    /* The spec lets v10 and v11 carry a null name, but the broker only looks up ids from v12. */
    for (int16_t version = 10; version < 12; version++) {
        metadata_by_id(c, version, id, m);
        assert_int_equal(m->topics[0].ErrorCode, KR_KERR_INVALID_REQUEST);
    }
    for (int16_t version = 12; version <= VERSION_MAX; version++) {
        metadata_by_id(c, version, id, m);
        assert_int_equal(m->topics[0].ErrorCode, 0);
        assert_true(str_eq(m->topics[0].Name, topic));
        assert_memory_equal(m->topics[0].TopicId, id, 16);
        assert_int_equal(m->topics[0].PartitionsCount, PARTITIONS);
        uint8_t unknown[16];
        memcpy(unknown, id, 16);
        unknown[15] ^= 0x5a;
        metadata_by_id(c, version, unknown, m);
        assert_int_equal(m->topics[0].ErrorCode, KR_KERR_UNKNOWN_TOPIC_ID);
        assert_int_equal(m->topics[0].Name.len, -1);
    }
}

/* TopicsCount 0: brokers and cluster only. */
static void test_no_topics(void **state)
{
    kr_testconn_t *c = *state;
    kr_testapi_meta_t meta, *m = &meta;
    for (int16_t version = VERSION_MIN; version <= VERSION_MAX; version++) {
        kr_MetadataRequest_t req = {.Topics = NULL, .TopicsCount = 0};
        kr_testapi_metadata_req(c, version, &req, m);
        check_brokers(&m->resp);
        check_cluster_id(&m->resp, version);
        assert_int_equal(m->resp.TopicsCount, 0);
    }
}

int main(void)
{
    kr_testenv_init();
    const struct CMUnitTest tests[] = {
        KR_TESTAPI_CONN_TEST(test_topic_every_version),
        KR_TESTAPI_CONN_TEST(test_unknown_topic),
        KR_TESTAPI_CONN_TEST(test_topic_by_id),
        KR_TESTAPI_CONN_TEST(test_no_topics),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
