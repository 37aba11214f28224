/*
 * One connection to a broker, over the producer's transport (kr_transport.h).
 *
 * States: DOWN -> CONNECTING (non-blocking connect with a linked timeout) -> HANDSHAKE
 * (ApiVersions) -> READY -> CLOSING (ops cancelled; waits for their CQEs) -> DOWN, with
 * reconnect backoff. Requests live in a fixed ring of KR_CONN_REQS_MAX slots in
 * correlation-id order: a slot is filled (kr_conn_req_alloc), framed by the caller,
 * queued (kr_conn_req_queue), sent by one sendmsg that covers every queued request, and
 * retired when its response arrives (or, for acks=0, when its bytes are sent). Kafka
 * answers requests on one connection in order, so the oldest request that expects a
 * response owns the next response frame.
 *
 * The connection reports to the producer only through the kr_conn_events_t table the
 * producer installs (p->conn_events): it knows nothing of what requests mean. A failed
 * connection hands each live request back (failed) so its batches are retried; nothing is
 * lost silently.
 */
#ifndef KR_CONN_H
#define KR_CONN_H

#include "kr_engine.h"

typedef struct kr_conn_events {
    /* The connection finished its handshake and can carry requests. */
    void (*ready)(kr_producer_t *p, kr_broker_t *b);
    /* A response frame for r; body is positioned after the response header. */
    void (*response)(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, kr_rbuf_t *body);
    /* r will never be answered (connection lost, timed out, malformed response). */
    void (*failed)(kr_producer_t *p, kr_broker_t *b, kr_req_t *r, int err);
    /* r expects no response and its bytes are all sent (acks=0 Produce). */
    void (*sent)(kr_producer_t *p, kr_broker_t *b, kr_req_t *r);
    /* The connection failed in a way retrying cannot mend: TLS (KR_ETLS) or SASL
     * (KR_EAUTH) refused; why says how. */
    void (*refused)(kr_producer_t *p, kr_broker_t *b, int err, const char *why);
} kr_conn_events_t;

/*
 * Sets up an idle connection; `owner` is stored in its socket so completions find their
 * broker. Its memory (request slots, receive buffer) comes with its first connect, for at
 * most connections.max brokers of the producer.
 */
void kr_conn_init(kr_conn_t *c, void *owner);
void kr_conn_free(kr_conn_t *c);

/*
 * Starts connecting: looks the host up (kr_resolve: off the producer's thread) unless
 * addresses of the last lookup are left, then connects to the next address. A connect
 * that fails moves on to the next address at once; once all were tried, the name is
 * looked up again after the reconnect backoff. The lookup and the connect share
 * socket.connection.setup.timeout.ms. Errors fail the connection with backoff.
 */
void kr_conn_start(kr_producer_t *p, kr_broker_t *b);

/* A free request slot on a READY connection, or NULL (not ready, every slot live). */
kr_req_t *kr_conn_req_alloc(kr_producer_t *p, kr_conn_t *c);

/* Queues a framed request (iov/len set) for sending and starts a send if none is running. */
void kr_conn_req_queue(kr_producer_t *p, kr_broker_t *b, kr_req_t *r);

/* Handles one completion for an op of this broker's connection. */
void kr_conn_on_cqe(kr_producer_t *p, kr_broker_t *b, const kr_cqe_t *cqe);

/* Timers: connect/request timeouts and reconnects due at p->now_us. */
void kr_conn_tick(kr_producer_t *p, kr_broker_t *b);

/* The earliest time this connection needs a tick, or INT64_MAX. */
int64_t kr_conn_next_deadline(const kr_producer_t *p, const kr_broker_t *b);

/* Fails the connection with err (a -errno or KR_E... code). */
void kr_conn_fail(kr_producer_t *p, kr_broker_t *b, int err);

/* Starts a graceful close (used by kr_producer_close). */
void kr_conn_shutdown(kr_producer_t *p, kr_broker_t *b);

static inline bool kr_conn_ready(const kr_conn_t *c) { return c->state == KR_CONN_READY; }

#endif
