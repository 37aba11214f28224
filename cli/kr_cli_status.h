/*
 * The live status line: once a second on a terminal, the rate and totals since the last
 * line. Formatting only; the caller decides when and where to print (stderr, with a
 * carriage return so that the line overwrites itself).
 */
#ifndef KR_CLI_STATUS_H
#define KR_CLI_STATUS_H

#include <stddef.h>
#include <stdint.h>

typedef struct kr_cli_status_snap {
    int64_t t_ns;
    uint64_t sent;
    uint64_t acked;
    uint64_t failed;    /* every failure, refused by kr_produce() or reported */
    uint64_t in_flight; /* sent, no report yet */
    uint64_t bytes;     /* acknowledged key + value bytes */
    uint64_t p99_ns;    /* over the last interval; 0 when nothing was acknowledged */
} kr_cli_status_snap_t;

/* Writes the line for the interval prev -> cur (no newline) into buf; returns its length. */
size_t kr_cli_status_format(char *buf, size_t len, const kr_cli_status_snap_t *prev,
                            const kr_cli_status_snap_t *cur);

#endif
