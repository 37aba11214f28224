/*
 * The OpenSSL adapter: published vectors for each function of both tables (FIPS 180
 * "abc", RFC 4231 test case 2, RFC 7914 section 11 / RFC 6070-style PBKDF2), the
 * mechanism lookup, and nonces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kr_sasl_crypto.h"

/* Parses an even-length hex string into out; returns the byte count. */
static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void check(const char *hex, const uint8_t *got, size_t len)
{
    uint8_t want[64];
    assert_int_equal(unhex(hex, want), len);
    assert_memory_equal(got, want, len);
}

static void test_sha256(void **state)
{
    (void)state;
    const kr_scram_crypto_t *c = kr_sasl_crypto_sha256();
    uint8_t out[64];
    assert_string_equal(c->mechanism, "SCRAM-SHA-256");
    assert_int_equal(c->digest_len, 32);
    assert_int_equal(c->hash("abc", 3, out), 0);
    check("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", out, 32);
    assert_int_equal(c->hmac("Jefe", 4, "what do ya want for nothing?", 28, out), 0);
    check("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", out, 32);
    assert_int_equal(c->pbkdf2("passwd", 6, "salt", 4, 1, out), 0);
    check("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc", out, 32);
}

static void test_sha512(void **state)
{
    (void)state;
    const kr_scram_crypto_t *c = kr_sasl_crypto_sha512();
    uint8_t out[64];
    assert_string_equal(c->mechanism, "SCRAM-SHA-512");
    assert_int_equal(c->digest_len, 64);
    assert_int_equal(c->hash("abc", 3, out), 0);
    check("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
          out, 64);
    assert_int_equal(c->hmac("Jefe", 4, "what do ya want for nothing?", 28, out), 0);
    check("164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
          "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
          out, 64);
    assert_int_equal(c->pbkdf2("password", 8, "salt", 4, 4096, out), 0);
    check("d197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5"
          "143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5",
          out, 64);
}

static void test_find(void **state)
{
    (void)state;
    assert_ptr_equal(kr_sasl_crypto_find("SCRAM-SHA-256"), kr_sasl_crypto_sha256());
    assert_ptr_equal(kr_sasl_crypto_find("SCRAM-SHA-512"), kr_sasl_crypto_sha512());
    assert_null(kr_sasl_crypto_find("scram-sha-256"));
    assert_null(kr_sasl_crypto_find("PLAIN"));
    assert_null(kr_sasl_crypto_find(""));
}

static void test_nonce(void **state)
{
    (void)state;
    char a[KR_SASL_NONCE_LEN + 1], b[KR_SASL_NONCE_LEN + 1];
    assert_int_equal(kr_sasl_nonce(a, sizeof(a)), 0);
    assert_int_equal(kr_sasl_nonce(b, sizeof(b)), 0);
    assert_int_equal(strlen(a), KR_SASL_NONCE_LEN);
    for (size_t i = 0; i < KR_SASL_NONCE_LEN; i++)
        assert_true(a[i] > 0x20 && a[i] < 0x7f && a[i] != ',' && a[i] != '=');
    /* 192 random bits: equal nonces mean a broken generator. */
    assert_memory_not_equal(a, b, KR_SASL_NONCE_LEN);
    assert_int_equal(kr_sasl_nonce(a, KR_SASL_NONCE_LEN), KR_ENOSPC);
    uint8_t r[64] = {0};
    assert_int_equal(kr_sasl_random(r, sizeof(r)), 0);
    assert_int_equal(kr_sasl_random(r, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_sha512),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_nonce),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
