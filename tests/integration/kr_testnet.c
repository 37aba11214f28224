/* The integration tests' blocking Kafka connection (see kr_testnet.h). */
#include "kr_testnet.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define CLIENT_ID "kring-test"

/* Applies the send/receive timeout to fd (it also bounds connect() on Linux). */
static int set_timeouts(int fd)
{
    struct timeval tv = {KR_TESTNET_TIMEOUT_MS / 1000, (KR_TESTNET_TIMEOUT_MS % 1000) * 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
        return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
        return -errno;
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        return -errno;
    return 0;
}

/* Splits "host:port" at its last ':' into host (NUL-terminated) and port. */
static int split_hostport(const char *hostport, char *host, size_t host_cap, const char **port)
{
    const char *colon = strrchr(hostport, ':');
    if (colon == NULL || colon == hostport || colon[1] == '\0')
        return -EINVAL;
    size_t n = (size_t)(colon - hostport);
    if (n >= host_cap)
        return -EINVAL;
    memcpy(host, hostport, n);
    host[n] = '\0';
    *port = colon + 1;
    return 0;
}

/* Resolves and connects; returns a connected socket or a negative errno. */
static int dial(const char *hostport)
{
    char host[256];
    const char *port;
    int rc = split_hostport(hostport, host, sizeof(host), &port);
    if (rc != 0)
        return rc;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return -EHOSTUNREACH;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    rc = fd < 0 ? -errno : set_timeouts(fd);
    if (rc == 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
        rc = errno == EINPROGRESS ? -ETIMEDOUT : -errno;
    freeaddrinfo(ai);
    if (rc != 0) {
        if (fd >= 0)
            close(fd);
        return rc;
    }
    return fd;
}

int kr_testnet_connect(kr_testconn_t *c, const char *hostport)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->next_corr = 1;
    c->sbuf = malloc(KR_TESTNET_SEND_CAP);
    c->rcap = 1u << 16;
    c->rbuf = malloc(c->rcap);
    if (c->sbuf == NULL || c->rbuf == NULL) {
        kr_testnet_close(c);
        return -ENOMEM;
    }
    int fd = dial(hostport);
    if (fd < 0) {
        kr_testnet_close(c);
        return fd;
    }
    c->fd = fd;
    return 0;
}

void kr_testnet_close(kr_testconn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->sbuf);
    free(c->rbuf);
    c->sbuf = NULL;
    c->rbuf = NULL;
}

kr_RequestHeader_t kr_testnet_header(kr_testconn_t *c, int16_t api_key, int16_t version)
{
    c->api_key = api_key;
    c->version = version;
    c->corr = c->next_corr++;
    c->resp_flex = kr_response_header_flexible(api_key, version);
    kr_RequestHeader_t h = {api_key, version, c->corr, CLIENT_ID, sizeof(CLIENT_ID) - 1};
    return h;
}

kr_wbuf_t *kr_testnet_begin(kr_testconn_t *c, int16_t api_key, int16_t version)
{
    kr_RequestHeader_t h = kr_testnet_header(c, api_key, version);
    kr_wbuf_init(&c->w, c->sbuf, KR_TESTNET_SEND_CAP);
    c->size_off = kr_request_begin(&c->w, &h);
    return &c->w;
}

kr_wbuf_t *kr_testnet_begin_other(kr_testconn_t *c, int16_t api_key, int16_t version, bool flex)
{
    c->api_key = api_key;
    c->version = version;
    c->corr = c->next_corr++;
    c->resp_flex = flex;
    kr_wbuf_init(&c->w, c->sbuf, KR_TESTNET_SEND_CAP);
    /* kr_request_begin() by hand: it only knows kring's APIs. */
    c->size_off = kr_wbuf_reserve(&c->w, 4);
    kr_wbuf_i16(&c->w, api_key);
    kr_wbuf_i16(&c->w, version);
    kr_wbuf_i32(&c->w, c->corr);
    kr_wbuf_nstr(&c->w, false, CLIENT_ID, sizeof(CLIENT_ID) - 1);
    kr_wbuf_tags(&c->w, flex);
    return &c->w;
}

/* Writes all of buf; returns 0 or a negative errno (-ETIMEDOUT on timeout). */
static int send_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads exactly len bytes; returns 0, -ECONNRESET at end of stream, or a negative errno. */
static int recv_all(int fd, uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = recv(fd, buf, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
        if (n == 0)
            return -ECONNRESET;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads one response frame into c->rbuf (grown as needed); *len gets its size. */
static int recv_frame(kr_testconn_t *c, size_t *len)
{
    uint8_t size_be[4];
    int rc = recv_all(c->fd, size_be, 4);
    if (rc != 0)
        return rc;
    uint32_t size = (uint32_t)size_be[0] << 24 | (uint32_t)size_be[1] << 16 |
                    (uint32_t)size_be[2] << 8 | size_be[3];
    if (size < 4 || size > KR_TESTNET_RECV_MAX)
        return KR_EMALFORMED;
    if (size > c->rcap) {
        uint8_t *p = realloc(c->rbuf, size);
        if (p == NULL)
            return -ENOMEM;
        c->rbuf = p;
        c->rcap = size;
    }
    *len = size;
    return recv_all(c->fd, c->rbuf, size);
}

int kr_testnet_call_raw(kr_testconn_t *c, const void *req, size_t len, kr_rbuf_t *body)
{
    int rc = send_all(c->fd, req, len);
    size_t resp_len = 0;
    if (rc == 0)
        rc = recv_frame(c, &resp_len);
    if (rc != 0)
        return rc;
    kr_rbuf_init(body, c->rbuf, resp_len);
    int32_t corr;
    rc = kr_ResponseHeader_read(body, c->resp_flex, &corr);
    if (rc != 0)
        return rc;
    return corr == c->corr ? 0 : KR_ECORRELATION;
}

int kr_testnet_call(kr_testconn_t *c, kr_rbuf_t *body)
{
    int rc = kr_request_end(&c->w, c->size_off);
    if (rc != 0)
        return rc;
    return kr_testnet_call_raw(c, c->sbuf, kr_wbuf_len(&c->w), body);
}
