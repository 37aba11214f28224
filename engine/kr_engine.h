/*
 * The engine's internal model, shared by the engine's modules (not a public header).
 *
 *   producer ─ brokers[] ─ conn (socket, request ring, receive buffer)
 *            ─ topics[]  ─ partitions[] ─ open batch + queue of closed batches
 *            ─ batch slots (arena: raw records, compressed copy, opaques, ts deltas)
 *            ─ done queue (batches whose delivery reports are due)
 *
 * Batch slots, buffers and transport tables are allocated in kr_producer_new(); the
 * broker, topic and partition tables grow at metadata time (a broker or partition first
 * seen, a topic first produced to). The steady state allocates nothing.
 */
#ifndef KR_ENGINE_H
#define KR_ENGINE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "kr_batch.h"
#include "kr_conf.h"
#include "kr_auth.h"
#include "kr_backoff.h"
#include "kr_buf.h"
#include "kr_stats.h"
#include "kr_resolve.h"
#include "kr_transport.h"
#include "kring.h"

/* ---- limits ---- */
/* Brokers, topics and partitions have no compile-time limit: their tables grow when
 * metadata (or a first record for a new topic) asks, never per record. The sockets of one
 * producer are bounded by connections.max (kr_conf.h). */
#define KR_TOPIC_NAME_MAX 249
#define KR_REQ_PARTS_MAX 256         /* partitions in one Produce request */
#define KR_REQ_FRAME_MAX (24 * 1024) /* request bytes other than record batches */
#define KR_CONN_REQS_MAX 8           /* request slots per connection: in flight + control */
#define KR_CONN_IOV_MAX 1024
#define KR_CONN_RBUF                                                                               \
    (64 * 1024) /* receive buffer at first; grows to the largest
                                          response, up to receive.message.max.bytes */
#define KR_BATCH_RECORDS_MIN 64

typedef struct kr_producer kr_producer_t;
typedef struct kr_broker kr_broker_t;
typedef struct kr_topic kr_topic_t;
typedef struct kr_partition kr_partition_t;
typedef struct kr_batch kr_batch_t;

/* ---- batches ---- */

enum kr_batch_state {
    KR_BATCH_FREE,
    KR_BATCH_OPEN,
    KR_BATCH_QUEUED,
    KR_BATCH_INFLIGHT,
    KR_BATCH_DONE
};

struct kr_batch {
    kr_batch_t *next;
    kr_topic_t *topic;
    kr_partition_t *part; /* NULL while held for a topic without metadata */
    uint8_t state;
    bool jumbo;
    bool faulted_in; /* the slot's pages have been faulted in (at its first use) */
    uint8_t *mem;    /* the slot: the batch is built, and sent, from here */
    size_t mem_cap;
    kr_batch_builder_t bld;
    const uint8_t *wire; /* the closed batch: mem[0..wire_len) */
    size_t wire_len;
    void **opaques;    /* per record */
    int64_t *ts;       /* per record: timestamp (ms) */
    int32_t *req_part; /* per record, held slots only: the partition asked for */
    uint32_t cnt;
    uint32_t cap; /* records this slot holds at most */
    int64_t created_us;
    int64_t deadline_us; /* delivery.timeout.ms from creation */
    int64_t retry_at_us;
    uint64_t first_rec; /* index of its first record among its partition's records:
                              the order of the queue and of delivery reports */
    int32_t base_seq;   /* -1 until sequenced */
    int16_t epoch;
    int attempts;
    uint64_t user_bytes; /* key + value bytes of its records */
    /* outcome */
    int err; /* 0 or KR_E... */
    int16_t broker_err;
    int64_t base_offset;
    int64_t log_append_ms;
};

/* ---- topics and partitions ---- */

struct kr_partition {
    kr_topic_t *topic;
    int32_t id;
    int32_t leader; /* node id, -1 unknown */
    int32_t leader_epoch;
    kr_batch_t *open;
    kr_batch_t *q_head; /* closed batches, in sequence order */
    kr_batch_t *q_tail;
    int32_t inflight;      /* batches of this partition in flight */
    int32_t next_seq;      /* idempotence: next sequence to hand out */
    int32_t acked_seq;     /* idempotence: the sequence the broker expects next */
    bool acked_any;        /* idempotence: a batch was acked in this epoch */
    uint64_t rec_appended; /* records appended so far: the next batch's first_rec */
    uint64_t rec_reported; /* records whose batch has gone to the report queue */
    kr_batch_t *done_wait; /* finished ahead of an earlier batch, by first_rec */
    kr_partition_t *bnext; /* next partition with the same leader */
    kr_part_stats_t st;
    bool block_head; /* the first of a block allocated at once: frees the block */
};

enum kr_topic_state { KR_TOPIC_PENDING, KR_TOPIC_KNOWN, KR_TOPIC_FAILED };

struct kr_topic {
    char name[KR_TOPIC_NAME_MAX + 1];
    uint16_t name_len;
    uint8_t state;
    uint8_t id[16];
    int16_t error; /* last metadata error for this topic */
    int32_t part_cnt;
    kr_partition_t **parts; /* [part_cnt]: stable addresses, the table grows with the topic */
    int32_t sticky;         /* partition for unkeyed records, -1: choose */
    int64_t pending_since_us;
    kr_batch_t *held;     /* records produced before metadata arrived */
    uint32_t held_moved;  /* of those, already produced for real (or failed) */
    uint32_t held_failed; /* of those, failed: their entries sit at the slot's front */
    int held_err;
};

/* ---- connections ---- */

/* HANDSHAKE: ApiVersions; AUTH: SASL before READY; REAUTH: SASL again on a READY
 * connection (KIP-368), which takes no new requests meanwhile. */
enum kr_conn_state {
    KR_CONN_DOWN,
    KR_CONN_CONNECTING,
    KR_CONN_HANDSHAKE,
    KR_CONN_AUTH,
    KR_CONN_READY,
    KR_CONN_REAUTH,
    KR_CONN_CLOSING
};

enum kr_req_state { KR_REQ_FREE, KR_REQ_QUEUED, KR_REQ_SENDING, KR_REQ_SENT, KR_REQ_DONE };

typedef struct kr_req {
    uint8_t state;
    bool expects_response;
    bool describe; /* a Metadata request for kr_metadata_describe() */
    int16_t api_key;
    int16_t api_version;
    int32_t corr_id;
    int64_t sent_us;
    int64_t deadline_us;
    size_t len; /* total bytes, framing and batches */
    uint32_t iov_cnt;
    uint32_t batch_cnt;
    uint8_t frame[KR_REQ_FRAME_MAX];
    struct iovec iov[2 * KR_REQ_PARTS_MAX + 1];
    kr_batch_t *batches[KR_REQ_PARTS_MAX];
} kr_req_t;

typedef struct kr_conn {
    kr_sock_t sock; /* the transport's socket and its ops */
    uint8_t state;
    bool bootstrap;          /* a bootstrap address, not (yet) a known node */
    bool resolving;          /* CONNECTING: the host name is being looked up */
    bool tcp_connecting;     /* CONNECTING: the transport's connect runs */
    kr_resolve_t res;        /* the host's addresses, tried in turn */
    int16_t ver[5];          /* negotiated versions, by enum kr_api_index */
    int16_t apiversions_try; /* version of the ApiVersions request in flight */
    /* request ring, in correlation-id order */
    kr_req_t *reqs;    /* KR_CONN_REQS_MAX slots */
    uint32_t req_head; /* next slot to fill */
    uint32_t req_tail; /* oldest live request */
    uint32_t req_live;
    int32_t inflight_produce;
    /* the sendmsg in progress */
    struct msghdr msg;
    struct iovec iov[KR_CONN_IOV_MAX];
    uint32_t send_reqs; /* requests covered by the sendmsg in progress */
    bool send_zc;       /* ... sent zero-copy */
    /* receive */
    uint8_t *rbuf;
    size_t rbuf_cap;
    size_t rlen;
    int64_t connect_started_us;
    int64_t reconnect_at_us;
    kr_auth_t auth;       /* SASL, when security.protocol asks for it */
    int64_t reauth_at_us; /* when the SASL session must be renewed; 0: never */
    int failures;
    int last_err;
} kr_conn_t;

enum kr_api_index { KR_V_PRODUCE, KR_V_METADATA, KR_V_APIVERSIONS, KR_V_INITPID, KR_V_SASLAUTH };

struct kr_broker {
    int32_t node_id; /* -1 for a bootstrap entry */
    char host[256];
    int port;
    bool in_use;
    kr_conn_t conn;
    kr_partition_t *parts; /* partitions this broker leads (bnext chain) */
    int64_t rtt_us_sum;
    int64_t rtt_us_max;
    int64_t rtt_cnt;
    int64_t requests;
    kr_rtt_hist_t rtt_hist; /* since the last statistics document */
    uint64_t connects;      /* connection attempts */
    uint64_t bytes_out;
    uint64_t bytes_in;
    uint64_t throttle_ms;
};

/* ---- the producer ---- */

struct kr_conn_events;

enum kr_describe_state {
    KR_DESCRIBE_IDLE,
    KR_DESCRIBE_WANTED,
    KR_DESCRIBE_INFLIGHT,
    KR_DESCRIBE_DONE
};

struct kr_producer {
    kr_conf_t conf;
    bool idempotent;
    kr_transport_t tr;
    const struct kr_conn_events *conn_events; /* how connections report to the producer */
    int64_t now_us;

    kr_broker_t **brokers; /* [broker_cnt] of broker_cap: stable addresses */
    int32_t broker_cnt;
    int32_t broker_cap;
    int32_t bootstrap_cnt;  /* brokers[0..bootstrap_cnt) are the bootstrap list */
    int32_t conn_cnt;       /* brokers whose connection memory is set up */
    bool conn_limit_logged; /* connections.max was reached and said so */

    kr_topic_t **topics; /* [topic_cnt] of topic_cap: stable addresses */
    int32_t topic_cnt;
    int32_t topic_cap;
    kr_topic_t *last_topic;      /* the topic of the last kr_produce() ... */
    const char *last_topic_name; /* ... and the caller's string it was named by */
    int32_t part_used;           /* partitions over all topics */

    /* batch slots */
    void *arena;
    size_t arena_len;
    kr_batch_t *slots;
    uint32_t slot_cnt;
    kr_batch_t *free_slots;
    uint32_t slots_free;
    kr_batch_t jumbo; /* the one slot for records larger than a batch */
    kr_lz4_ws_t *lz4;
    void *lz4_mem;
    uint8_t *lz4_dst; /* compression scratch, copied back over the slot */
    size_t lz4_dst_cap;
    uint8_t *split_dst; /* a batch's records, decompressed, while it is split */
    size_t split_dst_cap;
    uint64_t outstanding; /* records accepted and not yet reported */

    /* delivery reports due */
    kr_batch_t *done_head;
    kr_batch_t *done_tail;

    /* metadata */
    struct kr_meta_scratch *meta_scratch;
    uint8_t *meta_frame; /* the Metadata request naming every topic, built here */
    size_t meta_frame_cap;
    struct kr_sender_scratch *sender_scratch;
    int64_t metadata_at_us;   /* next refresh */
    int64_t metadata_sent_us; /* last request sent */
    bool metadata_inflight;
    bool metadata_wanted;

    /* kr_metadata_describe() */
    struct {
        kr_metadata_cb_t *cb;
        void *ctx;
        const char *topic;
        uint8_t state; /* enum kr_describe_state */
        int rc;
    } describe;

    /* idempotence */
    int64_t producer_id;
    int16_t producer_epoch;
    bool pid_inflight;
    bool pid_wanted;
    int64_t pid_retry_at_us; /* InitProducerId backoff after a retriable error */
    int pid_attempts;
    int fatal_err;
    bool closing; /* kr_producer_close: failed requests are not retried */

    int32_t corr_next;
    uint64_t rand_state;
    kr_stats_t stats;
    int64_t stats_next_us; /* when the next statistics document is due */
    char *stats_doc;       /* its text (kr_stats.c) */
    size_t stats_doc_cap;
};

/* Backoff before retry number `attempt` (1-based): retry.backoff.ms up to .max.ms. */
static inline int64_t kr_retry_backoff_us(kr_producer_t *p, int attempt)
{
    return kr_backoff_us(&p->rand_state, p->conf.retry_backoff_ms, p->conf.retry_backoff_max_ms,
                         attempt);
}

/* ---- the engine's log (kr_log.c) ---- */

/* One line at `level` (kring.h's KR_LOG_...): to the log callback, or stderr. */
void kr_log(const kr_producer_t *p, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Debug lines (conf "debug"): connection and request events. */
#define KR_DBG(p, ...)                                                                             \
    do {                                                                                           \
        if ((p)->conf.debug[0] != '\0')                                                            \
            kr_log((p), KR_LOG_DEBUG, __VA_ARGS__);                                                \
    } while (0)

#endif
