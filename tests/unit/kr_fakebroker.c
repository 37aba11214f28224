/* The scripted fake Kafka cluster (see kr_fakebroker.h). Test code: no engine inside. */
#define _GNU_SOURCE
#include "kr_fakebroker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kr_batch.h"
#include "kr_buf.h"
#include "kr_header.h"

#define FB_CONNS_MAX 512
#define FB_SCRIPT_MAX 64
#define FB_PRODUCERS_MAX 4   /* producer ids remembered per partition */
#define FB_CACHE 5           /* batches remembered per producer, as Kafka does */
#define FB_RBUF (4u << 20)   /* largest request frame */
#define FB_ZBUF (17u << 20)  /* decompressed records of one batch */
#define FB_WBUF (256u << 10) /* largest response */
#define FB_REQ_PARTS_MAX 512

/* Kafka error codes the fake answers with. */
#define E_NONE 0
#define E_CORRUPT_MESSAGE 2
#define E_UNKNOWN_TOPIC_OR_PARTITION 3
#define E_NOT_LEADER_OR_FOLLOWER 6
#define E_MESSAGE_TOO_LARGE 10
#define E_NOT_ENOUGH_REPLICAS_AFTER_APPEND 20
#define E_UNSUPPORTED_VERSION 35
#define E_OUT_OF_ORDER_SEQUENCE_NUMBER 45
#define E_DUPLICATE_SEQUENCE_NUMBER 46
#define E_INVALID_PRODUCER_EPOCH 47

typedef struct fb_cached {
    int32_t first_seq;
    int32_t last_seq;
    int64_t offset;
} fb_cached_t;

typedef struct fb_producer {
    int64_t id;
    int16_t epoch;
    int32_t next_seq;
    int cached; /* entries in cache, newest last */
    fb_cached_t cache[FB_CACHE];
} fb_producer_t;

typedef struct fb_part {
    int leader;
    int64_t next_offset;
    uint64_t *ids; /* log_cap entries */
    int nprod;
    fb_producer_t prod[FB_PRODUCERS_MAX];
} fb_part_t;

typedef struct fb_topic {
    char name[256];
    uint8_t id[16];
    int32_t nparts;
    fb_part_t parts[KR_FB_PARTS_MAX];
} fb_topic_t;

typedef struct fb_conn {
    kr_fb_t *fb;
    int fd;
    int node;
    bool live; /* fd open; set false under the lock before close */
    bool mute;
    pthread_t thread;
    bool joinable;
} fb_conn_t;

typedef struct fb_script {
    int16_t api_key;
    kr_fb_action_t a;
    int left; /* -1 forever */
} fb_script_t;

struct kr_fb {
    kr_fb_conf_t conf;
    pthread_mutex_t mu;
    bool stopping;
    int lfd[KR_FB_NODES_MAX];
    int port[KR_FB_NODES_MAX];
    char bootstrap[64];
    int wake[2];
    pthread_t acceptor;
    fb_conn_t conns[FB_CONNS_MAX];
    int nconns;
    fb_topic_t topics[KR_FB_TOPICS_MAX];
    fb_script_t script[FB_SCRIPT_MAX];
    int nscript;
    int64_t next_pid;
    uint64_t rng;
    /* observations */
    int64_t requests[32];
    int64_t accepted[KR_FB_NODES_MAX];
    kr_fb_batch_t journal[KR_FB_JOURNAL_MAX];
    int njournal;
    kr_fb_pid_t pids[KR_FB_PIDLOG_MAX];
    int npids;
    int last_acks;
    int64_t duplicates;
    int violations;
    char violation[512];
};

/* ================= small helpers ================= */

static void fb_sleep_ms(int ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static uint64_t fb_rand(kr_fb_t *fb)
{
    /* xorshift64*: deterministic noise for garbage and shuffles. */
    fb->rng ^= fb->rng >> 12;
    fb->rng ^= fb->rng << 25;
    fb->rng ^= fb->rng >> 27;
    return fb->rng * 2685821657736338717ULL;
}

/* Records a violation (lock held). */
static void fb_violate(kr_fb_t *fb, const char *fmt, ...)
{
    if (fb->violations++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(fb->violation, sizeof(fb->violation), fmt, ap);
        va_end(ap);
    }
}

static bool fb_send_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool fb_recv_all(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = recv(fd, p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static void fb_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void kr_fb_id_put(uint8_t *value, uint64_t id)
{
    for (int i = 0; i < 8; i++)
        value[i] = (uint8_t)(id >> (8 * i));
}

static uint64_t fb_id_get(kr_str_t v)
{
    if (v.len < 8)
        return UINT64_MAX;
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id |= (uint64_t)(uint8_t)v.ptr[i] << (8 * i);
    return id;
}

/* ================= configuration ================= */

void kr_fb_conf_defaults(kr_fb_conf_t *c)
{
    memset(c, 0, sizeof(*c));
    c->nodes = 1;
    c->produce_max = 11;
    c->metadata_max = 12;
    c->apiversions_max = 3;
    c->initpid_max = 5;
    c->strict_new_producer = true;
    c->log_cap = 1 << 16;
}

int kr_fb_conf_topic(kr_fb_conf_t *c, const char *name, int32_t partitions)
{
    if (c->topic_cnt == KR_FB_TOPICS_MAX)
        abort();
    c->topics[c->topic_cnt] = (kr_fb_topic_conf_t){name, partitions};
    return c->topic_cnt++;
}

/* ================= scripting ================= */

void kr_fb_script(kr_fb_t *fb, int16_t api_key, const kr_fb_action_t *a)
{
    pthread_mutex_lock(&fb->mu);
    if (fb->nscript == FB_SCRIPT_MAX)
        abort();
    fb_script_t *s = &fb->script[fb->nscript++];
    s->api_key = api_key;
    s->a = *a;
    s->left = a->count == 0 ? 1 : a->count;
    pthread_mutex_unlock(&fb->mu);
}

void kr_fb_script_clear(kr_fb_t *fb)
{
    pthread_mutex_lock(&fb->mu);
    fb->nscript = 0;
    pthread_mutex_unlock(&fb->mu);
}

int kr_fb_script_left(kr_fb_t *fb, int16_t api_key)
{
    pthread_mutex_lock(&fb->mu);
    int n = 0;
    for (int i = 0; i < fb->nscript; i++)
        if (fb->script[i].api_key == api_key)
            n++;
    pthread_mutex_unlock(&fb->mu);
    return n;
}

/* Takes the action for a request of api_key on node (lock held). */
static kr_fb_action_t fb_script_take(kr_fb_t *fb, int16_t api_key, int node)
{
    kr_fb_action_t a;
    memset(&a, 0, sizeof(a));
    for (int i = 0; i < fb->nscript; i++) {
        fb_script_t *s = &fb->script[i];
        if (s->api_key != api_key || (s->a.node != 0 && s->a.node != node))
            continue;
        a = s->a;
        if (s->left > 0 && --s->left == 0) {
            memmove(s, s + 1, (size_t)(fb->nscript - i - 1) * sizeof(*s));
            fb->nscript--;
        }
        break;
    }
    return a;
}

/* The error an action sets for topic t / partition p, or 0. */
static int16_t fb_perr(const kr_fb_action_t *a, const char *topic, int32_t p)
{
    for (int i = 0; i < a->perr_cnt; i++) {
        const kr_fb_perr_t *e = &a->perr[i];
        if ((e->topic == NULL || strcmp(e->topic, topic) == 0) &&
            (e->partition == -1 || e->partition == p))
            return e->error;
    }
    return 0;
}

/* ================= cluster state ================= */

void kr_fb_set_leader(kr_fb_t *fb, int topic, int32_t partition, int node)
{
    pthread_mutex_lock(&fb->mu);
    fb->topics[topic].parts[partition].leader = node;
    pthread_mutex_unlock(&fb->mu);
}

void kr_fb_add_partitions(kr_fb_t *fb, int topic, int32_t n)
{
    if (n > KR_FB_PARTS_MAX)
        abort();
    pthread_mutex_lock(&fb->mu);
    fb_topic_t *ft = &fb->topics[topic];
    for (int32_t p = ft->nparts; p < n; p++) {
        memset(&ft->parts[p], 0, sizeof(ft->parts[p]));
        ft->parts[p].leader = (int)(p % fb->conf.nodes) + 1;
        if (fb->conf.log_cap > 0 &&
            (ft->parts[p].ids = calloc(fb->conf.log_cap, sizeof(uint64_t))) == NULL)
            abort();
    }
    if (n > ft->nparts)
        ft->nparts = n;
    pthread_mutex_unlock(&fb->mu);
}

void kr_fb_forget_producers(kr_fb_t *fb)
{
    pthread_mutex_lock(&fb->mu);
    for (int t = 0; t < fb->conf.topic_cnt; t++)
        for (int32_t p = 0; p < fb->topics[t].nparts; p++)
            fb->topics[t].parts[p].nprod = 0;
    pthread_mutex_unlock(&fb->mu);
}

static int fb_topic_by_name(kr_fb_t *fb, kr_str_t name)
{
    for (int t = 0; t < fb->conf.topic_cnt; t++)
        if (name.len >= 0 && strlen(fb->topics[t].name) == (size_t)name.len &&
            memcmp(fb->topics[t].name, name.ptr, (size_t)name.len) == 0)
            return t;
    return -1;
}

static int fb_topic_by_id(kr_fb_t *fb, const uint8_t id[16])
{
    for (int t = 0; t < fb->conf.topic_cnt; t++)
        if (memcmp(fb->topics[t].id, id, 16) == 0)
            return t;
    return -1;
}

/* ================= request header ================= */

typedef struct fb_req {
    int16_t api_key;
    int16_t version;
    int32_t corr;
    kr_rbuf_t body;
} fb_req_t;

static int fb_req_header(const uint8_t *f, size_t len, fb_req_t *q)
{
    kr_rbuf_init(&q->body, f, len);
    q->api_key = kr_rbuf_i16(&q->body);
    q->version = kr_rbuf_i16(&q->body);
    q->corr = kr_rbuf_i32(&q->body);
    kr_rbuf_nstr(&q->body, false); /* ClientId: never compact */
    if (q->body.err != 0)
        return q->body.err;
    if (kr_api_range(q->api_key) == NULL)
        return KR_EVERSION;
    kr_rbuf_tags(&q->body, kr_api_flexible(q->api_key, q->version));
    return q->body.err;
}

/* Starts a response frame: Size placeholder and the header. Returns Size's offset. */
static size_t fb_resp_begin(kr_wbuf_t *w, const fb_req_t *q)
{
    size_t off = kr_wbuf_reserve(w, 4);
    kr_wbuf_i32(w, q->corr);
    kr_wbuf_tags(w, kr_response_header_flexible(q->api_key, q->version));
    return off;
}

static size_t fb_resp_end(kr_wbuf_t *w, size_t off)
{
    if (w->err != 0)
        abort(); /* FB_WBUF is sized for every response the fake writes */
    kr_wbuf_patch_i32(w, off, (int32_t)(kr_wbuf_len(w) - off - 4));
    return kr_wbuf_len(w);
}

/* The highest version the fake advertises for api_key. */
static int16_t fb_max_version(const kr_fb_t *fb, int16_t api_key)
{
    switch (api_key) {
    case KR_API_Produce:
        return fb->conf.produce_max;
    case KR_API_Metadata:
        return fb->conf.metadata_max;
    case KR_API_ApiVersions:
        return fb->conf.apiversions_max;
    case KR_API_InitProducerId:
        return fb->conf.initpid_max;
    default:
        return -1;
    }
}

/* ================= ApiVersions ================= */

static size_t fb_apiversions(kr_fb_t *fb, const fb_req_t *q, kr_wbuf_t *w)
{
    size_t off = fb_resp_begin(w, q);
    if (q->version > fb->conf.apiversions_max) {
        /* KIP-511: error 35 in the v0 layout, listing our ApiVersions range. */
        kr_wbuf_i16(w, E_UNSUPPORTED_VERSION);
        kr_wbuf_arraylen(w, false, 1);
        kr_wbuf_i16(w, KR_API_ApiVersions);
        kr_wbuf_i16(w, 0);
        kr_wbuf_i16(w, fb->conf.apiversions_max);
        return fb_resp_end(w, off);
    }
    bool flex = q->version >= 3;
    static const int16_t keys[] = {KR_API_Produce, 1 /* Fetch */, KR_API_Metadata,
                                   KR_API_ApiVersions, KR_API_InitProducerId};
    kr_wbuf_i16(w, E_NONE);
    kr_wbuf_arraylen(w, flex, 5);
    for (int i = 0; i < 5; i++) {
        kr_wbuf_i16(w, keys[i]);
        kr_wbuf_i16(w, 0);
        kr_wbuf_i16(w, keys[i] == 1 ? 17 : fb_max_version(fb, keys[i]));
        kr_wbuf_tags(w, flex);
    }
    if (q->version >= 1)
        kr_wbuf_i32(w, 0);
    kr_wbuf_tags(w, flex);
    return fb_resp_end(w, off);
}

/* ================= Metadata ================= */

/* Reads a MetadataRequest's topic names into names (NULL array: all topics). */
static int fb_metadata_req(kr_rbuf_t *r, int16_t v, kr_str_t *names, int cap, int *n)
{
    bool flex = v >= 9;
    int32_t cnt = kr_rbuf_arraylen(r, flex, 1);
    *n = cnt;
    for (int32_t i = 0; i < cnt && r->err == 0; i++) {
        if (v >= 10) {
            uint8_t id[16];
            kr_rbuf_uuid(r, id);
        }
        kr_str_t name = v >= 10 ? kr_rbuf_nstr(r, flex) : kr_rbuf_str(r, flex);
        if (i < cap)
            names[i] = name;
        kr_rbuf_tags(r, flex);
    }
    if (v >= 4)
        kr_rbuf_bool(r);
    if (v >= 8 && v <= 10)
        kr_rbuf_bool(r);
    if (v >= 8)
        kr_rbuf_bool(r);
    kr_rbuf_tags(r, flex);
    if (r->err == 0 && kr_rbuf_left(r) != 0)
        return KR_EMALFORMED;
    if (cnt > cap)
        return KR_ETOOMANY;
    return r->err;
}

static void fb_md_partition(kr_wbuf_t *w, int16_t v, int16_t err, int32_t idx, int32_t leader)
{
    bool flex = v >= 9;
    kr_wbuf_i16(w, err);
    kr_wbuf_i32(w, idx);
    kr_wbuf_i32(w, leader);
    if (v >= 7)
        kr_wbuf_i32(w, 0);                          /* LeaderEpoch */
    kr_wbuf_arraylen(w, flex, leader >= 0 ? 1 : 0); /* ReplicaNodes */
    if (leader >= 0)
        kr_wbuf_i32(w, leader);
    kr_wbuf_arraylen(w, flex, leader >= 0 ? 1 : 0); /* IsrNodes */
    if (leader >= 0)
        kr_wbuf_i32(w, leader);
    if (v >= 5)
        kr_wbuf_arraylen(w, flex, 0); /* OfflineReplicas */
    kr_wbuf_tags(w, flex);
}

/* Encodes one topic of a Metadata response (lock held). t < 0: unknown `name`. */
static void fb_md_topic(kr_fb_t *fb, kr_wbuf_t *w, int16_t v, int t, kr_str_t name,
                        const kr_fb_action_t *a)
{
    bool flex = v >= 9;
    static const uint8_t zero[16];
    int16_t terr = t < 0 ? E_UNKNOWN_TOPIC_OR_PARTITION : fb_perr(a, fb->topics[t].name, -1);
    kr_wbuf_i16(w, terr);
    if (t >= 0)
        kr_wbuf_str(w, flex, fb->topics[t].name, strlen(fb->topics[t].name));
    else
        kr_wbuf_nstr(w, flex, name.len < 0 ? NULL : name.ptr, name.len < 0 ? 0 : (size_t)name.len);
    if (v >= 10)
        kr_wbuf_uuid(w, t >= 0 && terr == 0 ? fb->topics[t].id : zero);
    kr_wbuf_bool(w, false); /* IsInternal */
    int32_t np = t >= 0 && terr == 0 ? fb->topics[t].nparts : 0;
    kr_wbuf_arraylen(w, flex, np);
    for (int32_t p = 0; p < np; p++) {
        int16_t perr = 0;
        for (int i = 0; i < a->perr_cnt; i++)
            if ((a->perr[i].topic == NULL || strcmp(a->perr[i].topic, fb->topics[t].name) == 0) &&
                a->perr[i].partition == p)
                perr = a->perr[i].error;
        fb_md_partition(w, v, perr, p, perr != 0 ? -1 : fb->topics[t].parts[p].leader);
    }
    if (v >= 8)
        kr_wbuf_i32(w, INT32_MIN); /* TopicAuthorizedOperations */
    kr_wbuf_tags(w, flex);
}

static size_t fb_metadata(kr_fb_t *fb, const fb_req_t *q, kr_wbuf_t *w, const kr_fb_action_t *a)
{
    int16_t v = q->version;
    bool flex = v >= 9;
    kr_str_t names[KR_FB_TOPICS_MAX * 4];
    int n = 0;
    kr_rbuf_t body = q->body;
    int rc = fb_metadata_req(&body, v, names, KR_FB_TOPICS_MAX * 4, &n);
    if (rc != 0) {
        fb_violate(fb, "Metadata v%d request does not decode: %s", v, kr_strerror(rc));
        return 0;
    }
    size_t off = fb_resp_begin(w, q);
    if (v >= 3)
        kr_wbuf_i32(w, 0); /* ThrottleTimeMs */
    kr_wbuf_arraylen(w, flex, fb->conf.nodes);
    for (int i = 0; i < fb->conf.nodes; i++) {
        kr_wbuf_i32(w, i + 1);
        kr_wbuf_str(w, flex, "127.0.0.1", 9);
        kr_wbuf_i32(w, fb->port[i]);
        kr_wbuf_nstr(w, flex, NULL, 0); /* Rack */
        kr_wbuf_tags(w, flex);
    }
    if (v >= 2)
        kr_wbuf_nstr(w, flex, "fake", 4); /* ClusterId */
    kr_wbuf_i32(w, 1);                    /* ControllerId */
    int cnt = n < 0 ? fb->conf.topic_cnt : n;
    kr_wbuf_arraylen(w, flex, cnt);
    for (int i = 0; i < cnt; i++) {
        int t = n < 0 ? i : fb_topic_by_name(fb, names[i]);
        fb_md_topic(fb, w, v, t, n < 0 ? (kr_str_t){NULL, -1} : names[i], a);
    }
    if (v >= 8 && v <= 10)
        kr_wbuf_i32(w, INT32_MIN); /* ClusterAuthorizedOperations */
    if (v >= 13)
        kr_wbuf_i16(w, 0);
    kr_wbuf_tags(w, flex);
    return fb_resp_end(w, off);
}

/* ================= InitProducerId ================= */

static size_t fb_initpid(kr_fb_t *fb, const fb_req_t *q, kr_wbuf_t *w, const kr_fb_action_t *a)
{
    int16_t v = q->version;
    bool flex = v >= 2;
    kr_rbuf_t r = q->body;
    kr_str_t txn = kr_rbuf_nstr(&r, flex);
    kr_rbuf_i32(&r); /* TransactionTimeoutMs */
    int64_t id = -1;
    int16_t epoch = -1;
    if (v >= 3) {
        id = kr_rbuf_i64(&r);
        epoch = kr_rbuf_i16(&r);
    }
    kr_rbuf_tags(&r, flex);
    if (r.err != 0 || kr_rbuf_left(&r) != 0 || txn.len >= 0) {
        fb_violate(fb, "InitProducerId v%d request does not decode (or is transactional)", v);
        return 0;
    }
    kr_fb_pid_t rec = {id, epoch, -1, -1, fb_perr(a, "", -1)};
    if (rec.error == 0) {
        /* Without a transactional id a broker hands out a new id, whatever was sent. */
        rec.resp_id = fb->next_pid++;
        rec.resp_epoch = fb->conf.first_epoch;
    }
    if (fb->npids < KR_FB_PIDLOG_MAX)
        fb->pids[fb->npids++] = rec;
    size_t off = fb_resp_begin(w, q);
    kr_wbuf_i32(w, 0);
    kr_wbuf_i16(w, rec.error);
    kr_wbuf_i64(w, rec.resp_id);
    kr_wbuf_i16(w, rec.resp_epoch);
    kr_wbuf_tags(w, flex);
    return fb_resp_end(w, off);
}

/* ================= Produce ================= */

typedef struct fb_pres {
    int entry; /* the request's topic entry: the response groups by it */
    int topic; /* -1: unknown (name/id below) */
    kr_str_t name;
    uint8_t id[16];
    int32_t index;
    int16_t error;
    int64_t base_offset;
    bool omit; /* left out of the response */
} fb_pres_t;

static fb_producer_t *fb_producer(fb_part_t *pt, int64_t id)
{
    for (int i = 0; i < pt->nprod; i++)
        if (pt->prod[i].id == id)
            return &pt->prod[i];
    if (pt->nprod == FB_PRODUCERS_MAX)
        return NULL;
    fb_producer_t *pr = &pt->prod[pt->nprod++];
    memset(pr, 0, sizeof(*pr));
    pr->id = id;
    pr->epoch = -1;
    pr->next_seq = -1;
    return pr;
}

/* Checks a batch's sequence as a broker does. Returns the error, or 0 to append. */
static int16_t fb_seq_check(kr_fb_t *fb, fb_part_t *pt, const kr_batch_info_t *bi,
                            int64_t *dup_offset)
{
    if (bi->producer_id < 0)
        return 0;
    fb_producer_t *pr = fb_producer(pt, bi->producer_id);
    if (pr == NULL) {
        fb_violate(fb, "more than %d producer ids on one partition", FB_PRODUCERS_MAX);
        return E_CORRUPT_MESSAGE;
    }
    int32_t first = bi->base_sequence;
    int32_t last = first + bi->records_count - 1;
    if (pr->epoch < 0 || bi->producer_epoch > pr->epoch) {
        if (first != 0 && (pr->epoch >= 0 || fb->conf.strict_new_producer))
            return E_OUT_OF_ORDER_SEQUENCE_NUMBER;
        pr->epoch = bi->producer_epoch;
        pr->next_seq = first;
        pr->cached = 0;
    }
    if (bi->producer_epoch < pr->epoch)
        return E_INVALID_PRODUCER_EPOCH;
    for (int i = 0; i < pr->cached; i++) {
        if (pr->cache[i].first_seq == first && pr->cache[i].last_seq == last) {
            *dup_offset = pr->cache[i].offset;
            return E_DUPLICATE_SEQUENCE_NUMBER;
        }
    }
    if (first != pr->next_seq)
        return E_OUT_OF_ORDER_SEQUENCE_NUMBER;
    return 0;
}

/* Appends a checked batch's records to the log (lock held). */
static int64_t fb_append(kr_fb_t *fb, fb_part_t *pt, const kr_batch_info_t *bi)
{
    int64_t base = pt->next_offset;
    kr_batch_iter_t it;
    kr_batch_iter_init(&it, bi);
    kr_batch_record_t rec;
    int rc;
    while ((rc = kr_batch_iter_next(&it, &rec)) == 1) {
        if ((size_t)pt->next_offset < fb->conf.log_cap)
            pt->ids[pt->next_offset] = fb_id_get(rec.value);
        pt->next_offset++;
    }
    if (rc != 0)
        fb_violate(fb, "a batch's records do not parse: %s", kr_strerror(rc));
    if (pt->next_offset - base != bi->records_count)
        fb_violate(fb, "RecordsCount %d, records %lld", bi->records_count,
                   (long long)(pt->next_offset - base));
    if (bi->producer_id >= 0) {
        fb_producer_t *pr = fb_producer(pt, bi->producer_id);
        if (pr->cached == FB_CACHE) {
            memmove(pr->cache, pr->cache + 1, (FB_CACHE - 1) * sizeof(pr->cache[0]));
            pr->cached--;
        }
        pr->cache[pr->cached++] =
            (fb_cached_t){bi->base_sequence, bi->base_sequence + bi->records_count - 1, base};
        pr->next_seq = bi->base_sequence + bi->records_count;
    }
    return base;
}

static void fb_journal(kr_fb_t *fb, int node, int t, int32_t p, const kr_batch_info_t *bi,
                       int16_t err, int64_t off, bool appended)
{
    if (fb->njournal == KR_FB_JOURNAL_MAX)
        return;
    fb->journal[fb->njournal++] = (kr_fb_batch_t){node,
                                                  t,
                                                  p,
                                                  bi ? bi->producer_id : -1,
                                                  bi ? bi->producer_epoch : -1,
                                                  bi ? bi->base_sequence : -1,
                                                  bi ? bi->records_count : 0,
                                                  err,
                                                  off,
                                                  appended};
}

/* Handles one partition's Records (lock held); fills res. */
static void fb_produce_part(kr_fb_t *fb, int node, const kr_fb_action_t *a, kr_str_t recs,
                            uint8_t *zbuf, kr_zstd_dws_t *zd, fb_pres_t *res)
{
    res->error = 0;
    res->omit = false;
    res->base_offset = -1;
    int t = res->topic;
    if (t < 0 || res->index < 0 || res->index >= fb->topics[t].nparts) {
        res->error = E_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    fb_part_t *pt = &fb->topics[t].parts[res->index];
    int16_t scripted = fb_perr(a, fb->topics[t].name, res->index);
    res->omit = scripted == KR_FB_OMIT;
    if (res->omit)
        scripted = 0;
    const uint8_t *data = (const uint8_t *)recs.ptr;
    size_t left = recs.len < 0 ? 0 : (size_t)recs.len;
    if (left == 0)
        fb_violate(fb, "Produce with empty Records for %s/%d", fb->topics[t].name, res->index);
    while (left > 0) {
        kr_batch_info_t bi;
        int rc = kr_batch_read(&bi, data, left, zbuf, FB_ZBUF, zd);
        if (rc != 0) {
            fb_violate(fb, "a RecordBatch for %s/%d does not read: %s", fb->topics[t].name,
                       res->index, kr_strerror(rc));
            res->error = E_CORRUPT_MESSAGE;
            return;
        }
        data += bi.size;
        left -= bi.size;
        int16_t err = scripted;
        int64_t off = -1;
        bool appended = false;
        if (err == 0 && pt->leader != node)
            err = E_NOT_LEADER_OR_FOLLOWER;
        if (err == 0 && fb->conf.max_batch_bytes > 0 && bi.size > (size_t)fb->conf.max_batch_bytes)
            err = E_MESSAGE_TOO_LARGE;
        /* NOT_ENOUGH_REPLICAS_AFTER_APPEND means what it says: written, then refused. */
        bool after_append = err == E_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
        if (after_append)
            err = 0;
        /* no_apply: processed nowhere; only sensible with an action that loses the answer. */
        if (err == 0 && !a->no_apply) {
            err = fb_seq_check(fb, pt, &bi, &off);
            if (err == 0) {
                off = fb_append(fb, pt, &bi);
                appended = true;
            }
        }
        if (after_append && (err == 0 || err == E_DUPLICATE_SEQUENCE_NUMBER))
            err = E_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
        if (err == E_DUPLICATE_SEQUENCE_NUMBER) {
            fb->duplicates++;
            if (!fb->conf.dup_error)
                err = 0;
            else
                off = -1;
        }
        fb_journal(fb, node, t, res->index, &bi, err, off, appended);
        if (res->error == 0) {
            res->error = err;
            if (res->base_offset < 0)
                res->base_offset = off;
        }
    }
}

static void fb_produce_resp_part(kr_wbuf_t *w, int16_t v, const fb_pres_t *r)
{
    bool flex = v >= 9;
    kr_wbuf_i32(w, r->index);
    kr_wbuf_i16(w, r->error);
    kr_wbuf_i64(w, r->error == 0 ? r->base_offset : -1);
    kr_wbuf_i64(w, -1); /* LogAppendTimeMs */
    if (v >= 5)
        kr_wbuf_i64(w, 0); /* LogStartOffset */
    if (v >= 8) {
        kr_wbuf_arraylen(w, flex, 0);   /* RecordErrors */
        kr_wbuf_nstr(w, flex, NULL, 0); /* ErrorMessage */
    }
    kr_wbuf_tags(w, flex);
}

/* Orders the response: res[perm[i]] is the i-th partition answered. */
static void fb_produce_order(kr_fb_t *fb, int order, int n, int *perm)
{
    for (int i = 0; i < n; i++)
        perm[i] = order == KR_FB_ORDER_REVERSED ? n - 1 - i : i;
    if (order != KR_FB_ORDER_SHUFFLED)
        return;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(fb_rand(fb) % (uint64_t)(i + 1));
        int x = perm[i];
        perm[i] = perm[j];
        perm[j] = x;
    }
}

/*
 * Encodes the response, one topic entry per run of same-topic partitions in response
 * order (a broker groups by topic; the shuffle may split a topic into several entries,
 * which readers must take as well).
 */
static size_t fb_produce_resp(kr_fb_t *fb, const fb_req_t *q, kr_wbuf_t *w, const fb_pres_t *res,
                              int n, int order)
{
    int16_t v = q->version;
    bool flex = v >= 9;
    int perm[FB_REQ_PARTS_MAX];
    fb_produce_order(fb, order, n, perm);
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (!res[perm[i]].omit)
            perm[kept++] = perm[i];
    n = kept;
    if (order == KR_FB_ORDER_SHUFFLED) {
        /* Keep one entry per topic: stable-group the shuffled partitions by topic. */
        int tmp[FB_REQ_PARTS_MAX], k = 0;
        bool used[FB_REQ_PARTS_MAX] = {false};
        for (int i = 0; i < n; i++) {
            if (used[i])
                continue;
            for (int j = i; j < n; j++) {
                if (!used[j] && res[perm[i]].entry == res[perm[j]].entry) {
                    tmp[k++] = perm[j];
                    used[j] = true;
                }
            }
        }
        memcpy(perm, tmp, (size_t)n * sizeof(int));
    }
    int ntopics = 0;
    for (int i = 0; i < n; i++)
        if (i == 0 || res[perm[i]].entry != res[perm[i - 1]].entry)
            ntopics++;
    size_t off = fb_resp_begin(w, q);
    kr_wbuf_arraylen(w, flex, ntopics);
    for (int i = 0; i < n;) {
        const fb_pres_t *first = &res[perm[i]];
        int j = i;
        while (j < n && res[perm[j]].entry == first->entry)
            j++;
        if (v >= 13)
            kr_wbuf_uuid(w, first->id);
        else
            kr_wbuf_str(w, flex, first->name.ptr, (size_t)first->name.len);
        kr_wbuf_arraylen(w, flex, j - i);
        for (int k = i; k < j; k++)
            fb_produce_resp_part(w, v, &res[perm[k]]);
        kr_wbuf_tags(w, flex);
        i = j;
    }
    kr_wbuf_i32(w, 0); /* ThrottleTimeMs */
    kr_wbuf_tags(w, flex);
    return fb_resp_end(w, off);
}

/* Handles a Produce request (lock held). Returns the response length; *acks0 if none. */
static size_t fb_produce(kr_fb_t *fb, fb_conn_t *c, const fb_req_t *q, kr_wbuf_t *w,
                         const kr_fb_action_t *a, uint8_t *zbuf, kr_zstd_dws_t *zd, fb_pres_t *res,
                         bool *acks0)
{
    int16_t v = q->version;
    bool flex = v >= 9;
    kr_rbuf_t r = q->body;
    kr_str_t txn = kr_rbuf_nstr(&r, flex);
    int16_t acks = kr_rbuf_i16(&r);
    kr_rbuf_i32(&r); /* TimeoutMs */
    fb->last_acks = acks;
    *acks0 = acks == 0;
    int n = 0;
    int32_t tcnt = kr_rbuf_arraylen(&r, flex, 1);
    for (int32_t ti = 0; ti < tcnt && r.err == 0; ti++) {
        kr_str_t name = {NULL, -1};
        uint8_t id[16] = {0};
        int t;
        if (v >= 13) {
            kr_rbuf_uuid(&r, id);
            t = fb_topic_by_id(fb, id);
            if (t >= 0)
                name = (kr_str_t){fb->topics[t].name, (int32_t)strlen(fb->topics[t].name)};
        } else {
            name = kr_rbuf_str(&r, flex);
            t = fb_topic_by_name(fb, name);
        }
        int32_t pcnt = kr_rbuf_arraylen(&r, flex, 1);
        for (int32_t pi = 0; pi < pcnt && r.err == 0; pi++) {
            if (n == FB_REQ_PARTS_MAX) {
                fb_violate(fb, "more than %d partitions in one Produce", FB_REQ_PARTS_MAX);
                return 0;
            }
            fb_pres_t *x = &res[n++];
            x->entry = ti;
            x->topic = t;
            x->name = name;
            memcpy(x->id, id, 16);
            x->index = kr_rbuf_i32(&r);
            kr_str_t recs = kr_rbuf_bytes(&r, flex);
            kr_rbuf_tags(&r, flex);
            if (r.err == 0)
                fb_produce_part(fb, c->node, a, recs, zbuf, zd, x);
        }
        kr_rbuf_tags(&r, flex);
    }
    kr_rbuf_tags(&r, flex);
    if (r.err != 0 || kr_rbuf_left(&r) != 0 || txn.len >= 0 || tcnt <= 0) {
        fb_violate(fb, "Produce v%d request does not decode: %s", v,
                   r.err ? kr_strerror(r.err) : "trailing bytes, a TransactionalId or no topics");
        return 0;
    }
    if (acks != 0 && acks != 1 && acks != -1)
        fb_violate(fb, "Produce with Acks %d", acks);
    return fb_produce_resp(fb, q, w, res, n, a->order);
}

/* ================= connections ================= */

static void fb_conn_close(fb_conn_t *c)
{
    pthread_mutex_lock(&c->fb->mu);
    if (c->live) {
        c->live = false;
        shutdown(c->fd, SHUT_RDWR);
        close(c->fd);
    }
    pthread_mutex_unlock(&c->fb->mu);
}

/* Sends the response frame f[0..len) as action a says. Returns false to close. */
static bool fb_act(kr_fb_t *fb, fb_conn_t *c, const kr_fb_action_t *a, uint8_t *f, size_t len,
                   size_t hdr)
{
    switch (a->kind) {
    case KR_FB_DELAY:
        fb_sleep_ms(a->delay_ms);
        return fb_send_all(c->fd, f, len);
    case KR_FB_NO_ANSWER:
        c->mute = true;
        return true;
    case KR_FB_PIECES: {
        size_t piece = a->piece > 0 ? a->piece : 1;
        for (size_t off = 0; off < len; off += piece) {
            if (!fb_send_all(c->fd, f + off, len - off < piece ? len - off : piece))
                return false;
            fb_sleep_ms(a->pause_ms);
        }
        return true;
    }
    case KR_FB_GARBAGE:
    case KR_FB_GARBAGE_RAW: {
        /* Noise after the response header (GARBAGE), or everywhere (RAW). */
        pthread_mutex_lock(&fb->mu);
        for (size_t i = a->kind == KR_FB_GARBAGE ? hdr : 0; i < len; i++)
            f[i] = (uint8_t)fb_rand(fb);
        pthread_mutex_unlock(&fb->mu);
        if (a->kind == KR_FB_GARBAGE_RAW)
            c->mute = true;
        return fb_send_all(c->fd, f, len);
    }
    case KR_FB_TRUNCATE:
        fb_send_all(c->fd, f, len / 2);
        fb_sleep_ms(20);
        return false;
    case KR_FB_CLOSE:
        return false;
    case KR_FB_BAD_CORR:
        fb_put_be32(f + 4,
                    ((uint32_t)f[4] << 24 | (uint32_t)f[5] << 16 | (uint32_t)f[6] << 8 | f[7]) +
                        1000);
        return fb_send_all(c->fd, f, len);
    case KR_FB_OVERSIZE:
        fb_put_be32(f, 0x7fffffff);
        c->mute = true;
        return fb_send_all(c->fd, f, len < 16 ? len : 16);
    default:
        return fb_send_all(c->fd, f, len);
    }
}

typedef struct fb_bufs {
    uint8_t *rbuf;
    uint8_t *wbuf;
    uint8_t *zbuf;
    void *zd_mem;
    kr_zstd_dws_t *zd; /* reads zstd batches */
    fb_pres_t res[FB_REQ_PARTS_MAX];
} fb_bufs_t;

/* Handles one request frame. Returns false to close the connection. */
static bool fb_request(kr_fb_t *fb, fb_conn_t *c, fb_bufs_t *b, size_t flen)
{
    fb_req_t q;
    int rc = fb_req_header(b->rbuf, flen, &q);
    pthread_mutex_lock(&fb->mu);
    if (rc != 0) {
        fb_violate(fb, "a request header does not decode: %s", kr_strerror(rc));
        pthread_mutex_unlock(&fb->mu);
        return false;
    }
    if (q.api_key >= 0 && q.api_key < 32)
        fb->requests[q.api_key]++;
    bool bad_version = q.version < 0 || q.version > fb_max_version(fb, q.api_key) ||
                       (q.api_key == KR_API_Produce && q.version < 3);
    if (bad_version && q.api_key != KR_API_ApiVersions) {
        /* A real broker closes the connection without a word. */
        fb_violate(fb, "api %d v%d was never advertised", q.api_key, q.version);
        pthread_mutex_unlock(&fb->mu);
        return false;
    }
    if (c->mute) {
        pthread_mutex_unlock(&fb->mu);
        return true;
    }
    kr_fb_action_t a = fb_script_take(fb, q.api_key, c->node);
    kr_wbuf_t w;
    kr_wbuf_init(&w, b->wbuf, FB_WBUF);
    size_t len = 0;
    bool acks0 = false;
    switch (q.api_key) {
    case KR_API_ApiVersions:
        len = fb_apiversions(fb, &q, &w);
        break;
    case KR_API_Metadata:
        len = fb_metadata(fb, &q, &w, &a);
        break;
    case KR_API_InitProducerId:
        len = fb_initpid(fb, &q, &w, &a);
        break;
    case KR_API_Produce:
        len = fb_produce(fb, c, &q, &w, &a, b->zbuf, b->zd, b->res, &acks0);
        break;
    default:
        break;
    }
    pthread_mutex_unlock(&fb->mu);
    if (len == 0 && !acks0)
        return false; /* a violation: close */
    if (acks0)
        return a.kind != KR_FB_CLOSE && a.kind != KR_FB_TRUNCATE;
    size_t hdr = 8 + (kr_response_header_flexible(q.api_key, q.version) ? 1 : 0);
    return fb_act(fb, c, &a, b->wbuf, len, hdr);
}

static void *fb_conn_main(void *arg)
{
    fb_conn_t *c = arg;
    kr_fb_t *fb = c->fb;
    fb_bufs_t *b = calloc(1, sizeof(*b));
    if (b != NULL) {
        b->rbuf = malloc(FB_RBUF);
        b->wbuf = malloc(FB_WBUF);
        b->zbuf = malloc(FB_ZBUF);
        b->zd_mem = malloc(kr_zstd_dws_size());
        b->zd = b->zd_mem != NULL ? kr_zstd_dws_init(b->zd_mem, kr_zstd_dws_size()) : NULL;
    }
    for (;;) {
        if (b == NULL || b->rbuf == NULL || b->wbuf == NULL || b->zbuf == NULL || b->zd == NULL)
            break;
        uint8_t sz[4];
        if (!fb_recv_all(c->fd, sz, 4))
            break;
        uint32_t flen =
            (uint32_t)sz[0] << 24 | (uint32_t)sz[1] << 16 | (uint32_t)sz[2] << 8 | sz[3];
        if (flen < 8 || flen > FB_RBUF) {
            pthread_mutex_lock(&fb->mu);
            fb_violate(fb, "a request frame of %u bytes", flen);
            pthread_mutex_unlock(&fb->mu);
            break;
        }
        if (!fb_recv_all(c->fd, b->rbuf, flen))
            break;
        if (!fb_request(fb, c, b, flen))
            break;
    }
    fb_conn_close(c);
    if (b != NULL) {
        free(b->rbuf);
        free(b->wbuf);
        free(b->zbuf);
        free(b->zd_mem);
        free(b);
    }
    return NULL;
}

static void fb_accept(kr_fb_t *fb, int node)
{
    int fd = accept4(fb->lfd[node - 1], NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    pthread_mutex_lock(&fb->mu);
    if (fb->stopping || fb->nconns == FB_CONNS_MAX) {
        if (!fb->stopping)
            fb_violate(fb, "more than %d connections", FB_CONNS_MAX);
        pthread_mutex_unlock(&fb->mu);
        close(fd);
        return;
    }
    fb_conn_t *c = &fb->conns[fb->nconns++];
    memset(c, 0, sizeof(*c));
    c->fb = fb;
    c->fd = fd;
    c->node = node;
    c->live = true;
    fb->accepted[node - 1]++;
    c->joinable = pthread_create(&c->thread, NULL, fb_conn_main, c) == 0;
    if (!c->joinable) {
        c->live = false;
        close(fd);
    }
    pthread_mutex_unlock(&fb->mu);
}

static void *fb_accept_main(void *arg)
{
    kr_fb_t *fb = arg;
    struct pollfd pfd[KR_FB_NODES_MAX + 1];
    int n = fb->conf.nodes;
    for (int i = 0; i < n; i++)
        pfd[i] = (struct pollfd){fb->lfd[i], POLLIN, 0};
    pfd[n] = (struct pollfd){fb->wake[0], POLLIN, 0};
    for (;;) {
        int rc = poll(pfd, (nfds_t)n + 1, -1);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0 || pfd[n].revents != 0)
            return NULL;
        for (int i = 0; i < n; i++)
            if (pfd[i].revents & POLLIN)
                fb_accept(fb, i + 1);
    }
}

static int fb_listen(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

kr_fb_t *kr_fb_start(const kr_fb_conf_t *conf)
{
    if (conf->nodes < 1 || conf->nodes > KR_FB_NODES_MAX)
        return NULL;
    kr_fb_t *fb = calloc(1, sizeof(*fb));
    if (fb == NULL)
        return NULL;
    fb->conf = *conf;
    pthread_mutex_init(&fb->mu, NULL);
    fb->rng = 0x9e3779b97f4a7c15ULL;
    fb->next_pid = 4000;
    fb->last_acks = -100;
    for (int i = 0; i < KR_FB_NODES_MAX; i++)
        fb->lfd[i] = -1;
    fb->wake[0] = fb->wake[1] = -1;
    for (int t = 0; t < conf->topic_cnt; t++) {
        fb_topic_t *ft = &fb->topics[t];
        snprintf(ft->name, sizeof(ft->name), "%s", conf->topics[t].name);
        ft->nparts = conf->topics[t].partitions;
        if (ft->nparts < 1 || ft->nparts > KR_FB_PARTS_MAX)
            abort();
        for (int i = 0; i < 16; i++)
            ft->id[i] = (uint8_t)(0x10 * (t + 1) + i);
        for (int32_t p = 0; p < ft->nparts; p++) {
            ft->parts[p].leader = (int)(p % conf->nodes) + 1;
            if (conf->log_cap > 0) {
                ft->parts[p].ids = calloc(conf->log_cap, sizeof(uint64_t));
                if (ft->parts[p].ids == NULL)
                    abort();
            }
        }
    }
    bool ok = pipe2(fb->wake, O_CLOEXEC) == 0;
    for (int i = 0; ok && i < conf->nodes; i++) {
        fb->lfd[i] = fb_listen(&fb->port[i]);
        ok = fb->lfd[i] >= 0;
    }
    snprintf(fb->bootstrap, sizeof(fb->bootstrap), "127.0.0.1:%d", fb->port[0]);
    if (!ok || pthread_create(&fb->acceptor, NULL, fb_accept_main, fb) != 0) {
        for (int i = 0; i < KR_FB_NODES_MAX; i++)
            if (fb->lfd[i] >= 0)
                close(fb->lfd[i]);
        if (fb->wake[0] >= 0) {
            close(fb->wake[0]);
            close(fb->wake[1]);
        }
        for (int t = 0; t < conf->topic_cnt; t++)
            for (int32_t p = 0; p < fb->topics[t].nparts; p++)
                free(fb->topics[t].parts[p].ids);
        free(fb);
        return NULL;
    }
    return fb;
}

void kr_fb_stop(kr_fb_t *fb)
{
    if (fb == NULL)
        return;
    pthread_mutex_lock(&fb->mu);
    fb->stopping = true;
    pthread_mutex_unlock(&fb->mu);
    (void)!write(fb->wake[1], "x", 1);
    pthread_join(fb->acceptor, NULL);
    /* No new connections now; shut the live ones so their threads return. */
    pthread_mutex_lock(&fb->mu);
    for (int i = 0; i < fb->nconns; i++)
        if (fb->conns[i].live)
            shutdown(fb->conns[i].fd, SHUT_RDWR);
    pthread_mutex_unlock(&fb->mu);
    for (int i = 0; i < fb->nconns; i++)
        if (fb->conns[i].joinable)
            pthread_join(fb->conns[i].thread, NULL);
    for (int i = 0; i < fb->conf.nodes; i++)
        close(fb->lfd[i]);
    close(fb->wake[0]);
    close(fb->wake[1]);
    for (int t = 0; t < fb->conf.topic_cnt; t++)
        for (int32_t p = 0; p < fb->topics[t].nparts; p++)
            free(fb->topics[t].parts[p].ids);
    pthread_mutex_destroy(&fb->mu);
    free(fb);
}

int kr_fb_port(const kr_fb_t *fb, int node) { return fb->port[node - 1]; }

const char *kr_fb_bootstrap(const kr_fb_t *fb) { return fb->bootstrap; }

/* ================= observations ================= */

int64_t kr_fb_requests(kr_fb_t *fb, int16_t api_key)
{
    pthread_mutex_lock(&fb->mu);
    int64_t n = api_key >= 0 && api_key < 32 ? fb->requests[api_key] : 0;
    pthread_mutex_unlock(&fb->mu);
    return n;
}

int64_t kr_fb_connections(kr_fb_t *fb, int node)
{
    pthread_mutex_lock(&fb->mu);
    int64_t n = fb->accepted[node - 1];
    pthread_mutex_unlock(&fb->mu);
    return n;
}

int64_t kr_fb_log_len(kr_fb_t *fb, int topic, int32_t partition)
{
    pthread_mutex_lock(&fb->mu);
    int64_t n = fb->topics[topic].parts[partition].next_offset;
    pthread_mutex_unlock(&fb->mu);
    return n;
}

uint64_t kr_fb_log_id(kr_fb_t *fb, int topic, int32_t partition, int64_t offset)
{
    pthread_mutex_lock(&fb->mu);
    const fb_part_t *pt = &fb->topics[topic].parts[partition];
    uint64_t id = offset >= 0 && offset < pt->next_offset && (size_t)offset < fb->conf.log_cap
                      ? pt->ids[offset]
                      : UINT64_MAX;
    pthread_mutex_unlock(&fb->mu);
    return id;
}

int kr_fb_batches(kr_fb_t *fb, kr_fb_batch_t *out, int cap)
{
    pthread_mutex_lock(&fb->mu);
    int n = fb->njournal < cap ? fb->njournal : cap;
    memcpy(out, fb->journal, (size_t)n * sizeof(*out));
    pthread_mutex_unlock(&fb->mu);
    return n;
}

int kr_fb_pids(kr_fb_t *fb, kr_fb_pid_t *out, int cap)
{
    pthread_mutex_lock(&fb->mu);
    int n = fb->npids < cap ? fb->npids : cap;
    memcpy(out, fb->pids, (size_t)n * sizeof(*out));
    pthread_mutex_unlock(&fb->mu);
    return n;
}

int kr_fb_last_acks(kr_fb_t *fb)
{
    pthread_mutex_lock(&fb->mu);
    int a = fb->last_acks;
    pthread_mutex_unlock(&fb->mu);
    return a;
}

int64_t kr_fb_duplicates(kr_fb_t *fb)
{
    pthread_mutex_lock(&fb->mu);
    int64_t n = fb->duplicates;
    pthread_mutex_unlock(&fb->mu);
    return n;
}

int kr_fb_violations(kr_fb_t *fb, char *buf, size_t len)
{
    pthread_mutex_lock(&fb->mu);
    int n = fb->violations;
    if (len > 0)
        snprintf(buf, len, "%s", fb->violation);
    pthread_mutex_unlock(&fb->mu);
    return n;
}

/* ================= the producer-side harness ================= */

#include <signal.h>

static void fbh_dr_cb(const kr_delivery_t *d, void *ctx)
{
    kr_fbh_t *h = ctx;
    if (d->err == 0)
        h->ok++;
    else
        h->failed++;
    if (h->dr_cnt < h->dr_cap) {
        kr_fbh_dr_t *r = &h->dr[h->dr_cnt];
        r->id = (uint64_t)(uintptr_t)d->opaque;
        r->partition = d->partition;
        r->offset = d->offset;
        r->err = d->err;
        r->broker_error = d->broker_error;
        snprintf(r->error_name, sizeof(r->error_name), "%s",
                 d->error_name != NULL ? d->error_name : "");
    }
    h->dr_cnt++;
}

/*
 * The same reports through the batch callback: each batch is non-empty, of one partition,
 * with consecutive offsets (or none), and unrolls into the per-record reports above.
 */
static void fbh_drb_cb(const kr_delivery_batch_t *db, void *ctx)
{
    if (db->cnt == 0 || db->opaques == NULL || db->timestamps == NULL || db->base_offset < -1 ||
        (db->err != 0 && db->base_offset != -1)) {
        fprintf(stderr, "fbh: a malformed batch report (cnt %zu, base_offset %lld, err %d)\n",
                db->cnt, (long long)db->base_offset, db->err);
        abort();
    }
    for (size_t i = 0; i < db->cnt; i++) {
        kr_delivery_t d = {.topic = db->topic,
                           .partition = db->partition,
                           .offset = db->base_offset >= 0 ? db->base_offset + (int64_t)i : -1,
                           .timestamp =
                               db->log_append_time >= 0 ? db->log_append_time : db->timestamps[i],
                           .err = db->err,
                           .broker_error = db->broker_error,
                           .error_name = db->error_name,
                           .opaque = db->opaques[i]};
        fbh_dr_cb(&d, ctx);
    }
}

int kr_fbh_open(kr_fbh_t *h, kr_fb_t *fb, size_t dr_cap, const char *const *settings)
{
    return kr_fbh_open_stats(h, fb, dr_cap, settings, NULL, NULL);
}

int kr_fbh_open_stats(kr_fbh_t *h, kr_fb_t *fb, size_t dr_cap, const char *const *settings,
                      kr_stats_cb_t *stats_cb, void *stats_ctx)
{
    static const char *const base[] = {"request.timeout.ms",
                                       "1000",
                                       "delivery.timeout.ms",
                                       "10000",
                                       "linger.ms",
                                       "2",
                                       "retry.backoff.ms",
                                       "10",
                                       "retry.backoff.max.ms",
                                       "100",
                                       "reconnect.backoff.ms",
                                       "10",
                                       "reconnect.backoff.max.ms",
                                       "100",
                                       "batch.size",
                                       "16384",
                                       "buffer.memory",
                                       "4194304",
                                       "socket.connection.setup.timeout.ms",
                                       "1000",
                                       NULL};
    memset(h, 0, sizeof(*h));
    h->fb = fb;
    h->dr_cap = dr_cap;
    if (dr_cap > 0 && (h->dr = calloc(dr_cap, sizeof(*h->dr))) == NULL)
        return -ENOMEM;
    kr_conf_t *conf = kr_conf_new();
    if (conf == NULL)
        return -ENOMEM;
    const char *boot = fb != NULL ? kr_fb_bootstrap(fb) : "127.0.0.1:9";
    int rc = kr_conf_set(conf, "bootstrap.servers", boot, h->errstr, sizeof(h->errstr));
    for (int i = 0; rc == 0 && base[i] != NULL; i += 2)
        rc = kr_conf_set(conf, base[i], base[i + 1], h->errstr, sizeof(h->errstr));
    /* CTest runs every engine test once per transport. */
    const char *engine = getenv("KR_TEST_IO_ENGINE");
    if (rc == 0 && engine != NULL)
        rc = kr_conf_set(conf, "io.engine", engine, h->errstr, sizeof(h->errstr));
    for (int i = 0; rc == 0 && settings != NULL && settings[i] != NULL; i += 2)
        rc = kr_conf_set(conf, settings[i], settings[i + 1], h->errstr, sizeof(h->errstr));
    /* CTest runs the poll transport's tests with reports batch by batch. */
    const char *delivery = getenv("KR_TEST_DELIVERY");
    if (delivery != NULL && strcmp(delivery, "batch") == 0)
        kr_conf_set_delivery_batch_cb(conf, fbh_drb_cb, h);
    else
        kr_conf_set_delivery_cb(conf, fbh_dr_cb, h);
    if (stats_cb != NULL)
        kr_conf_set_stats_cb(conf, stats_cb, stats_ctx);
    if (rc == 0)
        rc = kr_producer_new(&h->p, conf, h->errstr, sizeof(h->errstr));
    kr_conf_destroy(conf);
    return rc;
}

void kr_fbh_close(kr_fbh_t *h, int timeout_ms)
{
    if (h->p != NULL)
        kr_producer_close(h->p, timeout_ms);
    h->p = NULL;
    free(h->dr);
    h->dr = NULL;
}

int kr_fbh_produce(kr_fbh_t *h, const char *topic, int32_t partition, uint64_t id, size_t value_len)
{
    uint8_t value[4096];
    if (value_len < 8)
        value_len = 8;
    if (value_len > sizeof(value))
        value_len = sizeof(value);
    kr_fb_id_put(value, id);
    for (size_t i = 8; i < value_len; i++)
        value[i] = (uint8_t)('a' + (id + i) % 26);
    kr_record_t rec = {topic,
                       partition,
                       NULL,
                       0,
                       value,
                       value_len,
                       NULL,
                       0,
                       KR_TIMESTAMP_NOW,
                       (void *)(uintptr_t)id};
    return kr_produce_wait(h->p, &rec, 5000);
}

const kr_fbh_dr_t *kr_fbh_report(const kr_fbh_t *h, uint64_t id)
{
    size_t n = h->dr_cnt < h->dr_cap ? h->dr_cnt : h->dr_cap;
    for (size_t i = 0; i < n; i++)
        if (h->dr[i].id == id)
            return &h->dr[i];
    return NULL;
}

#define FBH_FAIL(...)                                                                              \
    do {                                                                                           \
        snprintf(msg, len, __VA_ARGS__);                                                           \
        free(seen);                                                                                \
        return -1;                                                                                 \
    } while (0)

int kr_fbh_check_exact(kr_fbh_t *h, int topic, const char *name, uint64_t n, char *msg, size_t len)
{
    uint8_t *seen = calloc(n > 0 ? n : 1, 1);
    uint64_t last[KR_FB_PARTS_MAX];
    memset(last, 0xff, sizeof(last));
    if (seen == NULL)
        FBH_FAIL("out of memory");
    if (h->dr_cnt > h->dr_cap)
        FBH_FAIL("%zu reports, only %zu kept", h->dr_cnt, h->dr_cap);
    for (size_t i = 0; i < h->dr_cnt; i++) {
        const kr_fbh_dr_t *r = &h->dr[i];
        if (r->id >= n)
            FBH_FAIL("a report for record %llu, not produced", (unsigned long long)r->id);
        if (seen[r->id]++)
            FBH_FAIL("record %llu reported twice", (unsigned long long)r->id);
        if (r->err != 0)
            FBH_FAIL("record %llu failed: %s (%d)", (unsigned long long)r->id, r->error_name,
                     r->err);
        if (r->partition < 0 || r->partition >= KR_FB_PARTS_MAX)
            FBH_FAIL("record %llu: partition %d", (unsigned long long)r->id, r->partition);
        if (last[r->partition] != UINT64_MAX && last[r->partition] > r->id)
            FBH_FAIL("partition %d: record %llu reported after %llu", r->partition,
                     (unsigned long long)r->id, (unsigned long long)last[r->partition]);
        last[r->partition] = r->id;
        uint64_t at = kr_fb_log_id(h->fb, topic, r->partition, r->offset);
        if (at != r->id)
            FBH_FAIL("record %llu reported at %d@%lld, where the log has %llu",
                     (unsigned long long)r->id, r->partition, (long long)r->offset,
                     (unsigned long long)at);
    }
    for (uint64_t i = 0; i < n; i++)
        if (!seen[i])
            FBH_FAIL("record %llu never reported", (unsigned long long)i);
    /* The log: each record once, in produce order per partition. */
    memset(seen, 0, n);
    uint64_t total = 0;
    for (int32_t p = 0; p < h->fb->topics[topic].nparts; p++) {
        int64_t ln = kr_fb_log_len(h->fb, topic, p);
        uint64_t prev = UINT64_MAX;
        for (int64_t o = 0; o < ln; o++) {
            uint64_t id = kr_fb_log_id(h->fb, topic, p, o);
            if (id >= n)
                FBH_FAIL("%s/%d@%lld holds record %llu", name, p, (long long)o,
                         (unsigned long long)id);
            if (seen[id]++)
                FBH_FAIL("%s: record %llu written twice (again at %d@%lld)", name,
                         (unsigned long long)id, p, (long long)o);
            if (prev != UINT64_MAX && id < prev)
                FBH_FAIL("%s/%d: record %llu written after %llu", name, p, (unsigned long long)id,
                         (unsigned long long)prev);
            prev = id;
            total++;
        }
    }
    if (total != n)
        FBH_FAIL("%s: the log holds %llu records, %llu produced", name, (unsigned long long)total,
                 (unsigned long long)n);
    free(seen);
    return 0;
}

static const char *fbh_watch_what = "";

static void fbh_on_alarm(int sig)
{
    (void)sig;
    static const char pre[] = "\nWATCHDOG: test did not finish in time: ";
    (void)!write(2, pre, sizeof(pre) - 1);
    (void)!write(2, fbh_watch_what, strlen(fbh_watch_what));
    (void)!write(2, "\n", 1);
    _exit(3);
}

void kr_fbh_watchdog(unsigned seconds, const char *what)
{
    fbh_watch_what = what != NULL ? what : "";
    signal(SIGALRM, fbh_on_alarm);
    alarm(seconds);
}

int64_t kr_fbh_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
