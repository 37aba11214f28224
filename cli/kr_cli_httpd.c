/* The /metrics server. See kr_cli_httpd.h. */
#include "kr_cli_httpd.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define REQ_MAX 8192
#define IO_TIMEOUT_MS 2000

struct kr_cli_httpd {
    int fd;
    pthread_t tid;
    _Atomic int stop;
    kr_cli_httpd_render_t *render;
    void *ctx;
};

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void respond(int fd, const char *status, const char *type, const char *body, size_t len)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, type, len);
    if (send_all(fd, head, (size_t)n) == 0)
        send_all(fd, body, len);
}

/* Reads the request head (bounded in size and time) and answers it. */
static void serve(kr_cli_httpd_t *h, int fd)
{
    struct timeval tv = {IO_TIMEOUT_MS / 1000, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    char req[REQ_MAX + 1];
    size_t len = 0;
    while (len < REQ_MAX) {
        ssize_t r = recv(fd, req + len, REQ_MAX - len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        len += (size_t)r;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n") != NULL || strstr(req, "\n\n") != NULL)
            break;
    }
    req[len] = '\0';
    static const char text[] = "text/plain; charset=utf-8";
    if (strncmp(req, "GET ", 4) != 0 && strncmp(req, "HEAD ", 5) != 0) {
        respond(fd, "405 Method Not Allowed", text, "GET only\n", 9);
        return;
    }
    const char *path = strchr(req, ' ') + 1;
    size_t plen = strcspn(path, " ?\r\n");
    if (plen != 8 || strncmp(path, "/metrics", 8) != 0) {
        respond(fd, "404 Not Found", text, "see /metrics\n", 13);
        return;
    }
    const char *body;
    size_t blen;
    h->render(&body, &blen, h->ctx);
    respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body,
            req[0] == 'H' ? 0 : blen);
}

static void *httpd_main(void *arg)
{
    kr_cli_httpd_t *h = arg;
    while (!atomic_load(&h->stop)) {
        struct pollfd pfd = {h->fd, POLLIN, 0};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        int c = accept(h->fd, NULL, NULL);
        if (c < 0)
            continue;
        serve(h, c);
        close(c);
    }
    return NULL;
}

/* Splits "HOST:PORT" / "[V6]:PORT"; an empty host means every address. */
static int split_addr(const char *addr, char *host, size_t hlen, const char **port)
{
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || colon[1] == '\0')
        return -1;
    const char *h0 = addr, *h1 = colon;
    if (*h0 == '[' && h1 > h0 && h1[-1] == ']') {
        h0++;
        h1--;
    }
    if ((size_t)(h1 - h0) >= hlen)
        return -1;
    memcpy(host, h0, (size_t)(h1 - h0));
    host[h1 - h0] = '\0';
    *port = colon + 1;
    return 0;
}

static int listen_on(const char *addr, char *err, size_t errlen)
{
    char host[256];
    const char *port;
    if (split_addr(addr, host, sizeof(host), &port) != 0) {
        snprintf(err, errlen, "'%s' is not HOST:PORT", addr);
        return -1;
    }
    struct addrinfo hints = {.ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res;
    int rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0) {
        snprintf(err, errlen, "%s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

kr_cli_httpd_t *kr_cli_httpd_start(const char *addr, kr_cli_httpd_render_t *render, void *ctx,
                                   char *err, size_t errlen)
{
    kr_cli_httpd_t *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->render = render;
    h->ctx = ctx;
    h->fd = listen_on(addr, err, errlen);
    if (h->fd < 0) {
        free(h);
        return NULL;
    }
    int rc = pthread_create(&h->tid, NULL, httpd_main, h);
    if (rc != 0) {
        snprintf(err, errlen, "pthread_create: %s", strerror(rc));
        close(h->fd);
        free(h);
        return NULL;
    }
    return h;
}

void kr_cli_httpd_stop(kr_cli_httpd_t *h)
{
    if (h == NULL)
        return;
    atomic_store(&h->stop, 1);
    pthread_join(h->tid, NULL);
    close(h->fd);
    free(h);
}
