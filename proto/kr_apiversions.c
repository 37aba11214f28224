/* ApiVersions request writer, response reader and version negotiation. */
#include "kr_apiversions.h"

#include <assert.h>

#include "kr_kerr.h"

/* True if kring implements `version` of ApiVersions. */
static bool apiversions_version_ok(int16_t version)
{
    const kr_api_range_t *a = kr_api_range(KR_API_ApiVersions);
    assert(a != NULL);
    return version >= a->min && version <= a->max;
}

/* Writes the request body (see kr_apiversions.h). Borrows req. Returns w->err or KR_EVERSION. */
int kr_ApiVersionsRequest_write(kr_wbuf_t *w, int16_t version, const kr_ApiVersionsRequest_t *req)
{
    assert(w != NULL);
    assert(req != NULL);
    if (!apiversions_version_ok(version))
        return KR_EVERSION;
    if (!kr_api_flexible(KR_API_ApiVersions, version))
        return w->err;
    kr_wbuf_str(w, true, req->ClientSoftwareName, req->ClientSoftwareNameLen);
    kr_wbuf_str(w, true, req->ClientSoftwareVersion, req->ClientSoftwareVersionLen);
    kr_wbuf_tags(w, true);
    return w->err;
}

/*
 * Returns the ErrorCode that opens every ApiVersionsResponse body without moving the
 * cursor, or 0 if the body is too short (the real read then reports it).
 */
static int16_t apiversions_peek_error(const kr_rbuf_t *r)
{
    kr_rbuf_t peek = *r;
    int16_t code = kr_rbuf_i16(&peek);
    return peek.err == 0 ? code : 0;
}

/* Reads one ApiKeys entry. Errors stay in r->err. */
static void apiversions_read_key(kr_rbuf_t *r, bool flex, kr_ApiVersion_t *e)
{
    e->ApiKey = kr_rbuf_i16(r);
    e->MinVersion = kr_rbuf_i16(r);
    e->MaxVersion = kr_rbuf_i16(r);
    kr_rbuf_tags(r, flex);
}

/* Reads the ApiKeys array into out. Returns 0 or an error. */
static int apiversions_read_keys(kr_rbuf_t *r, bool flex, kr_ApiVersionsResponse_t *out)
{
    /* Smallest entry: three int16, plus an empty tag section when flexible. */
    int32_t n = kr_rbuf_arraylen(r, flex, flex ? 7 : 6);
    if (r->err != 0)
        return r->err;
    if (n < 0) {
        kr_rbuf_fail(r, KR_EMALFORMED);
        return r->err;
    }
    if (n > out->ApiKeysCap)
        return KR_ETOOMANY;
    for (int32_t i = 0; i < n && r->err == 0; i++)
        apiversions_read_key(r, flex, &out->ApiKeys[i]);
    out->ApiKeysCount = n;
    return r->err;
}

/*
 * Reads the response body (see kr_apiversions.h), as v0 when the broker answered error 35.
 * Returns 0, KR_ETRUNC, KR_EMALFORMED, KR_ETOOMANY or KR_EVERSION.
 */
int kr_ApiVersionsResponse_read(kr_rbuf_t *r, int16_t version, kr_ApiVersionsResponse_t *out)
{
    assert(r != NULL);
    assert(r->err == 0);
    assert(out != NULL);
    assert(out->ApiKeysCap >= 0);
    assert(out->ApiKeys != NULL || out->ApiKeysCap == 0);
    if (!apiversions_version_ok(version))
        return KR_EVERSION;
    /* A broker that does not know `version` answers in the v0 layout (KIP-511). */
    if (apiversions_peek_error(r) == KR_KERR_UNSUPPORTED_VERSION)
        version = 0;
    bool flex = kr_api_flexible(KR_API_ApiVersions, version);
    out->Version = version;
    out->ApiKeysCount = 0;
    out->ThrottleTimeMs = 0;
    out->ErrorCode = kr_rbuf_i16(r);
    int rc = apiversions_read_keys(r, flex, out);
    if (rc != 0)
        return rc;
    if (version >= 1)
        out->ThrottleTimeMs = kr_rbuf_i32(r);
    kr_rbuf_tags(r, flex);
    if (r->err == 0 && kr_rbuf_left(r) != 0)
        kr_rbuf_fail(r, KR_EMALFORMED);
    return r->err;
}

/* Linear search of the decoded ApiKeys; returns a pointer into resp->ApiKeys or NULL. */
const kr_ApiVersion_t *kr_apiversions_find(const kr_ApiVersionsResponse_t *resp, int16_t api_key)
{
    assert(resp != NULL);
    assert(resp->ApiKeysCount >= 0 && resp->ApiKeysCount <= resp->ApiKeysCap);
    for (int32_t i = 0; i < resp->ApiKeysCount; i++)
        if (resp->ApiKeys[i].ApiKey == api_key)
            return &resp->ApiKeys[i];
    return NULL;
}

/* Intersects the two ranges; returns 0 with the top of the intersection, or KR_EVERSION. */
int kr_api_version_pick(const kr_ApiVersion_t *broker, const kr_api_range_t *ours, int16_t *version)
{
    assert(broker != NULL);
    assert(ours != NULL);
    assert(version != NULL);
    assert(broker->ApiKey == ours->api_key);
    int16_t lo = broker->MinVersion > ours->min ? broker->MinVersion : ours->min;
    int16_t hi = broker->MaxVersion < ours->max ? broker->MaxVersion : ours->max;
    if (hi < lo)
        return KR_EVERSION;
    *version = hi;
    return 0;
}

/* Looks up both ranges for api_key and intersects them. Returns 0 or KR_EVERSION. */
int kr_apiversions_pick(const kr_ApiVersionsResponse_t *resp, int16_t api_key, int16_t *version)
{
    const kr_api_range_t *ours = kr_api_range(api_key);
    assert(ours != NULL);
    const kr_ApiVersion_t *broker = kr_apiversions_find(resp, api_key);
    if (broker == NULL)
        return KR_EVERSION;
    return kr_api_version_pick(broker, ours, version);
}
