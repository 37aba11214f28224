/*
 * The record accumulator: batch slots carved from one arena at creation, one open batch
 * per partition, queues of closed batches, delivery timeouts, and the delivery reports.
 *
 * Slot life: FREE -> OPEN (records appended) -> QUEUED (closed: compressed, header and
 * CRC written) -> INFLIGHT (in a Produce request) -> QUEUED again on a retriable error,
 * or DONE (acknowledged or failed) -> reports served by kr_poll -> FREE.
 */
#ifndef KR_ACCUM_H
#define KR_ACCUM_H

#include "kr_engine.h"

/* Allocates the arena and carves the slots. -ENOMEM or KR_ECONFIG. */
int kr_accum_init(kr_producer_t *p, char *errstr, size_t errlen);
void kr_accum_free(kr_producer_t *p);

/* The hot path: copies rec into its partition's open batch. See kr_produce(). */
int kr_accum_append(kr_producer_t *p, kr_topic_t *t, const kr_record_t *rec);

/* Closes batches whose linger is over and fails those past delivery.timeout.ms. */
void kr_accum_tick(kr_producer_t *p);
/* The earliest linger or delivery deadline, or INT64_MAX. */
int64_t kr_accum_next_deadline(const kr_producer_t *p);
/* Closes every open batch now (flush). */
void kr_accum_close_all(kr_producer_t *p);
/* True when no record is held anywhere (nothing open, queued, in flight or reportable). */
bool kr_accum_empty(const kr_producer_t *p);

/* A topic's metadata arrived: moves its held records into partitions. */
void kr_accum_topic_known(kr_producer_t *p, kr_topic_t *t);
/* A topic does not exist: fails its held records. */
void kr_accum_topic_failed(kr_producer_t *p, kr_topic_t *t);
/* Fails every record not yet acknowledged (fatal error, close). */
void kr_accum_fail_all(kr_producer_t *p, int err, int16_t broker_err);

/* Fails batches still in flight (close, once their connections are gone). */
void kr_accum_fail_inflight(kr_producer_t *p, int err);

/* Idempotence: true when no batch is in flight (an epoch bump may proceed). */
bool kr_accum_pid_quiet(const kr_producer_t *p);
/* Idempotence: a new producer id or epoch; restamps queued batches from sequence 0. */
void kr_accum_pid_changed(kr_producer_t *p);

/* Moves b to the report queue with its outcome set. */
void kr_accum_done(kr_producer_t *p, kr_batch_t *b);
/* Puts an in-flight batch back at its place in its partition's queue for a retry. */
void kr_accum_requeue(kr_producer_t *p, kr_batch_t *b);
/*
 * MESSAGE_TOO_LARGE on a batch of several records: re-encodes it as two batches of half
 * the records each, queued in its place with its sequence range. Returns 0 (b is freed),
 * KR_EQUEUEFULL (no two free slots: the caller fails b) or a decode error.
 */
int kr_accum_split(kr_producer_t *p, kr_batch_t *b);

/* Calls the delivery callback for finished batches, up to max records; frees slots. */
int kr_accum_serve(kr_producer_t *p, int max);

#endif
