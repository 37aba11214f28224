/*
 * OpenSSL behind proto/'s SCRAM client: the hash, HMAC and PBKDF2 tables of
 * kr_scram_crypto_t for SHA-256 and SHA-512, and the CSPRNG for client nonces.
 *
 * The tables are static and immutable; they live as long as the program.
 */
#ifndef KR_SASL_CRYPTO_H
#define KR_SASL_CRYPTO_H

#include <stddef.h>

#include "kr_scram.h"

/* SCRAM-SHA-256 (RFC 7677): digest_len 32, mechanism "SCRAM-SHA-256". Never NULL. */
const kr_scram_crypto_t *kr_sasl_crypto_sha256(void);

/* SCRAM-SHA-512: digest_len 64, mechanism "SCRAM-SHA-512". Never NULL. */
const kr_scram_crypto_t *kr_sasl_crypto_sha512(void);

/*
 * The table for a SASL mechanism name ("SCRAM-SHA-256" or "SCRAM-SHA-512", exact), or
 * NULL for any other.
 */
const kr_scram_crypto_t *kr_sasl_crypto_find(const char *mechanism);

/*
 * Fills buf with len bytes from OpenSSL's CSPRNG (RAND_bytes). Returns 0 or
 * KR_ECRYPTO (the generator is not seeded or failed).
 */
int kr_sasl_random(void *buf, size_t len);

/*
 * Writes a fresh SCRAM client nonce: the base64 of 24 random bytes, 32 printable
 * characters and a NUL into out (out_cap >= KR_SASL_NONCE_LEN + 1). Returns 0,
 * KR_ECRYPTO or KR_ENOSPC.
 */
#define KR_SASL_NONCE_LEN 32
int kr_sasl_nonce(char *out, size_t out_cap);

#endif
