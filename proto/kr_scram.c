/* SCRAM client: message builders and parsers, key derivation through the caller's table. */
#include "kr_scram.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "kr_base64.h"

/* Overwrites n bytes with zeros in a way the compiler may not drop. */
static void scram_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    for (size_t i = 0; i < n; i++)
        v[i] = 0;
}

/* Compares n bytes in time independent of where they differ. True if equal. */
static bool scram_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    volatile uint8_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

/* RFC 5802 "printable": %x21-2B / %x2D-7E, i.e. visible ASCII except ','. */
static bool scram_printable(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)p[i];
        if (c < 0x21 || c > 0x7e || c == ',')
            return false;
    }
    return true;
}

static bool scram_is_b64char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
}

void kr_scram_init(kr_scram_t *s, const kr_scram_crypto_t *crypto)
{
    assert(s != NULL);
    assert(crypto != NULL);
    assert(crypto->digest_len >= 1 && crypto->digest_len <= KR_SCRAM_DIGEST_MAX);
    assert(crypto->hash != NULL && crypto->hmac != NULL && crypto->pbkdf2 != NULL);
    scram_wipe(s, sizeof(*s));
    s->crypto = crypto;
    s->state = KR_SCRAM_START;
}

void kr_scram_clear(kr_scram_t *s)
{
    assert(s != NULL);
    scram_wipe(s, sizeof(*s));
    s->state = KR_SCRAM_FAILED;
}

/* Appends raw bytes to the AuthMessage. False when it would not fit. */
static bool scram_auth_add(kr_scram_t *s, const char *p, size_t n)
{
    if (n > sizeof(s->auth) - s->auth_len)
        return false;
    memcpy(s->auth + s->auth_len, p, n);
    s->auth_len += n;
    return true;
}

/* Appends the user name as RFC 5802's saslname: ',' -> "=2C", '=' -> "=3D". */
static void scram_auth_add_user(kr_scram_t *s, const char *user, size_t user_len)
{
    for (size_t i = 0; i < user_len; i++) {
        const char *esc = user[i] == ',' ? "=2C" : user[i] == '=' ? "=3D" : NULL;
        /* Cannot fail: the caller bounded the user name and the buffer holds 3x it. */
        bool ok = esc != NULL ? scram_auth_add(s, esc, 3) : scram_auth_add(s, &user[i], 1);
        assert(ok);
        (void)ok;
    }
}

/* Checks the client's inputs. Returns 0, KR_ECONFIG or KR_ERANGE. */
static int scram_check_first(const char *user, size_t user_len, const char *cnonce,
                             size_t cnonce_len)
{
    if (user_len == 0 || memchr(user, '\0', user_len) != NULL)
        return KR_ECONFIG;
    if (cnonce_len == 0 || !scram_printable(cnonce, cnonce_len))
        return KR_ECONFIG;
    if (user_len > KR_SCRAM_USER_MAX || cnonce_len > KR_SCRAM_NONCE_MAX)
        return KR_ERANGE;
    return 0;
}

int kr_scram_client_first(kr_scram_t *s, kr_wbuf_t *w, const char *user, size_t user_len,
                          const char *cnonce, size_t cnonce_len)
{
    assert(s != NULL);
    assert(w != NULL);
    assert(s->state == KR_SCRAM_START);
    assert(user != NULL || user_len == 0);
    assert(cnonce != NULL || cnonce_len == 0);
    _Static_assert(3 * KR_SCRAM_USER_MAX + KR_SCRAM_NONCE_MAX + 8 < KR_SCRAM_AUTH_MAX / 2,
                   "client-first-bare leaves room for the server's messages");
    s->state = KR_SCRAM_FAILED;
    int rc = scram_check_first(user, user_len, cnonce, cnonce_len);
    if (rc != 0)
        return rc;
    s->auth_len = 0;
    scram_auth_add(s, "n=", 2);
    scram_auth_add_user(s, user, user_len);
    scram_auth_add(s, ",r=", 3);
    s->cnonce_off = s->auth_len;
    s->cnonce_len = cnonce_len;
    scram_auth_add(s, cnonce, cnonce_len);
    /* gs2-header: no channel binding, no authzid. */
    kr_wbuf_raw(w, "n,,", 3);
    kr_wbuf_raw(w, s->auth, s->auth_len);
    if (w->err != 0)
        return w->err;
    s->state = KR_SCRAM_FIRST_SENT;
    return 0;
}

/* A cursor over a message's comma-separated attributes ("a=value,b=value"). */
typedef struct scram_cur {
    const char *p;
    size_t len;
    size_t pos;
} scram_cur_t;

/*
 * Reads one attribute "<name>=<value>" at the cursor, the value running to the next ','
 * or the end (the cursor stops there). name 0 accepts any ASCII letter. The value must
 * be non-empty and hold no NUL byte. Returns false when malformed.
 */
static bool scram_attr(scram_cur_t *c, char name, kr_str_t *val)
{
    if (c->len - c->pos < 3)
        return false;
    char n = c->p[c->pos];
    bool alpha = (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z');
    if ((name != 0 && n != name) || !alpha || c->p[c->pos + 1] != '=')
        return false;
    size_t start = c->pos + 2, end = start;
    while (end < c->len && c->p[end] != ',') {
        if (c->p[end] == '\0')
            return false;
        end++;
    }
    if (end == start)
        return false;
    val->ptr = c->p + start;
    val->len = (int32_t)(end - start);
    c->pos = end;
    return true;
}

/* Consumes the ',' between two attributes. False at the end or on anything else. */
static bool scram_sep(scram_cur_t *c)
{
    if (c->pos >= c->len || c->p[c->pos] != ',')
        return false;
    c->pos++;
    return true;
}

/* Skips optional extensions ("," attr-val)* up to the end. False when malformed. */
static bool scram_skip_extensions(scram_cur_t *c)
{
    kr_str_t ignored;
    while (c->pos < c->len)
        if (!scram_sep(c) || !scram_attr(c, 0, &ignored))
            return false;
    return true;
}

/*
 * Parses RFC 5802's posit-number (no sign, no leading zero) within the iteration
 * bounds. Returns 0, KR_EMALFORMED or KR_ERANGE.
 */
static int scram_iterations(kr_str_t v, uint32_t *out)
{
    uint64_t n = 0;
    if (v.ptr[0] == '0')
        return KR_EMALFORMED;
    for (int32_t i = 0; i < v.len; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9')
            return KR_EMALFORMED;
        if (n <= KR_SCRAM_ITER_MAX)
            n = n * 10 + (uint64_t)(v.ptr[i] - '0');
    }
    if (n < KR_SCRAM_ITER_MIN || n > KR_SCRAM_ITER_MAX)
        return KR_ERANGE;
    *out = (uint32_t)n;
    return 0;
}

int kr_scram_parse_server_first(const char *msg, size_t len, kr_scram_server_first_t *out)
{
    assert(msg != NULL || len == 0);
    assert(out != NULL);
    if (len > INT32_MAX)
        return KR_ERANGE;
    scram_cur_t c = {msg, len, 0};
    kr_str_t iter;
    /* A reserved "m=" mandatory extension in front is a reason to fail (RFC 5802 5.1). */
    if (!scram_attr(&c, 'r', &out->nonce) || !scram_sep(&c) || !scram_attr(&c, 's', &out->salt) ||
        !scram_sep(&c) || !scram_attr(&c, 'i', &iter))
        return KR_EMALFORMED;
    if (!scram_skip_extensions(&c))
        return KR_EMALFORMED;
    if (!scram_printable(out->nonce.ptr, (size_t)out->nonce.len))
        return KR_EMALFORMED;
    for (int32_t i = 0; i < out->salt.len; i++)
        if (!scram_is_b64char((uint8_t)out->salt.ptr[i]))
            return KR_EMALFORMED;
    return scram_iterations(iter, &out->iterations);
}

int kr_scram_parse_server_final(const char *msg, size_t len, kr_scram_server_final_t *out)
{
    assert(msg != NULL || len == 0);
    assert(out != NULL);
    out->verifier = (kr_str_t){NULL, -1};
    out->error = (kr_str_t){NULL, -1};
    if (len > INT32_MAX)
        return KR_EMALFORMED;
    scram_cur_t c = {msg, len, 0};
    bool is_error = len > 0 && msg[0] == 'e';
    if (!scram_attr(&c, is_error ? 'e' : 'v', is_error ? &out->error : &out->verifier) ||
        !scram_skip_extensions(&c)) {
        out->verifier = (kr_str_t){NULL, -1};
        out->error = (kr_str_t){NULL, -1};
        return KR_EMALFORMED;
    }
    return 0;
}

/*
 * RFC 5802 section 3: from the password, salt and iteration count (and the complete
 * AuthMessage in s->auth), computes ClientProof into proof and stores ServerSignature
 * in s. Every intermediate key is wiped. Returns 0 or KR_ECRYPTO.
 */
static int scram_derive(kr_scram_t *s, const char *pass, size_t pass_len, const uint8_t *salt,
                        size_t salt_len, uint32_t iterations, uint8_t proof[KR_SCRAM_DIGEST_MAX])
{
    const kr_scram_crypto_t *c = s->crypto;
    size_t dl = c->digest_len;
    uint8_t salted[KR_SCRAM_DIGEST_MAX], ckey[KR_SCRAM_DIGEST_MAX];
    uint8_t stored[KR_SCRAM_DIGEST_MAX], csig[KR_SCRAM_DIGEST_MAX], skey[KR_SCRAM_DIGEST_MAX];
    int fail = c->pbkdf2(pass, pass_len, salt, salt_len, iterations, salted);
    if (fail == 0)
        fail = c->hmac(salted, dl, "Client Key", 10, ckey);
    if (fail == 0)
        fail = c->hash(ckey, dl, stored);
    if (fail == 0)
        fail = c->hmac(stored, dl, s->auth, s->auth_len, csig);
    if (fail == 0)
        fail = c->hmac(salted, dl, "Server Key", 10, skey);
    if (fail == 0)
        fail = c->hmac(skey, dl, s->auth, s->auth_len, s->server_sig);
    for (size_t i = 0; i < dl; i++)
        proof[i] = (uint8_t)(ckey[i] ^ csig[i]);
    scram_wipe(salted, sizeof(salted));
    scram_wipe(ckey, sizeof(ckey));
    scram_wipe(stored, sizeof(stored));
    scram_wipe(csig, sizeof(csig));
    scram_wipe(skey, sizeof(skey));
    return fail == 0 ? 0 : KR_ECRYPTO;
}

/*
 * Completes the AuthMessage with the server-first-message and the client-final-message
 * without its proof; stores where the latter starts in *final_off. Returns 0 or
 * KR_ERANGE.
 */
static int scram_auth_finish(kr_scram_t *s, const char *server_first, size_t len, kr_str_t nonce,
                             size_t *final_off)
{
    bool ok = scram_auth_add(s, ",", 1) && scram_auth_add(s, server_first, len) &&
              scram_auth_add(s, ",", 1);
    *final_off = s->auth_len;
    /* "biws" is base64("n,,"), the gs2-header of the client-first-message. */
    ok = ok && scram_auth_add(s, "c=biws,r=", 9) && scram_auth_add(s, nonce.ptr, (size_t)nonce.len);
    return ok ? 0 : KR_ERANGE;
}

/* Parses the server-first-message, checks its nonce and decodes the salt. */
static int scram_take_server_first(kr_scram_t *s, const char *msg, size_t len,
                                   kr_scram_server_first_t *sf, uint8_t *salt, size_t *salt_len)
{
    int rc = kr_scram_parse_server_first(msg, len, sf);
    if (rc != 0)
        return rc;
    /* The server's nonce must extend the client's by at least one character. */
    if ((size_t)sf->nonce.len <= s->cnonce_len ||
        memcmp(sf->nonce.ptr, s->auth + s->cnonce_off, s->cnonce_len) != 0)
        return KR_EAUTHSERVER;
    rc = kr_base64_decode(salt, KR_SCRAM_SALT_MAX, sf->salt.ptr, (size_t)sf->salt.len, salt_len);
    return rc == KR_ENOSPC ? KR_ERANGE : rc;
}

int kr_scram_client_final(kr_scram_t *s, kr_wbuf_t *w, const char *server_first, size_t len,
                          const char *pass, size_t pass_len)
{
    assert(s != NULL);
    assert(w != NULL);
    assert(s->state == KR_SCRAM_FIRST_SENT);
    assert(server_first != NULL || len == 0);
    assert(pass != NULL || pass_len == 0);
    s->state = KR_SCRAM_FAILED;
    kr_scram_server_first_t sf;
    uint8_t salt[KR_SCRAM_SALT_MAX];
    size_t salt_len = 0, final_off = 0;
    int rc = scram_take_server_first(s, server_first, len, &sf, salt, &salt_len);
    if (rc == 0)
        rc = scram_auth_finish(s, server_first, len, sf.nonce, &final_off);
    if (rc != 0)
        return rc;
    uint8_t proof[KR_SCRAM_DIGEST_MAX];
    rc = scram_derive(s, pass != NULL ? pass : "", pass_len, salt, salt_len, sf.iterations, proof);
    if (rc == 0) {
        kr_wbuf_raw(w, s->auth + final_off, s->auth_len - final_off);
        kr_wbuf_raw(w, ",p=", 3);
        kr_base64_write(w, proof, s->crypto->digest_len);
        rc = w->err;
    }
    scram_wipe(proof, sizeof(proof));
    if (rc == 0)
        s->state = KR_SCRAM_FINAL_SENT;
    return rc;
}

int kr_scram_server_final(kr_scram_t *s, const char *msg, size_t len, kr_str_t *server_error)
{
    assert(s != NULL);
    assert(s->state == KR_SCRAM_FINAL_SENT);
    assert(msg != NULL || len == 0);
    s->state = KR_SCRAM_FAILED;
    if (server_error != NULL)
        *server_error = (kr_str_t){NULL, -1};
    kr_scram_server_final_t sf;
    int rc = kr_scram_parse_server_final(msg, len, &sf);
    if (rc != 0)
        return rc;
    if (sf.error.len >= 0) {
        if (server_error != NULL)
            *server_error = sf.error;
        return KR_EAUTH;
    }
    uint8_t sig[KR_SCRAM_DIGEST_MAX];
    size_t sig_len;
    rc = kr_base64_decode(sig, sizeof(sig), sf.verifier.ptr, (size_t)sf.verifier.len, &sig_len);
    if (rc != 0)
        return KR_EMALFORMED;
    /* The length is public; only the contents are compared in constant time. */
    if (sig_len != s->crypto->digest_len || !scram_ct_equal(sig, s->server_sig, sig_len))
        return KR_EAUTHSERVER;
    s->state = KR_SCRAM_DONE;
    return 0;
}
