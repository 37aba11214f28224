/*
 * `kring generate`: the flight events `kring produce` would send, one a line on stdout
 * (KEY<delimiter>VALUE with --key), for files, pipes into other producers, and tests.
 */
#ifndef KR_CLI_GENERATE_H
#define KR_CLI_GENERATE_H

#include "kr_cli_opts.h"

/* Runs the command; returns the exit status. */
int kr_cli_generate(const kr_cli_opts_t *o);

#endif
