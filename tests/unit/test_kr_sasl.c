/*
 * SaslHandshake and SaslAuthenticate: golden bodies built by hand from
 * SaslHandshakeRequest/Response.json and SaslAuthenticateRequest/Response.json, the
 * headers these APIs use, round trips, truncations and corruptions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kr_decode_check.h"
#include "kr_header.h"
#include "kr_sasl.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- SaslHandshake ---- */

static void test_handshake_request(void **state)
{
    (void)state;
    const uint8_t want[] = {
        0x00, 0x0d, 'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-', '5', '1', '2',
    }; /* Mechanism: STRING, int16 length 13 */
    kr_SaslHandshakeRequest_t req = {"SCRAM-SHA-512", 13};
    for (int16_t v = 0; v <= 1; v++) {
        uint8_t mem[32];
        kr_wbuf_t w;
        kr_wbuf_init(&w, mem, sizeof(mem));
        assert_int_equal(kr_SaslHandshakeRequest_write(&w, v, &req), 0);
        assert_int_equal(kr_wbuf_len(&w), sizeof(want));
        assert_memory_equal(mem, want, sizeof(want));
    }
    uint8_t mem[8];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    assert_int_equal(kr_SaslHandshakeRequest_write(&w, 2, &req), KR_EVERSION);
    assert_int_equal(kr_SaslHandshakeRequest_write(&w, -1, &req), KR_EVERSION);
    assert_int_equal(kr_wbuf_len(&w), 0);
    assert_int_equal(kr_SaslHandshakeRequest_write(&w, 1, &req), KR_ENOSPC);
}

/* The framed request: header v1 (never flexible), then the body. */
static void test_handshake_frame(void **state)
{
    (void)state;
    const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x13,                /* Size 19: 12 bytes of header, 7 of body */
        0x00, 0x11,                            /* ApiKey 17 */
        0x00, 0x01,                            /* ApiVersion 1 */
        0x00, 0x00, 0x00, 0x07,                /* CorrelationId 7 */
        0x00, 0x02, 'k',  'r',                 /* ClientId "kr" (STRING) */
        0x00, 0x05, 'P',  'L',  'A', 'I', 'N', /* Mechanism "PLAIN"; no tagged fields */
    };
    uint8_t mem[64];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    kr_RequestHeader_t h = {KR_API_SaslHandshake, 1, 7, "kr", 2};
    size_t off = kr_request_begin(&w, &h);
    kr_SaslHandshakeRequest_t req = {"PLAIN", 5};
    assert_int_equal(kr_SaslHandshakeRequest_write(&w, 1, &req), 0);
    assert_int_equal(kr_request_end(&w, off), 0);
    assert_int_equal(kr_wbuf_len(&w), sizeof(want));
    assert_memory_equal(mem, want, sizeof(want));
}

static void test_header_flexibility(void **state)
{
    (void)state;
    assert_non_null(kr_api_range(KR_API_SaslHandshake));
    assert_non_null(kr_api_range(KR_API_SaslAuthenticate));
    assert_int_equal(KR_API_SaslHandshake, 17);
    assert_int_equal(KR_API_SaslAuthenticate, 36);
    for (int16_t v = 0; v <= 1; v++) {
        assert_false(kr_api_flexible(KR_API_SaslHandshake, v));
        assert_false(kr_response_header_flexible(KR_API_SaslHandshake, v));
    }
    assert_false(kr_response_header_flexible(KR_API_SaslAuthenticate, 0));
    assert_false(kr_response_header_flexible(KR_API_SaslAuthenticate, 1));
    assert_true(kr_api_flexible(KR_API_SaslAuthenticate, 2));
    assert_true(kr_response_header_flexible(KR_API_SaslAuthenticate, 2));
}

static const uint8_t hs_resp[] = {
    0x00, 0x00,             /* ErrorCode 0 */
    0x00, 0x00, 0x00, 0x02, /* Mechanisms: 2 (ARRAY, int32 count) */
    0x00, 0x05, 'P',  'L',  'A', 'I', 'N', 0x00, 0x0d, 'S', 'C',
    'R',  'A',  'M',  '-',  'S', 'H', 'A', '-',  '2',  '5', '6',
};

static const uint8_t hs_resp_unsupported[] = {
    0x00, 0x21,             /* ErrorCode 33 UNSUPPORTED_SASL_MECHANISM */
    0x00, 0x00, 0x00, 0x01, /* Mechanisms: 1 */
    0x00, 0x00,             /* "" (an empty name) */
};

static int read_hs(const uint8_t *buf, size_t len, int16_t v, kr_SaslHandshakeResponse_t *out,
                   kr_str_t *mem, int32_t cap)
{
    kr_rbuf_t r;
    kr_rbuf_init(&r, buf, len);
    out->Mechanisms = mem;
    out->MechanismsCap = cap;
    return kr_SaslHandshakeResponse_read(&r, v, out);
}

static void test_handshake_response(void **state)
{
    (void)state;
    kr_str_t mech[4];
    kr_SaslHandshakeResponse_t out;
    for (int16_t v = 0; v <= 1; v++) {
        assert_int_equal(read_hs(hs_resp, sizeof(hs_resp), v, &out, mech, 4), 0);
        assert_int_equal(out.ErrorCode, 0);
        assert_int_equal(out.MechanismsCount, 2);
        assert_int_equal(mech[0].len, 5);
        assert_memory_equal(mech[0].ptr, "PLAIN", 5);
        assert_ptr_equal(mech[1].ptr, (const char *)hs_resp + 15);
        assert_int_equal(mech[1].len, 13);
        assert_true(kr_sasl_mechanism_listed(&out, "SCRAM-SHA-256", 13));
        assert_true(kr_sasl_mechanism_listed(&out, "PLAIN", 5));
        assert_false(kr_sasl_mechanism_listed(&out, "plain", 5));
        assert_false(kr_sasl_mechanism_listed(&out, "SCRAM-SHA-512", 13));
        assert_false(kr_sasl_mechanism_listed(&out, "PLAI", 4));
    }
    assert_int_equal(read_hs(hs_resp_unsupported, sizeof(hs_resp_unsupported), 1, &out, mech, 1),
                     0);
    assert_int_equal(out.ErrorCode, 33);
    assert_int_equal(out.MechanismsCount, 1);
    assert_int_equal(mech[0].len, 0);
    assert_int_equal(read_hs(hs_resp, sizeof(hs_resp), 1, &out, mech, 1), KR_ETOOMANY);
    assert_int_equal(read_hs(hs_resp, sizeof(hs_resp), 1, &out, NULL, 0), KR_ETOOMANY);
    assert_int_equal(read_hs(hs_resp, sizeof(hs_resp), 2, &out, mech, 4), KR_EVERSION);
    const uint8_t null_array[] = {0x00, 0x00, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(read_hs(null_array, sizeof(null_array), 1, &out, mech, 4), KR_EMALFORMED);
    const uint8_t null_name[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff};
    assert_int_equal(read_hs(null_name, sizeof(null_name), 1, &out, mech, 4), KR_EMALFORMED);
    const uint8_t extra[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(read_hs(extra, sizeof(extra), 0, &out, mech, 4), KR_EMALFORMED);
    const uint8_t lying[] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00};
    assert_int_equal(read_hs(lying, sizeof(lying), 0, &out, mech, 4), KR_ETRUNC);
}

/* ---- SaslAuthenticate ---- */

static void check_auth_request(int16_t v, const void *bytes, size_t n, const uint8_t *want,
                               size_t want_len)
{
    uint8_t mem[64];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    kr_SaslAuthenticateRequest_t req = {bytes, n};
    assert_int_equal(kr_SaslAuthenticateRequest_write(&w, v, &req), 0);
    assert_int_equal(kr_wbuf_len(&w), want_len);
    assert_memory_equal(mem, want, want_len);
}

static void test_authenticate_request(void **state)
{
    (void)state;
    const uint8_t plain[] = {0x00, 'u', 0x00, 'p'};
    const uint8_t want_v0[] = {
        0x00, 0x00, 0x00, 0x04, 0x00, 'u', 0x00, 'p', /* AuthBytes: BYTES, int32 length 4 */
    };
    const uint8_t want_v2[] = {
        0x05, 0x00, 'u', 0x00, 'p', /* AuthBytes: COMPACT_BYTES, uvarint 4+1 */
        0x00,                       /* tagged fields: none */
    };
    check_auth_request(0, plain, sizeof(plain), want_v0, sizeof(want_v0));
    check_auth_request(1, plain, sizeof(plain), want_v0, sizeof(want_v0));
    check_auth_request(2, plain, sizeof(plain), want_v2, sizeof(want_v2));
    /* Empty AuthBytes are zero bytes, never null. */
    const uint8_t empty_v1[] = {0x00, 0x00, 0x00, 0x00};
    const uint8_t empty_v2[] = {0x01, 0x00};
    check_auth_request(1, NULL, 0, empty_v1, sizeof(empty_v1));
    check_auth_request(2, NULL, 0, empty_v2, sizeof(empty_v2));
    uint8_t mem[5];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    kr_SaslAuthenticateRequest_t req = {plain, sizeof(plain)};
    assert_int_equal(kr_SaslAuthenticateRequest_write(&w, 3, &req), KR_EVERSION);
    assert_int_equal(kr_wbuf_len(&w), 0);
    assert_int_equal(kr_SaslAuthenticateRequest_write(&w, 0, &req), KR_ENOSPC);
}

/* The framed v2 request: header v2 (tagged fields after ClientId). */
static void test_authenticate_frame(void **state)
{
    (void)state;
    const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x0f, /* Size 15 */
        0x00, 0x24,             /* ApiKey 36 */
        0x00, 0x02,             /* ApiVersion 2 */
        0x00, 0x00, 0x00, 0x08, /* CorrelationId 8 */
        0xff, 0xff,             /* ClientId null (STRING even in header v2) */
        0x00,                   /* header tagged fields */
        0x03, 'h',  'i',        /* AuthBytes "hi" */
        0x00,                   /* tagged fields */
    };
    uint8_t mem[64];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    kr_RequestHeader_t h = {KR_API_SaslAuthenticate, 2, 8, NULL, 0};
    size_t off = kr_request_begin(&w, &h);
    kr_SaslAuthenticateRequest_t req = {"hi", 2};
    assert_int_equal(kr_SaslAuthenticateRequest_write(&w, 2, &req), 0);
    assert_int_equal(kr_request_end(&w, off), 0);
    assert_int_equal(kr_wbuf_len(&w), sizeof(want));
    assert_memory_equal(mem, want, sizeof(want));
}

static const uint8_t au_resp_v0[] = {
    0x00, 0x00,                            /* ErrorCode 0 */
    0xff, 0xff,                            /* ErrorMessage null */
    0x00, 0x00, 0x00, 0x03, 'v', '=', 'x', /* AuthBytes "v=x" */
};

static const uint8_t au_resp_v1[] = {
    0x00, 0x00,                                     /* ErrorCode 0 */
    0xff, 0xff,                                     /* ErrorMessage null */
    0x00, 0x00, 0x00, 0x03, 'v',  '=',  'x',        /* AuthBytes "v=x" */
    0x00, 0x00, 0x00, 0x00, 0x36, 0xee, 0x80, 0x00, /* SessionLifetimeMs 921600000 */
};

static const uint8_t au_resp_v2[] = {
    0x00, 0x00,                                     /* ErrorCode 0 */
    0x00,                                           /* ErrorMessage: compact null */
    0x04, 'v',  '=',  'x',                          /* AuthBytes "v=x" */
    0x00, 0x00, 0x00, 0x00, 0x36, 0xee, 0x80, 0x00, /* SessionLifetimeMs 921600000 */
    0x00,                                           /* tagged fields: none */
};

static const uint8_t au_resp_v2_error[] = {
    0x00, 0x3a, /* ErrorCode 58 SASL_AUTHENTICATION_FAILED */
    0x0a, 'b',  'a',  'd',  ' ',  'c',  'r',  'e',  'd', 's', /* ErrorMessage "bad creds" */
    0x01,                                                     /* AuthBytes: empty */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,           /* SessionLifetimeMs 0 */
    0x01, 0x09, 0x01, 0x2a, /* tagged fields: 1, unknown tag 9, size 1: skipped */
};

static int read_au(const uint8_t *buf, size_t len, int16_t v, kr_SaslAuthenticateResponse_t *out)
{
    kr_rbuf_t r;
    kr_rbuf_init(&r, buf, len);
    return kr_SaslAuthenticateResponse_read(&r, v, out);
}

static void test_authenticate_response(void **state)
{
    (void)state;
    kr_SaslAuthenticateResponse_t out;
    const struct {
        const uint8_t *buf;
        size_t len;
        int16_t v;
        int64_t lifetime;
    } ok[] = {
        {au_resp_v0, sizeof(au_resp_v0), 0, 0},
        {au_resp_v1, sizeof(au_resp_v1), 1, 921600000},
        {au_resp_v2, sizeof(au_resp_v2), 2, 921600000},
    };
    for (size_t i = 0; i < N_ELEMS(ok); i++) {
        memset(&out, 0x55, sizeof(out));
        assert_int_equal(read_au(ok[i].buf, ok[i].len, ok[i].v, &out), 0);
        assert_int_equal(out.ErrorCode, 0);
        assert_int_equal(out.ErrorMessage.len, -1);
        assert_int_equal(out.AuthBytes.len, 3);
        assert_memory_equal(out.AuthBytes.ptr, "v=x", 3);
        assert_true(out.SessionLifetimeMs == ok[i].lifetime);
    }
    assert_int_equal(read_au(au_resp_v2_error, sizeof(au_resp_v2_error), 2, &out), 0);
    assert_int_equal(out.ErrorCode, 58);
    assert_int_equal(out.ErrorMessage.len, 9);
    assert_memory_equal(out.ErrorMessage.ptr, "bad creds", 9);
    assert_int_equal(out.AuthBytes.len, 0);
    assert_true(out.SessionLifetimeMs == 0);
}

static void test_authenticate_response_errors(void **state)
{
    (void)state;
    kr_SaslAuthenticateResponse_t out;
    assert_int_equal(read_au(au_resp_v0, sizeof(au_resp_v0), 3, &out), KR_EVERSION);
    assert_int_equal(read_au(au_resp_v0, sizeof(au_resp_v0), -1, &out), KR_EVERSION);
    /* v1 read as v0 leaves SessionLifetimeMs over; v0 read as v1 lacks it. */
    assert_int_equal(read_au(au_resp_v1, sizeof(au_resp_v1), 0, &out), KR_EMALFORMED);
    assert_int_equal(read_au(au_resp_v0, sizeof(au_resp_v0), 1, &out), KR_ETRUNC);
    const uint8_t null_bytes_v0[] = {0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(read_au(null_bytes_v0, sizeof(null_bytes_v0), 0, &out), KR_EMALFORMED);
    const uint8_t null_bytes_v2[] = {0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00};
    assert_int_equal(read_au(null_bytes_v2, sizeof(null_bytes_v2), 2, &out), KR_EMALFORMED);
    const uint8_t lying_len[] = {0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 'x'};
    assert_int_equal(read_au(lying_len, sizeof(lying_len), 0, &out), KR_ETRUNC);
}

/* Encodes a response per SaslAuthenticateResponse.json (test side). */
static void enc_au(kr_wbuf_t *w, int16_t v, const kr_SaslAuthenticateResponse_t *m)
{
    bool flex = v >= 2;
    kr_wbuf_i16(w, m->ErrorCode);
    kr_wbuf_nstr(w, flex, m->ErrorMessage.len < 0 ? NULL : m->ErrorMessage.ptr,
                 m->ErrorMessage.len < 0 ? 0 : (size_t)m->ErrorMessage.len);
    kr_wbuf_bytes(w, flex, m->AuthBytes.ptr, (size_t)m->AuthBytes.len);
    if (v >= 1)
        kr_wbuf_i64(w, m->SessionLifetimeMs);
    kr_wbuf_tags(w, flex);
}

/* Encodes a response per SaslHandshakeResponse.json (test side). */
static void enc_hs(kr_wbuf_t *w, int16_t err, const kr_str_t *mech, int32_t n)
{
    kr_wbuf_i16(w, err);
    kr_wbuf_arraylen(w, false, n);
    for (int32_t i = 0; i < n; i++)
        kr_wbuf_str(w, false, mech[i].ptr, (size_t)mech[i].len);
}

static void test_round_trips(void **state)
{
    (void)state;
    static const char text[] = "SCRAM-SHA-512 PLAIN OAUTHBEARER GSSAPI r=abc,s=QSXCR+Q6,i=4096";
    uint64_t s = 0x5a51;
    for (int round = 0; round < 500; round++) {
        int16_t v = (int16_t)kr_prng_below(&s, 3);
        size_t a = kr_prng_below(&s, sizeof(text)), b = kr_prng_below(&s, sizeof(text));
        kr_SaslAuthenticateResponse_t m = {(int16_t)kr_prng_next(&s),
                                           kr_prng_below(&s, 3) == 0 ? (kr_str_t){NULL, -1}
                                                                     : (kr_str_t){text, (int32_t)a},
                                           {text + b, (int32_t)(sizeof(text) - 1 - b)},
                                           v >= 1 ? (int64_t)kr_prng_next(&s) : 0};
        uint8_t mem[256];
        kr_wbuf_t w;
        kr_wbuf_init(&w, mem, sizeof(mem));
        enc_au(&w, v, &m);
        assert_int_equal(w.err, 0);
        kr_SaslAuthenticateResponse_t out;
        assert_int_equal(read_au(mem, kr_wbuf_len(&w), v, &out), 0);
        assert_int_equal(out.ErrorCode, m.ErrorCode);
        assert_int_equal(out.ErrorMessage.len, m.ErrorMessage.len);
        if (m.ErrorMessage.len > 0)
            assert_memory_equal(out.ErrorMessage.ptr, m.ErrorMessage.ptr, m.ErrorMessage.len);
        assert_int_equal(out.AuthBytes.len, m.AuthBytes.len);
        assert_memory_equal(out.AuthBytes.ptr, m.AuthBytes.ptr, m.AuthBytes.len);
        assert_true(out.SessionLifetimeMs == m.SessionLifetimeMs);

        kr_str_t mech[6], got[6];
        int32_t n = (int32_t)kr_prng_below(&s, 7);
        for (int32_t i = 0; i < n; i++) {
            size_t off = kr_prng_below(&s, sizeof(text));
            mech[i] = (kr_str_t){text + off, (int32_t)kr_prng_below(&s, sizeof(text) - off)};
        }
        kr_wbuf_init(&w, mem, sizeof(mem));
        enc_hs(&w, m.ErrorCode, mech, n);
        assert_int_equal(w.err, 0);
        kr_SaslHandshakeResponse_t hs;
        assert_int_equal(read_hs(mem, kr_wbuf_len(&w), v % 2, &hs, got, 6), 0);
        assert_int_equal(hs.ErrorCode, m.ErrorCode);
        assert_int_equal(hs.MechanismsCount, n);
        for (int32_t i = 0; i < n; i++) {
            assert_int_equal(got[i].len, mech[i].len);
            assert_memory_equal(got[i].ptr, mech[i].ptr, mech[i].len);
            assert_true(kr_sasl_mechanism_listed(&hs, mech[i].ptr, (size_t)mech[i].len));
        }
    }
}

typedef struct {
    int api;
    int16_t version;
} decode_ctx_t;

static int decode_any(const uint8_t *buf, size_t len, void *ctx)
{
    const decode_ctx_t *c = ctx;
    if (c->api == KR_API_SaslHandshake) {
        kr_str_t mech[4];
        kr_SaslHandshakeResponse_t out;
        int rc = read_hs(buf, len, c->version, &out, mech, 4);
        if (rc == 0)
            for (int32_t i = 0; i < out.MechanismsCount; i++)
                assert_true((const uint8_t *)mech[i].ptr + mech[i].len <= buf + len);
        return rc;
    }
    kr_SaslAuthenticateResponse_t out;
    int rc = read_au(buf, len, c->version, &out);
    if (rc == 0) {
        assert_true(out.AuthBytes.len >= 0);
        assert_true((const uint8_t *)out.AuthBytes.ptr + out.AuthBytes.len <= buf + len);
    }
    return rc;
}

static void test_truncations_and_corruptions(void **state)
{
    (void)state;
    const struct {
        const uint8_t *buf;
        size_t len;
        int api;
        int16_t version;
    } cases[] = {
        {hs_resp, sizeof(hs_resp), KR_API_SaslHandshake, 0},
        {hs_resp, sizeof(hs_resp), KR_API_SaslHandshake, 1},
        {hs_resp_unsupported, sizeof(hs_resp_unsupported), KR_API_SaslHandshake, 1},
        {au_resp_v0, sizeof(au_resp_v0), KR_API_SaslAuthenticate, 0},
        {au_resp_v1, sizeof(au_resp_v1), KR_API_SaslAuthenticate, 1},
        {au_resp_v2, sizeof(au_resp_v2), KR_API_SaslAuthenticate, 2},
        {au_resp_v2_error, sizeof(au_resp_v2_error), KR_API_SaslAuthenticate, 2},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        decode_ctx_t c = {cases[i].api, cases[i].version};
        kr_check_truncations(decode_any, &c, cases[i].buf, cases[i].len);
        unsigned ok =
            kr_check_corruptions(decode_any, &c, cases[i].buf, cases[i].len, 3000, 0x5a00 + i);
        assert_true(ok > 0);
    }
    for (int16_t v = 0; v <= 2; v++) {
        decode_ctx_t a = {KR_API_SaslAuthenticate, v};
        kr_check_noise(decode_any, &a, 40, 2000, 0x5a10 + (uint64_t)v);
        decode_ctx_t h = {KR_API_SaslHandshake, (int16_t)(v % 2)};
        kr_check_noise(decode_any, &h, 40, 2000, 0x5a20 + (uint64_t)v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_request),
        cmocka_unit_test(test_handshake_frame),
        cmocka_unit_test(test_header_flexibility),
        cmocka_unit_test(test_handshake_response),
        cmocka_unit_test(test_authenticate_request),
        cmocka_unit_test(test_authenticate_frame),
        cmocka_unit_test(test_authenticate_response),
        cmocka_unit_test(test_authenticate_response_errors),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_truncations_and_corruptions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
