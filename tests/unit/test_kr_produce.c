/*
 * Produce request writer and response reader: golden bytes built by hand from
 * ProduceRequest.json / ProduceResponse.json, scatter/gather equals one buffer, size
 * functions equal bytes written, round trips for every version 3..13, truncation at
 * every offset, lying counts, small pools and seeded random corruption.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kr_produce.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ================= request helpers ================= */

static void expect_str(kr_str_t s, const char *p, size_t len)
{
    if (p == NULL) {
        assert_int_equal(s.len, -1);
        return;
    }
    assert_int_equal(s.len, (int32_t)len);
    if (len > 0)
        assert_memory_equal(s.ptr, p, len);
}

/*
 * A test-only request decoder: reads buf back field by field and checks it against the
 * request it was written from.
 */
static void decode_request_and_compare(const uint8_t *buf, size_t len, const kr_RequestHeader_t *h,
                                       const kr_ProduceRequest_t *req)
{
    int16_t v = h->ApiVersion;
    bool flex = v >= 9;
    kr_rbuf_t r;
    kr_rbuf_init(&r, buf, len);
    assert_int_equal(kr_rbuf_i32(&r), (int32_t)(len - 4));
    assert_int_equal(kr_rbuf_i16(&r), KR_API_Produce);
    assert_int_equal(kr_rbuf_i16(&r), v);
    assert_int_equal(kr_rbuf_i32(&r), h->CorrelationId);
    expect_str(kr_rbuf_nstr(&r, false), h->ClientId, h->ClientIdLen);
    kr_rbuf_tags(&r, flex);
    expect_str(kr_rbuf_nstr(&r, flex), req->TransactionalId, req->TransactionalIdLen);
    assert_int_equal(kr_rbuf_i16(&r), req->Acks);
    assert_int_equal(kr_rbuf_i32(&r), req->TimeoutMs);
    assert_int_equal(kr_rbuf_arraylen(&r, flex, 0), req->topic_cnt);
    for (int32_t i = 0; i < req->topic_cnt; i++) {
        const kr_ProduceTopic_t *t = &req->topics[i];
        if (v >= 13) {
            uint8_t id[16];
            kr_rbuf_uuid(&r, id);
            assert_memory_equal(id, t->TopicId, 16);
        } else {
            expect_str(kr_rbuf_str(&r, flex), t->Name, t->NameLen);
        }
        assert_int_equal(kr_rbuf_arraylen(&r, flex, 0), t->part_cnt);
        for (int32_t j = 0; j < t->part_cnt; j++) {
            assert_int_equal(kr_rbuf_i32(&r), t->parts[j].Index);
            expect_str(kr_rbuf_bytes(&r, flex), t->parts[j].records, t->parts[j].records_len);
            kr_rbuf_tags(&r, flex);
        }
        kr_rbuf_tags(&r, flex);
    }
    kr_rbuf_tags(&r, flex);
    assert_int_equal(r.err, 0);
    assert_int_equal(kr_rbuf_left(&r), 0);
}

/* Frame + iovecs, concatenated, into out. Returns the total length. */
static size_t write_gathered(const kr_RequestHeader_t *h, const kr_ProduceRequest_t *req,
                             uint8_t *out, size_t out_cap)
{
    static uint8_t frame[1 << 16];
    static size_t gaps[512];
    static struct iovec iov[2 * 512 + 1];
    size_t parts = kr_ProduceRequest_part_cnt(req);
    assert_true(parts <= ARRAY_LEN(gaps));

    /* Start at an offset: gaps are relative to the request, not to the buffer. */
    kr_wbuf_t w;
    kr_wbuf_init(&w, frame, sizeof(frame));
    kr_wbuf_raw(&w, "pre", 3);
    assert_int_equal(kr_ProduceRequest_write_frame(&w, h, req, gaps, ARRAY_LEN(gaps)), 0);
    size_t frame_len = kr_wbuf_len(&w) - 3;
    assert_int_equal(frame_len, kr_ProduceRequest_frame_size(h, req));

    size_t n = kr_ProduceRequest_iov(frame + 3, frame_len, gaps, req, iov, ARRAY_LEN(iov));
    assert_int_equal(n, 2 * parts + 1);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(total + iov[i].iov_len <= out_cap);
        if (iov[i].iov_len > 0)
            memcpy(out + total, iov[i].iov_base, iov[i].iov_len);
        total += iov[i].iov_len;
    }
    return total;
}

/*
 * Every check a request gets: the one-buffer form (equal to `want` when given), the
 * size functions, scatter/gather equal to one buffer, decoding back, and KR_ENOSPC at
 * every smaller capacity.
 */
static void check_request(const kr_RequestHeader_t *h, const kr_ProduceRequest_t *req,
                          const uint8_t *want, size_t want_len)
{
    static uint8_t one[1 << 16];
    static uint8_t gathered[1 << 16];
    kr_wbuf_t w;
    kr_wbuf_init(&w, one, sizeof(one));
    assert_int_equal(kr_ProduceRequest_write(&w, h, req), 0);
    size_t len = kr_wbuf_len(&w);
    if (want != NULL) {
        assert_int_equal(len, want_len);
        assert_memory_equal(one, want, want_len);
    }
    assert_int_equal(kr_ProduceRequest_size(h, req), len);

    size_t glen = write_gathered(h, req, gathered, sizeof(gathered));
    assert_int_equal(glen, len);
    assert_memory_equal(gathered, one, len);

    decode_request_and_compare(one, len, h, req);

    if (len > 4096)
        return;
    static uint8_t small[4096];
    static size_t gaps[512];
    for (size_t cap = 0; cap < len; cap++) {
        kr_wbuf_init(&w, small, cap);
        assert_int_equal(kr_ProduceRequest_write(&w, h, req), KR_ENOSPC);
    }
    size_t frame_len = kr_ProduceRequest_frame_size(h, req);
    for (size_t cap = 0; cap < frame_len; cap++) {
        kr_wbuf_init(&w, small, cap);
        assert_int_equal(kr_ProduceRequest_write_frame(&w, h, req, gaps, ARRAY_LEN(gaps)),
                         KR_ENOSPC);
    }
}

/* ================= request golden vectors ================= */

static const uint8_t TOPIC_ID_A[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                       0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
static const uint8_t TOPIC_ID_B[16] = {0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
                                       0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf};

/* The writer never looks inside Records; opaque bytes stand in for a RecordBatch. */
static const kr_ProducePartition_t ONE_PART_0[] = {{0, "ABCDE", 5}};
static const kr_ProducePartition_t ONE_PART_2[] = {{2, "ABCDE", 5}};

static void test_request_v3_golden(void **state)
{
    (void)state;
    kr_ProduceTopic_t t = {"t", 1, {0}, 1, ONE_PART_0};
    kr_ProduceRequest_t req = {"tx", 2, -1, 30000, 1, &t};
    kr_RequestHeader_t h = {KR_API_Produce, 3, 7, "kr", 2};
    const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x2e,      /* Size 46 */
        0x00, 0x00,                  /* ApiKey 0 (Produce) */
        0x00, 0x03,                  /* ApiVersion 3 */
        0x00, 0x00, 0x00, 0x07,      /* CorrelationId 7 */
        0x00, 0x02, 'k',  'r',       /* ClientId "kr" (header v1) */
        0x00, 0x02, 't',  'x',       /* TransactionalId "tx" (NULLABLE_STRING) */
        0xff, 0xff,                  /* Acks -1 */
        0x00, 0x00, 0x75, 0x30,      /* TimeoutMs 30000 */
        0x00, 0x00, 0x00, 0x01,      /* TopicData: 1 (ARRAY) */
        0x00, 0x01, 't',             /*   Name "t" (STRING) */
        0x00, 0x00, 0x00, 0x01,      /*   PartitionData: 1 */
        0x00, 0x00, 0x00, 0x00,      /*     Index 0 */
        0x00, 0x00, 0x00, 0x05,      /*     Records length 5 (BYTES) */
        'A',  'B',  'C',  'D',  'E', /*     Records */
    };
    check_request(&h, &req, want, sizeof(want));
}

static void test_request_v9_golden(void **state)
{
    (void)state;
    kr_ProduceTopic_t t = {"t", 1, {0}, 1, ONE_PART_2};
    kr_ProduceRequest_t req = {NULL, 0, 1, 1000, 1, &t};
    kr_RequestHeader_t h = {KR_API_Produce, 9, 7, "kr", 2};
    const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x25,      /* Size 37 */
        0x00, 0x00,                  /* ApiKey 0 */
        0x00, 0x09,                  /* ApiVersion 9 */
        0x00, 0x00, 0x00, 0x07,      /* CorrelationId 7 */
        0x00, 0x02, 'k',  'r',       /* ClientId "kr" (never compact) */
        0x00,                        /* header tagged fields: none (header v2) */
        0x00,                        /* TransactionalId null (COMPACT_NULLABLE_STRING) */
        0x00, 0x01,                  /* Acks 1 */
        0x00, 0x00, 0x03, 0xe8,      /* TimeoutMs 1000 */
        0x02,                        /* TopicData: 1 (COMPACT_ARRAY, n+1) */
        0x02, 't',                   /*   Name "t" (COMPACT_STRING, len+1) */
        0x02,                        /*   PartitionData: 1 */
        0x00, 0x00, 0x00, 0x02,      /*     Index 2 */
        0x06,                        /*     Records length 5 (COMPACT_RECORDS, len+1) */
        'A',  'B',  'C',  'D',  'E', /*     Records */
        0x00,                        /*     partition tagged fields */
        0x00,                        /*   topic tagged fields */
        0x00,                        /* request tagged fields */
    };
    check_request(&h, &req, want, sizeof(want));
}

static void test_request_v13_golden(void **state)
{
    (void)state;
    kr_ProduceTopic_t t = {NULL, 0, {0}, 1, ONE_PART_2};
    memcpy(t.TopicId, TOPIC_ID_A, 16);
    kr_ProduceRequest_t req = {NULL, 0, 1, 1000, 1, &t};
    kr_RequestHeader_t h = {KR_API_Produce, 13, 7, "kr", 2};
    const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x33, /* Size 51 */
        0x00, 0x00,             /* ApiKey 0 */
        0x00, 0x0d,             /* ApiVersion 13 */
        0x00, 0x00, 0x00, 0x07, /* CorrelationId 7 */
        0x00, 0x02, 'k',  'r',  /* ClientId "kr" */
        0x00,                   /* header tagged fields */
        0x00,                   /* TransactionalId null */
        0x00, 0x01,             /* Acks 1 */
        0x00, 0x00, 0x03, 0xe8, /* TimeoutMs 1000 */
        0x02,                   /* TopicData: 1 */
        0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
        0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, /* TopicId (UUID), no Name */
        0x02,                                           /*   PartitionData: 1 */
        0x00, 0x00, 0x00, 0x02,                         /*     Index 2 */
        0x06,                                           /*     Records length 5 */
        'A',  'B',  'C',  'D',  'E',                    /*     Records */
        0x00,                                           /*     partition tagged fields */
        0x00,                                           /*   topic tagged fields */
        0x00,                                           /* request tagged fields */
    };
    check_request(&h, &req, want, sizeof(want));
}

/* Two topics: "a" with partitions 0 and 1, "bb" with partition 5 and empty records. */
static const kr_ProducePartition_t MULTI_A[] = {{0, "xy", 2}, {1, "z", 1}};
static const kr_ProducePartition_t MULTI_B[] = {{5, "", 0}};

static void test_request_multi_v8_golden(void **state)
{
    (void)state;
    kr_ProduceTopic_t t[2] = {{"a", 1, {0}, 2, MULTI_A}, {"bb", 2, {0}, 1, MULTI_B}};
    kr_ProduceRequest_t req = {NULL, 0, 1, 500, 2, t};
    kr_RequestHeader_t h = {KR_API_Produce, 8, 1, NULL, 0};
    const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x40,           /* Size 64 */
        0x00, 0x00, 0x00, 0x08,           /* ApiKey 0, ApiVersion 8 */
        0x00, 0x00, 0x00, 0x01,           /* CorrelationId 1 */
        0xff, 0xff,                       /* ClientId null */
        0xff, 0xff,                       /* TransactionalId null */
        0x00, 0x01,                       /* Acks 1 */
        0x00, 0x00, 0x01, 0xf4,           /* TimeoutMs 500 */
        0x00, 0x00, 0x00, 0x02,           /* TopicData: 2 */
        0x00, 0x01, 'a',                  /*   Name "a" */
        0x00, 0x00, 0x00, 0x02,           /*   PartitionData: 2 */
        0x00, 0x00, 0x00, 0x00,           /*     Index 0 */
        0x00, 0x00, 0x00, 0x02, 'x', 'y', /*   Records "xy" */
        0x00, 0x00, 0x00, 0x01,           /*     Index 1 */
        0x00, 0x00, 0x00, 0x01, 'z',      /*     Records "z" */
        0x00, 0x02, 'b',  'b',            /*   Name "bb" */
        0x00, 0x00, 0x00, 0x01,           /*   PartitionData: 1 */
        0x00, 0x00, 0x00, 0x05,           /*     Index 5 */
        0x00, 0x00, 0x00, 0x00,           /*     Records: empty, not null */
    };
    check_request(&h, &req, want, sizeof(want));
}

static void test_request_multi_v11_golden(void **state)
{
    (void)state;
    kr_ProduceTopic_t t[2] = {{"a", 1, {0}, 2, MULTI_A}, {"bb", 2, {0}, 1, MULTI_B}};
    kr_ProduceRequest_t req = {"tx", 2, -1, 30000, 2, t};
    kr_RequestHeader_t h = {KR_API_Produce, 11, 0x0102, "c", 1};
    const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x35, /* Size 53 */
        0x00, 0x00, 0x00, 0x0b, /* ApiKey 0, ApiVersion 11 */
        0x00, 0x00, 0x01, 0x02, /* CorrelationId 258 */
        0x00, 0x01, 'c',        /* ClientId "c" */
        0x00,                   /* header tagged fields */
        0x03, 't',  'x',        /* TransactionalId "tx" (compact) */
        0xff, 0xff,             /* Acks -1 */
        0x00, 0x00, 0x75, 0x30, /* TimeoutMs 30000 */
        0x03,                   /* TopicData: 2 */
        0x02, 'a',              /*   Name "a" */
        0x03,                   /*   PartitionData: 2 */
        0x00, 0x00, 0x00, 0x00, /*     Index 0 */
        0x03, 'x',  'y',        /*     Records "xy" */
        0x00,                   /*     partition tags */
        0x00, 0x00, 0x00, 0x01, /*     Index 1 */
        0x02, 'z',              /*     Records "z" */
        0x00,                   /*     partition tags */
        0x00,                   /*   topic tags */
        0x03, 'b',  'b',        /*   Name "bb" */
        0x02,                   /*   PartitionData: 1 */
        0x00, 0x00, 0x00, 0x05, /*     Index 5 */
        0x01,                   /*     Records: empty (len 0 + 1) */
        0x00,                   /*     partition tags */
        0x00,                   /*   topic tags */
        0x00,                   /* request tags */
    };
    check_request(&h, &req, want, sizeof(want));
}

static void test_request_multi_v13_golden(void **state)
{
    (void)state;
    kr_ProduceTopic_t t[2] = {{NULL, 0, {0}, 2, MULTI_A}, {NULL, 0, {0}, 1, MULTI_B}};
    memcpy(t[0].TopicId, TOPIC_ID_A, 16);
    memcpy(t[1].TopicId, TOPIC_ID_B, 16);
    kr_ProduceRequest_t req = {"tx", 2, -1, 30000, 2, t};
    kr_RequestHeader_t h = {KR_API_Produce, 13, 0x0102, "c", 1};
    const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x50, /* Size 80 */
        0x00, 0x00, 0x00, 0x0d, /* ApiKey 0, ApiVersion 13 */
        0x00, 0x00, 0x01, 0x02, /* CorrelationId 258 */
        0x00, 0x01, 'c',        /* ClientId "c" */
        0x00,                   /* header tagged fields */
        0x03, 't',  'x',        /* TransactionalId "tx" */
        0xff, 0xff,             /* Acks -1 */
        0x00, 0x00, 0x75, 0x30, /* TimeoutMs 30000 */
        0x03,                   /* TopicData: 2 */
        0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
        0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, /* TopicId A */
        0x03,                                           /*   PartitionData: 2 */
        0x00, 0x00, 0x00, 0x00, 0x03, 'x',  'y',  0x00, /* Index 0, "xy", tags */
        0x00, 0x00, 0x00, 0x01, 0x02, 'z',  0x00,       /* Index 1, "z", tags */
        0x00,                                           /*   topic tags */
        0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
        0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, /* TopicId B */
        0x02,                                           /*   PartitionData: 1 */
        0x00, 0x00, 0x00, 0x05, 0x01, 0x00,             /* Index 5, empty, tags */
        0x00,                                           /*   topic tags */
        0x00,                                           /* request tags */
    };
    check_request(&h, &req, want, sizeof(want));
}

/* ================= request: every version, odd shapes ================= */

static uint8_t big_records[300];
static char long_txn[130];
static kr_ProducePartition_t many_parts[130];

/*
 * Shapes that move varint widths: 130 partitions (2-byte compact count), a 300-byte
 * records (2-byte compact length), a 130-byte transactional id, null records, an empty
 * topic and an empty request.
 */
static void test_request_every_version_sizes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(big_records); i++)
        big_records[i] = (uint8_t)(i * 7);
    memset(long_txn, 'q', sizeof(long_txn));
    for (int32_t i = 0; i < 130; i++)
        many_parts[i] = (kr_ProducePartition_t){i, big_records + i, (size_t)i % 3};
    kr_ProducePartition_t odd[3] = {
        {7, big_records, sizeof(big_records)}, {8, NULL, 0}, {9, "r", 1}};
    kr_ProduceTopic_t topics[4] = {{"many", 4, {1}, 130, many_parts},
                                   {"odd-topic", 9, {2}, 3, odd},
                                   {"empty", 5, {3}, 0, NULL},
                                   {"one", 3, {4}, 1, ONE_PART_0}};
    kr_ProduceRequest_t shapes[] = {
        {long_txn, sizeof(long_txn), -1, 30000, 4, topics},
        {NULL, 0, 1, 1, 2, topics + 1},
        {"", 0, 0, 0, 1, topics + 3},
        {NULL, 0, -1, INT32_MAX, 0, NULL},
    };
    for (int16_t v = 3; v <= 13; v++) {
        for (size_t s = 0; s < ARRAY_LEN(shapes); s++) {
            kr_RequestHeader_t h = {KR_API_Produce, v, (int32_t)s, s % 2 ? NULL : "kring",
                                    s % 2 ? 0 : 5};
            check_request(&h, &shapes[s], NULL, 0);
        }
    }
}

static void test_request_bad_version(void **state)
{
    (void)state;
    kr_ProduceTopic_t t = {"t", 1, {0}, 1, ONE_PART_0};
    kr_ProduceRequest_t req = {NULL, 0, 1, 1000, 1, &t};
    uint8_t mem[128];
    size_t gaps[1];
    const int16_t bad[] = {-1, 0, 2, 14, 100};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        kr_RequestHeader_t h = {KR_API_Produce, bad[i], 1, NULL, 0};
        kr_wbuf_t w;
        kr_wbuf_init(&w, mem, sizeof(mem));
        assert_int_equal(kr_ProduceRequest_write(&w, &h, &req), KR_EVERSION);
        assert_int_equal(kr_ProduceRequest_write_frame(&w, &h, &req, gaps, 1), KR_EVERSION);
        assert_int_equal(kr_wbuf_len(&w), 0);
        assert_int_equal(kr_ProduceRequest_size(&h, &req), 0);
        assert_int_equal(kr_ProduceRequest_frame_size(&h, &req), 0);
    }
}

/* Records lengths and totals that do not fit the wire's int32 fields. */
static void test_request_range(void **state)
{
    (void)state;
    uint8_t mem[256];
    size_t gaps[2];
    kr_wbuf_t w;
    /* The frame writer never reads the records, so a huge length is safe to test. */
    kr_ProducePartition_t huge[2] = {{0, "x", (size_t)INT32_MAX}, {1, "y", 1}};
    kr_ProduceTopic_t t = {"t", 1, {0}, 1, huge};
    kr_ProduceRequest_t req = {NULL, 0, 1, 1000, 1, &t};
    for (int16_t v = 3; v <= 13; v++) {
        kr_RequestHeader_t h = {KR_API_Produce, v, 1, NULL, 0};
        kr_wbuf_init(&w, mem, sizeof(mem));
        assert_int_equal(kr_ProduceRequest_write_frame(&w, &h, &req, gaps, 2), KR_ERANGE);
    }
    /* Each length fits, the total does not. */
    huge[0].records_len = (size_t)INT32_MAX - 1;
    t.part_cnt = 2;
    for (int16_t v = 3; v <= 13; v++) {
        kr_RequestHeader_t h = {KR_API_Produce, v, 1, NULL, 0};
        kr_wbuf_init(&w, mem, sizeof(mem));
        assert_int_equal(kr_ProduceRequest_write_frame(&w, &h, &req, gaps, 2), KR_ERANGE);
        assert_true(kr_ProduceRequest_size(&h, &req) > (size_t)INT32_MAX);
    }
    /* A topic name longer than STRING's int16 length (classic versions only). */
    static char name[40000];
    memset(name, 'n', sizeof(name));
    kr_ProduceTopic_t long_name = {name, sizeof(name), {0}, 1, ONE_PART_0};
    kr_ProduceRequest_t req2 = {NULL, 0, 1, 1000, 1, &long_name};
    static uint8_t out[50000];
    kr_RequestHeader_t h8 = {KR_API_Produce, 8, 1, NULL, 0};
    kr_wbuf_init(&w, out, sizeof(out));
    assert_int_equal(kr_ProduceRequest_write(&w, &h8, &req2), KR_ERANGE);
    kr_RequestHeader_t h9 = {KR_API_Produce, 9, 1, NULL, 0};
    check_request(&h9, &req2, NULL, 0);
}

/* ================= response: test-only encoder ================= */

static void enc_nstr(kr_wbuf_t *w, bool flex, kr_str_t s)
{
    kr_wbuf_nstr(w, flex, s.len < 0 ? NULL : s.ptr, s.len < 0 ? 0 : (size_t)s.len);
}

static void enc_partition(kr_wbuf_t *w, int16_t v, const kr_ProducePartitionResponse_t *p)
{
    bool flex = v >= 9;
    kr_wbuf_i32(w, p->Index);
    kr_wbuf_i16(w, p->ErrorCode);
    kr_wbuf_i64(w, p->BaseOffset);
    kr_wbuf_i64(w, p->LogAppendTimeMs);
    if (v >= 5)
        kr_wbuf_i64(w, p->LogStartOffset);
    if (v >= 8) {
        kr_wbuf_arraylen(w, flex, p->record_error_cnt);
        for (int32_t i = 0; i < p->record_error_cnt; i++) {
            kr_wbuf_i32(w, p->RecordErrors[i].BatchIndex);
            enc_nstr(w, flex, p->RecordErrors[i].BatchIndexErrorMessage);
            kr_wbuf_tags(w, flex);
        }
        enc_nstr(w, flex, p->ErrorMessage);
    }
    if (!flex)
        return;
    if (v >= 10 && (p->CurrentLeader.LeaderId != -1 || p->CurrentLeader.LeaderEpoch != -1)) {
        kr_wbuf_uvarint(w, 1); /* one tagged field */
        kr_wbuf_uvarint(w, 0); /* tag 0: CurrentLeader */
        kr_wbuf_uvarint(w, 9); /* LeaderId, LeaderEpoch, empty tags */
        kr_wbuf_i32(w, p->CurrentLeader.LeaderId);
        kr_wbuf_i32(w, p->CurrentLeader.LeaderEpoch);
        kr_wbuf_tags(w, true);
    } else {
        kr_wbuf_tags(w, true);
    }
}

static void enc_node_endpoints(kr_wbuf_t *w, const kr_ProduceResponse_t *src)
{
    uint8_t scratch[1024];
    kr_wbuf_t s;
    kr_wbuf_init(&s, scratch, sizeof(scratch));
    kr_wbuf_arraylen(&s, true, src->node_endpoint_cnt);
    for (int32_t i = 0; i < src->node_endpoint_cnt; i++) {
        const kr_ProduceNodeEndpoint_t *e = &src->NodeEndpoints[i];
        kr_wbuf_i32(&s, e->NodeId);
        kr_wbuf_str(&s, true, e->Host.ptr, (size_t)e->Host.len);
        kr_wbuf_i32(&s, e->Port);
        enc_nstr(&s, true, e->Rack);
        kr_wbuf_tags(&s, true);
    }
    assert_int_equal(s.err, 0);
    kr_wbuf_uvarint(w, 1);
    kr_wbuf_uvarint(w, 0);
    kr_wbuf_uvarint(w, kr_wbuf_len(&s));
    kr_wbuf_raw(w, scratch, kr_wbuf_len(&s));
}

/* Encodes the decoded-form response src as a version-v body. Returns its length. */
static size_t enc_response(uint8_t *buf, size_t cap, int16_t v, const kr_ProduceResponse_t *src)
{
    bool flex = v >= 9;
    kr_wbuf_t w;
    kr_wbuf_init(&w, buf, cap);
    kr_wbuf_arraylen(&w, flex, src->topic_cnt);
    for (int32_t i = 0; i < src->topic_cnt; i++) {
        const kr_ProduceTopicResponse_t *t = &src->Responses[i];
        if (v >= 13)
            kr_wbuf_uuid(&w, t->TopicId);
        else
            kr_wbuf_str(&w, flex, t->Name.ptr, (size_t)t->Name.len);
        kr_wbuf_arraylen(&w, flex, t->part_cnt);
        for (int32_t j = 0; j < t->part_cnt; j++)
            enc_partition(&w, v, &t->parts[j]);
        kr_wbuf_tags(&w, flex);
    }
    kr_wbuf_i32(&w, src->ThrottleTimeMs);
    if (flex && v >= 10 && src->node_endpoint_cnt > 0)
        enc_node_endpoints(&w, src);
    else
        kr_wbuf_tags(&w, flex);
    assert_int_equal(w.err, 0);
    return kr_wbuf_len(&w);
}

/* ================= response: decode helpers ================= */

#define POOL 16

typedef struct pools {
    kr_ProduceTopicResponse_t topics[POOL];
    kr_ProducePartitionResponse_t parts[POOL];
    kr_ProduceRecordError_t errs[POOL];
    kr_ProduceNodeEndpoint_t nodes[POOL];
} pools_t;

static kr_ProduceResponse_t resp_with(pools_t *p, int32_t tc, int32_t pc, int32_t ec, int32_t nc)
{
    kr_ProduceResponse_t r;
    memset(&r, 0, sizeof(r));
    r.topic_pool = p->topics;
    r.topic_cap = tc;
    r.part_pool = p->parts;
    r.part_cap = pc;
    r.record_error_pool = p->errs;
    r.record_error_cap = ec;
    r.node_endpoint_pool = p->nodes;
    r.node_endpoint_cap = nc;
    return r;
}

static int decode(const uint8_t *buf, size_t len, int16_t v, kr_ProduceResponse_t *resp)
{
    kr_rbuf_t r;
    kr_rbuf_init(&r, buf, len);
    int rc = kr_ProduceResponse_read(&r, v, resp);
    if (rc != KR_EVERSION)
        assert_int_equal(rc, r.err);
    if (rc == 0)
        assert_int_equal(kr_rbuf_left(&r), 0);
    return rc;
}

static void expect_cstr(kr_str_t s, const char *want)
{
    expect_str(s, want, want ? strlen(want) : 0);
}

static void check_truncations(const uint8_t *buf, size_t len, int16_t v)
{
    pools_t p;
    for (size_t cut = 0; cut < len; cut++) {
        kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, POOL);
        int rc = decode(buf, cut, v, &resp);
        assert_true(rc == KR_ETRUNC || rc == KR_EMALFORMED);
    }
}

/* ================= response golden vectors ================= */

static const uint8_t RESP_V3[] = {
    0x00, 0x00, 0x00, 0x01,                         /* Responses: 1 */
    0x00, 0x01, 't',                                /*   Name "t" */
    0x00, 0x00, 0x00, 0x01,                         /*   PartitionResponses: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     Index 0 */
    0x00, 0x00,                                     /*     ErrorCode 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /*     BaseOffset 42 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     LogAppendTimeMs -1 */
    0x00, 0x00, 0x00, 0x00,                         /* ThrottleTimeMs 0 */
};

static void test_response_v3(void **state)
{
    (void)state;
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, POOL);
    assert_int_equal(decode(RESP_V3, sizeof(RESP_V3), 3, &resp), 0);
    assert_int_equal(resp.topic_cnt, 1);
    assert_ptr_equal(resp.Responses, p.topics);
    const kr_ProduceTopicResponse_t *t = &resp.Responses[0];
    expect_cstr(t->Name, "t");
    assert_int_equal(t->part_cnt, 1);
    const kr_ProducePartitionResponse_t *q = &t->parts[0];
    assert_int_equal(q->Index, 0);
    assert_int_equal(q->ErrorCode, 0);
    assert_true(q->BaseOffset == 42);
    assert_true(q->LogAppendTimeMs == -1);
    assert_true(q->LogStartOffset == -1);
    assert_int_equal(q->record_error_cnt, 0);
    assert_null(q->RecordErrors);
    assert_int_equal(q->ErrorMessage.len, -1);
    assert_int_equal(q->CurrentLeader.LeaderId, -1);
    assert_int_equal(q->CurrentLeader.LeaderEpoch, -1);
    assert_int_equal(resp.ThrottleTimeMs, 0);
    assert_int_equal(resp.node_endpoint_cnt, 0);
    assert_null(resp.NodeEndpoints);
    check_truncations(RESP_V3, sizeof(RESP_V3), 3);
    /* Read as v5 the same bytes are too short; as v2 the version is refused. */
    assert_int_not_equal(decode(RESP_V3, sizeof(RESP_V3), 5, &resp), 0);
    assert_int_equal(decode(RESP_V3, sizeof(RESP_V3), 2, &resp), KR_EVERSION);
    assert_int_equal(decode(RESP_V3, sizeof(RESP_V3), 14, &resp), KR_EVERSION);
}

static const uint8_t RESP_V5[] = {
    0x00, 0x00, 0x00, 0x01,                         /* Responses: 1 */
    0x00, 0x02, 'a',  'b',                          /*   Name "ab" */
    0x00, 0x00, 0x00, 0x02,                         /*   PartitionResponses: 2 */
    0x00, 0x00, 0x00, 0x00,                         /*     Index 0 */
    0x00, 0x00,                                     /*     ErrorCode 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /*     BaseOffset 100 */
    0x00, 0x00, 0x01, 0x8f, 0x12, 0x34, 0x56, 0x78, /*     LogAppendTimeMs */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, /*     LogStartOffset 10 (v5+) */
    0x00, 0x00, 0x00, 0x03,                         /*     Index 3 */
    0x00, 0x06,                                     /*     ErrorCode 6 NOT_LEADER_OR_FOLLOWER */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     BaseOffset -1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     LogAppendTimeMs -1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     LogStartOffset -1 */
    0x00, 0x00, 0x00, 0x64,                         /* ThrottleTimeMs 100 */
};

static void test_response_v5(void **state)
{
    (void)state;
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, POOL);
    assert_int_equal(decode(RESP_V5, sizeof(RESP_V5), 5, &resp), 0);
    assert_int_equal(resp.topic_cnt, 1);
    expect_cstr(resp.Responses[0].Name, "ab");
    assert_int_equal(resp.Responses[0].part_cnt, 2);
    assert_int_equal(resp.part_used, 2);
    const kr_ProducePartitionResponse_t *q = resp.Responses[0].parts;
    assert_int_equal(q[0].Index, 0);
    assert_int_equal(q[0].ErrorCode, 0);
    assert_true(q[0].BaseOffset == 100);
    assert_true(q[0].LogAppendTimeMs == 0x0000018f12345678LL);
    assert_true(q[0].LogStartOffset == 10);
    assert_int_equal(q[1].Index, 3);
    assert_int_equal(q[1].ErrorCode, 6);
    assert_true(q[1].BaseOffset == -1);
    assert_true(q[1].LogAppendTimeMs == -1);
    assert_true(q[1].LogStartOffset == -1);
    assert_int_equal(q[1].ErrorMessage.len, -1);
    assert_int_equal(resp.ThrottleTimeMs, 100);
    check_truncations(RESP_V5, sizeof(RESP_V5), 5);
    /* v6 and v7 have the same layout. */
    assert_int_equal(decode(RESP_V5, sizeof(RESP_V5), 7, &resp), 0);
    /* Too little storage. */
    resp = resp_with(&p, POOL, 1, POOL, POOL);
    assert_int_equal(decode(RESP_V5, sizeof(RESP_V5), 5, &resp), KR_ETOOMANY);
    resp = resp_with(&p, 0, POOL, POOL, POOL);
    assert_int_equal(decode(RESP_V5, sizeof(RESP_V5), 5, &resp), KR_ETOOMANY);
}

static const uint8_t RESP_V8[] = {
    0x00, 0x00, 0x00, 0x01,                         /* Responses: 1 */
    0x00, 0x01, 't',                                /*   Name "t" */
    0x00, 0x00, 0x00, 0x01,                         /*   PartitionResponses: 1 */
    0x00, 0x00, 0x00, 0x01,                         /*     Index 1 */
    0x00, 0x57,                                     /*     ErrorCode 87 INVALID_RECORD */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     BaseOffset -1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     LogAppendTimeMs -1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*     LogStartOffset 0 */
    0x00, 0x00, 0x00, 0x02,                         /*     RecordErrors: 2 (v8+) */
    0x00, 0x00, 0x00, 0x01,                         /*       BatchIndex 1 */
    0x00, 0x03, 'b',  'a',  'd',                    /*       BatchIndexErrorMessage "bad" */
    0x00, 0x00, 0x00, 0x04,                         /*       BatchIndex 4 */
    0xff, 0xff,                                     /*       BatchIndexErrorMessage null */
    0x00, 0x04, 'o',  'o',  'p',  's',              /*     ErrorMessage "oops" (v8+) */
    0x00, 0x00, 0x00, 0x00,                         /* ThrottleTimeMs 0 */
};

static void test_response_v8(void **state)
{
    (void)state;
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, POOL);
    assert_int_equal(decode(RESP_V8, sizeof(RESP_V8), 8, &resp), 0);
    const kr_ProducePartitionResponse_t *q = &resp.Responses[0].parts[0];
    expect_cstr(resp.Responses[0].Name, "t");
    assert_int_equal(q->Index, 1);
    assert_int_equal(q->ErrorCode, 87);
    assert_true(q->BaseOffset == -1);
    assert_true(q->LogStartOffset == 0);
    assert_int_equal(q->record_error_cnt, 2);
    assert_ptr_equal(q->RecordErrors, p.errs);
    assert_int_equal(q->RecordErrors[0].BatchIndex, 1);
    expect_cstr(q->RecordErrors[0].BatchIndexErrorMessage, "bad");
    assert_int_equal(q->RecordErrors[1].BatchIndex, 4);
    assert_int_equal(q->RecordErrors[1].BatchIndexErrorMessage.len, -1);
    expect_cstr(q->ErrorMessage, "oops");
    assert_int_equal(resp.record_error_used, 2);
    /* Strings borrow the input. */
    assert_true((const uint8_t *)q->ErrorMessage.ptr > RESP_V8);
    assert_true((const uint8_t *)q->ErrorMessage.ptr < RESP_V8 + sizeof(RESP_V8));
    check_truncations(RESP_V8, sizeof(RESP_V8), 8);
    resp = resp_with(&p, POOL, POOL, 1, POOL);
    assert_int_equal(decode(RESP_V8, sizeof(RESP_V8), 8, &resp), KR_ETOOMANY);
    /* Read as v7 the record errors become trailing bytes. */
    resp = resp_with(&p, POOL, POOL, POOL, POOL);
    assert_int_equal(decode(RESP_V8, sizeof(RESP_V8), 7, &resp), KR_EMALFORMED);
}

static const uint8_t RESP_V9[] = {
    0x02,                                           /* Responses: 1 (COMPACT_ARRAY) */
    0x02, 't',                                      /*   Name "t" (COMPACT_STRING) */
    0x02,                                           /*   PartitionResponses: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     Index 0 */
    0x00, 0x00,                                     /*     ErrorCode 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, /*     BaseOffset 7 */
    0x00, 0x00, 0x01, 0x8f, 0x12, 0x34, 0x56, 0x78, /*     LogAppendTimeMs */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*     LogStartOffset 0 */
    0x01,                                           /*     RecordErrors: 0 */
    0x00,                                           /*     ErrorMessage null */
    0x00,                                           /*     partition tags: none */
    0x00,                                           /*   topic tags: none */
    0x00, 0x00, 0x00, 0x00,                         /* ThrottleTimeMs 0 */
    0x00,                                           /* response tags: none */
};

static void test_response_v9(void **state)
{
    (void)state;
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, POOL);
    for (int16_t v = 9; v <= 12; v++) {
        assert_int_equal(decode(RESP_V9, sizeof(RESP_V9), v, &resp), 0);
        const kr_ProducePartitionResponse_t *q = &resp.Responses[0].parts[0];
        expect_cstr(resp.Responses[0].Name, "t");
        assert_int_equal(q->Index, 0);
        assert_true(q->BaseOffset == 7);
        assert_true(q->LogAppendTimeMs == 0x0000018f12345678LL);
        assert_true(q->LogStartOffset == 0);
        assert_int_equal(q->record_error_cnt, 0);
        assert_null(q->RecordErrors);
        assert_int_equal(q->ErrorMessage.len, -1);
        assert_int_equal(q->CurrentLeader.LeaderId, -1);
        assert_int_equal(resp.node_endpoint_cnt, 0);
    }
    check_truncations(RESP_V9, sizeof(RESP_V9), 9);
    check_truncations(RESP_V9, sizeof(RESP_V9), 10);
}

/* v9 knows no tag 0: CurrentLeader/NodeEndpoints payloads are skipped as unknown. */
static const uint8_t RESP_V9_TAG0[] = {
    0x02, 0x02, 't',  0x02,                         /* 1 topic "t", 1 partition */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,             /*   Index 0, ErrorCode 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, /*   BaseOffset 7 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*   LogAppendTimeMs -1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*   LogStartOffset 0 */
    0x01, 0x00,                                     /*   RecordErrors: 0, ErrorMessage null */
    0x01, 0x00, 0x09,                               /*   tags: 1; tag 0, 9 bytes */
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, /* topic tags */
    0x00, 0x00, 0x00, 0x00,                                     /* ThrottleTimeMs 0 */
    0x01, 0x00, 0x02, 0xaa, 0xbb,                               /* tags: 1; tag 0, 2 bytes (junk) */
};

static void test_response_v9_tag0_is_unknown(void **state)
{
    (void)state;
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, POOL);
    assert_int_equal(decode(RESP_V9_TAG0, sizeof(RESP_V9_TAG0), 9, &resp), 0);
    assert_int_equal(resp.Responses[0].parts[0].CurrentLeader.LeaderId, -1);
    assert_int_equal(resp.node_endpoint_cnt, 0);
    /* From v10 the top-level tag 0 is NodeEndpoints, and "aa bb" does not parse. */
    assert_int_equal(decode(RESP_V9_TAG0, sizeof(RESP_V9_TAG0), 10, &resp), KR_EMALFORMED);
    check_truncations(RESP_V9_TAG0, sizeof(RESP_V9_TAG0), 9);
}

static const uint8_t RESP_V10[] = {
    0x02,                                           /* Responses: 1 */
    0x02, 't',                                      /*   Name "t" */
    0x03,                                           /*   PartitionResponses: 2 */
    0x00, 0x00, 0x00, 0x00,                         /*     Index 0 */
    0x00, 0x06,                                     /*     ErrorCode 6 NOT_LEADER_OR_FOLLOWER */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     BaseOffset -1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     LogAppendTimeMs -1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     LogStartOffset -1 */
    0x01,                                           /*     RecordErrors: 0 */
    0x00,                                           /*     ErrorMessage null */
    0x02,                                           /*     tags: 2 */
    0x00, 0x09,                                     /*       tag 0 CurrentLeader, 9 bytes */
    0x00, 0x00, 0x00, 0x02,                         /*         LeaderId 2 */
    0x00, 0x00, 0x00, 0x05,                         /*         LeaderEpoch 5 */
    0x00,                                           /*         its tags: none */
    0x03, 0x01, 0xff,                               /*       tag 3 (unknown), 1 byte */
    0x00, 0x00, 0x00, 0x01,                         /*     Index 1 */
    0x00, 0x00,                                     /*     ErrorCode 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, /*     BaseOffset 12 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     LogAppendTimeMs -1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*     LogStartOffset 0 */
    0x01, 0x00, 0x00,                               /*     RecordErrors 0, null, no tags */
    0x00,                                           /*   topic tags */
    0x00, 0x00, 0x00, 0x00,                         /* ThrottleTimeMs 0 */
    0x02,                                           /* tags: 2 */
    0x00, 0x16,                                     /*   tag 0 NodeEndpoints, 22 bytes */
    0x02,                                           /*     NodeEndpoints: 1 */
    0x00, 0x00, 0x00, 0x02,                         /*       NodeId 2 */
    0x09, 'b',  'r',  'o',  'k',  'e',  'r',  '-',  '2', /*       Host "broker-2" */
    0x00, 0x00, 0x23, 0x84,                              /*       Port 9092 */
    0x03, 'r',  '1',                                     /*       Rack "r1" */
    0x00,                                                /*       its tags */
    0x05, 0x02, 0xaa, 0xbb,                              /*   tag 5 (unknown), 2 bytes */
};

static void test_response_v10_tags(void **state)
{
    (void)state;
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, POOL);
    assert_int_equal(decode(RESP_V10, sizeof(RESP_V10), 10, &resp), 0);
    const kr_ProducePartitionResponse_t *q = resp.Responses[0].parts;
    assert_int_equal(resp.Responses[0].part_cnt, 2);
    assert_int_equal(q[0].ErrorCode, 6);
    assert_int_equal(q[0].CurrentLeader.LeaderId, 2);
    assert_int_equal(q[0].CurrentLeader.LeaderEpoch, 5);
    assert_int_equal(q[1].Index, 1);
    assert_true(q[1].BaseOffset == 12);
    assert_int_equal(q[1].CurrentLeader.LeaderId, -1);
    assert_int_equal(q[1].CurrentLeader.LeaderEpoch, -1);
    assert_int_equal(resp.node_endpoint_cnt, 1);
    assert_ptr_equal(resp.NodeEndpoints, p.nodes);
    assert_int_equal(resp.NodeEndpoints[0].NodeId, 2);
    expect_cstr(resp.NodeEndpoints[0].Host, "broker-2");
    assert_int_equal(resp.NodeEndpoints[0].Port, 9092);
    expect_cstr(resp.NodeEndpoints[0].Rack, "r1");
    check_truncations(RESP_V10, sizeof(RESP_V10), 10);
    /* As v9 every tag is unknown and skipped. */
    assert_int_equal(decode(RESP_V10, sizeof(RESP_V10), 9, &resp), 0);
    assert_int_equal(resp.Responses[0].parts[0].CurrentLeader.LeaderId, -1);
    assert_int_equal(resp.node_endpoint_cnt, 0);
    resp = resp_with(&p, POOL, POOL, POOL, 0);
    assert_int_equal(decode(RESP_V10, sizeof(RESP_V10), 10, &resp), KR_ETOOMANY);
}

/* The response header, then the body; as the engine would read it. */
static void test_response_after_header(void **state)
{
    (void)state;
    uint8_t buf[256];
    const uint8_t hdr[] = {0x00, 0x00, 0x00, 0x2a, 0x00}; /* CorrelationId 42, no tags */
    memcpy(buf, hdr, sizeof(hdr));
    memcpy(buf + sizeof(hdr), RESP_V10, sizeof(RESP_V10));
    kr_rbuf_t r;
    kr_rbuf_init(&r, buf, sizeof(hdr) + sizeof(RESP_V10));
    int32_t cid = 0;
    assert_true(kr_response_header_flexible(KR_API_Produce, 10));
    assert_int_equal(kr_ResponseHeader_read(&r, true, &cid), 0);
    assert_int_equal(cid, 42);
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, POOL);
    assert_int_equal(kr_ProduceResponse_read(&r, 10, &resp), 0);
    assert_int_equal(kr_rbuf_left(&r), 0);
    assert_int_equal(resp.node_endpoint_cnt, 1);
}

static const uint8_t RESP_V13[] = {
    0x02, /* Responses: 1 */
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, /*   TopicId (UUID), no Name */
    0x02,                                           /*   PartitionResponses: 1 */
    0x00, 0x00, 0x00, 0x03,                         /*     Index 3 */
    0x00, 0x00,                                     /*     ErrorCode 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /*     BaseOffset 42 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     LogAppendTimeMs -1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*     LogStartOffset 0 */
    0x01,                                           /*     RecordErrors: 0 */
    0x00,                                           /*     ErrorMessage null */
    0x01, 0x00, 0x09,                               /*     tags: 1; tag 0, 9 bytes */
    0x00, 0x00, 0x00, 0x01,                         /*       LeaderId 1 */
    0x00, 0x00, 0x00, 0x07,                         /*       LeaderEpoch 7 */
    0x00,                                           /*       its tags */
    0x00,                                           /*   topic tags */
    0x00, 0x00, 0x00, 0x0a,                         /* ThrottleTimeMs 10 */
    0x01, 0x00, 0x0e,                               /* tags: 1; tag 0, 14 bytes */
    0x02,                                           /*   NodeEndpoints: 1 */
    0x00, 0x00, 0x00, 0x01,                         /*     NodeId 1 */
    0x03, 'k',  '1',                                /*     Host "k1" */
    0x00, 0x00, 0x23, 0x84,                         /*     Port 9092 */
    0x00,                                           /*     Rack null */
    0x00,                                           /*     its tags */
};

static void test_response_v13(void **state)
{
    (void)state;
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, POOL);
    assert_int_equal(decode(RESP_V13, sizeof(RESP_V13), 13, &resp), 0);
    const kr_ProduceTopicResponse_t *t = &resp.Responses[0];
    assert_memory_equal(t->TopicId, TOPIC_ID_A, 16);
    assert_int_equal(t->Name.len, -1);
    assert_null(t->Name.ptr);
    const kr_ProducePartitionResponse_t *q = &t->parts[0];
    assert_int_equal(q->Index, 3);
    assert_true(q->BaseOffset == 42);
    assert_int_equal(q->CurrentLeader.LeaderId, 1);
    assert_int_equal(q->CurrentLeader.LeaderEpoch, 7);
    assert_int_equal(resp.ThrottleTimeMs, 10);
    assert_int_equal(resp.node_endpoint_cnt, 1);
    assert_int_equal(resp.NodeEndpoints[0].NodeId, 1);
    expect_cstr(resp.NodeEndpoints[0].Host, "k1");
    assert_int_equal(resp.NodeEndpoints[0].Port, 9092);
    assert_int_equal(resp.NodeEndpoints[0].Rack.len, -1);
    check_truncations(RESP_V13, sizeof(RESP_V13), 13);
    /* Read as v12 the UUID is not a topic name. */
    assert_int_not_equal(decode(RESP_V13, sizeof(RESP_V13), 12, &resp), 0);
}

static void test_response_empty(void **state)
{
    (void)state;
    const uint8_t v3[] = {0, 0, 0, 0, 0, 0, 0, 5}; /* no topics, ThrottleTimeMs 5 */
    const uint8_t v9[] = {1, 0, 0, 0, 5, 0};
    kr_ProduceResponse_t resp;
    memset(&resp, 0, sizeof(resp)); /* no storage at all */
    assert_int_equal(decode(v3, sizeof(v3), 3, &resp), 0);
    assert_int_equal(resp.topic_cnt, 0);
    assert_null(resp.Responses);
    assert_int_equal(resp.ThrottleTimeMs, 5);
    assert_int_equal(decode(v9, sizeof(v9), 13, &resp), 0);
    assert_int_equal(resp.ThrottleTimeMs, 5);
}

/* ================= response: hostile inputs ================= */

static void expect_decode(const uint8_t *buf, size_t len, int16_t v, int want)
{
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, POOL);
    assert_int_equal(decode(buf, len, v, &resp), want);
}

static void test_response_lying_counts(void **state)
{
    (void)state;
    uint8_t b[256];

    memcpy(b, RESP_V3, sizeof(RESP_V3)); /* Responses: INT32_MAX */
    b[0] = 0x7f, b[1] = 0xff, b[2] = 0xff, b[3] = 0xff;
    expect_decode(b, sizeof(RESP_V3), 3, KR_ETRUNC);
    b[0] = 0xff, b[3] = 0xfe; /* Responses: -2 */
    expect_decode(b, sizeof(RESP_V3), 3, KR_EMALFORMED);
    b[3] = 0xff; /* Responses: null */
    expect_decode(b, sizeof(RESP_V3), 3, KR_EMALFORMED);

    memcpy(b, RESP_V3, sizeof(RESP_V3)); /* PartitionResponses: 2, room for 1 */
    b[10] = 2;
    expect_decode(b, sizeof(RESP_V3), 3, KR_ETRUNC);
    b[7] = 0xff, b[8] = 0xff, b[9] = 0xff, b[10] = 0xff; /* null */
    expect_decode(b, sizeof(RESP_V3), 3, KR_EMALFORMED);

    memcpy(b, RESP_V8, sizeof(RESP_V8)); /* RecordErrors: 1000 */
    b[43] = 0x03, b[44] = 0xe8;
    expect_decode(b, sizeof(RESP_V8), 8, KR_ETRUNC);
    b[43] = 0x00, b[44] = 5; /* 5 x 6 bytes > 25 left: before the 2-entry pool */
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, 2, POOL);
    assert_int_equal(decode(b, sizeof(RESP_V8), 8, &resp), KR_ETRUNC);

    memcpy(b, RESP_V9, sizeof(RESP_V9)); /* Responses: 2^32 - 2 */
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    memcpy(b, huge, 5);
    memcpy(b + 5, RESP_V9 + 1, sizeof(RESP_V9) - 1);
    expect_decode(b, sizeof(RESP_V9) + 4, 9, KR_ETRUNC);
    b[0] = 0x00; /* null compact array: 0 */
    memcpy(b + 1, RESP_V9 + 1, sizeof(RESP_V9) - 1);
    expect_decode(b, sizeof(RESP_V9), 9, KR_EMALFORMED);

    memcpy(b, RESP_V9, sizeof(RESP_V9)); /* response tags: 100 */
    b[sizeof(RESP_V9) - 1] = 100;
    expect_decode(b, sizeof(RESP_V9), 9, KR_ETRUNC);
    b[sizeof(RESP_V9) - 1] = 0; /* a trailing byte */
    b[sizeof(RESP_V9)] = 0;
    expect_decode(b, sizeof(RESP_V9) + 1, 9, KR_EMALFORMED);
}

/* Offsets into RESP_V10 of the fields these tests tamper with. */
#define V10_LEADER_SIZE 38   /* size byte of the CurrentLeader tag */
#define V10_NODES_SIZE 91    /* size byte of the NodeEndpoints tag */
#define V10_NODES_COUNT 92   /* NodeEndpoints compact count */
#define V10_UNKNOWN_SIZE 115 /* size byte of top-level tag 5 */

static void test_response_lying_tags(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = sizeof(RESP_V10);
    assert_int_equal(RESP_V10[V10_LEADER_SIZE], 0x09);
    assert_int_equal(RESP_V10[V10_NODES_SIZE], 0x16);
    assert_int_equal(RESP_V10[V10_NODES_COUNT], 0x02);
    assert_int_equal(RESP_V10[V10_UNKNOWN_SIZE], 0x02);

    /* CurrentLeader declared shorter or longer than its struct. */
    memcpy(b, RESP_V10, n);
    b[V10_LEADER_SIZE] = 8;
    expect_decode(b, n, 10, KR_EMALFORMED);
    b[V10_LEADER_SIZE] = 10;
    expect_decode(b, n, 10, KR_EMALFORMED);
    /* NodeEndpoints with a lying count inside an honest tag size. */
    memcpy(b, RESP_V10, n);
    b[V10_NODES_COUNT] = 0x40;
    expect_decode(b, n, 10, KR_EMALFORMED);
    b[V10_NODES_COUNT] = 0x00; /* null */
    expect_decode(b, n, 10, KR_EMALFORMED);
    /* 5 endpoints cannot fit in 21 bytes: caught before the 2-entry pool is consulted. */
    b[V10_NODES_COUNT] = 0x06;
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, 2);
    assert_int_equal(decode(b, n, 10, &resp), KR_EMALFORMED);
    b[V10_NODES_COUNT] = 0x02;
    resp = resp_with(&p, POOL, POOL, POOL, 0);
    assert_int_equal(decode(b, n, 10, &resp), KR_ETOOMANY);
    /* A tag size past the end of the body. */
    memcpy(b, RESP_V10, n);
    b[V10_UNKNOWN_SIZE] = 0x7f;
    expect_decode(b, n, 10, KR_ETRUNC);
    memcpy(b, RESP_V10, n);
    b[V10_NODES_SIZE] = 0x7f;
    expect_decode(b, n, 10, KR_ETRUNC);
}

/* A repeated known tag replaces the earlier one (Java's behaviour). */
static void test_response_repeated_tag(void **state)
{
    (void)state;
    const uint8_t b[] = {
        0x01,                                                               /* Responses: 0 */
        0x00, 0x00, 0x00, 0x00,                                             /* ThrottleTimeMs */
        0x02,                                                               /* tags: 2 */
        0x00, 0x0d, 0x02, 0,    0, 0, 1, 0x02, 'a', 0, 0, 0, 1, 0x00, 0x00, /* node 1 "a" */
        0x00, 0x0d, 0x02, 0,    0, 0, 2, 0x02, 'b', 0, 0, 0, 2, 0x00, 0x00, /* node 2 "b" */
    };
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, 1);
    assert_int_equal(decode(b, sizeof(b), 10, &resp), 0);
    assert_int_equal(resp.node_endpoint_cnt, 1);
    assert_int_equal(resp.NodeEndpoints[0].NodeId, 2);
    expect_cstr(resp.NodeEndpoints[0].Host, "b");

    /* An empty repeat empties the list. */
    const uint8_t e[] = {
        0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x0d, 0x02, 0,    0,
        0,    1,    0x02, 'a',  0,    0,    0,    1,    0x00, 0x00, /* node 1 "a" */
        0x00, 0x01, 0x01,                                           /* no nodes */
    };
    resp = resp_with(&p, POOL, POOL, POOL, 1);
    assert_int_equal(decode(e, sizeof(e), 10, &resp), 0);
    assert_int_equal(resp.node_endpoint_cnt, 0);
    assert_null(resp.NodeEndpoints);
}

/* ================= response: round trip, every version ================= */

typedef struct sample {
    kr_ProduceRecordError_t errs[2];
    kr_ProducePartitionResponse_t parts[3];
    kr_ProduceTopicResponse_t topics[2];
    kr_ProduceNodeEndpoint_t nodes[2];
    kr_ProduceResponse_t resp;
} sample_t;

static kr_str_t S(const char *s) { return (kr_str_t){s, s ? (int32_t)strlen(s) : -1}; }

/* A response using every field that exists at version v (others at their defaults). */
static void sample_init(sample_t *s, int16_t v)
{
    memset(s, 0, sizeof(*s));
    s->errs[0] = (kr_ProduceRecordError_t){0, S("first")};
    s->errs[1] = (kr_ProduceRecordError_t){9, S(NULL)};
    for (int i = 0; i < 3; i++) {
        kr_ProducePartitionResponse_t *q = &s->parts[i];
        q->Index = i * 10 + 1;
        q->ErrorCode = (int16_t)(i == 1 ? 6 : 0);
        q->BaseOffset = (int64_t)1 << (20 + i);
        q->LogAppendTimeMs = i == 2 ? 1700000000000LL : -1;
        q->LogStartOffset = v >= 5 ? i : -1;
        q->ErrorMessage = S(v >= 8 && i == 1 ? "not leader" : NULL);
        q->CurrentLeader = (kr_ProduceLeader_t){-1, -1};
    }
    if (v >= 8) {
        s->parts[1].RecordErrors = s->errs;
        s->parts[1].record_error_cnt = 2;
    }
    if (v >= 10)
        s->parts[1].CurrentLeader = (kr_ProduceLeader_t){3, 12};
    s->topics[0] = (kr_ProduceTopicResponse_t){S(v < 13 ? "alpha" : NULL), {0}, 2, s->parts};
    s->topics[1] = (kr_ProduceTopicResponse_t){S(v < 13 ? "b" : NULL), {0}, 1, s->parts + 2};
    if (v >= 13) {
        memcpy(s->topics[0].TopicId, TOPIC_ID_A, 16);
        memcpy(s->topics[1].TopicId, TOPIC_ID_B, 16);
    }
    s->nodes[0] = (kr_ProduceNodeEndpoint_t){3, S("kafka-3.example"), 9093, S("rack-c")};
    s->nodes[1] = (kr_ProduceNodeEndpoint_t){4, S("k4"), 19092, S(NULL)};
    s->resp.topic_cnt = 2;
    s->resp.Responses = s->topics;
    s->resp.ThrottleTimeMs = 250;
    if (v >= 10) {
        s->resp.NodeEndpoints = s->nodes;
        s->resp.node_endpoint_cnt = 2;
    }
}

static void expect_same_str(kr_str_t a, kr_str_t b)
{
    assert_int_equal(a.len, b.len);
    if (a.len > 0)
        assert_memory_equal(a.ptr, b.ptr, (size_t)a.len);
}

static void expect_same_partition(const kr_ProducePartitionResponse_t *a,
                                  const kr_ProducePartitionResponse_t *b)
{
    assert_int_equal(a->Index, b->Index);
    assert_int_equal(a->ErrorCode, b->ErrorCode);
    assert_true(a->BaseOffset == b->BaseOffset);
    assert_true(a->LogAppendTimeMs == b->LogAppendTimeMs);
    assert_true(a->LogStartOffset == b->LogStartOffset);
    assert_int_equal(a->record_error_cnt, b->record_error_cnt);
    for (int32_t k = 0; k < a->record_error_cnt; k++) {
        assert_int_equal(a->RecordErrors[k].BatchIndex, b->RecordErrors[k].BatchIndex);
        expect_same_str(a->RecordErrors[k].BatchIndexErrorMessage,
                        b->RecordErrors[k].BatchIndexErrorMessage);
    }
    expect_same_str(a->ErrorMessage, b->ErrorMessage);
    assert_int_equal(a->CurrentLeader.LeaderId, b->CurrentLeader.LeaderId);
    assert_int_equal(a->CurrentLeader.LeaderEpoch, b->CurrentLeader.LeaderEpoch);
}

static void expect_same_response(const kr_ProduceResponse_t *a, const kr_ProduceResponse_t *b)
{
    assert_int_equal(a->topic_cnt, b->topic_cnt);
    for (int32_t i = 0; i < a->topic_cnt; i++) {
        const kr_ProduceTopicResponse_t *ta = &a->Responses[i], *tb = &b->Responses[i];
        expect_same_str(ta->Name, tb->Name);
        assert_memory_equal(ta->TopicId, tb->TopicId, 16);
        assert_int_equal(ta->part_cnt, tb->part_cnt);
        for (int32_t j = 0; j < ta->part_cnt; j++)
            expect_same_partition(&ta->parts[j], &tb->parts[j]);
    }
    assert_int_equal(a->ThrottleTimeMs, b->ThrottleTimeMs);
    assert_int_equal(a->node_endpoint_cnt, b->node_endpoint_cnt);
    for (int32_t i = 0; i < a->node_endpoint_cnt; i++) {
        const kr_ProduceNodeEndpoint_t *ea = &a->NodeEndpoints[i], *eb = &b->NodeEndpoints[i];
        assert_int_equal(ea->NodeId, eb->NodeId);
        expect_same_str(ea->Host, eb->Host);
        assert_int_equal(ea->Port, eb->Port);
        expect_same_str(ea->Rack, eb->Rack);
    }
}

static void test_response_round_trip_every_version(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    for (int16_t v = 3; v <= 13; v++) {
        sample_t s;
        sample_init(&s, v);
        size_t len = enc_response(buf, sizeof(buf), v, &s.resp);
        pools_t p;
        kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, POOL);
        assert_int_equal(decode(buf, len, v, &resp), 0);
        expect_same_response(&resp, &s.resp);
        assert_int_equal(resp.part_used, 3);
        assert_int_equal(resp.record_error_used, v >= 8 ? 2 : 0);
        check_truncations(buf, len, v);
        /* Exactly enough storage works; one less of anything used does not. */
        int32_t ec = v >= 8 ? 2 : 0, nc = v >= 10 ? 2 : 0;
        resp = resp_with(&p, 2, 3, ec, nc);
        assert_int_equal(decode(buf, len, v, &resp), 0);
        resp = resp_with(&p, 1, 3, ec, nc);
        assert_int_equal(decode(buf, len, v, &resp), KR_ETOOMANY);
        resp = resp_with(&p, 2, 2, ec, nc);
        assert_int_equal(decode(buf, len, v, &resp), KR_ETOOMANY);
        if (ec > 0) {
            resp = resp_with(&p, 2, 3, ec - 1, nc);
            assert_int_equal(decode(buf, len, v, &resp), KR_ETOOMANY);
        }
        if (nc > 0) {
            resp = resp_with(&p, 2, 3, ec, nc - 1);
            assert_int_equal(decode(buf, len, v, &resp), KR_ETOOMANY);
        }
    }
}

/*
 * A lying Responses count is caught against the bytes left before it is held against
 * the storage: KR_ETRUNC, not KR_ETOOMANY, at every version.
 */
static void test_response_lying_count_before_storage(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    for (int16_t v = 3; v <= 13; v++) {
        sample_t s;
        sample_init(&s, v);
        size_t len = enc_response(buf, sizeof(buf), v, &s.resp);
        if (v >= 9)
            buf[0] = 101; /* compact: 100 topics */
        else
            buf[3] = 100;
        pools_t p;
        kr_ProduceResponse_t resp = resp_with(&p, 2, POOL, POOL, POOL);
        assert_int_equal(decode(buf, len, v, &resp), KR_ETRUNC);
    }
}

/* Smallest PartitionResponses element per the spec, recomputed here for the test. */
static size_t spec_partition_min(int16_t v)
{
    size_t n = 4 + 2 + 8 + 8 + (v >= 5 ? 8 : 0);
    if (v >= 9)
        return n + 1 + 1 + 1; /* empty RecordErrors, null ErrorMessage, no tags */
    return n + (v >= 8 ? 4 + 2 : 0);
}

/*
 * One more partition than the bytes left can hold: KR_ETRUNC, before the pool. An
 * ErrorMessage of 0..39 bytes varies the remainder, so an undercounted minimum shows.
 */
static void lying_partition_count(int16_t v, int32_t padlen)
{
    static uint8_t buf[4096];
    static const char pad[] = "0123456789012345678901234567890123456789";
    sample_t s;
    sample_init(&s, v);
    if (v >= 8)
        s.parts[2].ErrorMessage = (kr_str_t){pad, padlen};
    size_t len = enc_response(buf, sizeof(buf), v, &s.resp);
    /* First topic's PartitionResponses count: after Responses count and "alpha"/id. */
    size_t at = v >= 13 ? 1 + 16 : v >= 9 ? 1 + 6 : 4 + 7;
    size_t left = len - at - (v >= 9 ? 1 : 4);
    size_t lie = left / spec_partition_min(v) + 1;
    assert_true(lie < 127);
    if (v >= 9)
        buf[at] = (uint8_t)(lie + 1);
    else
        buf[at + 3] = (uint8_t)lie;
    pools_t p;
    kr_ProduceResponse_t resp = resp_with(&p, POOL, 1, POOL, POOL);
    assert_int_equal(decode(buf, len, v, &resp), KR_ETRUNC);
}

static void test_response_lying_partition_count(void **state)
{
    (void)state;
    for (int16_t v = 3; v <= 13; v++)
        for (int32_t padlen = 0; padlen < 40; padlen++)
            lying_partition_count(v, padlen);
}

/* ================= response: seeded random corruption ================= */

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void expect_str_inside(kr_str_t s, const uint8_t *buf, size_t len)
{
    assert_true(s.len >= -1);
    if (s.len <= 0)
        return;
    const uint8_t *p = (const uint8_t *)s.ptr;
    assert_true(p >= buf);
    assert_true(p + s.len <= buf + len);
}

/* Whatever a successful decode of junk returns stays inside the input and the pools. */
static void expect_sane(const kr_ProduceResponse_t *r, const pools_t *p, const uint8_t *buf,
                        size_t len)
{
    assert_true(r->topic_cnt >= 0 && r->topic_cnt <= r->topic_cap);
    assert_true(r->part_used >= 0 && r->part_used <= r->part_cap);
    assert_true(r->record_error_used >= 0 && r->record_error_used <= r->record_error_cap);
    assert_true(r->node_endpoint_cnt >= 0 && r->node_endpoint_cnt <= r->node_endpoint_cap);
    for (int32_t i = 0; i < r->topic_cnt; i++) {
        const kr_ProduceTopicResponse_t *t = &r->Responses[i];
        expect_str_inside(t->Name, buf, len);
        assert_true(t->part_cnt == 0 ||
                    (t->parts >= p->parts && t->parts + t->part_cnt <= p->parts + r->part_used));
        for (int32_t j = 0; j < t->part_cnt; j++) {
            const kr_ProducePartitionResponse_t *q = &t->parts[j];
            expect_str_inside(q->ErrorMessage, buf, len);
            assert_true(q->record_error_cnt == 0 ||
                        (q->RecordErrors >= p->errs &&
                         q->RecordErrors + q->record_error_cnt <= p->errs + POOL));
            for (int32_t k = 0; k < q->record_error_cnt; k++)
                expect_str_inside(q->RecordErrors[k].BatchIndexErrorMessage, buf, len);
        }
    }
    for (int32_t i = 0; i < r->node_endpoint_cnt; i++) {
        expect_str_inside(r->NodeEndpoints[i].Host, buf, len);
        expect_str_inside(r->NodeEndpoints[i].Rack, buf, len);
    }
}

static void corrupt_and_decode(const uint8_t *src, size_t len, int16_t v, int rounds)
{
    static uint8_t buf[4096];
    assert_true(len <= sizeof(buf));
    for (int i = 0; i < rounds; i++) {
        memcpy(buf, src, len);
        int flips = 1 + (int)(rng() % 4);
        for (int f = 0; f < flips; f++)
            buf[rng() % len] = (uint8_t)rng();
        size_t cut = rng() % 4 == 0 ? rng() % (len + 1) : len;
        int16_t ver = rng() % 4 == 0 ? (int16_t)(3 + rng() % 11) : v;
        pools_t p;
        kr_ProduceResponse_t resp = resp_with(&p, POOL, POOL, POOL, POOL);
        /* Decode from a copy sized exactly, so ASan sees any overread. */
        uint8_t *exact = malloc(cut > 0 ? cut : 1);
        assert_non_null(exact);
        memcpy(exact, buf, cut);
        int rc = decode(exact, cut, ver, &resp);
        assert_true(rc == 0 || rc == KR_ETRUNC || rc == KR_EMALFORMED || rc == KR_ETOOMANY);
        if (rc == 0)
            expect_sane(&resp, &p, exact, cut);
        free(exact);
    }
}

static void test_response_random_corruption(void **state)
{
    (void)state;
    rng_state = 0x9e3779b97f4a7c15ULL;
    const struct {
        const uint8_t *b;
        size_t n;
        int16_t v;
    } vec[] = {
        {RESP_V3, sizeof(RESP_V3), 3},           {RESP_V5, sizeof(RESP_V5), 5},
        {RESP_V8, sizeof(RESP_V8), 8},           {RESP_V9, sizeof(RESP_V9), 9},
        {RESP_V9_TAG0, sizeof(RESP_V9_TAG0), 9}, {RESP_V10, sizeof(RESP_V10), 10},
        {RESP_V13, sizeof(RESP_V13), 13},
    };
    for (size_t i = 0; i < ARRAY_LEN(vec); i++)
        corrupt_and_decode(vec[i].b, vec[i].n, vec[i].v, 1000);
    static uint8_t buf[4096];
    for (int16_t v = 3; v <= 13; v++) {
        sample_t s;
        sample_init(&s, v);
        size_t len = enc_response(buf, sizeof(buf), v, &s.resp);
        corrupt_and_decode(buf, len, v, 500);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_v3_golden),
        cmocka_unit_test(test_request_v9_golden),
        cmocka_unit_test(test_request_v13_golden),
        cmocka_unit_test(test_request_multi_v8_golden),
        cmocka_unit_test(test_request_multi_v11_golden),
        cmocka_unit_test(test_request_multi_v13_golden),
        cmocka_unit_test(test_request_every_version_sizes),
        cmocka_unit_test(test_request_bad_version),
        cmocka_unit_test(test_request_range),
        cmocka_unit_test(test_response_v3),
        cmocka_unit_test(test_response_v5),
        cmocka_unit_test(test_response_v8),
        cmocka_unit_test(test_response_v9),
        cmocka_unit_test(test_response_v9_tag0_is_unknown),
        cmocka_unit_test(test_response_v10_tags),
        cmocka_unit_test(test_response_after_header),
        cmocka_unit_test(test_response_v13),
        cmocka_unit_test(test_response_empty),
        cmocka_unit_test(test_response_lying_counts),
        cmocka_unit_test(test_response_lying_tags),
        cmocka_unit_test(test_response_repeated_tag),
        cmocka_unit_test(test_response_lying_count_before_storage),
        cmocka_unit_test(test_response_lying_partition_count),
        cmocka_unit_test(test_response_round_trip_every_version),
        cmocka_unit_test(test_response_random_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
