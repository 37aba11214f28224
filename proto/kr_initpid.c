/* InitProducerId request writer and response reader, v0..v5. */
#include "kr_initpid.h"

#include <assert.h>
#include <stdbool.h>

#include "kr_header.h"

/* True if kring implements `version` of InitProducerId. */
static bool initpid_version_ok(int16_t version)
{
    const kr_api_range_t *a = kr_api_range(KR_API_InitProducerId);
    assert(a != NULL);
    return version >= a->min && version <= a->max;
}

/*
 * Writes the request body (see kr_initpid.h). Borrows req. Returns w->err or
 * KR_EVERSION.
 */
int kr_InitProducerIdRequest_write(kr_wbuf_t *w, int16_t version,
                                   const kr_InitProducerIdRequest_t *req)
{
    assert(w != NULL);
    assert(req != NULL);
    assert(req->TransactionTimeoutMs >= 0);
    if (!initpid_version_ok(version))
        return KR_EVERSION;
    bool fresh = req->ProducerId == -1 && req->ProducerEpoch == -1;
    if (version < 3 && !fresh)
        return KR_EVERSION;
    bool flex = kr_api_flexible(KR_API_InitProducerId, version);
    kr_wbuf_nstr(w, flex, req->TransactionalId, req->TransactionalIdLen);
    kr_wbuf_i32(w, req->TransactionTimeoutMs);
    if (version >= 3) {
        kr_wbuf_i64(w, req->ProducerId);
        kr_wbuf_i16(w, req->ProducerEpoch);
    }
    kr_wbuf_tags(w, flex);
    return w->err;
}

/*
 * Reads the response body (see kr_initpid.h) into out. Returns 0, KR_ETRUNC,
 * KR_EMALFORMED or KR_EVERSION.
 */
int kr_InitProducerIdResponse_read(kr_rbuf_t *r, int16_t version, kr_InitProducerIdResponse_t *out)
{
    assert(r != NULL);
    assert(r->err == 0);
    assert(out != NULL);
    if (!initpid_version_ok(version))
        return KR_EVERSION;
    bool flex = kr_api_flexible(KR_API_InitProducerId, version);
    out->ThrottleTimeMs = kr_rbuf_i32(r);
    out->ErrorCode = kr_rbuf_i16(r);
    out->ProducerId = kr_rbuf_i64(r);
    out->ProducerEpoch = kr_rbuf_i16(r);
    kr_rbuf_tags(r, flex);
    if (r->err == 0 && kr_rbuf_left(r) != 0)
        kr_rbuf_fail(r, KR_EMALFORMED);
    return r->err;
}
