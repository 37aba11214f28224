/* Java-style properties files. See kr_cli_props.h. */
#include "kr_cli_props.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A logical line with its escapes still in: room for every key and value at 6 bytes a
 * character (\uXXXX). */
#define PROPS_RAW_MAX (6 * (KR_PROPS_KEY_MAX + KR_PROPS_VALUE_MAX) + 16)

typedef struct props {
    const char *name;
    const char *p, *end;
    int line; /* of the next natural line */
    char *err;
    size_t errlen;
    char raw[PROPS_RAW_MAX];
    size_t raw_len;
    char key[KR_PROPS_KEY_MAX + 1];
    char value[KR_PROPS_VALUE_MAX + 1];
} props_t;

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

__attribute__((format(printf, 3, 4))) static int props_fail(props_t *s, int line, const char *fmt,
                                                            ...)
{
    int n = snprintf(s->err, s->errlen, "%s:%d: ", s->name, line);
    if (n >= 0 && (size_t)n < s->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->err + n, s->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The next natural line [*b, *e), past its terminator (\n, \r or \r\n). False at the end. */
static bool natural_line(props_t *s, const char **b, const char **e)
{
    if (s->p >= s->end)
        return false;
    const char *q = s->p;
    while (q < s->end && *q != '\n' && *q != '\r')
        q++;
    *b = s->p;
    *e = q;
    if (q < s->end && *q == '\r' && q + 1 < s->end && q[1] == '\n')
        q++;
    s->p = q < s->end ? q + 1 : q;
    s->line++;
    return true;
}

/* True if [b, e) ends in an odd number of backslashes: the line continues. */
static bool continues(const char *b, const char *e)
{
    size_t n = 0;
    while (e > b && e[-1] == '\\') {
        e--;
        n++;
    }
    return n % 2 == 1;
}

/* Joins the natural lines of one logical line (first non-blank at b) into s->raw. */
static int logical_line(props_t *s, const char *b, const char *e, int first)
{
    s->raw_len = 0;
    for (;;) {
        bool more = continues(b, e);
        size_t n = (size_t)(e - b) - (more ? 1 : 0);
        if (n > sizeof(s->raw) - s->raw_len)
            return props_fail(s, first, "a line longer than %zu bytes", sizeof(s->raw));
        if (memchr(b, '\0', n) != NULL)
            return props_fail(s, s->line, "a NUL byte: not a text file");
        memcpy(s->raw + s->raw_len, b, n);
        s->raw_len += n;
        if (!more || !natural_line(s, &b, &e))
            return 0;
        while (b < e && blank(*b))
            b++;
    }
}

/* Appends code point cp to out as UTF-8; false if it does not fit. */
static bool put_utf8(char *out, size_t cap, size_t *n, uint32_t cp)
{
    char u[3];
    size_t k;
    if (cp < 0x80) {
        u[0] = (char)cp;
        k = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        k = 2;
    } else {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        k = 3;
    }
    if (*n + k > cap)
        return false;
    memcpy(out + *n, u, k);
    *n += k;
    return true;
}

/*
 * Decodes raw[*i..stop) into out (cap bytes, NUL added): escapes resolved. With
 * key_mode, stops at the first unescaped '=', ':' or blank. Returns 0, 1 if out is too
 * small, 2 for a bad \u escape.
 */
static int decode(const char *raw, size_t *i, size_t stop, bool key_mode, char *out, size_t cap)
{
    size_t n = 0, k = *i;
    while (k < stop) {
        char c = raw[k];
        if (key_mode && (c == '=' || c == ':' || blank(c)))
            break;
        k++;
        uint32_t cp = (unsigned char)c;
        if (c == '\\' && k < stop) {
            c = raw[k++];
            static const char from[] = "tnrf", to[] = "\t\n\r\f";
            const char *at = strchr(from, c);
            cp = at != NULL && c != '\0' ? (unsigned char)to[at - from] : (unsigned char)c;
            if (c == 'u') {
                if (stop - k < 4)
                    return 2;
                char hex[5] = {raw[k], raw[k + 1], raw[k + 2], raw[k + 3], '\0'};
                char *end;
                cp = (uint32_t)strtoul(hex, &end, 16);
                if (end != hex + 4 || hex[0] == '+' || hex[0] == '-' || blank(hex[0]))
                    return 2;
                k += 4;
            }
        } else if (c == '\\') {
            continue; /* a lone backslash at the very end: dropped, as Java does */
        }
        bool ok =
            cp < 0x80 && n + 1 <= cap ? (out[n++] = (char)cp, true) : put_utf8(out, cap, &n, cp);
        if (!ok)
            return 1;
    }
    out[n] = '\0';
    *i = k;
    return 0;
}

/* Splits s->raw into key and value; calls cb. */
static int setting(props_t *s, int line, kr_props_cb_t *cb, void *ctx)
{
    size_t i = 0, end = s->raw_len;
    /* trailing blanks that no backslash escapes */
    while (end > 0 && blank(s->raw[end - 1]) && !continues(s->raw, s->raw + end - 1))
        end--;
    int rc = decode(s->raw, &i, end, true, s->key, KR_PROPS_KEY_MAX);
    if (rc == 1)
        return props_fail(s, line, "a key longer than %d bytes", KR_PROPS_KEY_MAX);
    if (rc == 2)
        return props_fail(s, line, "a bad \\u escape in the key");
    if (s->key[0] == '\0')
        return props_fail(s, line, "a setting without a key");
    while (i < end && blank(s->raw[i]))
        i++;
    if (i < end && (s->raw[i] == '=' || s->raw[i] == ':'))
        i++;
    while (i < end && blank(s->raw[i]))
        i++;
    rc = decode(s->raw, &i, end, false, s->value, KR_PROPS_VALUE_MAX);
    if (rc == 1)
        return props_fail(s, line, "%s: a value longer than %d bytes", s->key, KR_PROPS_VALUE_MAX);
    if (rc == 2)
        return props_fail(s, line, "%s: a bad \\u escape in the value", s->key);
    return cb(ctx, s->key, s->value, line) == 0 ? 0 : -1;
}

int kr_cli_props_parse(const char *name, const char *text, size_t len, kr_props_cb_t *cb, void *ctx,
                       char *err, size_t errlen)
{
    props_t *s = malloc(sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    *s = (props_t){.name = name, .p = text, .end = text + len, .err = err, .errlen = errlen};
    const char *b, *e;
    int rc = 0;
    while (rc == 0 && natural_line(s, &b, &e)) {
        while (b < e && blank(*b))
            b++;
        if (b == e || *b == '#' || *b == '!')
            continue; /* a comment never continues */
        int first = s->line;
        rc = logical_line(s, b, e, first);
        if (rc == 0)
            rc = setting(s, first, cb, ctx);
    }
    free(s);
    return rc;
}

int kr_cli_props_load(const char *path, kr_props_cb_t *cb, void *ctx, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(KR_PROPS_FILE_MAX + 1);
    size_t n = 0;
    ssize_t r = 1;
    while (buf != NULL && n <= KR_PROPS_FILE_MAX && r > 0) {
        r = read(fd, buf + n, KR_PROPS_FILE_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            r = 1;
        else if (r > 0)
            n += (size_t)r;
    }
    int saved = errno;
    close(fd);
    int rc = -1;
    if (buf == NULL)
        snprintf(err, errlen, "%s: out of memory", path);
    else if (r < 0)
        snprintf(err, errlen, "%s: %s", path, strerror(saved));
    else if (n > KR_PROPS_FILE_MAX)
        snprintf(err, errlen, "%s: larger than %u bytes", path, KR_PROPS_FILE_MAX);
    else
        rc = kr_cli_props_parse(path, buf, n, cb, ctx, err, errlen);
    free(buf);
    return rc;
}
