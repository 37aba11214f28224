/*
 * Java-style properties files (java.util.Properties.load, the format of Kafka's
 * client.properties): one setting per logical line, `key=value`, `key: value` or
 * `key value`; lines whose first non-blank character is # or ! are comments; blank lines
 * are skipped; a line ending in an odd number of backslashes continues on the next one
 * (whose leading blanks are dropped); escapes \t \n \r \f \\ \= \: \# \! \<space> and
 * \uXXXX (written as UTF-8). Keys and values are trimmed of blanks at both ends (Java
 * keeps trailing blanks of a value: kring does not, so a stray space after a password
 * cannot break a login).
 *
 * Values may be secrets (passwords, keys): no message from here ever contains one. An
 * error names the file, the line number and, when there is one, the key.
 *
 * Pure: no I/O but kr_cli_props_load() reading the file; no engine.
 */
#ifndef KR_CLI_PROPS_H
#define KR_CLI_PROPS_H

#include <stddef.h>

#define KR_PROPS_FILE_MAX (1u << 20) /* a larger file is refused */
#define KR_PROPS_KEY_MAX 255
#define KR_PROPS_VALUE_MAX 4095

/*
 * Called once per setting, in file order, with NUL-terminated key and value (valid
 * during the call only) and the line the setting starts on. Returns 0 to go on, or
 * non-zero to stop: the parser then returns -1 and leaves err as the callback set it.
 */
typedef int kr_props_cb_t(void *ctx, const char *key, const char *value, int line);

/*
 * Parses text[0..len) (name is the file name used in messages). Returns 0, or -1 with a
 * one-line message in err: "NAME:LINE: ..." (a key without a value is fine: the value is
 * empty). Never echoes a value.
 */
int kr_cli_props_parse(const char *name, const char *text, size_t len, kr_props_cb_t *cb, void *ctx,
                       char *err, size_t errlen);

/* Reads path (at most KR_PROPS_FILE_MAX bytes) and parses it. Returns 0 or -1 (err set). */
int kr_cli_props_load(const char *path, kr_props_cb_t *cb, void *ctx, char *err, size_t errlen);

#endif
