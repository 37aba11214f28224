/* Prometheus text exposition of a run's metrics. See kr_cli_metrics.h. */
#include "kr_cli_metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BROKERS_MAX 64

/* Delivery-latency bucket bounds, seconds. */
static const double lat_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                    0.25,   0.5,   1,      2.5,   5,    10,    30,   60};
#define LAT_BOUNDS (sizeof(lat_bounds) / sizeof(lat_bounds[0]))

void kr_cli_text_free(kr_cli_text_t *t)
{
    free(t->buf);
    memset(t, 0, sizeof(*t));
}

static void __attribute__((format(printf, 2, 3))) put(kr_cli_text_t *t, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !t->oom; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf != NULL ? t->buf + t->len : NULL,
                          t->buf != NULL ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->oom = 1;
            return;
        }
        if (t->buf != NULL && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap < 65536 ? 65536 : t->cap;
        while (cap < t->len + (size_t)n + 1)
            cap *= 2;
        char *nb = realloc(t->buf, cap);
        if (nb == NULL) {
            t->oom = 1;
            return;
        }
        t->buf = nb;
        t->cap = cap;
    }
}

static void family(kr_cli_text_t *t, const char *name, const char *type, const char *help)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newline escaped. */
static void label_value(kr_cli_text_t *t, const char *v)
{
    put(t, "\"");
    for (; *v != '\0'; v++) {
        if (*v == '\\' || *v == '"')
            put(t, "\\%c", *v);
        else if (*v == '\n')
            put(t, "\\n");
        else
            put(t, "%c", *v);
    }
    put(t, "\"");
}

/*
 * name{instance=..., extra} value. extra: label pairs already formatted (k="v",...) or
 * "". The value is printed with %.17g for doubles.
 */
static void sample(kr_cli_text_t *t, const kr_cli_metrics_in_t *in, const char *name,
                   const char *extra, double v)
{
    put(t, "%s", name);
    int any = in->instance != NULL || extra[0] != '\0';
    if (any)
        put(t, "{");
    if (in->instance != NULL) {
        put(t, "instance=");
        label_value(t, in->instance);
        if (extra[0] != '\0')
            put(t, ",");
    }
    put(t, "%s%s %.17g\n", extra, any ? "}" : "", v);
}

static void counter(kr_cli_text_t *t, const kr_cli_metrics_in_t *in, const char *name,
                    const char *help, double v)
{
    family(t, name, "counter", help);
    sample(t, in, name, "", v);
}

static void gauge(kr_cli_text_t *t, const kr_cli_metrics_in_t *in, const char *name,
                  const char *help, double v)
{
    family(t, name, "gauge", help);
    sample(t, in, name, "", v);
}

static void render_latency(kr_cli_text_t *t, const kr_cli_metrics_in_t *in)
{
    const char *name = "kring_delivery_latency_seconds";
    family(t, name, "histogram", "From a record's planned send time to its acknowledgement.");
    const kr_hist_t *h = in->latency;
    uint64_t cum = 0;
    uint32_t i = 0;
    char le[64];
    for (size_t b = 0; b < LAT_BOUNDS; b++) {
        uint64_t bound_ns = (uint64_t)(lat_bounds[b] * 1e9);
        while (i < KR_HIST_BUCKETS && kr_hist_bucket_high(i) <= bound_ns)
            cum += h->buckets[i++];
        snprintf(le, sizeof(le), "le=\"%g\"", lat_bounds[b]);
        sample(t, in, "kring_delivery_latency_seconds_bucket", le, (double)cum);
    }
    sample(t, in, "kring_delivery_latency_seconds_bucket", "le=\"+Inf\"", (double)h->count);
    sample(t, in, "kring_delivery_latency_seconds_sum", "", (double)h->sum_ns / 1e9);
    sample(t, in, "kring_delivery_latency_seconds_count", "", (double)h->count);
}

/* ---- engine statistics, summed over the producers ---- */

#define SUM(field) sum_global(in, offsetof(kr_stats_t, field))

static double sum_global(const kr_cli_metrics_in_t *in, size_t off)
{
    double s = 0;
    for (uint32_t w = 0; w < in->pub_cnt; w++)
        if (in->pubs[w]->valid)
            s += (double)*(const uint64_t *)((const char *)&in->pubs[w]->st + off);
    return s;
}

static void render_engine(kr_cli_text_t *t, const kr_cli_metrics_in_t *in)
{
    double inflight = 0, fill = 0;
    for (uint32_t w = 0; w < in->pub_cnt; w++) {
        const kr_stats_t *s = &in->pubs[w]->st;
        if (!in->pubs[w]->valid)
            continue;
        inflight += s->requests_in_flight;
        fill += s->batch_fill * (double)s->batches_sealed;
    }
    double batches = SUM(batches_sealed), wire = SUM(batch_bytes_wire);
    counter(t, in, "kring_requests_sent_total", "Requests sent to brokers.", SUM(requests_sent));
    gauge(t, in, "kring_requests_in_flight", "Requests sent and not yet answered.", inflight);
    counter(t, in, "kring_sent_bytes_total", "Request bytes written to brokers.", SUM(bytes_sent));
    counter(t, in, "kring_retries_total", "Record batches sent again.", SUM(retries));
    counter(t, in, "kring_metadata_refreshes_total", "Metadata responses applied.",
            SUM(metadata_refreshes));
    counter(t, in, "kring_epoch_bumps_total", "Producer epochs bumped (idempotence).",
            SUM(epoch_bumps));
    gauge(t, in, "kring_buffer_used_bytes", "Batch memory (buffer.memory) in use.",
          SUM(buffer_bytes_used));
    gauge(t, in, "kring_buffer_limit_bytes", "Batch memory (buffer.memory) in all.",
          SUM(buffer_bytes_max));
    counter(t, in, "kring_batches_total", "Record batches closed for sending.", batches);
    gauge(t, in, "kring_batch_fill_ratio", "Mean batch size before compression over batch.size.",
          batches > 0 ? fill / batches : 0);
    gauge(t, in, "kring_compression_ratio", "Batch bytes before compression over bytes sent.",
          wire > 0 ? SUM(batch_bytes_raw) / wire : 1);
    char lbl[64];
    family(t, "kring_producer_epoch", "gauge", "The producer's epoch (-1: none).");
    for (uint32_t w = 0; w < in->pub_cnt; w++) {
        snprintf(lbl, sizeof(lbl), "producer=\"%u\"", w);
        if (in->pubs[w]->valid)
            sample(t, in, "kring_producer_epoch", lbl, in->pubs[w]->st.producer_epoch);
    }
}

/* Node ids of every producer's brokers, each once. */
static int brokers_of(const kr_cli_metrics_in_t *in, int32_t *ids)
{
    int n = 0;
    for (uint32_t w = 0; w < in->pub_cnt; w++) {
        const kr_stats_t *s = &in->pubs[w]->st;
        for (int32_t i = 0; in->pubs[w]->valid && i < s->broker_cnt; i++) {
            int k = 0;
            while (k < n && ids[k] != s->brokers[i].node_id)
                k++;
            if (k == n && n < BROKERS_MAX)
                ids[n++] = s->brokers[i].node_id;
        }
    }
    return n;
}

enum bfield {
    B_REQ,
    B_INFLIGHT,
    B_RECONN,
    B_OUT,
    B_IN,
    B_THROTTLE,
    B_CONN,
    B_P50,
    B_P99,
    B_SUM,
    B_CNT
};

static double broker_value(const kr_broker_stats_t *b, int f)
{
    switch (f) {
    case B_REQ:
        return (double)b->requests;
    case B_INFLIGHT:
        return b->in_flight;
    case B_RECONN:
        return (double)b->reconnects;
    case B_OUT:
        return (double)b->bytes_out;
    case B_IN:
        return (double)b->bytes_in;
    case B_THROTTLE:
        return (double)b->throttle_ms / 1e3;
    case B_CONN:
        return b->connected ? 1 : 0;
    case B_P50:
        return (double)b->rtt_us_p50 / 1e6;
    case B_P99:
        return (double)b->rtt_us_p99 / 1e6;
    case B_SUM:
        return (double)b->rtt_us_sum / 1e6;
    default:
        return (double)b->responses;
    }
}

/* Field f of broker `id` over every producer: summed, or the largest (percentiles). */
static double broker_agg(const kr_cli_metrics_in_t *in, int32_t id, int f)
{
    double v = 0;
    for (uint32_t w = 0; w < in->pub_cnt; w++) {
        const kr_stats_t *s = &in->pubs[w]->st;
        for (int32_t i = 0; in->pubs[w]->valid && i < s->broker_cnt; i++) {
            if (s->brokers[i].node_id != id)
                continue;
            double x = broker_value(&s->brokers[i], f);
            if (f == B_P50 || f == B_P99)
                v = x > v ? x : v;
            else
                v += x;
        }
    }
    return v;
}

static void broker_family(kr_cli_text_t *t, const kr_cli_metrics_in_t *in, const int32_t *ids,
                          int n, const char *name, const char *type, const char *help, int f)
{
    family(t, name, type, help);
    char lbl[64];
    for (int k = 0; k < n; k++) {
        snprintf(lbl, sizeof(lbl), "broker=\"%d\"", ids[k]);
        sample(t, in, name, lbl, broker_agg(in, ids[k], f));
    }
}

/* The per-broker families with one sample per broker, in the order they are written. */
static const struct {
    const char *name, *type, *help;
    int field;
} broker_families[] = {
    {"kring_broker_requests_total", "counter", "Requests sent to the broker.", B_REQ},
    {"kring_broker_requests_in_flight", "gauge",
     "Requests on the broker's connections without an answer.", B_INFLIGHT},
    {"kring_broker_reconnects_total", "counter", "Connection attempts after the first.", B_RECONN},
    {"kring_broker_sent_bytes_total", "counter", "Request bytes sent to the broker.", B_OUT},
    {"kring_broker_received_bytes_total", "counter", "Response bytes received from the broker.",
     B_IN},
    {"kring_broker_throttle_seconds_total", "counter",
     "Throttle time the broker asked for in Produce responses.", B_THROTTLE},
    {"kring_broker_connected", "gauge", "Connections to the broker that are ready.", B_CONN},
};

static void render_brokers(kr_cli_text_t *t, const kr_cli_metrics_in_t *in)
{
    int32_t ids[BROKERS_MAX] = {0}; /* brokers_of() fills n of them */
    int n = brokers_of(in, ids);
    for (size_t i = 0; i < sizeof(broker_families) / sizeof(broker_families[0]); i++)
        broker_family(t, in, ids, n, broker_families[i].name, broker_families[i].type,
                      broker_families[i].help, broker_families[i].field);
    family(t, "kring_broker_rtt_seconds", "summary",
           "Request round trips; quantiles over the last statistics interval.");
    char lbl[96];
    for (int k = 0; k < n; k++) {
        snprintf(lbl, sizeof(lbl), "broker=\"%d\",quantile=\"0.5\"", ids[k]);
        sample(t, in, "kring_broker_rtt_seconds", lbl, broker_agg(in, ids[k], B_P50));
        snprintf(lbl, sizeof(lbl), "broker=\"%d\",quantile=\"0.99\"", ids[k]);
        sample(t, in, "kring_broker_rtt_seconds", lbl, broker_agg(in, ids[k], B_P99));
        snprintf(lbl, sizeof(lbl), "broker=\"%d\"", ids[k]);
        sample(t, in, "kring_broker_rtt_seconds_sum", lbl, broker_agg(in, ids[k], B_SUM));
        sample(t, in, "kring_broker_rtt_seconds_count", lbl, broker_agg(in, ids[k], B_CNT));
    }
}

/* ---- partitions ---- */

enum pfield { P_ACKED, P_BYTES, P_FAILED, P_BATCHES, P_RETRIES, P_LEADER };

static const kr_partition_stats_t *part_of(const kr_cli_pub_t *pub, int32_t id)
{
    if (!pub->valid || id >= pub->part_cnt)
        return NULL;
    const kr_partition_stats_t *ps = &pub->parts[id];
    return ps->partition == id ? ps : NULL;
}

static double part_value(const kr_partition_stats_t *ps, int f)
{
    switch (f) {
    case P_ACKED:
        return (double)ps->records_acked;
    case P_BYTES:
        return (double)ps->bytes_acked;
    case P_FAILED:
        return (double)ps->records_failed;
    case P_BATCHES:
        return (double)ps->batches_acked;
    case P_RETRIES:
        return (double)ps->retries;
    default:
        return ps->leader;
    }
}

static int32_t parts_max(const kr_cli_metrics_in_t *in)
{
    int32_t n = 0;
    for (uint32_t w = 0; w < in->pub_cnt; w++)
        if (in->pubs[w]->valid && in->pubs[w]->part_cnt > n)
            n = in->pubs[w]->part_cnt;
    return n > KR_CLI_METRICS_PARTS_MAX ? KR_CLI_METRICS_PARTS_MAX : n;
}

static void part_label(char *buf, size_t len, const kr_cli_metrics_in_t *in, int32_t id)
{
    snprintf(buf, len, "topic=\"%s\",partition=\"%d\"", in->topic, id);
}

static void part_family(kr_cli_text_t *t, const kr_cli_metrics_in_t *in, const char *name,
                        const char *type, const char *help, int f)
{
    family(t, name, type, help);
    char lbl[320];
    for (int32_t id = 0; id < parts_max(in); id++) {
        double v = 0;
        int seen = 0;
        for (uint32_t w = 0; w < in->pub_cnt; w++) {
            const kr_partition_stats_t *ps = part_of(in->pubs[w], id);
            if (ps == NULL)
                continue;
            v = f == P_LEADER ? part_value(ps, f) : v + part_value(ps, f);
            seen = 1;
        }
        if (!seen)
            continue;
        part_label(lbl, sizeof(lbl), in, id);
        sample(t, in, name, lbl, v);
    }
}

/* kring_partition_errors_total: per partition and error name, over every producer. */
static void render_part_errors(kr_cli_text_t *t, const kr_cli_metrics_in_t *in)
{
    const char *name = "kring_partition_errors_total";
    family(t, name, "counter", "Batches that got an error, by error name (retried or not).");
    char lbl[400], base[320];
    for (int32_t id = 0; id < parts_max(in); id++) {
        part_label(base, sizeof(base), in, id);
        for (uint32_t w = 0; w < in->pub_cnt; w++) {
            const kr_partition_stats_t *ps = part_of(in->pubs[w], id);
            for (int32_t e = 0; ps != NULL && e < ps->error_cnt; e++) {
                /* each name once: skip it if an earlier producer had it */
                int earlier = 0;
                for (uint32_t v = 0; v < w && !earlier; v++) {
                    const kr_partition_stats_t *q = part_of(in->pubs[v], id);
                    for (int32_t k = 0; q != NULL && k < q->error_cnt; k++)
                        earlier |= q->errors[k].code == ps->errors[e].code;
                }
                if (earlier)
                    continue;
                double sum = 0;
                for (uint32_t v = w; v < in->pub_cnt; v++) {
                    const kr_partition_stats_t *q = part_of(in->pubs[v], id);
                    for (int32_t k = 0; q != NULL && k < q->error_cnt; k++)
                        if (q->errors[k].code == ps->errors[e].code)
                            sum += (double)q->errors[k].count;
                }
                snprintf(lbl, sizeof(lbl), "%s,code=\"%s\"", base, ps->errors[e].name);
                sample(t, in, name, lbl, sum);
            }
        }
    }
}

static void render_partitions(kr_cli_text_t *t, const kr_cli_metrics_in_t *in)
{
    part_family(t, in, "kring_partition_records_acked_total", "counter",
                "Records acknowledged, by partition.", P_ACKED);
    part_family(t, in, "kring_partition_acked_bytes_total", "counter",
                "Key and value bytes acknowledged, by partition.", P_BYTES);
    part_family(t, in, "kring_partition_records_failed_total", "counter",
                "Records that failed, by partition.", P_FAILED);
    part_family(t, in, "kring_partition_batches_total", "counter",
                "Record batches acknowledged, by partition.", P_BATCHES);
    part_family(t, in, "kring_partition_retries_total", "counter",
                "Record batches sent again, by partition.", P_RETRIES);
    part_family(t, in, "kring_partition_leader", "gauge",
                "Node id of the partition's leader (-1: unknown).", P_LEADER);
    render_part_errors(t, in);
}

void kr_cli_metrics_render(kr_cli_text_t *t, const kr_cli_metrics_in_t *in)
{
    t->len = 0;
    t->oom = 0;
    gauge(t, in, "kring_producers", "Producers (threads) in this process.", in->producers);
    counter(t, in, "kring_records_sent_total", "Records accepted by the producers.",
            (double)in->sent);
    counter(t, in, "kring_records_acked_total", "Records acknowledged by Kafka.",
            (double)in->acked);
    counter(t, in, "kring_records_failed_total", "Records refused or failed.", (double)in->failed);
    counter(t, in, "kring_acked_bytes_total", "Key and value bytes acknowledged.",
            (double)in->bytes);
    gauge(t, in, "kring_records_in_flight", "Records sent without a delivery report yet.",
          (double)in->in_flight);
    render_latency(t, in);
    render_engine(t, in);
    render_brokers(t, in);
    render_partitions(t, in);
}
