/*
 * ApiVersions: golden request and response bodies built by hand from
 * ApiVersionsRequest.json / ApiVersionsResponse.json, the error-35 v0 fallback, version
 * negotiation, truncations, corruptions, lying counts and small storage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kr_apiversions.h"
#include "kr_decode_check.h"
#include "kr_kerr.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const kr_ApiVersionsRequest_t kring_sw = {"kring", 5, "0.1.0", 5};

/* Writes req at `version` into mem; returns the byte count, asserts success. */
static size_t write_request(uint8_t *mem, size_t cap, int16_t version,
                            const kr_ApiVersionsRequest_t *req)
{
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, cap);
    assert_int_equal(kr_ApiVersionsRequest_write(&w, version, req), 0);
    return kr_wbuf_len(&w);
}

static void test_request_v0_to_v2_empty(void **state)
{
    (void)state;
    uint8_t mem[32];
    for (int16_t v = 0; v <= 2; v++)
        assert_int_equal(write_request(mem, sizeof(mem), v, &kring_sw), 0);
}

static void test_request_v3_v4(void **state)
{
    (void)state;
    const uint8_t want[] = {
        0x06, 'k', 'r', 'i', 'n', 'g', /* ClientSoftwareName: compact len 5+1, "kring" */
        0x06, '0', '.', '1', '.', '0', /* ClientSoftwareVersion: compact len 5+1, "0.1.0" */
        0x00,                          /* tagged fields: none */
    };
    uint8_t mem[64];
    for (int16_t v = 3; v <= 4; v++) {
        size_t n = write_request(mem, sizeof(mem), v, &kring_sw);
        assert_int_equal(n, sizeof(want));
        assert_memory_equal(mem, want, sizeof(want));
    }
}

/* The whole frame of a v3 request: header v2 (flexible) and body. */
static void test_request_v3_framed(void **state)
{
    (void)state;
    const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x1a,           /* Size: 26 bytes follow */
        0x00, 0x12,                       /* ApiKey 18 */
        0x00, 0x03,                       /* ApiVersion 3 */
        0x00, 0x00, 0x00, 0x01,           /* CorrelationId 1 */
        0x00, 0x02, 'k',  'r',            /* ClientId: int16 length (never compact) "kr" */
        0x00,                             /* header tagged fields: none */
        0x06, 'k',  'r',  'i',  'n', 'g', /* ClientSoftwareName */
        0x06, '0',  '.',  '1',  '.', '0', /* ClientSoftwareVersion */
        0x00,                             /* body tagged fields: none */
    };
    uint8_t mem[64];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    kr_RequestHeader_t h = {KR_API_ApiVersions, 3, 1, "kr", 2};
    size_t off = kr_request_begin(&w, &h);
    assert_int_equal(kr_ApiVersionsRequest_write(&w, 3, &kring_sw), 0);
    assert_int_equal(kr_request_end(&w, off), 0);
    assert_int_equal(kr_wbuf_len(&w), sizeof(want));
    assert_memory_equal(mem, want, sizeof(want));
}

static void test_request_bad_version_and_space(void **state)
{
    (void)state;
    uint8_t mem[8];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    assert_int_equal(kr_ApiVersionsRequest_write(&w, 5, &kring_sw), KR_EVERSION);
    assert_int_equal(kr_ApiVersionsRequest_write(&w, -1, &kring_sw), KR_EVERSION);
    assert_int_equal(kr_wbuf_len(&w), 0);
    assert_int_equal(kr_ApiVersionsRequest_write(&w, 3, &kring_sw), KR_ENOSPC);
}

/* ---- response goldens ---- */

static const uint8_t resp_v0[] = {
    0x00, 0x00,             /* ErrorCode 0 */
    0x00, 0x00, 0x00, 0x02, /* ApiKeys: int32 count 2 */
    0x00, 0x00,             /*   [0] ApiKey 0 (Produce) */
    0x00, 0x03,             /*       MinVersion 3 */
    0x00, 0x0b,             /*       MaxVersion 11 */
    0x00, 0x12,             /*   [1] ApiKey 18 (ApiVersions) */
    0x00, 0x00,             /*       MinVersion 0 */
    0x00, 0x04,             /*       MaxVersion 4 */
};

static const uint8_t resp_v1[] = {
    0x00, 0x00,             /* ErrorCode 0 */
    0x00, 0x00, 0x00, 0x02, /* ApiKeys: int32 count 2 */
    0x00, 0x00,             /*   [0] ApiKey 0 */
    0x00, 0x03,             /*       MinVersion 3 */
    0x00, 0x0b,             /*       MaxVersion 11 */
    0x00, 0x12,             /*   [1] ApiKey 18 */
    0x00, 0x00,             /*       MinVersion 0 */
    0x00, 0x04,             /*       MaxVersion 4 */
    0x00, 0x00, 0x00, 0x64, /* ThrottleTimeMs 100 (v1+) */
};

static const uint8_t resp_v3[] = {
    0x00, 0x00,                                     /* ErrorCode 0 */
    0x03,                                           /* ApiKeys: compact count 2+1 */
    0x00, 0x00,                                     /*   [0] ApiKey 0 */
    0x00, 0x03,                                     /*       MinVersion 3 */
    0x00, 0x0b,                                     /*       MaxVersion 11 */
    0x00,                                           /*       tagged fields: none */
    0x00, 0x12,                                     /*   [1] ApiKey 18 */
    0x00, 0x00,                                     /*       MinVersion 0 */
    0x00, 0x04,                                     /*       MaxVersion 4 */
    0x01,                                           /*       tagged fields: 1 (unknown, skipped) */
    0x05, 0x01, 0xaa,                               /*         tag 5, size 1, 0xaa */
    0x00, 0x00, 0x00, 0x64,                         /* ThrottleTimeMs 100 */
    0x02,                                           /* tagged fields: 2 */
    0x00, 0x09,                                     /*   tag 0 SupportedFeatures, size 9 */
    0x02,                                           /*     compact count 1+1 */
    0x03, 'm',  'v',                                /*     [0] Name "mv" */
    0x00, 0x01,                                     /*         MinVersion 1 */
    0x00, 0x15,                                     /*         MaxVersion 21 */
    0x00,                                           /*         tagged fields: none */
    0x01, 0x08,                                     /*   tag 1 FinalizedFeaturesEpoch, size 8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /* int64 42 */
};

/* A broker that does not know the requested version: v0 layout, error 35 (KIP-511). */
static const uint8_t resp_unsupported[] = {
    0x00, 0x23,             /* ErrorCode 35 UNSUPPORTED_VERSION */
    0x00, 0x00, 0x00, 0x01, /* ApiKeys: int32 count 1 */
    0x00, 0x12,             /*   [0] ApiKey 18 */
    0x00, 0x00,             /*       MinVersion 0 */
    0x00, 0x03,             /*       MaxVersion 3 */
};

/* Reads body at version into out with `cap` entries of storage. */
static int read_resp(const uint8_t *buf, size_t len, int16_t version, kr_ApiVersionsResponse_t *out,
                     kr_ApiVersion_t *store, int32_t cap)
{
    kr_rbuf_t r;
    kr_rbuf_init(&r, buf, len);
    out->ApiKeys = store;
    out->ApiKeysCap = cap;
    return kr_ApiVersionsResponse_read(&r, version, out);
}

/* The two entries every golden above carries. */
static void check_two_keys(const kr_ApiVersionsResponse_t *out)
{
    assert_int_equal(out->ErrorCode, 0);
    assert_int_equal(out->ApiKeysCount, 2);
    assert_int_equal(out->ApiKeys[0].ApiKey, 0);
    assert_int_equal(out->ApiKeys[0].MinVersion, 3);
    assert_int_equal(out->ApiKeys[0].MaxVersion, 11);
    assert_int_equal(out->ApiKeys[1].ApiKey, 18);
    assert_int_equal(out->ApiKeys[1].MinVersion, 0);
    assert_int_equal(out->ApiKeys[1].MaxVersion, 4);
}

static void test_response_goldens(void **state)
{
    (void)state;
    kr_ApiVersionsResponse_t out;
    kr_ApiVersion_t store[4];
    assert_int_equal(read_resp(resp_v0, sizeof(resp_v0), 0, &out, store, 4), 0);
    check_two_keys(&out);
    assert_int_equal(out.Version, 0);
    assert_int_equal(out.ThrottleTimeMs, 0);
    for (int16_t v = 1; v <= 2; v++) {
        assert_int_equal(read_resp(resp_v1, sizeof(resp_v1), v, &out, store, 4), 0);
        check_two_keys(&out);
        assert_int_equal(out.Version, v);
        assert_int_equal(out.ThrottleTimeMs, 100);
    }
    for (int16_t v = 3; v <= 4; v++) {
        assert_int_equal(read_resp(resp_v3, sizeof(resp_v3), v, &out, store, 4), 0);
        check_two_keys(&out);
        assert_int_equal(out.Version, v);
        assert_int_equal(out.ThrottleTimeMs, 100);
    }
}

/* A body of one layout read as another must not pass. */
static void test_response_wrong_layout(void **state)
{
    (void)state;
    kr_ApiVersionsResponse_t out;
    kr_ApiVersion_t store[4];
    assert_int_equal(read_resp(resp_v0, sizeof(resp_v0), 1, &out, store, 4), KR_ETRUNC);
    assert_int_equal(read_resp(resp_v1, sizeof(resp_v1), 0, &out, store, 4), KR_EMALFORMED);
    assert_int_not_equal(read_resp(resp_v1, sizeof(resp_v1), 3, &out, store, 4), 0);
    assert_int_not_equal(read_resp(resp_v3, sizeof(resp_v3), 1, &out, store, 4), 0);
}

static void test_response_unsupported_version_fallback(void **state)
{
    (void)state;
    kr_ApiVersionsResponse_t out;
    kr_ApiVersion_t store[4];
    for (int16_t v = 0; v <= 4; v++) {
        assert_int_equal(read_resp(resp_unsupported, sizeof(resp_unsupported), v, &out, store, 4),
                         0);
        assert_int_equal(out.Version, 0);
        assert_int_equal(out.ErrorCode, KR_KERR_UNSUPPORTED_VERSION);
        assert_int_equal(out.ApiKeysCount, 1);
        int16_t retry = -1;
        assert_int_equal(kr_apiversions_pick(&out, KR_API_ApiVersions, &retry), 0);
        assert_int_equal(retry, 3);
    }
    /* Brokers before 2.4 list nothing: no version to pick, the engine falls back to v0. */
    const uint8_t empty[] = {
        0x00, 0x23,             /* ErrorCode 35 */
        0x00, 0x00, 0x00, 0x00, /* ApiKeys: int32 count 0 */
    };
    assert_int_equal(read_resp(empty, sizeof(empty), 4, &out, store, 4), 0);
    assert_int_equal(out.ApiKeysCount, 0);
    int16_t retry = -1;
    assert_int_equal(kr_apiversions_pick(&out, KR_API_ApiVersions, &retry), KR_EVERSION);
}

static void test_response_errors(void **state)
{
    (void)state;
    kr_ApiVersionsResponse_t out;
    kr_ApiVersion_t store[4];
    assert_int_equal(read_resp(resp_v0, sizeof(resp_v0), 5, &out, store, 4), KR_EVERSION);
    assert_int_equal(read_resp(resp_v0, sizeof(resp_v0), -1, &out, store, 4), KR_EVERSION);
    assert_int_equal(read_resp(resp_v0, sizeof(resp_v0), 0, &out, store, 1), KR_ETOOMANY);
    assert_int_equal(read_resp(resp_v3, sizeof(resp_v3), 3, &out, NULL, 0), KR_ETOOMANY);
    uint8_t extra[sizeof(resp_v1) + 1];
    memcpy(extra, resp_v1, sizeof(resp_v1));
    extra[sizeof(resp_v1)] = 0;
    assert_int_equal(read_resp(extra, sizeof(extra), 1, &out, store, 4), KR_EMALFORMED);
}

static void test_response_lying_counts(void **state)
{
    (void)state;
    kr_ApiVersionsResponse_t out;
    kr_ApiVersion_t store[4];
    const uint8_t huge[] = {
        0x00, 0x00,             /* ErrorCode */
        0x7f, 0xff, 0xff, 0xff, /* ApiKeys count INT32_MAX */
        0x00, 0x00, 0x00, 0x03, 0x00, 0x0b,
    };
    assert_int_equal(read_resp(huge, sizeof(huge), 0, &out, store, 4), KR_ETRUNC);
    const uint8_t two_for_one[] = {
        0x00, 0x00,             /* ErrorCode */
        0x00, 0x00, 0x00, 0x02, /* ApiKeys count 2, one entry follows */
        0x00, 0x00, 0x00, 0x03, 0x00, 0x0b,
    };
    assert_int_equal(read_resp(two_for_one, sizeof(two_for_one), 0, &out, store, 4), KR_ETRUNC);
    const uint8_t null_v0[] = {
        0x00, 0x00,             /* ErrorCode */
        0xff, 0xff, 0xff, 0xff, /* ApiKeys: null, not allowed */
    };
    assert_int_equal(read_resp(null_v0, sizeof(null_v0), 0, &out, store, 4), KR_EMALFORMED);
    const uint8_t null_v3[] = {
        0x00, 0x00,             /* ErrorCode */
        0x00,                   /* ApiKeys: compact null, not allowed */
        0x00, 0x00, 0x00, 0x00, /* ThrottleTimeMs */
        0x00,                   /* tagged fields */
    };
    assert_int_equal(read_resp(null_v3, sizeof(null_v3), 3, &out, store, 4), KR_EMALFORMED);
    const uint8_t huge_v3[] = {
        0x00, 0x00,                   /* ErrorCode */
        0xff, 0xff, 0xff, 0xff, 0x07, /* ApiKeys: compact count 2^31-2 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    assert_int_equal(read_resp(huge_v3, sizeof(huge_v3), 3, &out, store, 4), KR_ETRUNC);
    const uint8_t bad_tag[] = {
        0x00, 0x00, 0x01,       /* ErrorCode, ApiKeys: compact count 0 */
        0x00, 0x00, 0x00, 0x00, /* ThrottleTimeMs */
        0x01, 0x00, 0x7f, 0x00, /* 1 tag: tag 0, size 127, only 1 byte follows */
    };
    assert_int_equal(read_resp(bad_tag, sizeof(bad_tag), 3, &out, store, 4), KR_ETRUNC);
}

/* ---- negotiation ---- */

static void test_pick(void **state)
{
    (void)state;
    const kr_api_range_t *produce = kr_api_range(KR_API_Produce);
    int16_t v = -1;
    kr_ApiVersion_t b = {KR_API_Produce, 0, 11};
    assert_int_equal(kr_api_version_pick(&b, produce, &v), 0);
    assert_int_equal(v, 11);
    b = (kr_ApiVersion_t){KR_API_Produce, 0, 20}; /* a broker newer than kring */
    assert_int_equal(kr_api_version_pick(&b, produce, &v), 0);
    assert_int_equal(v, produce->max);
    b = (kr_ApiVersion_t){KR_API_Produce, 0, 2}; /* only versions kring never sends */
    v = -1;
    assert_int_equal(kr_api_version_pick(&b, produce, &v), KR_EVERSION);
    assert_int_equal(v, -1);
    b = (kr_ApiVersion_t){KR_API_Produce, 3, 3};
    assert_int_equal(kr_api_version_pick(&b, produce, &v), 0);
    assert_int_equal(v, 3);
    b = (kr_ApiVersion_t){KR_API_Produce, 9, 5}; /* an empty broker range */
    assert_int_equal(kr_api_version_pick(&b, produce, &v), KR_EVERSION);
}

static void test_pick_from_response(void **state)
{
    (void)state;
    kr_ApiVersion_t store[] = {
        {KR_API_Produce, 0, 12},
        {KR_API_Metadata, 0, 13},
        {KR_API_ApiVersions, 0, 4},
    };
    kr_ApiVersionsResponse_t resp = {0, 0, store, 3, 3, 0};
    int16_t v = -1;
    assert_int_equal(kr_apiversions_pick(&resp, KR_API_Produce, &v), 0);
    assert_int_equal(v, 12);
    assert_int_equal(kr_apiversions_pick(&resp, KR_API_Metadata, &v), 0);
    assert_int_equal(v, 13);
    assert_int_equal(kr_apiversions_pick(&resp, KR_API_InitProducerId, &v), KR_EVERSION);
    assert_ptr_equal(kr_apiversions_find(&resp, KR_API_ApiVersions), &store[2]);
    assert_null(kr_apiversions_find(&resp, 1));
}

/* ---- round trips through a test-side encoder, all versions ---- */

/* Encodes a response body per ApiVersionsResponse.json; `tags` adds tagged fields (v3+). */
static void enc_response(kr_wbuf_t *w, int16_t v, const kr_ApiVersionsResponse_t *m, bool tags)
{
    bool flex = v >= 3;
    kr_wbuf_i16(w, m->ErrorCode);
    kr_wbuf_arraylen(w, flex, m->ApiKeysCount);
    for (int32_t i = 0; i < m->ApiKeysCount; i++) {
        kr_wbuf_i16(w, m->ApiKeys[i].ApiKey);
        kr_wbuf_i16(w, m->ApiKeys[i].MinVersion);
        kr_wbuf_i16(w, m->ApiKeys[i].MaxVersion);
        kr_wbuf_tags(w, flex);
    }
    if (v >= 1)
        kr_wbuf_i32(w, m->ThrottleTimeMs);
    if (flex && tags) {
        const uint8_t zk[] = {0x01, 0x03, 0x01, 0x01}; /* 1 tag: 3 ZkMigrationReady, true */
        kr_wbuf_raw(w, zk, sizeof(zk));
    } else {
        kr_wbuf_tags(w, flex);
    }
}

static void test_encoder_matches_goldens(void **state)
{
    (void)state;
    kr_ApiVersion_t keys[] = {{0, 3, 11}, {18, 0, 4}};
    kr_ApiVersionsResponse_t m = {0, 0, keys, 2, 2, 100};
    uint8_t mem[128];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    enc_response(&w, 0, &m, false);
    assert_int_equal(kr_wbuf_len(&w), sizeof(resp_v0));
    assert_memory_equal(mem, resp_v0, sizeof(resp_v0));
    kr_wbuf_init(&w, mem, sizeof(mem));
    enc_response(&w, 2, &m, false);
    assert_int_equal(kr_wbuf_len(&w), sizeof(resp_v1));
    assert_memory_equal(mem, resp_v1, sizeof(resp_v1));
}

static void test_round_trip_random(void **state)
{
    (void)state;
    uint64_t s = 0x5eed0001;
    for (int round = 0; round < 500; round++) {
        int16_t v = (int16_t)kr_prng_below(&s, 5);
        kr_ApiVersion_t keys[40];
        kr_ApiVersionsResponse_t m = {v, (int16_t)kr_prng_below(&s, 3), keys, 40, 0, 0};
        if (m.ErrorCode == KR_KERR_UNSUPPORTED_VERSION)
            m.ErrorCode = 0;
        m.ApiKeysCount = (int32_t)kr_prng_below(&s, 41);
        for (int32_t i = 0; i < m.ApiKeysCount; i++)
            keys[i] = (kr_ApiVersion_t){(int16_t)kr_prng_next(&s), (int16_t)kr_prng_next(&s),
                                        (int16_t)kr_prng_next(&s)};
        m.ThrottleTimeMs = v >= 1 ? (int32_t)kr_prng_next(&s) : 0;
        uint8_t mem[512];
        kr_wbuf_t w;
        kr_wbuf_init(&w, mem, sizeof(mem));
        enc_response(&w, v, &m, (round & 1) != 0);
        assert_int_equal(w.err, 0);
        kr_ApiVersionsResponse_t out;
        kr_ApiVersion_t store[40];
        assert_int_equal(read_resp(mem, kr_wbuf_len(&w), v, &out, store, 40), 0);
        assert_int_equal(out.Version, v);
        assert_int_equal(out.ErrorCode, m.ErrorCode);
        assert_int_equal(out.ThrottleTimeMs, m.ThrottleTimeMs);
        assert_int_equal(out.ApiKeysCount, m.ApiKeysCount);
        assert_memory_equal(store, keys, sizeof(keys[0]) * (size_t)m.ApiKeysCount);
    }
}

/* ---- robustness ---- */

typedef struct {
    int16_t version;
} decode_ctx_t;

static int decode_any(const uint8_t *buf, size_t len, void *ctx)
{
    const decode_ctx_t *c = ctx;
    kr_ApiVersionsResponse_t out;
    kr_ApiVersion_t store[8];
    int rc = read_resp(buf, len, c->version, &out, store, 8);
    if (rc == 0) {
        assert_in_range(out.ApiKeysCount, 0, 8);
        assert_true(out.Version == c->version || out.Version == 0);
    }
    return rc;
}

static void test_truncations_and_corruptions(void **state)
{
    (void)state;
    const struct {
        const uint8_t *buf;
        size_t len;
        int16_t version;
    } cases[] = {
        {resp_v0, sizeof(resp_v0), 0}, {resp_v1, sizeof(resp_v1), 1},
        {resp_v1, sizeof(resp_v1), 2}, {resp_v3, sizeof(resp_v3), 3},
        {resp_v3, sizeof(resp_v3), 4}, {resp_unsupported, sizeof(resp_unsupported), 3},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        decode_ctx_t c = {cases[i].version};
        kr_check_truncations(decode_any, &c, cases[i].buf, cases[i].len);
        unsigned ok =
            kr_check_corruptions(decode_any, &c, cases[i].buf, cases[i].len, 3000, 0xa11ce + i);
        assert_true(ok > 0);
    }
    for (int16_t v = 0; v <= 4; v++) {
        decode_ctx_t c = {v};
        kr_check_noise(decode_any, &c, 64, 2000, 0xb0b + (uint64_t)v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_v0_to_v2_empty),
        cmocka_unit_test(test_request_v3_v4),
        cmocka_unit_test(test_request_v3_framed),
        cmocka_unit_test(test_request_bad_version_and_space),
        cmocka_unit_test(test_response_goldens),
        cmocka_unit_test(test_response_wrong_layout),
        cmocka_unit_test(test_response_unsupported_version_fallback),
        cmocka_unit_test(test_response_errors),
        cmocka_unit_test(test_response_lying_counts),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_pick_from_response),
        cmocka_unit_test(test_encoder_matches_goldens),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_truncations_and_corruptions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
