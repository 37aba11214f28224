/*
 * The io_uring loop: one ring per producer, confined to its thread.
 *
 * Every in-flight SQE belongs to exactly one kr_op_t owned by the caller (a connection
 * keeps one op per kind); user_data is the op's pointer. An op is `busy` from the moment
 * it is queued until its last CQE is drained. A zero-copy send has two CQEs, the result
 * and the notification that the kernel let go of the buffers: kr_io holds the result and
 * hands it on with the notification, so the caller sees one completion, after which its
 * buffers are free. kr_io counts the ops it has queued and asserts the count, so a lost
 * or doubled completion is caught.
 *
 * SQ full: kr_io submits what is queued and takes the freed slot; it never allocates.
 */
#ifndef KR_IO_H
#define KR_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <liburing.h>

enum kr_op_kind {
    KR_OP_CONNECT = 1,
    KR_OP_SEND,
    KR_OP_RECV,
    KR_OP_TIMEOUT,
    KR_OP_LINK_TIMEOUT, /* owned by kr_io: a connect's deadline */
    KR_OP_CANCEL,
};

typedef struct kr_op {
    uint8_t kind;
    bool busy;
    bool zc_notif_pending; /* a zero-copy send whose buffers are still pinned */
    int32_t zc_res;        /* its result, handed on with the notification */
    void *owner;
} kr_op_t;

/* One completion, as handed back to the loop. */
typedef struct kr_cqe {
    kr_op_t *op;
    int32_t res;
    uint32_t flags;
} kr_cqe_t;

/* Registered-file slots (one per connection at most). */
#define KR_IO_FILES 64
/* The provided buffer ring multishot receives fill: responses are small. */
#define KR_IO_BUFS 32
#define KR_IO_BUF_SIZE 16384

typedef struct kr_io {
    struct io_uring ring;
    uint32_t ops_queued; /* ops whose final CQE has not been drained */
    bool has_send_zc;
    bool has_files;      /* a registered-file table is set up */
    bool file_used[KR_IO_FILES];
    uint32_t zc_pending; /* zero-copy sends whose buffers the kernel still holds */
    bool has_bufring;    /* multishot receive into the provided buffer ring below */
    struct io_uring_buf_ring *br;
    uint8_t *bufs;       /* KR_IO_BUFS buffers of KR_IO_BUF_SIZE */
    kr_op_t link_timeout_op; /* shared: linked timeouts complete with -ECANCELED/-ETIME */
    struct __kernel_timespec connect_ts;
    struct __kernel_timespec wait_ts;
} kr_io_t;

/* Completions drained per call, at most. */
#define KR_IO_DRAIN_MAX 256

/*
 * Sets up a ring with `entries` SQEs. Returns 0, KR_ENOURING when the kernel has no
 * io_uring or forbids it (ENOSYS, EPERM), or another -errno.
 */
int kr_io_init(kr_io_t *io, unsigned entries);
void kr_io_exit(kr_io_t *io);

/*
 * Registers fd in the ring's file table: returns its slot, to pass as `file` to the ops
 * below (they then skip the per-op file lookup), or -1 when there is no table or no free
 * slot (the ops then use fd itself). kr_io_file_remove() frees the slot before fd closes.
 */
int kr_io_file_add(kr_io_t *io, int fd);
void kr_io_file_remove(kr_io_t *io, int file);

/*
 * Queues a connect of fd to addr, with a linked timeout of timeout_ms: the op completes
 * with -ECANCELED when the deadline passes first.
 */
void kr_io_connect(kr_io_t *io, kr_op_t *op, int fd, int file, const struct sockaddr *addr,
                   socklen_t addrlen, int timeout_ms);

/*
 * Queues a sendmsg; zero-copy (SENDMSG_ZC) when `zc` and the kernel has it. A zero-copy
 * send's buffers stay pinned until op->zc_notif_pending clears (io->zc_pending counts
 * them): nothing they point to may be reused before.
 */
void kr_io_sendmsg(kr_io_t *io, kr_op_t *op, int fd, int file, const struct msghdr *msg,
                   bool zc);

/* Queues a recv into buf. */
void kr_io_recv(kr_io_t *io, kr_op_t *op, int fd, int file, void *buf, size_t len);

/*
 * Queues a multishot receive into the provided buffer ring (io->has_bufring): one CQE per
 * arrival, with IORING_CQE_F_MORE while it stays armed. A CQE's data is at
 * kr_io_buf(io, cqe) and must be consumed while the CQE is handled: the loop hands the
 * buffer back to the ring (kr_io_buf_put) right after.
 */
void kr_io_recv_multishot(kr_io_t *io, kr_op_t *op, int fd, int file);
const uint8_t *kr_io_buf(const kr_io_t *io, const kr_cqe_t *cqe);
void kr_io_buf_put(kr_io_t *io, const kr_cqe_t *cqe);

/* Asks the kernel to cancel every op on fd (their CQEs still arrive). */
void kr_io_cancel_fd(kr_io_t *io, kr_op_t *op, int fd, int file);

/*
 * Submits what is queued and waits until at least one completion is there or timeout_us
 * passes (0: no wait). Returns 0 or -errno (-ETIME and -EINTR are not errors: 0).
 */
int kr_io_wait(kr_io_t *io, int64_t timeout_us);

/*
 * Moves up to `max` completions into out and returns how many. A final CQE clears its
 * op's `busy`; CQEs of kr_io's own ops are consumed here and not returned.
 */
unsigned kr_io_drain(kr_io_t *io, kr_cqe_t *out, unsigned max);

#endif
