/*
 * JSON output helpers shared by the CLI's machine-readable outputs (--report-json,
 * `kring metadata --json`).
 */
#ifndef KR_CLI_JSON_H
#define KR_CLI_JSON_H

#include <stdio.h>

/*
 * Writes `s` to `f` as a JSON string, quotes included, escaped by proto's rule (kr_json.h,
 * shared with the engine's statistics document): '"' and '\' get a backslash, bytes below
 * 0x20 become \u00xx, every other byte is copied. NULL writes "".
 * Errors of `f` are the caller's to check (ferror).
 */
void kr_cli_json_str(FILE *f, const char *s);

#endif
