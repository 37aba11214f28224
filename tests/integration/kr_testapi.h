/*
 * One-call request/response helpers for the integration tests, on top of kr_testnet
 * and proto/: ApiVersions, Metadata, InitProducerId and Produce to one partition.
 * They run inside cmocka tests and fail the test (with the API, version and error)
 * when the transport or a decoder fails; a broker's ErrorCode is returned as data for
 * the test to check. Decoded strings borrow the connection's receive buffer: they are
 * valid until the connection's next request.
 */
#ifndef KR_TESTAPI_H
#define KR_TESTAPI_H

#include <stddef.h>
#include <stdint.h>

#include "kr_apiversions.h"
#include "kr_initpid.h"
#include "kr_metadata.h"
#include "kr_produce.h"
#include "kr_testnet.h"

#define KR_TESTAPI_API_KEYS_MAX 128

/*
 * cmocka setup and teardown for tests that use one connection: *state becomes a
 * kr_testconn_t connected to the first bootstrap broker, closed and freed by the
 * teardown even when the test failed. The setup returns -1 if it cannot connect.
 */
int kr_testapi_conn_setup(void **state);
int kr_testapi_conn_teardown(void **state);
#define KR_TESTAPI_CONN_TEST(f)                                                                    \
    cmocka_unit_test_setup_teardown(f, kr_testapi_conn_setup, kr_testapi_conn_teardown)

/* ApiVersions at `version` into resp (ApiKeys, ApiKeysCap set by the caller). */
void kr_testapi_apiversions(kr_testconn_t *c, int16_t version, kr_ApiVersionsResponse_t *resp);

/* The versions kring picks on this broker. */
typedef struct kr_testapi_versions {
    int16_t apiversions;
    int16_t metadata;
    int16_t produce;
    int16_t initpid;
} kr_testapi_versions_t;

/* Sends ApiVersions v3 and picks every API's version; fails the test if one is missing. */
void kr_testapi_pick(kr_testconn_t *c, kr_testapi_versions_t *v);

/* A Metadata response with its storage. */
typedef struct kr_testapi_meta {
    kr_MetadataResponse_t resp;
    kr_MetadataResponseBroker_t brokers[16];
    kr_MetadataResponseTopic_t topics[8];
    kr_MetadataResponsePartition_t parts[256];
} kr_testapi_meta_t;

/* Metadata at `version` for the given request; m's storage is wired up here. */
void kr_testapi_metadata_req(kr_testconn_t *c, int16_t version, const kr_MetadataRequest_t *req,
                             kr_testapi_meta_t *m);

/* Metadata at `version` for one topic by name (no auto-creation). */
void kr_testapi_metadata(kr_testconn_t *c, int16_t version, const char *topic,
                         kr_testapi_meta_t *m);

/*
 * Metadata v12 (or the highest) for an existing topic: fails the test unless it is
 * found without error. Stores its id and partition count.
 */
void kr_testapi_topic_info(kr_testconn_t *c, const char *topic, uint8_t topic_id[16],
                           int32_t *partitions);

/* InitProducerId at `version`; the broker's ErrorCode is in out. */
void kr_testapi_initpid(kr_testconn_t *c, int16_t version, const kr_InitProducerIdRequest_t *req,
                        kr_InitProducerIdResponse_t *out);

/* Where one Produce goes: by name up to v12, by id at v13. */
typedef struct kr_testapi_target {
    const char *topic;
    uint8_t topic_id[16];
    int32_t partition;
} kr_testapi_target_t;

/*
 * Produce `records` (one or more RecordBatch v2) to one partition at `version` with
 * `acks` (-1 or 1) and fills out with that partition's response. Fails the test if the
 * response does not parse or does not answer exactly that topic and partition.
 */
void kr_testapi_produce(kr_testconn_t *c, int16_t version, int16_t acks,
                        const kr_testapi_target_t *t, const void *records, size_t len,
                        kr_ProducePartitionResponse_t *out);

#endif
