/* Engine configuration from the command line. See kr_cli_conf.h. */
#include "kr_cli_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

kr_conf_t *kr_cli_conf_build(const kr_cli_opts_t *o, char *err, size_t errlen)
{
    kr_conf_t *conf = kr_conf_new();
    if (conf == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < o->setting_cnt; i++) {
        const kr_cli_setting_t *s = &o->settings[i];
        char why[256] = "";
        int rc = kr_conf_set(conf, s->key, s->value, why, sizeof(why));
        if (rc != 0 && s->file != NULL) {
            /* A file's values may be secrets: name the place and the key only. */
            snprintf(err, errlen, "%s:%d: %s: %s", s->file, s->line, s->key,
                     rc == KR_ECONFIG && why[0] != '\0' && strncmp(why, "unknown", 7) == 0
                         ? "unknown setting"
                         : "the producer refused this value (not shown)");
            kr_conf_destroy(conf);
            return NULL;
        }
        if (rc != 0) {
            snprintf(err, errlen, "%s=%s: %s", s->key, s->value,
                     why[0] != '\0' ? why : kr_strerror(rc));
            kr_conf_destroy(conf);
            return NULL;
        }
    }
    return conf;
}

long kr_cli_conf_long(const kr_conf_t *conf, const char *key, long dflt)
{
    char buf[64];
    if (kr_conf_get(conf, key, buf, sizeof(buf)) != 0)
        return dflt;
    char *end;
    long v = strtol(buf, &end, 10);
    return end != buf && *end == '\0' ? v : dflt;
}
