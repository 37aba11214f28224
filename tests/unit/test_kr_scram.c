/*
 * SCRAM client and base64: RFC 4648's base64 vectors, RFC 7677's SCRAM-SHA-256
 * exchange, SCRAM-SHA-512 exchanges computed independently (Python's hashlib/hmac),
 * and every way a server message can be wrong. Crypto comes from the OpenSSL adapter
 * (engine/kr_sasl_crypto.h), or from a failing table to check KR_ECRYPTO.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kr_base64.h"
#include "kr_decode_check.h"
#include "kr_sasl_crypto.h"
#include "kr_scram.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define S(lit) lit, (sizeof(lit) - 1)

/* ---- base64 ---- */

static const struct {
    const char *raw;
    const char *enc;
} b64_vectors[] = {
    /* RFC 4648 section 10 */
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
    {"n,,", "biws"},
};

static void test_base64_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(b64_vectors); i++) {
        const char *raw = b64_vectors[i].raw, *enc = b64_vectors[i].enc;
        char out[16];
        kr_wbuf_t w;
        kr_wbuf_init(&w, out, sizeof(out));
        kr_base64_write(&w, raw, strlen(raw));
        assert_int_equal(w.err, 0);
        assert_int_equal(kr_wbuf_len(&w), strlen(enc));
        assert_int_equal(kr_base64_len(strlen(raw)), strlen(enc));
        assert_memory_equal(out, enc, strlen(enc));
        uint8_t dec[16];
        size_t n = 99;
        assert_int_equal(kr_base64_decode(dec, sizeof(dec), enc, strlen(enc), &n), 0);
        assert_int_equal(n, strlen(raw));
        assert_memory_equal(dec, raw, n);
        if (n > 0)
            assert_int_equal(kr_base64_decode(dec, n - 1, enc, strlen(enc), &n), KR_ENOSPC);
    }
    char small[3];
    kr_wbuf_t w;
    kr_wbuf_init(&w, small, sizeof(small));
    kr_base64_write(&w, "f", 1);
    assert_int_equal(w.err, KR_ENOSPC);
}

static void test_base64_strict(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Zg=",      /* length not a multiple of 4 */
        "Zg",       /* no padding */
        "Z===",     /* three '=' */
        "Zh==",     /* unused bits set: not the canonical "Zg==" */
        "Zm9=",     /* likewise for one '=' */
        "Zg==Zg==", /* padding before the end */
        "Zm9v\n",   /* whitespace */
        "Zm 9",     /* space */
        "====",     /* padding only */
        "=Zg=",     /* padding first */
        "Zm-v",     /* URL-safe alphabet */
        "Zm9v\0Zg=",
    };
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        uint8_t dec[16];
        size_t n = 99;
        size_t len = i + 1 == N_ELEMS(bad) ? 8 : strlen(bad[i]);
        assert_int_equal(kr_base64_decode(dec, sizeof(dec), bad[i], len, &n), KR_EMALFORMED);
        assert_int_equal(n, 0);
    }
}

static void test_base64_round_trip(void **state)
{
    (void)state;
    uint64_t s = 0xb64;
    for (int round = 0; round < 2000; round++) {
        uint8_t raw[70], dec[70];
        char enc[96];
        size_t n = kr_prng_below(&s, sizeof(raw) + 1);
        for (size_t i = 0; i < n; i++)
            raw[i] = (uint8_t)kr_prng_next(&s);
        kr_wbuf_t w;
        kr_wbuf_init(&w, enc, sizeof(enc));
        kr_base64_write(&w, raw, n);
        assert_int_equal(w.err, 0);
        size_t got;
        assert_int_equal(kr_base64_decode(dec, sizeof(dec), enc, kr_wbuf_len(&w), &got), 0);
        assert_int_equal(got, n);
        assert_memory_equal(dec, raw, n);
        /* Encodings are canonical: another character decodes to other bytes, or fails. */
        size_t at = kr_prng_below(&s, (uint32_t)kr_wbuf_len(&w) + 1);
        if (at < kr_wbuf_len(&w)) {
            char old = enc[at], c;
            do
                c = (char)kr_prng_next(&s);
            while (c == old);
            enc[at] = c;
            int rc = kr_base64_decode(dec, sizeof(dec), enc, kr_wbuf_len(&w), &got);
            assert_true(rc == KR_EMALFORMED || (rc == 0 && (got != n || memcmp(dec, raw, n) != 0)));
        }
    }
}

/* ---- SCRAM exchanges ---- */

typedef struct {
    const kr_scram_crypto_t *(*crypto)(void);
    const char *user, *pass, *cnonce;
    const char *client_first, *server_first, *client_final, *server_final;
} exchange_t;

/* RFC 7677 section 3. */
static const exchange_t rfc7677 = {
    kr_sasl_crypto_sha256,
    "user",
    "pencil",
    "rOprNGfwEbeRWgbNEkqO",
    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="};

/* The same messages with SHA-512, proof and signature from Python's hashlib/hmac. */
static const exchange_t sha512 = {
    kr_sasl_crypto_sha512,
    "user",
    "pencil",
    "rOprNGfwEbeRWgbNEkqO",
    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+3R2xNJdMNnzMlTN8PPC6wdp6dybEmDYXYTxwnYPJQ==",
    "v=ZQnYEgWQMFmmsM8aQMF0nDDCy/AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSeVGT4+5ZxXnJq199RVG2rR7N7Zw=="};

/*
 * SHA-512 with a user name to escape ("a,b=c"), a UTF-8 password with a comma, 8192
 * iterations and a server extension (x=ext) that the AuthMessage must include as sent.
 * Computed with Python's hashlib/hmac.
 */
static const exchange_t sha512_escaped = {
    kr_sasl_crypto_sha512,
    "a,b=c",
    "p\xc3\xa4ss w,rd",
    "fyko+d2lbbFgONRv9qkxdawL",
    "n,,n=a=2Cb=3Dc,r=fyko+d2lbbFgONRv9qkxdawL",
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=8192,x=ext",
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
    "p=hZqJlGuoNAkeEPO7pyMJtdW7/Ql+ziNKnKYaI+rQ6TCdFPCXLchlH5x6yDDtlJwdXPQusPCXJMLrdmfouFGS/Q==",
    "v=7qG2Y8/u8FdX6f5579vPpqs8Yp7WYObAfFi8VG1FkznYnQ0aoXAaMQr37FOvqQc7cIzJJuUZkR8ta8HWzm4xCw=="};

/* Runs the client through client-first and client-final, checking both messages. */
static void run_to_final(kr_scram_t *s, const exchange_t *x)
{
    char out[512];
    kr_wbuf_t w;
    kr_scram_init(s, x->crypto());
    kr_wbuf_init(&w, out, sizeof(out));
    assert_int_equal(
        kr_scram_client_first(s, &w, x->user, strlen(x->user), x->cnonce, strlen(x->cnonce)), 0);
    assert_int_equal(kr_wbuf_len(&w), strlen(x->client_first));
    assert_memory_equal(out, x->client_first, kr_wbuf_len(&w));
    kr_wbuf_init(&w, out, sizeof(out));
    assert_int_equal(kr_scram_client_final(s, &w, x->server_first, strlen(x->server_first), x->pass,
                                           strlen(x->pass)),
                     0);
    assert_int_equal(kr_wbuf_len(&w), strlen(x->client_final));
    assert_memory_equal(out, x->client_final, kr_wbuf_len(&w));
    assert_int_equal(s->state, KR_SCRAM_FINAL_SENT);
}

static void test_exchanges(void **state)
{
    (void)state;
    const exchange_t *xs[] = {&rfc7677, &sha512, &sha512_escaped};
    for (size_t i = 0; i < N_ELEMS(xs); i++) {
        kr_scram_t s;
        run_to_final(&s, xs[i]);
        kr_str_t err = {"junk", 4};
        assert_int_equal(
            kr_scram_server_final(&s, xs[i]->server_final, strlen(xs[i]->server_final), &err), 0);
        assert_int_equal(err.len, -1);
        assert_int_equal(s.state, KR_SCRAM_DONE);
        kr_scram_clear(&s);
        const uint8_t zero[KR_SCRAM_DIGEST_MAX] = {0};
        assert_memory_equal(s.server_sig, zero, sizeof(zero));
        assert_int_equal(s.auth_len, 0);
    }
}

/* Server-final messages the RFC 7677 client must reject, and how. */
static void test_server_final_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *msg;
        int rc;
    } cases[] = {
        /* one character of the signature changed */
        {"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=", KR_EMALFORMED},
        {"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4A", KR_EAUTHSERVER}, /* 33 bytes */
        {"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", KR_EAUTHSERVER},
        /* the SHA-512 signature, the proof instead of the signature, a short one */
        {"v=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", KR_EAUTHSERVER},
        {"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl9", KR_EAUTHSERVER},
        {"v=", KR_EMALFORMED},
        {"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,", KR_EMALFORMED},
        {"V=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", KR_EMALFORMED},
        {"", KR_EMALFORMED},
        {"x=1", KR_EMALFORMED},
        {"e=", KR_EMALFORMED},
        {"e=invalid-proof", KR_EAUTH},
        {"e=other-error,x=1", KR_EAUTH},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        kr_scram_t s;
        run_to_final(&s, &rfc7677);
        kr_str_t err;
        int rc = kr_scram_server_final(&s, cases[i].msg, strlen(cases[i].msg), &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu \"%s\": %s", i, cases[i].msg, kr_errname(rc));
        assert_int_equal(s.state, KR_SCRAM_FAILED);
        if (rc == KR_EAUTH) {
            const char *v = cases[i].msg + 2;
            assert_ptr_equal(err.ptr, v);
            assert_int_equal(err.len, strcspn(v, ","));
        } else {
            assert_int_equal(err.len, -1);
        }
    }
    /* Every proper prefix of the right answer is rejected. */
    const char *good = rfc7677.server_final;
    for (size_t cut = 0; cut < strlen(good); cut++) {
        kr_scram_t s;
        run_to_final(&s, &rfc7677);
        int rc = kr_scram_server_final(&s, good, cut, NULL);
        assert_true(rc == KR_EMALFORMED || rc == KR_EAUTHSERVER);
    }
}

static void test_client_first_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *user;
        size_t user_len;
        const char *nonce;
        int rc;
    } cases[] = {
        {"", 0, "abc", KR_ECONFIG},
        {"a\0b", 3, "abc", KR_ECONFIG},
        {"user", 4, "", KR_ECONFIG},
        {"user", 4, "ab,c", KR_ECONFIG},
        {"user", 4, "ab c", KR_ECONFIG},
        {"user", 4, "ab\x7f", KR_ECONFIG},
        {"user", 4, "ab\xc3\xa4", KR_ECONFIG},
    };
    char out[64];
    kr_wbuf_t w;
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        kr_scram_t s;
        kr_scram_init(&s, kr_sasl_crypto_sha256());
        kr_wbuf_init(&w, out, sizeof(out));
        assert_int_equal(kr_scram_client_first(&s, &w, cases[i].user, cases[i].user_len,
                                               cases[i].nonce, strlen(cases[i].nonce)),
                         cases[i].rc);
        assert_int_equal(kr_wbuf_len(&w), 0);
        assert_int_equal(s.state, KR_SCRAM_FAILED);
    }
    _Static_assert(KR_SCRAM_USER_MAX >= KR_SCRAM_NONCE_MAX, "big holds both");
    char big[KR_SCRAM_USER_MAX + 1];
    memset(big, 'u', sizeof(big));
    kr_scram_t s;
    kr_scram_init(&s, kr_sasl_crypto_sha256());
    assert_int_equal(kr_scram_client_first(&s, &w, big, KR_SCRAM_USER_MAX + 1, "n", 1), KR_ERANGE);
    kr_scram_init(&s, kr_sasl_crypto_sha256());
    assert_int_equal(kr_scram_client_first(&s, &w, "u", 1, big, KR_SCRAM_NONCE_MAX + 1), KR_ERANGE);
    /* The longest user name, all escapes, and the longest nonce fit. */
    static char user[KR_SCRAM_USER_MAX], msg[4 * KR_SCRAM_USER_MAX + KR_SCRAM_NONCE_MAX];
    memset(user, ',', sizeof(user));
    kr_scram_init(&s, kr_sasl_crypto_sha256());
    kr_wbuf_init(&w, msg, sizeof(msg));
    assert_int_equal(kr_scram_client_first(&s, &w, user, sizeof(user), big, KR_SCRAM_NONCE_MAX), 0);
    assert_int_equal(kr_wbuf_len(&w), 3 + 2 + 3 * sizeof(user) + 3 + KR_SCRAM_NONCE_MAX);
    /* Too small an output buffer. */
    kr_scram_init(&s, kr_sasl_crypto_sha256());
    kr_wbuf_init(&w, out, 10);
    assert_int_equal(kr_scram_client_first(&s, &w, "user", 4, "abcdefgh", 8), KR_ENOSPC);
    assert_int_equal(s.state, KR_SCRAM_FAILED);
}

static void test_parse_server_first(void **state)
{
    (void)state;
    kr_scram_server_first_t sf;
    const char ok[] = "r=abc%def,s=QSXCR+Q6sek8bf92,i=4096";
    assert_int_equal(kr_scram_parse_server_first(S(ok), &sf), 0);
    assert_ptr_equal(sf.nonce.ptr, ok + 2);
    assert_int_equal(sf.nonce.len, 7);
    assert_ptr_equal(sf.salt.ptr, ok + 12);
    assert_int_equal(sf.salt.len, 16);
    assert_int_equal(sf.iterations, 4096);
    assert_int_equal(kr_scram_parse_server_first(S("r=a,s=QQ==,i=1000000,x=1,Y=2"), &sf), 0);
    assert_int_equal(sf.iterations, 1000000);
    static const struct {
        const char *msg;
        int rc;
    } bad[] = {
        {"m=ext,r=abc,s=QQ==,i=4096", KR_EMALFORMED}, /* mandatory extension */
        {"s=QQ==,r=abc,i=4096", KR_EMALFORMED},
        {"r=abc,i=4096,s=QQ==", KR_EMALFORMED},
        {"r=abc,s=QQ==", KR_EMALFORMED},
        {"r=abc,s=QQ==,", KR_EMALFORMED},
        {"r=abc,s=QQ==,i=", KR_EMALFORMED},
        {"r=abc,s=QQ==,i=4096,", KR_EMALFORMED},
        {"r=abc,s=QQ==,i=4096,,x=1", KR_EMALFORMED},
        {"r=abc,s=QQ==,i=4096,1=x", KR_EMALFORMED},
        {"r=abc,s=QQ==,i=4096,x=", KR_EMALFORMED},
        {"r=abc,s=QQ==,i=4096,xy=1", KR_EMALFORMED}, /* attribute names are one letter */
        {"r=,s=QQ==,i=4096", KR_EMALFORMED},
        {"r=a c,s=QQ==,i=4096", KR_EMALFORMED},
        {"r=abc,s=,i=4096", KR_EMALFORMED},
        {"r=abc,s=Q Q=,i=4096", KR_EMALFORMED},
        {"r=abc,s=QQ==,i=04096", KR_EMALFORMED},
        {"r=abc,s=QQ==,i=+4096", KR_EMALFORMED},
        {"r=abc,s=QQ==,i=-4096", KR_EMALFORMED},
        {"r=abc,s=QQ==,i=4096x", KR_EMALFORMED},
        {"r=abc,s=QQ==,i=0", KR_EMALFORMED},
        {"r=abc,s=QQ==,i=4095", KR_ERANGE},
        {"r=abc,s=QQ==,i=1", KR_ERANGE},
        {"r=abc,s=QQ==,i=1000001", KR_ERANGE},
        {"r=abc,s=QQ==,i=99999999999999999999999999", KR_ERANGE},
        {"R=abc,s=QQ==,i=4096", KR_EMALFORMED},
        {"r:abc,s=QQ==,i=4096", KR_EMALFORMED},
        {"", KR_EMALFORMED},
    };
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        int rc = kr_scram_parse_server_first(bad[i].msg, strlen(bad[i].msg), &sf);
        if (rc != bad[i].rc)
            fail_msg("case %zu \"%s\": %s", i, bad[i].msg, kr_errname(rc));
    }
    const char nul[] = "r=a\0c,s=QQ==,i=4096";
    assert_int_equal(kr_scram_parse_server_first(nul, sizeof(nul) - 1, &sf), KR_EMALFORMED);
}

/* Starts an RFC 7677 exchange and feeds it server_first[0..len). */
static int final_with(const char *server_first, size_t len, char *out, size_t cap)
{
    kr_scram_t s;
    char first[64];
    kr_wbuf_t w;
    kr_scram_init(&s, kr_sasl_crypto_sha256());
    kr_wbuf_init(&w, first, sizeof(first));
    assert_int_equal(kr_scram_client_first(&s, &w, S("user"), S("rOprNGfwEbeRWgbNEkqO")), 0);
    kr_wbuf_init(&w, out, cap);
    int rc = kr_scram_client_final(&s, &w, server_first, len, S("pencil"));
    assert_int_equal(s.state, rc == 0 ? KR_SCRAM_FINAL_SENT : KR_SCRAM_FAILED);
    if (rc != 0 && rc != KR_ENOSPC)
        assert_int_equal(kr_wbuf_len(&w), 0);
    return rc;
}

static void test_client_final_rejects(void **state)
{
    (void)state;
    static char big[KR_SCRAM_AUTH_MAX + 64];
    static const struct {
        const char *msg;
        int rc;
    } cases[] = {
        /* the server nonce must extend the client's */
        {"r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", KR_EAUTHSERVER},
        {"r=rOprNGfwEbeRWgbNEkq,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", KR_EAUTHSERVER},
        {"r=xOprNGfwEbeRWgbNEkqO%hv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", KR_EAUTHSERVER},
        {"r=rOprNGfwEbeRWgbNEkqP%hv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", KR_EAUTHSERVER},
        /* salt: bad base64, non-canonical */
        {"r=rOprNGfwEbeRWgbNEkqO%hv,s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096", KR_EMALFORMED},
        {"r=rOprNGfwEbeRWgbNEkqO%hv,s=W22ZaJ0SNY7soEsUEjb6gR==,i=4096", KR_EMALFORMED},
        {"r=rOprNGfwEbeRWgbNEkqO%hv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=2048", KR_ERANGE},
        {"e=other-error", KR_EMALFORMED},
    };
    char out[256];
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        int rc = final_with(cases[i].msg, strlen(cases[i].msg), out, sizeof(out));
        if (rc != cases[i].rc)
            fail_msg("case %zu \"%s\": %s", i, cases[i].msg, kr_errname(rc));
    }
    /* A salt over KR_SCRAM_SALT_MAX bytes, and a message over the AuthMessage buffer. */
    int n = snprintf(big, sizeof(big), "r=rOprNGfwEbeRWgbNEkqO1,s=");
    for (int i = 0; i < (KR_SCRAM_SALT_MAX + 3) / 3; i++)
        n += snprintf(big + n, sizeof(big) - (size_t)n, "QUJD");
    n += snprintf(big + n, sizeof(big) - (size_t)n, ",i=4096");
    assert_int_equal(final_with(big, (size_t)n, out, sizeof(out)), KR_ERANGE);
    n = snprintf(big, sizeof(big), "r=rOprNGfwEbeRWgbNEkqO1,s=QUJD,i=4096,x=");
    memset(big + n, 'y', sizeof(big) - (size_t)n);
    assert_int_equal(final_with(big, sizeof(big), out, sizeof(out)), KR_ERANGE);
    /* Every proper prefix of a good server-first fails. */
    const char *good = rfc7677.server_first;
    for (size_t cut = 0; cut < strlen(good); cut++) {
        int rc = final_with(good, cut, out, sizeof(out));
        if (rc != KR_EMALFORMED && rc != KR_ERANGE && rc != KR_EAUTHSERVER)
            fail_msg("prefix %zu: %s", cut, kr_errname(rc));
    }
    assert_int_equal(final_with(good, strlen(good), out, sizeof(out)), 0);
    assert_int_equal(final_with(good, strlen(good), out, 60), KR_ENOSPC);
}

static int fail_hash(const void *d, size_t n, uint8_t *out)
{
    (void)d;
    (void)n;
    (void)out;
    return -1;
}

static int fail_hmac(const void *k, size_t kn, const void *d, size_t n, uint8_t *out)
{
    (void)k;
    (void)kn;
    return fail_hash(d, n, out);
}

static int fail_pbkdf2(const void *p, size_t pn, const void *salt, size_t sn, uint32_t i,
                       uint8_t *out)
{
    (void)salt;
    (void)sn;
    (void)i;
    return fail_hash(p, pn, out);
}

/* The OpenSSL table with one function that fails. */
static void test_crypto_failure(void **state)
{
    (void)state;
    for (int which = 0; which < 3; which++) {
        kr_scram_crypto_t broken = *kr_sasl_crypto_sha256();
        if (which == 0)
            broken.hash = fail_hash;
        else if (which == 1)
            broken.hmac = fail_hmac;
        else
            broken.pbkdf2 = fail_pbkdf2;
        kr_scram_t s;
        char out[256];
        kr_wbuf_t w;
        kr_scram_init(&s, &broken);
        kr_wbuf_init(&w, out, sizeof(out));
        assert_int_equal(kr_scram_client_first(&s, &w, S("user"), S("rOprNGfwEbeRWgbNEkqO")), 0);
        kr_wbuf_init(&w, out, sizeof(out));
        assert_int_equal(kr_scram_client_final(&s, &w, rfc7677.server_first,
                                               strlen(rfc7677.server_first), S("pencil")),
                         KR_ECRYPTO);
        assert_int_equal(kr_wbuf_len(&w), 0);
        assert_int_equal(s.state, KR_SCRAM_FAILED);
    }
}

/* The parsers on random inputs: fail cleanly or give strings inside the message. */
static int parse_any(const uint8_t *buf, size_t len, void *ctx)
{
    (void)ctx;
    const char *m = (const char *)buf;
    kr_scram_server_first_t f;
    int rc = kr_scram_parse_server_first(m, len, &f);
    if (rc == 0) {
        assert_true(f.nonce.len > 0 && f.nonce.ptr + f.nonce.len <= m + len);
        assert_true(f.salt.len > 0 && f.salt.ptr + f.salt.len <= m + len);
        assert_true(f.iterations >= KR_SCRAM_ITER_MIN && f.iterations <= KR_SCRAM_ITER_MAX);
    }
    kr_scram_server_final_t v;
    int rc2 = kr_scram_parse_server_final(m, len, &v);
    assert_true(rc2 == 0 || rc2 == KR_EMALFORMED);
    if (rc2 == 0)
        assert_true((v.verifier.len > 0) != (v.error.len > 0));
    return rc == KR_ERANGE ? KR_EMALFORMED : rc;
}

static void test_parsers_corrupted(void **state)
{
    (void)state;
    const char *msgs[] = {rfc7677.server_first, sha512_escaped.server_first};
    /* Without extensions, every proper prefix is incomplete. */
    kr_check_truncations(parse_any, NULL, (const uint8_t *)msgs[0], strlen(msgs[0]));
    for (size_t i = 0; i < N_ELEMS(msgs); i++) {
        kr_check_corruptions(parse_any, NULL, (const uint8_t *)msgs[i], strlen(msgs[i]), 3000,
                             0x5c00 + i);
    }
    kr_check_noise(parse_any, NULL, 40, 3000, 0x5c10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_vectors),       cmocka_unit_test(test_base64_strict),
        cmocka_unit_test(test_base64_round_trip),    cmocka_unit_test(test_exchanges),
        cmocka_unit_test(test_server_final_rejects), cmocka_unit_test(test_client_first_rejects),
        cmocka_unit_test(test_parse_server_first),   cmocka_unit_test(test_client_final_rejects),
        cmocka_unit_test(test_crypto_failure),       cmocka_unit_test(test_parsers_corrupted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
