/*
 * `kring produce`. See kr_cli_produce.h.
 *
 * Threads: the main thread parses, validates, starts one worker per --threads, prints the
 * status line and the summary; it never touches a producer. Each worker creates its own
 * producer, drives it (kr_produce, kr_poll, kr_flush, kr_producer_close) and receives its
 * delivery reports, so every producer stays on the thread that made it. Workers publish
 * counters through relaxed atomics; everything else they own alone until joined.
 *
 * Metrics (--metrics-addr): a server thread renders /metrics from the published atomics
 * and from copies each worker makes under its pub_mu: engine statistics in the
 * statistics callback (inside kr_poll, once per statistics.interval.ms) and its latency
 * histogram once a second. Workers only ever trylock pub_mu, skipping a publication
 * rather than waiting, so a slow scrape never stalls a producer.
 *
 * Per record: the source writes it, the schedule plans it, a ring slot (indexed by the
 * record's number, which travels as the record's opaque) keeps its planned time and size
 * until its delivery report; the report's latency goes into the worker's histogram. No
 * allocation per record: rings, histograms and sources are sized at start.
 */
#define _GNU_SOURCE
#include "kr_cli_produce.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "kr_cli_clock.h"
#include "kr_cli_conf.h"

/* -H headers are handed to kr_produce() as they are: the layouts must agree. */
_Static_assert(sizeof(kr_cli_header_t) == sizeof(kr_header_t), "header layouts agree");
_Static_assert(offsetof(kr_cli_header_t, value_len) == offsetof(kr_header_t, value_len),
               "header layouts agree");
#include "kr_cli_hist.h"
#include "kr_cli_httpd.h"
#include "kr_cli_metrics.h"
#include "kr_cli_report.h"
#include "kr_cli_sched.h"
#include "kr_cli_source.h"
#include "kr_cli_status.h"
#include "kring.h"

#define RING_BITS_MAX 20     /* at most 2^20 records in flight per producer */
#define POLL_EVERY 2048      /* records between two kr_poll(p, 0) */
#define PUBLISH_NS 1000000   /* counters to the main thread at most every 1 ms */
#define HEALTH_NS 100000000  /* the unreachable-bootstrap check every 100 ms */
#define STATUS_NS 1000000000 /* the status line, and its p99, every second */
#define CLOCK_EVERY 64       /* delivery reports of one batch between clock reads */
#define SLOT_AHEAD 8         /* ring slots fetched ahead of the report that reads them */
#define FLUSH_SLICE_MS 100
#define SLEEP_MIN_NS 200000 /* the shortest sleep of the rate schedule */

/* A record between kr_produce() and its delivery report. */
typedef struct slot {
    int64_t planned_ns;
    uint32_t tag; /* 0: free; else the record number's high bits, tagged */
    uint32_t len; /* key + value bytes */
} slot_t;

typedef struct run run_t;

typedef struct worker {
    /* Written by the worker, read by the main thread. */
    _Alignas(64) _Atomic uint64_t pub_sent;
    _Atomic uint64_t pub_acked;
    _Atomic uint64_t pub_failed;
    _Atomic uint64_t pub_in_flight;
    _Atomic uint64_t pub_bytes;
    _Atomic uint64_t pub_p99_ns;
    _Atomic int done;

    /* Written by the worker under pub_mu (trylock), read by the metrics thread. */
    pthread_mutex_t pub_mu;
    kr_cli_pub_t *pub; /* NULL without --metrics-addr */
    kr_hist_t pub_lat;

    /* The worker's own. */
    _Alignas(64) run_t *run;
    uint32_t index;
    int cpu;
    kr_producer_t *p;
    char transport[24]; /* the producer's, once it is created; "" before */
    kr_src_t src;
    uint64_t limit; /* records this worker sends; 0: until the source ends */
    uint64_t rate;  /* records/s; 0: unpaced */
    kr_sched_t sched;
    slot_t *ring;
    uint64_t ring_mask;
    uint32_t ring_bits;
    uint64_t next; /* the number the next record gets */
    uint64_t sent;
    uint64_t acked;
    uint64_t failed_dr; /* failed delivery reports */
    uint64_t refused;   /* refused by kr_produce() */
    uint64_t bytes_acked;
    uint64_t bad_reports; /* reports for no record in flight: an engine bug */
    uint64_t queue_full;
    uint64_t dry_offset;
    kr_cli_errs_t errs;
    kr_hist_t hist;
    kr_hist_t hist_prev; /* hist at the last status tick, for the interval's p99 */
    kr_hist_t hist_tmp;
    int64_t last_publish_ns;
    int64_t last_health_ns;
    int64_t last_status_ns;
    int64_t end_ns; /* when the last report arrived (or the worker gave up) */
    int unknown_topic;
    int fatal; /* the run cannot go on: fatal_msg says why */
    char fatal_msg[384];
} worker_t;

struct run {
    const kr_cli_opts_t *o;
    uint32_t n;     /* threads */
    uint32_t part0; /* the job is split in parts (instances x threads) ... */
    uint32_t parts; /* ... and thread t of this process is part part0 + t */
    worker_t **w;
    kr_cli_map_t maps[KR_CLI_FILES_MAX]; /* file sources (several: read in turn), or the
                                            payload file */
    const kr_cli_map_t *map_ptrs[KR_CLI_FILES_MAX];
    uint32_t map_cnt;
    int map_used;
    kr_src_shared_t shared; /* stdin (or a fifo) read by --threads N > 1 */
    int shared_used;
    kr_src_payload_t *payloads; /* --payload-file, split once at start */
    size_t payload_cnt;
    pthread_barrier_t ready;
    pthread_barrier_t go;
    int64_t start_ns;
    long request_timeout_ms;
    long flush_timeout_ms;
    _Atomic int stop;    /* stop producing, flush what is in flight */
    _Atomic int abandon; /* stop flushing too */
    int show;            /* the status line is on stderr */
    FILE *stats_file;    /* --stats-json, appended under stats_mu */
    pthread_mutex_t stats_mu;
    kr_cli_httpd_t *httpd; /* --metrics-addr; the rest is its thread's own */
    kr_cli_pub_t **snap;
    kr_hist_t snap_lat;
    kr_cli_text_t text;
};

static _Atomic int g_signals;
static _Atomic int g_signo;

static void on_signal(int signo)
{
    atomic_store(&g_signo, signo);
    atomic_fetch_add(&g_signals, 1);
}

/* ---- delivery reports ---- */

static inline uint32_t slot_tag(const worker_t *w, uint64_t n)
{
    return (uint32_t)(n >> w->ring_bits) | 0x80000000u;
}

static void on_failure(worker_t *w, const kr_delivery_batch_t *db, size_t cnt)
{
    w->failed_dr += cnt;
    kr_cli_errs_add(&w->errs, db->error_name != NULL ? db->error_name : kr_errname(db->err), cnt);
    if (db->err == KR_EUNKNOWNTOPIC || db->broker_error == KR_KERR_UNKNOWN_TOPIC_OR_PARTITION) {
        w->unknown_topic = 1;
        atomic_store(&w->run->stop, 1);
    }
    if (db->err == KR_EFATAL && !w->fatal) {
        w->fatal = 1;
        snprintf(w->fatal_msg, sizeof(w->fatal_msg), "producer %u failed fatally (%s)", w->index,
                 db->error_name != NULL ? db->error_name : kr_errname(db->err));
        atomic_store(&w->run->stop, 1);
    }
}

/*
 * The reports of one batch. A batch's records are spread over the ring (other
 * partitions' records sit between them), so each slot is fetched SLOT_AHEAD records
 * before it is read. The clock is read once per batch, and again every CLOCK_EVERY
 * records: they all arrived together.
 */
static void on_delivery(const kr_delivery_batch_t *db, void *ctx)
{
    worker_t *w = ctx;
    size_t ok = 0;
    int64_t now = kr_cli_now_ns();
    for (size_t i = 0; i < db->cnt; i++) {
        if (i + SLOT_AHEAD < db->cnt)
            __builtin_prefetch(&w->ring[(uintptr_t)db->opaques[i + SLOT_AHEAD] & w->ring_mask], 1);
        uint64_t n = (uint64_t)(uintptr_t)db->opaques[i];
        slot_t *s = &w->ring[n & w->ring_mask];
        if (s->tag != slot_tag(w, n)) {
            w->bad_reports++;
            continue;
        }
        s->tag = 0;
        ok++;
        if (db->err != 0)
            continue;
        if (i % CLOCK_EVERY == CLOCK_EVERY - 1)
            now = kr_cli_now_ns();
        w->bytes_acked += s->len;
        kr_hist_record(&w->hist, now > s->planned_ns ? (uint64_t)(now - s->planned_ns) : 0);
    }
    if (db->err == 0)
        w->acked += ok;
    else if (ok > 0)
        on_failure(w, db, ok);
}

/* ---- driving the producer ---- */

static inline uint64_t in_flight(const worker_t *w) { return w->sent - w->acked - w->failed_dr; }

static int poll_p(worker_t *w, int timeout_ms)
{
    if (w->p == NULL)
        return 0;
    int rc = kr_poll(w->p, timeout_ms);
    if (rc < 0 && !w->fatal) {
        w->fatal = 1;
        snprintf(w->fatal_msg, sizeof(w->fatal_msg), "kr_poll: %s", kr_strerror(rc));
        atomic_store(&w->run->stop, 1);
    }
    return rc;
}

static int produce(worker_t *w, const kr_record_t *rec)
{
    if (w->p != NULL)
        return kr_produce(w->p, rec);
    /* --dry-run: the record is acknowledged on the spot */
    int64_t ts = rec->timestamp_ms;
    kr_delivery_batch_t db = {.topic = rec->topic,
                              .partition = 0,
                              .base_offset = (int64_t)w->dry_offset++,
                              .log_append_time = -1,
                              .cnt = 1,
                              .opaques = &rec->opaque,
                              .timestamps = &ts};
    on_delivery(&db, w);
    return 0;
}

static void publish(worker_t *w)
{
    atomic_store_explicit(&w->pub_sent, w->sent, memory_order_relaxed);
    atomic_store_explicit(&w->pub_acked, w->acked, memory_order_relaxed);
    atomic_store_explicit(&w->pub_failed, w->failed_dr + w->refused, memory_order_relaxed);
    atomic_store_explicit(&w->pub_in_flight, in_flight(w), memory_order_relaxed);
    atomic_store_explicit(&w->pub_bytes, w->bytes_acked, memory_order_relaxed);
}

/* Gives up when no broker is connected request.timeout.ms after the start. */
static void health(worker_t *w, int64_t now)
{
    run_t *r = w->run;
    if (w->p == NULL || w->acked != 0 || w->fatal)
        return;
    if (now - r->start_ns < r->request_timeout_ms * 1000000LL)
        return;
    kr_stats_t st;
    kr_stats(w->p, &st);
    for (int32_t i = 0; i < st.broker_cnt && i < KR_STATS_BROKERS_MAX; i++) {
        if (st.brokers[i].connected)
            return;
    }
    w->fatal = 1;
    snprintf(w->fatal_msg, sizeof(w->fatal_msg),
             "no broker of %s answered within request.timeout.ms (%ld ms)", r->o->bootstrap,
             r->request_timeout_ms);
    atomic_store(&r->stop, 1);
    atomic_store(&r->abandon, 1);
}

/* Bookkeeping between records: counters out, the interval's p99, the health check. */
static void tend(worker_t *w, int64_t now)
{
    if (now - w->last_publish_ns < PUBLISH_NS)
        return;
    w->last_publish_ns = now;
    publish(w);
    if (now - w->last_status_ns >= STATUS_NS) {
        w->last_status_ns = now;
        kr_hist_delta(&w->hist_tmp, &w->hist, &w->hist_prev);
        atomic_store_explicit(&w->pub_p99_ns, kr_hist_quantile(&w->hist_tmp, 0.99),
                              memory_order_relaxed);
        memcpy(&w->hist_prev, &w->hist, sizeof(w->hist));
        if (w->pub != NULL && pthread_mutex_trylock(&w->pub_mu) == 0) {
            memcpy(&w->pub_lat, &w->hist, sizeof(w->hist));
            pthread_mutex_unlock(&w->pub_mu);
        }
    }
    if (now - w->last_health_ns >= HEALTH_NS) {
        w->last_health_ns = now;
        health(w, now);
    }
}

static inline int stopping(const worker_t *w)
{
    return atomic_load_explicit(&w->run->stop, memory_order_relaxed) != 0;
}

/*
 * Waits, serving the producer, until the planned time of the next record. Gaps of 2 ms
 * and more wait inside kr_poll(); shorter ones (kr_poll() counts whole milliseconds) poll
 * once and sleep the rest instead of spinning, which would take a core from whatever else
 * runs here (a broker, on a test machine). A sleep lasts at least SLEEP_MIN_NS: at high
 * rates the records that fell due meanwhile go out together, each still timed from its
 * own planned time, and the wake-ups cost little CPU.
 */
static void wait_until(worker_t *w, int64_t planned)
{
    for (;;) {
        int64_t now = kr_cli_now_ns();
        tend(w, now);
        if (now >= planned || stopping(w))
            return;
        int64_t gap = planned - now;
        if (gap >= 2000000 && w->p != NULL) {
            poll_p(w, (int)(gap / 1000000) - 1);
            continue;
        }
        poll_p(w, 0);
        now = kr_cli_now_ns();
        if (now >= planned)
            return;
        gap = planned - now;
        gap = gap < SLEEP_MIN_NS ? SLEEP_MIN_NS : gap > 1000000 ? 1000000 : gap;
        struct timespec ts = {0, gap};
        nanosleep(&ts, NULL);
    }
}

/* Waits until slot s is free, i.e. the record 2^ring_bits before has its report. */
static int wait_slot(worker_t *w, const slot_t *s)
{
    while (s->tag != 0) {
        if (atomic_load(&w->run->abandon) || w->fatal)
            return -1;
        poll_p(w, 1);
        tend(w, kr_cli_now_ns());
    }
    return 0;
}

static void refused(worker_t *w, int rc)
{
    w->refused++;
    kr_cli_errs_add(&w->errs, kr_errname(rc), 1);
    if (rc == KR_ETOOLARGE)
        return; /* that record alone */
    if (!w->fatal) {
        const kr_cli_opts_t *o = w->run->o;
        w->fatal = 1;
        if (rc == KR_EUNKNOWNPART && o->partition >= 0)
            snprintf(w->fatal_msg, sizeof(w->fatal_msg), "topic '%s' has no partition %d", o->topic,
                     o->partition);
        else
            snprintf(w->fatal_msg, sizeof(w->fatal_msg), "kr_produce: %s (%s)", kr_strerror(rc),
                     kr_errname(rc));
    }
    atomic_store(&w->run->stop, 1);
}

/* Hands one record to the producer, retrying while the queue is full. */
static int send_one(worker_t *w, kr_record_t *rec, int64_t planned)
{
    uint64_t n = w->next;
    slot_t *s = &w->ring[n & w->ring_mask];
    if (wait_slot(w, s) != 0)
        return -1;
    s->planned_ns = planned;
    s->tag = slot_tag(w, n);
    s->len = (uint32_t)(rec->key_len + rec->value_len);
    rec->opaque = (void *)(uintptr_t)n;
    int rc;
    while ((rc = produce(w, rec)) == KR_EQUEUEFULL) {
        w->queue_full++;
        poll_p(w, 1);
        tend(w, kr_cli_now_ns());
        if (stopping(w)) {
            s->tag = 0;
            return -1;
        }
    }
    if (rc != 0) {
        s->tag = 0;
        refused(w, rc);
        return 0;
    }
    w->next++;
    w->sent++;
    return 0;
}

/* Takes the next record from the source: 1, 0 at its end, -1 on an error or a stop. */
static int next_record(worker_t *w, kr_src_rec_t *sr)
{
    for (;;) {
        int rc = kr_src_next(&w->src, sr);
        if (rc >= 0)
            return rc;
        if (rc != -EAGAIN) {
            w->fatal = 1;
            snprintf(w->fatal_msg, sizeof(w->fatal_msg), "reading the source: %s",
                     rc == KR_ETOOLARGE ? "a line longer than 64 MiB" : kr_strerror(rc));
            atomic_store(&w->run->stop, 1);
            return -1;
        }
        /* a stream with nothing to read yet: serve the producer meanwhile */
        if (in_flight(w) > 0)
            poll_p(w, 1);
        else
            kr_src_wait(&w->src, 100);
        tend(w, kr_cli_now_ns());
        if (stopping(w))
            return -1;
    }
}

static void produce_all(worker_t *w)
{
    run_t *r = w->run;
    const kr_cli_opts_t *o = r->o;
    kr_record_t rec = {.topic = o->topic != NULL ? o->topic : "",
                       .partition = o->partition < 0 ? KR_PARTITION_ANY : o->partition,
                       .headers = (const kr_header_t *)o->headers,
                       .header_cnt = o->header_cnt,
                       .timestamp_ms = KR_TIMESTAMP_NOW};
    kr_cli_wall_t wall;
    kr_cli_wall_sync(&wall);
    int64_t deadline = o->duration_ns > 0 ? r->start_ns + o->duration_ns : INT64_MAX;
    int64_t now = r->start_ns;
    uint32_t since_poll = 0;
    if (w->rate > 0)
        kr_sched_init(&w->sched, w->rate, r->start_ns);
    while (!stopping(w) && (w->limit == 0 || w->sent + w->refused < w->limit)) {
        kr_src_rec_t sr;
        if (next_record(w, &sr) <= 0)
            break;
        int64_t planned;
        if (w->rate > 0) {
            planned = kr_sched_next(&w->sched);
            if (planned >= deadline)
                break;
            wait_until(w, planned);
        } else {
            if ((w->sent & (CLOCK_EVERY - 1)) == 0 || since_poll == 0)
                now = kr_cli_now_ns();
            planned = now;
            if (now >= deadline)
                break;
        }
        rec.key = o->fixed_key != NULL ? o->fixed_key : sr.key;
        rec.key_len = o->fixed_key != NULL ? o->fixed_key_len : sr.key_len;
        rec.value = sr.value;
        rec.value_len = sr.value_len;
        /* The planned send time is the record's time: no clock read per record. */
        rec.timestamp_ms = kr_cli_wall_at(&wall, planned);
        if (send_one(w, &rec, planned) != 0)
            break;
        if (++since_poll == POLL_EVERY) {
            since_poll = 0;
            poll_p(w, 0);
            now = kr_cli_now_ns();
            tend(w, now);
            kr_cli_wall_sync(&wall);
        }
    }
}

/* Waits for the reports of everything in flight, bounded by delivery.timeout.ms. */
static void drain(worker_t *w)
{
    run_t *r = w->run;
    int64_t limit = kr_cli_now_ns() + r->flush_timeout_ms * 1000000LL;
    while (w->p != NULL && in_flight(w) > 0 && !w->fatal && !atomic_load(&r->abandon)) {
        int64_t now = kr_cli_now_ns();
        if (now >= limit)
            break;
        kr_flush(w->p, FLUSH_SLICE_MS);
        tend(w, kr_cli_now_ns());
    }
}

static int pin(worker_t *w)
{
    if (w->cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(w->cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Engine statistics to the metrics thread; with `wait` the copy is never skipped. */
static void publish_stats(worker_t *w, int wait)
{
    if (w->pub == NULL || w->p == NULL)
        return;
    if (wait ? pthread_mutex_lock(&w->pub_mu) != 0 : pthread_mutex_trylock(&w->pub_mu) != 0)
        return; /* the metrics thread is copying: the next interval will do */
    kr_stats(w->p, &w->pub->st);
    int32_t n = kr_stats_partitions(w->p, w->pub->parts, KR_CLI_METRICS_PARTS_MAX);
    w->pub->part_cnt = n < KR_CLI_METRICS_PARTS_MAX ? n : KR_CLI_METRICS_PARTS_MAX;
    for (int32_t i = 0; i < w->pub->part_cnt; i++)
        w->pub->parts[i].topic = NULL; /* the producer's memory: gone after close */
    w->pub->valid = 1;
    memcpy(&w->pub_lat, &w->hist, sizeof(w->hist));
    pthread_mutex_unlock(&w->pub_mu);
}

/* The engine's statistics document (from inside kr_poll/kr_flush, on the worker). */
static void on_stats(const char *json, size_t len, void *ctx)
{
    worker_t *w = ctx;
    run_t *r = w->run;
    if (r->stats_file != NULL) {
        pthread_mutex_lock(&r->stats_mu); /* between workers only */
        fwrite(json, 1, len, r->stats_file);
        fputc('\n', r->stats_file);
        fflush(r->stats_file);
        pthread_mutex_unlock(&r->stats_mu);
    }
    publish_stats(w, 0);
}

/* The engine's log lines: on stderr, named by producer, over the status line. */
static void on_log(int level, const char *line, void *ctx)
{
    worker_t *w = ctx;
    const char *what = level <= KR_LOG_ERR       ? "error"
                       : level == KR_LOG_WARNING ? "warning"
                       : level == KR_LOG_DEBUG   ? "debug"
                                                 : "info";
    fprintf(stderr, "%skring produce: producer %u: %s: %s\n", w->run->show ? "\r\033[K" : "",
            w->index, what, line);
}

/* Statistics every second when metrics or --stats-json want them, unless -X set it. */
static int stats_conf(const run_t *r, kr_conf_t *conf, worker_t *w, char *err, size_t len)
{
    kr_conf_set_log_cb(conf, on_log, w);
    if (r->o->metrics_addr == NULL && r->o->stats_json == NULL)
        return 0;
    kr_conf_set_stats_cb(conf, on_stats, w);
    for (size_t i = 0; i < r->o->setting_cnt; i++)
        if (strcmp(r->o->settings[i].key, "statistics.interval.ms") == 0)
            return 0;
    return kr_conf_set(conf, "statistics.interval.ms", "1000", err, len);
}

static void setup(worker_t *w)
{
    run_t *r = w->run;
    if (r->o->dry_run)
        return;
    char err[256];
    kr_conf_t *conf = kr_cli_conf_build(r->o, err, sizeof(err));
    if (conf == NULL) {
        w->fatal = 1;
        snprintf(w->fatal_msg, sizeof(w->fatal_msg), "%s", err);
        return;
    }
    kr_conf_set_delivery_batch_cb(conf, on_delivery, w);
    err[0] = '\0';
    int rc = stats_conf(r, conf, w, err, sizeof(err));
    if (rc == 0)
        rc = kr_producer_new(&w->p, conf, err, sizeof(err));
    kr_conf_destroy(conf);
    if (rc == 0)
        snprintf(w->transport, sizeof(w->transport), "%s", kr_producer_transport(w->p));
    if (rc != 0) {
        w->p = NULL;
        w->fatal = 1;
        snprintf(w->fatal_msg, sizeof(w->fatal_msg), "cannot create the producer: %s",
                 err[0] != '\0' ? err : kr_strerror(rc));
    }
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    run_t *r = w->run;
    pin(w);
    prctl(PR_SET_TIMERSLACK, 1000UL); /* the schedule's short sleeps: 1 us, not 50 */
    setup(w);
    if (w->fatal)
        atomic_store(&r->stop, 1);
    pthread_barrier_wait(&r->ready);
    pthread_barrier_wait(&r->go);
    int64_t now = kr_cli_now_ns();
    w->last_publish_ns = w->last_status_ns = w->last_health_ns = now;
    produce_all(w);
    drain(w);
    w->end_ns = kr_cli_now_ns();
    publish_stats(w, 1); /* the last engine statistics, before the producer goes */
    if (w->p != NULL) {
        kr_producer_close(w->p, 0); /* fails what is left: reported as failures */
        w->p = NULL;
    }
    publish(w);
    if (w->pub != NULL) {
        pthread_mutex_lock(&w->pub_mu);
        memcpy(&w->pub_lat, &w->hist, sizeof(w->hist));
        pthread_mutex_unlock(&w->pub_mu);
    }
    atomic_store(&w->done, 1);
    return NULL;
}

/* ---- the main thread ---- */

static int fail_usage(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "kring produce: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return KR_CLI_EXIT_USAGE;
}

/* Checks the engine settings once, before any thread; reads the timeouts the run needs. */
static int check_conf(run_t *r)
{
    r->request_timeout_ms = 30000;
    r->flush_timeout_ms = 125000;
    if (r->o->dry_run)
        return 0;
    char err[512];
    kr_conf_t *conf = kr_cli_conf_build(r->o, err, sizeof(err));
    if (conf == NULL)
        return fail_usage("%s%s", err, "");
    r->request_timeout_ms = kr_cli_conf_long(conf, "request.timeout.ms", 30000);
    r->flush_timeout_ms = kr_cli_conf_long(conf, "delivery.timeout.ms", 120000) + 5000;
    kr_conf_destroy(conf);
    return 0;
}

static uint32_t ring_bits_for(uint64_t limit, int dry_run)
{
    if (dry_run)
        return 4;
    uint32_t bits = 10;
    while (bits < RING_BITS_MAX && (limit == 0 || (1ull << bits) < limit))
        bits++;
    return bits;
}

static int open_source(run_t *r, worker_t *w, char *err, size_t errlen)
{
    const kr_cli_opts_t *o = r->o;
    if (o->source == KR_CLI_SRC_FLIGHTS) {
        kr_flights_conf_t fc;
        kr_flights_conf_init(&fc);
        fc.seed = o->seed;
        fc.fleet = o->fleet;
        fc.part = r->part0 + w->index;
        fc.parts = r->parts;
        fc.record_size = o->record_size;
        fc.key = o->key;
        int rc = kr_src_open_flights(&w->src, &fc);
        if (rc != 0)
            snprintf(err, errlen, "flight generator: %s", kr_strerror(rc));
        return rc;
    }
    if (o->source == KR_CLI_SRC_PAYLOADS) {
        kr_src_open_sample(&w->src, r->payloads, r->payload_cnt, o->seed + r->part0 + w->index);
        return 0;
    }
    if (r->map_used) {
        kr_src_open_files(&w->src, r->map_ptrs, r->map_cnt, r->part0 + w->index, r->parts,
                          o->key_delim, o->key_delim_len);
        w->src.rec_delim = o->rec_delim;
        return 0;
    }
    int rc = r->shared_used ? kr_src_open_shared(&w->src, &r->shared)
                            : kr_src_open_stream(&w->src, 0, o->key_delim, o->key_delim_len);
    w->src.rec_delim = o->rec_delim;
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

/* Maps --payload-file and splits it into payloads. */
static int open_payloads(run_t *r)
{
    const kr_cli_opts_t *o = r->o;
    char err[512];
    int rc = kr_cli_map_open(&r->maps[0], o->path, err, sizeof(err));
    if (rc < 0)
        return fail_usage("--payload-file: %s%s", err, "");
    if (rc > 0)
        return fail_usage("--payload-file: %s is not a regular file%s", o->path, "");
    r->map_cnt = 1;
    long n =
        kr_src_payloads_split(&r->maps[0], o->payload_delim, o->payload_delim_len, &r->payloads);
    if (n < 0)
        return fail_usage("--payload-file: %s: out of memory%s", o->path, "");
    if (n == 0)
        return fail_usage("--payload-file: %s holds no payload%s", o->path, "");
    r->payload_cnt = (size_t)n;
    return 0;
}

/* With --threads N > 1, stdin is one stream the threads take blocks of records from. */
static int open_shared(run_t *r)
{
    if (r->n < 2)
        return 0;
    const kr_cli_opts_t *o = r->o;
    if (kr_src_shared_open(&r->shared, 0, o->key_delim, o->key_delim_len, o->rec_delim) != 0)
        return fail_usage("stdin: %s%s", "out of memory", "");
    r->shared_used = 1;
    return 0;
}

/*
 * Maps the file sources. Several files are read one after another (-n counts over them
 * all); one file that is not regular (a fifo) is reopened as stdin.
 */
static int open_file(run_t *r)
{
    const kr_cli_opts_t *o = r->o;
    if (o->source == KR_CLI_SRC_PAYLOADS)
        return open_payloads(r);
    if (o->source == KR_CLI_SRC_STDIN)
        return open_shared(r);
    if (o->source != KR_CLI_SRC_FILE)
        return 0;
    char err[512];
    uint64_t left = o->count;
    for (uint32_t i = 0; i < o->path_cnt; i++) {
        int rc = kr_cli_map_open(&r->maps[i], o->paths[i], err, sizeof(err));
        if (rc < 0)
            return fail_usage("--source: %s%s", err, "");
        if (rc > 0 && o->path_cnt > 1)
            return fail_usage("--source: %s is not a regular file: several files must "
                              "all be%s",
                              o->paths[i], "");
        if (rc > 0)
            break;
        r->map_cnt++;
        r->map_ptrs[i] = &r->maps[i];
        r->maps[i].rec_delim = o->rec_delim;
        if (o->count > 0 && left == 0)
            r->maps[i].size = 0; /* -n is reached in an earlier file */
        else if (o->count > 0)
            left -= kr_cli_map_limit(&r->maps[i], left);
    }
    if (r->map_cnt == o->path_cnt) {
        r->map_used = 1;
        return 0;
    }
    if (freopen(o->path, "r", stdin) == NULL)
        return fail_usage("--source: %s: %s", o->path, strerror(errno));
    return open_shared(r);
}

static void cpus_allowed(int *cpus, int *n)
{
    cpu_set_t set;
    *n = 0;
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (CPU_ISSET(c, &set))
            cpus[(*n)++] = c;
    }
}

static int make_workers(run_t *r)
{
    const kr_cli_opts_t *o = r->o;
    static int cpus[CPU_SETSIZE];
    int ncpu;
    cpus_allowed(cpus, &ncpu);
    r->w = calloc(r->n, sizeof(worker_t *));
    if (r->w == NULL)
        return -ENOMEM;
    for (uint32_t t = 0; t < r->n; t++) {
        worker_t *w = aligned_alloc(64, (sizeof(worker_t) + 63) & ~(size_t)63);
        if (w == NULL)
            return -ENOMEM;
        memset(w, 0, sizeof(*w));
        r->w[t] = w;
        w->run = r;
        w->index = t;
        w->cpu = ncpu > 0 ? cpus[t % (uint32_t)ncpu] : -1;
        kr_hist_init(&w->hist);
        kr_hist_init(&w->hist_prev);
        kr_hist_init(&w->pub_lat);
        pthread_mutex_init(&w->pub_mu, NULL);
        if (o->metrics_addr != NULL && (w->pub = calloc(1, sizeof(kr_cli_pub_t))) == NULL)
            return -ENOMEM;
        /* -n and --rate are the whole job's: every thread of every instance is a part */
        if (o->source == KR_CLI_SRC_FLIGHTS || o->source == KR_CLI_SRC_PAYLOADS)
            w->limit = o->count > 0 ? kr_sched_share(o->count, r->parts, r->part0 + t) : 0;
        else if (r->shared_used)
            w->limit = o->count > 0 ? kr_sched_share(o->count, r->n, t) : 0;
        else if (!r->map_used)
            w->limit = o->count;
        w->rate = o->rate > 0 ? kr_sched_share(o->rate, r->parts, r->part0 + t) : 0;
        w->ring_bits = ring_bits_for(w->limit, o->dry_run);
        w->ring_mask = (1ull << w->ring_bits) - 1;
        w->ring = calloc(1ull << w->ring_bits, sizeof(slot_t));
        if (w->ring == NULL)
            return -ENOMEM;
        char err[256];
        if (open_source(r, w, err, sizeof(err)) != 0)
            return fail_usage("%s%s", err, "");
    }
    return 0;
}

static void free_workers(run_t *r)
{
    for (uint32_t t = 0; r->w != NULL && t < r->n; t++) {
        worker_t *w = r->w[t];
        if (w == NULL)
            continue;
        kr_src_close(&w->src);
        pthread_mutex_destroy(&w->pub_mu);
        free(w->pub);
        free(w->ring);
        free(w);
    }
    free(r->w);
    r->w = NULL;
    for (uint32_t i = 0; i < r->map_cnt; i++)
        kr_cli_map_close(&r->maps[i]);
    r->map_cnt = 0;
    if (r->shared_used)
        kr_src_shared_close(&r->shared);
    r->shared_used = 0;
    free(r->payloads);
    r->payloads = NULL;
}

static void snapshot(const run_t *r, kr_cli_status_snap_t *s)
{
    memset(s, 0, sizeof(*s));
    s->t_ns = kr_cli_now_ns();
    for (uint32_t t = 0; t < r->n; t++) {
        worker_t *w = r->w[t];
        s->sent += atomic_load_explicit(&w->pub_sent, memory_order_relaxed);
        s->acked += atomic_load_explicit(&w->pub_acked, memory_order_relaxed);
        s->failed += atomic_load_explicit(&w->pub_failed, memory_order_relaxed);
        s->in_flight += atomic_load_explicit(&w->pub_in_flight, memory_order_relaxed);
        s->bytes += atomic_load_explicit(&w->pub_bytes, memory_order_relaxed);
        uint64_t p99 = atomic_load_explicit(&w->pub_p99_ns, memory_order_relaxed);
        if (p99 > s->p99_ns)
            s->p99_ns = p99;
    }
}

/* ---- the metrics thread ---- */

/* Renders /metrics: copies what the workers published, then formats. */
static void metrics_render(const char **body, size_t *len, void *ctx)
{
    run_t *r = ctx;
    kr_hist_init(&r->snap_lat);
    for (uint32_t t = 0; t < r->n; t++) {
        worker_t *w = r->w[t];
        pthread_mutex_lock(&w->pub_mu);
        memcpy(r->snap[t], w->pub, sizeof(*w->pub));
        kr_hist_merge(&r->snap_lat, &w->pub_lat);
        pthread_mutex_unlock(&w->pub_mu);
    }
    kr_cli_status_snap_t s;
    snapshot(r, &s);
    char inst[32];
    snprintf(inst, sizeof(inst), "%u/%u", r->o->instance, r->o->instances);
    kr_cli_metrics_in_t in = {.instance = r->o->instances > 1 ? inst : NULL,
                              .topic = r->o->topic,
                              .producers = r->n,
                              .sent = s.sent,
                              .acked = s.acked,
                              .failed = s.failed,
                              .in_flight = s.in_flight,
                              .bytes = s.bytes,
                              .latency = &r->snap_lat,
                              .pubs = (const kr_cli_pub_t *const *)r->snap,
                              .pub_cnt = r->n};
    kr_cli_metrics_render(&r->text, &in);
    *body = r->text.oom ? "# out of memory\n" : r->text.buf;
    *len = r->text.oom ? 16 : r->text.len;
}

/* Opens --stats-json and starts the --metrics-addr server. */
static int observe_start(run_t *r)
{
    const kr_cli_opts_t *o = r->o;
    pthread_mutex_init(&r->stats_mu, NULL);
    if (o->stats_json != NULL && (r->stats_file = fopen(o->stats_json, "a")) == NULL)
        return fail_usage("--stats-json: %s: %s", o->stats_json, strerror(errno));
    if (o->metrics_addr == NULL)
        return 0;
    r->snap = calloc(r->n, sizeof(*r->snap));
    for (uint32_t t = 0; r->snap != NULL && t < r->n; t++)
        if ((r->snap[t] = calloc(1, sizeof(kr_cli_pub_t))) == NULL)
            return KR_CLI_EXIT_FAIL;
    if (r->snap == NULL)
        return KR_CLI_EXIT_FAIL;
    char err[300];
    r->httpd = kr_cli_httpd_start(o->metrics_addr, metrics_render, r, err, sizeof(err));
    if (r->httpd == NULL)
        return fail_usage("--metrics-addr: %s%s", err, "");
    return 0;
}

/* Serves the final counts for --metrics-linger (Ctrl-C ends it), then stops. */
static void observe_stop(run_t *r)
{
    if (r->httpd != NULL) {
        int64_t until = kr_cli_now_ns() + r->o->metrics_linger_ns;
        int seen = atomic_load(&g_signals);
        while (kr_cli_now_ns() < until && atomic_load(&g_signals) == seen) {
            struct timespec ts = {0, 50000000};
            nanosleep(&ts, NULL);
        }
        kr_cli_httpd_stop(r->httpd);
        r->httpd = NULL;
    }
    for (uint32_t t = 0; r->snap != NULL && t < r->n; t++)
        free(r->snap[t]);
    free(r->snap);
    r->snap = NULL;
    kr_cli_text_free(&r->text);
    if (r->stats_file != NULL && fclose(r->stats_file) != 0)
        fprintf(stderr, "kring produce: --stats-json: %s\n", strerror(errno));
    r->stats_file = NULL;
    pthread_mutex_destroy(&r->stats_mu);
}

static int all_done(const run_t *r)
{
    for (uint32_t t = 0; t < r->n; t++) {
        if (!atomic_load(&r->w[t]->done))
            return 0;
    }
    return 1;
}

/* Reacts to Ctrl-C: the first stops sending and flushes, the second stops flushing. */
static void handle_signals(run_t *r, int *seen, int show)
{
    int n = atomic_load(&g_signals);
    if (n == *seen)
        return;
    *seen = n;
    atomic_store(&r->stop, 1);
    if (n >= 2) {
        atomic_store(&r->abandon, 1);
        return;
    }
    kr_cli_status_snap_t s;
    snapshot(r, &s);
    fprintf(stderr,
            "%skring produce: interrupted; flushing %llu records in flight "
            "(again to stop waiting)\n",
            show ? "\r\033[K" : "", (unsigned long long)s.in_flight);
}

/* The status line once a second while the workers run. */
static void watch(run_t *r)
{
    int show = !r->o->quiet && isatty(STDERR_FILENO);
    int seen = 0;
    kr_cli_status_snap_t prev, cur;
    snapshot(r, &prev);
    prev.t_ns = r->start_ns;
    int64_t next = r->start_ns + STATUS_NS;
    while (!all_done(r)) {
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
        handle_signals(r, &seen, show);
        int64_t now = kr_cli_now_ns();
        if (!show || now < next)
            continue;
        next += STATUS_NS * ((now - next) / STATUS_NS + 1);
        snapshot(r, &cur);
        char line[256];
        kr_cli_status_format(line, sizeof(line), &prev, &cur);
        fprintf(stderr, "\r\033[K%s", line);
        fflush(stderr);
        prev = cur;
    }
    if (show)
        fprintf(stderr, "\r\033[K");
}

static void cpu_times(double *user_s, double *sys_s)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    *sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Sums the workers into the report and prints why a run fell short. Returns 1 if any
 * worker hit a fatal condition. */
static int collect(run_t *r, kr_cli_report_t *rep, kr_hist_t *lat)
{
    int fatal = 0, unknown = 0;
    uint64_t bad = 0;
    int64_t end = r->start_ns;
    memset(rep, 0, sizeof(*rep));
    kr_hist_init(lat);
    for (uint32_t t = 0; t < r->n; t++) {
        worker_t *w = r->w[t];
        rep->records_sent += w->sent;
        rep->records_acked += w->acked;
        rep->records_failed += w->failed_dr + w->refused;
        rep->bytes += w->bytes_acked;
        kr_hist_merge(lat, &w->hist);
        kr_cli_errs_merge(&rep->errs, &w->errs);
        bad += w->bad_reports;
        unknown |= w->unknown_topic;
        if (w->end_ns > end)
            end = w->end_ns;
        if (rep->transport == NULL && w->transport[0] != '\0')
            rep->transport = w->transport;
        if (w->fatal) {
            if (!fatal)
                fprintf(stderr, "kring produce: %s\n", w->fatal_msg);
            fatal = 1;
        }
    }
    if (unknown)
        fprintf(stderr, "kring produce: topic '%s' does not exist (UNKNOWN_TOPIC_OR_PARTITION)\n",
                r->o->topic);
    if (bad != 0)
        fprintf(stderr, "kring produce: %llu delivery reports for no record in flight\n",
                (unsigned long long)bad);
    rep->wall_s = (double)(end - r->start_ns) / 1e9;
    rep->latency = lat;
    cpu_times(&rep->cpu_user_s, &rep->cpu_sys_s);
    return fatal || unknown || bad != 0;
}

static int start_threads(run_t *r, pthread_t *tids)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    uint32_t started = 0;
    int rc = 0;
    for (; started < r->n; started++) {
        rc = pthread_create(&tids[started], NULL, worker_main, r->w[started]);
        if (rc != 0)
            break;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        fprintf(stderr, "kring produce: pthread_create: %s\n", strerror(rc));
        exit(KR_CLI_EXIT_FAIL); /* the barriers cannot be met; nothing to flush yet */
    }
    return 0;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int finish(run_t *r, FILE *report_file)
{
    kr_cli_report_t rep;
    static kr_hist_t lat;
    int fatal = collect(r, &rep, &lat);
    if (fatal && rep.transport == NULL && !r->o->dry_run)
        return KR_CLI_EXIT_FAIL; /* no producer was created: the error says it all */
    kr_cli_report_text(stdout, &rep);
    fflush(stdout);
    if (report_file != NULL) {
        kr_cli_report_json(report_file, &rep);
        if (fclose(report_file) != 0)
            fprintf(stderr, "kring produce: --report-json: %s\n", strerror(errno));
    }
    int signals = atomic_load(&g_signals);
    if (signals > 0)
        return atomic_load(&g_signo) == SIGTERM ? KR_CLI_EXIT_SIGTERM : KR_CLI_EXIT_SIGINT;
    int code = kr_cli_report_exit(&rep);
    if (code == KR_CLI_EXIT_OK && fatal)
        code = KR_CLI_EXIT_FAIL;
    if (code != KR_CLI_EXIT_OK)
        fprintf(stderr, "kring produce: %llu of %llu records acknowledged, %llu failed\n",
                (unsigned long long)rep.records_acked, (unsigned long long)rep.records_sent,
                (unsigned long long)rep.records_failed);
    return code;
}

int kr_cli_produce(const kr_cli_opts_t *o)
{
    static run_t run;
    run_t *r = &run;
    memset(r, 0, sizeof(*r));
    r->o = o;
    r->n = o->threads;
    r->part0 = o->instance * o->threads;
    r->parts = o->instances * o->threads;
    int rc = check_conf(r);
    if (rc != 0)
        return rc;
    FILE *report_file = NULL;
    if (o->report_json != NULL && (report_file = fopen(o->report_json, "w")) == NULL)
        return fail_usage("--report-json: %s: %s", o->report_json, strerror(errno));
    rc = open_file(r);
    if (rc == 0)
        rc = make_workers(r);
    if (rc == 0)
        rc = observe_start(r);
    if (rc != 0) {
        observe_stop(r);
        free_workers(r);
        if (report_file != NULL)
            fclose(report_file);
        return rc > 0 ? rc : KR_CLI_EXIT_FAIL;
    }
    pthread_t *tids = calloc(r->n, sizeof(pthread_t));
    if (tids == NULL)
        return KR_CLI_EXIT_FAIL;
    pthread_barrier_init(&r->ready, NULL, r->n + 1);
    pthread_barrier_init(&r->go, NULL, r->n + 1);
    install_signals();
    r->show = !o->quiet && isatty(STDERR_FILENO);
    start_threads(r, tids);
    pthread_barrier_wait(&r->ready);
    r->start_ns = kr_cli_now_ns();
    pthread_barrier_wait(&r->go);
    watch(r);
    for (uint32_t t = 0; t < r->n; t++)
        pthread_join(tids[t], NULL);
    int code = finish(r, report_file);
    observe_stop(r);
    pthread_barrier_destroy(&r->ready);
    pthread_barrier_destroy(&r->go);
    free(tids);
    free_workers(r);
    return code;
}
