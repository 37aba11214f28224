/*
 * TLS for the producer's connections: a transport that wraps the socket transport
 * (kr_tls.c says how). security.protocol SSL and SASL_SSL put it in place.
 */
#ifndef KR_TLS_H
#define KR_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "kr_transport.h"

typedef struct kr_tls_conf {
    const char *ca_location;   /* PEM file or directory of CA certificates; "": the system's */
    const char *cert_location; /* client certificate chain (PEM), "": none */
    const char *key_location;  /* its private key (PEM), "": none */
    const char *key_password;  /* for an encrypted key, "": none */
    bool verify_cert;          /* enable.ssl.certificate.verification */
    bool verify_host;          /* ssl.endpoint.identification.algorithm=https */
} kr_tls_conf_t;

/*
 * Sets up t as TLS over `inner` (a set-up socket transport, which t takes over: on
 * success the caller must not use or exit inner any more; on failure it still owns it).
 * The strings of c are read here only. Returns 0, KR_ECONFIG with a message (a CA file,
 * certificate or key that does not load) or -ENOMEM.
 */
int kr_tls_init(kr_transport_t *t, const kr_transport_t *inner, const kr_tls_conf_t *c,
                char *errstr, size_t errlen);

#endif
