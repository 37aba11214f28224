/*
 * MetadataResponse reader, versions 1..13 (input byte 0 picks the version, the rest is
 * the body after the response header).
 *
 * Contract checked: never crashes or reads outside the input; returns 0, KR_ETRUNC,
 * KR_EMALFORMED or KR_ETOOMANY (never KR_ETOOMANY when every pool could hold one entry
 * per input byte: a count the input cannot hold is refused before storage is used); on
 * success the body is consumed exactly and the struct is consistent
 * (kr_fuzz_check_metadata: counts within capacities, strings inside the input, every
 * topic's partition range inside the pool and the ranges consecutive); exactly-sized
 * pools decode the same and one entry less in any pool is KR_ETOOMANY; re-encoding the
 * result and decoding that gives the same response.
 */
#include "kr_fuzz_resp.h"

typedef struct pools {
    kr_MetadataResponseBroker_t *brokers;
    kr_MetadataResponseTopic_t *topics;
    kr_MetadataResponsePartition_t *parts;
} pools_t;

static int decode(const uint8_t *body, size_t len, int16_t v, const pools_t *p, int32_t bc,
                  int32_t tc, int32_t pc, kr_MetadataResponse_t *out)
{
    memset(out, 0, sizeof(*out));
    out->Brokers = p->brokers;
    out->BrokersCap = bc;
    out->Topics = p->topics;
    out->TopicsCap = tc;
    out->Partitions = p->parts;
    out->PartitionsCap = pc;
    kr_rbuf_t r;
    kr_rbuf_init(&r, body, len);
    int rc = kr_MetadataResponse_read(&r, v, out);
    KR_FUZZ_CHECK(rc == 0 || kr_fuzz_decode_error_ok(rc));
    kr_fuzz_check_cursor(&r, rc, body, len);
    return rc;
}

static void pools_alloc(pools_t *p, size_t n)
{
    p->brokers = calloc(n, sizeof(*p->brokers));
    p->topics = calloc(n, sizeof(*p->topics));
    p->parts = calloc(n, sizeof(*p->parts));
    KR_FUZZ_CHECK(p->brokers != NULL && p->topics != NULL && p->parts != NULL);
}

static void pools_free(pools_t *p)
{
    free(p->brokers);
    free(p->topics);
    free(p->parts);
}

/* Exact pools decode the same; one entry less in any pool is KR_ETOOMANY. */
static void check_capacities(const uint8_t *body, size_t len, int16_t v, const pools_t *p,
                             const kr_MetadataResponse_t *a)
{
    kr_MetadataResponse_t b;
    int32_t bc = a->BrokersCount, tc = a->TopicsCount, pc = a->PartitionsCount;
    KR_FUZZ_CHECK_EQ(decode(body, len, v, p, bc, tc, pc, &b), 0);
    KR_FUZZ_CHECK(kr_fuzz_eq_metadata(a, &b));
    if (bc > 0)
        KR_FUZZ_CHECK_EQ(decode(body, len, v, p, bc - 1, tc, pc, &b), KR_ETOOMANY);
    if (tc > 0)
        KR_FUZZ_CHECK_EQ(decode(body, len, v, p, bc, tc - 1, pc, &b), KR_ETOOMANY);
    if (pc > 0)
        KR_FUZZ_CHECK_EQ(decode(body, len, v, p, bc, tc, pc - 1, &b), KR_ETOOMANY);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int16_t v = (int16_t)(1 + data[0] % 13);
    const uint8_t *body = data + 1;
    size_t len = size - 1;

    int32_t cap = (int32_t)len + 1;
    pools_t p1, p2;
    pools_alloc(&p1, (size_t)cap);
    pools_alloc(&p2, (size_t)cap);
    kr_MetadataResponse_t a, b;
    int rc = decode(body, len, v, &p1, cap, cap, cap, &a);
    KR_FUZZ_CHECK(rc != KR_ETOOMANY);
    if (rc == 0) {
        kr_fuzz_check_metadata(&a, v, body, len);
        check_capacities(body, len, v, &p2, &a);

        size_t cap2 = 2 * len + 64;
        uint8_t *re = malloc(cap2);
        KR_FUZZ_CHECK(re != NULL);
        kr_wbuf_t w;
        kr_wbuf_init(&w, re, cap2);
        kr_fuzz_enc_metadata(&w, NULL, v, &a);
        KR_FUZZ_CHECK_EQ(w.err, 0);
        KR_FUZZ_CHECK(kr_wbuf_len(&w) <= len);
        KR_FUZZ_CHECK_EQ(decode(re, kr_wbuf_len(&w), v, &p2, cap, cap, cap, &b), 0);
        KR_FUZZ_CHECK(kr_fuzz_eq_metadata(&a, &b));
        free(re);
    }
    pools_free(&p1);
    pools_free(&p2);
    return 0;
}
