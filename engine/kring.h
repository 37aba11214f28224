/*
 * kring: a Kafka producer that speaks the wire protocol itself over io_uring.
 *
 * The one header users (and the kring CLI) include.
 *
 * Threading: a producer is confined to one thread. kr_produce(), kr_poll(), kr_flush(),
 * kr_stats() and kr_producer_close() must all be called from the thread that created it;
 * the producer's I/O runs inside those calls (there is no background thread). For more
 * cores run one producer per core (shared-nothing). See docs/ENGINE.md.
 *
 * Errors: functions return 0 or a negative code; kr_strerror() names it. Codes are
 * -errno for operating-system failures and KR_E... values (kr_error.h) otherwise. A
 * broker's error is a Kafka ErrorCode carried as data (broker_error, error below); kr_kerr.h
 * names them (KR_KERR_NOT_LEADER_OR_FOLLOWER, kr_kerr_name(), kr_kerr_retriable()).
 */
#ifndef KRING_H
#define KRING_H

#include <stddef.h>
#include <stdint.h>

#include "kr_error.h"
#include "kr_kerr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kr_conf kr_conf_t;
typedef struct kr_producer kr_producer_t;

/* Partition value meaning "let the partitioner choose". */
#define KR_PARTITION_ANY (-1)

/* Timestamp value meaning "now, at produce time". */
#define KR_TIMESTAMP_NOW (-1)

/* ---- configuration ---- */

/* A new configuration with every setting at its default. NULL on out-of-memory. */
kr_conf_t *kr_conf_new(void);

/*
 * Sets one setting by its Java/librdkafka name (bootstrap.servers, acks, linger.ms, ...;
 * docs/CONFIG.md lists them). An unknown key or a bad value returns KR_ECONFIG and
 * writes a message naming it into errstr (always NUL-terminated when errlen > 0).
 */
int kr_conf_set(kr_conf_t *conf, const char *key, const char *value, char *errstr, size_t errlen);

/* Writes the current value of key into buf; KR_ECONFIG for an unknown key. */
int kr_conf_get(const kr_conf_t *conf, const char *key, char *buf, size_t buflen);

void kr_conf_destroy(kr_conf_t *conf);

/* ---- delivery reports ---- */

typedef struct kr_header {
    const char *key;
    size_t key_len;
    const void *value; /* NULL for a null header value */
    size_t value_len;
} kr_header_t;

typedef struct kr_delivery {
    const char *topic;
    int32_t partition;
    int64_t offset;         /* -1 when not acknowledged with an offset (acks=0, or err != 0) */
    int64_t timestamp;      /* the record's timestamp (ms), or the broker's log append time */
    int err;                /* 0, or a KR_E... code; KR_EBROKER means broker_error is set */
    int16_t broker_error;   /* Kafka error code, 0 if none */
    const char *error_name; /* "NOT_LEADER_OR_FOLLOWER", "KR_ETIMEDOUT", ...; NULL if ok */
    void *opaque;           /* what the caller passed to kr_produce() */
} kr_delivery_t;

/*
 * Called from kr_poll()/kr_flush()/kr_producer_close() once per record, in order per
 * partition. The struct and its strings are valid only during the call.
 */
typedef void kr_delivery_cb_t(const kr_delivery_t *d, void *ctx);

void kr_conf_set_delivery_cb(kr_conf_t *conf, kr_delivery_cb_t *cb, void *ctx);

/*
 * The reports of one batch in one call: records of one partition, in order, with one
 * outcome. Record i's offset is base_offset + i (both -1 when there is none: acks=0, or
 * err != 0), its timestamp timestamps[i], or log_append_time when the topic stamps
 * records itself. For a caller that keeps per-record state, the array of opaques lets it
 * fetch that state ahead instead of one record at a time. The struct and its arrays are
 * valid only during the call.
 */
typedef struct kr_delivery_batch {
    const char *topic;
    int32_t partition;
    int64_t base_offset;
    int64_t log_append_time; /* ms, or -1: each record keeps its own timestamp */
    int err;                 /* as kr_delivery_t, for every record of the batch */
    int16_t broker_error;
    const char *error_name;
    size_t cnt;
    void *const *opaques;      /* what the caller passed to kr_produce(), record by record */
    const int64_t *timestamps; /* the records' timestamps (ms) */
} kr_delivery_batch_t;

typedef void kr_delivery_batch_cb_t(const kr_delivery_batch_t *db, void *ctx);

/* Reports batch by batch instead of record by record: setting one kind clears the other. */
void kr_conf_set_delivery_batch_cb(kr_conf_t *conf, kr_delivery_batch_cb_t *cb, void *ctx);

/* ---- OAUTHBEARER tokens (sasl.mechanism=OAUTHBEARER) ---- */

/*
 * Called from the producer's thread whenever a connection authenticates (and again before
 * a session ends, KIP-368). Writes the bearer token (a JWT, as the broker's validator
 * expects it) into token (at most token_cap bytes, NUL-terminated), its lifetime in
 * *lifetime_ms (0 if unknown), and returns 0; or returns non-zero and writes a reason
 * into errstr, which fails the connection's authentication. The token is a secret: kring
 * never logs it.
 */
typedef int kr_oauthbearer_cb_t(char *token, size_t token_cap, int64_t *lifetime_ms, char *errstr,
                                size_t errlen, void *ctx);

void kr_conf_set_oauthbearer_cb(kr_conf_t *conf, kr_oauthbearer_cb_t *cb, void *ctx);

/* ---- logs ---- */

/* Levels, as syslog numbers them (librdkafka's convention). */
enum kr_log_level {
    KR_LOG_ERR = 3,
    KR_LOG_WARNING = 4,
    KR_LOG_NOTICE = 5,
    KR_LOG_INFO = 6,
    KR_LOG_DEBUG = 7
};

/*
 * Called with one line (no newline) from the producer's thread: warnings (such as the
 * fallback to the poll transport) and, with the setting debug=all, connection and request
 * events. Without a callback, warnings and debug lines go to stderr. Secrets (passwords,
 * keys, tokens) never appear in a log line.
 */
typedef void kr_log_cb_t(int level, const char *line, void *ctx);

void kr_conf_set_log_cb(kr_conf_t *conf, kr_log_cb_t *cb, void *ctx);

/* ---- producer ---- */

/*
 * Creates a producer: validates the configuration (the conf is copied; the caller keeps
 * ownership of it), allocates every arena and buffer up front, sets up the transport
 * (io.engine: io_uring, or poll where io_uring is refused, with a warning in the log) and
 * starts connecting to the bootstrap brokers. Returns 0 and sets *out, or KR_ECONFIG,
 * KR_ENOURING (io.engine=io_uring and no io_uring here), -ENOMEM; errstr gets a message.
 */
int kr_producer_new(kr_producer_t **out, const kr_conf_t *conf, char *errstr, size_t errlen);

/* The transport the producer runs on: "io_uring" or "poll", with "+tls" for SSL and
 * SASL_SSL ("sink" in benchmarks). */
const char *kr_producer_transport(const kr_producer_t *p);

/* Headers one record may carry at most. */
#define KR_HEADERS_MAX 64

typedef struct kr_record {
    const char *topic;
    int32_t partition; /* or KR_PARTITION_ANY */
    const void *key;   /* NULL for a null key */
    size_t key_len;
    const void *value; /* NULL for a null value */
    size_t value_len;
    const kr_header_t *headers;
    size_t header_cnt;
    int64_t timestamp_ms; /* or KR_TIMESTAMP_NOW */
    void *opaque;         /* handed back in the delivery report */
} kr_record_t;

/*
 * Copies the record into the producer's memory and queues it. Never blocks. Returns 0;
 * KR_EQUEUEFULL when buffer.memory is used up (call kr_poll() and retry); KR_ETOOLARGE
 * when the record can never fit a request (max.request.size); KR_ERANGE for more than
 * KR_HEADERS_MAX headers or a header without a key; KR_EUNKNOWNPART for a
 * partition the topic does not have; KR_EUNKNOWNTOPIC for a name Kafka never allows, or
 * a new topic beyond the 64 one producer tracks; KR_EFATAL once the producer has failed
 * fatally.
 * An unknown topic is not an error here: its records fail in their delivery reports
 * with UNKNOWN_TOPIC_OR_PARTITION, once topic.metadata.propagation.max.ms has passed
 * without the topic appearing (and at once for a topic already found missing).
 */
int kr_produce(kr_producer_t *p, const kr_record_t *rec);

/* As kr_produce(), but on KR_EQUEUEFULL drives I/O and retries for up to timeout_ms. */
int kr_produce_wait(kr_producer_t *p, const kr_record_t *rec, int timeout_ms);

/*
 * Drives I/O: sends ready batches, reads responses, handles retries and timeouts and
 * calls the delivery callback. Waits up to timeout_ms (0: do not wait, -1: until
 * something happens) for progress. Returns the number of delivery reports served, or a
 * negative error.
 */
int kr_poll(kr_producer_t *p, int timeout_ms);

/*
 * Sends everything queued now (as if linger were over) and waits until every record has
 * its delivery report, or timeout_ms passes (-1: no limit). Returns 0 or KR_ETIMEDOUT.
 */
int kr_flush(kr_producer_t *p, int timeout_ms);

/*
 * Flushes for up to timeout_ms, fails what is still queued with KR_ETIMEDOUT (reported to
 * the delivery callback), closes the connections and frees everything. p is invalid after.
 */
void kr_producer_close(kr_producer_t *p, int timeout_ms);

/* ---- cluster metadata ---- */

#define KR_HAVE_METADATA 1

typedef struct kr_metadata_broker {
    int32_t node_id;
    const char *host;
    int32_t port;
    const char *rack; /* NULL when the broker has none */
} kr_metadata_broker_t;

typedef struct kr_metadata_partition {
    int32_t id;
    int32_t leader;         /* node id; -1 when there is none */
    int16_t error;          /* Kafka error code, 0 if none */
    const char *error_name; /* "LEADER_NOT_AVAILABLE", ...; NULL when error is 0 */
    int32_t replica_cnt;
    const int32_t *replicas;
    int32_t isr_cnt;
    const int32_t *isrs;
} kr_metadata_partition_t;

typedef struct kr_metadata_topic {
    const char *name;
    int16_t error;
    const char *error_name; /* NULL when error is 0 */
    int32_t partition_cnt;
    const kr_metadata_partition_t *partitions;
} kr_metadata_topic_t;

typedef struct kr_metadata {
    int32_t orig_node_id;   /* the broker that answered; -1 for a bootstrap address */
    const char *cluster_id; /* NULL when the broker does not say */
    int32_t controller_id;  /* -1 when unknown */
    int32_t broker_cnt;
    const kr_metadata_broker_t *brokers;
    int32_t topic_cnt;
    const kr_metadata_topic_t *topics;
} kr_metadata_t;

typedef void kr_metadata_cb_t(const kr_metadata_t *md, void *ctx);

/*
 * Asks a broker for metadata: of every topic when topic is NULL, else of that one only.
 * Drives I/O like kr_flush() until the answer is in or timeout_ms passes, then calls cb
 * once on this thread; what cb sees is valid only during the call. Records keep flowing
 * meanwhile. Returns 0; KR_ETIMEDOUT when no broker answered in time; KR_EFATAL;
 * -ENOMEM.
 */
int kr_metadata_describe(kr_producer_t *p, const char *topic, int timeout_ms, kr_metadata_cb_t *cb,
                         void *ctx);

/* ---- statistics ---- */

/*
 * Round-trip percentiles (rtt_us_p50, rtt_us_p99) cover the responses since the last
 * statistics document (since the start when statistics.interval.ms is 0), read from a
 * fixed histogram whose buckets are at most 1/8 of their value wide. Counters count from
 * the producer's start. Fields after the first six were added later: callers that set
 * only the first six keep working.
 */
typedef struct kr_broker_stats {
    int32_t node_id;
    int64_t rtt_us_avg; /* produce round trips, mean */
    int64_t rtt_us_max;
    int64_t requests;
    int32_t in_flight;
    int connected;
    char host[256];
    int32_t port;
    int64_t rtt_us_p50;
    int64_t rtt_us_p99;
    int64_t rtt_us_sum;   /* every response's round trip, summed */
    int64_t responses;    /* round trips measured */
    uint64_t reconnects;  /* connection attempts after the first */
    uint64_t bytes_out;   /* request bytes queued on the connection */
    uint64_t bytes_in;    /* response bytes received */
    uint64_t throttle_ms; /* ThrottleTimeMs of every Produce response, summed */
} kr_broker_stats_t;

#define KR_STATS_BROKERS_MAX 16

typedef struct kr_stats {
    uint64_t records_queued; /* accepted by kr_produce() */
    uint64_t bytes_queued;   /* key + value + header bytes accepted */
    uint64_t records_sent;   /* handed to a socket at least once */
    uint64_t bytes_sent;     /* wire bytes written */
    uint64_t records_acked;
    uint64_t records_failed;
    uint64_t retries; /* batches resent */
    uint64_t requests_sent;
    uint64_t metadata_refreshes;
    int32_t requests_in_flight;
    uint64_t buffer_bytes_used;
    uint64_t buffer_bytes_max;
    int32_t broker_cnt;
    kr_broker_stats_t brokers[KR_STATS_BROKERS_MAX];
    /* added with the statistics document */
    uint64_t records_in_flight; /* in Produce requests without an answer yet */
    uint64_t bytes_acked;       /* key + value bytes of acknowledged records */
    uint64_t batches_sealed;    /* record batches closed for sending */
    uint64_t batch_bytes_raw;   /* their size before compression, summed */
    uint64_t batch_bytes_wire;  /* their size on the wire, summed */
    double batch_fill;          /* batch_bytes_raw / (batches_sealed * batch.size) */
    double compression_ratio;   /* batch_bytes_raw / batch_bytes_wire; 1 without codec */
    uint64_t epoch_bumps;       /* idempotence: producer epochs bumped after the first id */
    int64_t producer_id;        /* -1 until known, or without idempotence */
    int16_t producer_epoch;
    int32_t partition_cnt;    /* partitions known: kr_stats_partitions() lists them */
    uint64_t stats_documents; /* statistics documents delivered */
} kr_stats_t;

/* A snapshot of the producer's counters and gauges. From the producer's thread. */
void kr_stats(const kr_producer_t *p, kr_stats_t *out);

/* Error codes kept per partition; later codes go to errors_other. */
#define KR_STATS_ERRCODES_MAX 6

typedef struct kr_partition_stats {
    const char *topic; /* valid until the producer is closed */
    int32_t partition;
    int32_t leader; /* node id; -1 when unknown */
    uint64_t records_acked;
    uint64_t bytes_acked; /* key + value bytes */
    uint64_t records_failed;
    uint64_t batches_acked;
    uint64_t retries;    /* batches resent */
    int64_t producer_id; /* the producer's, -1 without idempotence */
    int16_t producer_epoch;
    int32_t error_cnt; /* entries used in errors[] */
    struct {
        int32_t code;     /* a Kafka error code (>= -1), or a kring code (KR_E..., -errno) */
        const char *name; /* "NOT_LEADER_OR_FOLLOWER", "KR_ETRANSPORT", ... */
        uint64_t count;   /* batches that got this error, retried or not */
    } errors[KR_STATS_ERRCODES_MAX];
    uint64_t errors_other; /* batches with errors of further codes */
} kr_partition_stats_t;

/*
 * Fills out[0..cap) with the partitions the producer knows, topic by topic; returns how
 * many there are (more than cap when out was too short). From the producer's thread.
 */
int32_t kr_stats_partitions(const kr_producer_t *p, kr_partition_stats_t *out, int32_t cap);

/*
 * Called every statistics.interval.ms (0, the default, never) from inside kr_poll() and
 * kr_flush() with a JSON document of every statistic above (docs/OBSERVABILITY.md lists
 * its fields): one object, no newline, json[len] == '\0'. The text is valid only during
 * the call.
 */
typedef void kr_stats_cb_t(const char *json, size_t len, void *ctx);

void kr_conf_set_stats_cb(kr_conf_t *conf, kr_stats_cb_t *cb, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
