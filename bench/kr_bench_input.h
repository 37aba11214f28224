/*
 * The comparison harnesses' common parts (kr_rdk_bench for librdkafka, kr_kring_bench for
 * kring): records preloaded from a file, the command line, the process's CPU and memory,
 * and the one JSON line each run prints. Internal to bench/.
 */
#ifndef KR_BENCH_INPUT_H
#define KR_BENCH_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* Records preloaded from a file, one a line (the newline is not part of the record). */
typedef struct kr_input {
    char *data;
    size_t size;
    const char **ptr;
    size_t *len;
    size_t cnt;
    uint64_t bytes;
} kr_input_t;

/* Reads path into memory and splits it into lines. 0 or -errno; err gets a message. */
int kr_input_load(kr_input_t *in, const char *path, char *err, size_t errlen);
void kr_input_free(kr_input_t *in);

#define KR_HARNESS_SETTINGS_MAX 64

/* The harness command line. */
typedef struct kr_harness_opts {
    const char *bootstrap;
    const char *topic;
    const char *file;
    uint64_t count; /* records to send, cycling through the file's; 0: the file once */
    int watermarks; /* --watermarks: print the topic's summed end offsets and exit */
    int settings;
    const char *keys[KR_HARNESS_SETTINGS_MAX];
    const char *values[KR_HARNESS_SETTINGS_MAX];
    char buf[8192];
} kr_harness_opts_t;

/* Parses -b -t -f -n -X k=v and --watermarks; returns 0 or prints usage and returns 2. */
int kr_harness_parse(kr_harness_opts_t *o, const char *prog, int argc, char **argv);

/* Wall clock and the process's CPU (all threads, user + system), in seconds. */
double kr_harness_wall_s(void);
double kr_harness_cpu_s(void);
/* Peak RSS of the process in KiB. */
long kr_harness_maxrss_kb(void);

/* What one run did; printed as one JSON line on stdout. */
typedef struct kr_harness_result {
    const char *client;
    uint64_t records; /* handed to the producer */
    uint64_t acked;   /* delivery reports without error */
    uint64_t failed;
    uint64_t bytes;     /* value bytes of the records handed over */
    double wall_s;      /* first produce call to last delivery report */
    double cpu_s;       /* process CPU over the same span */
    double cpu_total_s; /* process CPU since start, loading the file included */
    const char *first_error;
} kr_harness_result_t;

void kr_harness_print(const kr_harness_result_t *r);

#endif
