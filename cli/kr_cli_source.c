/* Record sources. See kr_cli_source.h. */
#define _GNU_SOURCE
#include "kr_cli_source.h"

#include <assert.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kr_error.h"

#define SRC_FETCH_AHEAD 2048 /* how far ahead of the reader the file's lines are fetched */

int kr_cli_map_open(kr_cli_map_t *m, const char *path, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    m->rec_delim = '\n';
    /* O_NONBLOCK: opening a fifo would wait for a writer; the flag does nothing else here */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        close(fd);
        return -e;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return 1;
    }
    if (st.st_size > 0) {
        void *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (base == MAP_FAILED) {
            int e = errno;
            snprintf(err, errlen, "%s: mmap: %s", path, strerror(e));
            close(fd);
            return -e;
        }
        /* Two advices: they are values, not flags. */
        madvise(base, (size_t)st.st_size, MADV_SEQUENTIAL);
        madvise(base, (size_t)st.st_size, MADV_WILLNEED);
        m->base = base;
        m->size = m->mapped = (size_t)st.st_size;
    }
    close(fd);
    return 0;
}

uint64_t kr_cli_map_limit(kr_cli_map_t *m, uint64_t lines)
{
    assert(lines >= 1);
    const char *p = m->base, *end = m->base + m->size;
    uint64_t n = 0;
    while (p < end && n < lines) {
        const char *nl = memchr(p, m->rec_delim, (size_t)(end - p));
        p = nl == NULL ? end : nl + 1;
        n++;
    }
    m->size = (size_t)(p - m->base);
    return n;
}

/* The start of the first line that begins at or after offset `at`. */
static size_t line_start_at(const kr_cli_map_t *m, size_t at)
{
    if (at == 0)
        return 0;
    if (at >= m->size)
        return m->size;
    const char *nl = memchr(m->base + at - 1, m->rec_delim, m->size - (at - 1));
    return nl == NULL ? m->size : (size_t)(nl + 1 - m->base);
}

void kr_cli_map_split(const kr_cli_map_t *m, uint32_t n, uint32_t t, size_t *begin, size_t *end)
{
    assert(n >= 1);
    assert(t < n);
    size_t b = (size_t)((unsigned __int128)m->size * t / n);
    size_t e = (size_t)((unsigned __int128)m->size * (t + 1) / n);
    *begin = line_start_at(m, b);
    *end = t + 1 == n ? m->size : line_start_at(m, e);
}

void kr_cli_map_close(kr_cli_map_t *m)
{
    if (m->base != NULL)
        munmap((void *)m->base, m->mapped);
    memset(m, 0, sizeof(*m));
}

static void src_init(kr_src_t *s, kr_src_kind_t kind, const char *delim, size_t delim_len)
{
    assert(delim_len < sizeof(s->delim));
    memset(s, 0, sizeof(*s));
    s->rec_delim = '\n';
    s->kind = kind;
    s->fd = -1;
    if (delim_len > 0)
        memcpy(s->delim, delim, delim_len);
    s->delim_len = delim_len;
}

int kr_src_open_flights(kr_src_t *s, const kr_flights_conf_t *conf)
{
    src_init(s, KR_SRC_FLIGHTS, NULL, 0);
    return kr_flights_new(&s->flights, conf);
}

void kr_src_open_range(kr_src_t *s, const kr_cli_map_t *m, size_t begin, size_t end,
                       const char *delim, size_t delim_len)
{
    assert(begin <= end);
    assert(end <= m->size);
    src_init(s, KR_SRC_RANGE, delim, delim_len);
    s->rec_delim = m->rec_delim;
    s->pos = m->base + begin;
    s->end = m->base + end;
    s->fetched = s->pos;
}

void kr_src_open_files(kr_src_t *s, const kr_cli_map_t *const *maps, uint32_t map_cnt,
                       uint32_t part, uint32_t parts, const char *delim, size_t delim_len)
{
    assert(map_cnt >= 1);
    size_t b, e;
    kr_cli_map_split(maps[0], parts, part, &b, &e);
    kr_src_open_range(s, maps[0], b, e, delim, delim_len);
    s->maps = maps;
    s->map_cnt = map_cnt;
    s->map_at = 0;
    s->part = part;
    s->parts = parts;
}

long kr_src_payloads_split(const kr_cli_map_t *m, const char *delim, size_t delim_len,
                           kr_src_payload_t **out)
{
    assert(delim_len >= 1);
    size_t cap = 64, n = 0, kept = 0;
    kr_src_payload_t *v = malloc(cap * sizeof(*v));
    if (m->size == 0 && v != NULL) {
        *out = v; /* an empty file (maybe not mapped at all) */
        return 0;
    }
    const char *p = m->base, *end = m->base + m->size;
    while (v != NULL) {
        const char *d = memmem(p, (size_t)(end - p), delim, delim_len);
        const char *stop = d != NULL ? d : end;
        if (n == cap) {
            kr_src_payload_t *g = realloc(v, 2 * cap * sizeof(*v));
            if (g == NULL)
                break;
            v = g;
            cap *= 2;
        }
        v[n++] = (kr_src_payload_t){p, (size_t)(stop - p)};
        if (stop > p)
            kept = n; /* trailing empty payloads are dropped, as Java's split does */
        if (d == NULL) {
            *out = v;
            return (long)kept;
        }
        p = d + delim_len;
    }
    free(v);
    return -ENOMEM;
}

void kr_src_open_sample(kr_src_t *s, const kr_src_payload_t *payloads, size_t cnt, uint64_t seed)
{
    assert(cnt >= 1);
    src_init(s, KR_SRC_SAMPLE, "", 0);
    s->payloads = payloads;
    s->payload_cnt = cnt;
    s->rng = seed * 0x9E3779B97F4A7C15ull + 1;
}

/* A payload at random (splitmix64). */
static int next_sample(kr_src_t *s, kr_src_rec_t *r)
{
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const kr_src_payload_t *pl = &s->payloads[z % s->payload_cnt];
    r->key = NULL;
    r->key_len = 0;
    r->value = pl->ptr;
    r->value_len = pl->len;
    return 1;
}

int kr_src_open_stream(kr_src_t *s, int fd, const char *delim, size_t delim_len)
{
    src_init(s, KR_SRC_STREAM, delim, delim_len);
    s->fd = fd;
    s->cap = KR_SRC_STREAM_BUF;
    s->buf = malloc(s->cap);
    return s->buf == NULL ? -ENOMEM : 0;
}

/* Splits the line [p, p + len) into key and value. */
static void split_line(const kr_src_t *s, const char *p, size_t len, kr_src_rec_t *r)
{
    const char *d = NULL;
    if (s->delim_len == 1)
        d = memchr(p, s->delim[0], len);
    else if (s->delim_len > 1)
        d = memmem(p, len, s->delim, s->delim_len);
    if (d == NULL) {
        r->key = NULL;
        r->key_len = 0;
        r->value = p;
        r->value_len = len;
        return;
    }
    r->key = p;
    r->key_len = (size_t)(d - p);
    r->value = d + s->delim_len;
    r->value_len = len - r->key_len - s->delim_len;
}

/* Moves a several-file source on to its part of the next file that has one. */
static bool range_next_file(kr_src_t *s)
{
    while (s->maps != NULL && s->map_at + 1 < s->map_cnt) {
        const kr_cli_map_t *m = s->maps[++s->map_at];
        size_t b, e;
        kr_cli_map_split(m, s->parts, s->part, &b, &e);
        s->rec_delim = m->rec_delim;
        s->pos = m->base + b;
        s->end = m->base + e;
        s->fetched = s->pos;
        if (b < e)
            return true;
    }
    return false;
}

static int next_range(kr_src_t *s, kr_src_rec_t *r)
{
    if (s->pos >= s->end && !range_next_file(s))
        return 0;
    const char *p = s->pos;
    /* The file is read once, from memory: fetch its cache lines a few records ahead. */
    const char *ahead = (size_t)(s->end - p) > SRC_FETCH_AHEAD ? p + SRC_FETCH_AHEAD : s->end;
    for (; s->fetched < ahead; s->fetched += 64)
        __builtin_prefetch(s->fetched);
    const char *nl = memchr(p, s->rec_delim, (size_t)(s->end - p));
    size_t len = nl == NULL ? (size_t)(s->end - p) : (size_t)(nl - p);
    s->pos = nl == NULL ? s->end : nl + 1;
    split_line(s, p, len, r);
    return 1;
}

/* Makes room to read: moves unread bytes to the front, or grows the buffer. */
static int stream_room(kr_src_t *s)
{
    if (s->head > 0) {
        memmove(s->buf, s->buf + s->head, s->tail - s->head);
        s->tail -= s->head;
        s->head = 0;
        return 0;
    }
    if (s->cap >= KR_SRC_LINE_MAX)
        return KR_ETOOLARGE;
    size_t cap = s->cap * 2 > KR_SRC_LINE_MAX ? KR_SRC_LINE_MAX : s->cap * 2;
    char *b = realloc(s->buf, cap);
    if (b == NULL)
        return -ENOMEM;
    s->buf = b;
    s->cap = cap;
    return 0;
}

/* Reads once if the fd has input now. 1 read something or hit the end, 0 nothing yet. */
static int stream_fill(kr_src_t *s)
{
    if (s->tail == s->cap) {
        int rc = stream_room(s);
        if (rc != 0)
            return rc;
    }
    struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
    int pr = poll(&pfd, 1, 0);
    if (pr < 0 && errno != EINTR)
        return -errno;
    if (pr <= 0)
        return 0;
    ssize_t n = read(s->fd, s->buf + s->tail, s->cap - s->tail);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : -errno;
    if (n == 0)
        s->eof = 1;
    s->tail += (size_t)n;
    return 1;
}

static int next_stream(kr_src_t *s, kr_src_rec_t *r)
{
    size_t scanned = 0; /* bytes after head known to hold no newline */
    for (;;) {
        char *p = s->buf + s->head;
        size_t avail = s->tail - s->head;
        char *nl = memchr(p + scanned, s->rec_delim, avail - scanned);
        if (nl != NULL) {
            s->head += (size_t)(nl - p) + 1;
            split_line(s, p, (size_t)(nl - p), r);
            s->lines++;
            return 1;
        }
        if (s->eof) {
            if (avail == 0)
                return 0;
            s->head = s->tail;
            split_line(s, p, avail, r);
            s->lines++;
            return 1;
        }
        scanned = avail;
        if (scanned >= KR_SRC_LINE_MAX)
            return KR_ETOOLARGE;
        int rc = stream_fill(s);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return -EAGAIN;
    }
}

int kr_src_shared_open(kr_src_shared_t *sh, int fd, const char *delim, size_t delim_len,
                       char rec_delim)
{
    int rc = kr_src_open_stream(&sh->stream, fd, delim, delim_len);
    sh->stream.rec_delim = rec_delim;
    if (rc == 0)
        pthread_mutex_init(&sh->mu, NULL);
    return rc;
}

void kr_src_shared_close(kr_src_shared_t *sh)
{
    kr_src_close(&sh->stream);
    pthread_mutex_destroy(&sh->mu);
}

int kr_src_open_shared(kr_src_t *s, kr_src_shared_t *sh)
{
    src_init(s, KR_SRC_SHARED, "", 0);
    s->shared = sh;
    s->blk_cap = KR_SRC_STREAM_BUF;
    s->blk = malloc(s->blk_cap);
    s->idx = calloc(KR_SRC_BLOCK_RECS, sizeof(*s->idx));
    return s->blk != NULL && s->idx != NULL ? 0 : -ENOMEM;
}

/* Copies one record of the shared stream into the block; grows the block only for
 * records longer than any before. Returns 0 or -ENOMEM (the record is then lost). */
static int shared_keep(kr_src_t *s, const kr_src_rec_t *r)
{
    size_t need = r->key_len + r->value_len;
    if (s->blk_len + need > s->blk_cap) {
        size_t cap = s->blk_cap * 2 > s->blk_len + need ? s->blk_cap * 2 : s->blk_len + need;
        char *b = realloc(s->blk, cap);
        if (b == NULL)
            return -ENOMEM;
        s->blk = b;
        s->blk_cap = cap;
    }
    kr_src_blk_rec_t *e = &s->idx[s->idx_cnt++];
    e->key_off = s->blk_len;
    e->key_len = r->key != NULL ? (int64_t)r->key_len : -1;
    if (r->key != NULL)
        memcpy(s->blk + s->blk_len, r->key, r->key_len);
    s->blk_len += r->key_len;
    e->value_off = s->blk_len;
    e->value_len = r->value_len;
    memcpy(s->blk + s->blk_len, r->value, r->value_len);
    s->blk_len += r->value_len;
    return 0;
}

/* A shared source: the next record of its block, or a new block from the stream. */
static int next_shared(kr_src_t *s, kr_src_rec_t *r)
{
    int rc = 1;
    if (s->idx_at == s->idx_cnt) {
        s->idx_at = s->idx_cnt = 0;
        s->blk_len = 0;
        pthread_mutex_lock(&s->shared->mu);
        while (s->idx_cnt < KR_SRC_BLOCK_RECS && rc == 1) {
            kr_src_rec_t sr;
            rc = kr_src_next(&s->shared->stream, &sr);
            if (rc == 1)
                rc = shared_keep(s, &sr) == 0 ? 1 : -ENOMEM;
        }
        pthread_mutex_unlock(&s->shared->mu);
        if (s->idx_cnt == 0)
            return rc;
    }
    const kr_src_blk_rec_t *e = &s->idx[s->idx_at++];
    r->key = e->key_len >= 0 ? s->blk + e->key_off : NULL;
    r->key_len = e->key_len >= 0 ? (size_t)e->key_len : 0;
    r->value = s->blk + e->value_off;
    r->value_len = e->value_len;
    return 1;
}

int kr_src_next(kr_src_t *s, kr_src_rec_t *r)
{
    kr_flights_rec_t fr;
    switch (s->kind) {
    case KR_SRC_FLIGHTS:
        kr_flights_next(s->flights, &fr);
        r->key = fr.key;
        r->key_len = fr.key_len;
        r->value = fr.value;
        r->value_len = fr.value_len;
        return 1;
    case KR_SRC_RANGE:
        return next_range(s, r);
    case KR_SRC_STREAM:
        return next_stream(s, r);
    case KR_SRC_SAMPLE:
        return next_sample(s, r);
    case KR_SRC_SHARED:
        return next_shared(s, r);
    }
    return 0;
}

int kr_src_wait(kr_src_t *s, int timeout_ms)
{
    int fd = s->fd;
    if (s->kind == KR_SRC_SHARED)
        fd = s->shared->stream.fd; /* its end of input, too, shows as readable */
    else if (s->kind != KR_SRC_STREAM || s->eof)
        return 1;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, timeout_ms) > 0 ? 1 : 0;
}

void kr_src_close(kr_src_t *s)
{
    kr_flights_free(s->flights);
    free(s->buf);
    free(s->blk);
    free(s->idx);
    memset(s, 0, sizeof(*s));
    s->fd = -1;
}
