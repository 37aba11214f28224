/* `kring metadata`. See kr_cli_metadata.h. */
#include "kr_cli_metadata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_cli_conf.h"
#include "kr_cli_json.h"

/* Brokers, topics and partitions print sorted (by id, by name), not in the answer's order. */
static const kr_metadata_t *sort_md;
static const kr_metadata_topic_t *sort_topic;

static int cmp_broker(const void *a, const void *b)
{
    int32_t x = sort_md->brokers[*(const int32_t *)a].node_id;
    int32_t y = sort_md->brokers[*(const int32_t *)b].node_id;
    return x < y ? -1 : x > y;
}

static int cmp_topic(const void *a, const void *b)
{
    return strcmp(sort_md->topics[*(const int32_t *)a].name,
                  sort_md->topics[*(const int32_t *)b].name);
}

static int cmp_partition(const void *a, const void *b)
{
    int32_t x = sort_topic->partitions[*(const int32_t *)a].id;
    int32_t y = sort_topic->partitions[*(const int32_t *)b].id;
    return x < y ? -1 : x > y;
}

/* An index 0..n-1 sorted with cmp; NULL (print unsorted) if out of memory. */
static int32_t *sorted(int32_t n, int (*cmp)(const void *, const void *))
{
    int32_t *idx = malloc((size_t)(n > 0 ? n : 1) * sizeof(*idx));
    if (idx == NULL)
        return NULL;
    for (int32_t i = 0; i < n; i++)
        idx[i] = i;
    qsort(idx, (size_t)n, sizeof(*idx), cmp);
    return idx;
}

#define AT(idx, i) ((idx) != NULL ? (idx)[i] : (i))

static const kr_metadata_broker_t *find_broker(const kr_metadata_t *md, int32_t id)
{
    for (int32_t i = 0; i < md->broker_cnt; i++) {
        if (md->brokers[i].node_id == id)
            return &md->brokers[i];
    }
    return NULL;
}

static void print_ids(FILE *f, const int32_t *ids, int32_t n)
{
    for (int32_t i = 0; i < n; i++)
        fprintf(f, "%s%d", i == 0 ? "" : ",", ids[i]);
}

static void origin(char *buf, size_t len, const kr_metadata_t *md)
{
    const kr_metadata_broker_t *ob = find_broker(md, md->orig_node_id);
    if (ob == NULL)
        snprintf(buf, len, "%d: bootstrap", md->orig_node_id);
    else
        snprintf(buf, len, "%d: %s:%d/%d", md->orig_node_id, ob->host, ob->port, md->orig_node_id);
}

static void text_topic(FILE *f, const kr_metadata_topic_t *t)
{
    fprintf(f, "  topic \"%s\" with %d partitions:", t->name, t->partition_cnt);
    if (t->error != 0)
        fprintf(f, " %s", t->error_name != NULL ? t->error_name : "ERROR");
    fputc('\n', f);
    sort_topic = t;
    int32_t *pi = sorted(t->partition_cnt, cmp_partition);
    for (int32_t k = 0; k < t->partition_cnt; k++) {
        const kr_metadata_partition_t *p = &t->partitions[AT(pi, k)];
        fprintf(f, "    partition %d, leader %d, replicas: ", p->id, p->leader);
        print_ids(f, p->replicas, p->replica_cnt);
        fprintf(f, ", isrs: ");
        print_ids(f, p->isrs, p->isr_cnt);
        if (p->error != 0)
            fprintf(f, ", %s", p->error_name != NULL ? p->error_name : "ERROR");
        fputc('\n', f);
    }
    free(pi);
}

static void text(FILE *f, const kr_metadata_t *md, const char *topic)
{
    char from[300];
    origin(from, sizeof(from), md);
    fprintf(f, "Metadata for %s (from broker %s):\n", topic != NULL ? topic : "all topics", from);
    if (md->cluster_id != NULL)
        fprintf(f, " cluster %s\n", md->cluster_id);
    fprintf(f, " %d brokers:\n", md->broker_cnt);
    sort_md = md;
    int32_t *bi = sorted(md->broker_cnt, cmp_broker);
    for (int32_t i = 0; i < md->broker_cnt; i++) {
        const kr_metadata_broker_t *b = &md->brokers[AT(bi, i)];
        fprintf(f, "  broker %d at %s:%d%s", b->node_id, b->host, b->port,
                b->node_id == md->controller_id ? " (controller)" : "");
        if (b->rack != NULL)
            fprintf(f, " rack %s", b->rack);
        fputc('\n', f);
    }
    free(bi);
    fprintf(f, " %d topics:\n", md->topic_cnt);
    int32_t *ti = sorted(md->topic_cnt, cmp_topic);
    for (int32_t i = 0; i < md->topic_cnt; i++)
        text_topic(f, &md->topics[AT(ti, i)]);
    free(ti);
}

static void json_ids(FILE *f, const char *name, const int32_t *ids, int32_t n)
{
    fprintf(f, ",\"%s\":[", name);
    for (int32_t i = 0; i < n; i++)
        fprintf(f, "%s{\"id\":%d}", i == 0 ? "" : ",", ids[i]);
    fputc(']', f);
}

static void json_topic(FILE *f, const kr_metadata_topic_t *t)
{
    fputs("{\"topic\":", f);
    kr_cli_json_str(f, t->name);
    if (t->error != 0) {
        fputs(",\"error\":", f);
        kr_cli_json_str(f, t->error_name);
    }
    fputs(",\"partitions\":[", f);
    sort_topic = t;
    int32_t *pi = sorted(t->partition_cnt, cmp_partition);
    for (int32_t k = 0; k < t->partition_cnt; k++) {
        const kr_metadata_partition_t *p = &t->partitions[AT(pi, k)];
        fprintf(f, "%s{\"partition\":%d,\"leader\":%d", k == 0 ? "" : ",", p->id, p->leader);
        if (p->error != 0) {
            fputs(",\"error\":", f);
            kr_cli_json_str(f, p->error_name);
        }
        json_ids(f, "replicas", p->replicas, p->replica_cnt);
        json_ids(f, "isrs", p->isrs, p->isr_cnt);
        fputc('}', f);
    }
    free(pi);
    fputs("]}", f);
}

static void json(FILE *f, const kr_metadata_t *md, const char *topic)
{
    char from[300];
    origin(from, sizeof(from), md);
    fprintf(f, "{\"originating_broker\":{\"id\":%d,\"name\":", md->orig_node_id);
    kr_cli_json_str(f, strchr(from, ' ') + 1);
    fputs("},\"query\":{\"topic\":", f);
    kr_cli_json_str(f, topic != NULL ? topic : "*");
    fputs("},\"cluster_id\":", f);
    if (md->cluster_id != NULL)
        kr_cli_json_str(f, md->cluster_id);
    else
        fputs("null", f);
    fprintf(f, ",\"controllerid\":%d,\"brokers\":[", md->controller_id);
    sort_md = md;
    int32_t *bi = sorted(md->broker_cnt, cmp_broker);
    for (int32_t i = 0; i < md->broker_cnt; i++) {
        const kr_metadata_broker_t *b = &md->brokers[AT(bi, i)];
        fprintf(f, "%s{\"id\":%d,\"name\":\"%s:%d\"}", i == 0 ? "" : ",", b->node_id, b->host,
                b->port);
    }
    free(bi);
    fputs("],\"topics\":[", f);
    int32_t *ti = sorted(md->topic_cnt, cmp_topic);
    for (int32_t i = 0; i < md->topic_cnt; i++) {
        if (i > 0)
            fputc(',', f);
        json_topic(f, &md->topics[AT(ti, i)]);
    }
    free(ti);
    fputs("]}\n", f);
}

void kr_cli_metadata_print(FILE *f, const kr_metadata_t *md, const char *topic, int as_json)
{
    if (as_json)
        json(f, md, topic);
    else
        text(f, md, topic);
}

typedef struct meta_ctx {
    const kr_cli_opts_t *o;
    int called;
    int topic_error;
} meta_ctx_t;

static void on_metadata(const kr_metadata_t *md, void *arg)
{
    meta_ctx_t *c = arg;
    c->called = 1;
    kr_cli_metadata_print(stdout, md, c->o->topic, c->o->json);
    for (int32_t i = 0; i < md->topic_cnt; i++) {
        if (c->o->topic != NULL && md->topics[i].error != 0) {
            fprintf(stderr, "kring metadata: topic '%s': %s\n", md->topics[i].name,
                    md->topics[i].error_name != NULL ? md->topics[i].error_name : "error");
            c->topic_error = 1;
        }
    }
}

int kr_cli_metadata(const kr_cli_opts_t *o)
{
    char err[512];
    kr_conf_t *conf = kr_cli_conf_build(o, err, sizeof(err));
    if (conf == NULL) {
        fprintf(stderr, "kring metadata: %s\n", err);
        return KR_CLI_EXIT_USAGE;
    }
    kr_producer_t *p;
    err[0] = '\0';
    int rc = kr_producer_new(&p, conf, err, sizeof(err));
    kr_conf_destroy(conf);
    if (rc != 0) {
        fprintf(stderr, "kring metadata: cannot create the producer: %s\n",
                err[0] != '\0' ? err : kr_strerror(rc));
        return KR_CLI_EXIT_FAIL;
    }
    meta_ctx_t c = {o, 0, 0};
    rc = kr_metadata_describe(p, o->topic, o->timeout_ms, on_metadata, &c);
    kr_producer_close(p, 0);
    if (rc != 0 || !c.called) {
        fprintf(stderr, "kring metadata: %s: %s\n", o->bootstrap,
                rc == KR_ETIMEDOUT ? "no broker answered within --timeout-ms" : kr_strerror(rc));
        return KR_CLI_EXIT_FAIL;
    }
    fflush(stdout);
    return c.topic_error ? KR_CLI_EXIT_FAIL : KR_CLI_EXIT_OK;
}
