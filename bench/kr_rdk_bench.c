/*
 * librdkafka's producer under the same harness as kring's (bench/compare.sh): the
 * records are preloaded from a file, produced as fast as the producer takes them
 * (cycling through the file's lines until -n records), and every delivery report is
 * waited for. Prints one JSON line: records, acknowledged, failed, wall and CPU seconds
 * of the producing span (librdkafka's own threads included), peak RSS.
 *
 *   kr_rdk_bench -b BOOTSTRAP -t TOPIC -f FILE [-n N] [-X key=value]...
 *   kr_rdk_bench --watermarks -b BOOTSTRAP -t TOPIC
 *
 * --watermarks prints the sum over the topic's partitions of the broker's end offsets:
 * the independent count of what a cluster stored.
 *
 * Records are produced without RD_KAFKA_MSG_F_COPY (the file stays loaded), librdkafka's
 * cheapest path; keys are null, so its sticky partitioner spreads batches.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_bench_input.h"

typedef struct rdk_counts {
    uint64_t acked;
    uint64_t failed;
    char first_error[128];
} rdk_counts_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    rdk_counts_t *c = opaque;
    if (m->err == 0) {
        c->acked++;
        return;
    }
    if (c->failed++ == 0)
        snprintf(c->first_error, sizeof(c->first_error), "%s", rd_kafka_err2name(m->err));
}

static rd_kafka_t *rdk_new(const kr_harness_opts_t *o, rdk_counts_t *counts)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *base[][2] = {
        {"bootstrap.servers", o->bootstrap},
        {"log_level", "3"},
    };
    for (size_t i = 0; i < 2; i++)
        rd_kafka_conf_set(conf, base[i][0], base[i][1], err, sizeof(err));
    for (int i = 0; i < o->settings; i++) {
        if (rd_kafka_conf_set(conf, o->keys[i], o->values[i], err, sizeof(err)) !=
            RD_KAFKA_CONF_OK) {
            fprintf(stderr, "kr_rdk_bench: %s\n", err);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, counts);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (rk == NULL)
        fprintf(stderr, "kr_rdk_bench: %s\n", err);
    return rk;
}

/* Sums the high watermarks of every partition of the topic. */
static int watermarks(const kr_harness_opts_t *o)
{
    rdk_counts_t c = {0};
    rd_kafka_t *rk = rdk_new(o, &c);
    if (rk == NULL)
        return 1;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
    if (e != 0 || md->topic_cnt != 1 || md->topics[0].err != 0) {
        fprintf(stderr, "kr_rdk_bench: metadata for %s: %s\n", o->topic,
                rd_kafka_err2str(e ? e : md->topics[0].err));
        return 1;
    }
    long long sum = 0;
    for (int i = 0; i < md->topics[0].partition_cnt; i++) {
        int64_t lo = 0, hi = 0;
        e = rd_kafka_query_watermark_offsets(rk, o->topic, md->topics[0].partitions[i].id, &lo, &hi,
                                             10000);
        if (e != 0) {
            fprintf(stderr, "kr_rdk_bench: offsets of %s [%d]: %s\n", o->topic,
                    md->topics[0].partitions[i].id, rd_kafka_err2str(e));
            return 1;
        }
        sum += hi;
    }
    printf("%lld\n", sum);
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return 0;
}

static int produce(const kr_harness_opts_t *o, const kr_input_t *in)
{
    rdk_counts_t c = {0};
    rd_kafka_t *rk = rdk_new(o, &c);
    if (rk == NULL)
        return 1;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
    uint64_t n = o->count ? o->count : in->cnt, bytes = 0;
    double w0 = kr_harness_wall_s(), c0 = kr_harness_cpu_s();
    size_t j = 0;
    for (uint64_t i = 0; i < n; i++) {
        while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, (void *)in->ptr[j], in->len[j], NULL,
                                0, NULL) != 0) {
            if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                fprintf(stderr, "kr_rdk_bench: produce: %s\n",
                        rd_kafka_err2str(rd_kafka_last_error()));
                return 1;
            }
            rd_kafka_poll(rk, 1);
        }
        bytes += in->len[j];
        j = j + 1 == in->cnt ? 0 : j + 1;
        if ((i & 1023) == 1023)
            rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 600000);
    kr_harness_result_t r = {"librdkafka",
                             n,
                             c.acked,
                             c.failed,
                             bytes,
                             kr_harness_wall_s() - w0,
                             kr_harness_cpu_s() - c0,
                             kr_harness_cpu_s(),
                             c.first_error};
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    kr_harness_print(&r);
    return r.acked == n ? 0 : 1;
}

int main(int argc, char **argv)
{
    kr_harness_opts_t o;
    if (kr_harness_parse(&o, "kr_rdk_bench", argc, argv) != 0)
        return 2;
    if (o.watermarks)
        return watermarks(&o);
    kr_input_t in;
    char err[512];
    if (kr_input_load(&in, o.file, err, sizeof(err)) != 0) {
        fprintf(stderr, "kr_rdk_bench: %s\n", err);
        return 1;
    }
    int rc = produce(&o, &in);
    kr_input_free(&in);
    return rc;
}
