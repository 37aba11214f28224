/*
 * The transport: what moves a connection's bytes, behind one small table of operations.
 *
 * The connection layer (kr_conn) asks for four kinds of operation on a socket (connect,
 * send, receive, cancel) and learns their outcome as completions, drained by the
 * producer's loop: the completion model of io_uring. Three transports implement it:
 *
 *   io_uring  (kr_uring.c)  the default and fast path: one ring per producer.
 *   poll      (kr_poll.c)   non-blocking sockets driven by epoll, with sendmsg and recv;
 *                           used where io_uring is refused (container seccomp profiles).
 *   sink      (kr_sink.c)   no socket at all: an in-memory broker that answers every
 *                           request at once; bench/ measures the per-core pipeline with it.
 *
 * Everything above the transport (connections, requests, metadata, idempotence, the
 * accumulator) is the same code on all three.
 *
 * Ops: every operation in progress belongs to exactly one kr_op_t, owned by its socket; an
 * op is `busy` from the moment it starts until its final completion is drained. The
 * transport counts busy ops (ops_queued) and asserts the count, so a lost or doubled
 * completion is caught. A transport never allocates after init.
 */
#ifndef KR_TRANSPORT_H
#define KR_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

enum kr_op_kind { KR_OP_CONNECT = 1, KR_OP_SEND, KR_OP_RECV, KR_OP_CANCEL };

typedef struct kr_sock kr_sock_t;

typedef struct kr_op {
    uint8_t kind;
    bool busy;
    bool pinned;      /* a zero-copy send: the kernel still holds its buffers */
    bool queued;      /* its final completion waits in a kr_cq_t (poll, sink) */
    int32_t held_res; /* a zero-copy send's result, handed on with its release */
    kr_sock_t *sock;
} kr_op_t;

/* One socket as the transport sees it; embedded in its connection. */
struct kr_sock {
    int fd;      /* -1 when closed (and always for the sink) */
    int slot;    /* the transport's own index for this socket, or -1 */
    void *owner; /* the connection's broker: completions find their way back */
    kr_op_t op_connect;
    kr_op_t op_send;
    kr_op_t op_recv;
    kr_op_t op_cancel;
    char err[200]; /* why the last op failed, where the transport can say more than
                         its code (a TLS alert, a certificate that does not verify); "" */
};

/*
 * One completion. res: bytes, 0 or -errno (-ECANCELED: cancelled, or a connect that ran
 * past its deadline; -EAGAIN on a receive: nothing arrived, arm it again). data: for a
 * receive whose bytes sit in the transport's own buffer, where they are (valid until the
 * completion is handed back with done()); NULL when they were written to the caller's.
 */
typedef struct kr_cqe {
    kr_op_t *op;
    int32_t res;
    uint32_t buf; /* the transport's buffer id, for done() */
    const uint8_t *data;
} kr_cqe_t;

/* Completions drained per call, at most. */
#define KR_TRANSPORT_DRAIN_MAX 256

typedef struct kr_transport kr_transport_t;

typedef struct kr_transport_ops {
    const char *name; /* "io_uring", "poll", "sink", "tls" */
    /* Creates the socket and starts connecting to addr, which `host` names (for TLS); the
     * connect completes with 0, -errno or -ECANCELED past timeout_ms, or a KR_E... code
     * with the reason in s->err. Returns 0 or -errno (nothing started). */
    int (*open)(kr_transport_t *t, kr_sock_t *s, const char *host, const struct sockaddr *addr,
                socklen_t addrlen, int timeout_ms);
    /* Starts a sendmsg of msg (which must stay valid until it completes); zero-copy when
     * zc and the transport can. Completes with the bytes sent (maybe fewer) or -errno. */
    void (*send)(kr_transport_t *t, kr_sock_t *s, const struct msghdr *msg, bool zc);
    /* Arms a receive into buf (or into the transport's own buffers: see kr_cqe_t). */
    void (*recv)(kr_transport_t *t, kr_sock_t *s, void *buf, size_t len);
    /* Cancels every busy op of s: each still completes (maybe with -ECANCELED). */
    void (*cancel)(kr_transport_t *t, kr_sock_t *s);
    /* Closes s once no op of it is busy or pinned. */
    void (*close)(kr_transport_t *t, kr_sock_t *s);
    /* Starts what is queued and waits up to timeout_us (0: not at all) for a completion.
     * Returns 0 or -errno. */
    int (*wait)(kr_transport_t *t, int64_t timeout_us);
    /* Moves up to max completions into out; returns how many. */
    unsigned (*drain)(kr_transport_t *t, kr_cqe_t *out, unsigned max);
    /* A completion has been handled: its receive buffer may be reused. */
    void (*done)(kr_transport_t *t, const kr_cqe_t *e);
    /* Frees everything; waits for what the kernel still holds. */
    void (*exit)(kr_transport_t *t);
} kr_transport_ops_t;

struct kr_transport {
    const kr_transport_ops_t *ops;
    void *impl;
    uint32_t ops_queued; /* ops whose final completion has not been drained */
    uint32_t socks_max;  /* sockets open at once, at most: connections.max */
    int sndbuf;          /* socket buffer sizes for open(), 0: the kernel's */
    int rcvbuf;
    char name[24];  /* what kring.h's kr_producer_transport() says: "io_uring",
                            "poll", "sink", or "io_uring+tls", "poll+tls" */
    char info[128]; /* the transport's features, for the debug log */
};

/* io.engine: which transport kr_producer_new() sets up. */
enum kr_io_engine { KR_IO_AUTO = 0, KR_IO_URING, KR_IO_POLL };

/* The implementations' set-up functions (the producer picks one: io.engine, or the sink
 * for kr_producer_new_sink()), for at most socks_max sockets open at once (their tables
 * are sized so at init). Each returns 0, KR_ENOURING (kr_uring_init: the kernel refuses
 * io_uring: ENOSYS, or EPERM from a seccomp profile) or -errno. */
int kr_uring_init(kr_transport_t *t, uint32_t socks_max);
int kr_poll_init(kr_transport_t *t, uint32_t socks_max);
int kr_sink_init(kr_transport_t *t, const char *topic, int32_t partitions, int16_t produce_version,
                 size_t request_max);

/* Partitions the sink's one topic may have at most. */
#define KR_SINK_PARTITIONS_MAX (1 << 20)

/* Bytes of requests a sink transport has taken (0 for the others). */
uint64_t kr_sink_bytes(const kr_transport_t *t);

/*
 * A queue of completions, for the transports that make their own (poll, sink, tls): room
 * for the connect, send and receive of every socket, which is all that can be busy at once.
 */
typedef struct kr_cq {
    kr_cqe_t *q;
    uint32_t cap;  /* 3 per socket */
    uint32_t head; /* next to drain */
    uint32_t tail; /* next free */
} kr_cq_t;

/* Allocates room for the completions of socks sockets. 0 or -ENOMEM. */
int kr_cq_init(kr_cq_t *cq, uint32_t socks);
void kr_cq_free(kr_cq_t *cq);
static inline bool kr_cq_full(const kr_cq_t *cq) { return cq->tail - cq->head >= cq->cap; }

/* Queues op's final completion (op busy, not queued yet). */
void kr_cq_push(kr_cq_t *cq, kr_op_t *op, int32_t res, const uint8_t *data);
/* Completes every op of s still waiting (connect, send, receive) with res (< 0). */
void kr_cq_fail_waiting(kr_cq_t *cq, kr_sock_t *s, int32_t res);
/* Moves up to max completions into out, ending their ops; returns how many. */
unsigned kr_cq_drain(kr_cq_t *cq, kr_transport_t *t, kr_cqe_t *out, unsigned max);
static inline bool kr_cq_empty(const kr_cq_t *cq) { return cq->head == cq->tail; }
/* True when op is busy and its result is still to come. */
static inline bool kr_op_waiting(const kr_op_t *op) { return op->busy && !op->queued; }

/* Shared by the socket transports: a non-blocking TCP socket for addr's family, with
 * TCP_NODELAY and the given buffer sizes (0: the kernel's). Returns the fd or -errno. */
int kr_transport_socket(const struct sockaddr *addr, int sndbuf, int rcvbuf);

/* Marks op busy and counts it; asserts it was idle. */
void kr_transport_op_start(kr_transport_t *t, kr_op_t *op);
/* The final completion of op: clears busy and the count. */
void kr_transport_op_end(kr_transport_t *t, kr_op_t *op);

/* True when op of s may be reused: not busy, buffers not pinned. */
static inline bool kr_sock_idle(const kr_sock_t *s)
{
    return !s->op_connect.busy && !s->op_send.busy && !s->op_recv.busy && !s->op_cancel.busy &&
           !s->op_send.pinned;
}

/* Sets up s's ops (kinds, back pointers); fd and slot -1. */
void kr_sock_init(kr_sock_t *s, void *owner);

#endif
