/*
 * InitProducerId (key 22), versions 0..5: the producer id and epoch an idempotent (or
 * transactional) producer stamps on its batches, and the epoch bump of KIP-360.
 *
 * Writer and reader follow the conventions in kr_apiversions.h: the writer writes the
 * body only (frame it with kr_request_begin/kr_request_end) and returns w->err or
 * KR_EVERSION; the reader consumes the body after the response header exactly.
 *
 * Layouts: flexible (compact strings, tagged fields) from v2; the request carries
 * ProducerId and ProducerEpoch from v3. Versions 4 and 5 only add error codes
 * (PRODUCER_FENCED, TRANSACTION_ABORTABLE); the response layout is the same in all
 * versions apart from flexibility.
 */
#ifndef KR_INITPID_H
#define KR_INITPID_H

#include <stddef.h>
#include <stdint.h>

#include "kr_buf.h"

/*
 * A fresh producer id: ProducerId -1 and ProducerEpoch -1. To bump the epoch (v3+),
 * the current ProducerId and ProducerEpoch. TransactionalId NULL writes null (kring's
 * idempotent producer is not transactional); the writer only borrows it.
 */
typedef struct kr_InitProducerIdRequest {
    const char *TransactionalId;
    size_t TransactionalIdLen;
    int32_t TransactionTimeoutMs;
    int64_t ProducerId;
    int16_t ProducerEpoch;
} kr_InitProducerIdRequest_t;

typedef struct kr_InitProducerIdResponse {
    int32_t ThrottleTimeMs;
    int16_t ErrorCode;
    int64_t ProducerId;
    int16_t ProducerEpoch;
} kr_InitProducerIdResponse_t;

/*
 * Writes the InitProducerIdRequest body for `version` (0..5). Returns w->err, or
 * KR_EVERSION (nothing written) for another version, or for a ProducerId/ProducerEpoch
 * other than -1/-1 below v3, which cannot carry them.
 */
int kr_InitProducerIdRequest_write(kr_wbuf_t *w, int16_t version,
                                   const kr_InitProducerIdRequest_t *req);

/*
 * Reads an InitProducerIdResponse body of `version` (0..5) into `out`. Returns 0,
 * KR_ETRUNC, KR_EMALFORMED (bytes left over) or KR_EVERSION.
 */
int kr_InitProducerIdResponse_read(kr_rbuf_t *r, int16_t version, kr_InitProducerIdResponse_t *out);

#endif
