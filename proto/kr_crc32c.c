/* CRC-32C: hardware (SSE4.2, ARMv8 CRC) and slice-by-8 implementations. */
#include "kr_crc32c.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#define KR_CRC_X86 1
#elif defined(__aarch64__)
#include <arm_acle.h>
#include <sys/auxv.h>
#define KR_CRC_ARM 1
#if defined(__ARM_FEATURE_CRC32)
#define KR_CRC_ARM_TARGET
#elif defined(__clang__)
#define KR_CRC_ARM_TARGET __attribute__((target("crc")))
#else
#define KR_CRC_ARM_TARGET __attribute__((target("+crc")))
#endif
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
/* clang's arm_acle.h declares the intrinsics only for -march=...+crc builds. */
#if defined(__clang__)
#define KR_CRC32CD(c, v) __builtin_arm_crc32cd((c), (v))
#define KR_CRC32CB(c, v) __builtin_arm_crc32cb((c), (v))
#else
#define KR_CRC32CD(c, v) __crc32cd((c), (v))
#define KR_CRC32CB(c, v) __crc32cb((c), (v))
#endif
#endif

#define CRC32C_POLY 0x82f63b78u /* reflected 0x1EDC6F41 */
/* Hardware paths: three streams of LONG bytes, then of SHORT bytes, then one stream. */
#define CRC_LONG 8192
#define CRC_SHORT 256
/* x^(2^k) mod P for k < 67: enough for shifts by any size_t count of bytes (2^3 bits each). */
#define CRC_X2N 67

typedef uint32_t (*crc_fn)(uint32_t crc, const void *buf, size_t len);

static uint32_t crc_table[8][256]; /* slice-by-8 */
static uint32_t crc_long[4][256];  /* shift a raw CRC over CRC_LONG zero bytes */
static uint32_t crc_short[4][256]; /* shift a raw CRC over CRC_SHORT zero bytes */
static uint32_t crc_x2n[CRC_X2N];
static bool crc_hw;
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static uint32_t crc32c_first(uint32_t crc, const void *buf, size_t len);
static crc_fn crc_impl = crc32c_first;

static inline uint64_t load64le(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/*
 * a * b modulo P over GF(2), both in the reflected representation (bit 31 is the
 * coefficient of x^0). Constant time, 32 steps.
 */
static uint32_t gf2_multmodp(uint32_t a, uint32_t b)
{
    uint32_t p = 0;
    for (int i = 0; i < 32; i++) {
        p ^= b & (0u - ((a >> (31 - i)) & 1u));
        b = (b >> 1) ^ (CRC32C_POLY & (0u - (b & 1u)));
    }
    return p;
}

/* x^(8n) mod P: the operator that runs a raw CRC register over n zero bytes. */
static uint32_t gf2_x8n(size_t n)
{
    uint32_t p = 1u << 31; /* x^0 */
    for (unsigned k = 3; n != 0; n >>= 1, k++) {
        if (n & 1)
            p = gf2_multmodp(crc_x2n[k], p);
    }
    return p;
}

/* Applies a precomputed shift table (the linear map of one zero run) to a raw CRC. */
static inline uint32_t crc_shift(const uint32_t t[4][256], uint32_t c)
{
    return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
}

static void crc_build_shift(uint32_t t[4][256], size_t n)
{
    uint32_t xp = gf2_x8n(n);
    for (unsigned k = 0; k < 4; k++) {
        for (uint32_t b = 0; b < 256; b++)
            t[k][b] = gf2_multmodp(xp, b << (8 * k));
    }
}

/* ---- portable: slice-by-8 ---- */

/* Raw (uninverted) CRC register c extended by len bytes at p. */
static uint32_t crc32c_sw_raw(uint32_t c, const uint8_t *p, size_t len)
{
    while (len > 0 && ((uintptr_t)p & 7) != 0) {
        c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
        len--;
    }
    while (len >= 8) {
        uint64_t w = load64le(p) ^ c;
        c = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^
            crc_table[5][(w >> 16) & 0xff] ^ crc_table[4][(w >> 24) & 0xff] ^
            crc_table[3][(w >> 32) & 0xff] ^ crc_table[2][(w >> 40) & 0xff] ^
            crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][w >> 56];
        p += 8;
        len -= 8;
    }
    while (len > 0) {
        c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
        len--;
    }
    return c;
}

static uint32_t crc32c_sw_impl(uint32_t crc, const void *buf, size_t len)
{
    return ~crc32c_sw_raw(~crc, buf, len);
}

/* ---- x86-64: SSE4.2 crc32 ---- */

#if defined(KR_CRC_X86)
/* Three interleaved streams of n bytes each, joined by shift table t. */
__attribute__((target("sse4.2"))) static uint64_t
crc32c_x86_3way(uint64_t c0, const uint8_t *p, size_t n, const uint32_t t[4][256])
{
    uint64_t c1 = 0, c2 = 0;
    for (size_t i = 0; i < n; i += 8) {
        c0 = _mm_crc32_u64(c0, load64le(p + i));
        c1 = _mm_crc32_u64(c1, load64le(p + n + i));
        c2 = _mm_crc32_u64(c2, load64le(p + 2 * n + i));
    }
    c0 = crc_shift(t, (uint32_t)c0) ^ c1;
    return crc_shift(t, (uint32_t)c0) ^ c2;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_x86(uint32_t crc, const void *buf,
                                                             size_t len)
{
    const uint8_t *p = buf;
    uint64_t c = (uint32_t)~crc;
    while (len > 0 && ((uintptr_t)p & 7) != 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        len--;
    }
    for (; len >= 3 * CRC_LONG; p += 3 * CRC_LONG, len -= 3 * CRC_LONG)
        c = crc32c_x86_3way(c, p, CRC_LONG, crc_long);
    for (; len >= 3 * CRC_SHORT; p += 3 * CRC_SHORT, len -= 3 * CRC_SHORT)
        c = crc32c_x86_3way(c, p, CRC_SHORT, crc_short);
    for (; len >= 8; p += 8, len -= 8)
        c = _mm_crc32_u64(c, load64le(p));
    while (len > 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        len--;
    }
    return ~(uint32_t)c;
}

static bool crc32c_hw_probe(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
}
#define CRC32C_HW_IMPL crc32c_x86
#endif

/* ---- aarch64: ARMv8 CRC32 extension ---- */

#if defined(KR_CRC_ARM)
KR_CRC_ARM_TARGET static uint32_t crc32c_arm_3way(uint32_t c0, const uint8_t *p, size_t n,
                                                  const uint32_t t[4][256])
{
    uint32_t c1 = 0, c2 = 0;
    for (size_t i = 0; i < n; i += 8) {
        c0 = KR_CRC32CD(c0, load64le(p + i));
        c1 = KR_CRC32CD(c1, load64le(p + n + i));
        c2 = KR_CRC32CD(c2, load64le(p + 2 * n + i));
    }
    c0 = crc_shift(t, c0) ^ c1;
    return crc_shift(t, c0) ^ c2;
}

KR_CRC_ARM_TARGET static uint32_t crc32c_arm(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint32_t c = ~crc;
    while (len > 0 && ((uintptr_t)p & 7) != 0) {
        c = KR_CRC32CB(c, *p++);
        len--;
    }
    for (; len >= 3 * CRC_LONG; p += 3 * CRC_LONG, len -= 3 * CRC_LONG)
        c = crc32c_arm_3way(c, p, CRC_LONG, crc_long);
    for (; len >= 3 * CRC_SHORT; p += 3 * CRC_SHORT, len -= 3 * CRC_SHORT)
        c = crc32c_arm_3way(c, p, CRC_SHORT, crc_short);
    for (; len >= 8; p += 8, len -= 8)
        c = KR_CRC32CD(c, load64le(p));
    while (len > 0) {
        c = KR_CRC32CB(c, *p++);
        len--;
    }
    return ~c;
}

static bool crc32c_hw_probe(void)
{
#if defined(__ARM_FEATURE_CRC32)
    return true;
#else
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
#endif
}
#define CRC32C_HW_IMPL crc32c_arm
#endif

/* ---- selection ---- */

/* Builds every table and publishes the chosen implementation (run once). */
static void crc32c_build(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int i = 0; i < 8; i++)
            c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1u)));
        crc_table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        for (int k = 1; k < 8; k++) {
            uint32_t c = crc_table[k - 1][n];
            crc_table[k][n] = (c >> 8) ^ crc_table[0][c & 0xff];
        }
    }
    crc_x2n[0] = 1u << 30; /* x^1 */
    for (int k = 1; k < CRC_X2N; k++)
        crc_x2n[k] = gf2_multmodp(crc_x2n[k - 1], crc_x2n[k - 1]);
    crc_build_shift(crc_long, CRC_LONG);
    crc_build_shift(crc_short, CRC_SHORT);
    crc_fn impl = crc32c_sw_impl;
#if defined(CRC32C_HW_IMPL)
    crc_hw = crc32c_hw_probe();
    if (crc_hw)
        impl = CRC32C_HW_IMPL;
#endif
    __atomic_store_n(&crc_impl, impl, __ATOMIC_RELEASE);
}

void kr_crc32c_init(void)
{
    int rc = pthread_once(&crc_once, crc32c_build);
    assert(rc == 0);
    (void)rc;
}

__attribute__((constructor)) static void crc32c_ctor(void) { kr_crc32c_init(); }

/* The initial implementation: builds the tables, then forwards. */
static uint32_t crc32c_first(uint32_t crc, const void *buf, size_t len)
{
    kr_crc32c_init();
    return __atomic_load_n(&crc_impl, __ATOMIC_ACQUIRE)(crc, buf, len);
}

uint32_t kr_crc32c(uint32_t crc, const void *buf, size_t len)
{
    assert(buf != NULL || len == 0);
    return __atomic_load_n(&crc_impl, __ATOMIC_ACQUIRE)(crc, buf, len);
}

uint32_t kr_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
    assert(buf != NULL || len == 0);
    kr_crc32c_init();
    return crc32c_sw_impl(crc, buf, len);
}

bool kr_crc32c_hw_available(void)
{
    kr_crc32c_init();
    return crc_hw;
}

uint32_t kr_crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
    assert(buf != NULL || len == 0);
    assert(kr_crc32c_hw_available());
#if defined(CRC32C_HW_IMPL)
    return CRC32C_HW_IMPL(crc, buf, len);
#else
    return crc32c_sw_impl(crc, buf, len);
#endif
}

uint32_t kr_crc32c_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b)
{
    kr_crc32c_init();
    return gf2_multmodp(gf2_x8n(len_b), crc_a) ^ crc_b;
}
