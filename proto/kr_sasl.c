/* SaslHandshake and SaslAuthenticate request writers and response readers. */
#include "kr_sasl.h"

#include <assert.h>
#include <string.h>

#include "kr_header.h"

/* True if kring implements `version` of api_key. */
static bool sasl_version_ok(int16_t api_key, int16_t version)
{
    const kr_api_range_t *a = kr_api_range(api_key);
    assert(a != NULL);
    return version >= a->min && version <= a->max;
}

/* Writes the request body (see kr_sasl.h). Borrows req. Returns w->err or KR_EVERSION. */
int kr_SaslHandshakeRequest_write(kr_wbuf_t *w, int16_t version,
                                  const kr_SaslHandshakeRequest_t *req)
{
    assert(w != NULL);
    assert(req != NULL);
    assert(req->Mechanism != NULL);
    if (!sasl_version_ok(KR_API_SaslHandshake, version))
        return KR_EVERSION;
    kr_wbuf_str(w, false, req->Mechanism, req->MechanismLen);
    return w->err;
}

/*
 * Reads the response body (see kr_sasl.h) into out. Returns 0, KR_ETRUNC,
 * KR_EMALFORMED, KR_ETOOMANY or KR_EVERSION.
 */
int kr_SaslHandshakeResponse_read(kr_rbuf_t *r, int16_t version, kr_SaslHandshakeResponse_t *out)
{
    assert(r != NULL);
    assert(r->err == 0);
    assert(out != NULL);
    assert(out->MechanismsCap >= 0);
    assert(out->Mechanisms != NULL || out->MechanismsCap == 0);
    if (!sasl_version_ok(KR_API_SaslHandshake, version))
        return KR_EVERSION;
    out->MechanismsCount = 0;
    out->ErrorCode = kr_rbuf_i16(r);
    /* Smallest entry: an empty STRING, its int16 length. */
    int32_t n = kr_rbuf_arraylen(r, false, 2);
    if (r->err == 0 && n < 0)
        kr_rbuf_fail(r, KR_EMALFORMED);
    if (r->err != 0)
        return r->err;
    if (n > out->MechanismsCap)
        return KR_ETOOMANY;
    for (int32_t i = 0; i < n && r->err == 0; i++)
        out->Mechanisms[i] = kr_rbuf_str(r, false);
    if (r->err == 0 && kr_rbuf_left(r) != 0)
        kr_rbuf_fail(r, KR_EMALFORMED);
    if (r->err == 0)
        out->MechanismsCount = n;
    return r->err;
}

/* Linear search of the decoded mechanism names. */
bool kr_sasl_mechanism_listed(const kr_SaslHandshakeResponse_t *resp, const char *mech,
                              size_t mech_len)
{
    assert(resp != NULL);
    assert(mech != NULL);
    assert(resp->MechanismsCount >= 0 && resp->MechanismsCount <= resp->MechanismsCap);
    for (int32_t i = 0; i < resp->MechanismsCount; i++) {
        kr_str_t m = resp->Mechanisms[i];
        if (m.len >= 0 && (size_t)m.len == mech_len && memcmp(m.ptr, mech, mech_len) == 0)
            return true;
    }
    return false;
}

/* Writes the request body (see kr_sasl.h). Borrows req. Returns w->err or KR_EVERSION. */
int kr_SaslAuthenticateRequest_write(kr_wbuf_t *w, int16_t version,
                                     const kr_SaslAuthenticateRequest_t *req)
{
    assert(w != NULL);
    assert(req != NULL);
    assert(req->AuthBytes != NULL || req->AuthBytesLen == 0);
    if (!sasl_version_ok(KR_API_SaslAuthenticate, version))
        return KR_EVERSION;
    bool flex = kr_api_flexible(KR_API_SaslAuthenticate, version);
    /* AuthBytes is not nullable: an empty message is written as zero bytes. */
    kr_wbuf_bytes(w, flex, req->AuthBytes != NULL ? req->AuthBytes : "", req->AuthBytesLen);
    kr_wbuf_tags(w, flex);
    return w->err;
}

/*
 * Reads the response body (see kr_sasl.h) into out. Returns 0, KR_ETRUNC,
 * KR_EMALFORMED or KR_EVERSION.
 */
int kr_SaslAuthenticateResponse_read(kr_rbuf_t *r, int16_t version,
                                     kr_SaslAuthenticateResponse_t *out)
{
    assert(r != NULL);
    assert(r->err == 0);
    assert(out != NULL);
    if (!sasl_version_ok(KR_API_SaslAuthenticate, version))
        return KR_EVERSION;
    bool flex = kr_api_flexible(KR_API_SaslAuthenticate, version);
    out->SessionLifetimeMs = 0;
    out->ErrorCode = kr_rbuf_i16(r);
    out->ErrorMessage = kr_rbuf_nstr(r, flex);
    out->AuthBytes = kr_rbuf_bytes(r, flex);
    if (r->err == 0 && out->AuthBytes.len < 0)
        kr_rbuf_fail(r, KR_EMALFORMED);
    if (version >= 1)
        out->SessionLifetimeMs = kr_rbuf_i64(r);
    kr_rbuf_tags(r, flex);
    if (r->err == 0 && kr_rbuf_left(r) != 0)
        kr_rbuf_fail(r, KR_EMALFORMED);
    return r->err;
}
