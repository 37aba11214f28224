/* The SASL client of one connection. */
#include "kr_auth.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "kr_header.h"
#include "kr_kerr.h"
#include "kr_sasl.h"
#include "kr_sasl_crypto.h"
#include "kr_saslmech.h"

#define AUTH_HANDSHAKE_V 1 /* v0 would send the mechanism's bytes unframed */
#define AUTH_TOKEN_MAX 8192
#define AUTH_MECHS_MAX 16

static const char *const mech_names[] = {"", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512",
                                         "OAUTHBEARER"};

bool kr_auth_wanted(const kr_conf_t *c)
{
    return c->security_protocol == KR_SEC_SASL_PLAINTEXT || c->security_protocol == KR_SEC_SASL_SSL;
}

static void auth_wipe(kr_auth_t *a)
{
    kr_scram_clear(&a->scram);
    memset(a->final, 0, sizeof(a->final));
    a->final_len = 0;
}

void kr_auth_begin(kr_auth_t *a)
{
    auth_wipe(a);
    a->step = KR_AUTH_HANDSHAKE;
}

/* The mechanism's first message: PLAIN, OAUTHBEARER (token from the callback), SCRAM. */
static int auth_first(kr_auth_t *a, const kr_conf_t *c, kr_wbuf_t *w, char *why, size_t whylen)
{
    if (c->sasl_mechanism == KR_SASL_PLAIN)
        return kr_sasl_plain_write(w, c->sasl_username, strlen(c->sasl_username), c->sasl_password,
                                   strlen(c->sasl_password));
    if (c->sasl_mechanism == KR_SASL_OAUTHBEARER) {
        char token[AUTH_TOKEN_MAX];
        int64_t lifetime_ms = 0;
        char err[160] = "";
        token[0] = '\0';
        if (c->oauth_cb(token, sizeof(token), &lifetime_ms, err, sizeof(err), c->oauth_ctx)) {
            snprintf(why, whylen, "the OAUTHBEARER token callback failed: %s", err);
            return KR_EAUTH;
        }
        int rc = kr_sasl_oauthbearer_write(w, token, strnlen(token, sizeof(token)), NULL, 0);
        memset(token, 0, sizeof(token));
        if (rc == KR_ECONFIG)
            snprintf(why, whylen, "the OAUTHBEARER token is not a bearer token (RFC 6750)");
        return rc;
    }
    char nonce[KR_SASL_NONCE_LEN + 1];
    int rc = kr_sasl_nonce(nonce, sizeof(nonce));
    if (rc != 0)
        return rc;
    kr_scram_init(&a->scram, c->sasl_mechanism == KR_SASL_SCRAM_SHA_256 ? kr_sasl_crypto_sha256()
                                                                        : kr_sasl_crypto_sha512());
    return kr_scram_client_first(&a->scram, w, c->sasl_username, strlen(c->sasl_username), nonce,
                                 KR_SASL_NONCE_LEN);
}

int kr_auth_request(kr_auth_t *a, const kr_conf_t *c, int16_t auth_version, kr_wbuf_t *w,
                    int16_t *api_key, int16_t *version, char *why, size_t whylen)
{
    assert(kr_auth_wanted(c));
    assert(a->step != KR_AUTH_IDLE && a->step != KR_AUTH_DONE);
    if (a->step == KR_AUTH_HANDSHAKE) {
        const char *m = mech_names[c->sasl_mechanism];
        kr_SaslHandshakeRequest_t req = {m, strlen(m)};
        *api_key = KR_API_SaslHandshake;
        *version = AUTH_HANDSHAKE_V;
        return kr_SaslHandshakeRequest_write(w, AUTH_HANDSHAKE_V, &req);
    }
    uint8_t msg[AUTH_TOKEN_MAX + 256];
    kr_wbuf_t m;
    kr_wbuf_init(&m, msg, sizeof(msg));
    int rc = 0;
    if (a->step == KR_AUTH_FIRST)
        rc = auth_first(a, c, &m, why, whylen);
    else if (a->step == KR_AUTH_ABORT)
        kr_wbuf_raw(&m, KR_SASL_OAUTHBEARER_ABORT, 1);
    else
        kr_wbuf_raw(&m, a->final, a->final_len); /* KR_AUTH_FINAL: SCRAM client-final */
    if (rc == 0)
        rc = m.err;
    if (rc == 0) {
        kr_SaslAuthenticateRequest_t req = {msg, kr_wbuf_len(&m)};
        *api_key = KR_API_SaslAuthenticate;
        *version = auth_version;
        rc = kr_SaslAuthenticateRequest_write(w, auth_version, &req);
    }
    memset(msg, 0, sizeof(msg));
    memset(a->final, 0, sizeof(a->final));
    if (rc != 0 && why[0] == '\0')
        snprintf(why, whylen, "cannot write the %s message: %s", mech_names[c->sasl_mechanism],
                 kr_strerror(rc));
    return rc == 0 ? 0 : KR_EAUTH;
}

/* SaslHandshake's answer: the broker enables the mechanism, or says which it does. */
static int auth_on_handshake(kr_auth_t *a, const kr_conf_t *c, int16_t v, kr_rbuf_t *body,
                             char *why, size_t whylen)
{
    kr_str_t mechs[AUTH_MECHS_MAX];
    kr_SaslHandshakeResponse_t resp = {.Mechanisms = mechs, .MechanismsCap = AUTH_MECHS_MAX};
    int rc = kr_SaslHandshakeResponse_read(body, v, &resp);
    if (rc != 0 && rc != KR_ETOOMANY)
        return rc;
    if (resp.ErrorCode == 0) {
        a->step = KR_AUTH_FIRST;
        return 0;
    }
    int n = snprintf(why, whylen,
                     "sasl.mechanism %s is not enabled on the broker (%s); it "
                     "offers:",
                     mech_names[c->sasl_mechanism], kr_kerr_name(resp.ErrorCode));
    for (int32_t i = 0; i < resp.MechanismsCount && n > 0 && (size_t)n < whylen; i++)
        n += snprintf(why + n, whylen - (size_t)n, " %.*s", (int)mechs[i].len, mechs[i].ptr);
    return KR_EAUTH;
}

/* A SCRAM answer: server-first (write client-final) or server-final (check it). */
static int auth_on_scram(kr_auth_t *a, const kr_conf_t *c, kr_str_t bytes, char *why, size_t whylen)
{
    if (a->step == KR_AUTH_FIRST) {
        kr_wbuf_t w;
        kr_wbuf_init(&w, a->final, sizeof(a->final));
        int rc = kr_scram_client_final(&a->scram, &w, bytes.ptr, (size_t)bytes.len,
                                       c->sasl_password, strlen(c->sasl_password));
        if (rc == 0 && w.err != 0)
            rc = w.err;
        if (rc != 0) {
            snprintf(why, whylen, "the broker's SCRAM server-first message is not acceptable: %s",
                     kr_strerror(rc));
            return KR_EAUTH;
        }
        a->final_len = kr_wbuf_len(&w);
        a->step = KR_AUTH_FINAL;
        return 0;
    }
    kr_str_t serr = {NULL, -1};
    int rc = kr_scram_server_final(&a->scram, bytes.ptr, (size_t)bytes.len, &serr);
    if (rc == 0)
        return 1;
    if (rc == KR_EAUTH && serr.len >= 0)
        snprintf(why, whylen, "SCRAM refused by the broker: %.*s", (int)serr.len, serr.ptr);
    else if (rc == KR_EAUTHSERVER)
        snprintf(why, whylen,
                 "the broker's SCRAM signature does not verify: it does not know "
                 "the password (not the broker it claims to be?)");
    else
        snprintf(why, whylen, "the broker's SCRAM server-final message is malformed");
    return KR_EAUTH;
}

int kr_auth_response(kr_auth_t *a, const kr_conf_t *c, int16_t api_key, int16_t version,
                     kr_rbuf_t *body, int64_t *lifetime_ms, char *why, size_t whylen)
{
    *lifetime_ms = 0;
    if (api_key == KR_API_SaslHandshake)
        return auth_on_handshake(a, c, version, body, why, whylen);
    assert(api_key == KR_API_SaslAuthenticate);
    kr_SaslAuthenticateResponse_t resp;
    int rc = kr_SaslAuthenticateResponse_read(body, version, &resp);
    if (rc != 0)
        return rc;
    if (resp.ErrorCode != 0) {
        auth_wipe(a);
        bool named = c->sasl_mechanism != KR_SASL_OAUTHBEARER;
        snprintf(why, whylen, "%s (%s%s%s%s): %.*s", kr_kerr_name(resp.ErrorCode),
                 mech_names[c->sasl_mechanism], named ? " as \"" : "",
                 named ? c->sasl_username : "", named ? "\"" : "",
                 resp.ErrorMessage.len > 0 ? (int)resp.ErrorMessage.len : 0,
                 resp.ErrorMessage.len > 0 ? resp.ErrorMessage.ptr : "");
        return KR_EAUTH;
    }
    if (c->sasl_mechanism == KR_SASL_SCRAM_SHA_256 || c->sasl_mechanism == KR_SASL_SCRAM_SHA_512) {
        rc = auth_on_scram(a, c, resp.AuthBytes, why, whylen);
    } else if (c->sasl_mechanism == KR_SASL_OAUTHBEARER && a->step == KR_AUTH_FIRST &&
               resp.AuthBytes.len > 0) {
        a->step = KR_AUTH_ABORT; /* an error challenge: answer it, then the broker fails us */
        rc = 0;
    } else if (a->step == KR_AUTH_ABORT) {
        snprintf(why, whylen, "the broker refused the OAUTHBEARER token");
        rc = KR_EAUTH;
    } else {
        rc = 1;
    }
    if (rc == 1) {
        a->step = KR_AUTH_DONE;
        auth_wipe(a);
        *lifetime_ms = resp.SessionLifetimeMs;
    }
    return rc;
}
