/*
 * Host name lookups that never block the producer's thread.
 *
 * A numeric address is parsed at once. A name is looked up by getaddrinfo() on a
 * short-lived thread of its own (one per lookup, detached, gone once getaddrinfo returns);
 * the connection asks for the outcome on its ticks (kr_resolve_poll, every
 * KR_RESOLVE_POLL_US), so the producer thread never waits on DNS. The connection bounds
 * the wait (socket.connection.setup.timeout.ms covers the lookup and the connect); a
 * lookup given up on is left to finish on its thread, which then frees it.
 *
 * Every address of the answer (IPv6 and IPv4 alike, in getaddrinfo's order) is kept, up
 * to KR_RESOLVE_ADDRS_MAX; the connection tries them in turn (kr_resolve_next) and looks
 * the name up again once they are all used.
 */
#ifndef KR_RESOLVE_H
#define KR_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define KR_RESOLVE_ADDRS_MAX 16
#define KR_RESOLVE_POLL_US 1000 /* how often a tick looks at a lookup in progress */

struct kr_resolve_job;

typedef struct kr_resolve {
    struct kr_resolve_job *job; /* the lookup's state, allocated with the first lookup */
    struct sockaddr_storage addr[KR_RESOLVE_ADDRS_MAX];
    socklen_t addrlen[KR_RESOLVE_ADDRS_MAX];
    int cnt;  /* addresses of the last lookup */
    int next; /* the next one to try */
} kr_resolve_t;

/* Outcomes besides 0 (the addresses are there) and KR_ETRANSPORT (no such host). */
#define KR_RESOLVE_PENDING 1

/*
 * Starts looking host:port up (a lookup still running from before is dropped). Returns 0
 * (a numeric address: done), KR_RESOLVE_PENDING, KR_ETRANSPORT or -errno (why in err).
 */
int kr_resolve_start(kr_resolve_t *r, const char *host, int port, char *err, size_t errlen);

/* The lookup's outcome: 0 (addresses there), KR_RESOLVE_PENDING or KR_ETRANSPORT. */
int kr_resolve_poll(kr_resolve_t *r, char *err, size_t errlen);

/* True while a lookup runs and its answer is not taken yet. */
bool kr_resolve_busy(const kr_resolve_t *r);

/* The next address to try, or NULL when every address of the last lookup was tried. */
const struct sockaddr *kr_resolve_next(kr_resolve_t *r, socklen_t *len);

/* Forgets the addresses left: the next connect looks the name up again. */
static inline void kr_resolve_forget(kr_resolve_t *r) { r->next = r->cnt; }

/* Gives a lookup up: its answer, when it comes, is dropped. */
void kr_resolve_cancel(kr_resolve_t *r);

/* Drops a lookup still running (its thread frees it); never waits. */
void kr_resolve_free(kr_resolve_t *r);

#endif
