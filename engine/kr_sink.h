/*
 * Benchmark support, not part of kring.h: a producer whose only broker is a memory sink.
 *
 * Everything up to the socket runs as usual: kr_produce() appends, batches close (LZ4,
 * CRC), the sender frames Produce requests with the batches as iovecs. Where a real
 * producer would queue the request on a connection, the sink counts its bytes and
 * acknowledges every batch at once. bench/ measures kring's per-core pipeline with it.
 */
#ifndef KR_SINK_H
#define KR_SINK_H

#include <stdint.h>

#include "kring.h"

/*
 * Creates a sink producer for one topic of `partitions` partitions, led by a single
 * node that speaks Produce `produce_version`. bootstrap.servers may be unset. When the
 * configuration is idempotent the producer id is 1, epoch 0. Errors as kr_producer_new().
 */
int kr_producer_new_sink(kr_producer_t **out, const kr_conf_t *conf, const char *topic,
                         int32_t partitions, int16_t produce_version, char *errstr,
                         size_t errlen);

/* Bytes of requests handed to the sink so far. */
uint64_t kr_producer_sink_bytes(const kr_producer_t *p);

#endif
