/*
 * SaslHandshake (key 17, versions 0..1) and SaslAuthenticate (key 36, versions 0..2):
 * the Kafka framing around a SASL exchange. The mechanisms' own messages live in
 * kr_scram.h (SCRAM-SHA-256/512) and kr_saslmech.h (PLAIN, OAUTHBEARER).
 *
 * Writers and readers follow the conventions in kr_apiversions.h: a writer writes the
 * body only (frame it with kr_request_begin/kr_request_end) and returns w->err or
 * KR_EVERSION; a reader consumes the body after the response header exactly, and its
 * strings and bytes borrow the input.
 *
 * Order on a connection: SaslHandshake v1 names the mechanism (its answer lists the
 * enabled ones), then one SaslAuthenticate round per mechanism message. After a v0
 * handshake the broker expects the mechanism's bytes unframed (only an int32 size),
 * not SaslAuthenticate: kring's engine should send v1.
 *
 * Layouts: SaslHandshake is never flexible (request header v1, response header v0).
 * SaslAuthenticate is flexible from v2 (compact bytes/strings, tagged fields, request
 * header v2 and response header v1); its response carries SessionLifetimeMs from v1.
 */
#ifndef KR_SASL_H
#define KR_SASL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kr_buf.h"

/* Mechanism: non-null, e.g. "SCRAM-SHA-512"; the writer only borrows it. */
typedef struct kr_SaslHandshakeRequest {
    const char *Mechanism;
    size_t MechanismLen;
} kr_SaslHandshakeRequest_t;

/*
 * Mechanisms go to storage the caller lends (pointer and capacity, set before the
 * call); each entry borrows the input.
 */
typedef struct kr_SaslHandshakeResponse {
    int16_t ErrorCode;
    kr_str_t *Mechanisms;
    int32_t MechanismsCap;
    int32_t MechanismsCount;
} kr_SaslHandshakeResponse_t;

/* AuthBytes: the mechanism's message (non-null in every version); only borrowed. */
typedef struct kr_SaslAuthenticateRequest {
    const void *AuthBytes;
    size_t AuthBytesLen;
} kr_SaslAuthenticateRequest_t;

/*
 * ErrorMessage: null (len -1) when there is none. AuthBytes: the server's mechanism
 * message, never null. SessionLifetimeMs: 0 below v1, and 0 when the session does not
 * expire; else the client must re-authenticate within it (KIP-368).
 */
typedef struct kr_SaslAuthenticateResponse {
    int16_t ErrorCode;
    kr_str_t ErrorMessage;
    kr_str_t AuthBytes;
    int64_t SessionLifetimeMs;
} kr_SaslAuthenticateResponse_t;

/*
 * Writes the SaslHandshakeRequest body for `version` (0..1): Mechanism as a STRING.
 * Returns w->err (KR_ERANGE for a name over 32767 bytes), or KR_EVERSION.
 */
int kr_SaslHandshakeRequest_write(kr_wbuf_t *w, int16_t version,
                                  const kr_SaslHandshakeRequest_t *req);

/*
 * Reads a SaslHandshakeResponse body of `version` (0..1) into `out`; the caller sets
 * out->Mechanisms and out->MechanismsCap first. Returns 0, KR_ETRUNC, KR_EMALFORMED
 * (bytes left over, a null array or string), KR_ETOOMANY or KR_EVERSION.
 */
int kr_SaslHandshakeResponse_read(kr_rbuf_t *r, int16_t version, kr_SaslHandshakeResponse_t *out);

/* True if a decoded response lists `mech` (exact, case-sensitive: Kafka's names). */
bool kr_sasl_mechanism_listed(const kr_SaslHandshakeResponse_t *resp, const char *mech,
                              size_t mech_len);

/*
 * Writes the SaslAuthenticateRequest body for `version` (0..2). Returns w->err
 * (KR_ERANGE for AuthBytes over INT32_MAX - 1 bytes), or KR_EVERSION.
 */
int kr_SaslAuthenticateRequest_write(kr_wbuf_t *w, int16_t version,
                                     const kr_SaslAuthenticateRequest_t *req);

/*
 * Reads a SaslAuthenticateResponse body of `version` (0..2) into `out`. Returns 0,
 * KR_ETRUNC, KR_EMALFORMED (bytes left over, null AuthBytes) or KR_EVERSION. A
 * non-zero ErrorCode (e.g. 58 SASL_AUTHENTICATION_FAILED) is data, not an error here.
 */
int kr_SaslAuthenticateResponse_read(kr_rbuf_t *r, int16_t version,
                                     kr_SaslAuthenticateResponse_t *out);

#endif
