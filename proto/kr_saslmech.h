/*
 * The client messages of the one-round SASL mechanisms Kafka speaks:
 *
 *   PLAIN (RFC 4616):        [authzid] NUL authcid NUL passwd   (kring: no authzid)
 *   OAUTHBEARER (RFC 7628):  "n,," 0x01 "auth=Bearer " token 0x01
 *                            (key "=" value 0x01)* 0x01
 *
 * Each is written to a write cursor, to be sent as SaslAuthenticate AuthBytes. The
 * credentials are only borrowed; nothing here stores or prints them.
 *
 * OAUTHBEARER: a failed attempt gets a JSON error message from the server in
 * AuthBytes, and RFC 7628 section 3.2.3 wants the client to answer it with a single
 * 0x01 (KR_SASL_OAUTHBEARER_ABORT) before the server reports the failure.
 */
#ifndef KR_SASLMECH_H
#define KR_SASLMECH_H

#include <stddef.h>

#include "kr_buf.h"

#define KR_SASL_OAUTHBEARER_ABORT "\x01"

/* One SASL extension key=value pair for OAUTHBEARER (KIP-342); borrowed. */
typedef struct kr_sasl_kv {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
} kr_sasl_kv_t;

/*
 * Writes the PLAIN message NUL user NUL pass. Returns 0, KR_ECONFIG (an empty user
 * name, or a NUL byte in the user name or password, which the format cannot carry) or
 * KR_ENOSPC.
 */
int kr_sasl_plain_write(kr_wbuf_t *w, const char *user, size_t user_len, const char *pass,
                        size_t pass_len);

/*
 * Writes the OAUTHBEARER client-first-message with `token` and n_ext extensions.
 * token: RFC 6750 b64token (letters, digits, "-._~+/", then optional '='). Extension
 * keys: 1+ letters, not "auth"; values: visible ASCII, space, tab, CR, LF (RFC 7628
 * section 3.1). Returns 0, KR_ECONFIG (a character outside those sets, an empty token
 * or key) or KR_ENOSPC.
 */
int kr_sasl_oauthbearer_write(kr_wbuf_t *w, const char *token, size_t token_len,
                              const kr_sasl_kv_t *ext, size_t n_ext);

#endif
