/*
 * Produce request writers, versions 3..13: a random request drawn from the input (client
 * id, transactional id, acks, timeout, up to 4 topics of up to 4 partitions, records
 * null, empty or bytes; sometimes a 40000-byte string that classic STRING cannot carry).
 *
 * Contract checked: kr_ProduceRequest_write() into exactly kr_ProduceRequest_size() bytes
 * succeeds, or fails with KR_ERANGE exactly when a string does not fit its field (and
 * then the frame writer fails the same way); one byte less is KR_ENOSPC, for both
 * writers; write_frame() writes kr_ProduceRequest_frame_size() bytes, its gaps are in
 * order and inside the frame, and the 2n+1 iovecs of kr_ProduceRequest_iov() concatenate
 * to the very bytes of the one-buffer writer; those bytes read back, with an independent
 * reader, to the request (Size, header, every field, every record byte).
 */
#include <sys/uio.h>

#include "kr_fuzz.h"
#include "kr_produce.h"

#define MAX_TOPICS 4
#define MAX_PARTS 4
#define LONG_STR 40000

typedef struct req_mem {
    kr_ProduceTopic_t topics[MAX_TOPICS];
    kr_ProducePartition_t parts[MAX_TOPICS][MAX_PARTS];
} req_mem_t;

static char long_str[LONG_STR];

/* A string: NULL one time in null_one_in (0: never), sometimes LONG_STR bytes long. */
static const char *gen_str(kr_fuzz_in_t *in, uint32_t null_one_in, size_t *len)
{
    uint8_t sel = kr_fuzz_u8(in);
    if (null_one_in != 0 && sel % null_one_in == 0) {
        *len = 0;
        return NULL;
    }
    if (sel == 0xff) {
        *len = LONG_STR;
        return long_str;
    }
    return (const char *)kr_fuzz_bytes(in, 255, len);
}

static void gen_request(kr_fuzz_in_t *in, req_mem_t *m, kr_RequestHeader_t *h,
                        kr_ProduceRequest_t *req)
{
    h->ApiKey = KR_API_Produce;
    h->ApiVersion = (int16_t)(KR_PRODUCE_VERSION_MIN + kr_fuzz_below(in, 11));
    h->CorrelationId = (int32_t)(kr_fuzz_u32(in) & INT32_MAX);
    h->ClientId = gen_str(in, 4, &h->ClientIdLen);
    req->TransactionalId = gen_str(in, 2, &req->TransactionalIdLen);
    req->Acks = (int16_t)kr_fuzz_u16(in);
    req->TimeoutMs = (int32_t)kr_fuzz_u32(in);
    req->topic_cnt = (int32_t)kr_fuzz_below(in, MAX_TOPICS + 1);
    req->topics = m->topics;
    for (int32_t i = 0; i < req->topic_cnt; i++) {
        kr_ProduceTopic_t *t = &m->topics[i];
        t->Name = gen_str(in, 0, &t->NameLen);
        for (int k = 0; k < 16; k++)
            t->TopicId[k] = kr_fuzz_u8(in);
        t->part_cnt = (int32_t)kr_fuzz_below(in, MAX_PARTS + 1);
        t->parts = m->parts[i];
        for (int32_t j = 0; j < t->part_cnt; j++) {
            kr_ProducePartition_t *p = &m->parts[i][j];
            p->Index = (int32_t)kr_fuzz_u32(in);
            if (kr_fuzz_below(in, 4) == 0) {
                p->records = NULL;
                p->records_len = 0;
            } else {
                p->records = kr_fuzz_bytes(in, 255, &p->records_len);
            }
        }
    }
}

/* True if some string of the request cannot be written at this version. */
static bool request_out_of_range(const kr_RequestHeader_t *h, const kr_ProduceRequest_t *req)
{
    bool flex = h->ApiVersion >= KR_PRODUCE_VERSION_FLEX;
    if (h->ClientId != NULL && h->ClientIdLen > INT16_MAX)
        return true; /* the header's ClientId is never compact */
    if (flex)
        return false;
    if (req->TransactionalId != NULL && req->TransactionalIdLen > INT16_MAX)
        return true;
    for (int32_t i = 0; i < req->topic_cnt; i++)
        if (h->ApiVersion < KR_PRODUCE_VERSION_TOPICID && req->topics[i].NameLen > INT16_MAX)
            return true;
    return false;
}

static void expect_str(kr_str_t s, const void *p, size_t len)
{
    if (p == NULL) {
        KR_FUZZ_CHECK_EQ(s.len, -1);
        return;
    }
    KR_FUZZ_CHECK_EQ(s.len, (int64_t)len);
    KR_FUZZ_CHECK(len == 0 || memcmp(s.ptr, p, len) == 0);
}

/* Reads the request back with the cursor primitives and compares every field. */
static void read_back(const uint8_t *buf, size_t len, const kr_RequestHeader_t *h,
                      const kr_ProduceRequest_t *req)
{
    int16_t v = h->ApiVersion;
    bool flex = v >= KR_PRODUCE_VERSION_FLEX;
    kr_rbuf_t r;
    kr_rbuf_init(&r, buf, len);
    KR_FUZZ_CHECK_EQ(kr_rbuf_i32(&r), (int64_t)len - 4);
    KR_FUZZ_CHECK_EQ(kr_rbuf_i16(&r), KR_API_Produce);
    KR_FUZZ_CHECK_EQ(kr_rbuf_i16(&r), v);
    KR_FUZZ_CHECK_EQ(kr_rbuf_i32(&r), h->CorrelationId);
    expect_str(kr_rbuf_nstr(&r, false), h->ClientId, h->ClientIdLen);
    kr_rbuf_tags(&r, flex);
    expect_str(kr_rbuf_nstr(&r, flex), req->TransactionalId, req->TransactionalIdLen);
    KR_FUZZ_CHECK_EQ(kr_rbuf_i16(&r), req->Acks);
    KR_FUZZ_CHECK_EQ(kr_rbuf_i32(&r), req->TimeoutMs);
    KR_FUZZ_CHECK_EQ(kr_rbuf_arraylen(&r, flex, 1), req->topic_cnt);
    for (int32_t i = 0; i < req->topic_cnt; i++) {
        const kr_ProduceTopic_t *t = &req->topics[i];
        if (v >= KR_PRODUCE_VERSION_TOPICID) {
            uint8_t id[16];
            kr_rbuf_uuid(&r, id);
            KR_FUZZ_CHECK(memcmp(id, t->TopicId, 16) == 0);
        } else {
            expect_str(kr_rbuf_str(&r, flex), t->Name, t->NameLen);
        }
        KR_FUZZ_CHECK_EQ(kr_rbuf_arraylen(&r, flex, 1), t->part_cnt);
        for (int32_t j = 0; j < t->part_cnt; j++) {
            KR_FUZZ_CHECK_EQ(kr_rbuf_i32(&r), t->parts[j].Index);
            expect_str(kr_rbuf_bytes(&r, flex), t->parts[j].records, t->parts[j].records_len);
            kr_rbuf_tags(&r, flex);
        }
        kr_rbuf_tags(&r, flex);
    }
    kr_rbuf_tags(&r, flex);
    KR_FUZZ_CHECK_EQ(r.err, 0);
    KR_FUZZ_CHECK_EQ(kr_rbuf_left(&r), 0);
}

/*
 * The frame writer, then the iovecs, concatenated: must equal one[0..len). The frame is
 * written after 3 bytes of other data, as gaps count from the request's first byte.
 */
static void check_frame(const kr_RequestHeader_t *h, const kr_ProduceRequest_t *req,
                        const uint8_t *one, size_t len)
{
    size_t parts = kr_ProduceRequest_part_cnt(req);
    size_t fsize = kr_ProduceRequest_frame_size(h, req);
    size_t gaps[MAX_TOPICS * MAX_PARTS];
    struct iovec iov[2 * MAX_TOPICS * MAX_PARTS + 1];
    KR_FUZZ_CHECK(parts <= MAX_TOPICS * MAX_PARTS);

    uint8_t *frame = malloc(3 + fsize);
    KR_FUZZ_CHECK(frame != NULL);
    kr_wbuf_t w;
    kr_wbuf_init(&w, frame, 3 + fsize);
    kr_wbuf_raw(&w, "pre", 3);
    KR_FUZZ_CHECK_EQ(kr_ProduceRequest_write_frame(&w, h, req, gaps, parts), 0);
    size_t flen = kr_wbuf_len(&w) - 3;
    KR_FUZZ_CHECK_EQ(flen, fsize);
    for (size_t i = 0; i < parts; i++) {
        KR_FUZZ_CHECK(gaps[i] <= flen);
        KR_FUZZ_CHECK(i == 0 || gaps[i] >= gaps[i - 1]);
    }
    size_t n = kr_ProduceRequest_iov(frame + 3, flen, gaps, req, iov, 2 * parts + 1);
    KR_FUZZ_CHECK_EQ(n, 2 * parts + 1);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        KR_FUZZ_CHECK(iov[i].iov_len <= len - off);
        KR_FUZZ_CHECK(iov[i].iov_len == 0 ||
                      memcmp(one + off, iov[i].iov_base, iov[i].iov_len) == 0);
        off += iov[i].iov_len;
    }
    KR_FUZZ_CHECK_EQ(off, len);

    kr_wbuf_init(&w, frame, fsize - 1);
    KR_FUZZ_CHECK_EQ(kr_ProduceRequest_write_frame(&w, h, req, gaps, parts), KR_ENOSPC);
    free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static req_mem_t m;
    if (long_str[0] == 0)
        memset(long_str, 'n', sizeof(long_str));
    kr_fuzz_in_t in;
    kr_fuzz_in_init(&in, data, size);
    kr_RequestHeader_t h;
    kr_ProduceRequest_t req;
    gen_request(&in, &m, &h, &req);

    size_t records = 0;
    for (int32_t i = 0; i < req.topic_cnt; i++)
        for (int32_t j = 0; j < req.topics[i].part_cnt; j++)
            records += req.topics[i].parts[j].records_len;
    size_t want = kr_ProduceRequest_size(&h, &req);
    size_t fsize = kr_ProduceRequest_frame_size(&h, &req);
    KR_FUZZ_CHECK_EQ(want, fsize + records);
    KR_FUZZ_CHECK(fsize > 4);

    uint8_t *one = malloc(want);
    KR_FUZZ_CHECK(one != NULL);
    kr_wbuf_t w;
    kr_wbuf_init(&w, one, want);
    int rc = kr_ProduceRequest_write(&w, &h, &req);
    if (request_out_of_range(&h, &req)) {
        KR_FUZZ_CHECK_EQ(rc, KR_ERANGE);
        size_t gaps[MAX_TOPICS * MAX_PARTS];
        uint8_t *frame = malloc(fsize);
        KR_FUZZ_CHECK(frame != NULL);
        kr_wbuf_init(&w, frame, fsize);
        KR_FUZZ_CHECK_EQ(kr_ProduceRequest_write_frame(&w, &h, &req, gaps, MAX_TOPICS * MAX_PARTS),
                         KR_ERANGE);
        free(frame);
        free(one);
        return 0;
    }
    KR_FUZZ_CHECK_EQ(rc, 0);
    KR_FUZZ_CHECK_EQ(kr_wbuf_len(&w), want);
    read_back(one, want, &h, &req);
    check_frame(&h, &req, one, want);

    kr_wbuf_init(&w, one, want - 1);
    KR_FUZZ_CHECK_EQ(kr_ProduceRequest_write(&w, &h, &req), KR_ENOSPC);
    free(one);
    return 0;
}
