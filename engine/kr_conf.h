/*
 * Producer settings: the parsed, validated form of kr_conf_t, and the table that maps
 * Java/librdkafka setting names onto it.
 */
#ifndef KR_CONF_H
#define KR_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "kring.h"

#define KR_CONF_STR_MAX 1024

enum kr_partitioner {
    KR_PARTITIONER_MURMUR2 = 0,    /* keyed: Java murmur2; unkeyed: sticky (KIP-480) */
    KR_PARTITIONER_MURMUR2_RANDOM, /* as above, unkeyed records spread one by one */
};

enum kr_security_protocol {
    KR_SEC_PLAINTEXT = 0,
    KR_SEC_SSL,
    KR_SEC_SASL_PLAINTEXT,
    KR_SEC_SASL_SSL
};
enum kr_sasl_mechanism {
    KR_SASL_NONE = 0,
    KR_SASL_PLAIN,
    KR_SASL_SCRAM_SHA_256,
    KR_SASL_SCRAM_SHA_512,
    KR_SASL_OAUTHBEARER
};

struct kr_conf {
    char bootstrap_servers[KR_CONF_STR_MAX];
    char client_id[256];
    int acks;              /* -1 (all), 0, 1 */
    int idempotence;       /* -1: default (on when acks=all), 0, 1 */
    int compression;       /* codec id: 0 none, 3 lz4, 4 zstd */
    int compression_level; /* zstd level (kr_zstd_level_min()..max(), 0: zstd's default) */
    int linger_ms;
    int batch_size;
    int max_in_flight;
    int retries;
    int retry_backoff_ms;
    int retry_backoff_max_ms;
    int request_timeout_ms;
    int delivery_timeout_ms;
    int64_t buffer_memory;
    int max_request_size;
    int metadata_max_age_ms;
    int partitioner;
    int socket_send_buffer_bytes;    /* 0: the kernel's default */
    int socket_receive_buffer_bytes; /* 0: the kernel's default */
    int socket_connection_setup_timeout_ms;
    int zerocopy_min_bytes; /* sendmsg of at least this many bytes is zero-copy */
    int reconnect_backoff_ms;
    int reconnect_backoff_max_ms;
    int topic_metadata_propagation_max_ms;
    int connections_max;           /* brokers one producer connects to, at most */
    int receive_message_max_bytes; /* the largest response a connection takes */
    int io_engine;                 /* enum kr_io_engine (kr_transport.h) */
    int security_protocol;         /* enum kr_security_protocol */
    char ssl_ca_location[KR_CONF_STR_MAX];
    char ssl_certificate_location[KR_CONF_STR_MAX];
    char ssl_key_location[KR_CONF_STR_MAX];
    char ssl_key_password[256]; /* a secret: never in a message or a log */
    int ssl_verify_host;        /* ssl.endpoint.identification.algorithm=https */
    int ssl_verify_cert;        /* enable.ssl.certificate.verification */
    int sasl_mechanism;         /* enum kr_sasl_mechanism */
    char sasl_username[256];
    char sasl_password[256]; /* a secret */
    kr_oauthbearer_cb_t *oauth_cb;
    void *oauth_ctx;
    char debug[128];         /* "", or "all": connection and request events to the log */
    kr_delivery_cb_t *dr_cb; /* at most one of dr_cb and drb_cb is set */
    kr_delivery_batch_cb_t *drb_cb;
    void *dr_ctx;
    kr_log_cb_t *log_cb;
    void *log_ctx;
    int statistics_interval_ms; /* 0: no statistics document */
    kr_stats_cb_t *stats_cb;
    void *stats_ctx;
};

/* Fills conf with the defaults. */
void kr_conf_defaults(kr_conf_t *conf);

/* Checks settings against each other; KR_ECONFIG with a message on a conflict. */
int kr_conf_validate(const kr_conf_t *conf, char *errstr, size_t errlen);

/* True if the producer will be idempotent with these settings. */
bool kr_conf_idempotent(const kr_conf_t *conf);

#endif
