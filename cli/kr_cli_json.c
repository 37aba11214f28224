/* JSON output helpers. See kr_cli_json.h. */
#include "kr_cli_json.h"

#include <assert.h>

#include "kr_json.h"

void kr_cli_json_str(FILE *f, const char *s)
{
    assert(f != NULL);
    char esc[KR_JSON_CHAR_MAX];
    fputc('"', f);
    for (; s != NULL && *s != '\0'; s++)
        fwrite(esc, 1, kr_json_char((unsigned char)*s, esc), f);
    fputc('"', f);
}
