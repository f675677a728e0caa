package dev.inferq.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Starts the real broker and redis-server child processes, uses them, stops them and checks nothing is left. */
class InfrastructureProcessesIT {

    @TempDir
    Path tmp;

    @Test
    @Timeout(60)
    void brokerAndRedisStartAnswerAndLeaveNothingBehind() throws Exception {
        KafkaBroker kafka = null;
        RedisServerProcess redis = null;
        try {
            redis = RedisServerProcess.builder().port(0).dir(tmp.resolve("redis")).start();
            kafka = KafkaBroker.builder().port(0).dir(tmp.resolve("kafka")).start();

            assertEquals("+PONG", RedisServerProcess.ping("127.0.0.1", redis.port(), Duration.ofSeconds(2)));
            assertEquals(List.of("maxmemory-policy", "noeviction", "maxmemory", "1073741824"),
                    configGet(redis.port(), "maxmemory-policy", "maxmemory"),
                    "a capped Redis that refuses writes rather than evicting a job's record");
            roundTrip(kafka.bootstrapServers());
        } finally {
            long kafkaPid = kafka == null ? -1 : kafka.process().pid();
            long redisPid = redis == null ? -1 : redis.process().pid();
            if (kafka != null) {
                kafka.stop(Duration.ofSeconds(15));
            }
            if (redis != null) {
                redis.stop(Duration.ofSeconds(5));
            }
            if (kafka != null) {
                assertGone(kafkaPid);
                assertTrue(Ports.awaitFree(kafka.port(), Duration.ofSeconds(2)), "kafka port still busy");
                assertTrue(Ports.awaitFree(kafka.controllerPort(), Duration.ofSeconds(2)), "controller port busy");
            }
            if (redis != null) {
                assertGone(redisPid);
                assertTrue(Ports.awaitFree(redis.port(), Duration.ofSeconds(2)), "redis port still busy");
            }
        }
    }

    @Test
    @Timeout(30)
    void processThatDiesEarlyFailsReadinessWithItsLog() {
        ManagedProcess p = ManagedProcess.builder("doomed")
                .command(List.of("sh", "-c", "echo boom-cause; exit 3"))
                .logFile(tmp.resolve("doomed.log"))
                .start();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> p.awaitHealthUp(java.net.URI.create("http://127.0.0.1:" + Ports.freePort() + "/"),
                        Duration.ofSeconds(20)));
        assertTrue(e.getMessage().contains("doomed exited with code 3"), e.getMessage());
        assertTrue(e.getMessage().contains("boom-cause"), e.getMessage());
    }

    @Test
    @Timeout(30)
    void stopEscalatesToKillAndTakesDescendants() {
        // The shell ignores SIGTERM and has a child; stop must still leave neither behind.
        ManagedProcess p = ManagedProcess.builder("stubborn")
                .command(List.of("sh", "-c", "trap '' TERM; sleep 600 & wait; wait"))
                .logFile(tmp.resolve("stubborn.log"))
                .start();
        awaitDescendant(p);
        List<ProcessHandle> children = ProcessHandle.of(p.pid()).orElseThrow().descendants().toList();
        p.stop(Duration.ofMillis(500));
        assertFalse(p.isAlive());
        children.forEach(c -> assertGone(c.pid()));
    }

    private static void awaitDescendant(ManagedProcess p) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ProcessHandle.of(p.pid()).map(h -> h.descendants().count()).orElse(0L) == 0) {
            assertTrue(System.nanoTime() < deadline, "no child process appeared");
            Thread.onSpinWait();
        }
    }

    private static void roundTrip(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            assertEquals(1, admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size());
            admin.createTopics(List.of(new NewTopic("launcher-check", 4, (short) 1))).all().get(10, TimeUnit.SECONDS);
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>("launcher-check", "k", "hello")).get(10, TimeUnit.SECONDS);
        }
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "launcher-check");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of("launcher-check"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    assertEquals("hello", records.iterator().next().value());
                    return;
                }
            }
            throw new AssertionError("message not consumed within 20 s");
        }
    }

    private static void assertGone(long pid) {
        assertTrue(ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "process " + pid + " still alive");
    }

    /** The values of {@code CONFIG GET} for each name, as name, value, name, value. */
    private static List<String> configGet(int port, String... names) throws IOException {
        List<String> answer = new ArrayList<>();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            for (String name : names) {
                socket.getOutputStream().write(("CONFIG GET " + name + "\r\n").getBytes(StandardCharsets.US_ASCII));
                in.readLine(); // *2
                for (int field = 0; field < 2; field++) {
                    in.readLine(); // $length
                    answer.add(in.readLine());
                }
            }
        }
        return answer;
    }
}
