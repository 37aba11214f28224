/*
 * `kring produce`: N producers, one per thread, each pinned to a CPU and confined to its
 * thread, fed by a source, paced by the open-loop schedule, measured per record from its
 * planned send time to its delivery report; a live status line; the summary at the end.
 */
#ifndef KR_CLI_PRODUCE_H
#define KR_CLI_PRODUCE_H

#include "kr_cli_opts.h"

/* Runs the command; prints what it has to say; returns the exit status. */
int kr_cli_produce(const kr_cli_opts_t *o);

#endif
