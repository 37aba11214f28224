/* Produce request writer and response reader, versions 3..13. */
#include "kr_produce.h"

#include <assert.h>
#include <string.h>

static bool version_ok(int16_t v)
{
    return v >= KR_PRODUCE_VERSION_MIN && v <= KR_PRODUCE_VERSION_MAX;
}

static bool version_flex(int16_t v) { return v >= KR_PRODUCE_VERSION_FLEX; }

/* ---- request: sizes ---- */

/* STRING/COMPACT_STRING, or the nullable forms when s == NULL. */
static size_t str_size(bool flex, const char *s, size_t len)
{
    if (s == NULL)
        return flex ? 1 : 2;
    return (flex ? kr_uvarint_size((uint64_t)len + 1) : 2) + len;
}

static size_t arraylen_size(bool flex, int32_t n)
{
    return flex ? kr_uvarint_size((uint64_t)n + 1) : 4;
}

static size_t records_prefix_size(bool flex, const kr_ProducePartition_t *p)
{
    if (p->records == NULL)
        return flex ? 1 : 4;
    return flex ? kr_uvarint_size((uint64_t)p->records_len + 1) : 4;
}

/* Size field plus request header v1 (v2 adds an empty tag section); see kr_header.h. */
static size_t header_size(const kr_RequestHeader_t *h, bool flex)
{
    size_t n = 4 + 2 + 2 + 4 + 2;
    if (h->ClientId != NULL)
        n += h->ClientIdLen;
    return n + (flex ? 1 : 0);
}

static void check_topic(const kr_ProduceTopic_t *t, int16_t v)
{
    assert(t->part_cnt >= 0);
    assert(t->parts != NULL || t->part_cnt == 0);
    assert(v >= KR_PRODUCE_VERSION_TOPICID || t->Name != NULL);
    (void)t;
    (void)v;
}

static void check_request(const kr_RequestHeader_t *h, const kr_ProduceRequest_t *req)
{
    assert(h != NULL);
    assert(req != NULL);
    assert(h->ApiKey == KR_API_Produce);
    assert(req->topic_cnt >= 0);
    assert(req->topics != NULL || req->topic_cnt == 0);
    (void)h;
    (void)req;
}

/* Bytes of one topic without its records; adds the records' bytes to *records. */
static size_t topic_frame_size(const kr_ProduceTopic_t *t, int16_t v, size_t *records)
{
    bool flex = version_flex(v);
    check_topic(t, v);
    size_t n = v >= KR_PRODUCE_VERSION_TOPICID ? 16 : str_size(flex, t->Name, t->NameLen);
    n += arraylen_size(flex, t->part_cnt);
    for (int32_t i = 0; i < t->part_cnt; i++) {
        const kr_ProducePartition_t *p = &t->parts[i];
        assert(p->records != NULL || p->records_len == 0);
        n += 4 + records_prefix_size(flex, p) + (flex ? 1 : 0);
        *records += p->records_len;
    }
    return n + (flex ? 1 : 0);
}

/* Bytes of the request without its records; stores the records' total in *records. */
static size_t frame_size(const kr_RequestHeader_t *h, const kr_ProduceRequest_t *req,
                         size_t *records)
{
    int16_t v = h->ApiVersion;
    bool flex = version_flex(v);
    size_t n = header_size(h, flex);
    n += str_size(flex, req->TransactionalId, req->TransactionalIdLen);
    n += 2 + 4; /* Acks, TimeoutMs */
    n += arraylen_size(flex, req->topic_cnt);
    *records = 0;
    for (int32_t i = 0; i < req->topic_cnt; i++)
        n += topic_frame_size(&req->topics[i], v, records);
    return n + (flex ? 1 : 0);
}

size_t kr_ProduceRequest_part_cnt(const kr_ProduceRequest_t *req)
{
    assert(req != NULL);
    assert(req->topics != NULL || req->topic_cnt == 0);
    size_t n = 0;
    for (int32_t i = 0; i < req->topic_cnt; i++) {
        assert(req->topics[i].part_cnt >= 0);
        n += (size_t)req->topics[i].part_cnt;
    }
    return n;
}

size_t kr_ProduceRequest_size(const kr_RequestHeader_t *h, const kr_ProduceRequest_t *req)
{
    check_request(h, req);
    if (!version_ok(h->ApiVersion))
        return 0;
    size_t records;
    size_t n = frame_size(h, req, &records);
    return n + records;
}

size_t kr_ProduceRequest_frame_size(const kr_RequestHeader_t *h, const kr_ProduceRequest_t *req)
{
    check_request(h, req);
    if (!version_ok(h->ApiVersion))
        return 0;
    size_t records;
    return frame_size(h, req, &records);
}

/* ---- request: writers ---- */

/* State of one write; gaps == NULL means copy the records. */
typedef struct produce_wctx {
    kr_wbuf_t *w;
    int16_t version;
    bool flex;
    size_t start; /* offset of the Size field */
    size_t *gaps;
    size_t gap_cap;
    size_t gap_cnt;
    uint64_t skipped; /* records bytes left out of the frame */
} produce_wctx_t;

static void wbuf_fail(kr_wbuf_t *w, int err)
{
    if (w->err == 0)
        w->err = err;
}

/* Index, the records length prefix, the records or a gap, and the tag section. */
static void write_partition(produce_wctx_t *c, const kr_ProducePartition_t *p)
{
    kr_wbuf_t *w = c->w;
    assert(p->records != NULL || p->records_len == 0);
    kr_wbuf_i32(w, p->Index);
    if (p->records_len > INT32_MAX - 1) {
        wbuf_fail(w, KR_ERANGE);
        return;
    }
    if (p->records == NULL && c->flex)
        kr_wbuf_uvarint(w, 0);
    else if (p->records == NULL)
        kr_wbuf_i32(w, -1);
    else if (c->flex)
        kr_wbuf_uvarint(w, (uint64_t)p->records_len + 1);
    else
        kr_wbuf_i32(w, (int32_t)p->records_len);
    if (c->gaps == NULL) {
        kr_wbuf_raw(w, p->records, p->records_len);
    } else {
        assert(c->gap_cnt < c->gap_cap);
        c->gaps[c->gap_cnt++] = kr_wbuf_len(w) - c->start;
        c->skipped += p->records_len;
    }
    kr_wbuf_tags(w, c->flex);
}

static void write_topic(produce_wctx_t *c, const kr_ProduceTopic_t *t)
{
    check_topic(t, c->version);
    if (c->version >= KR_PRODUCE_VERSION_TOPICID)
        kr_wbuf_uuid(c->w, t->TopicId);
    else
        kr_wbuf_str(c->w, c->flex, t->Name, t->NameLen);
    kr_wbuf_arraylen(c->w, c->flex, t->part_cnt);
    for (int32_t i = 0; i < t->part_cnt; i++)
        write_partition(c, &t->parts[i]);
    kr_wbuf_tags(c->w, c->flex);
}

/* Writes Size, header and body; patches Size to include skipped records bytes. */
static int produce_write(produce_wctx_t *c, const kr_RequestHeader_t *h,
                         const kr_ProduceRequest_t *req)
{
    kr_wbuf_t *w = c->w;
    c->start = kr_request_begin(w, h);
    kr_wbuf_nstr(w, c->flex, req->TransactionalId, req->TransactionalIdLen);
    kr_wbuf_i16(w, req->Acks);
    kr_wbuf_i32(w, req->TimeoutMs);
    kr_wbuf_arraylen(w, c->flex, req->topic_cnt);
    for (int32_t i = 0; i < req->topic_cnt; i++)
        write_topic(c, &req->topics[i]);
    kr_wbuf_tags(w, c->flex);
    if (w->err != 0)
        return w->err;
    uint64_t len = (uint64_t)(kr_wbuf_len(w) - c->start - 4) + c->skipped;
    if (len > INT32_MAX) {
        wbuf_fail(w, KR_ERANGE);
        return w->err;
    }
    kr_wbuf_patch_i32(w, c->start, (int32_t)len);
    return 0;
}

int kr_ProduceRequest_write(kr_wbuf_t *w, const kr_RequestHeader_t *h,
                            const kr_ProduceRequest_t *req)
{
    assert(w != NULL);
    check_request(h, req);
    if (!version_ok(h->ApiVersion))
        return KR_EVERSION;
    produce_wctx_t c = {.w = w, .version = h->ApiVersion, .flex = version_flex(h->ApiVersion)};
    return produce_write(&c, h, req);
}

int kr_ProduceRequest_write_frame(kr_wbuf_t *w, const kr_RequestHeader_t *h,
                                  const kr_ProduceRequest_t *req, size_t *gaps, size_t gap_cap)
{
    assert(w != NULL);
    check_request(h, req);
    assert(gaps != NULL || gap_cap == 0);
    assert(gap_cap >= kr_ProduceRequest_part_cnt(req));
    if (!version_ok(h->ApiVersion))
        return KR_EVERSION;
    /* A request without partitions may pass no gap array; non-NULL marks frame mode. */
    size_t none[1];
    produce_wctx_t c = {.w = w,
                        .version = h->ApiVersion,
                        .flex = version_flex(h->ApiVersion),
                        .gaps = gaps != NULL ? gaps : none,
                        .gap_cap = gap_cap};
    return produce_write(&c, h, req);
}

size_t kr_ProduceRequest_iov(const void *frame, size_t frame_len, const size_t *gaps,
                             const kr_ProduceRequest_t *req, struct iovec *iov, size_t iov_cap)
{
    assert(frame != NULL);
    assert(iov != NULL);
    size_t parts = kr_ProduceRequest_part_cnt(req);
    assert(gaps != NULL || parts == 0);
    assert(iov_cap >= 2 * parts + 1);
    const uint8_t *f = frame;
    size_t prev = 0, k = 0, g = 0;
    for (int32_t i = 0; i < req->topic_cnt; i++) {
        const kr_ProduceTopic_t *t = &req->topics[i];
        for (int32_t j = 0; j < t->part_cnt; j++, g++) {
            assert(gaps[g] >= prev);
            assert(gaps[g] <= frame_len);
            iov[k++] = (struct iovec){(void *)(f + prev), gaps[g] - prev};
            iov[k++] = (struct iovec){(void *)t->parts[j].records, t->parts[j].records_len};
            prev = gaps[g];
        }
    }
    iov[k++] = (struct iovec){(void *)(f + prev), frame_len - prev};
    (void)iov_cap;
    (void)parts;
    return k;
}

/* ---- response ---- */

/* Smallest wire size of one element, so a lying count fails before any element. */
static size_t topic_min(int16_t v)
{
    if (v >= KR_PRODUCE_VERSION_TOPICID)
        return 16 + 1 + 1; /* TopicId, empty compact array, tags */
    return version_flex(v) ? 1 + 1 + 1 : 2 + 4;
}

static size_t partition_min(int16_t v)
{
    size_t n = 4 + 2 + 8 + 8; /* Index, ErrorCode, BaseOffset, LogAppendTimeMs */
    if (v >= 5)
        n += 8;
    if (version_flex(v))
        n += 1 + 1 + 1; /* RecordErrors, ErrorMessage, tags */
    else if (v >= 8)
        n += 4 + 2;
    return n;
}

#define RECORD_ERROR_MIN 6 /* BatchIndex + null message (+ tags when flexible) */
#define NODE_ENDPOINT_MIN (4 + 1 + 4 + 1 + 1)

/*
 * Reads a non-nullable array count that must fit in `room` pool entries. Returns the
 * count, or 0 with r->err set (KR_EMALFORMED for null, KR_ETOOMANY for no room).
 */
static int32_t read_count(kr_rbuf_t *r, bool flex, size_t min_elem, int32_t room)
{
    int32_t n = kr_rbuf_arraylen(r, flex, min_elem);
    if (r->err != 0)
        return 0;
    if (n < 0) {
        kr_rbuf_fail(r, KR_EMALFORMED);
        return 0;
    }
    if (n > room) {
        kr_rbuf_fail(r, KR_ETOOMANY);
        return 0;
    }
    return n;
}

/* Reads a tagged-field count; every tag needs at least two bytes. */
static uint32_t tags_begin(kr_rbuf_t *r)
{
    uint32_t n = kr_rbuf_uvarint32(r);
    if (r->err == 0 && n > kr_rbuf_left(r) / 2) {
        kr_rbuf_fail(r, KR_ETRUNC);
        return 0;
    }
    return n;
}

/*
 * Reads one tag's number and size and carves its payload into sub (empty on error;
 * never NULL, since NULL + 0 is undefined behaviour).
 */
static uint32_t tag_next(kr_rbuf_t *r, kr_rbuf_t *sub)
{
    static const uint8_t none[1];
    uint32_t tag = kr_rbuf_uvarint32(r);
    uint32_t size = kr_rbuf_uvarint32(r);
    const uint8_t *p = kr_rbuf_raw(r, size);
    if (p == NULL)
        kr_rbuf_init(sub, none, 0);
    else
        kr_rbuf_init(sub, p, size);
    return tag;
}

/* A known tag's payload must parse whole; any other failure inside it is malformed. */
static void tag_end(kr_rbuf_t *r, const kr_rbuf_t *sub)
{
    if (sub->err == KR_ETOOMANY)
        kr_rbuf_fail(r, KR_ETOOMANY);
    else if (sub->err != 0 || kr_rbuf_left(sub) != 0)
        kr_rbuf_fail(r, KR_EMALFORMED);
}

static void read_record_errors(kr_rbuf_t *r, bool flex, kr_ProduceResponse_t *resp,
                               kr_ProducePartitionResponse_t *p)
{
    int32_t room = resp->record_error_cap - resp->record_error_used;
    int32_t n = read_count(r, flex, RECORD_ERROR_MIN, room);
    if (n == 0)
        return;
    p->RecordErrors = resp->record_error_pool + resp->record_error_used;
    p->record_error_cnt = n;
    resp->record_error_used += n;
    for (int32_t i = 0; i < n && r->err == 0; i++) {
        kr_ProduceRecordError_t *e = &p->RecordErrors[i];
        e->BatchIndex = kr_rbuf_i32(r);
        e->BatchIndexErrorMessage = kr_rbuf_nstr(r, flex);
        kr_rbuf_tags(r, flex);
    }
}

/* The partition's tag section: CurrentLeader is tag 0 from v10. */
static void read_partition_tags(kr_rbuf_t *r, int16_t v, kr_ProducePartitionResponse_t *p)
{
    uint32_t n = tags_begin(r);
    for (uint32_t i = 0; i < n && r->err == 0; i++) {
        kr_rbuf_t sub;
        uint32_t tag = tag_next(r, &sub);
        if (r->err != 0 || tag != 0 || v < 10)
            continue;
        p->CurrentLeader.LeaderId = kr_rbuf_i32(&sub);
        p->CurrentLeader.LeaderEpoch = kr_rbuf_i32(&sub);
        kr_rbuf_tags(&sub, true);
        tag_end(r, &sub);
    }
}

static void read_partition(kr_rbuf_t *r, int16_t v, kr_ProduceResponse_t *resp,
                           kr_ProducePartitionResponse_t *p)
{
    bool flex = version_flex(v);
    p->Index = kr_rbuf_i32(r);
    p->ErrorCode = kr_rbuf_i16(r);
    p->BaseOffset = kr_rbuf_i64(r);
    p->LogAppendTimeMs = kr_rbuf_i64(r);
    p->LogStartOffset = v >= 5 ? kr_rbuf_i64(r) : -1;
    p->record_error_cnt = 0;
    p->RecordErrors = NULL;
    p->ErrorMessage = (kr_str_t){NULL, -1};
    p->CurrentLeader = (kr_ProduceLeader_t){-1, -1};
    if (v >= 8) {
        read_record_errors(r, flex, resp, p);
        p->ErrorMessage = kr_rbuf_nstr(r, flex);
    }
    if (flex)
        read_partition_tags(r, v, p);
}

static void read_topic(kr_rbuf_t *r, int16_t v, kr_ProduceResponse_t *resp,
                       kr_ProduceTopicResponse_t *t)
{
    bool flex = version_flex(v);
    t->Name = (kr_str_t){NULL, -1};
    memset(t->TopicId, 0, sizeof(t->TopicId));
    t->part_cnt = 0;
    t->parts = NULL;
    if (v >= KR_PRODUCE_VERSION_TOPICID)
        kr_rbuf_uuid(r, t->TopicId);
    else
        t->Name = kr_rbuf_str(r, flex);
    int32_t n = read_count(r, flex, partition_min(v), resp->part_cap - resp->part_used);
    if (n > 0) {
        t->parts = resp->part_pool + resp->part_used;
        t->part_cnt = n;
        resp->part_used += n;
    }
    for (int32_t i = 0; i < n && r->err == 0; i++)
        read_partition(r, v, resp, &t->parts[i]);
    kr_rbuf_tags(r, flex);
}

/* NodeEndpoints (top-level tag 0, v10+), read from the tag's payload. */
static void read_node_endpoints(kr_rbuf_t *sub, kr_ProduceResponse_t *resp)
{
    resp->node_endpoint_cnt = 0; /* a repeated tag replaces the earlier one */
    resp->NodeEndpoints = NULL;
    int32_t n = read_count(sub, true, NODE_ENDPOINT_MIN, resp->node_endpoint_cap);
    if (n == 0)
        return;
    resp->NodeEndpoints = resp->node_endpoint_pool;
    resp->node_endpoint_cnt = n;
    for (int32_t i = 0; i < n && sub->err == 0; i++) {
        kr_ProduceNodeEndpoint_t *e = &resp->NodeEndpoints[i];
        e->NodeId = kr_rbuf_i32(sub);
        e->Host = kr_rbuf_str(sub, true);
        e->Port = kr_rbuf_i32(sub);
        e->Rack = kr_rbuf_nstr(sub, true);
        kr_rbuf_tags(sub, true);
    }
}

static void read_top_tags(kr_rbuf_t *r, int16_t v, kr_ProduceResponse_t *resp)
{
    uint32_t n = tags_begin(r);
    for (uint32_t i = 0; i < n && r->err == 0; i++) {
        kr_rbuf_t sub;
        uint32_t tag = tag_next(r, &sub);
        if (r->err != 0 || tag != 0 || v < 10)
            continue;
        read_node_endpoints(&sub, resp);
        tag_end(r, &sub);
    }
}

static void check_pools(const kr_ProduceResponse_t *resp)
{
    assert(resp->topic_cap >= 0);
    assert(resp->topic_pool != NULL || resp->topic_cap == 0);
    assert(resp->part_cap >= 0);
    assert(resp->part_pool != NULL || resp->part_cap == 0);
    assert(resp->record_error_cap >= 0);
    assert(resp->record_error_pool != NULL || resp->record_error_cap == 0);
    assert(resp->node_endpoint_cap >= 0);
    assert(resp->node_endpoint_pool != NULL || resp->node_endpoint_cap == 0);
    (void)resp;
}

int kr_ProduceResponse_read(kr_rbuf_t *r, int16_t version, kr_ProduceResponse_t *resp)
{
    assert(r != NULL);
    assert(resp != NULL);
    check_pools(resp);
    if (!version_ok(version))
        return KR_EVERSION;
    bool flex = version_flex(version);
    resp->topic_cnt = 0;
    resp->Responses = NULL;
    resp->ThrottleTimeMs = 0;
    resp->node_endpoint_cnt = 0;
    resp->NodeEndpoints = NULL;
    resp->part_used = 0;
    resp->record_error_used = 0;
    int32_t n = read_count(r, flex, topic_min(version), resp->topic_cap);
    if (n > 0) {
        resp->Responses = resp->topic_pool;
        resp->topic_cnt = n;
    }
    for (int32_t i = 0; i < n && r->err == 0; i++)
        read_topic(r, version, resp, &resp->Responses[i]);
    resp->ThrottleTimeMs = kr_rbuf_i32(r);
    if (flex)
        read_top_tags(r, version, resp);
    if (r->err == 0 && kr_rbuf_left(r) != 0)
        kr_rbuf_fail(r, KR_EMALFORMED);
    return r->err;
}
