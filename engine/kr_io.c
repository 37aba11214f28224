/* The io_uring loop. The only file that calls liburing. */
#include "kr_io.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "kr_error.h"

/* Sets up the provided buffer ring; without one (older kernels) receives stay plain. */
static void io_bufring_init(kr_io_t *io)
{
    size_t ring_bytes = KR_IO_BUFS * sizeof(struct io_uring_buf);
    void *br = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *bufs = mmap(NULL, (size_t)KR_IO_BUFS * KR_IO_BUF_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof(reg));
    reg.ring_addr = (unsigned long)br;
    reg.ring_entries = KR_IO_BUFS;
    reg.bgid = 0;
    if (br == MAP_FAILED || bufs == MAP_FAILED ||
        io_uring_register_buf_ring(&io->ring, &reg, 0) != 0) {
        if (br != MAP_FAILED)
            munmap(br, ring_bytes);
        if (bufs != MAP_FAILED)
            munmap(bufs, (size_t)KR_IO_BUFS * KR_IO_BUF_SIZE);
        return;
    }
    io->br = br;
    io->bufs = bufs;
    io_uring_buf_ring_init(io->br);
    for (int i = 0; i < KR_IO_BUFS; i++)
        io_uring_buf_ring_add(io->br, io->bufs + (size_t)i * KR_IO_BUF_SIZE, KR_IO_BUF_SIZE,
                              (unsigned short)i, io_uring_buf_ring_mask(KR_IO_BUFS), i);
    io_uring_buf_ring_advance(io->br, KR_IO_BUFS);
    io->has_bufring = true;
}

int kr_io_init(kr_io_t *io, unsigned entries)
{
    memset(io, 0, sizeof(*io));
    struct io_uring_params params;
    memset(&params, 0, sizeof(params));
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
    int rc = io_uring_queue_init_params(entries, &io->ring, &params);
    if (rc == -EINVAL) {
        /* Older kernels lack the task-run flags; they are an optimisation only. */
        memset(&params, 0, sizeof(params));
        rc = io_uring_queue_init_params(entries, &io->ring, &params);
    }
    if (rc == -ENOSYS || rc == -EPERM)
        return KR_ENOURING;
    if (rc < 0)
        return rc;
    struct io_uring_probe *probe = io_uring_get_probe_ring(&io->ring);
    if (probe != NULL) {
        io->has_send_zc = io_uring_opcode_supported(probe, IORING_OP_SENDMSG_ZC);
        io_uring_free_probe(probe);
    }
    io->link_timeout_op.kind = KR_OP_LINK_TIMEOUT;
    io->has_files = io_uring_register_files_sparse(&io->ring, KR_IO_FILES) == 0;
    io_bufring_init(io);
    return 0;
}

int kr_io_file_add(kr_io_t *io, int fd)
{
    if (!io->has_files)
        return -1;
    for (int i = 0; i < KR_IO_FILES; i++) {
        if (io->file_used[i])
            continue;
        if (io_uring_register_files_update(&io->ring, (unsigned)i, &fd, 1) != 1)
            return -1;
        io->file_used[i] = true;
        return i;
    }
    return -1;
}

void kr_io_file_remove(kr_io_t *io, int file)
{
    if (file < 0)
        return;
    assert(file < KR_IO_FILES && io->file_used[file]);
    int none = -1;
    io_uring_register_files_update(&io->ring, (unsigned)file, &none, 1);
    io->file_used[file] = false;
}

/* Points sqe at a registered file slot when there is one. */
static void io_target(struct io_uring_sqe *sqe, int file)
{
    if (file < 0)
        return;
    sqe->fd = file;
    sqe->flags |= IOSQE_FIXED_FILE;
}

void kr_io_exit(kr_io_t *io)
{
    io_uring_queue_exit(&io->ring);
    if (io->br != NULL) {
        munmap(io->br, KR_IO_BUFS * sizeof(struct io_uring_buf));
        munmap(io->bufs, (size_t)KR_IO_BUFS * KR_IO_BUF_SIZE);
    }
    io->br = NULL;
    io->bufs = NULL;
}


const uint8_t *kr_io_buf(const kr_io_t *io, const kr_cqe_t *cqe)
{
    assert(cqe->flags & IORING_CQE_F_BUFFER);
    unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    assert(bid < KR_IO_BUFS && cqe->res <= KR_IO_BUF_SIZE);
    return io->bufs + (size_t)bid * KR_IO_BUF_SIZE;
}

void kr_io_buf_put(kr_io_t *io, const kr_cqe_t *cqe)
{
    if (!(cqe->flags & IORING_CQE_F_BUFFER))
        return;
    unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    io_uring_buf_ring_add(io->br, io->bufs + (size_t)bid * KR_IO_BUF_SIZE, KR_IO_BUF_SIZE,
                          (unsigned short)bid, io_uring_buf_ring_mask(KR_IO_BUFS), 0);
    io_uring_buf_ring_advance(io->br, 1);
}

/* Returns a free SQE, submitting queued ones first if the SQ is full. */
static struct io_uring_sqe *io_sqe(kr_io_t *io)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);
    while (sqe == NULL) {
        int rc = io_uring_submit(&io->ring);
        assert(rc >= 0 || rc == -EINTR || rc == -EAGAIN || rc == -EBUSY);
        (void)rc;
        sqe = io_uring_get_sqe(&io->ring);
    }
    return sqe;
}

static void io_start(kr_io_t *io, kr_op_t *op, struct io_uring_sqe *sqe)
{
    assert(!op->busy);
    op->busy = true;
    io->ops_queued++;
    io_uring_sqe_set_data(sqe, op);
}

void kr_io_connect(kr_io_t *io, kr_op_t *op, int fd, int file, const struct sockaddr *addr,
                   socklen_t addrlen, int timeout_ms)
{
    assert(timeout_ms > 0);
    /* Both SQEs must sit side by side in the SQ for the link to hold. */
    if (io_uring_sq_space_left(&io->ring) < 2)
        io_uring_submit(&io->ring);
    struct io_uring_sqe *sqe = io_sqe(io);
    io_uring_prep_connect(sqe, fd, addr, addrlen);
    io_target(sqe, file);
    sqe->flags |= IOSQE_IO_LINK;
    io_start(io, op, sqe);
    io->connect_ts.tv_sec = timeout_ms / 1000;
    io->connect_ts.tv_nsec = (long long)(timeout_ms % 1000) * 1000000;
    struct io_uring_sqe *tsqe = io_sqe(io);
    /* The kernel copies the timespec at prep-submit time only for linked timeouts it has
     * seen; submit now so connect_ts can be reused by the next connect. */
    io_uring_prep_link_timeout(tsqe, &io->connect_ts, 0);
    io_uring_sqe_set_data(tsqe, &io->link_timeout_op);
    io->ops_queued++;
    io_uring_submit(&io->ring);
}

void kr_io_sendmsg(kr_io_t *io, kr_op_t *op, int fd, int file, const struct msghdr *msg,
                   bool zc)
{
    struct io_uring_sqe *sqe = io_sqe(io);
    if (zc && io->has_send_zc) {
        io_uring_prep_sendmsg_zc(sqe, fd, msg, MSG_NOSIGNAL);
        assert(!op->zc_notif_pending);
        op->zc_notif_pending = true;
        io->zc_pending++;
    } else {
        io_uring_prep_sendmsg(sqe, fd, msg, MSG_NOSIGNAL);
    }
    io_target(sqe, file);
    io_start(io, op, sqe);
}

void kr_io_recv(kr_io_t *io, kr_op_t *op, int fd, int file, void *buf, size_t len)
{
    struct io_uring_sqe *sqe = io_sqe(io);
    io_uring_prep_recv(sqe, fd, buf, len, 0);
    io_target(sqe, file);
    io_start(io, op, sqe);
}

void kr_io_recv_multishot(kr_io_t *io, kr_op_t *op, int fd, int file)
{
    assert(io->has_bufring);
    struct io_uring_sqe *sqe = io_sqe(io);
    io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = 0;
    io_target(sqe, file);
    io_start(io, op, sqe);
}

void kr_io_cancel_fd(kr_io_t *io, kr_op_t *op, int fd, int file)
{
    struct io_uring_sqe *sqe = io_sqe(io);
    unsigned flags = IORING_ASYNC_CANCEL_ALL;
    if (file >= 0) {
        fd = file;
        flags |= IORING_ASYNC_CANCEL_FD_FIXED;
    }
    io_uring_prep_cancel_fd(sqe, fd, flags);
    io_start(io, op, sqe);
}

int kr_io_wait(kr_io_t *io, int64_t timeout_us)
{
    struct io_uring_cqe *cqe = NULL;
    int rc;
    if (timeout_us <= 0) {
        rc = io_uring_submit(&io->ring);
        return rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY ? rc : 0;
    }
    io->wait_ts.tv_sec = timeout_us / 1000000;
    io->wait_ts.tv_nsec = (timeout_us % 1000000) * 1000;
    rc = io_uring_submit_and_wait_timeout(&io->ring, &cqe, 1, &io->wait_ts, NULL);
    if (rc == -ETIME || rc == -EINTR || rc == -EAGAIN || rc == -EBUSY)
        return 0;
    return rc < 0 ? rc : 0;
}

unsigned kr_io_drain(kr_io_t *io, kr_cqe_t *out, unsigned max)
{
    assert(max <= KR_IO_DRAIN_MAX);
    unsigned n = 0;
    unsigned seen = 0;
    unsigned head;
    struct io_uring_cqe *cqe;
    io_uring_for_each_cqe(&io->ring, head, cqe)
    {
        if (n == max)
            break;
        seen++;
        kr_op_t *op = io_uring_cqe_get_data(cqe);
        assert(op != NULL);
        if (op == &io->link_timeout_op) {
            assert(io->ops_queued > 0);
            io->ops_queued--;
            continue;
        }
        bool more = (cqe->flags & IORING_CQE_F_MORE) != 0;
        bool notif = (cqe->flags & IORING_CQE_F_NOTIF) != 0;
        int32_t res = cqe->res;
        if (op->zc_notif_pending && !notif && more) {
            op->zc_res = res; /* the result: held until the buffers are free */
            continue;
        }
        if (op->zc_notif_pending) {
            /* The notification, or a result that says none will follow. */
            assert(io->zc_pending > 0);
            op->zc_notif_pending = false;
            io->zc_pending--;
            if (notif)
                res = op->zc_res;
        }
        if (!more) {
            assert(op->busy);
            op->busy = false;
            assert(io->ops_queued > 0);
            io->ops_queued--;
        }
        out[n].op = op;
        out[n].res = res;
        out[n].flags = cqe->flags & ~(IORING_CQE_F_MORE | IORING_CQE_F_NOTIF);
        n++;
    }
    io_uring_cq_advance(&io->ring, seen);
    return n;
}
