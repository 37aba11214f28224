/*
 * `kring metadata`: brokers, topics, partitions and leaders, like `kcat -L`.
 * Built on kr_metadata_describe() from kring.h.
 */
#ifndef KR_CLI_METADATA_H
#define KR_CLI_METADATA_H

#include "kr_cli_opts.h"
#include "kring.h"

/* Runs the command; returns the exit status. */
int kr_cli_metadata(const kr_cli_opts_t *o);

/* Writes md as kcat -L does (text) or as JSON; shared with tests. */
void kr_cli_metadata_print(FILE *f, const kr_metadata_t *md, const char *topic, int json);

#endif
