/*
 * The end-of-run summary: counts, rates, CPU, latency percentiles and errors by name, as
 * text for people and as JSON (--report-json) for machines. Also the error-name counter
 * the delivery callback feeds, and the exit status a report implies.
 */
#ifndef KR_CLI_REPORT_H
#define KR_CLI_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "kr_cli_hist.h"

#define KR_CLI_ERRNAMES_MAX 32
#define KR_CLI_ERRNAME_LEN 63

/* Counts per error name; names past the table's capacity count under "OTHER". */
typedef struct kr_cli_errs {
    uint32_t n;
    uint64_t other;
    struct {
        char name[KR_CLI_ERRNAME_LEN + 1];
        uint64_t count;
    } e[KR_CLI_ERRNAMES_MAX];
} kr_cli_errs_t;

/* Adds count to name's counter (name is copied, cut at KR_CLI_ERRNAME_LEN). */
void kr_cli_errs_add(kr_cli_errs_t *e, const char *name, uint64_t count);
void kr_cli_errs_merge(kr_cli_errs_t *dst, const kr_cli_errs_t *src);
uint64_t kr_cli_errs_total(const kr_cli_errs_t *e);

typedef struct kr_cli_report {
    uint64_t records_sent; /* accepted by kr_produce() */
    uint64_t records_acked;
    uint64_t records_failed; /* failed delivery reports and records kr_produce() refused */
    uint64_t bytes;          /* key + value bytes of the acknowledged records */
    double wall_s;           /* from the first record's planned time to the last report */
    double cpu_user_s;       /* the whole process */
    double cpu_sys_s;
    const kr_hist_t *latency; /* ns, acknowledged records only; may be NULL */
    const char *transport;    /* "io_uring", "poll"; NULL for a dry run */
    kr_cli_errs_t errs;
} kr_cli_report_t;

/* Derived figures, 0 when undefined (no wall time, no records). */
double kr_cli_report_records_per_s(const kr_cli_report_t *r);
double kr_cli_report_mb_per_s(const kr_cli_report_t *r);          /* MB = 2^20 bytes */
double kr_cli_report_cpu_ns_per_record(const kr_cli_report_t *r); /* per record sent */

/* The summary for people: a few aligned lines. */
void kr_cli_report_text(FILE *f, const kr_cli_report_t *r);

/* The summary as one JSON object and a newline; fields as docs/CLI.md lists them. */
void kr_cli_report_json(FILE *f, const kr_cli_report_t *r);

/* 0 when every record sent was acknowledged and none failed, else KR_CLI_EXIT_FAIL. */
int kr_cli_report_exit(const kr_cli_report_t *r);

#endif
