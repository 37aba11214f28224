/*
 * SaslHandshakeResponse (v0..1) and SaslAuthenticateResponse (v0..2) readers. Input
 * byte 0 % 5 picks the API and version (0..1: SaslHandshake v0..1, 2..4:
 * SaslAuthenticate v0..2); the rest is the body after the response header.
 *
 * Contract checked: never crashes or reads outside the input; returns 0, KR_ETRUNC,
 * KR_EMALFORMED or (handshake, storage too small) KR_ETOOMANY and nothing else; on
 * success the body is consumed exactly, every string lies inside the input, AuthBytes
 * is never null, SessionLifetimeMs is 0 below v1; ErrorCode is the first two bytes;
 * exact storage decodes the same and one entry less is KR_ETOOMANY; re-encoding the
 * result and decoding it gives the same response.
 */
#include "kr_fuzz_sasl.h"

#define MAX_MECHS 64

static int decode_hs(const uint8_t *body, size_t len, int16_t v, kr_str_t *mem, int32_t cap,
                     kr_SaslHandshakeResponse_t *out)
{
    memset(out, 0, sizeof(*out));
    out->Mechanisms = mem;
    out->MechanismsCap = cap;
    kr_rbuf_t r;
    kr_rbuf_init(&r, body, len);
    int rc = kr_SaslHandshakeResponse_read(&r, v, out);
    KR_FUZZ_CHECK(rc == 0 || kr_fuzz_decode_error_ok(rc));
    kr_fuzz_check_cursor(&r, rc, body, len);
    if (rc == 0) {
        KR_FUZZ_CHECK(out->MechanismsCount >= 0 && out->MechanismsCount <= cap);
        for (int32_t i = 0; i < out->MechanismsCount; i++)
            kr_fuzz_check_str(mem[i], false, body, len);
    }
    return rc;
}

static bool hs_eq(const kr_SaslHandshakeResponse_t *a, const kr_SaslHandshakeResponse_t *b)
{
    if (a->ErrorCode != b->ErrorCode || a->MechanismsCount != b->MechanismsCount)
        return false;
    for (int32_t i = 0; i < a->MechanismsCount; i++)
        if (!kr_fuzz_str_eq(a->Mechanisms[i], b->Mechanisms[i]))
            return false;
    return true;
}

static void fuzz_handshake(const uint8_t *body, size_t len, int16_t v)
{
    static kr_str_t m1[MAX_MECHS], m2[MAX_MECHS];
    static uint8_t re[1 << 16];
    kr_SaslHandshakeResponse_t a, b;
    int rc = decode_hs(body, len, v, m1, MAX_MECHS, &a);
    /* Every entry takes at least 2 bytes: MAX_MECHS entries never fit in 127 bytes. */
    if (len < 2 * MAX_MECHS)
        KR_FUZZ_CHECK(rc != KR_ETOOMANY);
    if (rc != 0)
        return;
    KR_FUZZ_CHECK_EQ(a.ErrorCode, (int16_t)(body[0] << 8 | body[1]));
    int32_t n = a.MechanismsCount;
    KR_FUZZ_CHECK_EQ(decode_hs(body, len, v, m2, n, &b), 0);
    KR_FUZZ_CHECK(hs_eq(&a, &b));
    if (n > 0)
        KR_FUZZ_CHECK_EQ(decode_hs(body, len, v, m2, n - 1, &b), KR_ETOOMANY);
    kr_wbuf_t w;
    kr_wbuf_init(&w, re, sizeof(re));
    kr_fuzz_enc_sasl_handshake(&w, &a);
    KR_FUZZ_CHECK_EQ(w.err, 0);
    KR_FUZZ_CHECK_EQ(decode_hs(re, kr_wbuf_len(&w), v, m2, MAX_MECHS, &b), 0);
    KR_FUZZ_CHECK(hs_eq(&a, &b));
}

static int decode_auth(const uint8_t *body, size_t len, int16_t v,
                       kr_SaslAuthenticateResponse_t *out)
{
    memset(out, 0x5a, sizeof(*out));
    kr_rbuf_t r;
    kr_rbuf_init(&r, body, len);
    int rc = kr_SaslAuthenticateResponse_read(&r, v, out);
    KR_FUZZ_CHECK(rc == 0 || rc == KR_ETRUNC || rc == KR_EMALFORMED);
    kr_fuzz_check_cursor(&r, rc, body, len);
    if (rc == 0) {
        kr_fuzz_check_str(out->ErrorMessage, true, body, len);
        kr_fuzz_check_str(out->AuthBytes, false, body, len);
        if (v < 1)
            KR_FUZZ_CHECK(out->SessionLifetimeMs == 0);
    }
    return rc;
}

static void fuzz_authenticate(const uint8_t *body, size_t len, int16_t v)
{
    static uint8_t re[1 << 16];
    kr_SaslAuthenticateResponse_t a, b;
    if (decode_auth(body, len, v, &a) != 0)
        return;
    KR_FUZZ_CHECK_EQ(a.ErrorCode, (int16_t)(body[0] << 8 | body[1]));
    kr_wbuf_t w;
    kr_wbuf_init(&w, re, sizeof(re));
    kr_fuzz_enc_sasl_auth(&w, NULL, v, &a);
    KR_FUZZ_CHECK_EQ(w.err, 0);
    KR_FUZZ_CHECK_EQ(decode_auth(re, kr_wbuf_len(&w), v, &b), 0);
    KR_FUZZ_CHECK_EQ(a.ErrorCode, b.ErrorCode);
    KR_FUZZ_CHECK(kr_fuzz_str_eq(a.ErrorMessage, b.ErrorMessage));
    KR_FUZZ_CHECK(kr_fuzz_str_eq(a.AuthBytes, b.AuthBytes));
    KR_FUZZ_CHECK(a.SessionLifetimeMs == b.SessionLifetimeMs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0] % KR_FUZZ_SASL_SELECTORS;
    if (sel < 2)
        fuzz_handshake(data + 1, size - 1, (int16_t)sel);
    else
        fuzz_authenticate(data + 1, size - 1, (int16_t)(sel - 2));
    return 0;
}
