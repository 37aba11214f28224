/*
 * JSON strings: the one escaping rule for the JSON kring writes, the engine's statistics
 * document (engine/kr_stats.c) and the CLI's machine-readable outputs (cli/kr_cli_json.c).
 *
 * Inside the quotes, '"' and '\' get a backslash, bytes below 0x20 become \u00xx (lower-case
 * hex), every other byte is copied: the names kring writes are ASCII identifiers, other
 * text is passed through as the UTF-8 it is. Pure: writes into caller memory only.
 */
#ifndef KR_JSON_H
#define KR_JSON_H

#include <stddef.h>

/* The longest escape of one byte: \u00xx. */
#define KR_JSON_CHAR_MAX 6

/* Writes byte ch as it stands inside a JSON string to out (no NUL); returns 1, 2 or 6. */
size_t kr_json_char(unsigned char ch, char out[KR_JSON_CHAR_MAX]);

/*
 * Writes s as a JSON string, quotes included, to dst, snprintf's way: at most cap - 1
 * bytes and a NUL (nothing when cap is 0), and returns the length the whole string needs,
 * so a return >= cap means it was cut. s NULL writes "". dst may be NULL when cap is 0.
 */
size_t kr_json_str(char *dst, size_t cap, const char *s);

#endif
