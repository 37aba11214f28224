/*
 * Request and response headers, and the table of APIs kring speaks.
 *
 * A request on the wire is: int32 Size | header | body. kr_request_begin() writes a
 * Size placeholder and the header, the caller writes the body, kr_request_end()
 * patches Size. Request header v1 is ApiKey, ApiVersion, CorrelationId, ClientId
 * (nullable string, never compact); v2 adds an empty tagged-field section.
 *
 * A response is: int32 Size | header | body. The transport strips Size; the header is
 * CorrelationId (v0) plus a tagged-field section (v1). ApiVersions responses always
 * use header v0. SaslHandshake has no flexible version, so its headers are always
 * request v1 / response v0; SaslAuthenticate v2 uses request v2 / response v1.
 */
#ifndef KR_HEADER_H
#define KR_HEADER_H

#include <stdbool.h>
#include <stdint.h>

#include "kr_buf.h"

enum kr_api_key {
    KR_API_Produce = 0,
    KR_API_Metadata = 3,
    KR_API_SaslHandshake = 17,
    KR_API_ApiVersions = 18,
    KR_API_InitProducerId = 22,
    KR_API_SaslAuthenticate = 36,
};

/*
 * The versions kring implements for one API, and the first flexible version
 * (KR_API_NEVER_FLEXIBLE for an API that has none).
 */
#define KR_API_NEVER_FLEXIBLE INT16_MAX

typedef struct kr_api_range {
    int16_t api_key;
    int16_t min;
    int16_t max;
    int16_t flex_min;
} kr_api_range_t;

/* Returns kring's range for api_key, or NULL for an API kring does not speak. */
const kr_api_range_t *kr_api_range(int16_t api_key);

/* True if `version` of `api_key` uses flexible encodings (and request header v2). */
bool kr_api_flexible(int16_t api_key, int16_t version);

typedef struct kr_RequestHeader {
    int16_t ApiKey;
    int16_t ApiVersion;
    int32_t CorrelationId;
    const char *ClientId; /* NULL writes a null ClientId */
    size_t ClientIdLen;
} kr_RequestHeader_t;

/*
 * Writes the Size placeholder and the request header (v2 when the API version is
 * flexible, else v1). Returns the offset of Size, for kr_request_end(). Errors are left
 * in w->err.
 */
size_t kr_request_begin(kr_wbuf_t *w, const kr_RequestHeader_t *h);

/* Patches Size at `size_off` to cover everything written since. Returns w->err. */
int kr_request_end(kr_wbuf_t *w, size_t size_off);

/*
 * Reads a response header (v1 if `flex`, else v0) from a response with Size stripped.
 * Stores the CorrelationId. Returns 0, KR_ETRUNC or KR_EMALFORMED.
 */
int kr_ResponseHeader_read(kr_rbuf_t *r, bool flex, int32_t *correlation_id);

/* The response header is flexible (v1) for flexible versions, except ApiVersions (v0). */
bool kr_response_header_flexible(int16_t api_key, int16_t version);

#endif
