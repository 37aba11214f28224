/*
 * Base64 (RFC 4648 section 4: the standard alphabet with '=' padding), as SCRAM
 * (RFC 5802) carries salts, proofs and signatures.
 *
 * The decoder is strict: the length is a multiple of 4, padding only at the very end
 * (at most two '='), no whitespace, and the unused low bits of the last symbol zero, so
 * every byte string has exactly one accepted encoding.
 */
#ifndef KR_BASE64_H
#define KR_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "kr_buf.h"

/* Length of the encoding of n bytes. n must be below SIZE_MAX / 4 * 3 - 2. */
static inline size_t kr_base64_len(size_t n) { return (n + 2) / 3 * 4; }

/* Most bytes an encoding of `len` characters can decode to. */
static inline size_t kr_base64_decoded_max(size_t len) { return len / 4 * 3; }

/* Appends the encoding of src[0..n) to w. Errors (KR_ENOSPC) are left in w->err. */
void kr_base64_write(kr_wbuf_t *w, const void *src, size_t n);

/*
 * Decodes src[0..len) into dst (cap bytes) and stores the byte count in *out_len.
 * Returns 0, KR_EMALFORMED (anything but a canonical encoding) or KR_ENOSPC (dst too
 * small for the decoded bytes; nothing useful in dst).
 */
int kr_base64_decode(uint8_t *dst, size_t cap, const char *src, size_t len, size_t *out_len);

#endif
