/*
 * InitProducerId: golden bodies built by hand from InitProducerIdRequest.json /
 * InitProducerIdResponse.json, round trips, truncations and corruptions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kr_decode_check.h"
#include "kr_header.h"
#include "kr_initpid.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const kr_InitProducerIdRequest_t fresh = {NULL, 0, 60000, -1, -1};
static const kr_InitProducerIdRequest_t bump = {NULL, 0, 60000, 0x1234, 5};
static const kr_InitProducerIdRequest_t txn = {"tx", 2, 60000, -1, -1};

/* Writes req at version and checks the bytes against want. */
static void check_request(int16_t version, const kr_InitProducerIdRequest_t *req,
                          const uint8_t *want, size_t want_len)
{
    uint8_t mem[64];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    assert_int_equal(kr_InitProducerIdRequest_write(&w, version, req), 0);
    assert_int_equal(kr_wbuf_len(&w), want_len);
    assert_memory_equal(mem, want, want_len);
}

static void test_request_v0_v1(void **state)
{
    (void)state;
    const uint8_t want[] = {
        0xff, 0xff,             /* TransactionalId: null (int16 -1) */
        0x00, 0x00, 0xea, 0x60, /* TransactionTimeoutMs 60000 */
    };
    check_request(0, &fresh, want, sizeof(want));
    check_request(1, &fresh, want, sizeof(want));
    const uint8_t want_txn[] = {
        0x00, 0x02, 't',  'x',  /* TransactionalId "tx" (int16 length) */
        0x00, 0x00, 0xea, 0x60, /* TransactionTimeoutMs 60000 */
    };
    check_request(0, &txn, want_txn, sizeof(want_txn));
}

static void test_request_v2(void **state)
{
    (void)state;
    const uint8_t want[] = {
        0x00,                   /* TransactionalId: compact null */
        0x00, 0x00, 0xea, 0x60, /* TransactionTimeoutMs 60000 */
        0x00,                   /* tagged fields: none */
    };
    check_request(2, &fresh, want, sizeof(want));
    const uint8_t want_txn[] = {
        0x03, 't',  'x',        /* TransactionalId: compact length 2+1, "tx" */
        0x00, 0x00, 0xea, 0x60, /* TransactionTimeoutMs 60000 */
        0x00,                   /* tagged fields: none */
    };
    check_request(2, &txn, want_txn, sizeof(want_txn));
}

static void test_request_v3_to_v5(void **state)
{
    (void)state;
    const uint8_t want_fresh[] = {
        0x00,                                           /* TransactionalId: compact null */
        0x00, 0x00, 0xea, 0x60,                         /* TransactionTimeoutMs 60000 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* ProducerId -1: a new one */
        0xff, 0xff,                                     /* ProducerEpoch -1 */
        0x00,                                           /* tagged fields: none */
    };
    const uint8_t want_bump[] = {
        0x00,                                           /* TransactionalId: compact null */
        0x00, 0x00, 0xea, 0x60,                         /* TransactionTimeoutMs 60000 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, /* ProducerId 0x1234 (current) */
        0x00, 0x05,                                     /* ProducerEpoch 5 (current) */
        0x00,                                           /* tagged fields: none */
    };
    for (int16_t v = 3; v <= 5; v++) {
        check_request(v, &fresh, want_fresh, sizeof(want_fresh));
        check_request(v, &bump, want_bump, sizeof(want_bump));
    }
}

static void test_request_errors(void **state)
{
    (void)state;
    uint8_t mem[8];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    assert_int_equal(kr_InitProducerIdRequest_write(&w, 6, &fresh), KR_EVERSION);
    assert_int_equal(kr_InitProducerIdRequest_write(&w, -1, &fresh), KR_EVERSION);
    /* Below v3 the request cannot carry the producer id to bump. */
    assert_int_equal(kr_InitProducerIdRequest_write(&w, 2, &bump), KR_EVERSION);
    kr_InitProducerIdRequest_t half = fresh;
    half.ProducerEpoch = 0;
    assert_int_equal(kr_InitProducerIdRequest_write(&w, 0, &half), KR_EVERSION);
    assert_int_equal(kr_wbuf_len(&w), 0);
    assert_int_equal(kr_InitProducerIdRequest_write(&w, 3, &fresh), KR_ENOSPC);
}

/* ---- responses ---- */

static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x0a,                         /* ThrottleTimeMs 10 */
    0x00, 0x00,                                     /* ErrorCode 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, /* ProducerId 0x1234 */
    0x00, 0x05,                                     /* ProducerEpoch 5 */
};

static const uint8_t resp_v2[] = {
    0x00, 0x00, 0x00, 0x0a,                         /* ThrottleTimeMs 10 */
    0x00, 0x00,                                     /* ErrorCode 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, /* ProducerId 0x1234 */
    0x00, 0x05,                                     /* ProducerEpoch 5 */
    0x00,                                           /* tagged fields: none */
};

static const uint8_t resp_v2_error_tagged[] = {
    0x00, 0x00, 0x00, 0x00,                         /* ThrottleTimeMs 0 */
    0x00, 0x5a,                                     /* ErrorCode 90 PRODUCER_FENCED */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* ProducerId -1 */
    0xff, 0xff,                                     /* ProducerEpoch -1 */
    0x01,                                           /* tagged fields: 1 */
    0x07, 0x02, 0xab, 0xcd,                         /*   unknown tag 7, size 2: skipped */
};

static int read_resp(const uint8_t *buf, size_t len, int16_t v, kr_InitProducerIdResponse_t *out)
{
    kr_rbuf_t r;
    kr_rbuf_init(&r, buf, len);
    return kr_InitProducerIdResponse_read(&r, v, out);
}

static void test_response_goldens(void **state)
{
    (void)state;
    kr_InitProducerIdResponse_t out;
    for (int16_t v = 0; v <= 5; v++) {
        const uint8_t *buf = v < 2 ? resp_v0 : resp_v2;
        size_t len = v < 2 ? sizeof(resp_v0) : sizeof(resp_v2);
        memset(&out, 0x55, sizeof(out));
        assert_int_equal(read_resp(buf, len, v, &out), 0);
        assert_int_equal(out.ThrottleTimeMs, 10);
        assert_int_equal(out.ErrorCode, 0);
        assert_true(out.ProducerId == 0x1234);
        assert_int_equal(out.ProducerEpoch, 5);
    }
    assert_int_equal(read_resp(resp_v2_error_tagged, sizeof(resp_v2_error_tagged), 4, &out), 0);
    assert_int_equal(out.ThrottleTimeMs, 0);
    assert_int_equal(out.ErrorCode, 90);
    assert_true(out.ProducerId == -1);
    assert_int_equal(out.ProducerEpoch, -1);
}

static void test_response_errors(void **state)
{
    (void)state;
    kr_InitProducerIdResponse_t out;
    assert_int_equal(read_resp(resp_v0, sizeof(resp_v0), 6, &out), KR_EVERSION);
    assert_int_equal(read_resp(resp_v0, sizeof(resp_v0), -1, &out), KR_EVERSION);
    /* The flexible body read as v1 leaves its tag byte over. */
    assert_int_equal(read_resp(resp_v2, sizeof(resp_v2), 1, &out), KR_EMALFORMED);
    assert_int_equal(read_resp(resp_v0, sizeof(resp_v0), 2, &out), KR_ETRUNC);
    const uint8_t lying_tags[] = {
        0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* fixed fields */
        0x05,                                              /* 5 tagged fields, none follow */
    };
    assert_int_equal(read_resp(lying_tags, sizeof(lying_tags), 2, &out), KR_ETRUNC);
}

/* Encodes a response body per InitProducerIdResponse.json (test side). */
static void enc_response(kr_wbuf_t *w, int16_t v, const kr_InitProducerIdResponse_t *m)
{
    kr_wbuf_i32(w, m->ThrottleTimeMs);
    kr_wbuf_i16(w, m->ErrorCode);
    kr_wbuf_i64(w, m->ProducerId);
    kr_wbuf_i16(w, m->ProducerEpoch);
    kr_wbuf_tags(w, v >= 2);
}

static void test_round_trip(void **state)
{
    (void)state;
    uint64_t s = 0x1d1d;
    for (int round = 0; round < 300; round++) {
        int16_t v = (int16_t)kr_prng_below(&s, 6);
        kr_InitProducerIdResponse_t m = {(int32_t)kr_prng_next(&s), (int16_t)kr_prng_next(&s),
                                         (int64_t)kr_prng_next(&s), (int16_t)kr_prng_next(&s)};
        uint8_t mem[32];
        kr_wbuf_t w;
        kr_wbuf_init(&w, mem, sizeof(mem));
        enc_response(&w, v, &m);
        assert_int_equal(w.err, 0);
        kr_InitProducerIdResponse_t out;
        assert_int_equal(read_resp(mem, kr_wbuf_len(&w), v, &out), 0);
        assert_int_equal(out.ThrottleTimeMs, m.ThrottleTimeMs);
        assert_int_equal(out.ErrorCode, m.ErrorCode);
        assert_true(out.ProducerId == m.ProducerId);
        assert_int_equal(out.ProducerEpoch, m.ProducerEpoch);
    }
    kr_InitProducerIdResponse_t m = {10, 0, 0x1234, 5};
    uint8_t mem[32];
    kr_wbuf_t w;
    kr_wbuf_init(&w, mem, sizeof(mem));
    enc_response(&w, 0, &m);
    assert_memory_equal(mem, resp_v0, sizeof(resp_v0));
    kr_wbuf_init(&w, mem, sizeof(mem));
    enc_response(&w, 2, &m);
    assert_memory_equal(mem, resp_v2, sizeof(resp_v2));
}

typedef struct {
    int16_t version;
} decode_ctx_t;

static int decode_any(const uint8_t *buf, size_t len, void *ctx)
{
    const decode_ctx_t *c = ctx;
    kr_InitProducerIdResponse_t out;
    return read_resp(buf, len, c->version, &out);
}

static void test_truncations_and_corruptions(void **state)
{
    (void)state;
    const struct {
        const uint8_t *buf;
        size_t len;
        int16_t version;
    } cases[] = {
        {resp_v0, sizeof(resp_v0), 0},
        {resp_v0, sizeof(resp_v0), 1},
        {resp_v2, sizeof(resp_v2), 2},
        {resp_v2, sizeof(resp_v2), 5},
        {resp_v2_error_tagged, sizeof(resp_v2_error_tagged), 3},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        decode_ctx_t c = {cases[i].version};
        kr_check_truncations(decode_any, &c, cases[i].buf, cases[i].len);
        unsigned ok =
            kr_check_corruptions(decode_any, &c, cases[i].buf, cases[i].len, 3000, 0x1d00 + i);
        assert_true(ok > 0);
    }
    for (int16_t v = 0; v <= 5; v++) {
        decode_ctx_t c = {v};
        kr_check_noise(decode_any, &c, 40, 2000, 0x1d10 + (uint64_t)v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_v0_v1),    cmocka_unit_test(test_request_v2),
        cmocka_unit_test(test_request_v3_to_v5), cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_response_goldens), cmocka_unit_test(test_response_errors),
        cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_truncations_and_corruptions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
