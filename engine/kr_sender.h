/*
 * The sender: turns ready batches into one Produce request per broker (every ready
 * partition the broker leads, one batch each), and applies Produce responses: success,
 * retry with backoff, re-routing after a metadata refresh, idempotent sequence recovery,
 * and final failures.
 */
#ifndef KR_SENDER_H
#define KR_SENDER_H

#include "kr_engine.h"

/* Sends Produce requests on every ready connection while there are ready batches. */
void kr_sender_tick(kr_producer_t *p);

void kr_sender_on_produce(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, kr_rbuf_t *body);
void kr_sender_req_failed(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, int err);
void kr_sender_req_sent(kr_producer_t *p, kr_broker_t *b, kr_req_t *r);

/* Bytes of room the producer allocates for building and decoding (p->sender_scratch). */
size_t kr_sender_scratch_size(void);

#endif
