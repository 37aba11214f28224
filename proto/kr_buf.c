/* Bounds-checked cursors and Kafka protocol primitives. */
#include "kr_buf.h"

#include <assert.h>
#include <string.h>

/* ---- write cursor ---- */

void kr_wbuf_init(kr_wbuf_t *w, void *mem, size_t cap)
{
    assert(mem != NULL || cap == 0);
    w->base = mem;
    w->pos = 0;
    w->cap = cap;
    w->err = 0;
}

/* Returns where n bytes may be written, or NULL (and sets err) if they do not fit. */
static uint8_t *wbuf_take(kr_wbuf_t *w, size_t n)
{
    if (w->err != 0)
        return NULL;
    if (n > w->cap - w->pos) {
        w->err = KR_ENOSPC;
        return NULL;
    }
    if (w->base == NULL)
        return NULL; /* only n == 0 gets here; NULL + 0 is undefined in C */
    uint8_t *p = w->base + w->pos;
    w->pos += n;
    return p;
}

void kr_wbuf_raw(kr_wbuf_t *w, const void *src, size_t n)
{
    uint8_t *p = wbuf_take(w, n);
    if (p != NULL && n > 0)
        memcpy(p, src, n);
}

static void be16_put(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void be64_put(uint8_t *p, uint64_t v)
{
    be32_put(p, (uint32_t)(v >> 32));
    be32_put(p + 4, (uint32_t)v);
}

void kr_wbuf_i8(kr_wbuf_t *w, int8_t v)
{
    uint8_t *p = wbuf_take(w, 1);
    if (p != NULL)
        p[0] = (uint8_t)v;
}

void kr_wbuf_i16(kr_wbuf_t *w, int16_t v)
{
    uint8_t *p = wbuf_take(w, 2);
    if (p != NULL)
        be16_put(p, (uint16_t)v);
}

void kr_wbuf_i32(kr_wbuf_t *w, int32_t v) { kr_wbuf_u32(w, (uint32_t)v); }

void kr_wbuf_u32(kr_wbuf_t *w, uint32_t v)
{
    uint8_t *p = wbuf_take(w, 4);
    if (p != NULL)
        be32_put(p, v);
}

void kr_wbuf_i64(kr_wbuf_t *w, int64_t v)
{
    uint8_t *p = wbuf_take(w, 8);
    if (p != NULL)
        be64_put(p, (uint64_t)v);
}

void kr_wbuf_bool(kr_wbuf_t *w, bool v) { kr_wbuf_i8(w, v ? 1 : 0); }

void kr_wbuf_uuid(kr_wbuf_t *w, const uint8_t uuid[16]) { kr_wbuf_raw(w, uuid, 16); }

void kr_wbuf_uvarint(kr_wbuf_t *w, uint64_t v)
{
    uint8_t tmp[KR_UVARINT64_MAX];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    kr_wbuf_raw(w, tmp, n);
}

static uint32_t zigzag32(int32_t v) { return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31); }
static uint64_t zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

void kr_wbuf_varint(kr_wbuf_t *w, int32_t v) { kr_wbuf_uvarint(w, zigzag32(v)); }
void kr_wbuf_varlong(kr_wbuf_t *w, int64_t v) { kr_wbuf_uvarint(w, zigzag64(v)); }

void kr_wbuf_str(kr_wbuf_t *w, bool flex, const char *s, size_t len)
{
    assert(s != NULL || len == 0);
    if (flex) {
        kr_wbuf_uvarint(w, (uint64_t)len + 1);
    } else {
        if (len > INT16_MAX) {
            if (w->err == 0)
                w->err = KR_ERANGE;
            return;
        }
        kr_wbuf_i16(w, (int16_t)len);
    }
    kr_wbuf_raw(w, s, len);
}

void kr_wbuf_nstr(kr_wbuf_t *w, bool flex, const char *s, size_t len)
{
    if (s != NULL) {
        kr_wbuf_str(w, flex, s, len);
        return;
    }
    if (flex)
        kr_wbuf_uvarint(w, 0);
    else
        kr_wbuf_i16(w, -1);
}

void kr_wbuf_bytes(kr_wbuf_t *w, bool flex, const void *b, size_t len)
{
    if (b == NULL) {
        if (flex)
            kr_wbuf_uvarint(w, 0);
        else
            kr_wbuf_i32(w, -1);
        return;
    }
    if (len > INT32_MAX - 1) {
        if (w->err == 0)
            w->err = KR_ERANGE;
        return;
    }
    if (flex)
        kr_wbuf_uvarint(w, (uint64_t)len + 1);
    else
        kr_wbuf_i32(w, (int32_t)len);
    kr_wbuf_raw(w, b, len);
}

void kr_wbuf_arraylen(kr_wbuf_t *w, bool flex, int32_t n)
{
    assert(n >= -1);
    if (flex)
        kr_wbuf_uvarint(w, (uint64_t)((int64_t)n + 1));
    else
        kr_wbuf_i32(w, n);
}

void kr_wbuf_tags(kr_wbuf_t *w, bool flex)
{
    if (flex)
        kr_wbuf_uvarint(w, 0);
}

size_t kr_wbuf_reserve(kr_wbuf_t *w, size_t n)
{
    size_t off = w->pos;
    uint8_t *p = wbuf_take(w, n);
    if (p != NULL)
        memset(p, 0, n);
    return off;
}

void kr_wbuf_patch_u32(kr_wbuf_t *w, size_t off, uint32_t v)
{
    if (w->err != 0)
        return;
    assert(off + 4 <= w->pos);
    be32_put(w->base + off, v);
}

void kr_wbuf_patch_i32(kr_wbuf_t *w, size_t off, int32_t v)
{
    kr_wbuf_patch_u32(w, off, (uint32_t)v);
}

size_t kr_uvarint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

size_t kr_varint_size(int32_t v) { return kr_uvarint_size(zigzag32(v)); }
size_t kr_varlong_size(int64_t v) { return kr_uvarint_size(zigzag64(v)); }

/* ---- read cursor ---- */

void kr_rbuf_init(kr_rbuf_t *r, const void *mem, size_t len)
{
    assert(mem != NULL || len == 0);
    r->pos = mem;
    r->end = len > 0 ? r->pos + len : r->pos; /* NULL + 0 is undefined in C */
    r->err = 0;
}

void kr_rbuf_fail(kr_rbuf_t *r, int err)
{
    assert(err < 0);
    if (r->err == 0)
        r->err = err;
    r->pos = r->end;
}

const uint8_t *kr_rbuf_raw(kr_rbuf_t *r, size_t n)
{
    if (r->err != 0)
        return NULL;
    if (n > kr_rbuf_left(r)) {
        kr_rbuf_fail(r, KR_ETRUNC);
        return NULL;
    }
    const uint8_t *p = r->pos;
    if (n > 0)
        r->pos += n;
    return p;
}

void kr_rbuf_skip(kr_rbuf_t *r, size_t n) { (void)kr_rbuf_raw(r, n); }

static uint16_t be16_get(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

static uint32_t be32_get(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int8_t kr_rbuf_i8(kr_rbuf_t *r)
{
    const uint8_t *p = kr_rbuf_raw(r, 1);
    return p ? (int8_t)p[0] : 0;
}

int16_t kr_rbuf_i16(kr_rbuf_t *r)
{
    const uint8_t *p = kr_rbuf_raw(r, 2);
    return p ? (int16_t)be16_get(p) : 0;
}

uint32_t kr_rbuf_u32(kr_rbuf_t *r)
{
    const uint8_t *p = kr_rbuf_raw(r, 4);
    return p ? be32_get(p) : 0;
}

int32_t kr_rbuf_i32(kr_rbuf_t *r) { return (int32_t)kr_rbuf_u32(r); }

int64_t kr_rbuf_i64(kr_rbuf_t *r)
{
    const uint8_t *p = kr_rbuf_raw(r, 8);
    if (p == NULL)
        return 0;
    return (int64_t)(((uint64_t)be32_get(p) << 32) | be32_get(p + 4));
}

bool kr_rbuf_bool(kr_rbuf_t *r) { return kr_rbuf_i8(r) != 0; }

void kr_rbuf_uuid(kr_rbuf_t *r, uint8_t out[16])
{
    const uint8_t *p = kr_rbuf_raw(r, 16);
    if (p != NULL)
        memcpy(out, p, 16);
    else
        memset(out, 0, 16);
}

/* Reads an unsigned varint of at most max_bytes bytes. */
static uint64_t rbuf_uvarint_n(kr_rbuf_t *r, unsigned max_bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < max_bytes; i++) {
        const uint8_t *p = kr_rbuf_raw(r, 1);
        if (p == NULL)
            return 0;
        v |= (uint64_t)(p[0] & 0x7f) << (7 * i);
        if ((p[0] & 0x80) == 0)
            return v;
    }
    kr_rbuf_fail(r, KR_EMALFORMED);
    return 0;
}

uint64_t kr_rbuf_uvarint(kr_rbuf_t *r) { return rbuf_uvarint_n(r, KR_UVARINT64_MAX); }

uint32_t kr_rbuf_uvarint32(kr_rbuf_t *r)
{
    uint64_t v = rbuf_uvarint_n(r, KR_UVARINT32_MAX);
    if (v > UINT32_MAX) {
        kr_rbuf_fail(r, KR_EMALFORMED);
        return 0;
    }
    return (uint32_t)v;
}

int32_t kr_rbuf_varint(kr_rbuf_t *r)
{
    uint32_t u = kr_rbuf_uvarint32(r);
    return (int32_t)((u >> 1) ^ (0u - (u & 1)));
}

int64_t kr_rbuf_varlong(kr_rbuf_t *r)
{
    uint64_t u = kr_rbuf_uvarint(r);
    return (int64_t)((u >> 1) ^ (0ull - (u & 1)));
}

/* Reads a length prefix: -1 for null, else a length that fits in what is left. */
static int64_t rbuf_len(kr_rbuf_t *r, bool flex, bool wide)
{
    int64_t len;
    if (flex)
        len = (int64_t)kr_rbuf_uvarint32(r) - 1;
    else
        len = wide ? kr_rbuf_i32(r) : kr_rbuf_i16(r);
    if (r->err != 0)
        return 0;
    if (len < -1 || (len > 0 && (uint64_t)len > kr_rbuf_left(r))) {
        kr_rbuf_fail(r, len < -1 ? KR_EMALFORMED : KR_ETRUNC);
        return 0;
    }
    return len;
}

static kr_str_t rbuf_blob(kr_rbuf_t *r, bool flex, bool wide, bool nullable)
{
    kr_str_t s = {NULL, 0};
    int64_t len = rbuf_len(r, flex, wide);
    if (r->err != 0)
        return s;
    if (len == -1) {
        if (!nullable)
            kr_rbuf_fail(r, KR_EMALFORMED);
        else
            s.len = -1;
        return s;
    }
    s.ptr = (const char *)kr_rbuf_raw(r, (size_t)len);
    s.len = (int32_t)len;
    return s;
}

kr_str_t kr_rbuf_str(kr_rbuf_t *r, bool flex) { return rbuf_blob(r, flex, false, false); }
kr_str_t kr_rbuf_nstr(kr_rbuf_t *r, bool flex) { return rbuf_blob(r, flex, false, true); }
kr_str_t kr_rbuf_bytes(kr_rbuf_t *r, bool flex) { return rbuf_blob(r, flex, true, true); }

int32_t kr_rbuf_arraylen(kr_rbuf_t *r, bool flex, size_t min_elem_size)
{
    int64_t n = flex ? (int64_t)kr_rbuf_uvarint32(r) - 1 : kr_rbuf_i32(r);
    if (r->err != 0)
        return 0;
    if (n < -1) {
        kr_rbuf_fail(r, KR_EMALFORMED);
        return 0;
    }
    if (n > 0 && min_elem_size > 0 && (uint64_t)n > kr_rbuf_left(r) / min_elem_size) {
        kr_rbuf_fail(r, KR_ETRUNC);
        return 0;
    }
    return (int32_t)n;
}

void kr_rbuf_tags(kr_rbuf_t *r, bool flex)
{
    if (!flex)
        return;
    uint32_t n = kr_rbuf_uvarint32(r);
    if (r->err == 0 && n > kr_rbuf_left(r) / 2) {
        kr_rbuf_fail(r, KR_ETRUNC);
        return;
    }
    for (uint32_t i = 0; i < n && r->err == 0; i++) {
        (void)kr_rbuf_uvarint32(r); /* tag */
        uint32_t size = kr_rbuf_uvarint32(r);
        kr_rbuf_skip(r, size);
    }
}
