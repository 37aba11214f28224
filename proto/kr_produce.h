/*
 * Produce (API key 0), versions 3..13: the request writer and the response reader.
 *
 * Request layout (ProduceRequest.json):
 *   TransactionalId nullable string | Acks int16 | TimeoutMs int32 |
 *   TopicData[ Name string (v3..v12) or TopicId uuid (v13, KIP-516) |
 *              PartitionData[ Index int32 | Records nullable bytes ] ]
 * v9+ is flexible: compact strings, arrays and bytes, and an (empty) tagged-field
 * section after each partition, each topic and the whole body; the request header is
 * then v2. One request may carry many topics and many partitions; each partition's
 * Records is one RecordBatch v2, or several back to back, built elsewhere (kr_batch).
 *
 * Two writers produce the same bytes:
 *   kr_ProduceRequest_write()       copies everything, records included, into one buffer
 *                                   (tests, small requests).
 *   kr_ProduceRequest_write_frame() writes everything except the records bytes: Size,
 *                                   header, and every field around the records, each
 *                                   partition's records length prefix included. It
 *                                   returns, per partition, the frame offset where that
 *                                   partition's records belong. The engine sends
 *                                   frame[0..gap0], records0, frame[gap0..gap1], records1,
 *                                   ..., frame[gapN-1..end] as 2N+1 iovecs
 *                                   (kr_ProduceRequest_iov()), so batches are never
 *                                   copied. Note IOV_MAX (1024): a request with more than
 *                                   511 partitions needs more than one writev/sendmsg.
 * kr_ProduceRequest_size() and kr_ProduceRequest_frame_size() give the exact byte counts
 * of the two forms, for sizing buffers before writing.
 *
 * acks=0: the broker sends no response at all, not even an error. The caller must not
 * wait for one (and must not count the request as in flight on the connection).
 *
 * Response layout (ProduceResponse.json):
 *   Responses[ Name string (v3..v12) or TopicId uuid (v13) |
 *              PartitionResponses[ Index int32 | ErrorCode int16 | BaseOffset int64 |
 *                  LogAppendTimeMs int64 | LogStartOffset int64 (v5+) |
 *                  RecordErrors[ BatchIndex int32 | BatchIndexErrorMessage nullable
 *                                string ] (v8+) | ErrorMessage nullable string (v8+) |
 *                  tag 0: CurrentLeader { LeaderId int32, LeaderEpoch int32 } (v10+) ] ]
 *   ThrottleTimeMs int32 | tag 0: NodeEndpoints[ NodeId int32 | Host string |
 *                                  Port int32 | Rack nullable string ] (v10+)
 * CurrentLeader and NodeEndpoints (KIP-951) let the engine re-route a partition that
 * answered NOT_LEADER_OR_FOLLOWER without a metadata refresh. Unknown tags are skipped.
 */
#ifndef KR_PRODUCE_H
#define KR_PRODUCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "kr_buf.h"
#include "kr_header.h"

#define KR_PRODUCE_VERSION_MIN 3
#define KR_PRODUCE_VERSION_MAX 13
#define KR_PRODUCE_VERSION_FLEX 9     /* compact encodings and tags from here */
#define KR_PRODUCE_VERSION_TOPICID 13 /* topics by id instead of name */

/* ---- request ---- */

/* One partition's data. records is borrowed and never modified. */
typedef struct kr_ProducePartition {
    int32_t Index;
    const void *records; /* one or more RecordBatch v2; NULL writes null Records */
    size_t records_len;  /* 0 when records is NULL */
} kr_ProducePartition_t;

/* One topic. Name is used for v3..v12, TopicId for v13. */
typedef struct kr_ProduceTopic {
    const char *Name;
    size_t NameLen;
    uint8_t TopicId[16];
    int32_t part_cnt;
    const kr_ProducePartition_t *parts;
} kr_ProduceTopic_t;

/* A whole request body. Everything it points to is borrowed. */
typedef struct kr_ProduceRequest {
    const char *TransactionalId; /* NULL: not transactional */
    size_t TransactionalIdLen;
    int16_t Acks; /* 0 (no response!), 1 or -1 */
    int32_t TimeoutMs;
    int32_t topic_cnt;
    const kr_ProduceTopic_t *topics;
} kr_ProduceRequest_t;

/* Partitions across all topics: the gap count of the frame writer (iovecs: 2n+1). */
size_t kr_ProduceRequest_part_cnt(const kr_ProduceRequest_t *req);

/*
 * Exact bytes of the whole request on the wire, Size field and header included, for
 * version h->ApiVersion (h->ApiKey must be KR_API_Produce). Returns 0 for a version
 * outside 3..13.
 */
size_t kr_ProduceRequest_size(const kr_RequestHeader_t *h, const kr_ProduceRequest_t *req);

/* The same without the records bytes: what kr_ProduceRequest_write_frame() writes. */
size_t kr_ProduceRequest_frame_size(const kr_RequestHeader_t *h, const kr_ProduceRequest_t *req);

/*
 * Appends the whole request (Size, header h, body, records copied) to w, for version
 * h->ApiVersion. Returns 0, KR_EVERSION (version outside 3..13), KR_ENOSPC (w too
 * small; w->err is set), or KR_ERANGE (a string, a records length or the total
 * does not fit its field).
 */
int kr_ProduceRequest_write(kr_wbuf_t *w, const kr_RequestHeader_t *h,
                            const kr_ProduceRequest_t *req);

/*
 * Appends the request to w without the records bytes; Size still counts them. For each
 * partition, in request order, gaps[i] receives the offset, from the first byte this
 * call wrote, where that partition's records belong. gap_cap must be at least
 * kr_ProduceRequest_part_cnt(req). The records stay owned by the caller and must stay
 * alive until sent. Returns as kr_ProduceRequest_write().
 */
int kr_ProduceRequest_write_frame(kr_wbuf_t *w, const kr_RequestHeader_t *h,
                                  const kr_ProduceRequest_t *req, size_t *gaps, size_t gap_cap);

/*
 * Fills iov with the 2n+1 pieces of a framed request, n = kr_ProduceRequest_part_cnt:
 * frame segments interleaved with each partition's records (some may be empty).
 * frame/frame_len are the bytes kr_ProduceRequest_write_frame() wrote and gaps what it
 * returned. iov_cap must be at least 2n+1. Returns the number of iovecs filled. The
 * iovecs borrow the frame and the records.
 */
size_t kr_ProduceRequest_iov(const void *frame, size_t frame_len, const size_t *gaps,
                             const kr_ProduceRequest_t *req, struct iovec *iov, size_t iov_cap);

/* ---- response ---- */

typedef struct kr_ProduceRecordError {
    int32_t BatchIndex;
    kr_str_t BatchIndexErrorMessage; /* len -1: null */
} kr_ProduceRecordError_t;

/* KIP-951 LeaderIdAndEpoch; -1/-1 (the spec default) when the tag is absent. */
typedef struct kr_ProduceLeader {
    int32_t LeaderId;
    int32_t LeaderEpoch;
} kr_ProduceLeader_t;

typedef struct kr_ProducePartitionResponse {
    int32_t Index;
    int16_t ErrorCode;
    int64_t BaseOffset;
    int64_t LogAppendTimeMs;
    int64_t LogStartOffset; /* -1 below v5 */
    int32_t record_error_cnt;
    kr_ProduceRecordError_t *RecordErrors; /* in the record-error pool; NULL if none */
    kr_str_t ErrorMessage;                 /* len -1: null (always below v8) */
    kr_ProduceLeader_t CurrentLeader;
} kr_ProducePartitionResponse_t;

typedef struct kr_ProduceTopicResponse {
    kr_str_t Name;       /* v3..v12; {NULL, -1} at v13 */
    uint8_t TopicId[16]; /* v13; zero below */
    int32_t part_cnt;
    kr_ProducePartitionResponse_t *parts; /* in the partition pool; NULL if none */
} kr_ProduceTopicResponse_t;

typedef struct kr_ProduceNodeEndpoint {
    int32_t NodeId;
    kr_str_t Host;
    int32_t Port;
    kr_str_t Rack; /* len -1: null */
} kr_ProduceNodeEndpoint_t;

/*
 * The caller sets the four pools (a pool may be NULL when its capacity is 0); the
 * reader fills the rest. Decoded arrays live in the pools, strings borrow the input.
 */
typedef struct kr_ProduceResponse {
    kr_ProduceTopicResponse_t *topic_pool;
    int32_t topic_cap;
    kr_ProducePartitionResponse_t *part_pool; /* shared by all topics */
    int32_t part_cap;
    kr_ProduceRecordError_t *record_error_pool; /* shared by all partitions */
    int32_t record_error_cap;
    kr_ProduceNodeEndpoint_t *node_endpoint_pool;
    int32_t node_endpoint_cap;

    int32_t topic_cnt;
    kr_ProduceTopicResponse_t *Responses; /* topic_pool, or NULL if none */
    int32_t ThrottleTimeMs;
    int32_t node_endpoint_cnt;
    kr_ProduceNodeEndpoint_t *NodeEndpoints; /* node_endpoint_pool, or NULL if none */
    int32_t part_used;
    int32_t record_error_used;
} kr_ProduceResponse_t;

/*
 * Reads a Produce response body of `version` from r, positioned just after the response
 * header (kr_ResponseHeader_read); the body must fill r exactly. On success r is at its
 * end. Returns 0, KR_ETRUNC, KR_EMALFORMED (including trailing bytes, a null array, or a
 * known tag whose payload does not parse whole), KR_ETOOMANY (a pool is too small) or
 * KR_EVERSION (version outside 3..13). On error r->err holds the same code (except
 * KR_EVERSION, which reads nothing) and the decoded fields are unspecified. A repeated
 * known tag replaces the earlier one, as the Java client does.
 */
int kr_ProduceResponse_read(kr_rbuf_t *r, int16_t version, kr_ProduceResponse_t *resp);

#endif
