/*
 * RecordBatch v2 for the integration tests: a record described as plain data, one
 * closed batch built from a list of them with proto's kr_batch (codec none, LZ4 or ZSTD),
 * and the comparison of what kcat read back with what was sent.
 */
#ifndef KR_TESTBATCH_H
#define KR_TESTBATCH_H

#include <stddef.h>
#include <stdint.h>

#include "kr_batch.h"
#include "kr_testenv.h"

/* One record as sent. key/value NULL: null (their length is then ignored). */
typedef struct kr_test_record {
    int64_t timestamp;
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    const kr_record_header_t *headers;
    size_t header_count;
} kr_test_record_t;

/* A closed batch in its own heap buffer. */
typedef struct kr_test_batch {
    uint8_t *data;
    size_t len;
} kr_test_batch_t;

/*
 * Builds one batch of recs[0..n) (n > 0) with BaseTimestamp recs[0].timestamp, closed
 * with `codec` (KR_CODEC_NONE, KR_CODEC_LZ4 or KR_CODEC_ZSTD) and `producer` (NULL: not idempotent).
 * Fails the test on any builder error. Free with kr_test_batch_free().
 */
void kr_test_batch_build(kr_test_batch_t *b, const kr_test_record_t *recs, size_t n, int codec,
                         const kr_batch_producer_t *producer);
void kr_test_batch_free(kr_test_batch_t *b);

/*
 * Fails the test unless the record kcat read (got) is `want` at `offset`: offset,
 * timestamp, key and value (null vs empty, every byte) and headers (in kcat's text
 * form, see kr_test_kcat_consume()). `what` names the record in the failure message.
 */
void kr_test_check_record(const kr_test_msg_t *got, const kr_test_record_t *want, int64_t offset,
                          const char *what);

#endif
