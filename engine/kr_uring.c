/*
 * The io_uring transport: one ring per producer, confined to its thread. The only file
 * that calls liburing.
 *
 * user_data of each SQE is its kr_op_t. A zero-copy send has two CQEs, the result and the
 * notification that the kernel let go of the buffers: the result is held (op->held_res)
 * and handed on with the notification, so the connection sees one completion, after which
 * its buffers are free. Receives are multishot into a provided buffer ring where the kernel
 * has one, plain recv into the connection's buffer elsewhere. Sockets sit in the ring's
 * registered-file table where there is room, so ops skip the per-op file lookup. SQ full:
 * submit and take the freed slot; never allocate.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <liburing.h>

#include "kr_error.h"
#include "kr_transport.h"

#define URING_ENTRIES 512
/* The provided buffer ring multishot receives fill: responses are small. */
#define URING_BUFS 32
#define URING_BUF_SIZE 16384

typedef struct uring {
    struct io_uring ring;
    bool has_send_zc;
    bool has_files;  /* a registered-file table is set up */
    bool *file_used; /* [files]: one registered-file slot per connection */
    int files;
    uint32_t zc_pending; /* zero-copy sends whose buffers the kernel still holds */
    bool has_bufring;    /* multishot receive into the provided buffer ring below */
    struct io_uring_buf_ring *br;
    uint8_t *bufs;           /* URING_BUFS buffers of URING_BUF_SIZE */
    kr_op_t link_timeout_op; /* shared: linked timeouts complete with -ECANCELED/-ETIME */
    struct __kernel_timespec connect_ts;
    struct __kernel_timespec wait_ts;
} uring_t;

static uring_t *U(kr_transport_t *t) { return t->impl; }

/* Sets up the provided buffer ring; without one (older kernels) receives stay plain. */
static void uring_bufring_init(uring_t *u)
{
    size_t ring_bytes = URING_BUFS * sizeof(struct io_uring_buf);
    size_t buf_bytes = (size_t)URING_BUFS * URING_BUF_SIZE;
    void *br = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *bufs = mmap(NULL, buf_bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof(reg));
    reg.ring_addr = (unsigned long)br;
    reg.ring_entries = URING_BUFS;
    reg.bgid = 0;
    if (br == MAP_FAILED || bufs == MAP_FAILED ||
        io_uring_register_buf_ring(&u->ring, &reg, 0) != 0) {
        if (br != MAP_FAILED)
            munmap(br, ring_bytes);
        if (bufs != MAP_FAILED)
            munmap(bufs, buf_bytes);
        return;
    }
    u->br = br;
    u->bufs = bufs;
    io_uring_buf_ring_init(u->br);
    for (int i = 0; i < URING_BUFS; i++)
        io_uring_buf_ring_add(u->br, u->bufs + (size_t)i * URING_BUF_SIZE, URING_BUF_SIZE,
                              (unsigned short)i, io_uring_buf_ring_mask(URING_BUFS), i);
    io_uring_buf_ring_advance(u->br, URING_BUFS);
    u->has_bufring = true;
}

static int uring_file_add(uring_t *u, int fd)
{
    if (!u->has_files)
        return -1;
    for (int i = 0; i < u->files; i++) {
        if (u->file_used[i])
            continue;
        if (io_uring_register_files_update(&u->ring, (unsigned)i, &fd, 1) != 1)
            return -1;
        u->file_used[i] = true;
        return i;
    }
    return -1;
}

static void uring_file_remove(uring_t *u, int file)
{
    if (file < 0)
        return;
    assert(file < u->files && u->file_used[file]);
    int none = -1;
    io_uring_register_files_update(&u->ring, (unsigned)file, &none, 1);
    u->file_used[file] = false;
}

/* Points sqe at s: its registered file slot when it has one, else its fd. */
static void uring_target(struct io_uring_sqe *sqe, const kr_sock_t *s)
{
    sqe->fd = s->slot >= 0 ? s->slot : s->fd;
    if (s->slot >= 0)
        sqe->flags |= IOSQE_FIXED_FILE;
}

/* Returns a free SQE, submitting queued ones first if the SQ is full. */
static struct io_uring_sqe *uring_sqe(uring_t *u)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    while (sqe == NULL) {
        int rc = io_uring_submit(&u->ring);
        assert(rc >= 0 || rc == -EINTR || rc == -EAGAIN || rc == -EBUSY);
        (void)rc;
        sqe = io_uring_get_sqe(&u->ring);
    }
    return sqe;
}

static void uring_start(kr_transport_t *t, kr_op_t *op, struct io_uring_sqe *sqe)
{
    kr_transport_op_start(t, op);
    io_uring_sqe_set_data(sqe, op);
}

static int uring_open(kr_transport_t *t, kr_sock_t *s, const char *host,
                      const struct sockaddr *addr, socklen_t addrlen, int timeout_ms)
{
    (void)host; /* names addr: only TLS needs it */
    uring_t *u = U(t);
    assert(timeout_ms > 0);
    assert(s->fd < 0);
    int fd = kr_transport_socket(addr, t->sndbuf, t->rcvbuf);
    if (fd < 0)
        return fd;
    s->fd = fd;
    s->slot = uring_file_add(u, fd);
    /* Both SQEs must sit side by side in the SQ for the link to hold. */
    if (io_uring_sq_space_left(&u->ring) < 2)
        io_uring_submit(&u->ring);
    struct io_uring_sqe *sqe = uring_sqe(u);
    io_uring_prep_connect(sqe, s->fd, addr, addrlen);
    uring_target(sqe, s);
    sqe->flags |= IOSQE_IO_LINK;
    uring_start(t, &s->op_connect, sqe);
    u->connect_ts.tv_sec = timeout_ms / 1000;
    u->connect_ts.tv_nsec = (long long)(timeout_ms % 1000) * 1000000;
    struct io_uring_sqe *tsqe = uring_sqe(u);
    io_uring_prep_link_timeout(tsqe, &u->connect_ts, 0);
    io_uring_sqe_set_data(tsqe, &u->link_timeout_op);
    t->ops_queued++;
    /* Submit now: the address and connect_ts are read at submission, and the next
     * connect reuses connect_ts. */
    io_uring_submit(&u->ring);
    return 0;
}

static void uring_send(kr_transport_t *t, kr_sock_t *s, const struct msghdr *msg, bool zc)
{
    uring_t *u = U(t);
    kr_op_t *op = &s->op_send;
    struct io_uring_sqe *sqe = uring_sqe(u);
    if (zc && u->has_send_zc) {
        io_uring_prep_sendmsg_zc(sqe, s->fd, msg, MSG_NOSIGNAL);
        assert(!op->pinned);
        op->pinned = true;
        u->zc_pending++;
    } else {
        io_uring_prep_sendmsg(sqe, s->fd, msg, MSG_NOSIGNAL);
    }
    uring_target(sqe, s);
    uring_start(t, op, sqe);
}

static void uring_recv(kr_transport_t *t, kr_sock_t *s, void *buf, size_t len)
{
    uring_t *u = U(t);
    struct io_uring_sqe *sqe = uring_sqe(u);
    if (u->has_bufring) {
        io_uring_prep_recv_multishot(sqe, s->fd, NULL, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = 0;
    } else {
        io_uring_prep_recv(sqe, s->fd, buf, len, 0);
    }
    uring_target(sqe, s);
    uring_start(t, &s->op_recv, sqe);
}

static void uring_cancel(kr_transport_t *t, kr_sock_t *s)
{
    uring_t *u = U(t);
    if (s->fd < 0 || s->op_cancel.busy ||
        !(s->op_connect.busy || s->op_send.busy || s->op_recv.busy))
        return;
    struct io_uring_sqe *sqe = uring_sqe(u);
    unsigned flags = IORING_ASYNC_CANCEL_ALL;
    int fd = s->fd;
    if (s->slot >= 0) {
        fd = s->slot;
        flags |= IORING_ASYNC_CANCEL_FD_FIXED;
    }
    io_uring_prep_cancel_fd(sqe, fd, flags);
    uring_start(t, &s->op_cancel, sqe);
}

static void uring_close(kr_transport_t *t, kr_sock_t *s)
{
    assert(kr_sock_idle(s));
    uring_file_remove(U(t), s->slot);
    s->slot = -1;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static int uring_wait(kr_transport_t *t, int64_t timeout_us)
{
    uring_t *u = U(t);
    struct io_uring_cqe *cqe = NULL;
    int rc;
    if (timeout_us <= 0) {
        rc = io_uring_submit(&u->ring);
        return rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY ? rc : 0;
    }
    u->wait_ts.tv_sec = timeout_us / 1000000;
    u->wait_ts.tv_nsec = (timeout_us % 1000000) * 1000;
    rc = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &u->wait_ts, NULL);
    if (rc == -ETIME || rc == -EINTR || rc == -EAGAIN || rc == -EBUSY)
        return 0;
    return rc < 0 ? rc : 0;
}

/* Turns one CQE into a completion; false when it is not handed on (yet). */
static bool uring_complete(kr_transport_t *t, const struct io_uring_cqe *cqe, kr_op_t *op,
                           kr_cqe_t *out)
{
    uring_t *u = U(t);
    bool more = (cqe->flags & IORING_CQE_F_MORE) != 0;
    bool notif = (cqe->flags & IORING_CQE_F_NOTIF) != 0;
    int32_t res = cqe->res;
    if (op->pinned && !notif && more) {
        op->held_res = res; /* the result: held until the buffers are free */
        return false;
    }
    if (op->pinned) {
        /* The notification, or a result that says none will follow. */
        assert(u->zc_pending > 0);
        op->pinned = false;
        u->zc_pending--;
        if (notif)
            res = op->held_res;
    }
    if (!more)
        kr_transport_op_end(t, op);
    *out = (kr_cqe_t){op, res, 0, NULL};
    if (cqe->flags & IORING_CQE_F_BUFFER) {
        out->buf = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
        assert(out->buf < URING_BUFS && res <= URING_BUF_SIZE);
        out->data = u->bufs + (size_t)out->buf * URING_BUF_SIZE;
    } else if (op->kind == KR_OP_RECV && u->has_bufring && (res == -ENOBUFS || res == -EINVAL)) {
        /* The buffer ring ran dry for a moment, or this kernel has no multishot receive
         * (then plain receives from now on): either way, arm again. */
        if (res == -EINVAL)
            u->has_bufring = false;
        out->res = -EAGAIN;
    }
    return true;
}

static unsigned uring_drain(kr_transport_t *t, kr_cqe_t *out, unsigned max)
{
    uring_t *u = U(t);
    assert(max <= KR_TRANSPORT_DRAIN_MAX);
    unsigned n = 0, seen = 0, head;
    struct io_uring_cqe *cqe;
    io_uring_for_each_cqe(&u->ring, head, cqe)
    {
        if (n == max)
            break;
        seen++;
        kr_op_t *op = io_uring_cqe_get_data(cqe);
        assert(op != NULL);
        if (op == &u->link_timeout_op) {
            assert(t->ops_queued > 0);
            t->ops_queued--;
            continue;
        }
        if (uring_complete(t, cqe, op, &out[n]))
            n++;
    }
    io_uring_cq_advance(&u->ring, seen);
    return n;
}

static void uring_done(kr_transport_t *t, const kr_cqe_t *e)
{
    uring_t *u = U(t);
    if (e->data == NULL)
        return;
    io_uring_buf_ring_add(u->br, u->bufs + (size_t)e->buf * URING_BUF_SIZE, URING_BUF_SIZE,
                          (unsigned short)e->buf, io_uring_buf_ring_mask(URING_BUFS), 0);
    io_uring_buf_ring_advance(u->br, 1);
}

static void uring_exit(kr_transport_t *t)
{
    uring_t *u = U(t);
    if (u == NULL)
        return;
    io_uring_queue_exit(&u->ring);
    if (u->br != NULL) {
        munmap(u->br, URING_BUFS * sizeof(struct io_uring_buf));
        munmap(u->bufs, (size_t)URING_BUFS * URING_BUF_SIZE);
    }
    free(u->file_used);
    free(u);
    t->impl = NULL;
}

static const kr_transport_ops_t uring_ops = {
    "io_uring",  uring_open, uring_send,  uring_recv, uring_cancel,
    uring_close, uring_wait, uring_drain, uring_done, uring_exit,
};

int kr_uring_init(kr_transport_t *t, uint32_t socks_max)
{
    uring_t *u = calloc(1, sizeof(*u));
    if (u == NULL)
        return -ENOMEM;
    struct io_uring_params params;
    memset(&params, 0, sizeof(params));
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
    int rc = io_uring_queue_init_params(URING_ENTRIES, &u->ring, &params);
    if (rc == -EINVAL) {
        /* Older kernels lack the task-run flags; they are an optimisation only. */
        memset(&params, 0, sizeof(params));
        rc = io_uring_queue_init_params(URING_ENTRIES, &u->ring, &params);
    }
    if (rc < 0) {
        free(u);
        return rc == -ENOSYS || rc == -EPERM ? KR_ENOURING : rc;
    }
    struct io_uring_probe *probe = io_uring_get_probe_ring(&u->ring);
    if (probe != NULL) {
        u->has_send_zc = io_uring_opcode_supported(probe, IORING_OP_SENDMSG_ZC);
        io_uring_free_probe(probe);
    }
    /* A registered-file slot per socket; without the table (or past RLIMIT_NOFILE, which
     * bounds it) sockets are named by their fd, which works the same, a little slower. */
    u->file_used = calloc(socks_max, sizeof(bool));
    u->files = (int)socks_max;
    u->has_files = u->file_used != NULL && io_uring_register_files_sparse(&u->ring, socks_max) == 0;
    uring_bufring_init(u);
    t->ops = &uring_ops;
    t->impl = u;
    t->socks_max = socks_max;
    snprintf(t->name, sizeof(t->name), "%s", "io_uring");
    snprintf(t->info, sizeof(t->info),
             "io_uring: zero-copy send %s, registered files %s, multishot receive %s",
             u->has_send_zc ? "yes" : "no", u->has_files ? "yes" : "no",
             u->has_bufring ? "yes" : "no");
    return 0;
}
