/*
 * produce: the smallest useful kring program. Sends COUNT records "hello N" to TOPIC and
 * waits for every delivery report.
 *
 *   produce [-X key=value]... BOOTSTRAP TOPIC [COUNT]
 *
 * Built against an installed libkring (docs/DEPLOY.md):
 *   cc produce.c $(pkg-config --cflags --libs kring) -o produce
 * or with CMake: find_package(kring) and target_link_libraries(produce kring::kring).
 * Exit status: 0 all acknowledged, 1 some failed, 2 bad arguments or settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kring.h"

typedef struct tally {
    unsigned long acked;
    unsigned long failed;
    char first_error[64];
} tally_t;

static void on_delivery(const kr_delivery_t *d, void *ctx)
{
    tally_t *t = ctx;
    if (d->err == 0) {
        t->acked++;
        return;
    }
    /* the report's strings live only during the call: keep a copy */
    if (t->failed++ == 0)
        snprintf(t->first_error, sizeof(t->first_error), "%s",
                 d->error_name != NULL ? d->error_name : kr_strerror(d->err));
}

static int usage(FILE *f)
{
    fputs("usage: produce [-X key=value]... BOOTSTRAP TOPIC [COUNT]\n"
          "  sends COUNT (default 10) records to TOPIC through libkring\n",
          f);
    return f == stdout ? 0 : 2;
}

/* Applies the -X settings and the bootstrap; returns 0 or 2 with a message printed. */
static int configure(kr_conf_t *conf, int argc, char **argv, int *argi)
{
    char err[256];
    int i = 1;
    for (; i + 1 < argc && strcmp(argv[i], "-X") == 0; i += 2) {
        char key[128];
        const char *eq = strchr(argv[i + 1], '=');
        if (eq == NULL || (size_t)(eq - argv[i + 1]) >= sizeof(key)) {
            fprintf(stderr, "produce: -X needs key=value, not '%s'\n", argv[i + 1]);
            return 2;
        }
        memcpy(key, argv[i + 1], (size_t)(eq - argv[i + 1]));
        key[eq - argv[i + 1]] = '\0';
        if (kr_conf_set(conf, key, eq + 1, err, sizeof(err)) != 0) {
            fprintf(stderr, "produce: %s\n", err);
            return 2;
        }
    }
    if (argc - i < 2 || argc - i > 3)
        return usage(stderr);
    if (kr_conf_set(conf, "bootstrap.servers", argv[i], err, sizeof(err)) != 0) {
        fprintf(stderr, "produce: %s\n", err);
        return 2;
    }
    *argi = i;
    return 0;
}

static int run(kr_conf_t *conf, const char *topic, unsigned long count, tally_t *t)
{
    char err[256];
    kr_producer_t *p;
    kr_conf_set_delivery_cb(conf, on_delivery, t);
    int rc = kr_producer_new(&p, conf, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "produce: %s\n", err);
        return 1;
    }
    for (unsigned long i = 0; i < count; i++) {
        char value[32];
        int len = snprintf(value, sizeof(value), "hello %lu", i);
        kr_record_t rec = {.topic = topic, .partition = KR_PARTITION_ANY, .value = value,
                           .value_len = (size_t)len, .timestamp_ms = KR_TIMESTAMP_NOW};
        rc = kr_produce_wait(p, &rec, 10000);
        if (rc != 0) {
            fprintf(stderr, "produce: record %lu: %s\n", i, kr_strerror(rc));
            break;
        }
    }
    kr_producer_close(p, -1);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return usage(stdout);
    kr_conf_t *conf = kr_conf_new();
    if (conf == NULL) {
        fputs("produce: out of memory\n", stderr);
        return 1;
    }
    int argi = 0;
    int rc = configure(conf, argc, argv, &argi);
    unsigned long count = 10;
    if (rc == 0 && argc - argi == 3) {
        char *end;
        count = strtoul(argv[argi + 2], &end, 10);
        if (*argv[argi + 2] == '\0' || *end != '\0') {
            fprintf(stderr, "produce: COUNT must be a number, not '%s'\n", argv[argi + 2]);
            rc = 2;
        }
    }
    tally_t t = {0, 0, ""};
    if (rc == 0)
        rc = run(conf, argv[argi + 1], count, &t);
    kr_conf_destroy(conf);
    if (rc != 0)
        return rc;
    printf("%lu acknowledged, %lu failed%s%s\n", t.acked, t.failed,
           t.failed != 0 ? ", first error: " : "", t.failed != 0 ? t.first_error : "");
    return t.failed == 0 && t.acked == count ? 0 : 1;
}
