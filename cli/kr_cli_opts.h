/*
 * Command-line options of the kring subcommands: parsing (getopt_long), checking, usage.
 *
 * Pure: no engine, no I/O except kr_cli_usage(); the environment is read only for the
 * instance when --instance is not given (KRING_INSTANCE, or JOB_COMPLETION_INDEX with
 * KRING_INSTANCES). Engine settings given by dedicated flags (-b, --acks, --compression,
 * --linger-ms, --batch-size), by -F FILE (a properties file, cli/kr_cli_props.h) and by
 * -X key=value are kept as one ordered list of (key, value) strings, applied later with
 * kr_conf_set() in command line order, so the last one given wins (a -X after -F
 * overrides the file).
 */
#ifndef KR_CLI_OPTS_H
#define KR_CLI_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kr_flights.h"

/* Exit codes of the kring program. */
#define KR_CLI_EXIT_OK 0
#define KR_CLI_EXIT_FAIL 1  /* records not all acknowledged, or a runtime failure */
#define KR_CLI_EXIT_USAGE 2 /* bad flags or values */
#define KR_CLI_EXIT_SIGINT 130
#define KR_CLI_EXIT_SIGTERM 143

#define KR_CLI_SETTINGS_MAX 128
#define KR_CLI_THREADS_MAX 256
#define KR_CLI_INSTANCES_MAX 65536
#define KR_CLI_DELIM_MAX 15
#define KR_CLI_PARTITION_ANY (-1)
#define KR_CLI_COUNT_DEFAULT 1000000u /* flights source without -n or --duration */
#define KR_CLI_GENERATE_DEFAULT 10u
#define KR_CLI_META_TIMEOUT_MS 10000

typedef enum kr_cli_cmd {
    KR_CLI_CMD_PRODUCE,
    KR_CLI_CMD_METADATA,
    KR_CLI_CMD_GENERATE,
} kr_cli_cmd_t;

typedef enum kr_cli_src {
    KR_CLI_SRC_FLIGHTS,
    KR_CLI_SRC_FILE,
    KR_CLI_SRC_STDIN,
    KR_CLI_SRC_PAYLOADS, /* --payload-file: payloads drawn at random, repeated */
} kr_cli_src_t;

#define KR_CLI_FILES_MAX 64 /* --source file:PATH, repeated */

typedef struct kr_cli_setting {
    const char *key;
    const char *value;
    const char *file; /* -F FILE it came from (its value is never printed), or NULL */
    int line;         /* its line in file */
} kr_cli_setting_t;

#define KR_CLI_HEADERS_MAX 16

/* One -H header (kring.h's kr_header_t has the same members in the same order). */
typedef struct kr_cli_header {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
} kr_cli_header_t;

typedef struct kr_cli_opts {
    kr_cli_cmd_t cmd;
    const char *bootstrap; /* NULL when not given */
    const char *topic;     /* NULL when not given */
    kr_cli_src_t source;
    const char *path; /* KR_CLI_SRC_FILE: paths[0]; KR_CLI_SRC_PAYLOADS: the file */
    const char *paths[KR_CLI_FILES_MAX]; /* KR_CLI_SRC_FILE: read one after another */
    uint32_t path_cnt;
    char payload_delim[KR_CLI_DELIM_MAX + 1]; /* --payload-delimiter ("\n") */
    size_t payload_delim_len;
    uint64_t count;      /* records; 0: no limit (then duration or end of input) */
    int64_t duration_ns; /* 0: no limit */
    uint64_t rate;       /* records/s over all threads; 0: as fast as possible */
    size_t record_size;  /* 0: natural */
    int32_t partition;   /* or KR_CLI_PARTITION_ANY */
    kr_flights_key_t key;
    char key_delim[KR_CLI_DELIM_MAX + 1];
    size_t key_delim_len;  /* 0: no key in file/stdin lines */
    char rec_delim;        /* -D: the byte that ends a file/stdin record ('\n') */
    const char *fixed_key; /* -k: every record's key, or NULL */
    size_t fixed_key_len;
    size_t header_cnt; /* -H: headers on every record */
    kr_cli_header_t headers[KR_CLI_HEADERS_MAX];
    uint32_t threads;
    uint32_t instance;  /* this process's index among instances (--instance I/N) */
    uint32_t instances; /* processes sharing the job's records; 1: alone */
    uint64_t seed;
    uint32_t fleet;
    const char *report_json;   /* NULL: no report file */
    const char *metrics_addr;  /* --metrics-addr HOST:PORT, or NULL */
    int64_t metrics_linger_ns; /* serve metrics this long after the run */
    const char *stats_json;    /* --stats-json FILE, or NULL */
    int quiet;
    int dry_run;
    int timeout_ms; /* metadata */
    int json;       /* metadata -J */
    size_t setting_cnt;
    kr_cli_setting_t settings[KR_CLI_SETTINGS_MAX];
    size_t strbuf_used;
    char strbuf[16384]; /* the settings' strings */
} kr_cli_opts_t;

/* kr_cli_opts_parse() result besides 0 and -1: --help was asked for. */
#define KR_CLI_PARSE_HELP 1

/*
 * Parses argv[1..argc-1] (argv[0] is the subcommand's name) of subcommand cmd into *o,
 * then checks that the options fit together and fills in defaults. Returns 0,
 * KR_CLI_PARSE_HELP, or -1 with a one-line message (no prefix, no newline) in err.
 * argv's array may be permuted; its strings are referenced, not copied, except -X's.
 * Not thread-safe (getopt).
 */
int kr_cli_opts_parse(kr_cli_opts_t *o, kr_cli_cmd_t cmd, int argc, char **argv, char *err,
                      size_t errlen);

/* Writes the usage text of cmd (or of kring as a whole when cmd < 0) to f. */
void kr_cli_usage(FILE *f, int cmd);

/* The subcommand's name as typed: "produce", "metadata", "generate". */
const char *kr_cli_cmd_name(kr_cli_cmd_t cmd);

/*
 * Value parsers, shared with tests. Each returns 0 and stores the value, or -1 for text
 * that is not a valid value.
 *   count: decimal digits with an optional k, m or g suffix (x 1,000, 1,000,000, 10^9)
 *   size: decimal digits with an optional k, m or g suffix (x 1024, 1024^2, 1024^3)
 *   duration: a positive decimal number with a unit ms, s, m or h (none means s)
 *   u64: decimal digits, or 0x and hex digits
 */
int kr_cli_parse_count(const char *s, uint64_t *out);
int kr_cli_parse_size(const char *s, uint64_t *out);
int kr_cli_parse_duration(const char *s, int64_t *out_ns);
int kr_cli_parse_u64(const char *s, uint64_t *out);

/*
 * If `s` starts with `prefix`, returns the text after it (inside `s`), else NULL. Saves
 * counting the characters of a literal by hand: after_prefix(arg, "file:"), not arg + 5.
 */
const char *kr_cli_after_prefix(const char *s, const char *prefix);

/* "I/N" (decimal, 0 <= I < N <= KR_CLI_INSTANCES_MAX): 0 and both stored, or -1. */
int kr_cli_parse_instance(const char *s, uint32_t *index, uint32_t *count);

#endif
