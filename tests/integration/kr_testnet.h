/*
 * A plain blocking-socket Kafka connection for the integration tests: connect to
 * host:port, send one framed request (built with proto's kr_request_begin, the body
 * writers and kr_request_end), read one response frame (int32 Size, then the body).
 * Every socket call has a timeout (SO_RCVTIMEO/SO_SNDTIMEO), so a test never hangs on
 * a silent broker. Deliberately not the engine: one request at a time, nothing clever.
 *
 * Errors: 0, a negative errno (-ETIMEDOUT for a timeout, -ECONNRESET for a peer that
 * closed the connection), or a KR_E... code (KR_ECORRELATION for a response that
 * answers another request; KR_ETRUNC/KR_EMALFORMED for a bad response header).
 */
#ifndef KR_TESTNET_H
#define KR_TESTNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kr_buf.h"
#include "kr_header.h"

/* Room for one request: a Produce with a 1 MiB record and its LZ4 overhead. */
#define KR_TESTNET_SEND_CAP (4u << 20)
/* The largest response frame accepted. */
#define KR_TESTNET_RECV_MAX (64u << 20)
#define KR_TESTNET_TIMEOUT_MS 30000

/*
 * One connection. Owns its socket and two heap buffers (the tests may allocate).
 * `w` is the cursor kr_testnet_begin() hands out; the fields after it describe the
 * request in flight, for checking its response.
 */
typedef struct kr_testconn {
    int fd;
    int32_t next_corr;
    uint8_t *sbuf;
    uint8_t *rbuf;
    size_t rcap;
    kr_wbuf_t w;
    size_t size_off;
    int16_t api_key;
    int16_t version;
    int32_t corr;
    bool resp_flex; /* response header v1 */
} kr_testconn_t;

/*
 * Connects to "host:port" (IPv4 numeric or a name) with KR_TESTNET_TIMEOUT_MS on
 * connect, send and receive. Returns 0 or a negative errno (-EINVAL for a malformed
 * address). On failure nothing is left open.
 */
int kr_testnet_connect(kr_testconn_t *c, const char *hostport);

/* Closes the socket and frees the buffers. Safe on a closed or failed connection. */
void kr_testnet_close(kr_testconn_t *c);

/*
 * The header of the next request: client id "kring-test", a fresh correlation id.
 * Remembers api_key/version/correlation id for the response. The caller writes the
 * whole request itself (kr_ProduceRequest_write) and sends it with kr_testnet_call_raw().
 */
kr_RequestHeader_t kr_testnet_header(kr_testconn_t *c, int16_t api_key, int16_t version);

/*
 * Starts a request in the connection's send buffer: Size placeholder and header. The
 * caller writes the body to the returned cursor, then calls kr_testnet_call().
 */
kr_wbuf_t *kr_testnet_begin(kr_testconn_t *c, int16_t api_key, int16_t version);

/*
 * kr_testnet_begin() for an API kring does not speak (kr_header.h has no entry for it),
 * such as FindCoordinator: request header v2 if `flex`, else v1; the response header is
 * then v1 or v0 alike.
 */
kr_wbuf_t *kr_testnet_begin_other(kr_testconn_t *c, int16_t api_key, int16_t version, bool flex);

/*
 * Frames the request kr_testnet_begin() started, sends it, reads the response, checks
 * its correlation id and header, and points *body at the response body (borrowed from
 * the connection; valid until its next request). Returns 0 or an error (see above;
 * w->err of the request first).
 */
int kr_testnet_call(kr_testconn_t *c, kr_rbuf_t *body);

/*
 * Sends req[0..len), a whole request written with kr_testnet_header()'s header, and
 * reads its response as kr_testnet_call() does.
 */
int kr_testnet_call_raw(kr_testconn_t *c, const void *req, size_t len, kr_rbuf_t *body);

#endif
