/*
 * Where records come from: the flight generator, a regular file (mapped, split among
 * threads at line boundaries), or a stream (stdin or a pipe), one record a line (a
 * "line" ends at rec_delim, a newline unless -D chose another byte). A line is
 * KEY<delimiter>VALUE when a key delimiter is set (a line without it has a null key), else
 * all value. The final line needs no newline; empty lines are empty records; bytes are
 * kept as they are (a \r stays part of the record).
 *
 * A record's pointers stay valid until the next kr_src_next() on the same source.
 * Nothing allocates per record: a stream's buffer grows only for a line longer than any
 * before, up to KR_SRC_LINE_MAX.
 */
#ifndef KR_CLI_SOURCE_H
#define KR_CLI_SOURCE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "kr_flights.h"

#define KR_SRC_LINE_MAX (64u << 20)
#define KR_SRC_STREAM_BUF (1u << 20)

typedef struct kr_src_rec {
    const void *key; /* NULL: no key */
    size_t key_len;
    const void *value;
    size_t value_len;
} kr_src_rec_t;

/* A regular file mapped read-only, shared by the sources that read its parts. */
typedef struct kr_cli_map {
    const char *base;
    size_t size;    /* bytes in use: the whole file, or up to the end of line N */
    size_t mapped;  /* bytes mapped */
    char rec_delim; /* ends a record: '\n' after kr_cli_map_open(); set before limit/split */
} kr_cli_map_t;

/*
 * Maps path. Returns 0; 1 when it is not a regular file (a pipe, a terminal: read it as a
 * stream instead); -errno with err set to a one-line message.
 */
int kr_cli_map_open(kr_cli_map_t *m, const char *path, char *err, size_t errlen);

/* Keeps only the first `lines` lines (lines >= 1); returns the number of lines kept. */
uint64_t kr_cli_map_limit(kr_cli_map_t *m, uint64_t lines);

/* Part t of n of the mapping: [*begin, *end), both at line starts; the parts tile it. */
void kr_cli_map_split(const kr_cli_map_t *m, uint32_t n, uint32_t t, size_t *begin, size_t *end);

void kr_cli_map_close(kr_cli_map_t *m);

/* One payload of a --payload-file: bytes of its mapping. */
typedef struct kr_src_payload {
    const char *ptr;
    size_t len;
} kr_src_payload_t;

/*
 * Splits m into payloads at each occurrence of delim (delim_len >= 1), as Java's
 * ProducerPerformance splits --payload-file (but delim is literal text, not a regular
 * expression): empty payloads between delimiters are kept, those at the end dropped.
 * Returns the count (0: the file holds none) with *out allocated (the caller frees it), or
 * -ENOMEM.
 */
long kr_src_payloads_split(const kr_cli_map_t *m, const char *delim, size_t delim_len,
                           kr_src_payload_t **out);

typedef enum kr_src_kind {
    KR_SRC_FLIGHTS,
    KR_SRC_RANGE,
    KR_SRC_STREAM,
    KR_SRC_SAMPLE,
    KR_SRC_SHARED,
} kr_src_kind_t;

/* Records a shared source takes from the stream at a time, under its lock. */
#define KR_SRC_BLOCK_RECS 256

typedef struct kr_src_shared kr_src_shared_t;

/* A shared source's record: offsets into its block (key_len -1: no key). */
typedef struct kr_src_blk_rec {
    size_t key_off;
    int64_t key_len;
    size_t value_off;
    size_t value_len;
} kr_src_blk_rec_t;

typedef struct kr_src {
    kr_src_kind_t kind;
    char rec_delim; /* ends a record (kcat -D): '\n' after open; the caller may change it */
    char delim[16];
    size_t delim_len;
    /* flights */
    kr_flights_t *flights;
    /* range: [pos, end) of a mapping; with several files, part `part` of `parts` of each
     * of maps[0..map_cnt) in turn, map_at the one being read */
    const char *pos;
    const char *end;
    const char *fetched; /* cache lines are fetched up to here */
    const kr_cli_map_t *const *maps;
    uint32_t map_cnt, map_at, part, parts;
    /* sample: a payload drawn at random per record, without end */
    const kr_src_payload_t *payloads;
    size_t payload_cnt;
    uint64_t rng;
    /* stream */
    int fd;
    int eof;
    char *buf;
    size_t cap, head, tail; /* unread bytes are buf[head, tail) */
    uint64_t lines;
    /* shared: blocks of records taken from a stream several sources read */
    kr_src_shared_t *shared;
    char *blk;
    size_t blk_cap, blk_len;
    kr_src_blk_rec_t *idx; /* KR_SRC_BLOCK_RECS */
    uint32_t idx_cnt, idx_at;
} kr_src_t;

/*
 * One stream read by several sources (stdin with --threads N): each takes its next
 * KR_SRC_BLOCK_RECS records at once under the lock and copies them out, so the records
 * are each read once, in stdin's order within a block, and spread over the readers.
 */
struct kr_src_shared {
    pthread_mutex_t mu;
    kr_src_t stream;
};

/* A generator source. Returns 0, or what kr_flights_new() returns. */
int kr_src_open_flights(kr_src_t *s, const kr_flights_conf_t *conf);

/* The lines in [begin, end) of m (which must outlive the source). */
void kr_src_open_range(kr_src_t *s, const kr_cli_map_t *m, size_t begin, size_t end,
                       const char *delim, size_t delim_len);

/*
 * The lines of several files, one after another: part `part` of `parts` of each (as
 * kr_cli_map_split cuts it), maps[0] first. maps (and the mappings) must outlive the
 * source. A file's last line ends with the file, newline or not.
 */
void kr_src_open_files(kr_src_t *s, const kr_cli_map_t *const *maps, uint32_t map_cnt,
                       uint32_t part, uint32_t parts, const char *delim, size_t delim_len);

/* Records whose values are payloads[0..cnt) (cnt >= 1) drawn at random (seeded), without
 * keys, never ending: the caller counts. payloads must outlive the source. */
void kr_src_open_sample(kr_src_t *s, const kr_src_payload_t *payloads, size_t cnt, uint64_t seed);

/* Lines read from fd (not closed by the source). Returns 0 or -ENOMEM. */
int kr_src_open_stream(kr_src_t *s, int fd, const char *delim, size_t delim_len);

/* The shared stream over fd. Returns 0 or -ENOMEM. */
int kr_src_shared_open(kr_src_shared_t *sh, int fd, const char *delim, size_t delim_len,
                       char rec_delim);
void kr_src_shared_close(kr_src_shared_t *sh);

/* A source that takes blocks of records from sh (which must outlive it). 0 or -ENOMEM. */
int kr_src_open_shared(kr_src_t *s, kr_src_shared_t *sh);

/*
 * The next record: 1 and *r set; 0 at the end; -EAGAIN when a stream has no whole line
 * buffered and nothing to read yet (call kr_src_wait() or do other work, then retry);
 * KR_ETOOLARGE for a line over KR_SRC_LINE_MAX; another -errno for a read error.
 */
int kr_src_next(kr_src_t *s, kr_src_rec_t *r);

/* Waits up to timeout_ms for a stream to have input. Returns 1 ready, 0 not yet. */
int kr_src_wait(kr_src_t *s, int timeout_ms);

void kr_src_close(kr_src_t *s);

#endif
