/*
 * Structure-aware round trip of the four response readers: the input describes a valid
 * response (kr_fuzz_gen_*: API from byte 0, version from byte 1, then every field), the
 * harness encodes it with its own encoder written from the protocol layouts, with
 * unknown tagged fields sprinkled in, and decodes it with kring's reader.
 *
 * Contract checked: a valid response always decodes (0) to exactly what was encoded,
 * and the result passes the reader's consistency checks; a proper prefix of it fails
 * with KR_ETRUNC; one byte more fails with KR_EMALFORMED.
 */
#include "kr_fuzz_resp.h"

enum { API_APIVERSIONS, API_METADATA, API_INITPID, API_PRODUCE, API_COUNT };

/* Everything one decode needs: the response, its storage, and the model to compare. */
typedef struct rt {
    int api;
    int16_t v;
    kr_fuzz_model_t model_mem, out_mem;
    union {
        kr_ApiVersionsResponse_t av;
        kr_MetadataResponse_t md;
        kr_InitProducerIdResponse_t ip;
        kr_ProduceResponse_t pr;
    } model, out;
} rt_t;

/* Points out's storage at out_mem, as large as the model's. */
static void rt_storage(rt_t *t)
{
    kr_fuzz_model_t *m = &t->out_mem;
    memset(&t->out, 0, sizeof(t->out));
    switch (t->api) {
    case API_APIVERSIONS:
        t->out.av.ApiKeys = m->keys;
        t->out.av.ApiKeysCap = KR_FUZZ_MAX_KEYS;
        break;
    case API_METADATA:
        t->out.md.Brokers = m->brokers;
        t->out.md.BrokersCap = KR_FUZZ_MAX_BROKERS;
        t->out.md.Topics = m->mtopics;
        t->out.md.TopicsCap = KR_FUZZ_MAX_TOPICS;
        t->out.md.Partitions = m->mparts;
        t->out.md.PartitionsCap = KR_FUZZ_MAX_PARTS;
        break;
    case API_PRODUCE:
        t->out.pr.topic_pool = m->ptopics;
        t->out.pr.topic_cap = KR_FUZZ_MAX_TOPICS;
        t->out.pr.part_pool = m->pparts;
        t->out.pr.part_cap = KR_FUZZ_MAX_PARTS;
        t->out.pr.record_error_pool = m->perrs;
        t->out.pr.record_error_cap = KR_FUZZ_MAX_ERRS;
        t->out.pr.node_endpoint_pool = m->nodes;
        t->out.pr.node_endpoint_cap = KR_FUZZ_MAX_NODES;
        break;
    default:
        break;
    }
}

static int rt_decode(rt_t *t, const uint8_t *buf, size_t len)
{
    rt_storage(t);
    kr_rbuf_t r;
    kr_rbuf_init(&r, buf, len);
    int rc = KR_EVERSION;
    switch (t->api) {
    case API_APIVERSIONS:
        rc = kr_ApiVersionsResponse_read(&r, t->v, &t->out.av);
        break;
    case API_METADATA:
        rc = kr_MetadataResponse_read(&r, t->v, &t->out.md);
        break;
    case API_INITPID:
        rc = kr_InitProducerIdResponse_read(&r, t->v, &t->out.ip);
        break;
    default:
        rc = kr_ProduceResponse_read(&r, t->v, &t->out.pr);
        break;
    }
    kr_fuzz_check_cursor(&r, rc, buf, len);
    return rc;
}

/* Draws API, version and response from the input and encodes it into w. */
static void rt_generate(rt_t *t, kr_fuzz_in_t *in, kr_wbuf_t *w)
{
    t->api = (int)kr_fuzz_below(in, API_COUNT);
    uint8_t vb = kr_fuzz_u8(in);
    switch (t->api) {
    case API_APIVERSIONS:
        t->v = (int16_t)(vb % 5);
        kr_fuzz_gen_apiversions(in, t->v, &t->model_mem, &t->model.av);
        kr_fuzz_enc_apiversions(w, in, &t->model.av);
        break;
    case API_METADATA:
        t->v = (int16_t)(1 + vb % 13);
        kr_fuzz_gen_metadata(in, t->v, &t->model_mem, &t->model.md);
        kr_fuzz_enc_metadata(w, in, t->v, &t->model.md);
        break;
    case API_INITPID:
        t->v = (int16_t)(vb % 6);
        kr_fuzz_gen_initpid(in, &t->model.ip);
        kr_fuzz_enc_initpid(w, in, t->v, &t->model.ip);
        break;
    default:
        t->v = (int16_t)(KR_PRODUCE_VERSION_MIN + vb % 11);
        kr_fuzz_gen_produce(in, t->v, &t->model_mem, &t->model.pr);
        kr_fuzz_enc_produce(w, in, t->v, &t->model.pr);
        break;
    }
}

static void rt_check(const rt_t *t, const uint8_t *buf, size_t len)
{
    switch (t->api) {
    case API_APIVERSIONS:
        kr_fuzz_check_apiversions(&t->out.av, t->v);
        KR_FUZZ_CHECK(kr_fuzz_eq_apiversions(&t->model.av, &t->out.av));
        break;
    case API_METADATA:
        kr_fuzz_check_metadata(&t->out.md, t->v, buf, len);
        KR_FUZZ_CHECK(kr_fuzz_eq_metadata(&t->model.md, &t->out.md));
        break;
    case API_INITPID:
        KR_FUZZ_CHECK(kr_fuzz_eq_initpid(&t->model.ip, &t->out.ip));
        break;
    default:
        kr_fuzz_check_produce(&t->out.pr, t->v, buf, len);
        KR_FUZZ_CHECK(kr_fuzz_eq_produce(&t->model.pr, &t->out.pr));
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rt_t t;
    static uint8_t enc[1 << 16];
    kr_fuzz_in_t in;
    kr_fuzz_in_init(&in, data, size);
    kr_wbuf_t w;
    kr_wbuf_init(&w, enc, sizeof(enc));
    rt_generate(&t, &in, &w);
    KR_FUZZ_CHECK_EQ(w.err, 0);
    size_t len = kr_wbuf_len(&w);

    /* Exactly-sized heap copies, so that ASan sees any read past the end. */
    uint8_t *buf = malloc(len + 1);
    KR_FUZZ_CHECK(buf != NULL);
    memcpy(buf, enc, len);
    KR_FUZZ_CHECK_EQ(rt_decode(&t, buf, len), 0);
    rt_check(&t, buf, len);

    if (len > 0) {
        size_t cut = kr_fuzz_u16(&in) % len;
        uint8_t *pre = malloc(cut > 0 ? cut : 1);
        KR_FUZZ_CHECK(pre != NULL);
        memcpy(pre, buf, cut);
        KR_FUZZ_CHECK_EQ(rt_decode(&t, pre, cut), KR_ETRUNC);
        free(pre);
    }
    buf[len] = kr_fuzz_u8(&in);
    KR_FUZZ_CHECK_EQ(rt_decode(&t, buf, len + 1), KR_EMALFORMED);
    free(buf);
    return 0;
}
