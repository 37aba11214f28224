/*
 * kring's producer under the same harness as librdkafka's (kr_rdk_bench.c): records
 * preloaded from a file, produced as fast as kr_produce() takes them (cycling through the
 * file's lines until -n records), every delivery report waited for, one JSON line.
 *
 *   kr_kring_bench -b BOOTSTRAP -t TOPIC -f FILE [-n N] [-X key=value]...
 *
 * Keys are null (kring's sticky partitioner), as in the other harness.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_bench_input.h"
#include "kring.h"

typedef struct kring_counts {
    uint64_t acked;
    uint64_t failed;
    char first_error[128];
} kring_counts_t;

static void on_delivery(const kr_delivery_t *d, void *ctx)
{
    kring_counts_t *c = ctx;
    if (d->err == 0) {
        c->acked++;
        return;
    }
    if (c->failed++ == 0)
        snprintf(c->first_error, sizeof(c->first_error), "%s",
                 d->error_name ? d->error_name : kr_errname(d->err));
}

static kr_producer_t *kring_new(const kr_harness_opts_t *o, kring_counts_t *counts)
{
    char err[512];
    kr_conf_t *conf = kr_conf_new();
    if (conf == NULL)
        return NULL;
    int rc = kr_conf_set(conf, "bootstrap.servers", o->bootstrap, err, sizeof(err));
    for (int i = 0; rc == 0 && i < o->settings; i++)
        rc = kr_conf_set(conf, o->keys[i], o->values[i], err, sizeof(err));
    kr_conf_set_delivery_cb(conf, on_delivery, counts);
    kr_producer_t *p = NULL;
    if (rc == 0)
        rc = kr_producer_new(&p, conf, err, sizeof(err));
    kr_conf_destroy(conf);
    if (rc != 0)
        fprintf(stderr, "kr_kring_bench: %s\n", err);
    return rc == 0 ? p : NULL;
}

static int produce(const kr_harness_opts_t *o, const kr_input_t *in)
{
    kring_counts_t c = {0};
    kr_producer_t *p = kring_new(o, &c);
    if (p == NULL)
        return 1;
    uint64_t n = o->count ? o->count : in->cnt, bytes = 0;
    kr_record_t rec = {
        .topic = o->topic, .partition = KR_PARTITION_ANY, .timestamp_ms = KR_TIMESTAMP_NOW};
    double w0 = kr_harness_wall_s(), c0 = kr_harness_cpu_s();
    size_t j = 0;
    for (uint64_t i = 0; i < n; i++) {
        rec.value = in->ptr[j];
        rec.value_len = in->len[j];
        int rc;
        while ((rc = kr_produce(p, &rec)) == KR_EQUEUEFULL)
            kr_poll(p, 1);
        if (rc != 0) {
            fprintf(stderr, "kr_kring_bench: kr_produce: %s\n", kr_strerror(rc));
            return 1;
        }
        bytes += in->len[j];
        j = j + 1 == in->cnt ? 0 : j + 1;
        if ((i & 1023) == 1023)
            kr_poll(p, 0);
    }
    int frc = kr_flush(p, 600000);
    kr_harness_result_t r = {"kring",
                             n,
                             c.acked,
                             c.failed,
                             bytes,
                             kr_harness_wall_s() - w0,
                             kr_harness_cpu_s() - c0,
                             kr_harness_cpu_s(),
                             frc != 0 ? kr_strerror(frc) : c.first_error};
    kr_producer_close(p, 10000);
    kr_harness_print(&r);
    return r.acked == n ? 0 : 1;
}

int main(int argc, char **argv)
{
    kr_harness_opts_t o;
    if (kr_harness_parse(&o, "kr_kring_bench", argc, argv) != 0 || o.watermarks)
        return 2;
    kr_input_t in;
    char err[512];
    if (kr_input_load(&in, o.file, err, sizeof(err)) != 0) {
        fprintf(stderr, "kr_kring_bench: %s\n", err);
        return 1;
    }
    int rc = produce(&o, &in);
    kr_input_free(&in);
    return rc;
}
