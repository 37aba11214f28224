/*
 * Bounds-checked write and read cursors over caller memory, and the Kafka
 * protocol primitives on top of them.
 *
 * Write cursor: every write past the end sets the sticky `err` (KR_ENOSPC) and
 * writes nothing further; an encoder checks `err` once at the end. Lengths and
 * CRCs are written as placeholders (kr_wbuf_reserve) and patched afterwards.
 *
 * Read cursor: every read past the end sets the sticky `err` (KR_ETRUNC), and a
 * malformed value (an impossible length, a varint over its width) sets
 * KR_EMALFORMED; reads after an error return zero values. A length taken from the
 * wire is never trusted: it is checked against the bytes that remain.
 *
 * Strings and bytes read from the wire borrow the input buffer (kr_str_t): no copy,
 * no allocation. The cursor owns no memory.
 *
 * "flex" arguments select the flexible (compact) encodings of KIP-482.
 */
#ifndef KR_BUF_H
#define KR_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kr_error.h"

/* A borrowed byte string. len == -1 means null. */
typedef struct kr_str {
    const char *ptr;
    int32_t len;
} kr_str_t;

typedef struct kr_wbuf {
    uint8_t *base;
    size_t pos;
    size_t cap;
    int err; /* 0 or KR_ENOSPC, sticky */
} kr_wbuf_t;

typedef struct kr_rbuf {
    const uint8_t *pos;
    const uint8_t *end;
    int err; /* 0, KR_ETRUNC or KR_EMALFORMED, sticky */
} kr_rbuf_t;

/* Longest encodings, for size planning. */
#define KR_UVARINT32_MAX 5
#define KR_UVARINT64_MAX 10

/* ---- write cursor ---- */

void kr_wbuf_init(kr_wbuf_t *w, void *mem, size_t cap);
/* Bytes written so far. */
static inline size_t kr_wbuf_len(const kr_wbuf_t *w) { return w->pos; }
static inline uint8_t *kr_wbuf_at(const kr_wbuf_t *w, size_t off) { return w->base + off; }

void kr_wbuf_raw(kr_wbuf_t *w, const void *src, size_t n);
void kr_wbuf_i8(kr_wbuf_t *w, int8_t v);
void kr_wbuf_i16(kr_wbuf_t *w, int16_t v);
void kr_wbuf_i32(kr_wbuf_t *w, int32_t v);
void kr_wbuf_u32(kr_wbuf_t *w, uint32_t v);
void kr_wbuf_i64(kr_wbuf_t *w, int64_t v);
void kr_wbuf_bool(kr_wbuf_t *w, bool v);
void kr_wbuf_uuid(kr_wbuf_t *w, const uint8_t uuid[16]);
void kr_wbuf_uvarint(kr_wbuf_t *w, uint64_t v);
void kr_wbuf_varint(kr_wbuf_t *w, int32_t v);  /* zigzag */
void kr_wbuf_varlong(kr_wbuf_t *w, int64_t v); /* zigzag */

/* STRING (int16 len) or COMPACT_STRING (uvarint len+1). len must be >= 0. */
void kr_wbuf_str(kr_wbuf_t *w, bool flex, const char *s, size_t len);
/* NULLABLE_STRING / COMPACT_NULLABLE_STRING: s == NULL writes null. */
void kr_wbuf_nstr(kr_wbuf_t *w, bool flex, const char *s, size_t len);
/* BYTES / COMPACT_BYTES (int32 len or uvarint len+1). */
void kr_wbuf_bytes(kr_wbuf_t *w, bool flex, const void *b, size_t len);
/* ARRAY / COMPACT_ARRAY element count; n == -1 writes a null array. */
void kr_wbuf_arraylen(kr_wbuf_t *w, bool flex, int32_t n);
/* The empty tagged-field section of a flexible struct (no-op when !flex). */
void kr_wbuf_tags(kr_wbuf_t *w, bool flex);

/* Reserves n bytes for a later patch; returns their offset. */
size_t kr_wbuf_reserve(kr_wbuf_t *w, size_t n);
void kr_wbuf_patch_i32(kr_wbuf_t *w, size_t off, int32_t v);
void kr_wbuf_patch_u32(kr_wbuf_t *w, size_t off, uint32_t v);

/* Bytes the unsigned/zigzag varint encodings of v take. */
size_t kr_uvarint_size(uint64_t v);
size_t kr_varint_size(int32_t v);
size_t kr_varlong_size(int64_t v);

/* ---- read cursor ---- */

void kr_rbuf_init(kr_rbuf_t *r, const void *mem, size_t len);
static inline size_t kr_rbuf_left(const kr_rbuf_t *r) { return (size_t)(r->end - r->pos); }

/* Sets the sticky error if none is set yet. */
void kr_rbuf_fail(kr_rbuf_t *r, int err);

const uint8_t *kr_rbuf_raw(kr_rbuf_t *r, size_t n); /* NULL on underflow */
void kr_rbuf_skip(kr_rbuf_t *r, size_t n);
int8_t kr_rbuf_i8(kr_rbuf_t *r);
int16_t kr_rbuf_i16(kr_rbuf_t *r);
int32_t kr_rbuf_i32(kr_rbuf_t *r);
uint32_t kr_rbuf_u32(kr_rbuf_t *r);
int64_t kr_rbuf_i64(kr_rbuf_t *r);
bool kr_rbuf_bool(kr_rbuf_t *r);
void kr_rbuf_uuid(kr_rbuf_t *r, uint8_t out[16]);
uint64_t kr_rbuf_uvarint(kr_rbuf_t *r);   /* at most 10 bytes */
uint32_t kr_rbuf_uvarint32(kr_rbuf_t *r); /* at most 5 bytes, fits 32 bits */
int32_t kr_rbuf_varint(kr_rbuf_t *r);
int64_t kr_rbuf_varlong(kr_rbuf_t *r);

/* STRING/COMPACT_STRING; null is malformed. */
kr_str_t kr_rbuf_str(kr_rbuf_t *r, bool flex);
/* NULLABLE_STRING/COMPACT_NULLABLE_STRING; null gives len -1. */
kr_str_t kr_rbuf_nstr(kr_rbuf_t *r, bool flex);
/* BYTES/COMPACT_BYTES (nullable: len -1). */
kr_str_t kr_rbuf_bytes(kr_rbuf_t *r, bool flex);
/*
 * ARRAY/COMPACT_ARRAY count: -1 for null, else 0..n where n * min_elem_size must fit
 * in the bytes left (a lying count is KR_ETRUNC, before any element is read).
 */
int32_t kr_rbuf_arraylen(kr_rbuf_t *r, bool flex, size_t min_elem_size);
/* Skips a tagged-field section (no-op when !flex). Unknown tags are skipped whole. */
void kr_rbuf_tags(kr_rbuf_t *r, bool flex);

#endif
