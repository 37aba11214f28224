/* JSON strings. See kr_json.h. */
#include "kr_json.h"

#include <assert.h>
#include <string.h>

size_t kr_json_char(unsigned char ch, char out[KR_JSON_CHAR_MAX])
{
    static const char hex[] = "0123456789abcdef";
    assert(out != NULL);
    if (ch == '"' || ch == '\\') {
        out[0] = '\\';
        out[1] = (char)ch;
        return 2;
    }
    if (ch >= 0x20) {
        out[0] = (char)ch;
        return 1;
    }
    memcpy(out, "\\u00", 4);
    out[4] = hex[ch >> 4];
    out[5] = hex[ch & 0xf];
    return 6;
}

/* Copies n bytes to dst at offset len, as far as they fit before the NUL's place. */
static void json_put(char *dst, size_t cap, size_t len, const char *src, size_t n)
{
    if (len + 1 >= cap)
        return;
    size_t room = cap - 1 - len;
    memcpy(dst + len, src, n < room ? n : room);
}

size_t kr_json_str(char *dst, size_t cap, const char *s)
{
    assert(dst != NULL || cap == 0);
    char esc[KR_JSON_CHAR_MAX];
    size_t len = 0;
    json_put(dst, cap, len++, "\"", 1);
    for (; s != NULL && *s != '\0'; s++) {
        size_t n = kr_json_char((unsigned char)*s, esc);
        json_put(dst, cap, len, esc, n);
        len += n;
    }
    json_put(dst, cap, len++, "\"", 1);
    if (cap > 0)
        dst[len < cap ? len : cap - 1] = '\0';
    return len;
}
