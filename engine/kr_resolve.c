/* Host name lookups off the producer's thread: getaddrinfo_a(). */
#define _GNU_SOURCE
#include "kr_resolve.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_error.h"

struct kr_resolve_job {
    struct gaicb cb;        /* getaddrinfo_a's request: must not move while it runs */
    struct addrinfo hints;
    char host[256];
    char port[8];
    bool busy;              /* submitted, outcome not yet taken */
    bool dropped;           /* given up on: the outcome is thrown away */
};

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

/* Takes a finished lookup's outcome: 0 or KR_ETRANSPORT. */
static int resolve_take(kr_resolve_t *r, int gai, char *err, size_t errlen)
{
    struct kr_resolve_job *j = r->job;
    j->busy = false;
    struct addrinfo *res = j->cb.ar_result;
    j->cb.ar_result = NULL;
    int n = gai == 0 ? resolve_keep(r, res) : 0;
    if (res != NULL)
        freeaddrinfo(res);
    if (j->dropped) {
        j->dropped = false;
        r->cnt = r->next = 0;
        return KR_RESOLVE_PENDING; /* the caller asks again */
    }
    if (n > 0)
        return 0;
    snprintf(err, errlen, "cannot resolve %s: %s", j->host,
             gai != 0 ? gai_strerror(gai) : "no address");
    return KR_ETRANSPORT;
}

int kr_resolve_poll(kr_resolve_t *r, char *err, size_t errlen)
{
    struct kr_resolve_job *j = r->job;
    if (j == NULL || !j->busy)
        return r->next < r->cnt ? 0 : KR_ETRANSPORT;
    int gai = gai_error(&j->cb);
    if (gai == EAI_INPROGRESS)
        return KR_RESOLVE_PENDING;
    return resolve_take(r, gai, err, errlen);
}

bool kr_resolve_busy(const kr_resolve_t *r) { return r->job != NULL && r->job->busy; }

int kr_resolve_start(kr_resolve_t *r, const char *host, int port, char *err, size_t errlen)
{
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%d", port);
    r->cnt = r->next = 0;
    /* A numeric address needs no lookup: parsed here, never blocking. */
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_NUMERICHOST};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, portstr, &hints, &res) == 0) {
        int n = resolve_keep(r, res);
        freeaddrinfo(res);
        return n > 0 ? 0 : KR_ETRANSPORT;
    }
    if (r->job == NULL && (r->job = calloc(1, sizeof(*r->job))) == NULL)
        return -ENOMEM;
    struct kr_resolve_job *j = r->job;
    if (j->busy) {
        /* An earlier lookup, given up on, still runs: its answer is dropped first. */
        int rc = kr_resolve_poll(r, err, errlen);
        if (rc == KR_RESOLVE_PENDING && j->busy)
            return KR_RESOLVE_PENDING;
    }
    if (strlen(host) >= sizeof(j->host)) {
        snprintf(err, errlen, "host name too long");
        return KR_ETRANSPORT;
    }
    snprintf(j->host, sizeof(j->host), "%s", host);
    memcpy(j->port, portstr, sizeof(j->port));
    j->hints = (struct addrinfo){.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                                 .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG};
    j->cb = (struct gaicb){.ar_name = j->host, .ar_service = j->port, .ar_request = &j->hints};
    j->dropped = false;
    struct gaicb *list[1] = {&j->cb};
    int gai = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(gai));
        return gai == EAI_MEMORY ? -ENOMEM : KR_ETRANSPORT;
    }
    j->busy = true;
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
    if (j == NULL || !j->busy)
        return;
    int rc = gai_cancel(&j->cb);
    if (rc == EAI_ALLDONE || rc == EAI_CANCELED) {
        char err[8];
        resolve_take(r, gai_error(&j->cb), err, sizeof(err));
        r->cnt = r->next = 0;
        return;
    }
    j->dropped = true;
}

void kr_resolve_free(kr_resolve_t *r)
{
    struct kr_resolve_job *j = r->job;
    if (j == NULL)
        return;
    if (j->busy) {
        gai_cancel(&j->cb);
        while (gai_error(&j->cb) == EAI_INPROGRESS) {
            const struct gaicb *list[1] = {&j->cb};
            gai_suspend(list, 1, NULL);
        }
        if (j->cb.ar_result != NULL)
            freeaddrinfo(j->cb.ar_result);
    }
    free(j);
    r->job = NULL;
}
