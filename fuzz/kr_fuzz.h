/*
 * Shared helpers for the libFuzzer harnesses: a check that aborts (so libFuzzer records
 * a crash whatever the build type), a cursor that draws values from the fuzz input, and
 * the checks every decoded string and error code gets.
 *
 * Header-only: every function is static inline. Include it from each fuzz_<target>.c.
 */
#ifndef KR_FUZZ_H
#define KR_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_buf.h"
#include "kr_error.h"

/* The libFuzzer entry point; declared here so -Wmissing-prototypes stays quiet. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * For the harness's own bulk loops (reference checksums, synthetic data): no coverage
 * callbacks, which would otherwise cost more than the code under test and only add
 * noise to the corpus.
 */
#define KR_FUZZ_NO_COV __attribute__((no_sanitize("coverage")))

/* A failed check is a crash for libFuzzer, in every build type (unlike assert()). */
#define KR_FUZZ_CHECK(cond)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Like KR_FUZZ_CHECK(a == b) for integers, printing both sides. */
#define KR_FUZZ_CHECK_EQ(a, b)                                                                     \
    do {                                                                                           \
        long long kr_fuzz_a_ = (long long)(a), kr_fuzz_b_ = (long long)(b);                        \
        if (kr_fuzz_a_ != kr_fuzz_b_) {                                                            \
            fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__,  \
                    #a, #b, kr_fuzz_a_, kr_fuzz_b_);                                               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/*
 * Draws values from the fuzz input, front to back. Past the end every draw returns
 * zero bytes, so any input describes a complete structure (FuzzedDataProvider's rule).
 */
typedef struct kr_fuzz_in {
    const uint8_t *p;
    size_t left;
} kr_fuzz_in_t;

static inline void kr_fuzz_in_init(kr_fuzz_in_t *in, const uint8_t *data, size_t size)
{
    in->p = data;
    in->left = size;
}

static inline uint8_t kr_fuzz_u8(kr_fuzz_in_t *in)
{
    if (in->left == 0)
        return 0;
    in->left--;
    return *in->p++;
}

static inline uint16_t kr_fuzz_u16(kr_fuzz_in_t *in)
{
    uint16_t hi = kr_fuzz_u8(in);
    return (uint16_t)((hi << 8) | kr_fuzz_u8(in));
}

static inline uint32_t kr_fuzz_u32(kr_fuzz_in_t *in)
{
    uint32_t hi = kr_fuzz_u16(in);
    return (hi << 16) | kr_fuzz_u16(in);
}

static inline uint64_t kr_fuzz_u64(kr_fuzz_in_t *in)
{
    uint64_t hi = kr_fuzz_u32(in);
    return (hi << 32) | kr_fuzz_u32(in);
}

static inline bool kr_fuzz_bool(kr_fuzz_in_t *in) { return (kr_fuzz_u8(in) & 1) != 0; }

/* A value in 0..n-1 (n >= 1) from one byte. */
static inline uint32_t kr_fuzz_below(kr_fuzz_in_t *in, uint32_t n) { return kr_fuzz_u8(in) % n; }

/*
 * Borrows up to max_len bytes of input, the length taken from one byte (0..255, capped
 * at what is left and at max_len). Returns a pointer into the input (never NULL: an
 * empty slice points at a static byte) and stores the length.
 */
static inline const uint8_t *kr_fuzz_bytes(kr_fuzz_in_t *in, size_t max_len, size_t *len)
{
    static const uint8_t empty[1];
    size_t n = kr_fuzz_u8(in);
    if (n > max_len)
        n = max_len;
    if (n > in->left)
        n = in->left;
    *len = n;
    if (n == 0)
        return empty;
    const uint8_t *p = in->p;
    in->p += n;
    in->left -= n;
    return p;
}

/*
 * A borrowed string from the input: null one time in `null_one_in` (0: never null),
 * else up to max_len bytes.
 */
static inline kr_str_t kr_fuzz_str(kr_fuzz_in_t *in, uint32_t null_one_in, size_t max_len)
{
    if (null_one_in != 0 && kr_fuzz_below(in, null_one_in) == 0)
        return (kr_str_t){NULL, -1};
    size_t n;
    const uint8_t *p = kr_fuzz_bytes(in, max_len, &n);
    return (kr_str_t){(const char *)p, (int32_t)n};
}

/* Touches every byte of [p, p+n) so that ASan sees an out-of-bounds string. */
static inline unsigned kr_fuzz_touch(const void *p, size_t n)
{
    const volatile uint8_t *b = p;
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += b[i];
    return sum;
}

/*
 * A decoded string must be null (len -1, only where `nullable`), or lie inside the
 * input buf[0..len): strings borrow the input.
 */
static inline void kr_fuzz_check_str(kr_str_t s, bool nullable, const uint8_t *buf, size_t len)
{
    if (s.len == -1) {
        KR_FUZZ_CHECK(nullable);
        return;
    }
    KR_FUZZ_CHECK(s.len >= 0);
    KR_FUZZ_CHECK(s.ptr != NULL);
    const uint8_t *p = (const uint8_t *)s.ptr;
    KR_FUZZ_CHECK(p >= buf);
    KR_FUZZ_CHECK(p <= buf + len);
    KR_FUZZ_CHECK((size_t)s.len <= (size_t)(buf + len - p));
    (void)kr_fuzz_touch(p, (size_t)s.len);
}

/* Two decoded strings hold the same value (both null, or equal bytes). */
static inline bool kr_fuzz_str_eq(kr_str_t a, kr_str_t b)
{
    if (a.len != b.len)
        return false;
    if (a.len <= 0)
        return true;
    return memcmp(a.ptr, b.ptr, (size_t)a.len) == 0;
}

/* The errors a response reader may return on bad input (kr_apiversions.h conventions). */
static inline bool kr_fuzz_decode_error_ok(int rc)
{
    return rc == KR_ETRUNC || rc == KR_EMALFORMED || rc == KR_ETOOMANY;
}

/*
 * What every reader promises about its cursor: on success no error and no byte left
 * (the body is consumed exactly); an error the cursor reports is the one returned;
 * the cursor never leaves the input.
 */
static inline void kr_fuzz_check_cursor(const kr_rbuf_t *r, int rc, const uint8_t *buf, size_t len)
{
    KR_FUZZ_CHECK(r->pos >= buf);
    KR_FUZZ_CHECK(r->pos <= buf + len);
    KR_FUZZ_CHECK(r->end == buf + len);
    if (rc == 0) {
        KR_FUZZ_CHECK_EQ(r->err, 0);
        KR_FUZZ_CHECK_EQ(kr_rbuf_left(r), 0);
    } else if (rc == KR_ETRUNC || rc == KR_EMALFORMED) {
        KR_FUZZ_CHECK_EQ(r->err, rc);
    }
}

/* Writes a decoded nullable string back with the same encoding. */
static inline void kr_fuzz_put_nstr(kr_wbuf_t *w, bool flex, kr_str_t s)
{
    if (s.len < 0)
        kr_wbuf_nstr(w, flex, NULL, 0);
    else
        kr_wbuf_nstr(w, flex, s.len > 0 ? s.ptr : "", (size_t)s.len);
}

/* Writes a decoded non-null string back. */
static inline void kr_fuzz_put_str(kr_wbuf_t *w, bool flex, kr_str_t s)
{
    kr_wbuf_str(w, flex, s.len > 0 ? s.ptr : "", s.len > 0 ? (size_t)s.len : 0);
}

#endif
