/* Host name lookups off the producer's thread: one short-lived thread per lookup. */
#define _GNU_SOURCE
#include "kr_resolve.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_error.h"

enum { JOB_RUNNING, JOB_DONE, JOB_DROPPED };

/* One lookup, shared by the connection and the lookup's thread: whichever of them comes
 * last (the connection taking the answer, or the thread finding it dropped) frees it. */
struct kr_resolve_job {
    _Atomic int state;
    char host[256];
    char port[8];
    int gai; /* getaddrinfo's result, once DONE */
    struct addrinfo *res;
};

static void resolve_job_free(struct kr_resolve_job *j)
{
    if (j->res != NULL)
        freeaddrinfo(j->res);
    free(j);
}

static void *resolve_thread(void *arg)
{
    struct kr_resolve_job *j = arg;
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG};
    j->gai = getaddrinfo(j->host, j->port, &hints, &j->res);
    if (atomic_exchange(&j->state, JOB_DONE) == JOB_DROPPED)
        resolve_job_free(j);
    return NULL;
}

/* Keeps every stream address of ai, in order. Returns how many. */
static int resolve_keep(kr_resolve_t *r, const struct addrinfo *ai)
{
    r->cnt = 0;
    r->next = 0;
    for (; ai != NULL && r->cnt < KR_RESOLVE_ADDRS_MAX; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(r->addr[0]))
            continue;
        memcpy(&r->addr[r->cnt], ai->ai_addr, ai->ai_addrlen);
        r->addrlen[r->cnt++] = ai->ai_addrlen;
    }
    return r->cnt;
}

int kr_resolve_poll(kr_resolve_t *r, char *err, size_t errlen)
{
    struct kr_resolve_job *j = r->job;
    if (j == NULL)
        return r->next < r->cnt ? 0 : KR_ETRANSPORT;
    if (atomic_load(&j->state) == JOB_RUNNING)
        return KR_RESOLVE_PENDING;
    r->job = NULL;
    int n = j->gai == 0 ? resolve_keep(r, j->res) : 0;
    if (n == 0)
        snprintf(err, errlen, "cannot resolve %s: %s", j->host,
                 j->gai != 0 ? gai_strerror(j->gai) : "no address");
    resolve_job_free(j);
    return n > 0 ? 0 : KR_ETRANSPORT;
}

bool kr_resolve_busy(const kr_resolve_t *r) { return r->job != NULL; }

/* Starts the lookup's thread. 0, KR_ETRANSPORT (host name too long) or -errno. */
static int resolve_spawn(kr_resolve_t *r, const char *host, const char *port)
{
    struct kr_resolve_job *j = calloc(1, sizeof(*j));
    if (j == NULL)
        return -ENOMEM;
    if (strlen(host) >= sizeof(j->host)) {
        free(j);
        return KR_ETRANSPORT;
    }
    snprintf(j->host, sizeof(j->host), "%s", host);
    snprintf(j->port, sizeof(j->port), "%s", port);
    atomic_init(&j->state, JOB_RUNNING);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    int rc = pthread_create(&th, &attr, resolve_thread, j);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        free(j);
        return -rc;
    }
    r->job = j;
    return 0;
}

int kr_resolve_start(kr_resolve_t *r, const char *host, int port, char *err, size_t errlen)
{
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%d", port);
    kr_resolve_cancel(r);
    r->cnt = r->next = 0;
    /* A numeric address needs no lookup: parsed here, never blocking. */
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_NUMERICHOST};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, portstr, &hints, &res) == 0) {
        int n = resolve_keep(r, res);
        freeaddrinfo(res);
        return n > 0 ? 0 : KR_ETRANSPORT;
    }
    int rc = resolve_spawn(r, host, portstr);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", host,
                 rc == KR_ETRANSPORT ? "host name too long" : kr_strerror(rc));
        return rc;
    }
    return KR_RESOLVE_PENDING;
}

const struct sockaddr *kr_resolve_next(kr_resolve_t *r, socklen_t *len)
{
    if (kr_resolve_busy(r) || r->next >= r->cnt)
        return NULL;
    *len = r->addrlen[r->next];
    return (const struct sockaddr *)&r->addr[r->next++];
}

void kr_resolve_cancel(kr_resolve_t *r)
{
    struct kr_resolve_job *j = r->job;
    if (j == NULL)
        return;
    r->job = NULL;
    if (atomic_exchange(&j->state, JOB_DROPPED) == JOB_DONE)
        resolve_job_free(j); /* else its thread frees it when getaddrinfo returns */
}

void kr_resolve_free(kr_resolve_t *r) { kr_resolve_cancel(r); }
