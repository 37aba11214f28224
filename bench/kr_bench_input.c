/* The comparison harnesses' common parts. See kr_bench_input.h. */
#define _GNU_SOURCE
#include "kr_bench_input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int input_split(kr_input_t *in)
{
    size_t lines = 0;
    for (const char *p = in->data; (p = memchr(p, '\n', in->size - (size_t)(p - in->data))); p++)
        lines++;
    lines++; /* a last line without newline */
    in->ptr = malloc(lines * sizeof(*in->ptr));
    in->len = malloc(lines * sizeof(*in->len));
    if (in->ptr == NULL || in->len == NULL)
        return -ENOMEM;
    const char *p = in->data, *end = in->data + in->size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        in->ptr[in->cnt] = p;
        in->len[in->cnt] = (size_t)(e - p);
        in->bytes += in->len[in->cnt];
        in->cnt++;
        p = e + 1;
    }
    return 0;
}

int kr_input_load(kr_input_t *in, const char *path, char *err, size_t errlen)
{
    memset(in, 0, sizeof(*in));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        if (fd >= 0)
            close(fd);
        return -e;
    }
    in->size = (size_t)st.st_size;
    in->data = malloc(in->size + 1);
    size_t got = 0;
    while (in->data != NULL && got < in->size) {
        ssize_t r = read(fd, in->data + got, in->size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (in->data == NULL || got != in->size || input_split(in) != 0 || in->cnt == 0) {
        snprintf(err, errlen, "%s: cannot load (or empty)", path);
        kr_input_free(in);
        return -EIO;
    }
    return 0;
}

void kr_input_free(kr_input_t *in)
{
    free(in->data);
    free(in->ptr);
    free(in->len);
    memset(in, 0, sizeof(*in));
}

static int usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s -b BOOTSTRAP -t TOPIC -f FILE [-n RECORDS] [-X key=value]...\n"
            "       %s --watermarks -b BOOTSTRAP -t TOPIC\n"
            "Produces the file's lines as records (cycling through them until RECORDS),\n"
            "waits for every delivery report and prints one JSON line.\n",
            prog, prog);
    return 2;
}

static int add_setting(kr_harness_opts_t *o, const char *kv, size_t *used)
{
    const char *eq = strchr(kv, '=');
    size_t n = strlen(kv) + 1;
    if (eq == NULL || o->settings == KR_HARNESS_SETTINGS_MAX || *used + n > sizeof(o->buf))
        return -1;
    char *k = o->buf + *used;
    memcpy(k, kv, n);
    *used += n;
    k[eq - kv] = '\0';
    o->keys[o->settings] = k;
    o->values[o->settings] = k + (eq - kv) + 1;
    o->settings++;
    return 0;
}

int kr_harness_parse(kr_harness_opts_t *o, const char *prog, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    size_t used = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--watermarks") == 0) {
            o->watermarks = 1;
            continue;
        }
        if (v == NULL)
            return usage(prog);
        i++;
        if (strcmp(a, "-b") == 0)
            o->bootstrap = v;
        else if (strcmp(a, "-t") == 0)
            o->topic = v;
        else if (strcmp(a, "-f") == 0)
            o->file = v;
        else if (strcmp(a, "-n") == 0)
            o->count = strtoull(v, NULL, 10);
        else if (strcmp(a, "-X") != 0 || add_setting(o, v, &used) != 0)
            return usage(prog);
    }
    if (o->bootstrap == NULL || o->topic == NULL || (!o->watermarks && o->file == NULL))
        return usage(prog);
    return 0;
}

double kr_harness_wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double kr_harness_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long kr_harness_maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

void kr_harness_print(const kr_harness_result_t *r)
{
    printf("{\"client\":\"%s\",\"records\":%llu,\"acked\":%llu,\"failed\":%llu,"
           "\"bytes\":%llu,\"wall_s\":%.6f,\"cpu_s\":%.6f,\"cpu_total_s\":%.6f,"
           "\"maxrss_kb\":%ld,\"records_per_s\":%.0f,\"first_error\":\"%s\"}\n",
           r->client, (unsigned long long)r->records, (unsigned long long)r->acked,
           (unsigned long long)r->failed, (unsigned long long)r->bytes, r->wall_s, r->cpu_s,
           r->cpu_total_s, kr_harness_maxrss_kb(),
           r->wall_s > 0 ? (double)r->acked / r->wall_s : 0.0,
           r->first_error ? r->first_error : "");
    fflush(stdout);
}
