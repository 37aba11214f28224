/*
 * ApiVersionsResponse reader, versions 0..4 (input byte 0 picks the version, the rest
 * is the body after the response header).
 *
 * Contract checked: never crashes or reads outside the input; returns 0, KR_ETRUNC,
 * KR_EMALFORMED or KR_ETOOMANY (never KR_ETOOMANY when the storage could hold one entry
 * per input byte); on success the body is consumed exactly, the struct is consistent
 * (kr_fuzz_check_apiversions, which also runs the version pick), exactly-sized storage
 * decodes the same and one entry less is KR_ETOOMANY; re-encoding the result and
 * decoding that gives the same response.
 */
#include "kr_fuzz_resp.h"

static int decode(const uint8_t *body, size_t len, int16_t v, kr_ApiVersion_t *keys, int32_t cap,
                  kr_ApiVersionsResponse_t *out)
{
    memset(out, 0, sizeof(*out));
    out->ApiKeys = keys;
    out->ApiKeysCap = cap;
    kr_rbuf_t r;
    kr_rbuf_init(&r, body, len);
    int rc = kr_ApiVersionsResponse_read(&r, v, out);
    KR_FUZZ_CHECK(rc == 0 || kr_fuzz_decode_error_ok(rc));
    kr_fuzz_check_cursor(&r, rc, body, len);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int16_t v = (int16_t)(data[0] % 5);
    const uint8_t *body = data + 1;
    size_t len = size - 1;

    int32_t cap = (int32_t)len + 1;
    kr_ApiVersion_t *keys = calloc((size_t)cap, sizeof(*keys));
    kr_ApiVersion_t *keys2 = calloc((size_t)cap, sizeof(*keys2));
    KR_FUZZ_CHECK(keys != NULL && keys2 != NULL);
    kr_ApiVersionsResponse_t a, b;
    int rc = decode(body, len, v, keys, cap, &a);
    KR_FUZZ_CHECK(rc != KR_ETOOMANY);
    if (rc == 0) {
        kr_fuzz_check_apiversions(&a, v);
        KR_FUZZ_CHECK_EQ(decode(body, len, v, keys2, a.ApiKeysCount, &b), 0);
        KR_FUZZ_CHECK(kr_fuzz_eq_apiversions(&a, &b));
        if (a.ApiKeysCount > 0)
            KR_FUZZ_CHECK_EQ(decode(body, len, v, keys2, a.ApiKeysCount - 1, &b), KR_ETOOMANY);

        size_t cap2 = 2 * len + 64;
        uint8_t *re = malloc(cap2);
        KR_FUZZ_CHECK(re != NULL);
        kr_wbuf_t w;
        kr_wbuf_init(&w, re, cap2);
        kr_fuzz_enc_apiversions(&w, NULL, &a);
        KR_FUZZ_CHECK_EQ(w.err, 0);
        KR_FUZZ_CHECK_EQ(decode(re, kr_wbuf_len(&w), v, keys2, cap, &b), 0);
        KR_FUZZ_CHECK(kr_fuzz_eq_apiversions(&a, &b));
        free(re);
    }
    free(keys);
    free(keys2);
    return 0;
}
