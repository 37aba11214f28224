/*
 * ApiVersions (key 18), versions 0..4: the first request on every connection, and
 * the choice of the version kring speaks for each API on that broker.
 *
 * Conventions shared by kr_apiversions, kr_metadata and kr_initpid:
 *
 * - A request writer writes the body only, after the caller's kr_request_begin() and
 *   before its kr_request_end(). It returns w->err (0, KR_ENOSPC, KR_ERANGE), or
 *   KR_EVERSION without writing anything when `version` is not one kring implements or
 *   the request holds a value that version cannot carry.
 * - A response reader takes a cursor positioned after the response header, whose end is
 *   the end of the response, and must consume it exactly. It returns 0, KR_ETRUNC,
 *   KR_EMALFORMED (bytes left over, an impossible value, a lying length),
 *   KR_ETOOMANY (more elements than the caller's storage holds) or KR_EVERSION. Strings
 *   borrow the input buffer, which must outlive the response struct. Arrays go to
 *   storage the caller lends in the struct (pointer and capacity, set before the call;
 *   the reader sets the counts). On any error the struct's contents are unspecified.
 *
 * The ApiVersions response header is always v0 (no tagged fields), whatever the request
 * version: read it with kr_ResponseHeader_read(r, false, ...).
 *
 * A broker that does not know the ApiVersions version it was sent answers with ErrorCode
 * UNSUPPORTED_VERSION (35) in the v0 body layout, listing in ApiKeys its own
 * ApiVersions range (KIP-511; brokers before 2.4 send an empty list).
 * kr_ApiVersionsResponse_read() recognises this from the ErrorCode, decodes that body as
 * v0 and says so in `Version`. The engine then retries with the version
 * kr_apiversions_pick(resp, KR_API_ApiVersions, &v) gives, or with v0 when it fails.
 */
#ifndef KR_APIVERSIONS_H
#define KR_APIVERSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kr_buf.h"
#include "kr_header.h"

/*
 * ClientSoftwareName and ClientSoftwareVersion (v3+) must match the broker's pattern
 * [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? or it answers INVALID_REQUEST (42). Both
 * are non-nullable; the writer only borrows them.
 */
typedef struct kr_ApiVersionsRequest {
    const char *ClientSoftwareName;
    size_t ClientSoftwareNameLen;
    const char *ClientSoftwareVersion;
    size_t ClientSoftwareVersionLen;
} kr_ApiVersionsRequest_t;

typedef struct kr_ApiVersion {
    int16_t ApiKey;
    int16_t MinVersion;
    int16_t MaxVersion;
} kr_ApiVersion_t;

typedef struct kr_ApiVersionsResponse {
    /* The layout the reader decoded: the request version, or 0 after error 35. */
    int16_t Version;
    int16_t ErrorCode;
    kr_ApiVersion_t *ApiKeys; /* caller's storage, ApiKeysCap entries */
    int32_t ApiKeysCap;
    int32_t ApiKeysCount;
    int32_t ThrottleTimeMs; /* v1+, else 0 */
} kr_ApiVersionsResponse_t;

/*
 * Writes the ApiVersionsRequest body for `version` (0..4): empty for v0..v2;
 * ClientSoftwareName, ClientSoftwareVersion (compact strings) and an empty tagged-field
 * section for v3+. Returns w->err, or KR_EVERSION for another version.
 */
int kr_ApiVersionsRequest_write(kr_wbuf_t *w, int16_t version, const kr_ApiVersionsRequest_t *req);

/*
 * Reads an ApiVersionsResponse body of the `version` (0..4) that was requested, or the
 * v0 body a broker sends with ErrorCode UNSUPPORTED_VERSION (see above). Fills `out`;
 * the caller sets out->ApiKeys and out->ApiKeysCap first. Tagged fields
 * (SupportedFeatures, FinalizedFeatures, ...) are skipped. Returns 0, KR_ETRUNC,
 * KR_EMALFORMED, KR_ETOOMANY or KR_EVERSION.
 */
int kr_ApiVersionsResponse_read(kr_rbuf_t *r, int16_t version, kr_ApiVersionsResponse_t *out);

/* Returns the broker's entry for `api_key` in a decoded response, or NULL. */
const kr_ApiVersion_t *kr_apiversions_find(const kr_ApiVersionsResponse_t *resp, int16_t api_key);

/*
 * Stores in *version the highest version both the broker's range and kring's range
 * (kr_api_range) allow. Returns 0, or KR_EVERSION if the ranges do not meet.
 */
int kr_api_version_pick(const kr_ApiVersion_t *broker, const kr_api_range_t *ours,
                        int16_t *version);

/*
 * kr_api_version_pick() for `api_key`, which must be one kring speaks, against the
 * broker's entry in `resp`. Returns 0, or KR_EVERSION if the broker does not list the
 * API or no version is common.
 */
int kr_apiversions_pick(const kr_ApiVersionsResponse_t *resp, int16_t api_key, int16_t *version);

#endif
