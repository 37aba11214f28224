/*
 * The integration tests' view of the test cluster and of the independent tools that
 * check what the broker stored: the environment tests/cluster/cluster.sh env prints,
 * running a command and capturing its output, creating topics, reading a partition
 * back with kcat, Kafka's DumpLogSegments and GetOffsetShell.
 *
 * Everything here may allocate (tests are not the hot path); results are owned by
 * the caller and released with the matching _free(). A tool that fails prints its
 * command line and its stderr to the test's stderr.
 */
#ifndef KR_TESTENV_H
#define KR_TESTENV_H

#include <stddef.h>
#include <stdint.h>

/* ctest's SKIP_RETURN_CODE: the one prerequisite missing is the cluster itself. */
#define KR_TEST_SKIP 77

typedef struct kr_testenv {
    const char *bootstrap;   /* KR_TEST_BOOTSTRAP: host:port[,host:port...] */
    const char *cluster_dir; /* KR_TEST_CLUSTER_DIR: node<i>/data are the log dirs */
    const char *kafka_tool;  /* KR_TEST_KAFKA_TOOL: kafka-tool.sh */
    const char *cluster_sh;  /* KR_TEST_CLUSTER_SH: cluster.sh */
    const char *cluster;     /* KR_TEST_CLUSTER: single | three */
    char first_broker[256];  /* the first host:port of bootstrap */
    int brokers;             /* how many host:port bootstrap lists */
} kr_testenv_t;

/*
 * Loads the environment once. Exits KR_TEST_SKIP if KR_TEST_BOOTSTRAP is unset, and 1
 * (a failure, not a skip) if it is set but another variable is missing. Call it from
 * main() before running the tests.
 */
void kr_testenv_init(void);

/* The loaded environment (kr_testenv_init() must have run). */
const kr_testenv_t *kr_testenv(void);

/* Current wall-clock time in milliseconds since the epoch. */
int64_t kr_test_now_ms(void);

/* Writes "kring-it-<what>-<pid>-<ms>" into buf: a topic name unique to this run. */
void kr_test_topic_name(char *buf, size_t cap, const char *what);

/*
 * Runs argv (argv[0] looked up in PATH, no shell) under a 180 s `timeout`, stdin
 * from /dev/null. Captures stdout into *out (NUL-terminated, *out_len bytes without
 * the NUL; free() it); stderr is kept aside and printed only when the command fails.
 * out may be NULL to discard stdout. Returns the exit status (0..255), or a negative
 * errno if the command could not be run.
 */
int kr_test_run(char *const argv[], char **out, size_t *out_len);

/*
 * Creates a topic with `partitions` partitions, replication factor 1 on a single
 * broker and 3 on three, and the given "k=v" topic configs (NULL-terminated, may be
 * NULL), with cluster.sh create-topic (which waits for leaders). Returns 0 or the
 * failing status.
 */
int kr_test_create_topic(const char *topic, int partitions, const char *const *configs);

/* One record as kcat printed it. key and value borrow kr_test_msgs_t.raw. */
typedef struct kr_test_msg {
    int32_t partition;
    int64_t offset;
    int64_t timestamp;
    int32_t key_len; /* -1: null key */
    const uint8_t *key;
    int32_t value_len; /* -1: null value */
    const uint8_t *value;
    const char *headers; /* kcat's rendering: "k=v,k2=NULL,k3=", "" for none */
} kr_test_msg_t;

typedef struct kr_test_msgs {
    char *raw; /* kcat's output, with the header texts NUL-terminated in place */
    size_t raw_len;
    kr_test_msg_t *v;
    size_t n;
} kr_test_msgs_t;

/*
 * Reads topic/partition from the beginning to its end with kcat (librdkafka, with
 * check.crcs=true), binary-safe: lengths first, then raw key and value bytes. kcat
 * prints headers as text: header keys and values in the tests avoid ',', '=', '\n'
 * and the value "NULL", which kcat prints for a null value. Returns 0, a kcat exit
 * status, or KR_EMALFORMED if the output does not parse. Free with kr_test_msgs_free().
 */
int kr_test_kcat_consume(const char *topic, int32_t partition, kr_test_msgs_t *out);
void kr_test_msgs_free(kr_test_msgs_t *m);

/* The batch lines ("baseOffset: ... isvalid: true") DumpLogSegments printed. */
typedef struct kr_test_batches {
    char *raw;          /* the tool's output, lines NUL-terminated in place */
    char **line;        /* the batch lines, in log order per partition */
    int32_t *partition; /* the partition of each line */
    size_t n;
} kr_test_batches_t;

/*
 * Runs kafka.tools.DumpLogSegments --deep-iteration, in one JVM, over every segment of
 * topic/partition, or of every partition of the topic when partition is -1; each
 * partition is read from the first node directory under the cluster dir that holds
 * it. Collects the batch lines. Returns 0, the tool's exit status, or -ENOENT if no
 * segment exists. Free with kr_test_batches_free().
 */
int kr_test_dump_batches(const char *topic, int32_t partition, kr_test_batches_t *out);
void kr_test_batches_free(kr_test_batches_t *b);

/*
 * Copies the value of field `name` ("compresscodec", "isvalid", "count", ...) of a
 * DumpLogSegments batch line into buf. Returns 0, or -ENOENT if the line has no such
 * field.
 */
int kr_test_batch_field(const char *line, const char *name, char *buf, size_t cap);

/*
 * The log end offset of topic/partition from Kafka's GetOffsetShell (a ListOffsets
 * request from the Java client). Returns it, or -1 on failure.
 */
int64_t kr_test_log_end_offset(const char *topic, int32_t partition);

#endif
