/*
 * ApiVersions against the real broker: every version kring writes (v0..v4) decodes,
 * lists every API kring uses, and the version pick gives what a Kafka 4.1 broker
 * offers (Produce 13, Metadata 13, InitProducerId 5, ApiVersions 4). An ApiVersions
 * version the broker does not know (127) is answered with UNSUPPORTED_VERSION (35) in
 * the v0 layout, which kr_ApiVersionsResponse_read() decodes as kr_apiversions.h says,
 * and the retry with the version picked from that answer succeeds on the same
 * connection. A bad ClientSoftwareName gets INVALID_REQUEST (42).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kr_kerr.h"
#include "kr_testapi.h"
#include "kr_testenv.h"

/* What kring expects of the Kafka 4.1 broker in tests/cluster. */
static const struct {
    int16_t api_key;
    int16_t pick;
} expected[] = {
    {KR_API_Produce, 13},
    {KR_API_Metadata, 13},
    {KR_API_ApiVersions, 4},
    {KR_API_InitProducerId, 5},
};

#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

/* Checks a successful response at `version`: every API listed, the picks as expected. */
static void check_response(const kr_ApiVersionsResponse_t *resp, int16_t version)
{
    assert_int_equal(resp->ErrorCode, 0);
    assert_int_equal(resp->Version, version);
    assert_true(resp->ApiKeysCount >= 40); /* a 4.1 broker lists about 60 APIs */
    if (version == 0)
        assert_int_equal(resp->ThrottleTimeMs, 0);
    for (size_t i = 0; i < N_EXPECTED; i++) {
        const kr_ApiVersion_t *e = kr_apiversions_find(resp, expected[i].api_key);
        if (e == NULL)
            fail_msg("ApiVersions v%d does not list API %d", version, expected[i].api_key);
        assert_true(e->MinVersion <= e->MaxVersion);
        int16_t v = -1;
        assert_int_equal(kr_apiversions_pick(resp, expected[i].api_key, &v), 0);
        if (v != expected[i].pick)
            fail_msg("ApiVersions v%d: API %d picks v%d, want v%d (broker %d..%d)", version,
                     expected[i].api_key, v, expected[i].pick, e->MinVersion, e->MaxVersion);
    }
}

/* v0..v4 on one connection, as the engine would send the first request. */
static void test_every_version(void **state)
{
    kr_testconn_t *c = *state;
    for (int16_t version = 0; version <= 4; version++) {
        kr_ApiVersion_t keys[KR_TESTAPI_API_KEYS_MAX];
        kr_ApiVersionsResponse_t resp = {.ApiKeys = keys, .ApiKeysCap = KR_TESTAPI_API_KEYS_MAX};
        kr_testapi_apiversions(c, version, &resp);
        check_response(&resp, version);
    }
}

/*
 * Sends ApiVersions v127 (header v2 and a v3-style body, which the broker does not
 * parse for a version it does not know) and reads the answer as kring would after
 * asking for v4: ErrorCode 35, decoded as v0, listing the broker's ApiVersions range.
 */
static void send_unsupported(kr_testconn_t *c, kr_ApiVersionsResponse_t *resp)
{
    static const char name[] = "kring-test", ver[] = "0.1";
    kr_ApiVersionsRequest_t req = {name, sizeof(name) - 1, ver, sizeof(ver) - 1};
    kr_wbuf_t *w = kr_testnet_begin(c, KR_API_ApiVersions, 127);
    /* kring writes no v127; v4's body has the layout a future version would start with. */
    assert_int_equal(kr_ApiVersionsRequest_write(w, 127, &req), KR_EVERSION);
    assert_int_equal(kr_ApiVersionsRequest_write(w, 4, &req), 0);
    kr_rbuf_t r;
    assert_int_equal(kr_testnet_call(c, &r), 0);
    kr_rbuf_t again = r;
    /* The reader only takes versions kring implements... */
    assert_int_equal(kr_ApiVersionsResponse_read(&again, 127, resp), KR_EVERSION);
    /* ...and decodes error 35 as v0 whatever version it was asked for. */
    assert_int_equal(kr_ApiVersionsResponse_read(&r, 4, resp), 0);
}

static void test_unsupported_version(void **state)
{
    kr_testconn_t *c = *state;
    kr_ApiVersion_t keys[KR_TESTAPI_API_KEYS_MAX];
    kr_ApiVersionsResponse_t resp = {.ApiKeys = keys, .ApiKeysCap = KR_TESTAPI_API_KEYS_MAX};
    send_unsupported(c, &resp);
    assert_int_equal(resp.ErrorCode, KR_KERR_UNSUPPORTED_VERSION);
    assert_int_equal(resp.Version, 0);
    assert_int_equal(resp.ThrottleTimeMs, 0);
    /* KIP-511: the broker lists its own ApiVersions range. */
    const kr_ApiVersion_t *av = kr_apiversions_find(&resp, KR_API_ApiVersions);
    assert_non_null(av);
    assert_int_equal(av->MinVersion, 0);
    assert_int_equal(av->MaxVersion, 4);
    int16_t retry = -1;
    assert_int_equal(kr_apiversions_pick(&resp, KR_API_ApiVersions, &retry), 0);
    assert_int_equal(retry, 4);
    /* The broker keeps the connection: the retry works on it. */
    kr_ApiVersionsResponse_t ok = {.ApiKeys = keys, .ApiKeysCap = KR_TESTAPI_API_KEYS_MAX};
    kr_testapi_apiversions(c, retry, &ok);
    check_response(&ok, retry);
}

/* ClientSoftwareName must match the broker's pattern (kr_apiversions.h). */
static void test_bad_software_name(void **state)
{
    kr_testconn_t *c = *state;
    static const char name[] = "kring test!", ver[] = "0.1";
    kr_ApiVersionsRequest_t req = {name, sizeof(name) - 1, ver, sizeof(ver) - 1};
    kr_wbuf_t *w = kr_testnet_begin(c, KR_API_ApiVersions, 3);
    assert_int_equal(kr_ApiVersionsRequest_write(w, 3, &req), 0);
    kr_rbuf_t r;
    assert_int_equal(kr_testnet_call(c, &r), 0);
    kr_ApiVersion_t keys[KR_TESTAPI_API_KEYS_MAX];
    kr_ApiVersionsResponse_t resp = {.ApiKeys = keys, .ApiKeysCap = KR_TESTAPI_API_KEYS_MAX};
    assert_int_equal(kr_ApiVersionsResponse_read(&r, 3, &resp), 0);
    assert_int_equal(resp.ErrorCode, KR_KERR_INVALID_REQUEST);
}

int main(void)
{
    kr_testenv_init();
    const struct CMUnitTest tests[] = {
        KR_TESTAPI_CONN_TEST(test_every_version),
        KR_TESTAPI_CONN_TEST(test_unsupported_version),
        KR_TESTAPI_CONN_TEST(test_bad_software_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
