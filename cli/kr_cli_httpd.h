/*
 * A minimal HTTP/1.1 server for /metrics: one thread, one connection at a time, every
 * response with Connection: close. It serves GET /metrics from a render callback and
 * answers anything else with 404 or 405. The thread never touches a producer.
 */
#ifndef KR_CLI_HTTPD_H
#define KR_CLI_HTTPD_H

#include <stddef.h>

/* Fills *body and *len with the page; valid until the next call. Runs on the server thread. */
typedef void kr_cli_httpd_render_t(const char **body, size_t *len, void *ctx);

typedef struct kr_cli_httpd kr_cli_httpd_t;

/*
 * Binds and listens on addr ("HOST:PORT"; an IPv6 host in brackets) and starts the
 * thread. Returns NULL with a message in err (unresolvable, in use, no permission).
 */
kr_cli_httpd_t *kr_cli_httpd_start(const char *addr, kr_cli_httpd_render_t *render, void *ctx,
                                   char *err, size_t errlen);

/* Stops the thread (within about 100 ms), closes the socket, frees everything. */
void kr_cli_httpd_stop(kr_cli_httpd_t *h);

#endif
