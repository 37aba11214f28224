/* JSON output helpers. See kr_cli_json.h. */
#include "kr_cli_json.h"

#include <assert.h>

void kr_cli_json_str(FILE *f, const char *s)
{
    assert(f != NULL);
    fputc('"', f);
    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}
