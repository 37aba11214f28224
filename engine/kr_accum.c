/* The record accumulator: slots, open batches, queues, timeouts, delivery reports. */
#define _GNU_SOURCE
#include "kr_accum.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kr_clock.h"
#include "kr_kerr.h"
#include "kr_meta.h"
#include "kr_murmur2.h"

/* Per-record bookkeeping bytes in a slot: opaque, timestamp, requested partition. */
#define ACCUM_REC_META (sizeof(void *) + sizeof(int64_t) + sizeof(int32_t))
/* A record takes at least this many batch bytes on average before the slot's record
 * cap, not its bytes, closes the batch. */
#define ACCUM_REC_BYTES_MIN 64

_Static_assert(sizeof(kr_header_t) == sizeof(kr_record_header_t), "header layouts agree");
_Static_assert(offsetof(kr_header_t, value_len) == offsetof(kr_record_header_t, value_len),
               "header layouts agree");

/* Carves one slot of `bytes` batch bytes and `cap` records from *cur. */
static void accum_carve(kr_producer_t *p, kr_batch_t *b, uint8_t **cur, size_t bytes, uint32_t cap)
{
    memset(b, 0, sizeof(*b));
    b->opaques = (void **)*cur;
    *cur += cap * sizeof(void *);
    b->ts = (int64_t *)*cur;
    *cur += cap * sizeof(int64_t);
    b->req_part = (int32_t *)*cur;
    *cur += (cap * sizeof(int32_t) + 7) & ~(size_t)7;
    b->mem = *cur;
    b->mem_cap = bytes;
    *cur += (bytes + 63) & ~(size_t)63;
    b->cap = cap;
    (void)p;
}

static size_t accum_slot_size(size_t bytes, uint32_t cap)
{
    return cap * (sizeof(void *) + sizeof(int64_t)) + ((cap * sizeof(int32_t) + 7) & ~(size_t)7) +
           ((bytes + 63) & ~(size_t)63);
}

/*
 * The zstd workspaces (codec zstd only) follow the LZ4 workspace in the arena: this
 * header, then the compression and the decompression (batch split) workspaces.
 */
typedef struct accum_zstd {
    kr_zstd_cws_t *cws;
    kr_zstd_dws_t *dws;
} accum_zstd_t;

#define ACCUM_ALIGN(n) (((n) + 63) & ~(size_t)63)

static accum_zstd_t *accum_zstd(const kr_producer_t *p)
{
    assert(p->conf.compression == KR_CODEC_ZSTD);
    return (accum_zstd_t *)((uint8_t *)p->lz4_mem + ACCUM_ALIGN(kr_lz4_ws_size()));
}

/* Arena bytes for the zstd workspaces when the codec is zstd, else 0. */
static size_t accum_zstd_size(const kr_producer_t *p, size_t records_max)
{
    if (p->conf.compression != KR_CODEC_ZSTD)
        return 0;
    return ACCUM_ALIGN(sizeof(accum_zstd_t)) +
           ACCUM_ALIGN(kr_zstd_cws_size(p->conf.compression_level, records_max)) +
           ACCUM_ALIGN(kr_zstd_dws_size());
}

/* Carves the zstd workspaces at cur (accum_zstd_size() bytes). */
static void accum_zstd_init(kr_producer_t *p, uint8_t *cur, size_t records_max)
{
    accum_zstd_t *z = (accum_zstd_t *)cur;
    assert(z == accum_zstd(p));
    cur += ACCUM_ALIGN(sizeof(*z));
    size_t cws = kr_zstd_cws_size(p->conf.compression_level, records_max);
    z->cws = kr_zstd_cws_init(cur, cws, p->conf.compression_level, records_max);
    cur += ACCUM_ALIGN(cws);
    z->dws = kr_zstd_dws_init(cur, kr_zstd_dws_size());
    assert(z->cws != NULL && z->dws != NULL);
}

/*
 * Faults [mem, mem + len) in with one call rather than a page fault per page. A slot is
 * faulted in when it is first taken: slots are reused last-freed first, so a producer
 * touches only as many as it keeps busy at once, not all of buffer.memory at start.
 * Before Linux 5.14 the kernel refuses, and the pages fault in as they are written.
 */
static void accum_fault_in(void *mem, size_t len)
{
#ifdef MADV_POPULATE_WRITE
    uintptr_t from = (uintptr_t)mem & ~(uintptr_t)4095;
    (void)madvise((void *)from, (uintptr_t)mem + len - from, MADV_POPULATE_WRITE);
#else
    (void)mem;
    (void)len;
#endif
}

int kr_accum_init(kr_producer_t *p, char *errstr, size_t errlen)
{
    size_t bytes = (size_t)p->conf.batch_size;
    uint32_t cap = (uint32_t)(bytes / ACCUM_REC_BYTES_MIN);
    if (cap < KR_BATCH_RECORDS_MIN)
        cap = KR_BATCH_RECORDS_MIN;
    size_t slot = accum_slot_size(bytes, cap);
    size_t jumbo_bytes = (size_t)p->conf.max_request_size;
    size_t jumbo = accum_slot_size(jumbo_bytes, 1);
    uint64_t n = (uint64_t)p->conf.buffer_memory / slot;
    if (n < 4) {
        snprintf(errstr, errlen, "buffer.memory holds fewer than 4 batches of batch.size");
        return KR_ECONFIG;
    }
    p->slot_cnt = (uint32_t)n;
    bool zstd = p->conf.compression == KR_CODEC_ZSTD;
    p->lz4_dst_cap = kr_batch_bound(jumbo_bytes, zstd ? KR_CODEC_ZSTD : KR_CODEC_LZ4);
    size_t ws = ACCUM_ALIGN(kr_lz4_ws_size()) + accum_zstd_size(p, jumbo_bytes);
    p->split_dst_cap = bytes;
    p->arena_len = p->slot_cnt * slot + jumbo + p->lz4_dst_cap + p->split_dst_cap + ws + 4096;
    p->arena = mmap(NULL, p->arena_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p->slots = calloc(p->slot_cnt, sizeof(kr_batch_t));
    if (p->arena == MAP_FAILED || p->slots == NULL) {
        if (p->arena == MAP_FAILED)
            p->arena = NULL;
        snprintf(errstr, errlen, "cannot allocate buffer.memory (%zu bytes)", p->arena_len);
        return -ENOMEM;
    }
    uint8_t *cur = p->arena;
    for (uint32_t i = 0; i < p->slot_cnt; i++) {
        kr_batch_t *b = &p->slots[i];
        accum_carve(p, b, &cur, bytes, cap);
        b->next = p->free_slots;
        p->free_slots = b;
    }
    p->slots_free = p->slot_cnt;
    accum_carve(p, &p->jumbo, &cur, jumbo_bytes, 1);
    p->jumbo.jumbo = true;
    p->lz4_dst = cur;
    cur += (p->lz4_dst_cap + 63) & ~(size_t)63;
    p->split_dst = cur;
    cur += (p->split_dst_cap + 63) & ~(size_t)63;
    p->lz4_mem = cur;
    /* What every batch uses is faulted in now; the slots at their first use. */
    accum_fault_in(p->lz4_dst, (size_t)((uint8_t *)p->arena + p->arena_len - p->lz4_dst));
    p->lz4 = kr_lz4_ws_init(cur, kr_lz4_ws_size());
    assert(p->lz4 != NULL);
    if (zstd)
        accum_zstd_init(p, cur + ACCUM_ALIGN(kr_lz4_ws_size()), jumbo_bytes);
    p->stats.buffer_bytes_max = (uint64_t)p->slot_cnt * bytes;
    return 0;
}

void kr_accum_free(kr_producer_t *p)
{
    if (p->arena != NULL)
        munmap(p->arena, p->arena_len);
    free(p->slots);
    p->arena = NULL;
    p->slots = NULL;
}

/* Takes a free slot (or the jumbo slot) and opens a batch in it. NULL if none is free. */
static kr_batch_t *accum_open(kr_producer_t *p, kr_topic_t *t, kr_partition_t *part, int64_t ts,
                              bool jumbo)
{
    kr_batch_t *b;
    if (jumbo) {
        if (p->jumbo.state != KR_BATCH_FREE)
            return NULL;
        b = &p->jumbo;
    } else {
        b = p->free_slots;
        if (b == NULL)
            return NULL;
        p->free_slots = b->next;
        p->slots_free--;
        p->stats.buffer_bytes_used += b->mem_cap;
    }
    if (!b->faulted_in) {
        accum_fault_in(b->opaques, (size_t)(b->mem + b->mem_cap - (uint8_t *)b->opaques));
        b->faulted_in = true;
    }
    p->now_us = kr_now_us();
    b->next = NULL;
    b->topic = t;
    b->part = part;
    b->state = KR_BATCH_OPEN;
    b->cnt = 0;
    b->user_bytes = 0;
    b->created_us = p->now_us;
    b->deadline_us = p->now_us + (int64_t)p->conf.delivery_timeout_ms * 1000;
    b->retry_at_us = 0;
    b->base_seq = -1;
    b->epoch = -1;
    b->attempts = 0;
    b->err = 0;
    b->broker_err = 0;
    b->base_offset = -1;
    b->log_append_ms = -1;
    b->first_rec = part != NULL ? part->rec_appended : 0;
    size_t cap = b->mem_cap;
    if (p->conf.compression == KR_CODEC_LZ4)
        cap = kr_batch_lz4_inplace_cap(cap);
    else if (p->conf.compression == KR_CODEC_ZSTD)
        cap = kr_batch_zstd_inplace_cap(cap);
    kr_batch_open(&b->bld, b->mem, cap, ts);
    return b;
}

static void accum_release(kr_producer_t *p, kr_batch_t *b)
{
    b->state = KR_BATCH_FREE;
    b->part = NULL;
    b->topic = NULL;
    if (b->jumbo)
        return;
    b->next = p->free_slots;
    p->free_slots = b;
    p->slots_free++;
    p->stats.buffer_bytes_used -= b->mem_cap;
}

/* Appends b at the tail of its partition's queue. */
static void accum_enqueue(kr_partition_t *part, kr_batch_t *b)
{
    b->next = NULL;
    b->state = KR_BATCH_QUEUED;
    if (part->q_tail != NULL)
        part->q_tail->next = b;
    else
        part->q_head = b;
    part->q_tail = b;
}

/* Writes the header, compresses and checksums b in its slot, stamped with `prod`. */
static void accum_seal(kr_producer_t *p, kr_batch_t *b, const kr_batch_producer_t *prod)
{
    assert(b->state == KR_BATCH_OPEN && b->part != NULL && b->cnt > 0);
    int codec = p->conf.compression;
    bool lz4 = codec == KR_CODEC_LZ4;
    size_t raw = kr_batch_records_len(&b->bld) + KR_RB_HEADER_SIZE;
    int rc;
    if (codec == KR_CODEC_ZSTD)
        rc = kr_batch_close_zstd(&b->bld, prod, accum_zstd(p)->cws, p->lz4_dst, p->lz4_dst_cap);
    else
        rc = kr_batch_close(&b->bld, codec, prod, lz4 ? p->lz4 : NULL, lz4 ? p->lz4_dst : NULL,
                            lz4 ? p->lz4_dst_cap : 0);
    assert(rc == 0); /* the scratch is sized for the largest batch */
    (void)rc;
    if (codec != KR_CODEC_NONE) {
        assert(b->bld.out_len <= b->mem_cap);
        memcpy(b->mem, b->bld.out, b->bld.out_len);
    }
    b->wire = b->mem;
    b->wire_len = b->bld.out_len;
    p->stats.batches_sealed++;
    p->stats.batch_bytes_raw += raw;
    p->stats.batch_bytes_wire += b->wire_len;
    b->base_seq = prod->base_sequence;
    b->epoch = prod->epoch;
}

/* Closes an open batch and queues it; stamps the next sequence if the id is known. */
static void accum_close(kr_producer_t *p, kr_batch_t *b)
{
    kr_partition_t *part = b->part;
    kr_batch_producer_t prod = {-1, -1, -1, false};
    if (p->idempotent && p->producer_id >= 0 && !p->pid_wanted) {
        prod.id = p->producer_id;
        prod.epoch = p->producer_epoch;
        prod.base_sequence = part->next_seq;
        part->next_seq += (int32_t)b->cnt;
    }
    accum_seal(p, b, &prod);
    if (part->open == b)
        part->open = NULL;
    if (part->topic->sticky == part->id)
        part->topic->sticky = -1; /* KIP-480: a full batch moves unkeyed records on */
    accum_enqueue(part, b);
}

/* Picks a partition for unkeyed records: sticky until its batch closes (KIP-480). */
static int32_t accum_sticky(kr_producer_t *p, kr_topic_t *t)
{
    if (t->sticky >= 0 && p->conf.partitioner == KR_PARTITIONER_MURMUR2)
        return t->sticky;
    p->rand_state = p->rand_state * 6364136223846793005ULL + 1442695040888963407ULL;
    int32_t start = (int32_t)((p->rand_state >> 33) % (uint64_t)t->part_cnt);
    int32_t pick = start;
    for (int32_t i = 0; i < t->part_cnt; i++) {
        int32_t c = (start + i) % t->part_cnt;
        if (t->parts[c]->leader >= 0) {
            pick = c;
            break;
        }
    }
    t->sticky = pick;
    return pick;
}

/* The partition a record goes to, or a negative error. */
static int32_t accum_partition(kr_producer_t *p, kr_topic_t *t, const kr_record_t *rec)
{
    if (rec->partition >= 0)
        return rec->partition < t->part_cnt ? rec->partition : KR_EUNKNOWNPART;
    if (rec->partition != KR_PARTITION_ANY)
        return KR_EUNKNOWNPART;
    if (rec->key != NULL)
        return kr_partition_for_key(rec->key, rec->key_len, t->part_cnt);
    return accum_sticky(p, t);
}

/* Appends to b's builder and bookkeeping. Returns 0 or KR_EBATCHFULL. */
static int accum_put(kr_batch_t *b, const kr_record_t *rec, int64_t ts)
{
    if (b->cnt == b->cap)
        return KR_EBATCHFULL;
    int rc = kr_batch_append(&b->bld, ts, rec->key, rec->key_len, rec->value, rec->value_len,
                             (const kr_record_header_t *)rec->headers, rec->header_cnt);
    if (rc != 0)
        return rc;
    b->opaques[b->cnt] = rec->opaque;
    b->ts[b->cnt] = ts;
    if (b->part == NULL)
        b->req_part[b->cnt] = rec->partition; /* held: the partition is chosen later */
    b->user_bytes += rec->key_len + rec->value_len;
    b->cnt++;
    return 0;
}

static void accum_count(kr_producer_t *p, const kr_record_t *rec)
{
    p->outstanding++;
    p->stats.records_queued++;
    p->stats.bytes_queued += rec->key_len + rec->value_len;
}

/* A record too large for a normal batch goes alone into the jumbo slot. */
static int accum_append_jumbo(kr_producer_t *p, kr_topic_t *t, kr_partition_t *part,
                              const kr_record_t *rec, int64_t ts)
{
    kr_batch_t *b = accum_open(p, t, part, ts, true);
    if (b == NULL)
        return KR_EQUEUEFULL;
    if (accum_put(b, rec, ts) != 0) {
        accum_release(p, b);
        return KR_ETOOLARGE; /* larger than max.request.size allows */
    }
    assert(part != NULL); /* held records never take the jumbo path */
    part->rec_appended++;
    accum_count(p, rec);
    part->open = b;
    accum_close(p, b);
    return 0;
}

/* Holds a record for a topic whose metadata has not arrived yet. */
static int accum_hold(kr_producer_t *p, kr_topic_t *t, const kr_record_t *rec, int64_t ts)
{
    if (t->held == NULL) {
        t->held = accum_open(p, t, NULL, ts, false);
        if (t->held == NULL)
            return KR_EQUEUEFULL;
    }
    int rc = accum_put(t->held, rec, ts);
    if (rc == KR_EBATCHFULL) {
        /* Larger than a slot: it takes the jumbo slot once the topic is known. */
        size_t room = (size_t)p->conf.max_request_size;
        return kr_batch_record_size(&t->held->bld, ts, rec->key, rec->key_len, rec->value,
                                    rec->value_len, (const kr_record_header_t *)rec->headers,
                                    rec->header_cnt) > room
                   ? KR_ETOOLARGE
                   : KR_EQUEUEFULL;
    }
    accum_count(p, rec);
    return 0;
}

int kr_accum_append(kr_producer_t *p, kr_topic_t *t, const kr_record_t *rec)
{
    int64_t ts = rec->timestamp_ms == KR_TIMESTAMP_NOW ? kr_wall_ms() : rec->timestamp_ms;
    if ((rec->key != NULL && rec->key_len > INT32_MAX) ||
        (rec->value != NULL && rec->value_len > INT32_MAX))
        return KR_ETOOLARGE;
    if (t->state != KR_TOPIC_KNOWN)
        return accum_hold(p, t, rec, ts); /* a missing topic's fail at the next tick */
    if (t->held != NULL)
        return KR_EQUEUEFULL; /* held records of the topic go first */
    int32_t pi = accum_partition(p, t, rec);
    if (pi < 0)
        return pi;
    kr_partition_t *part = t->parts[pi];
    kr_batch_t *b = part->open;
    if (b != NULL) {
        if (accum_put(b, rec, ts) == 0) {
            part->rec_appended++;
            accum_count(p, rec);
            return 0;
        }
        accum_close(p, b);
    }
    b = accum_open(p, t, part, ts, false);
    if (b == NULL)
        return KR_EQUEUEFULL;
    if (accum_put(b, rec, ts) != 0) {
        accum_release(p, b);
        return accum_append_jumbo(p, t, part, rec, ts);
    }
    part->open = b;
    part->rec_appended++;
    accum_count(p, rec);
    return 0;
}

/* Appends b to the report queue. */
static void accum_report_queue(kr_producer_t *p, kr_batch_t *b)
{
    b->next = NULL;
    if (p->done_tail != NULL)
        p->done_tail->next = b;
    else
        p->done_head = b;
    p->done_tail = b;
}

void kr_accum_done(kr_producer_t *p, kr_batch_t *b)
{
    b->state = KR_BATCH_DONE;
    kr_partition_t *part = b->part;
    if (b->err == 0) {
        p->stats.records_acked += b->cnt;
        p->stats.bytes_acked += b->user_bytes;
    } else {
        p->stats.records_failed += b->cnt;
    }
    if (part != NULL && b->err == 0) {
        part->st.records_acked += b->cnt;
        part->st.bytes_acked += b->user_bytes;
        part->st.batches_acked++;
    } else if (part != NULL) {
        part->st.records_failed += b->cnt;
    }
    if (part == NULL) {
        accum_report_queue(p, b);
        return;
    }
    /* Reports go out in record order per partition: a batch that finishes ahead of an
     * earlier one (retried after the broker wrote it) waits for it. */
    kr_batch_t **link = &part->done_wait;
    while (*link != NULL && (*link)->first_rec < b->first_rec)
        link = &(*link)->next;
    b->next = *link;
    *link = b;
    while (part->done_wait != NULL && part->done_wait->first_rec == part->rec_reported) {
        kr_batch_t *d = part->done_wait;
        part->done_wait = d->next;
        part->rec_reported += d->cnt;
        accum_report_queue(p, d);
    }
}

/* Fails a batch that never reached (or never again reaches) a broker. */
static void accum_fail(kr_producer_t *p, kr_batch_t *b, int err, int16_t kerr)
{
    b->err = err;
    b->broker_err = kerr;
    kr_accum_done(p, b);
}

void kr_accum_requeue(kr_producer_t *p, kr_batch_t *b)
{
    kr_partition_t *part = b->part;
    assert(b->state == KR_BATCH_INFLIGHT);
    b->state = KR_BATCH_QUEUED;
    /* Keep the queue in record (sequence) order: the retry goes before later ones. */
    kr_batch_t **link = &part->q_head;
    while (*link != NULL && (*link)->first_rec <= b->first_rec)
        link = &(*link)->next;
    b->next = *link;
    *link = b;
    if (b->next == NULL)
        part->q_tail = b;
    (void)p;
}

static void accum_replay(kr_producer_t *p, kr_topic_t *t);

/*
 * Fails what a topic still holds: the records that failed while moving out (at the
 * slot's front) and those not moved yet; the moved ones are reported from their batches.
 */
static void accum_held_fail(kr_producer_t *p, kr_topic_t *t, int err, int16_t kerr)
{
    kr_batch_t *h = t->held;
    if (h == NULL)
        return;
    uint32_t n = t->held_failed;
    for (uint32_t i = t->held_moved; i < h->cnt; i++, n++) {
        h->opaques[n] = h->opaques[i];
        h->ts[n] = h->ts[i];
    }
    h->cnt = n;
    t->held = NULL;
    t->held_moved = t->held_failed = 0;
    if (n == 0) {
        accum_release(p, h);
        return;
    }
    accum_fail(p, h, err, kerr);
}

/* Fails queued batches at the head of part's queue whose delivery time is over. */
static void accum_expire_queue(kr_producer_t *p, kr_partition_t *part)
{
    while (part->q_head != NULL && part->q_head->deadline_us <= p->now_us) {
        kr_batch_t *b = part->q_head;
        part->q_head = b->next;
        if (part->q_head == NULL)
            part->q_tail = NULL;
        if (p->idempotent && b->base_seq >= 0)
            p->pid_wanted = true; /* its sequences are gone: restart them (KIP-360) */
        accum_fail(p, b, KR_ETIMEDOUT, b->broker_err);
    }
}

void kr_accum_tick(kr_producer_t *p)
{
    int64_t linger_us = (int64_t)p->conf.linger_ms * 1000;
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        kr_topic_t *t = p->topics[i];
        if (t->held != NULL && t->state == KR_TOPIC_KNOWN)
            accum_replay(p, t);
        if (t->held != NULL && t->state == KR_TOPIC_FAILED)
            accum_held_fail(p, t, KR_EBROKER,
                            t->error != 0 ? t->error : KR_KERR_UNKNOWN_TOPIC_OR_PARTITION);
        if (t->held != NULL && t->held->deadline_us <= p->now_us)
            accum_held_fail(p, t, KR_ETIMEDOUT, t->error);
        for (int32_t j = 0; j < t->part_cnt; j++) {
            kr_partition_t *part = t->parts[j];
            if (part->open != NULL && p->now_us - part->open->created_us >= linger_us)
                accum_close(p, part->open);
            accum_expire_queue(p, part);
        }
    }
}

int64_t kr_accum_next_deadline(const kr_producer_t *p)
{
    int64_t linger_us = (int64_t)p->conf.linger_ms * 1000;
    int64_t t_min = INT64_MAX;
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        const kr_topic_t *t = p->topics[i];
        if (t->held != NULL && t->held->deadline_us < t_min)
            t_min = t->held->deadline_us;
        for (int32_t j = 0; j < t->part_cnt; j++) {
            const kr_partition_t *part = t->parts[j];
            if (part->open != NULL && part->open->created_us + linger_us < t_min)
                t_min = part->open->created_us + linger_us;
            const kr_batch_t *b = part->q_head;
            if (b == NULL)
                continue;
            if (b->deadline_us < t_min)
                t_min = b->deadline_us;
            if (b->retry_at_us > p->now_us && b->retry_at_us < t_min)
                t_min = b->retry_at_us;
        }
    }
    return t_min;
}

void kr_accum_close_all(kr_producer_t *p)
{
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        kr_topic_t *t = p->topics[i];
        for (int32_t j = 0; j < t->part_cnt; j++)
            if (t->parts[j]->open != NULL)
                accum_close(p, t->parts[j]->open);
    }
}

bool kr_accum_empty(const kr_producer_t *p) { return p->outstanding == 0; }

/*
 * Record i of slot src, decoded from its batch bytes as r, as a kr_record_t again: key,
 * value and headers borrow the batch; hdrs (KR_HEADERS_MAX entries) receives the headers.
 */
static kr_record_t accum_record_of(const kr_batch_t *src, uint32_t i, const kr_batch_record_t *r,
                                   kr_header_t *hdrs)
{
    size_t hn = 0;
    kr_record_headers_t hi;
    kr_record_headers_init(&hi, r);
    kr_str_t hk, hv;
    while (hn < KR_HEADERS_MAX && kr_record_headers_next(&hi, &hk, &hv))
        hdrs[hn++] = (kr_header_t){hk.ptr, (size_t)hk.len, hv.len < 0 ? NULL : hv.ptr,
                                   hv.len < 0 ? 0 : (size_t)hv.len};
    return (kr_record_t){src->topic->name,
                         src->part == NULL ? src->req_part[i] : src->part->id,
                         r->key.len < 0 ? NULL : r->key.ptr,
                         r->key.len < 0 ? 0 : (size_t)r->key.len,
                         r->value.len < 0 ? NULL : r->value.ptr,
                         r->value.len < 0 ? 0 : (size_t)r->value.len,
                         hdrs,
                         hn,
                         r->timestamp,
                         src->opaques[i]};
}

/*
 * Moves held records into partitions, from where an earlier call stopped. When slots run
 * out it stops and the rest stay held (kr_accum_tick resumes); new records of the topic
 * wait behind them (KR_EQUEUEFULL), so order holds. A record that can never go (too
 * large, no such partition) fails; failures gather at the held slot's front, reported
 * once every record has moved.
 */
static void accum_replay(kr_producer_t *p, kr_topic_t *t)
{
    kr_batch_t *h = t->held;
    kr_batch_info_t info;
    memset(&info, 0, sizeof(info));
    info.records = h->mem + KR_RB_HEADER_SIZE;
    info.records_len = kr_batch_records_len(&h->bld);
    info.records_count = (int32_t)h->cnt;
    info.base_timestamp = h->bld.base_timestamp;
    kr_batch_iter_t it;
    kr_batch_iter_init(&it, &info);
    kr_header_t hdrs[KR_HEADERS_MAX];
    kr_batch_record_t r;
    t->held = NULL; /* so kr_accum_append takes the records for real */
    for (uint32_t i = 0; i < h->cnt && kr_batch_iter_next(&it, &r) == 1; i++) {
        if (i < t->held_moved)
            continue;
        kr_record_t rec = accum_record_of(h, i, &r, hdrs);
        p->outstanding--; /* accum_count counts it again */
        p->stats.records_queued--;
        p->stats.bytes_queued -= rec.key_len + rec.value_len;
        int rc = kr_accum_append(p, t, &rec);
        if (rc != 0) {
            p->outstanding++;
            p->stats.records_queued++;
            p->stats.bytes_queued += rec.key_len + rec.value_len;
        }
        if (rc == KR_EQUEUEFULL) {
            t->held = h; /* no room now: the rest waits for the next tick */
            return;
        }
        if (rc != 0) {
            h->opaques[t->held_failed] = rec.opaque;
            h->ts[t->held_failed] = rec.timestamp_ms;
            t->held_failed++;
            t->held_err = rc;
        }
        t->held_moved = i + 1;
    }
    if (t->held_failed == 0) {
        accum_release(p, h);
    } else {
        h->cnt = t->held_failed;
        accum_fail(p, h, t->held_err, 0);
    }
    t->held_moved = t->held_failed = 0;
}

void kr_accum_topic_known(kr_producer_t *p, kr_topic_t *t)
{
    if (t->held != NULL)
        accum_replay(p, t);
}

void kr_accum_topic_failed(kr_producer_t *p, kr_topic_t *t)
{
    int16_t kerr = t->error != 0 ? t->error : KR_KERR_UNKNOWN_TOPIC_OR_PARTITION;
    accum_held_fail(p, t, KR_EBROKER, kerr);
}

void kr_accum_fail_all(kr_producer_t *p, int err, int16_t kerr)
{
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        kr_topic_t *t = p->topics[i];
        accum_held_fail(p, t, err, kerr);
        for (int32_t j = 0; j < t->part_cnt; j++) {
            kr_partition_t *part = t->parts[j];
            if (part->open != NULL)
                accum_fail(p, part->open, err, kerr);
            part->open = NULL;
            while (part->q_head != NULL) {
                kr_batch_t *b = part->q_head;
                part->q_head = b->next;
                accum_fail(p, b, err, kerr);
            }
            part->q_tail = NULL;
        }
    }
}

bool kr_accum_pid_quiet(const kr_producer_t *p)
{
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        const kr_topic_t *t = p->topics[i];
        for (int32_t j = 0; j < t->part_cnt; j++)
            if (t->parts[j]->inflight > 0)
                return false;
    }
    return true;
}

void kr_accum_pid_changed(kr_producer_t *p)
{
    assert(kr_accum_pid_quiet(p));
    for (int32_t i = 0; i < p->topic_cnt; i++) {
        kr_topic_t *t = p->topics[i];
        for (int32_t j = 0; j < t->part_cnt; j++) {
            kr_partition_t *part = t->parts[j];
            part->next_seq = 0;
            part->acked_seq = 0;
            part->acked_any = false;
            for (kr_batch_t *b = part->q_head; b != NULL; b = b->next) {
                kr_batch_restamp(b->mem, b->wire_len, p->producer_id, p->producer_epoch,
                                 part->next_seq);
                b->base_seq = part->next_seq;
                b->epoch = p->producer_epoch;
                part->next_seq += (int32_t)b->cnt;
            }
        }
    }
}

/* Calls the delivery callback once per record of a finished batch, in order. */
static void accum_report(kr_producer_t *p, const kr_batch_t *b)
{
    kr_delivery_batch_t db;
    db.topic = b->topic->name;
    db.partition = b->part != NULL ? b->part->id : -1;
    db.base_offset = b->base_offset;
    db.log_append_time = b->log_append_ms;
    db.err = b->err;
    db.broker_error = b->broker_err;
    db.error_name = NULL;
    if (b->err == KR_EBROKER || (b->err != 0 && b->broker_err != 0))
        db.error_name = kr_kerr_name(b->broker_err);
    else if (b->err != 0)
        db.error_name = kr_errname(b->err);
    db.cnt = b->cnt;
    db.opaques = b->opaques;
    db.timestamps = b->ts;
    if (p->conf.drb_cb != NULL) {
        p->conf.drb_cb(&db, p->conf.dr_ctx);
        return;
    }
    kr_delivery_t d = {.topic = db.topic,
                       .partition = db.partition,
                       .err = db.err,
                       .broker_error = db.broker_error,
                       .error_name = db.error_name};
    for (uint32_t i = 0; i < b->cnt; i++) {
        d.offset = b->base_offset >= 0 ? b->base_offset + i : -1;
        d.timestamp = b->log_append_ms >= 0 ? b->log_append_ms : b->ts[i];
        d.opaque = b->opaques[i];
        p->conf.dr_cb(&d, p->conf.dr_ctx);
    }
}

int kr_accum_serve(kr_producer_t *p, int max)
{
    if (max == 0)
        return p->done_head != NULL;
    int n = 0;
    while (p->done_head != NULL && n < max) {
        kr_batch_t *b = p->done_head;
        p->done_head = b->next;
        if (p->done_head == NULL)
            p->done_tail = NULL;
        if (p->conf.dr_cb != NULL || p->conf.drb_cb != NULL)
            accum_report(p, b);
        n += (int)b->cnt;
        assert(p->outstanding >= b->cnt);
        p->outstanding -= b->cnt;
        accum_release(p, b);
    }
    return n;
}

/* Re-appends records [from, to) of a decoded batch into a new slot for the same partition. */
static kr_batch_t *accum_refill(kr_producer_t *p, const kr_batch_t *src,
                                const kr_batch_info_t *info, uint32_t from, uint32_t to)
{
    kr_batch_t *b = accum_open(p, src->topic, src->part, info->base_timestamp, false);
    if (b == NULL)
        return NULL;
    b->created_us = src->created_us;
    b->deadline_us = src->deadline_us;
    kr_batch_iter_t it;
    kr_batch_iter_init(&it, info);
    kr_batch_record_t r;
    kr_header_t hdrs[KR_HEADERS_MAX];
    for (uint32_t i = 0; i < to && kr_batch_iter_next(&it, &r) == 1; i++) {
        if (i < from)
            continue;
        kr_record_t rec = accum_record_of(src, i, &r, hdrs);
        int rc = accum_put(b, &rec, r.timestamp);
        assert(rc == 0); /* half of a batch that fit its slot fits a slot */
        (void)rc;
    }
    return b;
}

int kr_accum_split(kr_producer_t *p, kr_batch_t *b)
{
    assert(b->state == KR_BATCH_INFLIGHT && b->cnt > 1 && !b->jumbo);
    if (p->slots_free < 2)
        return KR_EQUEUEFULL;
    kr_batch_info_t info;
    int rc = kr_batch_read(&info, b->wire, b->wire_len, p->split_dst, p->split_dst_cap,
                           p->conf.compression == KR_CODEC_ZSTD ? accum_zstd(p)->dws : NULL);
    if (rc != 0)
        return rc;
    uint32_t half = b->cnt / 2;
    kr_batch_t *lo = accum_refill(p, b, &info, 0, half);
    kr_batch_t *hi = accum_refill(p, b, &info, half, b->cnt);
    assert(lo != NULL && hi != NULL && lo->cnt + hi->cnt == b->cnt);
    /* The halves keep the batch's place and its sequence range. */
    kr_batch_producer_t prod = {info.producer_id, info.producer_epoch, b->base_seq, false};
    accum_seal(p, lo, &prod);
    if (prod.base_sequence >= 0)
        prod.base_sequence += (int32_t)lo->cnt;
    accum_seal(p, hi, &prod);
    lo->first_rec = b->first_rec;
    hi->first_rec = b->first_rec + lo->cnt;
    lo->state = hi->state = KR_BATCH_INFLIGHT;
    kr_accum_requeue(p, lo);
    kr_accum_requeue(p, hi);
    accum_release(p, b);
    return 0;
}

void kr_accum_fail_inflight(kr_producer_t *p, int err)
{
    for (uint32_t i = 0; i < p->slot_cnt; i++)
        if (p->slots[i].state == KR_BATCH_INFLIGHT)
            accum_fail(p, &p->slots[i], err, 0);
    if (p->jumbo.state == KR_BATCH_INFLIGHT)
        accum_fail(p, &p->jumbo, err, 0);
}
