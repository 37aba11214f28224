/*
 * An independent Java reader for kring's exactness checks (verify-topic.sh compiles it at
 * test time against the kafka-clients jar of tests/cluster/libs/<version>).
 *
 * Reads every partition of a topic from its log start to the end offsets taken when it
 * starts (read_uncommitted: the high watermark), with no consumer group and no commits, and
 * prints:
 *   count N
 *   partition P count C first F last L      (one line per partition; F/L -1 when empty)
 *   ids D distinct, duplicates X, without-id W, out-of-range R
 *   duplicate id I at pP@O and pP@O          (at most 10 lines)
 * A record's id is the number in a value that starts with {"id":N (tests/engine/verify.py's
 * format). With --expect N it checks: count == N, no duplicate id, and, if every record
 * carries an id, every id in 0..N-1 (so all N are present).
 *
 * usage: KrVerify --bootstrap HOST:PORT[,...] --topic T [--config FILE] [--expect N]
 *                 [--timeout-ms MS]
 * --config FILE is a Kafka client-properties file (security.protocol, ssl.*, sasl.*).
 * Exit 0 if every check holds, 1 if one fails or the end is not reached in time, 2 on
 * bad usage or when the topic cannot be read.
 */

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class KrVerify {
    private static final int SHOW = 10;
    private static final byte[] ID_PREFIX = "{\"id\":".getBytes(StandardCharsets.US_ASCII);

    private String bootstrap;
    private String topic;
    private String config;
    private long expect = -1;
    private long timeoutMs = 60000;

    private long count;
    private long withoutId;
    private long outOfRange;
    private long duplicates;
    private final Map<Long, String> where = new HashMap<>();
    private final List<String> shown = new ArrayList<>();

    public static void main(String[] args) {
        KrVerify v = new KrVerify();
        String err = v.parse(args);
        if (err != null) {
            System.err.println("KrVerify: " + err);
            System.err.println("usage: KrVerify --bootstrap B --topic T [--config FILE]"
                    + " [--expect N] [--timeout-ms MS]");
            System.exit(2);
        }
        try {
            System.exit(v.run());
        } catch (IOException | RuntimeException e) {
            System.err.println("KrVerify: cannot read " + v.topic + ": " + e);
            System.exit(2);
        }
    }

    private String parse(String[] a) {
        try {
            for (int i = 0; i < a.length; i += 2) {
                if (i + 1 >= a.length) {
                    return "option " + a[i] + " needs a value";
                }
                switch (a[i]) {
                    case "--bootstrap": bootstrap = a[i + 1]; break;
                    case "--topic": topic = a[i + 1]; break;
                    case "--config": config = a[i + 1]; break;
                    case "--expect": expect = Long.parseLong(a[i + 1]); break;
                    case "--timeout-ms": timeoutMs = Long.parseLong(a[i + 1]); break;
                    default: return "unknown option " + a[i];
                }
            }
        } catch (NumberFormatException e) {
            return "not a number: " + e.getMessage();
        }
        if (bootstrap == null || topic == null) {
            return "--bootstrap and --topic are required";
        }
        return null;
    }

    private Properties props() throws IOException {
        Properties p = new Properties();
        if (config != null) {
            try (InputStream in = new FileInputStream(config)) {
                p.load(in);
            }
        }
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return p;
    }

    private int run() throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props())) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofMillis(timeoutMs));
            if (infos == null || infos.isEmpty()) {
                System.err.println("KrVerify: topic " + topic + " not found");
                return 2;
            }
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo pi : infos) {
                tps.add(new TopicPartition(topic, pi.partition()));
            }
            tps.sort((x, y) -> Integer.compare(x.partition(), y.partition()));
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofMillis(timeoutMs));
            long[][] seen = new long[tps.size()][3]; /* count, first, last */
            for (long[] s : seen) {
                s[1] = -1;
                s[2] = -1;
            }
            while (!done(c, tps, end)) {
                if (System.currentTimeMillis() > deadline) {
                    System.err.println("KrVerify: end offsets " + end + " not reached in "
                            + timeoutMs + " ms");
                    return 1;
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    long[] s = seen[tps.indexOf(new TopicPartition(r.topic(), r.partition()))];
                    s[0]++;
                    if (s[1] < 0) {
                        s[1] = r.offset();
                    }
                    s[2] = r.offset();
                    record(r);
                }
            }
            return report(tps, seen);
        }
    }

    private static boolean done(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> tps,
                                Map<TopicPartition, Long> end) {
        for (TopicPartition tp : tps) {
            if (c.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }

    private void record(ConsumerRecord<byte[], byte[]> r) {
        count++;
        long id = parseId(r.value());
        String at = "p" + r.partition() + "@" + r.offset();
        if (id < 0) {
            withoutId++;
            return;
        }
        if (expect >= 0 && id >= expect) {
            outOfRange++;
        }
        String before = where.putIfAbsent(id, at);
        if (before != null) {
            duplicates++;
            if (shown.size() < SHOW) {
                shown.add("duplicate id " + id + " at " + before + " and " + at);
            }
        }
    }

    /* The id of a value that starts with {"id":DIGITS, else -1. */
    private static long parseId(byte[] v) {
        if (v == null || v.length <= ID_PREFIX.length) {
            return -1;
        }
        for (int i = 0; i < ID_PREFIX.length; i++) {
            if (v[i] != ID_PREFIX[i]) {
                return -1;
            }
        }
        long id = 0;
        int i = ID_PREFIX.length;
        for (; i < v.length && v[i] >= '0' && v[i] <= '9' && i < ID_PREFIX.length + 18; i++) {
            id = id * 10 + (v[i] - '0');
        }
        return i == ID_PREFIX.length ? -1 : id;
    }

    private int report(List<TopicPartition> tps, long[][] seen) {
        System.out.println("count " + count);
        for (int i = 0; i < tps.size(); i++) {
            System.out.println("partition " + tps.get(i).partition() + " count " + seen[i][0]
                    + " first " + seen[i][1] + " last " + seen[i][2]);
        }
        System.out.println("ids " + where.size() + " distinct, duplicates " + duplicates
                + ", without-id " + withoutId + ", out-of-range " + outOfRange);
        for (String s : shown) {
            System.out.println(s);
        }
        if (expect < 0) {
            return 0;
        }
        boolean ok = true;
        if (count != expect) {
            System.out.println("FAIL: count " + count + ", expected " + expect);
            ok = false;
        }
        if (duplicates > 0) {
            System.out.println("FAIL: " + duplicates + " duplicate id(s)");
            ok = false;
        }
        if (withoutId == 0 && count > 0 && (outOfRange > 0 || where.size() != expect)) {
            System.out.println("FAIL: ids are not exactly 0.." + (expect - 1) + " ("
                    + where.size() + " distinct, " + outOfRange + " out of range)");
            ok = false;
        }
        System.out.println(ok ? "OK" : "FAIL");
        return ok ? 0 : 1;
    }
}
