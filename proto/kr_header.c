/* Request/response headers and the API version table. */
#include "kr_header.h"

#include <assert.h>
#include <stddef.h>

/*
 * Produce v13 addresses topics by id (KIP-516); kring writes it when the broker offers
 * it and Metadata gave the topic id. Produce below v3 predates RecordBatch v2.
 * SaslHandshake is never flexible (its v1 stays v1 for old clients' sake, KAFKA-9577);
 * v0 sends the mechanism's bytes unframed afterwards, v1 wraps them in SaslAuthenticate.
 */
static const kr_api_range_t kr_apis[] = {
    {KR_API_Produce, 3, 13, 9},
    {KR_API_Metadata, 1, 13, 9},
    {KR_API_SaslHandshake, 0, 1, KR_API_NEVER_FLEXIBLE},
    {KR_API_ApiVersions, 0, 4, 3},
    {KR_API_InitProducerId, 0, 5, 2},
    {KR_API_SaslAuthenticate, 0, 2, 2},
};

const kr_api_range_t *kr_api_range(int16_t api_key)
{
    for (size_t i = 0; i < sizeof(kr_apis) / sizeof(kr_apis[0]); i++)
        if (kr_apis[i].api_key == api_key)
            return &kr_apis[i];
    return NULL;
}

bool kr_api_flexible(int16_t api_key, int16_t version)
{
    const kr_api_range_t *a = kr_api_range(api_key);
    assert(a != NULL);
    return version >= a->flex_min;
}

bool kr_response_header_flexible(int16_t api_key, int16_t version)
{
    if (api_key == KR_API_ApiVersions)
        return false;
    return kr_api_flexible(api_key, version);
}

size_t kr_request_begin(kr_wbuf_t *w, const kr_RequestHeader_t *h)
{
    assert(h->CorrelationId >= 0);
    size_t size_off = kr_wbuf_reserve(w, 4);
    kr_wbuf_i16(w, h->ApiKey);
    kr_wbuf_i16(w, h->ApiVersion);
    kr_wbuf_i32(w, h->CorrelationId);
    kr_wbuf_nstr(w, false, h->ClientId, h->ClientIdLen);
    kr_wbuf_tags(w, kr_api_flexible(h->ApiKey, h->ApiVersion));
    return size_off;
}

int kr_request_end(kr_wbuf_t *w, size_t size_off)
{
    if (w->err != 0)
        return w->err;
    size_t len = kr_wbuf_len(w) - size_off - 4;
    if (len > INT32_MAX) {
        w->err = KR_ERANGE;
        return w->err;
    }
    kr_wbuf_patch_i32(w, size_off, (int32_t)len);
    return 0;
}

int kr_ResponseHeader_read(kr_rbuf_t *r, bool flex, int32_t *correlation_id)
{
    *correlation_id = kr_rbuf_i32(r);
    kr_rbuf_tags(r, flex);
    return r->err;
}
