/*
 * InitProducerIdResponse reader, versions 0..5 (input byte 0 picks the version, the
 * rest is the body after the response header).
 *
 * Contract checked: never crashes or reads outside the input; returns 0, KR_ETRUNC or
 * KR_EMALFORMED; on success the body is consumed exactly, and the fixed fields are the
 * input's first 16 bytes (big-endian), a body that is shorter fails; re-encoding the
 * result and decoding it gives the same response.
 */
#include "kr_fuzz_resp.h"

static int decode(const uint8_t *body, size_t len, int16_t v, kr_InitProducerIdResponse_t *out)
{
    memset(out, 0, sizeof(*out));
    kr_rbuf_t r;
    kr_rbuf_init(&r, body, len);
    int rc = kr_InitProducerIdResponse_read(&r, v, out);
    KR_FUZZ_CHECK(rc == 0 || rc == KR_ETRUNC || rc == KR_EMALFORMED);
    kr_fuzz_check_cursor(&r, rc, body, len);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int16_t v = (int16_t)(data[0] % 6);
    const uint8_t *body = data + 1;
    size_t len = size - 1;

    kr_InitProducerIdResponse_t a, b;
    int rc = decode(body, len, v, &a);
    if (len < 16 || (v >= 2 && len < 17)) {
        KR_FUZZ_CHECK(rc != 0);
        return 0;
    }
    if (v < 2)
        KR_FUZZ_CHECK_EQ(rc, len == 16 ? 0 : KR_EMALFORMED);
    if (rc != 0)
        return 0;
    /* An independent read of the fixed layout. */
    kr_fuzz_in_t in;
    kr_fuzz_in_init(&in, body, len);
    KR_FUZZ_CHECK_EQ(a.ThrottleTimeMs, (int32_t)kr_fuzz_u32(&in));
    KR_FUZZ_CHECK_EQ(a.ErrorCode, (int16_t)kr_fuzz_u16(&in));
    KR_FUZZ_CHECK(a.ProducerId == (int64_t)kr_fuzz_u64(&in));
    KR_FUZZ_CHECK_EQ(a.ProducerEpoch, (int16_t)kr_fuzz_u16(&in));

    uint8_t re[32];
    kr_wbuf_t w;
    kr_wbuf_init(&w, re, sizeof(re));
    kr_fuzz_enc_initpid(&w, NULL, v, &a);
    KR_FUZZ_CHECK_EQ(w.err, 0);
    KR_FUZZ_CHECK_EQ(decode(re, kr_wbuf_len(&w), v, &b), 0);
    KR_FUZZ_CHECK(kr_fuzz_eq_initpid(&a, &b));
    return 0;
}
