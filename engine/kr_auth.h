/*
 * The SASL client of one connection (security.protocol SASL_PLAINTEXT and SASL_SSL), as
 * Kafka runs it after ApiVersions and before any other request: SaslHandshake v1 names
 * the mechanism, then SaslAuthenticate rounds carry its messages (PLAIN and OAUTHBEARER:
 * one; SCRAM-SHA-256/512: client-first, client-final, then the server's signature is
 * checked). The connection (kr_conn) frames and sends what this module writes and hands
 * it each response; the same exchange runs again before the session the broker granted
 * ends (KIP-368).
 *
 * Secrets (password, token) are read from the configuration when a message is written
 * and never stored here or put in a message.
 */
#ifndef KR_AUTH_H
#define KR_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "kr_buf.h"
#include "kr_conf.h"
#include "kr_scram.h"

enum kr_auth_step {
    KR_AUTH_IDLE,
    KR_AUTH_HANDSHAKE,
    KR_AUTH_FIRST,
    KR_AUTH_FINAL,
    KR_AUTH_ABORT,
    KR_AUTH_DONE
};

#define KR_AUTH_FINAL_MAX 512

typedef struct kr_auth {
    uint8_t step; /* enum kr_auth_step: the request to write next */
    kr_scram_t scram;
    uint8_t final[KR_AUTH_FINAL_MAX]; /* SCRAM client-final, from the server-first */
    size_t final_len;
} kr_auth_t;

/* True when the configuration asks for SASL. */
bool kr_auth_wanted(const kr_conf_t *c);

/* Starts an exchange (also a re-authentication). */
void kr_auth_begin(kr_auth_t *a);

/*
 * Writes the body of the next request into w and says which (*api_key: SaslHandshake or
 * SaslAuthenticate, at *version, given the SaslAuthenticate version the broker takes).
 * Returns 0, or KR_EAUTH with a reason in why (the token callback failed, a credential
 * the mechanism cannot carry).
 */
int kr_auth_request(kr_auth_t *a, const kr_conf_t *c, int16_t auth_version, kr_wbuf_t *w,
                    int16_t *api_key, int16_t *version, char *why, size_t whylen);

/*
 * Applies the response to the last request. Returns 0 when another request follows,
 * 1 when the connection is authenticated (*lifetime_ms: the session the broker granted,
 * 0 for no limit), KR_EAUTH (refused: wrong credentials, a mechanism the broker does not
 * enable, a server signature that does not verify) with the reason in why, or a decode
 * error.
 */
int kr_auth_response(kr_auth_t *a, const kr_conf_t *c, int16_t api_key, int16_t version,
                     kr_rbuf_t *body, int64_t *lifetime_ms, char *why, size_t whylen);

#endif
