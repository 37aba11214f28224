/* What the transports share: op accounting, the completion queue, sockets. */
#define _GNU_SOURCE
#include "kr_transport.h"

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int kr_transport_socket(const struct sockaddr *addr, int sndbuf, int rcvbuf)
{
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (sndbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    return fd;
}

void kr_transport_op_start(kr_transport_t *t, kr_op_t *op)
{
    assert(!op->busy);
    op->busy = true;
    t->ops_queued++;
}

void kr_transport_op_end(kr_transport_t *t, kr_op_t *op)
{
    assert(op->busy);
    assert(t->ops_queued > 0);
    op->busy = false;
    t->ops_queued--;
}

void kr_sock_init(kr_sock_t *s, void *owner)
{
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    s->slot = -1;
    s->owner = owner;
    kr_op_t *ops[4] = {&s->op_connect, &s->op_send, &s->op_recv, &s->op_cancel};
    for (int i = 0; i < 4; i++) {
        ops[i]->kind = (uint8_t)(KR_OP_CONNECT + i);
        ops[i]->sock = s;
    }
}

int kr_cq_init(kr_cq_t *cq, uint32_t socks)
{
    memset(cq, 0, sizeof(*cq));
    cq->cap = 3 * socks;
    cq->q = calloc(cq->cap, sizeof(kr_cqe_t));
    return cq->q != NULL ? 0 : -ENOMEM;
}

void kr_cq_free(kr_cq_t *cq)
{
    free(cq->q);
    cq->q = NULL;
}

void kr_cq_push(kr_cq_t *cq, kr_op_t *op, int32_t res, const uint8_t *data)
{
    assert(op->busy);
    assert(!op->queued);
    assert(!kr_cq_full(cq));
    op->queued = true;
    cq->q[cq->tail++ % cq->cap] = (kr_cqe_t){op, res, 0, data};
}

void kr_cq_fail_waiting(kr_cq_t *cq, kr_sock_t *s, int32_t res)
{
    assert(res < 0);
    kr_op_t *ops[3] = {&s->op_connect, &s->op_send, &s->op_recv};
    for (int i = 0; i < 3; i++)
        if (kr_op_waiting(ops[i]))
            kr_cq_push(cq, ops[i], res, NULL);
}

unsigned kr_cq_drain(kr_cq_t *cq, kr_transport_t *t, kr_cqe_t *out, unsigned max)
{
    assert(max <= KR_TRANSPORT_DRAIN_MAX);
    unsigned n = 0;
    while (n < max && !kr_cq_empty(cq)) {
        kr_cqe_t e = cq->q[cq->head++ % cq->cap];
        assert(e.op->queued);
        e.op->queued = false;
        kr_transport_op_end(t, e.op);
        out[n++] = e;
    }
    return n;
}
