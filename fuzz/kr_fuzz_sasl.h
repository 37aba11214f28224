/*
 * The SASL responses seen from the fuzzers: independent encoders of
 * SaslHandshakeResponse and SaslAuthenticateResponse, written from the protocol JSON
 * layouts, for fuzz_sasl's decode -> encode -> decode check and gen_corpus's seeds;
 * and a stand-in crypto table for fuzz_scram (proto/ links no crypto library; the
 * harness needs determinism and speed, not security).
 *
 * Header-only; every function is static inline.
 */
#ifndef KR_FUZZ_SASL_H
#define KR_FUZZ_SASL_H

#include "kr_sasl.h"
#include "kr_scram.h"

#include "kr_fuzz.h"
#include "kr_fuzz_resp.h"

/* Selector byte of fuzz_sasl: 0..1 SaslHandshake v0..1, 2..4 SaslAuthenticate v0..2. */
#define KR_FUZZ_SASL_SELECTORS 5

/* SaslHandshakeResponse (never flexible): ErrorCode, Mechanisms [STRING]. */
static inline void kr_fuzz_enc_sasl_handshake(kr_wbuf_t *w, const kr_SaslHandshakeResponse_t *m)
{
    kr_wbuf_i16(w, m->ErrorCode);
    kr_wbuf_arraylen(w, false, m->MechanismsCount);
    for (int32_t i = 0; i < m->MechanismsCount; i++)
        kr_fuzz_put_str(w, false, m->Mechanisms[i]);
}

/* SaslAuthenticateResponse v0..2, with unknown tagged fields from `in` when v2. */
static inline void kr_fuzz_enc_sasl_auth(kr_wbuf_t *w, kr_fuzz_in_t *in, int16_t v,
                                         const kr_SaslAuthenticateResponse_t *m)
{
    bool flex = v >= 2;
    kr_wbuf_i16(w, m->ErrorCode);
    kr_fuzz_put_nstr(w, flex, m->ErrorMessage);
    kr_wbuf_bytes(w, flex, m->AuthBytes.len > 0 ? m->AuthBytes.ptr : "", (size_t)m->AuthBytes.len);
    if (v >= 1)
        kr_wbuf_i64(w, m->SessionLifetimeMs);
    kr_fuzz_tags(w, in, flex);
}

/* A stand-in digest: 64-bit FNV-1a lanes over the input, spread over `out`. */
static inline void kr_fuzz_mix(const void *a, size_t an, const void *b, size_t bn, uint64_t tweak,
                               uint8_t *out, size_t out_len)
{
    for (size_t lane = 0; lane < out_len; lane += 8) {
        uint64_t h = 0xcbf29ce484222325ULL ^ (tweak + lane);
        for (size_t i = 0; i < an; i++)
            h = (h ^ ((const uint8_t *)a)[i]) * 0x100000001b3ULL;
        for (size_t i = 0; i < bn; i++)
            h = (h ^ ((const uint8_t *)b)[i]) * 0x100000001b3ULL;
        for (size_t k = 0; k < 8 && lane + k < out_len; k++)
            out[lane + k] = (uint8_t)(h >> (8 * k));
    }
}

#define KR_FUZZ_DIGEST_LEN 32

static inline int kr_fuzz_fake_hash(const void *d, size_t n, uint8_t *out)
{
    kr_fuzz_mix(d, n, NULL, 0, 1, out, KR_FUZZ_DIGEST_LEN);
    return 0;
}

static inline int kr_fuzz_fake_hmac(const void *k, size_t kn, const void *d, size_t n, uint8_t *out)
{
    kr_fuzz_mix(k, kn, d, n, 2, out, KR_FUZZ_DIGEST_LEN);
    return 0;
}

/* Ignores the iteration count beyond mixing it in: no loop a fuzzer would time out on. */
static inline int kr_fuzz_fake_pbkdf2(const void *p, size_t pn, const void *s, size_t sn,
                                      uint32_t iterations, uint8_t *out)
{
    kr_fuzz_mix(p, pn, s, sn, 3 + iterations, out, KR_FUZZ_DIGEST_LEN);
    return 0;
}

static const kr_scram_crypto_t kr_fuzz_fake_crypto = {
    "SCRAM-FAKE", KR_FUZZ_DIGEST_LEN, kr_fuzz_fake_hash, kr_fuzz_fake_hmac, kr_fuzz_fake_pbkdf2};

/* The client side fuzz_scram plays: its nonce, which server nonces must extend. */
#define KR_FUZZ_SCRAM_USER "fuzz,user="
#define KR_FUZZ_SCRAM_NONCE "rOprNGfwEbeRWgbNEkqO"

#endif
