/* From the command line's settings to an engine configuration (kr_conf_t). */
#ifndef KR_CLI_CONF_H
#define KR_CLI_CONF_H

#include <stddef.h>

#include "kr_cli_opts.h"
#include "kring.h"

/*
 * A new configuration with o's settings applied in command-line order (-b, the dedicated
 * flags and -X), the caller's to destroy. NULL with a one-line message in err naming the
 * setting and giving the engine's reason (a bad value: exit status 2), or out-of-memory.
 */
kr_conf_t *kr_cli_conf_build(const kr_cli_opts_t *o, char *err, size_t errlen);

/* The integer value of key, or dflt when the engine does not know it or it is not one. */
long kr_cli_conf_long(const kr_conf_t *conf, const char *key, long dflt);

#endif
