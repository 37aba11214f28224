/*
 * A Kafka sink that costs the producer nothing: librdkafka's mock cluster
 * (rdkafka_mock.h), run as its own process so its CPU is not counted against the
 * producer under test.
 *
 *   kr_mock_sink [--brokers N] [--topic NAME:PARTITIONS]... [--port-file FILE]
 *
 * Prints "BOOTSTRAP host:port,..." on stdout (and to --port-file), then serves until
 * SIGTERM/SIGINT or stdin closes with --stdin-eof.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: kr_mock_sink [--brokers N] [--topic NAME:PARTITIONS]... "
                    "[--port-file FILE]\n");
    return 2;
}

int main(int argc, char **argv)
{
    int brokers = 1;
    const char *port_file = NULL;
    const char *topics[1024];
    int topic_cnt = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--brokers") == 0 && i + 1 < argc)
            brokers = atoi(argv[++i]);
        else if (strcmp(argv[i], "--topic") == 0 && i + 1 < argc && topic_cnt < 1024)
            topics[topic_cnt++] = argv[++i];
        else if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc)
            port_file = argv[++i];
        else
            return usage();
    }
    if (brokers < 1 || brokers > 1000)
        return usage();
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "kr_mock_sink: %s\n", errstr);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (mc == NULL) {
        fprintf(stderr, "kr_mock_sink: cannot create the mock cluster\n");
        return 1;
    }
    for (int i = 0; i < topic_cnt; i++) {
        char name[256];
        snprintf(name, sizeof(name), "%s", topics[i]);
        char *colon = strrchr(name, ':');
        int parts = colon ? atoi(colon + 1) : 1;
        if (colon)
            *colon = '\0';
        if (parts < 1 || rd_kafka_mock_topic_create(mc, name, parts, 1) != 0) {
            fprintf(stderr, "kr_mock_sink: cannot create topic %s\n", topics[i]);
            return 1;
        }
    }
    const char *bs = rd_kafka_mock_cluster_bootstraps(mc);
    printf("BOOTSTRAP %s\n", bs);
    fflush(stdout);
    if (port_file != NULL) {
        FILE *f = fopen(port_file, "w");
        if (f != NULL) {
            fprintf(f, "%s\n", bs);
            fclose(f);
        }
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    while (!stop)
        pause();
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
