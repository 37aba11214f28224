/*
 * A scripted fake Kafka cluster, in-process, for the engine's state-machine tests.
 *
 * Each node is a real TCP listener on 127.0.0.1 (port 0: the kernel picks), served by
 * threads of its own: one accept thread for the cluster, one thread per connection that
 * reads a request frame, decodes it (proto's readers where proto has one, small request
 * decoders here where it has none) and answers with a response built by the encoders
 * here (kr_buf writers following the protocol JSON layouts).
 *
 * It speaks ApiVersions, Metadata, InitProducerId and Produce, at the versions the
 * configuration advertises. It keeps, per partition, a log of the record ids appended
 * (an id is the first 8 bytes of a record value, little-endian, see kr_fb_id_put) and,
 * per producer id, the sequence state a real broker keeps: the epoch, the next expected
 * sequence and the last 5 batches. A duplicate batch is answered with its first offset
 * (as brokers since 2.x do) or DUPLICATE_SEQUENCE_NUMBER (dup_error); a gap or a new
 * epoch not starting at 0 gets OUT_OF_ORDER_SEQUENCE_NUMBER; an old epoch
 * INVALID_PRODUCER_EPOCH; a higher epoch of a known id starting at 0 is taken (the
 * client-side bump of KIP-360). InitProducerId without a transactional id always hands
 * out a new producer id, as a real broker does. A node answers NOT_LEADER_OR_FOLLOWER
 * for partitions it does not lead, so moving a leader (kr_fb_set_leader) behaves like a
 * real failover.
 *
 * Scripting: per API key, a queue of actions. Each request takes the first action queued
 * for its API (and node, if the action names one); with none queued it is answered
 * normally. An action can answer normally, answer with partition errors (partitions in
 * any order), delay, never answer, dribble the response in pieces, send garbage, a
 * truncated frame then close, close, a wrong correlation id, or an oversize length.
 * A Produce request is applied to the log before the action acts on its response
 * (a lost response is the case that tests idempotence) unless the action says no_apply.
 * A scripted NOT_ENOUGH_REPLICAS_AFTER_APPEND (20) is answered after the batch is written,
 * as a broker does when the write is not replicated in time.
 *
 * Anything the fake finds wrong with what the engine sent (an unadvertised version, a
 * bad CRC, a request it cannot decode) is a violation: counted, the first one's text
 * kept (kr_fb_violation), and the connection is closed as a broker would.
 *
 * Threads: kr_fb_* functions may be called from any thread; state is under one mutex.
 * Memory: allocated by kr_fb_start and by the fake's own threads, never by the
 * thread that calls kr_fb_* after start (the allocation-count test relies on it).
 */
#ifndef KR_FAKEBROKER_H
#define KR_FAKEBROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KR_FB_NODES_MAX 4
#define KR_FB_TOPICS_MAX 8
#define KR_FB_PARTS_MAX 64 /* per topic */
#define KR_FB_PERR_MAX 16
#define KR_FB_JOURNAL_MAX 8192
#define KR_FB_PIDLOG_MAX 64

enum kr_fb_act_kind {
    KR_FB_ANSWER = 0,  /* answer normally (perr entries, if any, still apply) */
    KR_FB_DELAY,       /* sleep delay_ms, then answer */
    KR_FB_NO_ANSWER,   /* never answer; the connection goes mute (reads, answers nothing) */
    KR_FB_PIECES,      /* the response in pieces of `piece` bytes, pause_ms apart */
    KR_FB_GARBAGE,     /* right Size and correlation id, the body replaced by noise */
    KR_FB_GARBAGE_RAW, /* noise instead of the whole frame; then mute */
    KR_FB_TRUNCATE,    /* the first half of the frame, then close */
    KR_FB_CLOSE,       /* close the connection instead of answering */
    KR_FB_BAD_CORR,    /* the response with a wrong correlation id */
    KR_FB_OVERSIZE,    /* a Size of 0x7fffffff and a few bytes; then mute */
};

enum kr_fb_order {
    KR_FB_ORDER_ASKED = 0, /* topics and partitions in request order */
    KR_FB_ORDER_REVERSED,
    KR_FB_ORDER_SHUFFLED,
};

/*
 * A partition error to answer with. topic NULL: any topic; partition -1: every
 * partition (Produce, InitProducerId), or the topic itself (Metadata: a topic-level
 * error with no partitions). For Metadata, a partition error also reports no leader.
 */
/* A perr error that leaves the partition out of the Produce response (it is applied). */
#define KR_FB_OMIT INT16_MIN

typedef struct kr_fb_perr {
    const char *topic;
    int32_t partition;
    int16_t error;
} kr_fb_perr_t;

typedef struct kr_fb_action {
    int kind;      /* enum kr_fb_act_kind */
    int count;     /* requests it applies to: 0 or 1 once, n, or -1 forever */
    int node;      /* only on this node id; 0: any */
    int delay_ms;  /* KR_FB_DELAY */
    size_t piece;  /* KR_FB_PIECES: bytes per piece (0: 1) */
    int pause_ms;  /* KR_FB_PIECES: pause between pieces */
    bool no_apply; /* Produce: do not append to the log */
    int order;     /* Produce: enum kr_fb_order of the response */
    int perr_cnt;
    kr_fb_perr_t perr[KR_FB_PERR_MAX];
} kr_fb_action_t;

typedef struct kr_fb_topic_conf {
    const char *name;
    int32_t partitions;
} kr_fb_topic_conf_t;

typedef struct kr_fb_conf {
    int nodes; /* 1..KR_FB_NODES_MAX, ids 1..nodes */
    int topic_cnt;
    kr_fb_topic_conf_t topics[KR_FB_TOPICS_MAX];
    int16_t produce_max; /* versions advertised in ApiVersions */
    int16_t metadata_max;
    int16_t apiversions_max;
    int16_t initpid_max;
    bool dup_error;           /* duplicates get DUPLICATE_SEQUENCE_NUMBER, not their offset */
    bool strict_new_producer; /* an unknown producer id must start at sequence 0 */
    int32_t max_batch_bytes;  /* larger batches get MESSAGE_TOO_LARGE; 0: no limit */
    int16_t first_epoch;      /* the epoch InitProducerId hands out with a new id */
    size_t log_cap;           /* record ids kept per partition (counts go on past it) */
} kr_fb_conf_t;

/* One batch the fake saw in a Produce request, and what it answered for it. */
typedef struct kr_fb_batch {
    int node;
    int topic; /* index in the conf */
    int32_t partition;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t count;
    int16_t error;  /* what the response said for this partition */
    int64_t offset; /* base offset answered, -1 if none */
    bool appended;
} kr_fb_batch_t;

/* One InitProducerId exchange. */
typedef struct kr_fb_pid {
    int64_t req_id;
    int16_t req_epoch;
    int64_t resp_id;
    int16_t resp_epoch;
    int16_t error;
} kr_fb_pid_t;

typedef struct kr_fb kr_fb_t;

/* Defaults: 1 node, no topics, Produce v11, Metadata v12, ApiVersions v3, InitPid v5. */
void kr_fb_conf_defaults(kr_fb_conf_t *conf);
/* Adds a topic to conf. Returns its index. */
int kr_fb_conf_topic(kr_fb_conf_t *conf, const char *name, int32_t partitions);

/* Starts the cluster: listeners bound, threads running. NULL on failure (errno). */
kr_fb_t *kr_fb_start(const kr_fb_conf_t *conf);
/* Closes every listener and connection, joins the threads and frees everything. */
void kr_fb_stop(kr_fb_t *fb);

/* The port of node `node` (1..nodes). */
int kr_fb_port(const kr_fb_t *fb, int node);
/* "127.0.0.1:PORT" of node 1, for bootstrap.servers; static storage in fb. */
const char *kr_fb_bootstrap(const kr_fb_t *fb);

/* Queues an action for requests of api_key. */
void kr_fb_script(kr_fb_t *fb, int16_t api_key, const kr_fb_action_t *a);
/* Drops every queued action. */
void kr_fb_script_clear(kr_fb_t *fb);
/* Actions of api_key not yet used up. */
int kr_fb_script_left(kr_fb_t *fb, int16_t api_key);

/* Moves the leadership of a partition to node (1..nodes). */
void kr_fb_set_leader(kr_fb_t *fb, int topic, int32_t partition, int node);
/* Forgets every producer's sequence state, as a broker that lost it. */
void kr_fb_forget_producers(kr_fb_t *fb);
/* Grows topic's partition count to n (<= KR_FB_PARTS_MAX), as Kafka's CreatePartitions
 * does: the new partitions are empty, led round-robin, in the next Metadata answer. */
void kr_fb_add_partitions(kr_fb_t *fb, int topic, int32_t n);

/* ---- what happened ---- */

/* Requests of api_key received (on any node), and connections accepted by a node. */
int64_t kr_fb_requests(kr_fb_t *fb, int16_t api_key);
int64_t kr_fb_connections(kr_fb_t *fb, int node);
/* Records appended to a partition's log (its next offset). */
int64_t kr_fb_log_len(kr_fb_t *fb, int topic, int32_t partition);
/* The id of the record at offset, or UINT64_MAX (not kept, or out of range). */
uint64_t kr_fb_log_id(kr_fb_t *fb, int topic, int32_t partition, int64_t offset);
/* Batches seen so far (the journal keeps the first KR_FB_JOURNAL_MAX). */
int kr_fb_batches(kr_fb_t *fb, kr_fb_batch_t *out, int cap);
/* InitProducerId exchanges so far. */
int kr_fb_pids(kr_fb_t *fb, kr_fb_pid_t *out, int cap);
/* The Acks of the last Produce request, and batches answered as duplicates. */
int kr_fb_last_acks(kr_fb_t *fb);
int64_t kr_fb_duplicates(kr_fb_t *fb);
/* Violations so far; the first one's text is copied into buf. */
int kr_fb_violations(kr_fb_t *fb, char *buf, size_t len);

/* Writes id as the first 8 bytes of a value (little-endian). */
void kr_fb_id_put(uint8_t *value, uint64_t id);

/*
 * ---- the producer side: a harness the engine tests share ----
 *
 * A producer bootstrapped to a fake, with test-sized settings (request.timeout.ms 1000,
 * delivery.timeout.ms 10000, linger.ms 2, short backoffs, batch.size 16 KiB,
 * buffer.memory 4 MiB), and a delivery callback that stores each report by record id
 * (the opaque) without allocating.
 */
#include "kring.h"

typedef struct kr_fbh_dr {
    uint64_t id;
    int32_t partition;
    int64_t offset;
    int err;
    int16_t broker_error;
    char error_name[48];
} kr_fbh_dr_t;

typedef struct kr_fbh {
    kr_fb_t *fb;
    kr_producer_t *p;
    kr_fbh_dr_t *dr; /* dr_cap reports kept, in report order */
    size_t dr_cap;
    size_t dr_cnt; /* reports seen (may pass dr_cap) */
    uint64_t ok;   /* reports without error */
    uint64_t failed;
    char errstr[512]; /* kr_producer_new's message */
} kr_fbh_t;

/*
 * Opens a producer on fb with the harness settings, then `settings` (NULL-terminated
 * key, value pairs; may be NULL) on top. Returns kr_producer_new's result.
 */
int kr_fbh_open(kr_fbh_t *h, kr_fb_t *fb, size_t dr_cap, const char *const *settings);
/* As kr_fbh_open(), with a statistics callback (kr_conf_set_stats_cb) set as well. */
int kr_fbh_open_stats(kr_fbh_t *h, kr_fb_t *fb, size_t dr_cap, const char *const *settings,
                      kr_stats_cb_t *stats_cb, void *stats_ctx);
/* Closes the producer (kr_producer_close with timeout_ms) and frees the reports. */
void kr_fbh_close(kr_fbh_t *h, int timeout_ms);

/*
 * Produces a record whose value is value_len bytes (at least 8) starting with id, with
 * opaque id and a NULL key, waiting up to 5 s while the queue is full. Returns
 * kr_produce_wait's result.
 */
int kr_fbh_produce(kr_fbh_t *h, const char *topic, int32_t partition, uint64_t id,
                   size_t value_len);

/* The report of record id, or NULL (not reported, or not kept). Linear. */
const kr_fbh_dr_t *kr_fbh_report(const kr_fbh_t *h, uint64_t id);

/*
 * Checks exactly-once delivery of records 0..n-1 of topic (fake index topic, name
 * `name`): each reported once, without error, partitions in increasing id order,
 * offsets that the fake's log agrees with, and the fake's log of the topic holding
 * exactly those records, each once. Returns 0, or -1 with the first difference in msg.
 */
int kr_fbh_check_exact(kr_fbh_t *h, int topic, const char *name, uint64_t n, char *msg, size_t len);

/* Kills the process with a message if the test is not over in `seconds` (0: cancel). */
void kr_fbh_watchdog(unsigned seconds, const char *what);

/* Monotonic milliseconds. */
int64_t kr_fbh_now_ms(void);

#endif
