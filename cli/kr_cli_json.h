/*
 * JSON output helpers shared by the CLI's machine-readable outputs (--report-json,
 * `kring metadata --json`).
 */
#ifndef KR_CLI_JSON_H
#define KR_CLI_JSON_H

#include <stdio.h>

/*
 * Writes `s` to `f` as a JSON string, quotes included: '"' and '\' get a backslash, bytes
 * below 0x20 become \u00XX, every other byte is copied (the names kring prints are ASCII
 * identifiers; other text is passed through as the UTF-8 it is). NULL writes "".
 * Errors of `f` are the caller's to check (ferror).
 */
void kr_cli_json_str(FILE *f, const char *s);

#endif
