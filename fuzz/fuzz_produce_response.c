/*
 * ProduceResponse reader, versions 3..13 (input byte 0 picks the version, the rest is
 * the body after the response header).
 *
 * Contract checked: never crashes or reads outside the input; returns 0, KR_ETRUNC,
 * KR_EMALFORMED or KR_ETOOMANY, and r->err holds the same code; never KR_ETOOMANY when
 * every pool could hold one entry per input byte; on success the body is consumed
 * exactly and the struct is consistent (kr_fuzz_check_produce: counts within caps, every
 * topic's partitions and every partition's record errors consecutive ranges of their
 * pools, strings inside the input, version defaults); exactly-sized pools decode the
 * same and one entry less in any pool is KR_ETOOMANY; re-encoding the result and
 * decoding that gives the same response.
 */
#include "kr_fuzz_resp.h"

typedef struct pools {
    kr_ProduceTopicResponse_t *topics;
    kr_ProducePartitionResponse_t *parts;
    kr_ProduceRecordError_t *errs;
    kr_ProduceNodeEndpoint_t *nodes;
} pools_t;

static int decode(const uint8_t *body, size_t len, int16_t v, const pools_t *p,
                  const int32_t caps[4], kr_ProduceResponse_t *out)
{
    memset(out, 0, sizeof(*out));
    out->topic_pool = p->topics;
    out->topic_cap = caps[0];
    out->part_pool = p->parts;
    out->part_cap = caps[1];
    out->record_error_pool = p->errs;
    out->record_error_cap = caps[2];
    out->node_endpoint_pool = p->nodes;
    out->node_endpoint_cap = caps[3];
    kr_rbuf_t r;
    kr_rbuf_init(&r, body, len);
    int rc = kr_ProduceResponse_read(&r, v, out);
    KR_FUZZ_CHECK(rc == 0 || kr_fuzz_decode_error_ok(rc));
    KR_FUZZ_CHECK_EQ(r.err, rc);
    kr_fuzz_check_cursor(&r, rc, body, len);
    return rc;
}

static void pools_alloc(pools_t *p, size_t n)
{
    p->topics = calloc(n, sizeof(*p->topics));
    p->parts = calloc(n, sizeof(*p->parts));
    p->errs = calloc(n, sizeof(*p->errs));
    p->nodes = calloc(n, sizeof(*p->nodes));
    KR_FUZZ_CHECK(p->topics && p->parts && p->errs && p->nodes);
}

static void pools_free(pools_t *p)
{
    free(p->topics);
    free(p->parts);
    free(p->errs);
    free(p->nodes);
}

/*
 * Exact pools decode the same; one entry less in any pool is KR_ETOOMANY. The node
 * endpoint pool keeps its large size for the exact decode: a repeated NodeEndpoints tag
 * replaces the earlier one, which may have held more entries than the last.
 */
static void check_capacities(const uint8_t *body, size_t len, int16_t v, const pools_t *p,
                             const kr_ProduceResponse_t *a, int32_t big)
{
    kr_ProduceResponse_t b;
    int32_t exact[4] = {a->topic_cnt, a->part_used, a->record_error_used, big};
    KR_FUZZ_CHECK_EQ(decode(body, len, v, p, exact, &b), 0);
    KR_FUZZ_CHECK(kr_fuzz_eq_produce(a, &b));
    int32_t counts[4] = {a->topic_cnt, a->part_used, a->record_error_used, a->node_endpoint_cnt};
    for (int i = 0; i < 4; i++) {
        if (counts[i] == 0)
            continue;
        int32_t caps[4] = {big, big, big, big};
        caps[i] = counts[i] - 1;
        KR_FUZZ_CHECK_EQ(decode(body, len, v, p, caps, &b), KR_ETOOMANY);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int16_t v = (int16_t)(KR_PRODUCE_VERSION_MIN + data[0] % 11);
    const uint8_t *body = data + 1;
    size_t len = size - 1;

    int32_t big = (int32_t)len + 1;
    int32_t caps[4] = {big, big, big, big};
    pools_t p1, p2;
    pools_alloc(&p1, (size_t)big);
    pools_alloc(&p2, (size_t)big);
    kr_ProduceResponse_t a, b;
    int rc = decode(body, len, v, &p1, caps, &a);
    KR_FUZZ_CHECK(rc != KR_ETOOMANY);
    if (rc == 0) {
        kr_fuzz_check_produce(&a, v, body, len);
        check_capacities(body, len, v, &p2, &a, big);

        size_t cap2 = 2 * len + 64;
        uint8_t *re = malloc(cap2);
        KR_FUZZ_CHECK(re != NULL);
        kr_wbuf_t w;
        kr_wbuf_init(&w, re, cap2);
        kr_fuzz_enc_produce(&w, NULL, v, &a);
        KR_FUZZ_CHECK_EQ(w.err, 0);
        KR_FUZZ_CHECK(kr_wbuf_len(&w) <= len);
        KR_FUZZ_CHECK_EQ(decode(re, kr_wbuf_len(&w), v, &p2, caps, &b), 0);
        KR_FUZZ_CHECK(kr_fuzz_eq_produce(&a, &b));
        free(re);
    }
    pools_free(&p1);
    pools_free(&p2);
    return 0;
}
