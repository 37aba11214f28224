/*
 * TLS over any transport: a transport that wraps another (io_uring or poll) and speaks
 * TLS 1.2/1.3 through OpenSSL in user space. The inner transport moves ciphertext; this
 * layer turns the connection's plaintext ops into ciphertext ops and back:
 *
 *   open     inner connect, then the handshake (ClientHello out, ... ); the outer connect
 *            completes when the handshake has, or fails with KR_ETLS and the reason.
 *   send     up to TLS_ROUND bytes of plaintext from the caller's iovecs are encrypted
 *            (SSL_write into a BIO pair): large iovecs (record batches) straight from
 *            the caller's memory, small ones (request framing) gathered into a stage first
 *            so they share TLS records. The inner transport sends the ciphertext straight
 *            out of the BIO pair's buffer (BIO_nread0: no copy), and the outer send
 *            completes with the plaintext bytes of that round once its ciphertext is all
 *            out (the connection sends the rest, as after any short send).
 *   recv     ciphertext from the inner transport goes into the BIO pair, SSL_read decrypts
 *            into the caller's buffer.
 *
 * OpenSSL reaches the network only through a BIO pair of fixed size, so nothing blocks
 * and nothing grows after the handshake. kTLS would replace this file's record layer by
 * the kernel's (SSL_OP_ENABLE_KTLS after the handshake, then plain sendmsg/recv on the
 * inner socket); the kernels here have no TLS module (see docs/ENGINE.md).
 *
 * Memory: the context at init; per connection, at connect time, an SSL object (and, on a
 * socket slot's first connection, its buffers, kept for reuse): never on the hot path.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "kr_error.h"
#include "kr_tls.h"

#define TLS_ROUND (256 * 1024) /* plaintext per send round */
#define TLS_STAGE (16 * 1024)  /* small iovecs gathered into one TLS record */
#define TLS_DIRECT 4096        /* iovecs this large are encrypted in place */
#define TLS_PAIR                                                                                   \
    (TLS_ROUND + 64 * 1024) /* each direction of the BIO pair: a round's
                                            ciphertext and what OpenSSL adds */
#define TLS_CIN (64 * 1024) /* ciphertext received, not yet in the BIO */

typedef struct tsock {
    kr_sock_t inner;  /* the inner transport's socket; its owner is this tsock */
    kr_sock_t *outer; /* NULL: free, or closed and waiting for the inner ops */
    bool used;
    bool handshaking;
    bool dead;      /* failed: outer ops fail */
    uint8_t *rx_at; /* where the receive in flight writes (plain receives) */
    char host[256];
    SSL *ssl;
    BIO *net;                 /* our end of the BIO pair */
    const struct msghdr *msg; /* the outer send in progress */
    size_t round_plain;       /* plaintext bytes whose ciphertext is being sent */
    uint8_t *stage;
    struct msghdr cmsg;
    struct iovec ciov;
    uint8_t *cin;
    size_t cin_len;
    size_t cin_off;
    void *rbuf; /* the outer receive armed */
    size_t rlen;
} tsock_t;

typedef struct tls_tr {
    kr_transport_t inner;
    SSL_CTX *ctx;
    bool verify_host;
    tsock_t *socks; /* [socks_max]: as many as the inner transport's */
    int socks_max;
    kr_cq_t cq;
} tls_tr_t;

static tls_tr_t *T(kr_transport_t *t) { return t->impl; }

/* ---- errors ---- */

/* The reason OpenSSL gives for the last failure, with the verify result if any. */
static void tls_reason(tsock_t *ts, char *out, size_t len)
{
    long v = ts->ssl != NULL ? SSL_get_verify_result(ts->ssl) : X509_V_OK;
    unsigned long e = ERR_peek_last_error();
    char buf[160] = "";
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    if (v != X509_V_OK)
        snprintf(out, len, "certificate verify failed: %s", X509_verify_cert_error_string(v));
    else if (buf[0] != '\0')
        snprintf(out, len, "%s", buf);
    else
        snprintf(out, len, "connection closed by the broker");
}

/* Fails every outer op still waiting, with err (and s->err says why). */
static void tls_fail(tls_tr_t *k, tsock_t *ts, int err, const char *why)
{
    kr_sock_t *s = ts->outer;
    ts->dead = true;
    if (s == NULL)
        return;
    if (why != NULL && s->err[0] == '\0')
        snprintf(s->err, sizeof(s->err), "%s", why);
    kr_cq_fail_waiting(&k->cq, s, err);
    ts->msg = NULL;
    ts->rbuf = NULL;
}

/* A failure inside the TLS layer: the handshake, a record that does not decrypt, an
 * alert. The connection fails with KR_ETLS and the reason. */
static void tls_fail_ssl(tls_tr_t *k, tsock_t *ts, const char *what)
{
    char reason[160], why[sizeof(ts->inner.err)];
    tls_reason(ts, reason, sizeof(reason));
    bool cert_alert = strstr(reason, "alert") != NULL && strstr(reason, "certificate") != NULL;
    if (snprintf(why, sizeof(why), "%s: %s%s", what, reason,
                 cert_alert ? " (the broker wants a client certificate it trusts: "
                              "ssl.certificate.location, ssl.key.location)"
                            : "") >= (int)sizeof(why))
        why[sizeof(why) - 1] = '\0'; /* cut: the reason comes first */
    tls_fail(k, ts, KR_ETLS, why);
}

/* ---- ciphertext in and out ---- */

/* Sends what OpenSSL has written to the network, unless a send is already out. */
static void tls_flush(tls_tr_t *k, tsock_t *ts)
{
    if (ts->inner.op_send.busy || ts->dead)
        return;
    char *out = NULL;
    int n = BIO_nread0(ts->net, &out); /* the next contiguous run of ciphertext, in place */
    if (n <= 0)
        return;
    ts->ciov.iov_base = out;
    ts->ciov.iov_len = (size_t)n;
    memset(&ts->cmsg, 0, sizeof(ts->cmsg));
    ts->cmsg.msg_iov = &ts->ciov;
    ts->cmsg.msg_iovlen = 1;
    k->inner.ops->send(&k->inner, &ts->inner, &ts->cmsg, false);
}

/* Moves received ciphertext into the BIO pair, as far as it has room. */
static void tls_feed(tsock_t *ts)
{
    while (ts->cin_off < ts->cin_len) {
        int n = BIO_write(ts->net, ts->cin + ts->cin_off, (int)(ts->cin_len - ts->cin_off));
        if (n <= 0)
            break;
        ts->cin_off += (size_t)n;
    }
    if (ts->cin_off == ts->cin_len) {
        ts->cin_len = ts->cin_off = 0;
    } else if (ts->cin_off > 0) {
        memmove(ts->cin, ts->cin + ts->cin_off, ts->cin_len - ts->cin_off);
        ts->cin_len -= ts->cin_off;
        ts->cin_off = 0;
    }
}

/* Keeps a receive armed on the inner socket while there is room for its bytes. */
static void tls_arm(tls_tr_t *k, tsock_t *ts)
{
    if (ts->dead || ts->inner.op_recv.busy || ts->cin_len == TLS_CIN)
        return;
    ts->rx_at = ts->cin + ts->cin_len;
    k->inner.ops->recv(&k->inner, &ts->inner, ts->rx_at, TLS_CIN - ts->cin_len);
}

/* ---- the handshake ---- */

static bool host_is_ip(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* Creates the connection's SSL object: SNI and the name the certificate must carry. */
static int tls_ssl_new(tls_tr_t *k, tsock_t *ts)
{
    BIO *in = NULL;
    ts->ssl = SSL_new(k->ctx);
    if (ts->ssl == NULL || BIO_new_bio_pair(&in, TLS_PAIR, &ts->net, TLS_PAIR) != 1)
        return -ENOMEM;
    SSL_set_bio(ts->ssl, in, in);
    SSL_set_connect_state(ts->ssl);
    bool ip = host_is_ip(ts->host);
    if (!ip)
        SSL_set_tlsext_host_name(ts->ssl, ts->host);
    if (k->verify_host) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(ts->ssl);
        int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, ts->host)
                    : X509_VERIFY_PARAM_set1_host(vp, ts->host, 0);
        if (ok != 1)
            return -ENOMEM;
    }
    return 0;
}

/* One step of the handshake: send what it wrote, complete the connect when it is done. */
static void tls_handshake(tls_tr_t *k, tsock_t *ts)
{
    int rc = SSL_do_handshake(ts->ssl);
    tls_flush(k, ts);
    if (rc == 1) {
        ts->handshaking = false;
        if (kr_op_waiting(&ts->outer->op_connect))
            kr_cq_push(&k->cq, &ts->outer->op_connect, 0, NULL);
        return;
    }
    int e = SSL_get_error(ts->ssl, rc);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        tls_fail_ssl(k, ts, "handshake failed");
}

/* ---- plaintext for the connection ---- */

/* Decrypts into the armed outer receive, if there is something to decrypt. */
static void tls_read(tls_tr_t *k, tsock_t *ts)
{
    kr_sock_t *s = ts->outer;
    if (ts->dead || ts->handshaking || ts->rbuf == NULL || !kr_op_waiting(&s->op_recv))
        return;
    for (;;) {
        int n = SSL_read(ts->ssl, ts->rbuf, (int)(ts->rlen > INT32_MAX ? INT32_MAX : ts->rlen));
        if (n > 0) {
            ts->rbuf = NULL;
            kr_cq_push(&k->cq, &s->op_recv, n, NULL);
            break;
        }
        int e = SSL_get_error(ts->ssl, n);
        if (e == SSL_ERROR_ZERO_RETURN) {
            ts->rbuf = NULL;
            kr_cq_push(&k->cq, &s->op_recv, 0, NULL); /* close_notify: end of stream */
            break;
        }
        if (e != SSL_ERROR_WANT_READ) {
            tls_fail_ssl(k, ts, "connection failed");
            return;
        }
        size_t before = ts->cin_len;
        tls_feed(ts);
        if (ts->cin_len == before)
            break; /* needs more from the network */
    }
    tls_flush(k, ts); /* a post-handshake message (ticket, key update) may want out */
}

/* SSL_write of n bytes. Returns the bytes taken (maybe fewer: the pair is full), 0 when
 * none could be (wait for the sends to drain it), or -1 (the connection failed). */
static int tls_write(tls_tr_t *k, tsock_t *ts, const void *buf, size_t n)
{
    int w = SSL_write(ts->ssl, buf, (int)n);
    if (w > 0)
        return w;
    if (SSL_get_error(ts->ssl, w) == SSL_ERROR_WANT_WRITE)
        return 0;
    tls_fail_ssl(k, ts, "connection failed");
    return -1;
}

/* Encrypts the next round of the outer send; its ciphertext goes out by tls_flush. */
static void tls_send_round(tls_tr_t *k, tsock_t *ts)
{
    assert(ts->msg != NULL && ts->round_plain == 0);
    if (ts->inner.op_send.busy || ts->dead)
        return;
    tls_flush(k, ts); /* anything OpenSSL wrote on its own goes first */
    if (ts->inner.op_send.busy)
        return;
    size_t done = 0, staged = 0;
    bool full = false;
    for (size_t i = 0; i < ts->msg->msg_iovlen && done + staged < TLS_ROUND && !full; i++) {
        const struct iovec *v = &ts->msg->msg_iov[i];
        size_t len =
            v->iov_len < TLS_ROUND - done - staged ? v->iov_len : TLS_ROUND - done - staged;
        if (len < TLS_DIRECT && staged + len <= TLS_STAGE) {
            memcpy(ts->stage + staged, v->iov_base, len);
            staged += len;
            continue;
        }
        int w = staged > 0 ? tls_write(k, ts, ts->stage, staged) : 0;
        if (w < 0)
            return;
        done += (size_t)w;
        full = staged > 0 && (size_t)w < staged;
        staged = 0;
        if (full)
            break;
        w = tls_write(k, ts, v->iov_base, len);
        if (w < 0)
            return;
        done += (size_t)w;
        full = (size_t)w < len;
    }
    if (staged > 0 && !full) {
        int w = tls_write(k, ts, ts->stage, staged);
        if (w < 0)
            return;
        done += (size_t)w;
    }
    ts->round_plain = done;
    tls_flush(k, ts);
}

/* ---- inner completions ---- */

static void tls_on_connect(tls_tr_t *k, tsock_t *ts, int32_t res)
{
    if (res < 0) {
        tls_fail(k, ts, res, NULL);
        return;
    }
    if (tls_ssl_new(k, ts) != 0) {
        tls_fail(k, ts, -ENOMEM, NULL);
        return;
    }
    ts->handshaking = true;
    tls_arm(k, ts);
    tls_handshake(k, ts);
}

static void tls_on_sent(tls_tr_t *k, tsock_t *ts, int32_t res)
{
    if (res < 0) {
        tls_fail(k, ts, res, NULL);
        return;
    }
    char *sent = NULL;
    BIO_nread(ts->net, &sent, res); /* those bytes are out: the pair may reuse them */
    if (BIO_ctrl_pending(ts->net) > 0) {
        tls_flush(k, ts);
        return;
    }
    if (ts->handshaking) {
        tls_handshake(k, ts);
        return;
    }
    if (ts->round_plain > 0) {
        kr_cq_push(&k->cq, &ts->outer->op_send, (int32_t)ts->round_plain, NULL);
        ts->round_plain = 0;
        ts->msg = NULL;
    } else if (ts->msg != NULL) {
        tls_send_round(k, ts); /* the pair was full, or a flush went first */
    }
}

static void tls_on_recv(tls_tr_t *k, tsock_t *ts, const kr_cqe_t *e)
{
    if (e->res == -EAGAIN) {
        tls_arm(k, ts);
        return;
    }
    if (e->res <= 0) {
        if (ts->handshaking)
            tls_fail_ssl(k, ts, "handshake failed");
        else
            tls_fail(k, ts, e->res == 0 ? -ECONNRESET : e->res, NULL);
        return;
    }
    /* The bytes are in the transport's buffer, or where the receive was armed: cin's
     * leftover may have moved down since, so they go right after it. */
    const uint8_t *data = e->data != NULL ? e->data : ts->rx_at;
    assert((size_t)e->res <= TLS_CIN - ts->cin_len);
    memmove(ts->cin + ts->cin_len, data, (size_t)e->res);
    ts->cin_len += (size_t)e->res;
    tls_feed(ts);
    if (ts->handshaking)
        tls_handshake(k, ts);
    else
        tls_read(k, ts);
    tls_arm(k, ts);
}

/* Frees a closed socket once the inner transport has let go of it. */
static void tls_release(tls_tr_t *k, tsock_t *ts)
{
    if (ts->outer != NULL || !kr_sock_idle(&ts->inner))
        return;
    k->inner.ops->close(&k->inner, &ts->inner);
    SSL_free(ts->ssl); /* frees its end of the pair */
    BIO_free(ts->net);
    ts->ssl = NULL;
    ts->net = NULL;
    ts->used = false;
}

static void tls_on_inner(tls_tr_t *k, const kr_cqe_t *e)
{
    tsock_t *ts = e->op->sock->owner;
    assert(ts != NULL);
    if (!ts->used)
        return; /* released earlier in this batch of completions: nothing is left to do */
    if (ts->outer == NULL || ts->dead) {
        tls_release(k, ts);
        return;
    }
    switch (e->op->kind) {
    case KR_OP_CONNECT:
        tls_on_connect(k, ts, e->res);
        break;
    case KR_OP_SEND:
        tls_on_sent(k, ts, e->res);
        break;
    case KR_OP_RECV:
        tls_on_recv(k, ts, e);
        break;
    default:
        break;
    }
}

/* ---- the transport ---- */

static int tls_open(kr_transport_t *t, kr_sock_t *s, const char *host, const struct sockaddr *addr,
                    socklen_t addrlen, int timeout_ms)
{
    tls_tr_t *k = T(t);
    int slot = 0;
    while (slot < k->socks_max && k->socks[slot].used)
        slot++;
    if (slot == k->socks_max || strlen(host) >= sizeof(k->socks[0].host))
        return -EMFILE;
    tsock_t *ts = &k->socks[slot];
    uint8_t *stage = ts->stage, *cin = ts->cin;
    memset(ts, 0, sizeof(*ts));
    /* A slot's buffers are made on its first connection and kept for the next ones. */
    ts->stage = stage != NULL ? stage : malloc(TLS_STAGE);
    ts->cin = cin != NULL ? cin : malloc(TLS_CIN);
    if (ts->stage == NULL || ts->cin == NULL)
        return -ENOMEM;
    kr_sock_init(&ts->inner, ts);
    snprintf(ts->host, sizeof(ts->host), "%s", host);
    int rc = k->inner.ops->open(&k->inner, &ts->inner, host, addr, addrlen, timeout_ms);
    if (rc != 0)
        return rc;
    ts->used = true;
    ts->outer = s;
    s->slot = slot;
    s->err[0] = '\0';
    kr_transport_op_start(t, &s->op_connect);
    return 0;
}

static void tls_send(kr_transport_t *t, kr_sock_t *s, const struct msghdr *msg, bool zc)
{
    tls_tr_t *k = T(t);
    tsock_t *ts = &k->socks[s->slot];
    (void)zc; /* ciphertext is ours to send: nothing of the caller's stays pinned */
    kr_transport_op_start(t, &s->op_send);
    if (ts->dead) {
        kr_cq_push(&k->cq, &s->op_send, KR_ETLS, NULL);
        return;
    }
    ts->msg = msg;
    ts->round_plain = 0;
    tls_send_round(k, ts);
}

static void tls_recv(kr_transport_t *t, kr_sock_t *s, void *buf, size_t len)
{
    tls_tr_t *k = T(t);
    tsock_t *ts = &k->socks[s->slot];
    kr_transport_op_start(t, &s->op_recv);
    if (ts->dead) {
        kr_cq_push(&k->cq, &s->op_recv, KR_ETLS, NULL);
        return;
    }
    ts->rbuf = buf;
    ts->rlen = len;
    tls_read(k, ts);
    tls_arm(k, ts);
}

static void tls_cancel(kr_transport_t *t, kr_sock_t *s)
{
    tls_tr_t *k = T(t);
    if (s->slot < 0)
        return;
    tsock_t *ts = &k->socks[s->slot];
    kr_cq_fail_waiting(&k->cq, s, -ECANCELED);
    ts->msg = NULL;
    ts->rbuf = NULL;
    ts->dead = true;
    k->inner.ops->cancel(&k->inner, &ts->inner);
}

static void tls_close(kr_transport_t *t, kr_sock_t *s)
{
    tls_tr_t *k = T(t);
    assert(kr_sock_idle(s));
    if (s->slot < 0)
        return;
    tsock_t *ts = &k->socks[s->slot];
    ts->outer = NULL;
    s->slot = -1;
    if (!ts->dead)
        k->inner.ops->cancel(&k->inner, &ts->inner);
    ts->dead = true;
    tls_release(k, ts);
}

static int tls_wait(kr_transport_t *t, int64_t timeout_us)
{
    tls_tr_t *k = T(t);
    return k->inner.ops->wait(&k->inner, kr_cq_empty(&k->cq) ? timeout_us : 0);
}

/*
 * Inner completions are taken one at a time: an op's busy flag clears when its completion
 * is drained, and this layer decides from those flags whether the pair's bytes and the
 * receive buffer may be reused, so no later completion may be drained before the earlier
 * one is handled. Each
 * makes at most one outer completion: the queue keeps room for them.
 */
static unsigned tls_drain(kr_transport_t *t, kr_cqe_t *out, unsigned max)
{
    tls_tr_t *k = T(t);
    kr_cqe_t in;
    for (unsigned i = 0; i < KR_TRANSPORT_DRAIN_MAX && !kr_cq_full(&k->cq); i++) {
        if (k->inner.ops->drain(&k->inner, &in, 1) == 0)
            break;
        tls_on_inner(k, &in);
        k->inner.ops->done(&k->inner, &in);
    }
    return kr_cq_drain(&k->cq, t, out, max);
}

static void tls_done(kr_transport_t *t, const kr_cqe_t *e) { (void)t, (void)e; }

static void tls_exit(kr_transport_t *t)
{
    tls_tr_t *k = T(t);
    if (k == NULL)
        return;
    k->inner.ops->exit(&k->inner);
    for (int i = 0; i < k->socks_max; i++) {
        tsock_t *ts = &k->socks[i];
        if (ts->inner.fd >= 0)
            close(ts->inner.fd);
        SSL_free(ts->ssl);
        BIO_free(ts->net);
        free(ts->stage);
        free(ts->cin);
    }
    SSL_CTX_free(k->ctx);
    kr_cq_free(&k->cq);
    free(k->socks);
    free(k);
    t->impl = NULL;
}

static const kr_transport_ops_t tls_ops = {
    "tls",     tls_open, tls_send,  tls_recv, tls_cancel,
    tls_close, tls_wait, tls_drain, tls_done, tls_exit,
};

static int tls_passwd_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pw = u;
    size_t n = strlen(pw);
    if (n >= (size_t)size)
        return -1;
    memcpy(buf, pw, n);
    return (int)n;
}

/* Loads the trust anchors: a file or a directory, or the system's. */
static int tls_ctx_ca(SSL_CTX *ctx, const char *ca, char *errstr, size_t errlen)
{
    struct stat st;
    int ok;
    if (ca[0] == '\0')
        ok = SSL_CTX_set_default_verify_paths(ctx);
    else if (stat(ca, &st) == 0 && S_ISDIR(st.st_mode))
        ok = SSL_CTX_load_verify_dir(ctx, ca);
    else
        ok = SSL_CTX_load_verify_file(ctx, ca);
    if (ok != 1) {
        snprintf(errstr, errlen, "ssl.ca.location: cannot load CA certificates from \"%s\"",
                 ca[0] != '\0' ? ca : "the system store");
        return KR_ECONFIG;
    }
    return 0;
}

/* The client certificate and key for mutual TLS (the password never goes in a message). */
static int tls_ctx_cert(SSL_CTX *ctx, const kr_tls_conf_t *c, char *errstr, size_t errlen)
{
    if (c->cert_location[0] == '\0' && c->key_location[0] == '\0')
        return 0;
    if (c->cert_location[0] == '\0' || c->key_location[0] == '\0') {
        snprintf(errstr, errlen, "ssl.certificate.location and ssl.key.location go together");
        return KR_ECONFIG;
    }
    SSL_CTX_set_default_passwd_cb(ctx, tls_passwd_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)c->key_password);
    if (SSL_CTX_use_certificate_chain_file(ctx, c->cert_location) != 1) {
        snprintf(errstr, errlen, "ssl.certificate.location: cannot load \"%s\"", c->cert_location);
        return KR_ECONFIG;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, c->key_location, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(errstr, errlen,
                 "ssl.key.location: cannot load \"%s\" (wrong "
                 "ssl.key.password, or not the certificate's key)",
                 c->key_location);
        return KR_ECONFIG;
    }
    /* The context keeps the decrypted key: the password is not needed any more. */
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    return 0;
}

static int tls_ctx(tls_tr_t *k, const kr_tls_conf_t *c, char *errstr, size_t errlen)
{
    k->ctx = SSL_CTX_new(TLS_client_method());
    if (k->ctx == NULL)
        return -ENOMEM;
    SSL_CTX_set_min_proto_version(k->ctx, TLS1_2_VERSION);
    /* A write the full pair cut short is retried from the connection's iovecs, where the
     * same bytes may sit at another address (or in the stage). */
    SSL_CTX_set_mode(k->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(k->ctx, c->verify_cert ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    k->verify_host = c->verify_cert && c->verify_host;
    int rc = 0;
    if (c->verify_cert)
        rc = tls_ctx_ca(k->ctx, c->ca_location, errstr, errlen);
    if (rc == 0)
        rc = tls_ctx_cert(k->ctx, c, errstr, errlen);
    ERR_clear_error();
    return rc;
}

int kr_tls_init(kr_transport_t *t, const kr_transport_t *inner, const kr_tls_conf_t *c,
                char *errstr, size_t errlen)
{
    tls_tr_t *k = calloc(1, sizeof(*k));
    if (k == NULL)
        return -ENOMEM;
    k->socks_max = (int)inner->socks_max;
    k->socks = calloc(inner->socks_max, sizeof(tsock_t));
    int rc = k->socks == NULL || kr_cq_init(&k->cq, inner->socks_max) != 0 ? -ENOMEM : 0;
    if (rc == 0)
        rc = tls_ctx(k, c, errstr, errlen);
    if (rc != 0) {
        SSL_CTX_free(k->ctx);
        kr_cq_free(&k->cq);
        free(k->socks);
        free(k);
        return rc;
    }
    for (int i = 0; i < k->socks_max; i++)
        kr_sock_init(&k->socks[i].inner, &k->socks[i]);
    k->inner = *inner;
    *t = (kr_transport_t){.ops = &tls_ops,
                          .impl = k,
                          .socks_max = inner->socks_max,
                          .sndbuf = inner->sndbuf,
                          .rcvbuf = inner->rcvbuf};
    int n = snprintf(t->name, sizeof(t->name), "%s+tls", inner->name);
    assert(n > 0 && n < (int)sizeof(t->name)); /* the inner names are short */
    (void)n;
    snprintf(t->info, sizeof(t->info), "tls (%s) over %s", OpenSSL_version(OPENSSL_VERSION),
             inner->name);
    return 0;
}
