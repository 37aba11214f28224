/* The test cluster's environment and the independent tools (see kr_testenv.h). */
#define _GNU_SOURCE
#include "kr_testenv.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kr_error.h"

extern char **environ;

#define RUN_TIMEOUT_S "180"

static kr_testenv_t env;
static int env_loaded;

/* Returns getenv(name), or exits 1 naming the variable. */
static const char *require_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0') {
        fprintf(stderr,
                "KR_TEST_BOOTSTRAP is set but %s is not: "
                "eval \"$(tests/cluster/cluster.sh env single)\"\n",
                name);
        exit(1);
    }
    return v;
}

void kr_testenv_init(void)
{
    const char *b = getenv("KR_TEST_BOOTSTRAP");
    if (b == NULL || *b == '\0') {
        fprintf(stderr, "skipped: KR_TEST_BOOTSTRAP is unset (no test cluster)\n");
        exit(KR_TEST_SKIP);
    }
    env.bootstrap = b;
    env.cluster_dir = require_env("KR_TEST_CLUSTER_DIR");
    env.kafka_tool = require_env("KR_TEST_KAFKA_TOOL");
    env.cluster_sh = require_env("KR_TEST_CLUSTER_SH");
    env.cluster = require_env("KR_TEST_CLUSTER");
    size_t n = strcspn(b, ",");
    if (n >= sizeof(env.first_broker)) {
        fprintf(stderr, "KR_TEST_BOOTSTRAP entry too long: %s\n", b);
        exit(1);
    }
    memcpy(env.first_broker, b, n);
    env.first_broker[n] = '\0';
    env.brokers = 1;
    for (const char *p = b; *p != '\0'; p++)
        env.brokers += *p == ',';
    env_loaded = 1;
}

const kr_testenv_t *kr_testenv(void)
{
    if (!env_loaded) {
        fprintf(stderr, "kr_testenv_init() was not called\n");
        abort();
    }
    return &env;
}

int64_t kr_test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kr_test_topic_name(char *buf, size_t cap, const char *what)
{
    snprintf(buf, cap, "kring-it-%s-%ld-%" PRId64, what, (long)getpid(), kr_test_now_ms());
}

/* ---- running commands ---- */

/* Reads fd to its end into a growing, NUL-terminated heap buffer. */
static int read_all(int fd, char **out, size_t *out_len)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        return -ENOMEM;
    for (;;) {
        if (cap - len < 4096) {
            char *p = realloc(buf, cap * 2);
            if (p == NULL) {
                free(buf);
                return -ENOMEM;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

/* Prints a failed command line and what it wrote to stderr (kept in errfd). */
static void report_failure(char *const argv[], int status, int errfd)
{
    fprintf(stderr, "command failed (status %d):", status);
    for (size_t i = 0; argv[i] != NULL; i++)
        fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, "\n");
    char *err = NULL;
    size_t err_len = 0;
    lseek(errfd, 0, SEEK_SET);
    if (read_all(errfd, &err, &err_len) == 0) {
        size_t from = err_len > 8192 ? err_len - 8192 : 0;
        fprintf(stderr, "--- stderr (last 8 KiB) ---\n%s\n---\n", err + from);
        free(err);
    }
}

/* Spawns `timeout ... argv` with stdout to out_fd and stderr to err_fd. */
static int spawn(char *const argv[], int out_fd, int err_fd, pid_t *pid)
{
    char *full[64] = {"timeout", "-k", "10", RUN_TIMEOUT_S};
    size_t n = 4;
    for (size_t i = 0; argv[i] != NULL; i++) {
        if (n + 1 >= sizeof(full) / sizeof(full[0]))
            return -E2BIG;
        full[n++] = argv[i];
    }
    full[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    int rc = posix_spawnp(pid, full[0], &fa, NULL, full, environ);
    posix_spawn_file_actions_destroy(&fa);
    return -rc;
}

/* A deleted temporary file for a child's stderr. */
static int temp_fd(void)
{
    char path[] = "/tmp/kring-it-stderr-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    return fd;
}

int kr_test_run(char *const argv[], char **out, size_t *out_len)
{
    int pipefd[2];
    int errfd = temp_fd();
    if (errfd < 0)
        return -errno;
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        close(errfd);
        return -errno;
    }
    pid_t pid;
    int rc = spawn(argv, pipefd[1], errfd, &pid);
    close(pipefd[1]);
    char *buf = NULL;
    size_t len = 0;
    int read_rc = rc == 0 ? read_all(pipefd[0], &buf, &len) : 0;
    close(pipefd[0]);
    int status = 0;
    while (rc == 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (rc == 0) {
        rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (rc != 0)
            report_failure(argv, rc, errfd);
        else
            rc = read_rc;
    }
    close(errfd);
    if (out != NULL && rc >= 0) {
        *out = buf;
        *out_len = len;
    } else {
        free(buf);
    }
    return rc;
}

/* ---- topics ---- */

int kr_test_create_topic(const char *topic, int partitions, const char *const *configs)
{
    const kr_testenv_t *e = kr_testenv();
    char parts[16], rf[16];
    snprintf(parts, sizeof(parts), "%d", partitions);
    snprintf(rf, sizeof(rf), "%d", e->brokers >= 3 ? 3 : 1);
    char *argv[40] = {
        "bash", (char *)e->cluster_sh, "create-topic", (char *)e->cluster, (char *)topic, parts,
        rf};
    size_t n = 7;
    for (size_t i = 0; configs != NULL && configs[i] != NULL && n < 39; i++)
        argv[n++] = (char *)configs[i];
    argv[n] = NULL;
    return kr_test_run(argv, NULL, NULL);
}

/* ---- kcat ---- */

/*
 * Parses one record of the format kr_test_kcat_consume() asks for:
 * "<partition> <offset> <timestamp> <keylen> <valuelen> <headers>\n<key><value>\n".
 * Advances *pos. Returns 0 or KR_EMALFORMED.
 */
static int parse_msg(char **pos, char *end, kr_test_msg_t *m)
{
    char *nl = memchr(*pos, '\n', (size_t)(end - *pos));
    if (nl == NULL)
        return KR_EMALFORMED;
    *nl = '\0';
    int used = -1;
    if (sscanf(*pos, "%" SCNd32 " %" SCNd64 " %" SCNd64 " %" SCNd32 " %" SCNd32 " %n",
               &m->partition, &m->offset, &m->timestamp, &m->key_len, &m->value_len, &used) != 5 ||
        used < 0)
        return KR_EMALFORMED;
    m->headers = *pos + used;
    size_t klen = m->key_len > 0 ? (size_t)m->key_len : 0;
    size_t vlen = m->value_len > 0 ? (size_t)m->value_len : 0;
    char *p = nl + 1;
    if (m->key_len < -1 || m->value_len < -1 || (size_t)(end - p) < klen + vlen + 1 ||
        p[klen + vlen] != '\n')
        return KR_EMALFORMED;
    m->key = (const uint8_t *)p;
    m->value = (const uint8_t *)p + klen;
    *pos = p + klen + vlen + 1;
    return 0;
}

/* Splits kcat's output into records. */
static int parse_msgs(kr_test_msgs_t *m)
{
    char *pos = m->raw, *end = m->raw + m->raw_len;
    size_t cap = 0;
    while (pos < end) {
        if (m->n == cap) {
            cap = cap ? cap * 2 : 64;
            kr_test_msg_t *v = realloc(m->v, cap * sizeof(*v));
            if (v == NULL)
                return -ENOMEM;
            m->v = v;
        }
        int rc = parse_msg(&pos, end, &m->v[m->n]);
        if (rc != 0)
            return rc;
        m->n++;
    }
    return 0;
}

int kr_test_kcat_consume(const char *topic, int32_t partition, kr_test_msgs_t *out)
{
    char part[16];
    snprintf(part, sizeof(part), "%" PRId32, partition);
    char *argv[] = {"kcat",
                    "-C",
                    "-q",
                    "-b",
                    (char *)kr_testenv()->bootstrap,
                    "-t",
                    (char *)topic,
                    "-p",
                    part,
                    "-o",
                    "beginning",
                    "-e",
                    "-X",
                    "check.crcs=true",
                    "-f",
                    "%p %o %T %K %S %h\\n%k%s\\n",
                    NULL};
    memset(out, 0, sizeof(*out));
    int rc = kr_test_run(argv, &out->raw, &out->raw_len);
    if (rc != 0)
        return rc;
    rc = parse_msgs(out);
    if (rc != 0)
        fprintf(stderr, "kcat output does not parse after %zu records\n", out->n);
    return rc;
}

void kr_test_msgs_free(kr_test_msgs_t *m)
{
    free(m->raw);
    free(m->v);
    memset(m, 0, sizeof(*m));
}

/* ---- DumpLogSegments ---- */

/* True if an earlier entry of dirs[0..n) has the same last path component as dirs[n]. */
static bool seen_partition(char **dirs, size_t n)
{
    const char *base = strrchr(dirs[n], '/');
    for (size_t i = 0; i < n; i++)
        if (strcmp(strrchr(dirs[i], '/'), base) == 0)
            return true;
    return false;
}

/* Appends the *.log files of dir to the comma-separated heap string *files. */
static int append_segments(const char *dir, char **files, size_t *len)
{
    char pattern[1024];
    snprintf(pattern, sizeof(pattern), "%s/*.log", dir);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0)
        return 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        size_t n = strlen(g.gl_pathv[i]);
        char *p = realloc(*files, *len + n + 2);
        if (p == NULL) {
            globfree(&g);
            return -ENOMEM;
        }
        *files = p;
        if (*len > 0)
            p[(*len)++] = ',';
        memcpy(p + *len, g.gl_pathv[i], n + 1);
        *len += n;
    }
    globfree(&g);
    return 0;
}

/*
 * The segments of topic/partition (every partition when -1) as a --files argument:
 * each partition from the first node directory (node1 first) that holds it. Returns a
 * heap string, or NULL if there is none.
 */
static char *find_segments(const char *topic, int32_t partition)
{
    char pattern[1024];
    const char *dir = kr_testenv()->cluster_dir;
    if (partition >= 0)
        snprintf(pattern, sizeof(pattern), "%s/node*/data/%s-%" PRId32, dir, topic, partition);
    else
        snprintf(pattern, sizeof(pattern), "%s/node*/data/%s-[0-9]*", dir, topic);
    glob_t dirs;
    if (glob(pattern, GLOB_ONLYDIR, NULL, &dirs) != 0)
        return NULL;
    char *files = NULL;
    size_t len = 0;
    int rc = 0;
    for (size_t i = 0; i < dirs.gl_pathc && rc == 0; i++)
        if (!seen_partition(dirs.gl_pathv, i))
            rc = append_segments(dirs.gl_pathv[i], &files, &len);
    globfree(&dirs);
    if (rc != 0) {
        free(files);
        return NULL;
    }
    return files;
}

/* The partition of a "Dumping <dir>/<topic>-<partition>/<segment>.log" line. */
static int32_t dumping_partition(const char *line)
{
    const char *slash = strrchr(line, '/');
    const char *p = slash;
    while (p != NULL && p > line && p[-1] != '-')
        p--;
    return p != NULL && p > line ? (int32_t)strtol(p, NULL, 10) : -1;
}

/* Appends one batch line of `partition` to b. */
static int add_batch_line(kr_test_batches_t *b, char *line, int32_t partition, size_t *cap)
{
    if (b->n == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        char **v = realloc(b->line, *cap * sizeof(*v));
        if (v != NULL)
            b->line = v;
        int32_t *q = realloc(b->partition, *cap * sizeof(*q));
        if (q != NULL)
            b->partition = q;
        if (v == NULL || q == NULL)
            return -ENOMEM;
    }
    b->line[b->n] = line;
    b->partition[b->n++] = partition;
    return 0;
}

/* Keeps the lines of b->raw that describe a batch, with the partition dumped. */
static int collect_batch_lines(kr_test_batches_t *b)
{
    size_t cap = 0;
    int32_t partition = -1;
    char *save = NULL;
    for (char *line = strtok_r(b->raw, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "Dumping ", 8) == 0)
            partition = dumping_partition(line);
        if (strncmp(line, "baseOffset:", 11) != 0)
            continue;
        int rc = add_batch_line(b, line, partition, &cap);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int kr_test_dump_batches(const char *topic, int32_t partition, kr_test_batches_t *out)
{
    memset(out, 0, sizeof(*out));
    char *files = find_segments(topic, partition);
    if (files == NULL)
        return -ENOENT;
    char *argv[] = {(char *)kr_testenv()->kafka_tool,
                    "kafka.tools.DumpLogSegments",
                    "--deep-iteration",
                    "--files",
                    files,
                    NULL};
    size_t len;
    int rc = kr_test_run(argv, &out->raw, &len);
    free(files);
    if (rc == 0)
        rc = collect_batch_lines(out);
    return rc;
}

void kr_test_batches_free(kr_test_batches_t *b)
{
    free(b->raw);
    free(b->line);
    free(b->partition);
    memset(b, 0, sizeof(*b));
}

int kr_test_batch_field(const char *line, const char *name, char *buf, size_t cap)
{
    size_t nlen = strlen(name);
    for (const char *p = line; (p = strstr(p, name)) != NULL; p += nlen) {
        if ((p != line && p[-1] != ' ') || strncmp(p + nlen, ": ", 2) != 0)
            continue;
        const char *v = p + nlen + 2;
        size_t vlen = strcspn(v, " ");
        if (vlen >= cap)
            vlen = cap - 1;
        memcpy(buf, v, vlen);
        buf[vlen] = '\0';
        return 0;
    }
    return -ENOENT;
}

/* ---- GetOffsetShell ---- */

int64_t kr_test_log_end_offset(const char *topic, int32_t partition)
{
    char part[16];
    snprintf(part, sizeof(part), "%" PRId32, partition);
    char *argv[] = {(char *)kr_testenv()->kafka_tool,
                    "org.apache.kafka.tools.GetOffsetShell",
                    "--bootstrap-server",
                    (char *)kr_testenv()->bootstrap,
                    "--topic",
                    (char *)topic,
                    "--partitions",
                    part,
                    NULL};
    char *out = NULL;
    size_t len;
    if (kr_test_run(argv, &out, &len) != 0)
        return -1;
    /* One line: "<topic>:<partition>:<offset>". */
    char *colon = strrchr(out, ':');
    int64_t off = colon != NULL ? strtoll(colon + 1, NULL, 10) : -1;
    free(out);
    return off;
}
