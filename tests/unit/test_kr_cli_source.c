/* Record sources: file mapping, splitting among threads, key delimiters, streams. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kr_cli_source.h"
#include "kr_error.h"

static char path[64];

static void write_file(const char *data, size_t len)
{
    snprintf(path, sizeof(path), "/tmp/kr_cli_source_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* All records of a source, as "key|value\n" lines ("-|value" for a null key). */
static size_t drain_src(kr_src_t *s, char *out, size_t cap)
{
    size_t n = 0, recs = 0;
    kr_src_rec_t r;
    int rc;
    while ((rc = kr_src_next(s, &r)) != 0) {
        if (rc == -EAGAIN) {
            kr_src_wait(s, 100);
            continue;
        }
        assert_int_equal(rc, 1);
        if (r.key == NULL)
            n += (size_t)snprintf(out + n, cap - n, "-|");
        else
            n += (size_t)snprintf(out + n, cap - n, "%.*s|", (int)r.key_len, (const char *)r.key);
        n += (size_t)snprintf(out + n, cap - n, "%.*s\n", (int)r.value_len, (const char *)r.value);
        assert_true(n < cap);
        recs++;
    }
    return recs;
}

static void test_lines_and_keys(void **state)
{
    (void)state;
    const char data[] = "k1\tv1\n\nno key here\nk2\tv\t2\r\n\tempty key\nlast\tline";
    write_file(data, sizeof(data) - 1);
    kr_cli_map_t m;
    char err[256];
    assert_int_equal(kr_cli_map_open(&m, path, err, sizeof(err)), 0);
    assert_int_equal(m.size, sizeof(data) - 1);
    kr_src_t s;
    kr_src_open_range(&s, &m, 0, m.size, "\t", 1);
    char out[1024];
    assert_int_equal(drain_src(&s, out, sizeof(out)), 6);
    assert_string_equal(out, "k1|v1\n-|\n-|no key here\nk2|v\t2\r\n|empty key\nlast|line\n");
    kr_src_close(&s);
    kr_src_open_range(&s, &m, 0, m.size, "::", 0);
    assert_int_equal(drain_src(&s, out, sizeof(out)), 6);
    assert_string_equal(out, "-|k1\tv1\n-|\n-|no key here\n-|k2\tv\t2\r\n-|\tempty key\n"
                             "-|last\tline\n");
    kr_src_close(&s);
    kr_cli_map_close(&m);
    unlink(path);

    const char data2[] = "a::b::c\nd:e\n";
    write_file(data2, sizeof(data2) - 1);
    assert_int_equal(kr_cli_map_open(&m, path, err, sizeof(err)), 0);
    kr_src_open_range(&s, &m, 0, m.size, "::", 2);
    assert_int_equal(drain_src(&s, out, sizeof(out)), 2);
    assert_string_equal(out, "a|b::c\n-|d:e\n");
    kr_src_close(&s);
    kr_cli_map_close(&m);
    unlink(path);
}

static void test_open_errors(void **state)
{
    (void)state;
    kr_cli_map_t m;
    char err[256];
    int rc = kr_cli_map_open(&m, "/nonexistent/kring/file", err, sizeof(err));
    assert_true(rc < 0);
    assert_non_null(strstr(err, "/nonexistent/kring/file"));
    assert_non_null(strstr(err, "No such file"));
    assert_int_equal(kr_cli_map_open(&m, "/dev/null", err, sizeof(err)), 1);
    write_file("", 0);
    assert_int_equal(kr_cli_map_open(&m, path, err, sizeof(err)), 0);
    assert_int_equal(m.size, 0);
    kr_src_t s;
    kr_src_open_range(&s, &m, 0, 0, NULL, 0);
    kr_src_rec_t r;
    assert_int_equal(kr_src_next(&s, &r), 0);
    kr_src_close(&s);
    kr_cli_map_close(&m);
    unlink(path);
}

/* Parts tile the file at line starts: every line exactly once, in order, for any n. */
static void test_split(void **state)
{
    (void)state;
    enum { LINES = 3000 };
    static char data[LINES * 40];
    size_t len = 0;
    for (int i = 0; i < LINES; i++) {
        /* lengths 0 .. 30, and a few very long lines */
        int w = (i * 7) % 31;
        len += (size_t)snprintf(data + len, sizeof(data) - len, "%05d", i);
        for (int k = 0; k < w; k++)
            data[len++] = 'x';
        data[len++] = '\n';
    }
    write_file(data, len);
    kr_cli_map_t m;
    char err[256];
    assert_int_equal(kr_cli_map_open(&m, path, err, sizeof(err)), 0);
    for (uint32_t n = 1; n <= 17; n++) {
        int expect = 0;
        size_t prev_end = 0;
        for (uint32_t t = 0; t < n; t++) {
            size_t b, e;
            kr_cli_map_split(&m, n, t, &b, &e);
            assert_int_equal(b, prev_end);
            assert_true(e >= b);
            prev_end = e;
            kr_src_t s;
            kr_src_open_range(&s, &m, b, e, NULL, 0);
            kr_src_rec_t r;
            while (kr_src_next(&s, &r) == 1) {
                char num[6];
                memcpy(num, r.value, 5);
                num[5] = '\0';
                assert_int_equal(atoi(num), expect);
                expect++;
            }
            kr_src_close(&s);
        }
        assert_int_equal(prev_end, m.size);
        assert_int_equal(expect, LINES);
    }
    /* more parts than lines: empty parts, still a tiling */
    assert_int_equal(kr_cli_map_limit(&m, 3), 3);
    for (uint32_t t = 0, prev = 0; t < 64; t++) {
        size_t b, e;
        kr_cli_map_split(&m, 64, t, &b, &e);
        assert_int_equal(b, prev);
        prev = (uint32_t)e;
    }
    kr_cli_map_close(&m);
    unlink(path);
}

static void test_limit(void **state)
{
    (void)state;
    const char data[] = "a\nb\nc\nd";
    write_file(data, sizeof(data) - 1);
    kr_cli_map_t m;
    char err[256];
    assert_int_equal(kr_cli_map_open(&m, path, err, sizeof(err)), 0);
    assert_int_equal(kr_cli_map_limit(&m, 2), 2);
    assert_int_equal(m.size, 4);
    kr_cli_map_close(&m);
    assert_int_equal(kr_cli_map_open(&m, path, err, sizeof(err)), 0);
    assert_int_equal(kr_cli_map_limit(&m, 10), 4);
    assert_int_equal(m.size, sizeof(data) - 1);
    kr_cli_map_close(&m);
    unlink(path);
}

/* A stream: lines split across reads, a line longer than the first buffer, no final \n. */
static void test_stream(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    size_t big = 3 * KR_SRC_STREAM_BUF + 123;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        FILE *f = fdopen(fds[1], "w");
        fputs("k\tv\nplain\n", f);
        fflush(f);
        usleep(20000);
        for (size_t i = 0; i < big; i++)
            fputc('y', f);
        fputs("\n\nend", f);
        fclose(f);
        _exit(0);
    }
    close(fds[1]);
    kr_src_t s;
    assert_int_equal(kr_src_open_stream(&s, fds[0], "\t", 1), 0);
    kr_src_rec_t r;
    int got = 0;
    const char *want[] = {"v", "plain", NULL, "", "end"};
    for (;;) {
        int rc = kr_src_next(&s, &r);
        if (rc == -EAGAIN) {
            kr_src_wait(&s, 1000);
            continue;
        }
        if (rc == 0)
            break;
        assert_int_equal(rc, 1);
        if (got == 2) {
            assert_int_equal(r.value_len, big);
            assert_null(r.key);
        } else {
            assert_int_equal(r.value_len, strlen(want[got]));
            assert_memory_equal(r.value, want[got], r.value_len);
        }
        if (got == 0) {
            assert_int_equal(r.key_len, 1);
            assert_memory_equal(r.key, "k", 1);
        }
        got++;
    }
    assert_int_equal(got, 5);
    kr_src_close(&s);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
}

/* Reader threads of one shared stream: keyed lines taken in blocks, each exactly once. */
#define SHARED_LINES 20000
#define SHARED_READERS 3

typedef struct shared_reader {
    kr_src_shared_t *sh;
    uint8_t *seen; /* SHARED_LINES, shared: each index set by one reader only */
    int got;
    int bad;
} shared_reader_t;

static void *shared_main(void *arg)
{
    shared_reader_t *rd = arg;
    kr_src_t s;
    if (kr_src_open_shared(&s, rd->sh) != 0) {
        rd->bad++;
        return NULL;
    }
    for (;;) {
        kr_src_rec_t r;
        int rc = kr_src_next(&s, &r);
        if (rc == -EAGAIN) {
            kr_src_wait(&s, 100);
            continue;
        }
        if (rc != 1)
            break;
        char buf[32];
        unsigned long k = 0, v = 0;
        int n = snprintf(buf, sizeof(buf), "%.*s %.*s", (int)r.key_len, (const char *)r.key,
                         (int)r.value_len, (const char *)r.value);
        if (r.key == NULL || n >= (int)sizeof(buf) || sscanf(buf, "%lu %lu", &k, &v) != 2 ||
            k != v || k >= SHARED_LINES || rd->seen[k]++ != 0)
            rd->bad++;
        rd->got++;
    }
    kr_src_close(&s);
    return NULL;
}

static void test_shared_stream(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        FILE *f = fdopen(fds[1], "w");
        for (int i = 0; i < SHARED_LINES; i++)
            fprintf(f, "%d\t%d\n", i, i);
        fclose(f);
        _exit(0);
    }
    close(fds[1]);
    kr_src_shared_t sh;
    assert_int_equal(kr_src_shared_open(&sh, fds[0], "\t", 1, '\n'), 0);
    static uint8_t seen[SHARED_LINES];
    memset(seen, 0, sizeof(seen));
    shared_reader_t rd[SHARED_READERS];
    pthread_t tid[SHARED_READERS];
    for (int i = 0; i < SHARED_READERS; i++) {
        rd[i] = (shared_reader_t){&sh, seen, 0, 0};
        assert_int_equal(pthread_create(&tid[i], NULL, shared_main, &rd[i]), 0);
    }
    int got = 0, bad = 0;
    for (int i = 0; i < SHARED_READERS; i++) {
        pthread_join(tid[i], NULL);
        got += rd[i].got;
        bad += rd[i].bad;
    }
    assert_int_equal(bad, 0);
    assert_int_equal(got, SHARED_LINES);
    for (int i = 0; i < SHARED_LINES; i++)
        assert_int_equal(seen[i], 1);
    kr_src_shared_close(&sh);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
}

/* Several files read one after another; each thread's part of each file in turn. */
static void test_files(void **state)
{
    (void)state;
    kr_cli_map_t m[3];
    char err[256], paths[3][64];
    const char *data[3] = {"a1\na2\na3", "", "b1\nb2\nb3\nb4\n"};
    for (int i = 0; i < 3; i++) {
        write_file(data[i], strlen(data[i]));
        memcpy(paths[i], path, sizeof(path));
        assert_int_equal(kr_cli_map_open(&m[i], paths[i], err, sizeof(err)), 0);
    }
    const kr_cli_map_t *maps[3] = {&m[0], &m[1], &m[2]};
    kr_src_t s;
    char out[1024];
    kr_src_open_files(&s, maps, 3, 0, 1, "", 0);
    assert_int_equal(drain_src(&s, out, sizeof(out)), 7);
    assert_string_equal(out, "-|a1\n-|a2\n-|a3\n-|b1\n-|b2\n-|b3\n-|b4\n");
    kr_src_close(&s);
    /* Two parts: together every line once, each part in file order. */
    char both[1024] = "";
    size_t recs = 0;
    for (uint32_t t = 0; t < 2; t++) {
        kr_src_open_files(&s, maps, 3, t, 2, "", 0);
        recs += drain_src(&s, out, sizeof(out));
        strcat(both, out);
        kr_src_close(&s);
    }
    assert_int_equal(recs, 7);
    assert_string_equal(both, "-|a1\n-|a2\n-|b1\n-|b2\n-|a3\n-|b3\n-|b4\n");
    for (int i = 0; i < 3; i++) {
        kr_cli_map_close(&m[i]);
        unlink(paths[i]);
    }
}

/* --payload-file: split as Java splits (trailing empties dropped), drawn at random. */
static void test_payloads(void **state)
{
    (void)state;
    const char data[] = "p1||p2|p3||||";
    write_file(data, sizeof(data) - 1);
    kr_cli_map_t m;
    char err[256];
    assert_int_equal(kr_cli_map_open(&m, path, err, sizeof(err)), 0);
    kr_src_payload_t *pl = NULL;
    assert_int_equal(kr_src_payloads_split(&m, "|", 1, &pl), 4);
    assert_int_equal(pl[1].len, 0);
    assert_memory_equal(pl[3].ptr, "p3", 2);
    kr_src_t s;
    kr_src_open_sample(&s, pl, 4, 7);
    int hits[4] = {0};
    for (int i = 0; i < 4000; i++) {
        kr_src_rec_t r;
        assert_int_equal(kr_src_next(&s, &r), 1);
        assert_null(r.key);
        int k = -1;
        for (int j = 0; j < 4; j++)
            if (r.value == pl[j].ptr && r.value_len == pl[j].len)
                k = j;
        assert_true(k >= 0);
        hits[k]++;
    }
    for (int j = 0; j < 4; j++)
        assert_true(hits[j] > 800 && hits[j] < 1200); /* uniform: 1000 each expected */
    kr_src_close(&s);
    free(pl);
    assert_int_equal(kr_src_payloads_split(&m, "p3", 2, &pl), 2); /* "||||" is one */
    free(pl);
    kr_cli_map_close(&m);
    unlink(path);
}

static void test_flights_source(void **state)
{
    (void)state;
    kr_flights_conf_t c;
    kr_flights_conf_init(&c);
    kr_src_t s;
    assert_int_equal(kr_src_open_flights(&s, &c), 0);
    kr_src_rec_t r;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(kr_src_next(&s, &r), 1);
        assert_int_equal(r.key_len, 6);
        assert_true(r.value_len > 200);
    }
    kr_src_close(&s);
    c.fleet = 0;
    assert_int_equal(kr_src_open_flights(&s, &c), KR_ERANGE);
    kr_src_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_and_keys), cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_split),          cmocka_unit_test(test_limit),
        cmocka_unit_test(test_stream),         cmocka_unit_test(test_files),
        cmocka_unit_test(test_payloads),       cmocka_unit_test(test_flights_source),
        cmocka_unit_test(test_shared_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
