/* Engine configuration from the command line. See kr_cli_conf.h. */
#include "kr_cli_conf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * OAUTHBEARER for the CLI: the token is read from the file that sasl.oauthbearer.token.file
 * names, at every authentication (so a token refreshed on disk is picked up before the
 * broker's session ends). Surrounding white space is dropped.
 */
static int cli_token_cb(char *token, size_t cap, int64_t *lifetime_ms, char *errstr, size_t errlen,
                        void *ctx)
{
    const char *path = ctx;
    *lifetime_ms = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(errstr, errlen, "sasl.oauthbearer.token.file: cannot read %s", path);
        return -1;
    }
    size_t n = fread(token, 1, cap - 1, f);
    bool more = fgetc(f) != EOF;
    fclose(f);
    token[n] = '\0';
    while (n > 0 && (token[n - 1] == '\n' || token[n - 1] == '\r' || token[n - 1] == ' '))
        token[--n] = '\0';
    size_t skip = strspn(token, " \t\r\n");
    memmove(token, token + skip, n - skip + 1);
    if (more || token[0] == '\0') {
        snprintf(errstr, errlen, "sasl.oauthbearer.token.file: %s is %s", path,
                 more ? "too large" : "empty");
        return -1;
    }
    return 0;
}

/* Settings the CLI takes itself rather than handing them to the engine. */
static bool cli_setting(kr_conf_t *conf, const kr_cli_setting_t *s)
{
    if (strcmp(s->key, "sasl.oauthbearer.token.file") != 0)
        return false;
    kr_conf_set_oauthbearer_cb(conf, cli_token_cb, (void *)s->value);
    return true;
}

kr_conf_t *kr_cli_conf_build(const kr_cli_opts_t *o, char *err, size_t errlen)
{
    kr_conf_t *conf = kr_conf_new();
    if (conf == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < o->setting_cnt; i++) {
        const kr_cli_setting_t *s = &o->settings[i];
        if (cli_setting(conf, s))
            continue;
        char why[256] = "";
        int rc = kr_conf_set(conf, s->key, s->value, why, sizeof(why));
        if (rc != 0 && s->file != NULL) {
            /* A file's values may be secrets: name the place and the key only. */
            snprintf(err, errlen, "%s:%d: %s: %s", s->file, s->line, s->key,
                     rc == KR_ECONFIG && why[0] != '\0' &&
                             kr_cli_after_prefix(why, "unknown") != NULL
                         ? "unknown setting"
                         : "the producer refused this value (not shown)");
            kr_conf_destroy(conf);
            return NULL;
        }
        if (rc != 0) {
            /* The engine's message names the key, and the value unless it is a secret. */
            snprintf(err, errlen, "-X %s: %s", s->key, why[0] != '\0' ? why : kr_strerror(rc));
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
