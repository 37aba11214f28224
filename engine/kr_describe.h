/*
 * kr_metadata_describe() inside the producer: the request goes out on the next loop turn
 * a connection can carry it (p->describe.state WANTED -> INFLIGHT), and the answer is
 * decoded into kring.h's kr_metadata_t and handed to the caller's callback (DONE). It
 * uses kr_meta's broker choice and request framing; kr_meta never calls it.
 */
#ifndef KR_DESCRIBE_H
#define KR_DESCRIBE_H

#include "kr_engine.h"

/* Sends the describe request once a connection can carry it. */
void kr_describe_tick(kr_producer_t *p);

/* The describe answer: decoded, turned into the public view, handed to the caller. */
void kr_describe_on_metadata(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, kr_rbuf_t *body);

/* The describe request will never be answered: it is asked again. */
void kr_describe_req_failed(kr_producer_t *p);

#endif
