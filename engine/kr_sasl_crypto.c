/* OpenSSL (libcrypto 3.x) implementations of kr_scram_crypto_t and the nonce source. */
#include "kr_sasl_crypto.h"

#include <assert.h>
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "kr_base64.h"
#include "kr_error.h"

/* One-shot digest of md. Returns 0 or -1. */
static int crypto_hash(const EVP_MD *md, const void *data, size_t len, uint8_t *out)
{
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, md, NULL) == 1 ? 0 : -1;
}

/* One-shot HMAC with md. Returns 0 or -1. */
static int crypto_hmac(const EVP_MD *md, const void *key, size_t key_len, const void *data,
                       size_t len, uint8_t *out)
{
    unsigned int n = 0;
    if (key_len > INT_MAX)
        return -1;
    return HMAC(md, key, (int)key_len, data, len, out, &n) != NULL ? 0 : -1;
}

/* PBKDF2-HMAC with md, output EVP_MD_get_size(md) bytes. Returns 0 or -1. */
static int crypto_pbkdf2(const EVP_MD *md, const void *pass, size_t pass_len, const void *salt,
                         size_t salt_len, uint32_t iterations, uint8_t *out)
{
    if (pass_len > INT_MAX || salt_len > INT_MAX || iterations > INT_MAX)
        return -1;
    int ok = PKCS5_PBKDF2_HMAC(pass, (int)pass_len, salt, (int)salt_len, (int)iterations, md,
                               EVP_MD_get_size(md), out);
    return ok == 1 ? 0 : -1;
}

static int sha256_hash(const void *d, size_t n, uint8_t *out)
{
    return crypto_hash(EVP_sha256(), d, n, out);
}

static int sha256_hmac(const void *k, size_t kn, const void *d, size_t n, uint8_t *out)
{
    return crypto_hmac(EVP_sha256(), k, kn, d, n, out);
}

static int sha256_pbkdf2(const void *p, size_t pn, const void *s, size_t sn, uint32_t i,
                         uint8_t *out)
{
    return crypto_pbkdf2(EVP_sha256(), p, pn, s, sn, i, out);
}

static int sha512_hash(const void *d, size_t n, uint8_t *out)
{
    return crypto_hash(EVP_sha512(), d, n, out);
}

static int sha512_hmac(const void *k, size_t kn, const void *d, size_t n, uint8_t *out)
{
    return crypto_hmac(EVP_sha512(), k, kn, d, n, out);
}

static int sha512_pbkdf2(const void *p, size_t pn, const void *s, size_t sn, uint32_t i,
                         uint8_t *out)
{
    return crypto_pbkdf2(EVP_sha512(), p, pn, s, sn, i, out);
}

static const kr_scram_crypto_t crypto_sha256 = {"SCRAM-SHA-256", 32, sha256_hash, sha256_hmac,
                                                sha256_pbkdf2};
static const kr_scram_crypto_t crypto_sha512 = {"SCRAM-SHA-512", 64, sha512_hash, sha512_hmac,
                                                sha512_pbkdf2};

const kr_scram_crypto_t *kr_sasl_crypto_sha256(void) { return &crypto_sha256; }

const kr_scram_crypto_t *kr_sasl_crypto_sha512(void) { return &crypto_sha512; }

const kr_scram_crypto_t *kr_sasl_crypto_find(const char *mechanism)
{
    assert(mechanism != NULL);
    if (strcmp(mechanism, crypto_sha256.mechanism) == 0)
        return &crypto_sha256;
    if (strcmp(mechanism, crypto_sha512.mechanism) == 0)
        return &crypto_sha512;
    return NULL;
}

int kr_sasl_random(void *buf, size_t len)
{
    assert(buf != NULL || len == 0);
    if (len > INT_MAX)
        return KR_ECRYPTO;
    return RAND_bytes(buf, (int)len) == 1 ? 0 : KR_ECRYPTO;
}

int kr_sasl_nonce(char *out, size_t out_cap)
{
    assert(out != NULL);
    _Static_assert(KR_SASL_NONCE_LEN % 4 == 0, "no base64 padding in the nonce");
    uint8_t raw[KR_SASL_NONCE_LEN / 4 * 3];
    if (out_cap < KR_SASL_NONCE_LEN + 1)
        return KR_ENOSPC;
    int rc = kr_sasl_random(raw, sizeof(raw));
    if (rc != 0)
        return rc;
    kr_wbuf_t w;
    kr_wbuf_init(&w, out, out_cap);
    kr_base64_write(&w, raw, sizeof(raw));
    assert(w.err == 0 && kr_wbuf_len(&w) == KR_SASL_NONCE_LEN);
    out[KR_SASL_NONCE_LEN] = '\0';
    return 0;
}
