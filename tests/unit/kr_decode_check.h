/*
 * Robustness checks shared by the response-reader tests: every truncation of a valid
 * body must fail, and random corruptions must either decode or fail, never crash or
 * read outside the input (the suite runs under ASan and UBSan, and each input is
 * copied to a heap block of exactly its size so that an over-read is caught).
 *
 * Include after <cmocka.h>. Header-only: every function is static.
 */
#ifndef KR_DECODE_CHECK_H
#define KR_DECODE_CHECK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kr_error.h"

/*
 * Decodes buf[0..len) with the reader under test and returns its result. On success it
 * should also check the decoded struct's invariants (counts within capacities, strings
 * inside buf).
 */
typedef int (*kr_decode_fn)(const uint8_t *buf, size_t len, void *ctx);

/* xorshift64*: a small, seeded, reproducible generator. */
static inline uint64_t kr_prng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static inline uint32_t kr_prng_below(uint64_t *s, uint32_t n)
{
    return (uint32_t)((kr_prng_next(s) >> 32) % n);
}

/* True for the errors a reader may return on bad input. */
static inline int kr_decode_error_ok(int rc)
{
    return rc == KR_ETRUNC || rc == KR_EMALFORMED || rc == KR_ETOOMANY;
}

/* Runs fn on an exactly-sized heap copy of buf[0..len) and returns its result. */
static inline int kr_decode_copy(kr_decode_fn fn, void *ctx, const uint8_t *buf, size_t len)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    if (len > 0)
        memcpy(copy, buf, len);
    int rc = fn(copy, len, ctx);
    free(copy);
    return rc;
}

/* Every proper prefix of a valid body must be rejected with KR_ETRUNC or KR_EMALFORMED. */
static inline void kr_check_truncations(kr_decode_fn fn, void *ctx, const uint8_t *buf, size_t len)
{
    assert_int_equal(kr_decode_copy(fn, ctx, buf, len), 0);
    for (size_t cut = 0; cut < len; cut++) {
        int rc = kr_decode_copy(fn, ctx, buf, cut);
        if (rc != KR_ETRUNC && rc != KR_EMALFORMED)
            fail_msg("prefix %zu of %zu bytes: rc %d (%s)", cut, len, rc, kr_errname(rc));
    }
}

/*
 * `rounds` corruptions of buf: 1..4 bytes overwritten with random values, sometimes
 * with a random cut or extra trailing bytes. Each must decode (0) or fail cleanly.
 * Returns how many decoded, so a caller can see that the corpus is not all rejected.
 */
static inline unsigned kr_check_corruptions(kr_decode_fn fn, void *ctx, const uint8_t *buf,
                                            size_t len, unsigned rounds, uint64_t seed)
{
    uint8_t *mut = malloc(len + 8);
    assert_non_null(mut);
    uint64_t s = seed;
    unsigned ok = 0;
    for (unsigned i = 0; i < rounds; i++) {
        size_t n = len;
        memcpy(mut, buf, len);
        unsigned flips = 1 + kr_prng_below(&s, 4);
        for (unsigned f = 0; f < flips && len > 0; f++)
            mut[kr_prng_below(&s, (uint32_t)len)] = (uint8_t)kr_prng_next(&s);
        uint32_t shape = kr_prng_below(&s, 8);
        if (shape == 0 && len > 0)
            n = kr_prng_below(&s, (uint32_t)len);
        else if (shape == 1)
            n = len + 1 + kr_prng_below(&s, 8) % 8;
        for (size_t k = len; k < n; k++)
            mut[k] = (uint8_t)kr_prng_next(&s);
        int rc = kr_decode_copy(fn, ctx, mut, n);
        if (rc == 0)
            ok++;
        else if (!kr_decode_error_ok(rc))
            fail_msg("corruption %u (seed %llu): rc %d", i, (unsigned long long)seed, rc);
    }
    free(mut);
    return ok;
}

/* Random inputs of 0..max_len bytes: each must decode or fail cleanly. */
static inline void kr_check_noise(kr_decode_fn fn, void *ctx, size_t max_len, unsigned rounds,
                                  uint64_t seed)
{
    uint8_t *buf = malloc(max_len + 1);
    assert_non_null(buf);
    uint64_t s = seed;
    for (unsigned i = 0; i < rounds; i++) {
        size_t n = kr_prng_below(&s, (uint32_t)max_len + 1);
        for (size_t k = 0; k < n; k++)
            buf[k] = (uint8_t)(kr_prng_below(&s, 4) == 0 ? kr_prng_next(&s) : kr_prng_below(&s, 3));
        int rc = kr_decode_copy(fn, ctx, buf, n);
        if (rc != 0 && !kr_decode_error_ok(rc))
            fail_msg("noise %u: rc %d", i, rc);
    }
    free(buf);
}

#endif
