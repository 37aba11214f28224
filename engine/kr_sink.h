/*
 * Benchmark support, not part of kring.h: a producer whose transport is a memory sink.
 *
 * Everything up to the socket runs as usual: kr_produce() appends, batches close (LZ4,
 * CRC), the sender frames Produce requests with the batches as iovecs, the connection
 * gathers them into one sendmsg. The sink transport (kr_sink.c) then plays the broker:
 * it takes the request's bytes (one copy, where the kernel would copy them into the
 * socket) and answers ApiVersions, Metadata, InitProducerId and Produce at once, so the
 * responses go through the same decoding as a real broker's. bench/ measures kring's
 * per-core pipeline with it.
 */
#ifndef KR_SINK_H
#define KR_SINK_H

#include <stdint.h>

#include "kring.h"

/*
 * Creates a sink producer for one topic of `partitions` partitions, led by a single
 * node that speaks Produce up to `produce_version` (3..12). bootstrap.servers may be
 * unset. Errors as kr_producer_new(), and KR_EVERSION for a version out of range.
 */
int kr_producer_new_sink(kr_producer_t **out, const kr_conf_t *conf, const char *topic,
                         int32_t partitions, int16_t produce_version, char *errstr, size_t errlen);

/* Bytes of requests handed to the sink so far. */
uint64_t kr_producer_sink_bytes(const kr_producer_t *p);

#endif
