/* `kring metadata`. See kr_cli_metadata.h. */
#include "kr_cli_metadata.h"

#include <stdio.h>
#include <string.h>

#include "kr_cli_conf.h"

/* Weak until every engine has it: NULL when the engine does not define it. */
#pragma weak kr_metadata_describe

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

static void text(FILE *f, const kr_metadata_t *md, const char *topic)
{
    const kr_metadata_broker_t *ob = find_broker(md, md->orig_node_id);
    fprintf(f, "Metadata for %s (from broker %d: %s:%d/%d):\n",
            topic != NULL ? topic : "all topics", md->orig_node_id,
            ob != NULL ? ob->host : "?", ob != NULL ? ob->port : 0, md->orig_node_id);
    fprintf(f, " %d brokers:\n", md->broker_cnt);
    for (int32_t i = 0; i < md->broker_cnt; i++) {
        const kr_metadata_broker_t *b = &md->brokers[i];
        fprintf(f, "  broker %d at %s:%d%s", b->node_id, b->host, b->port,
                b->node_id == md->controller_id ? " (controller)" : "");
        if (b->rack != NULL)
            fprintf(f, " rack %s", b->rack);
        fputc('\n', f);
    }
    fprintf(f, " %d topics:\n", md->topic_cnt);
    for (int32_t i = 0; i < md->topic_cnt; i++) {
        const kr_metadata_topic_t *t = &md->topics[i];
        fprintf(f, "  topic \"%s\" with %d partitions:", t->name, t->partition_cnt);
        if (t->error != 0)
            fprintf(f, " %s", t->error_name != NULL ? t->error_name : "ERROR");
        fputc('\n', f);
        for (int32_t k = 0; k < t->partition_cnt; k++) {
            const kr_metadata_partition_t *p = &t->partitions[k];
            fprintf(f, "    partition %d, leader %d, replicas: ", p->id, p->leader);
            print_ids(f, p->replicas, p->replica_cnt);
            fprintf(f, ", isrs: ");
            print_ids(f, p->isrs, p->isr_cnt);
            if (p->error != 0)
                fprintf(f, ", %s", p->error_name != NULL ? p->error_name : "ERROR");
            fputc('\n', f);
        }
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
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
    json_str(f, t->name);
    if (t->error != 0) {
        fputs(",\"error\":", f);
        json_str(f, t->error_name);
    }
    fputs(",\"partitions\":[", f);
    for (int32_t k = 0; k < t->partition_cnt; k++) {
        const kr_metadata_partition_t *p = &t->partitions[k];
        fprintf(f, "%s{\"partition\":%d,\"leader\":%d", k == 0 ? "" : ",", p->id, p->leader);
        if (p->error != 0) {
            fputs(",\"error\":", f);
            json_str(f, p->error_name);
        }
        json_ids(f, "replicas", p->replicas, p->replica_cnt);
        json_ids(f, "isrs", p->isrs, p->isr_cnt);
        fputc('}', f);
    }
    fputs("]}", f);
}

static void json(FILE *f, const kr_metadata_t *md, const char *topic)
{
    const kr_metadata_broker_t *ob = find_broker(md, md->orig_node_id);
    fprintf(f, "{\"originating_broker\":{\"id\":%d,\"name\":\"%s:%d/%d\"},", md->orig_node_id,
            ob != NULL ? ob->host : "?", ob != NULL ? ob->port : 0, md->orig_node_id);
    fputs("\"query\":{\"topic\":", f);
    json_str(f, topic != NULL ? topic : "*");
    fputs("},\"cluster_id\":", f);
    if (md->cluster_id != NULL)
        json_str(f, md->cluster_id);
    else
        fputs("null", f);
    fprintf(f, ",\"controllerid\":%d,\"brokers\":[", md->controller_id);
    for (int32_t i = 0; i < md->broker_cnt; i++) {
        const kr_metadata_broker_t *b = &md->brokers[i];
        fprintf(f, "%s{\"id\":%d,\"name\":\"%s:%d\"}", i == 0 ? "" : ",", b->node_id, b->host,
                b->port);
    }
    fputs("],\"topics\":[", f);
    for (int32_t i = 0; i < md->topic_cnt; i++) {
        if (i > 0)
            fputc(',', f);
        json_topic(f, &md->topics[i]);
    }
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
    if (kr_metadata_describe == NULL) {
        kr_conf_destroy(conf);
        fprintf(stderr, "kring metadata: this engine has no metadata call yet "
                        "(kr_metadata_describe)\n");
        return KR_CLI_EXIT_FAIL;
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
                rc == KR_ETIMEDOUT ? "no broker answered within --timeout-ms"
                                   : kr_strerror(rc));
        return KR_CLI_EXIT_FAIL;
    }
    fflush(stdout);
    return c.topic_error ? KR_CLI_EXIT_FAIL : KR_CLI_EXIT_OK;
}
