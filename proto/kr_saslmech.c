/* PLAIN and OAUTHBEARER client messages. */
#include "kr_saslmech.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

int kr_sasl_plain_write(kr_wbuf_t *w, const char *user, size_t user_len, const char *pass,
                        size_t pass_len)
{
    assert(w != NULL);
    assert(user != NULL || user_len == 0);
    assert(pass != NULL || pass_len == 0);
    if (user_len == 0 || memchr(user, '\0', user_len) != NULL)
        return KR_ECONFIG;
    if (pass_len > 0 && memchr(pass, '\0', pass_len) != NULL)
        return KR_ECONFIG;
    kr_wbuf_raw(w, "\0", 1);
    kr_wbuf_raw(w, user, user_len);
    kr_wbuf_raw(w, "\0", 1);
    if (pass_len > 0)
        kr_wbuf_raw(w, pass, pass_len);
    return w->err;
}

static bool mech_alpha(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* True for ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/". */
static bool mech_token_char(uint8_t c)
{
    if (mech_alpha(c) || (c >= '0' && c <= '9'))
        return true;
    return c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool mech_token_ok(const char *t, size_t n)
{
    size_t i = 0;
    while (i < n && mech_token_char((uint8_t)t[i]))
        i++;
    if (i == 0)
        return false;
    while (i < n && t[i] == '=')
        i++;
    return i == n;
}

/* RFC 7628 key: 1*(ALPHA), and "auth" is the token's own key. */
static bool mech_key_ok(const char *k, size_t n)
{
    if (n == 0 || (n == 4 && memcmp(k, "auth", 4) == 0))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!mech_alpha((uint8_t)k[i]))
            return false;
    return true;
}

/* RFC 7628 value: *(VCHAR / SP / HTAB / CR / LF). */
static bool mech_value_ok(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)v[i];
        if (!(c >= 0x20 && c <= 0x7e) && c != '\t' && c != '\r' && c != '\n')
            return false;
    }
    return true;
}

int kr_sasl_oauthbearer_write(kr_wbuf_t *w, const char *token, size_t token_len,
                              const kr_sasl_kv_t *ext, size_t n_ext)
{
    assert(w != NULL);
    assert(token != NULL || token_len == 0);
    assert(ext != NULL || n_ext == 0);
    if (!mech_token_ok(token, token_len))
        return KR_ECONFIG;
    for (size_t i = 0; i < n_ext; i++) {
        assert(ext[i].key != NULL || ext[i].key_len == 0);
        assert(ext[i].value != NULL || ext[i].value_len == 0);
        if (!mech_key_ok(ext[i].key, ext[i].key_len) ||
            !mech_value_ok(ext[i].value, ext[i].value_len))
            return KR_ECONFIG;
    }
    /* gs2-header "n,," (no channel binding, no authzid), then kvsep-separated pairs. */
    kr_wbuf_raw(w,
                "n,,\x01"
                "auth=Bearer ",
                16);
    kr_wbuf_raw(w, token, token_len);
    kr_wbuf_raw(w, "\x01", 1);
    for (size_t i = 0; i < n_ext; i++) {
        kr_wbuf_raw(w, ext[i].key, ext[i].key_len);
        kr_wbuf_raw(w, "=", 1);
        if (ext[i].value_len > 0)
            kr_wbuf_raw(w, ext[i].value, ext[i].value_len);
        kr_wbuf_raw(w, "\x01", 1);
    }
    kr_wbuf_raw(w, "\x01", 1);
    return w->err;
}
