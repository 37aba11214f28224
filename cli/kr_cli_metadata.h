/*
 * `kring metadata`: brokers, topics, partitions and leaders, like `kcat -L`.
 *
 * It needs a metadata call in the public API. Until engine/kring.h declares one (and
 * defines KR_HAVE_METADATA), the declarations proposed for it are below, and the CLI
 * references kr_metadata_describe() weakly: an engine without it links, and the command
 * says that the engine has no metadata call yet.
 */
#ifndef KR_CLI_METADATA_H
#define KR_CLI_METADATA_H

#include "kr_cli_opts.h"
#include "kring.h"

#ifndef KR_HAVE_METADATA
/* ---- proposed for kring.h: cluster metadata ---- */

typedef struct kr_metadata_broker {
    int32_t node_id;
    const char *host;
    int32_t port;
    const char *rack;       /* NULL when the broker has none */
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
 * meanwhile. Returns 0; KR_ETIMEDOUT when no broker answered in time; KR_EFATAL; -ENOMEM.
 */
int kr_metadata_describe(kr_producer_t *p, const char *topic, int timeout_ms,
                         kr_metadata_cb_t *cb, void *ctx);
#endif

/* Runs the command; returns the exit status. */
int kr_cli_metadata(const kr_cli_opts_t *o);

/* Writes md as kcat -L does (text) or as JSON; shared with tests. */
void kr_cli_metadata_print(FILE *f, const kr_metadata_t *md, const char *topic, int json);

#endif
