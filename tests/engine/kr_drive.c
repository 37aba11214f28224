/*
 * kr_drive: produces N keyed records with unique ids through kring.h and checks what the
 * delivery reports say. The engine tests run it against a real Kafka and then read the
 * topic back with an independent consumer (verify.py).
 *
 * Record i: key "k<i % K>", value {"id":i,"key":"k<i % K>","pad":"..."} padded to -s bytes.
 * Records of one key are produced in id order, so a consumer must see them in id order.
 *
 * It drives the API as a user should: kr_produce() never blocks; on KR_EQUEUEFULL it calls
 * kr_poll(p, 1) and retries; kr_poll(p, 0) every few thousand records; kr_flush() at the
 * end, then kr_producer_close().
 *
 * Checks on the delivery reports: one report per record (none missing, none twice, none for
 * an id never produced), per-partition offsets strictly increasing in report order, per-key
 * ids increasing in report order, and the outcome: every record acknowledged, or exactly
 * the failures asked for (--expect-all-fail, --expect-big-fail).
 *
 * Prints one summary line and one JSON line on stdout; exits 0 when every check passed,
 * 1 when one failed, 2 on a usage or set-up error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kr_alloc_count.h"
#include "kring.h"

#define DRIVE_PARTS_MAX 4096
#define DRIVE_NAMES_MAX 32
#define DRIVE_BIG_MAX 16
#define DRIVE_MARKS_MAX 16
#define DRIVE_CONF_MAX 64
#define DRIVE_SHOW 5 /* how many examples of each problem are printed */

enum rec_state { REC_PENDING, REC_ACKED, REC_FAILED };

typedef struct name_count {
    char name[64];
    uint64_t count;
} name_count_t;

typedef struct drive {
    /* settings */
    const char *bootstrap;
    const char *topic;
    uint64_t n;
    uint32_t keys;
    size_t value_size;
    uint64_t poll_every;
    double rate;
    int progress_ms;
    const char *oauth_token_file; /* OAUTHBEARER: the token, read at each authentication */
    uint64_t alloc_from;          /* --alloc-window: count allocations from this id ... */
    uint64_t alloc_to;            /* ... to this one (0: no window) */
    uint64_t alloc_per;           /* at most one allocation per this many records (0: none) */
    bool alloc_bad;
    const char *conf_k[DRIVE_CONF_MAX];
    const char *conf_v[DRIVE_CONF_MAX];
    int conf_cnt;
    uint64_t big_id[DRIVE_BIG_MAX];
    size_t big_size[DRIVE_BIG_MAX];
    int big_cnt;
    const char *expect_all_fail;
    const char *expect_big_fail;
    uint64_t mark[DRIVE_MARKS_MAX];
    bool mark_wait[DRIVE_MARKS_MAX];
    int mark_cnt;
    const char *mark_file;
    int mark_wait_s;
    const char *reports_path;
    /* state */
    FILE *reports;
    uint8_t *state;
    int64_t *last_offset; /* per partition */
    int64_t *last_id;     /* per key */
    char *bigbuf;
    /* counts */
    uint64_t produced;
    uint64_t acked;
    uint64_t acked_no_offset;
    uint64_t failed;         /* in delivery reports */
    uint64_t produce_failed; /* kr_produce() refused them */
    uint64_t queue_full;
    uint64_t dup_reports;
    uint64_t bad_opaque;
    uint64_t offset_regress;
    uint64_t key_regress;
    uint64_t bad_partition;
    uint64_t reports_in_close;
    bool in_close;
    name_count_t errs[DRIVE_NAMES_MAX];
    int err_cnt;
    uint64_t first_failed[DRIVE_SHOW];
    int first_failed_cnt;
} drive_t;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: kr_drive -t TOPIC [-b BOOTSTRAP] [-n N] [-k KEYS] [-s VALUE_BYTES]\n"
            "                [-X key=value ...] [--big ID:BYTES ...]\n"
            "                [--expect-all-fail NAME] [--expect-big-fail NAME]\n"
            "                [--mark N ...] [--mark-wait N ...] [--mark-file F] [--mark-wait-s S]\n"
            "                [--rate RECORDS_PER_S] [--poll-every N] [--progress-ms MS]\n"
            "                [--reports FILE] [--oauth-token-file FILE] [--alloc-window A:B]\n"
            "  -b defaults to $KR_TEST_BOOTSTRAP. --mark N appends \"REACHED N\" to the mark\n"
            "  file once N records are queued; --mark-wait N then waits (polling) until the\n"
            "  file F.go.N exists. --reports writes \"id partition offset\" per acked record.\n"
            "  --alloc-window A:B fails the run if the producing thread calls the allocator\n"
            "  while records A..B are produced (the steady state: warm up before A), or, with\n"
            "  --alloc-per R, more than once per R records or without freeing each block.\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* Parses one option that takes a value; returns 0, or -1 on a bad value. */
static int parse_opt(drive_t *d, const char *opt, char *val)
{
    uint64_t u = 0;
    if (strcmp(opt, "-b") == 0) {
        d->bootstrap = val;
    } else if (strcmp(opt, "-t") == 0) {
        d->topic = val;
    } else if (strcmp(opt, "-n") == 0) {
        return parse_u64(val, &d->n);
    } else if (strcmp(opt, "-k") == 0) {
        if (parse_u64(val, &u) != 0 || u == 0 || u > 100000000)
            return -1;
        d->keys = (uint32_t)u;
    } else if (strcmp(opt, "-s") == 0) {
        if (parse_u64(val, &u) != 0 || u > (64u << 20))
            return -1;
        d->value_size = (size_t)u;
    } else if (strcmp(opt, "-X") == 0) {
        char *eq = strchr(val, '=');
        if (eq == NULL || d->conf_cnt == DRIVE_CONF_MAX)
            return -1;
        *eq = '\0';
        d->conf_k[d->conf_cnt] = val;
        d->conf_v[d->conf_cnt++] = eq + 1;
    } else if (strcmp(opt, "--alloc-window") == 0) {
        char *colon = strchr(val, ':');
        if (colon == NULL)
            return -1;
        *colon = '\0';
        if (parse_u64(val, &d->alloc_from) != 0 || parse_u64(colon + 1, &d->alloc_to) != 0 ||
            d->alloc_to <= d->alloc_from)
            return -1;
    } else if (strcmp(opt, "--alloc-per") == 0) {
        if (parse_u64(val, &d->alloc_per) != 0 || d->alloc_per == 0)
            return -1;
    } else if (strcmp(opt, "--oauth-token-file") == 0) {
        d->oauth_token_file = val;
    } else if (strcmp(opt, "--big") == 0) {
        char *colon = strchr(val, ':');
        if (colon == NULL || d->big_cnt == DRIVE_BIG_MAX)
            return -1;
        *colon = '\0';
        if (parse_u64(val, &d->big_id[d->big_cnt]) != 0 || parse_u64(colon + 1, &u) != 0 ||
            u == 0 || u > (256u << 20))
            return -1;
        d->big_size[d->big_cnt++] = (size_t)u;
    } else if (strcmp(opt, "--expect-all-fail") == 0) {
        d->expect_all_fail = val;
    } else if (strcmp(opt, "--expect-big-fail") == 0) {
        d->expect_big_fail = val;
    } else if (strcmp(opt, "--mark") == 0 || strcmp(opt, "--mark-wait") == 0) {
        if (d->mark_cnt == DRIVE_MARKS_MAX || parse_u64(val, &d->mark[d->mark_cnt]) != 0)
            return -1;
        d->mark_wait[d->mark_cnt++] = strcmp(opt, "--mark-wait") == 0;
    } else if (strcmp(opt, "--mark-file") == 0) {
        d->mark_file = val;
    } else if (strcmp(opt, "--mark-wait-s") == 0) {
        if (parse_u64(val, &u) != 0)
            return -1;
        d->mark_wait_s = (int)u;
    } else if (strcmp(opt, "--rate") == 0) {
        d->rate = strtod(val, NULL);
    } else if (strcmp(opt, "--poll-every") == 0) {
        if (parse_u64(val, &d->poll_every) != 0 || d->poll_every == 0)
            return -1;
    } else if (strcmp(opt, "--progress-ms") == 0) {
        if (parse_u64(val, &u) != 0)
            return -1;
        d->progress_ms = (int)u;
    } else if (strcmp(opt, "--reports") == 0) {
        d->reports_path = val;
    } else {
        return -1;
    }
    return 0;
}

static int parse_args(drive_t *d, int argc, char **argv)
{
    d->bootstrap = getenv("KR_TEST_BOOTSTRAP");
    d->n = 100000;
    d->keys = 10000;
    d->value_size = 100;
    d->poll_every = 4096;
    d->mark_wait_s = 300;
    for (int i = 1; i < argc; i += 2) { /* every option takes a value */
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 || i + 1 >= argc) {
            usage();
            return -1;
        }
        if (parse_opt(d, argv[i], argv[i + 1]) != 0) {
            fprintf(stderr, "kr_drive: bad option %s %s\n", argv[i], argv[i + 1]);
            return -1;
        }
    }
    if (d->topic == NULL || d->bootstrap == NULL || d->bootstrap[0] == '\0') {
        fprintf(stderr, "kr_drive: -t TOPIC and -b BOOTSTRAP (or $KR_TEST_BOOTSTRAP) needed\n");
        return -1;
    }
    if (d->mark_cnt > 0 && d->mark_file == NULL) {
        fprintf(stderr, "kr_drive: --mark needs --mark-file\n");
        return -1;
    }
    return 0;
}

/* Counts one failure under its error name. */
static void count_error(drive_t *d, const char *name, uint64_t id)
{
    if (d->first_failed_cnt < DRIVE_SHOW)
        d->first_failed[d->first_failed_cnt++] = id;
    for (int i = 0; i < d->err_cnt; i++) {
        if (strcmp(d->errs[i].name, name) == 0) {
            d->errs[i].count++;
            return;
        }
    }
    /* The last entry collects every name past the table's end. */
    int i = d->err_cnt < DRIVE_NAMES_MAX - 1 ? d->err_cnt++ : DRIVE_NAMES_MAX - 1;
    if (i == DRIVE_NAMES_MAX - 1) {
        name = "(other)";
        d->err_cnt = DRIVE_NAMES_MAX;
    }
    snprintf(d->errs[i].name, sizeof(d->errs[i].name), "%s", name);
    d->errs[i].count++;
}

static bool is_big(const drive_t *d, uint64_t id)
{
    for (int i = 0; i < d->big_cnt; i++)
        if (d->big_id[i] == id)
            return true;
    return false;
}

/* The checks one acknowledged record's report must pass. */
static void on_acked(drive_t *d, const kr_delivery_t *dr, uint64_t id)
{
    d->acked++;
    if (dr->partition < 0 || dr->partition >= DRIVE_PARTS_MAX) {
        if (d->bad_partition++ < DRIVE_SHOW)
            fprintf(stderr, "kr_drive: id %" PRIu64 " acked with partition %" PRId32 "\n", id,
                    dr->partition);
        return;
    }
    if (dr->offset >= 0) {
        if (dr->offset <= d->last_offset[dr->partition] && d->offset_regress++ < DRIVE_SHOW)
            fprintf(stderr,
                    "kr_drive: partition %" PRId32 ": offset %" PRId64 " (id %" PRIu64
                    ") reported after offset %" PRId64 "\n",
                    dr->partition, dr->offset, id, d->last_offset[dr->partition]);
        d->last_offset[dr->partition] = dr->offset;
    } else {
        d->acked_no_offset++;
    }
    uint32_t k = (uint32_t)(id % d->keys);
    if (d->last_id[k] >= 0 && (uint64_t)d->last_id[k] > id && d->key_regress++ < DRIVE_SHOW)
        fprintf(stderr,
                "kr_drive: key k%" PRIu32 ": id %" PRIu64 " reported after id %" PRId64 "\n", k, id,
                d->last_id[k]);
    d->last_id[k] = (int64_t)id;
    if (d->reports != NULL)
        fprintf(d->reports, "%" PRIu64 " %" PRId32 " %" PRId64 "\n", id, dr->partition, dr->offset);
}

static void on_delivery(const kr_delivery_t *dr, void *ctx)
{
    drive_t *d = ctx;
    uintptr_t tag = (uintptr_t)dr->opaque;
    if (d->in_close)
        d->reports_in_close++;
    if (tag == 0 || tag - 1 >= d->produced) {
        if (d->bad_opaque++ < DRIVE_SHOW)
            fprintf(stderr, "kr_drive: report for an opaque never produced: %p\n", dr->opaque);
        return;
    }
    uint64_t id = tag - 1;
    if (d->state[id] != REC_PENDING) {
        if (d->dup_reports++ < DRIVE_SHOW)
            fprintf(stderr, "kr_drive: second report for id %" PRIu64 " (err %s)\n", id,
                    dr->err ? dr->error_name : "none");
        return;
    }
    if (dr->err == 0) {
        d->state[id] = REC_ACKED;
        on_acked(d, dr, id);
        return;
    }
    d->state[id] = REC_FAILED;
    d->failed++;
    const char *name = dr->error_name != NULL ? dr->error_name : kr_errname(dr->err);
    count_error(d, name, id);
    if (d->failed <= DRIVE_SHOW)
        fprintf(stderr, "kr_drive: id %" PRIu64 " failed: %s (err %s, broker error %d)\n", id, name,
                kr_errname(dr->err), dr->broker_error);
}

/* OAUTHBEARER: the first line of --oauth-token-file. */
static int drive_token(char *token, size_t cap, int64_t *lifetime_ms, char *errstr, size_t errlen,
                       void *ctx)
{
    const drive_t *d = ctx;
    FILE *f = fopen(d->oauth_token_file, "r");
    *lifetime_ms = 0;
    if (f == NULL || fgets(token, (int)cap, f) == NULL) {
        snprintf(errstr, errlen, "cannot read %s", d->oauth_token_file);
        if (f != NULL)
            fclose(f);
        return -1;
    }
    fclose(f);
    token[strcspn(token, "\r\n")] = '\0';
    return 0;
}

static kr_producer_t *drive_producer(drive_t *d)
{
    char err[512];
    kr_conf_t *c = kr_conf_new();
    if (c == NULL)
        return NULL;
    int rc = kr_conf_set(c, "bootstrap.servers", d->bootstrap, err, sizeof(err));
    /* scripts/test.sh runs the engine's Kafka tests once per transport. */
    const char *engine = getenv("KR_TEST_IO_ENGINE");
    if (rc == 0 && engine != NULL)
        rc = kr_conf_set(c, "io.engine", engine, err, sizeof(err));
    for (int i = 0; rc == 0 && i < d->conf_cnt; i++)
        rc = kr_conf_set(c, d->conf_k[i], d->conf_v[i], err, sizeof(err));
    kr_producer_t *p = NULL;
    if (rc == 0 && d->oauth_token_file != NULL)
        kr_conf_set_oauthbearer_cb(c, drive_token, d);
    if (rc == 0) {
        kr_conf_set_delivery_cb(c, on_delivery, d);
        rc = kr_producer_new(&p, c, err, sizeof(err));
    }
    kr_conf_destroy(c);
    if (rc != 0) {
        fprintf(stderr, "kr_drive: %s: %s\n", kr_errname(rc), err);
        return NULL;
    }
    fprintf(stderr, "kr_drive: transport %s\n", kr_producer_transport(p));
    return p;
}

/* Value of record id into buf (at least value_size + 64 bytes); returns its length. */
static size_t make_value(const drive_t *d, uint64_t id, const char *key, char *buf)
{
    static const char words[] = "lorem ipsum dolor sit amet consectetur adipiscing elit sed "
                                "do eiusmod tempor incididunt ut labore et dolore magna ";
    int len = sprintf(buf, "{\"id\":%" PRIu64 ",\"key\":\"%s\",\"pad\":\"", id, key);
    size_t n = (size_t)len;
    size_t w = (size_t)(id * 7) % (sizeof(words) - 1);
    while (n + 2 < d->value_size) {
        buf[n++] = words[w];
        w = (w + 1) % (sizeof(words) - 1);
    }
    buf[n++] = '"';
    buf[n++] = '}';
    return n;
}

/* An incompressible value for a big record: printable, no tab, no newline. */
static size_t make_big(drive_t *d, uint64_t id, size_t size)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int len = sprintf(d->bigbuf, "{\"id\":%" PRIu64 ",\"big\":\"", id);
    uint64_t x = 0x9E3779B97F4A7C15ULL ^ id;
    size_t n = (size_t)len;
    while (n + 2 < size) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        d->bigbuf[n++] = alpha[x & 63];
    }
    d->bigbuf[n++] = '"';
    d->bigbuf[n++] = '}';
    return n;
}

static void print_progress(drive_t *d, kr_producer_t *p, int64_t t0)
{
    kr_stats_t s;
    kr_stats(p, &s);
    fprintf(
        stderr,
        "kr_drive: +%.1fs produced=%" PRIu64 " acked=%" PRIu64 " failed=%" PRIu64 " sent=%" PRIu64
        " retries=%" PRIu64 " inflight=%d buf=%" PRIu64 "/%" PRIu64 " meta=%" PRIu64 " brokers:",
        (double)(now_us() - t0) / 1e6, d->produced, d->acked, d->failed, s.records_sent, s.retries,
        s.requests_in_flight, s.buffer_bytes_used, s.buffer_bytes_max, s.metadata_refreshes);
    for (int i = 0; i < s.broker_cnt; i++)
        fprintf(stderr, " %d%s/%d", s.brokers[i].node_id, s.brokers[i].connected ? "" : "(down)",
                s.brokers[i].in_flight);
    fprintf(stderr, "\n");
}

/* Polls the producer for `ms`, printing progress when due. */
static void poll_for(drive_t *d, kr_producer_t *p, int ms, int64_t t0, int64_t *next_progress)
{
    int rc = kr_poll(p, ms);
    if (rc < 0)
        fprintf(stderr, "kr_drive: kr_poll: %s\n", kr_errname(rc));
    if (d->progress_ms > 0 && now_us() >= *next_progress) {
        print_progress(d, p, t0);
        *next_progress = now_us() + (int64_t)d->progress_ms * 1000;
    }
}

/* Announces mark i in the mark file; with --mark-wait waits for F.go.N, polling. */
static void do_mark(drive_t *d, kr_producer_t *p, int i, int64_t t0, int64_t *next_progress)
{
    FILE *f = fopen(d->mark_file, "a");
    if (f != NULL) {
        fprintf(f, "REACHED %" PRIu64 "\n", d->mark[i]);
        fclose(f);
    }
    fprintf(stderr, "kr_drive: +%.1fs REACHED %" PRIu64 "\n", (double)(now_us() - t0) / 1e6,
            d->mark[i]);
    if (!d->mark_wait[i])
        return;
    char go[4096];
    snprintf(go, sizeof(go), "%s.go.%" PRIu64, d->mark_file, d->mark[i]);
    int64_t until = now_us() + (int64_t)d->mark_wait_s * 1000000;
    while (access(go, F_OK) != 0 && now_us() < until)
        poll_for(d, p, 50, t0, next_progress);
    if (access(go, F_OK) != 0)
        fprintf(stderr, "kr_drive: no %s after %d s: going on\n", go, d->mark_wait_s);
}

/* Produces record id, retrying on a full queue. A refusal counts as a failure. */
static void produce_one(drive_t *d, kr_producer_t *p, uint64_t id, char *vbuf, int64_t t0,
                        int64_t *next_progress)
{
    char key[32];
    snprintf(key, sizeof(key), "k%" PRIu64, id % d->keys);
    kr_record_t rec;
    memset(&rec, 0, sizeof(rec));
    rec.topic = d->topic;
    rec.partition = KR_PARTITION_ANY;
    rec.key = key;
    rec.key_len = strlen(key);
    rec.timestamp_ms = KR_TIMESTAMP_NOW;
    rec.opaque = (void *)(uintptr_t)(id + 1);
    rec.value = vbuf;
    rec.value_len = make_value(d, id, key, vbuf);
    for (int i = 0; i < d->big_cnt; i++) {
        if (d->big_id[i] == id) {
            rec.value = d->bigbuf;
            rec.value_len = make_big(d, id, d->big_size[i]);
        }
    }
    d->produced = id + 1; /* reports for it may come from inside kr_produce */
    for (;;) {
        int rc = kr_produce(p, &rec);
        if (rc == 0)
            return;
        if (rc == KR_EQUEUEFULL) {
            d->queue_full++;
            poll_for(d, p, 1, t0, next_progress);
            continue;
        }
        char name[64];
        snprintf(name, sizeof(name), "produce:%s", kr_errname(rc));
        d->state[id] = REC_FAILED;
        d->produce_failed++;
        count_error(d, name, id);
        if (d->produce_failed <= DRIVE_SHOW)
            fprintf(stderr, "kr_drive: kr_produce(id %" PRIu64 "): %s\n", id, name);
        return;
    }
}

/* Closes the allocation window and says what it saw. */
static void drive_alloc_stop(drive_t *d)
{
    kr_alloc_count_stop();
    const kr_alloc_counts_t *c = kr_alloc_counts();
    uint64_t records = d->alloc_to - d->alloc_from;
    d->alloc_bad = d->alloc_per == 0 ? c->allocs + c->frees > 0
                                     : c->allocs > records / d->alloc_per || c->frees != c->allocs;
    fprintf(stderr,
            "kr_drive: records %" PRIu64 "..%" PRIu64 ": %" PRIu64 " allocations, %" PRIu64
            " frees on the producing thread\n",
            d->alloc_from, d->alloc_to, c->allocs, c->frees);
    for (uint64_t i = 0; i < c->allocs && i < KR_ALLOC_SEEN_MAX; i++)
        fprintf(stderr, "kr_drive: allocation %" PRIu64 ": %zu bytes, called from %p\n", i,
                c->seen_size[i], c->seen_caller[i]);
}

static void produce_all(drive_t *d, kr_producer_t *p, int64_t t0)
{
    char *vbuf = malloc(d->value_size + 128);
    if (vbuf == NULL)
        abort();
    int64_t next_progress = t0 + (int64_t)d->progress_ms * 1000;
    int next_mark = 0;
    for (uint64_t id = 0; id < d->n; id++) {
        if (d->alloc_to != 0 && id == d->alloc_from)
            kr_alloc_count_start();
        if (d->alloc_to != 0 && id == d->alloc_to)
            drive_alloc_stop(d);
        produce_one(d, p, id, vbuf, t0, &next_progress);
        if ((id + 1) % d->poll_every == 0)
            poll_for(d, p, 0, t0, &next_progress);
        while (next_mark < d->mark_cnt && d->mark[next_mark] <= id + 1)
            do_mark(d, p, next_mark++, t0, &next_progress);
        if (d->rate > 0) {
            int64_t due = t0 + (int64_t)((double)(id + 1) * 1e6 / d->rate);
            while (now_us() < due)
                poll_for(d, p, (int)((due - now_us()) / 1000) + 1, t0, &next_progress);
        }
    }
    while (next_mark < d->mark_cnt)
        do_mark(d, p, next_mark++, t0, &next_progress);
    free(vbuf);
}

/* kr_flush() with progress output; returns its result. */
static int flush_all(drive_t *d, kr_producer_t *p, int64_t t0, int timeout_ms)
{
    int64_t until = now_us() + (int64_t)timeout_ms * 1000;
    int step = d->progress_ms > 0 ? d->progress_ms : timeout_ms;
    for (;;) {
        int64_t left = (until - now_us()) / 1000;
        int rc = kr_flush(p, (int)(left < step ? (left > 0 ? left : 0) : step));
        if (rc != KR_ETIMEDOUT || now_us() >= until)
            return rc;
        print_progress(d, p, t0);
    }
}

static void print_errors_json(const drive_t *d)
{
    printf("\"errors\":{");
    for (int i = 0; i < d->err_cnt; i++)
        printf("%s\"%s\":%" PRIu64, i ? "," : "", d->errs[i].name, d->errs[i].count);
    printf("}");
}

/* Judges the outcome against the expectation; prints why it fails. */
static bool judge_outcome(const drive_t *d, uint64_t missing)
{
    bool ok = true;
    uint64_t bad = 0;
    for (uint64_t id = 0; id < d->n; id++) {
        bool want_fail = d->expect_all_fail != NULL || (d->expect_big_fail && is_big(d, id));
        bool got_fail = d->state[id] == REC_FAILED;
        if (d->state[id] != REC_PENDING && want_fail != got_fail && bad++ < DRIVE_SHOW)
            fprintf(stderr, "kr_drive: id %" PRIu64 " %s, expected %s\n", id,
                    got_fail ? "failed" : "acked", want_fail ? "failure" : "ack");
    }
    const char *want = d->expect_all_fail ? d->expect_all_fail : d->expect_big_fail;
    for (int i = 0; i < d->err_cnt; i++) {
        if (want == NULL || strcmp(d->errs[i].name, want) != 0) {
            fprintf(stderr, "kr_drive: %" PRIu64 " record(s) failed with %s%s%s\n",
                    d->errs[i].count, d->errs[i].name, want ? ", expected only " : "",
                    want ? want : "");
            ok = false;
        }
    }
    if (bad > 0) {
        fprintf(stderr, "kr_drive: %" PRIu64 " record(s) with the wrong outcome\n", bad);
        ok = false;
    }
    if (missing > 0) {
        uint64_t shown = 0;
        for (uint64_t id = 0; id < d->n && shown < DRIVE_SHOW; id++)
            if (d->state[id] == REC_PENDING)
                fprintf(stderr, "kr_drive: no delivery report for id %" PRIu64 "\n", id), shown++;
        ok = false;
    }
    return ok;
}

static int report(drive_t *d, double secs, int flush_rc)
{
    uint64_t missing = d->n - d->acked - d->failed - d->produce_failed;
    bool ok = judge_outcome(d, missing);
    ok = ok && flush_rc == 0 && d->dup_reports == 0 && d->bad_opaque == 0 &&
         d->offset_regress == 0 && d->key_regress == 0 && d->bad_partition == 0 &&
         d->reports_in_close == 0 && !d->alloc_bad;
    printf("kr_drive: %s topic=%s n=%" PRIu64 " acked=%" PRIu64 " failed=%" PRIu64
           " produce_failed=%" PRIu64 " missing=%" PRIu64 " dup_reports=%" PRIu64
           " offset_regressions=%" PRIu64 " key_regressions=%" PRIu64 " flush=%s %.2fs"
           " %.0f rec/s\n",
           ok ? "OK" : "FAIL", d->topic, d->n, d->acked, d->failed, d->produce_failed, missing,
           d->dup_reports, d->offset_regress, d->key_regress, kr_errname(flush_rc), secs,
           secs > 0 ? (double)d->n / secs : 0.0);
    printf("{\"ok\":%s,\"topic\":\"%s\",\"n\":%" PRIu64 ",\"acked\":%" PRIu64
           ",\"acked_no_offset\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"produce_failed\":%" PRIu64
           ",\"missing\":%" PRIu64 ",\"dup_reports\":%" PRIu64 ",\"bad_opaque\":%" PRIu64
           ",\"offset_regressions\":%" PRIu64 ",\"key_regressions\":%" PRIu64
           ",\"bad_partition\":%" PRIu64 ",\"reports_in_close\":%" PRIu64 ",\"queue_full\":%" PRIu64
           ",\"flush\":\"%s\",\"seconds\":%.3f,",
           ok ? "true" : "false", d->topic, d->n, d->acked, d->acked_no_offset, d->failed,
           d->produce_failed, missing, d->dup_reports, d->bad_opaque, d->offset_regress,
           d->key_regress, d->bad_partition, d->reports_in_close, d->queue_full,
           kr_errname(flush_rc), secs);
    print_errors_json(d);
    printf("}\n");
    return ok ? 0 : 1;
}

static int conf_int(const drive_t *d, const char *key, int dflt)
{
    for (int i = d->conf_cnt - 1; i >= 0; i--)
        if (strcmp(d->conf_k[i], key) == 0)
            return atoi(d->conf_v[i]);
    return dflt;
}

static void print_stats(kr_producer_t *p)
{
    kr_stats_t s;
    kr_stats(p, &s);
    fprintf(stderr,
            "kr_drive: stats queued=%" PRIu64 " sent=%" PRIu64 " acked=%" PRIu64 " failed=%" PRIu64
            " retries=%" PRIu64 " requests=%" PRIu64 " bytes_sent=%" PRIu64
            " metadata_refreshes=%" PRIu64 "\n",
            s.records_queued, s.records_sent, s.records_acked, s.records_failed, s.retries,
            s.requests_sent, s.bytes_sent, s.metadata_refreshes);
}

int main(int argc, char **argv)
{
    static drive_t d;
    if (parse_args(&d, argc, argv) != 0)
        return 2;
    d.state = calloc(d.n ? d.n : 1, 1);
    d.last_offset = malloc(DRIVE_PARTS_MAX * sizeof(int64_t));
    d.last_id = malloc(d.keys * sizeof(int64_t));
    size_t big = 0;
    for (int i = 0; i < d.big_cnt; i++)
        big = d.big_size[i] > big ? d.big_size[i] : big;
    d.bigbuf = malloc(big + 64);
    if (d.state == NULL || d.last_offset == NULL || d.last_id == NULL || d.bigbuf == NULL)
        return 2;
    for (int i = 0; i < DRIVE_PARTS_MAX; i++)
        d.last_offset[i] = -1;
    for (uint32_t i = 0; i < d.keys; i++)
        d.last_id[i] = -1;
    if (d.reports_path != NULL && (d.reports = fopen(d.reports_path, "w")) == NULL) {
        perror(d.reports_path);
        return 2;
    }
    kr_producer_t *p = drive_producer(&d);
    if (p == NULL)
        return 2;
    int64_t t0 = now_us();
    produce_all(&d, p, t0);
    /* Every record must have its report by delivery.timeout.ms after it was queued. */
    int flush_ms = conf_int(&d, "delivery.timeout.ms", 120000) + 60000;
    int flush_rc = flush_all(&d, p, t0, flush_ms);
    double secs = (double)(now_us() - t0) / 1e6;
    print_stats(p);
    d.in_close = true;
    kr_producer_close(p, 5000);
    if (d.reports != NULL)
        fclose(d.reports);
    int rc = report(&d, secs, flush_rc);
    free(d.state);
    free(d.last_offset);
    free(d.last_id);
    free(d.bigbuf);
    return rc;
}
