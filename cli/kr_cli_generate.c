/* `kring generate`. See kr_cli_generate.h. */
#include "kr_cli_generate.h"
#include "kr_cli_sched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kr_error.h"
#include "kr_flights.h"

#define OUT_BUF (1u << 20)

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int kr_cli_generate(const kr_cli_opts_t *o)
{
    kr_flights_conf_t fc;
    kr_flights_conf_init(&fc);
    fc.seed = o->seed;
    fc.fleet = o->fleet;
    fc.record_size = o->record_size;
    fc.key = o->key;
    fc.part = o->instance;
    fc.parts = o->instances;
    kr_flights_t *g;
    int rc = kr_flights_new(&g, &fc);
    if (rc != 0) {
        fprintf(stderr, "kring generate: %s\n", kr_strerror(rc));
        return KR_CLI_EXIT_FAIL;
    }
    size_t cap = OUT_BUF + 2 * (o->record_size > 512 ? o->record_size : 512);
    char *buf = malloc(cap);
    if (buf == NULL) {
        kr_flights_free(g);
        fprintf(stderr, "kring generate: out of memory\n");
        return KR_CLI_EXIT_FAIL;
    }
    size_t used = 0;
    int code = KR_CLI_EXIT_OK;
    /* -n is the whole job's: this instance writes its events among the first n */
    uint64_t count = kr_sched_share(o->count, o->instances, o->instance);
    for (uint64_t i = 0; i < count; i++) {
        kr_flights_rec_t r;
        kr_flights_next(g, &r);
        if (r.key != NULL) {
            memcpy(buf + used, r.key, r.key_len);
            used += r.key_len;
            memcpy(buf + used, o->key_delim, o->key_delim_len);
            used += o->key_delim_len;
        }
        memcpy(buf + used, r.value, r.value_len);
        used += r.value_len;
        buf[used++] = '\n';
        if (used >= OUT_BUF) {
            if (write_all(STDOUT_FILENO, buf, used) != 0) {
                code = KR_CLI_EXIT_FAIL;
                break;
            }
            used = 0;
        }
    }
    if (code == KR_CLI_EXIT_OK && write_all(STDOUT_FILENO, buf, used) != 0)
        code = KR_CLI_EXIT_FAIL;
    if (code != KR_CLI_EXIT_OK && errno != EPIPE)
        fprintf(stderr, "kring generate: stdout: %s\n", strerror(errno));
    free(buf);
    kr_flights_free(g);
    return code;
}
