/*
 * Cluster metadata inside the producer: the broker table, the topic table, Metadata
 * requests and responses, and InitProducerId for idempotence.
 */
#ifndef KR_META_H
#define KR_META_H

#include "kr_engine.h"

/* Parses bootstrap.servers into brokers[0..bootstrap_cnt). KR_ECONFIG on a bad entry. */
int kr_meta_bootstrap(kr_producer_t *p, char *errstr, size_t errlen);

/* The broker with node_id, or NULL. */
kr_broker_t *kr_meta_broker(kr_producer_t *p, int32_t node_id);

/*
 * The topic named name, created PENDING (and a metadata refresh wanted) on first use (the
 * table grows then). NULL when the name is not a valid topic name or memory ran out.
 */
kr_topic_t *kr_meta_topic(kr_producer_t *p, const char *name);

/* Sends a Metadata request if one is due or wanted and a connection can carry it. */
void kr_meta_tick(kr_producer_t *p);

/* Sends InitProducerId if the producer needs an id or an epoch bump. */
void kr_meta_pid_tick(kr_producer_t *p);

/* A ready connection with a free request slot, preferring the least busy; NULL if none
 * (then the bootstrap brokers are put back in use). */
kr_broker_t *kr_meta_pick_broker(kr_producer_t *p);

/* Writes a request body of `version`. */
typedef int kr_meta_write_t(kr_wbuf_t *w, int16_t version, const void *body);
kr_meta_write_t kr_meta_write_metadata;

/*
 * Frames a request of api_key/version whose body `write` fills and queues it on b. A
 * describe request is marked so its answer goes to kr_metadata_describe()'s caller.
 * Returns 0 or KR_ESTATE (no free request slot).
 */
int kr_meta_send(kr_producer_t *p, kr_broker_t *b, int16_t api_key, int16_t version,
                 kr_meta_write_t *write, const void *body, bool describe);

/* Response handlers (called by the producer's dispatcher). */
void kr_meta_on_metadata(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, kr_rbuf_t *body);
void kr_meta_on_initpid(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, kr_rbuf_t *body);

/* Sets up the metadata decoding room (p->meta_scratch). 0 or -ENOMEM. */
int kr_meta_init(kr_producer_t *p);
/* Frees the broker, topic and partition tables and the decoding room. */
void kr_meta_free(kr_producer_t *p);

/* A Metadata or InitProducerId request of the producer's own will never be answered. */
void kr_meta_req_failed(kr_producer_t *p, kr_req_t *r);

/* Asks for a metadata refresh now, or retry.backoff.ms after the last one. */
void kr_meta_want(kr_producer_t *p);

#endif
