/* Strict base64 encoder and decoder (RFC 4648, standard alphabet, padded). */
#include "kr_base64.h"

#include <assert.h>
#include <stdbool.h>

static const char b64_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The 6-bit value of an alphabet character, or -1. */
static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Encodes 1..3 bytes as one 4-character quantum, padded with '='. */
static void b64_quantum(kr_wbuf_t *w, const uint8_t *p, size_t n)
{
    assert(n >= 1 && n <= 3);
    uint32_t v = (uint32_t)p[0] << 16;
    if (n > 1)
        v |= (uint32_t)p[1] << 8;
    if (n > 2)
        v |= p[2];
    char q[4] = {b64_alphabet[(v >> 18) & 63], b64_alphabet[(v >> 12) & 63],
                 n > 1 ? b64_alphabet[(v >> 6) & 63] : '=', n > 2 ? b64_alphabet[v & 63] : '='};
    kr_wbuf_raw(w, q, sizeof(q));
}

void kr_base64_write(kr_wbuf_t *w, const void *src, size_t n)
{
    assert(w != NULL);
    assert(src != NULL || n == 0);
    const uint8_t *p = src;
    for (size_t i = 0; i < n && w->err == 0; i += 3)
        b64_quantum(w, p + i, n - i < 3 ? n - i : 3);
}

/*
 * Decodes one 4-character quantum; `last` allows padding. Stores 1..3 bytes in out
 * and returns their count, or 0 when the quantum is malformed.
 */
static size_t b64_unquantum(const uint8_t *q, bool last, uint8_t out[3])
{
    size_t pad = 0;
    if (last && q[3] == '=')
        pad = q[2] == '=' ? 2 : 1;
    uint32_t v = 0;
    for (size_t i = 0; i < 4 - pad; i++) {
        int d = b64_value(q[i]);
        if (d < 0)
            return 0;
        v = v << 6 | (uint32_t)d;
    }
    v <<= 6 * pad;
    /* The unused bits of the last symbol must be zero (canonical encoding). */
    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
        return 0;
    out[0] = (uint8_t)(v >> 16);
    out[1] = (uint8_t)(v >> 8);
    out[2] = (uint8_t)v;
    return 3 - pad;
}

int kr_base64_decode(uint8_t *dst, size_t cap, const char *src, size_t len, size_t *out_len)
{
    assert(dst != NULL || cap == 0);
    assert(src != NULL || len == 0);
    assert(out_len != NULL);
    *out_len = 0;
    if (len % 4 != 0)
        return KR_EMALFORMED;
    const uint8_t *s = (const uint8_t *)src;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint8_t q[3];
        size_t k = b64_unquantum(s + i, i + 4 == len, q);
        if (k == 0)
            return KR_EMALFORMED;
        if (k > cap - n)
            return KR_ENOSPC;
        for (size_t j = 0; j < k; j++)
            dst[n + j] = q[j];
        n += k;
    }
    *out_len = n;
    return 0;
}
