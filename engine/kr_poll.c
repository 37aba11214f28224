/*
 * The poll transport: non-blocking sockets driven by epoll (level-triggered), for where
 * io_uring is refused. It gives the connection layer the same completions as io_uring:
 * an op starts here, the syscall runs when epoll says the socket is ready (a send is
 * tried at once, as the socket usually has room), and its result is queued as a
 * completion that the producer's loop drains. Completions are queued, never delivered
 * from inside the call that started the op, so the connection code sees the same order
 * of events on both transports.
 *
 * Memory: one table of KR_TRANSPORT_SOCKS_MAX sockets and a completion queue with room
 * for every op that can be busy at once, allocated at init.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kr_clock.h"
#include "kr_error.h"
#include "kr_transport.h"

#define POLL_EVENTS 64

typedef struct psock {
    kr_sock_t *s;             /* NULL: free slot */
    const struct msghdr *msg; /* the send in progress, not yet completed */
    void *buf;                /* the receive armed, not yet completed */
    size_t len;
    int64_t deadline_us; /* the connect's */
    uint32_t events;     /* epoll interest registered now */
} psock_t;

typedef struct poll_tr {
    int ep;
    psock_t *socks; /* [socks_max] */
    int socks_max;
    kr_cq_t cq;
} poll_tr_t;

static poll_tr_t *P(kr_transport_t *t) { return t->impl; }

static void poll_queue(poll_tr_t *pt, kr_op_t *op, int32_t res)
{
    kr_cq_push(&pt->cq, op, res, NULL);
}

/* Registers the interest the socket's waiting ops need. */
static void poll_interest(poll_tr_t *pt, psock_t *ps)
{
    kr_sock_t *s = ps->s;
    uint32_t ev = 0;
    if (kr_op_waiting(&s->op_connect) || (kr_op_waiting(&s->op_send) && ps->msg))
        ev |= EPOLLOUT;
    if (kr_op_waiting(&s->op_recv))
        ev |= EPOLLIN;
    if (ev == ps->events)
        return;
    struct epoll_event e = {.events = ev, .data.u32 = (uint32_t)s->slot};
    int rc = epoll_ctl(pt->ep, EPOLL_CTL_MOD, s->fd, &e);
    assert(rc == 0);
    (void)rc;
    ps->events = ev;
}

/* One sendmsg attempt; queues the result unless the socket has no room. */
static void poll_try_send(poll_tr_t *pt, psock_t *ps)
{
    ssize_t n = sendmsg(ps->s->fd, ps->msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    ps->msg = NULL;
    poll_queue(pt, &ps->s->op_send, n < 0 ? -errno : (int32_t)n);
}

static void poll_try_recv(poll_tr_t *pt, psock_t *ps)
{
    ssize_t n = recv(ps->s->fd, ps->buf, ps->len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    ps->buf = NULL;
    poll_queue(pt, &ps->s->op_recv, n < 0 ? -errno : (int32_t)n);
}

static void poll_connected(poll_tr_t *pt, psock_t *ps)
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(ps->s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    poll_queue(pt, &ps->s->op_connect, -err);
}

static int poll_open(kr_transport_t *t, kr_sock_t *s, const char *host, const struct sockaddr *addr,
                     socklen_t addrlen, int timeout_ms)
{
    (void)host; /* names addr: only TLS needs it */
    poll_tr_t *pt = P(t);
    assert(s->fd < 0 && timeout_ms > 0);
    int slot = 0;
    while (slot < pt->socks_max && pt->socks[slot].s != NULL)
        slot++;
    if (slot == pt->socks_max)
        return -EMFILE;
    int fd = kr_transport_socket(addr, t->sndbuf, t->rcvbuf);
    if (fd < 0)
        return fd;
    struct epoll_event e = {.events = 0, .data.u32 = (uint32_t)slot};
    if (epoll_ctl(pt->ep, EPOLL_CTL_ADD, fd, &e) != 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    psock_t *ps = &pt->socks[slot];
    *ps = (psock_t){.s = s, .deadline_us = kr_now_us() + (int64_t)timeout_ms * 1000};
    s->fd = fd;
    s->slot = slot;
    kr_transport_op_start(t, &s->op_connect);
    int rc = connect(fd, addr, addrlen);
    if (rc == 0 || errno != EINPROGRESS)
        poll_queue(pt, &s->op_connect, rc == 0 ? 0 : -errno);
    poll_interest(pt, ps);
    return 0;
}

static void poll_send(kr_transport_t *t, kr_sock_t *s, const struct msghdr *msg, bool zc)
{
    poll_tr_t *pt = P(t);
    psock_t *ps = &pt->socks[s->slot];
    (void)zc; /* plain sendmsg copies: nothing stays pinned */
    kr_transport_op_start(t, &s->op_send);
    ps->msg = msg;
    poll_try_send(pt, ps);
    poll_interest(pt, ps);
}

static void poll_recv(kr_transport_t *t, kr_sock_t *s, void *buf, size_t len)
{
    poll_tr_t *pt = P(t);
    psock_t *ps = &pt->socks[s->slot];
    assert(len > 0);
    kr_transport_op_start(t, &s->op_recv);
    ps->buf = buf;
    ps->len = len;
    poll_interest(pt, ps);
}

static void poll_cancel(kr_transport_t *t, kr_sock_t *s)
{
    poll_tr_t *pt = P(t);
    if (s->slot < 0)
        return;
    psock_t *ps = &pt->socks[s->slot];
    kr_cq_fail_waiting(&pt->cq, s, -ECANCELED);
    ps->msg = NULL;
    ps->buf = NULL;
    poll_interest(pt, ps);
}

static void poll_close(kr_transport_t *t, kr_sock_t *s)
{
    poll_tr_t *pt = P(t);
    assert(kr_sock_idle(s));
    if (s->slot >= 0) {
        epoll_ctl(pt->ep, EPOLL_CTL_DEL, s->fd, NULL);
        pt->socks[s->slot].s = NULL;
    }
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->slot = -1;
}

/* Runs the syscalls epoll says are ready on one socket. */
static void poll_ready(poll_tr_t *pt, psock_t *ps, uint32_t ev)
{
    kr_sock_t *s = ps->s;
    bool bad = (ev & (EPOLLERR | EPOLLHUP)) != 0;
    if (kr_op_waiting(&s->op_connect) && (ev & EPOLLOUT || bad))
        poll_connected(pt, ps);
    if (kr_op_waiting(&s->op_send) && ps->msg != NULL && (ev & EPOLLOUT || bad))
        poll_try_send(pt, ps);
    if (kr_op_waiting(&s->op_recv) && (ev & EPOLLIN || bad))
        poll_try_recv(pt, ps);
    poll_interest(pt, ps);
}

/* Connects past their deadline complete with -ECANCELED (as io_uring's linked timeout);
 * returns the earliest deadline still ahead, or INT64_MAX. */
static int64_t poll_deadlines(poll_tr_t *pt, int64_t now)
{
    int64_t next = INT64_MAX;
    for (int i = 0; i < pt->socks_max; i++) {
        psock_t *ps = &pt->socks[i];
        if (ps->s == NULL || !kr_op_waiting(&ps->s->op_connect))
            continue;
        if (now >= ps->deadline_us) {
            poll_queue(pt, &ps->s->op_connect, -ECANCELED);
            poll_interest(pt, ps);
        } else if (ps->deadline_us < next) {
            next = ps->deadline_us;
        }
    }
    return next;
}

static int poll_wait(kr_transport_t *t, int64_t timeout_us)
{
    poll_tr_t *pt = P(t);
    int64_t now = kr_now_us();
    int64_t next = poll_deadlines(pt, now);
    if (!kr_cq_empty(&pt->cq) || timeout_us < 0)
        timeout_us = 0;
    if (next != INT64_MAX && next - now < timeout_us)
        timeout_us = next - now;
    /* Round up: waking before the deadline would only spin. */
    int ms = timeout_us > (int64_t)INT32_MAX * 1000 ? INT32_MAX : (int)((timeout_us + 999) / 1000);
    struct epoll_event evs[POLL_EVENTS];
    int n = epoll_wait(pt->ep, evs, POLL_EVENTS, ms);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        uint32_t slot = evs[i].data.u32;
        assert(slot < (uint32_t)pt->socks_max);
        if (pt->socks[slot].s != NULL)
            poll_ready(pt, &pt->socks[slot], evs[i].events);
    }
    poll_deadlines(pt, kr_now_us());
    return 0;
}

static unsigned poll_drain(kr_transport_t *t, kr_cqe_t *out, unsigned max)
{
    return kr_cq_drain(&P(t)->cq, t, out, max);
}

static void poll_done(kr_transport_t *t, const kr_cqe_t *e) { (void)t, (void)e; }

static void poll_exit(kr_transport_t *t)
{
    poll_tr_t *pt = P(t);
    if (pt == NULL)
        return;
    if (pt->ep >= 0)
        close(pt->ep); /* sockets still open are closed with their connections */
    free(pt->socks);
    kr_cq_free(&pt->cq);
    free(pt);
    t->impl = NULL;
}

static const kr_transport_ops_t poll_ops = {
    "poll",     poll_open, poll_send,  poll_recv, poll_cancel,
    poll_close, poll_wait, poll_drain, poll_done, poll_exit,
};

int kr_poll_init(kr_transport_t *t, uint32_t socks_max)
{
    poll_tr_t *pt = calloc(1, sizeof(*pt));
    if (pt == NULL)
        return -ENOMEM;
    t->ops = &poll_ops;
    t->impl = pt;
    t->socks_max = socks_max;
    pt->socks_max = (int)socks_max;
    pt->ep = epoll_create1(EPOLL_CLOEXEC);
    int err = pt->ep < 0 ? -errno : 0;
    pt->socks = calloc(socks_max, sizeof(psock_t));
    if (err == 0 && (pt->socks == NULL || kr_cq_init(&pt->cq, socks_max) != 0))
        err = -ENOMEM;
    if (err != 0) {
        poll_exit(t);
        memset(t, 0, sizeof(*t));
        return err;
    }
    snprintf(t->name, sizeof(t->name), "%s", "poll");
    snprintf(t->info, sizeof(t->info), "poll: epoll, sendmsg, recv");
    return 0;
}
