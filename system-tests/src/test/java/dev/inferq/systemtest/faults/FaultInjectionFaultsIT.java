package dev.inferq.systemtest.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.job.JobNames;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.launcher.ManagedProcess;
import dev.inferq.launcher.Supervised;
import dev.inferq.testsupport.TestImages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fault injection on real processes ({@code ./mvnw -B verify -Pfaults}): each scenario crashes or restarts a part of
 * the platform during a burst of jobs and ends with a {@code faults: scenario=...} line. Every accepted job must reach
 * a terminal state (lost=0) and no terminal state may change afterwards (duplicated=0).
 */
@Timeout(600)
class FaultInjectionFaultsIT {

    private static final AtomicLong JOBS = new AtomicLong();

    @Test
    void workerKilledMidBurstLosesNothing() throws Exception {
        try (FaultCluster cluster = new FaultCluster("worker-sigkill")) {
            ManagedProcess doomed = cluster.startWorker("worker-a", "sentiment");
            JobLedger ledger = new JobLedger("worker-sigkill", cluster.gatewayUrl());

            AtomicInteger sent = new AtomicInteger();
            runBurst(4, Duration.ofSeconds(9), Duration.ofMillis(20), () -> {
                ledger.submit("sentiment", texts());
                if (sent.incrementAndGet() == 100) {
                    doomed.kill();
                }
            });
            cluster.startWorker("worker-b", "sentiment");
            ledger.awaitTerminal(Duration.ofSeconds(180));

            ledger.report();
            assertThat(doomed.isAlive()).isFalse();
            // With no live worker the backlog grows: refusals, if any, are backpressure (429), nothing else.
            assertThat(ledger.accepted()).isPositive();
            assertThat(ledger.answersOtherThan(202, 429)).isZero();
            assertThat(ledger.lost()).isZero();
            assertThat(ledger.duplicated()).isZero();
        }
    }

    @Test
    void twoWorkersAndTwoGatewaysShareABurstAndLoseNothingWhenOneWorkerDies() throws Exception {
        try (FaultCluster cluster = new FaultCluster("two-workers")) {
            ManagedProcess doomed = cluster.startWorker("worker-a", "sentiment");
            ManagedProcess survivor = cluster.startWorker("worker-b", "sentiment");
            String secondGateway = cluster.startGateway("gateway-b");
            JobLedger ledger = new JobLedger("two-workers", cluster.gatewayUrl(), secondGateway);

            AtomicInteger sent = new AtomicInteger();
            runBurst(4, Duration.ofSeconds(11), Duration.ofMillis(20), () -> {
                ledger.submit("sentiment", texts());
                // Early in the burst: its length is what the machine submits in 11 s, 280 to 900 jobs on two cores.
                if (sent.incrementAndGet() == 100) {
                    doomed.kill();
                }
            });
            ledger.awaitTerminal(Duration.ofSeconds(180));

            ledger.report();
            assertThat(doomed.isAlive()).isFalse();
            assertThat(survivor.isAlive()).isTrue();
            assertThat(ledger.answersOtherThan(202, 429)).isZero();
            assertThat(ledger.lost()).isZero();
            assertThat(ledger.duplicated()).isZero();
            Map<String, Long> perWorker = ledger.jobsPerWorker();
            System.out.println("faults: scenario=two-workers jobs_per_worker=" + perWorker);
            assertThat(perWorker).as("jobs run by each worker").hasSize(2)
                    .allSatisfy((worker, jobs) -> assertThat(jobs).isPositive());
        }
    }

    @Test
    void kafkaRestartDuringSubmitsCompletesEveryAcceptedJob() throws Exception {
        restartDuringBurst("kafka-restart", Duration.ofSeconds(18),
                cluster -> cluster.restartKafka(Duration.ofSeconds(5)));
    }

    @Test
    void redisRestartDuringABurstCompletesEveryAcceptedJob() throws Exception {
        restartDuringBurst("redis-restart", Duration.ofSeconds(14),
                cluster -> cluster.restartRedis(Duration.ofSeconds(3)));
    }

    /** Submits for {@code length} while {@code restart} runs 6 s in; every 202 must complete, every refusal be a 503. */
    private static void restartDuringBurst(String scenario, Duration length, Restart restart) throws Exception {
        try (FaultCluster cluster = new FaultCluster(scenario)) {
            cluster.startWorker("worker", "sentiment");
            JobLedger ledger = new JobLedger(scenario, cluster.gatewayUrl());

            ExecutorService fault = Executors.newSingleThreadExecutor();
            Future<?> restarted = fault.submit(() -> {
                Thread.sleep(6_000);
                restart.apply(cluster);
                return null;
            });
            runBurst(4, length, Duration.ofMillis(50), () -> ledger.submit("sentiment", texts()));
            restarted.get(120, TimeUnit.SECONDS);
            fault.shutdown();
            ledger.awaitTerminal(Duration.ofSeconds(180));

            ledger.report();
            assertThat(ledger.accepted()).isPositive();
            assertThat(ledger.answersOtherThan(202, 503)).as("every refusal is a 503").isZero();
            assertThat(ledger.lost()).isZero();
            assertThat(ledger.duplicated()).isZero();
        }
    }

    /** A fault applied to a running cluster. */
    @FunctionalInterface
    private interface Restart {
        void apply(FaultCluster cluster) throws InterruptedException;
    }

    @Test
    void poisonJobsEndFailedWithACopyInTheDeadLetterTopic() throws Exception {
        try (FaultCluster cluster = new FaultCluster("poison")) {
            cluster.startWorker("worker", "image");
            JobLedger ledger = new JobLedger("poison", cluster.gatewayUrl());
            Set<String> poisoned = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                ledger.submitImage("image", "image/png", TestImages.png(64 + i, 48));
                poisoned.add(ledger.submitImage("image", "image/png", corruptPng(i)));
            }
            ledger.awaitTerminal(Duration.ofSeconds(120));

            ledger.report();
            assertThat(ledger.lost()).isZero();
            assertThat(ledger.duplicated()).isZero();
            assertThat(ledger.endedWith("FAILED")).isEqualTo(poisoned);
            assertThat(ledger.endedWith("SUCCEEDED")).hasSize(10);
            assertThat(deadLetterKeys(cluster, JobNames.deadLetterTopic("image"), poisoned.size()))
                    .containsAll(poisoned);
        }
    }

    @Test
    void expiredAndCancelledJobsNeverRun() throws Exception {
        try (FaultCluster cluster = new FaultCluster("expired-cancelled")) {
            JobLedger ledger = new JobLedger("expired-cancelled", cluster.gatewayUrl());
            Set<String> expiring = new HashSet<>();
            Set<String> cancelled = new HashSet<>();
            Set<String> normal = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                expiring.add(ledger.submit("sentiment", "{\"inputs\": [\"soon stale\"], \"timeout_s\": 1}"));
                String doomed = ledger.submit("sentiment", texts());
                assertThat(ledger.cancel(doomed)).isTrue();
                cancelled.add(doomed);
                normal.add(ledger.submit("sentiment", texts()));
            }
            // No worker has seen any of them yet: the deadlines pass while the jobs wait in the queue.
            Thread.sleep(2_000);
            cluster.startWorker("worker", "sentiment");
            ledger.awaitTerminal(Duration.ofSeconds(120));

            ledger.report();
            assertThat(ledger.lost()).isZero();
            assertThat(ledger.duplicated()).isZero();
            assertThat(ledger.endedWith("EXPIRED")).isEqualTo(expiring);
            assertThat(ledger.endedWith("CANCELLED")).isEqualTo(cancelled);
            assertThat(ledger.endedWith("SUCCEEDED")).isEqualTo(normal);
            for (String id : expiring) {
                assertThat(ledger.terminalState(id).path("predictions").isNull()).as("expired job ran").isTrue();
            }
            for (String id : cancelled) {
                assertThat(ledger.terminalState(id).path("predictions").isNull()).as("cancelled job ran").isTrue();
            }
        }
    }

    @Test
    void aJobThatCrashesItsWorkerEndsFailedAfterMaxDeliveriesWhileTheOthersComplete() throws Exception {
        String crash = "this input crashes the worker";
        try (FaultCluster cluster = new FaultCluster("crash-loop")) {
            Supervised worker = cluster.startSupervisedWorker("worker", "sentiment",
                    List.of("--inferq.worker.crash-on-input=" + crash, "--inferq.worker.max-deliveries=3"));
            JobLedger ledger = new JobLedger("crash-loop", cluster.gatewayUrl());
            Set<String> normal = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                normal.add(ledger.submit("sentiment", texts()));
            }
            String poison = ledger.submit("sentiment", "{\"inputs\": [\"fine\", \"" + crash + "\"]}");
            for (int i = 0; i < 10; i++) {
                normal.add(ledger.submit("sentiment", texts()));
            }
            ledger.awaitTerminal(Duration.ofSeconds(300));

            ledger.report();
            assertThat(ledger.lost()).isZero();
            assertThat(ledger.duplicated()).isZero();
            assertThat(poison).isNotNull();
            assertThat(ledger.endedWith("FAILED")).containsExactly(poison);
            assertThat(ledger.endedWith("SUCCEEDED")).isEqualTo(normal);
            assertThat(ledger.terminalState(poison).path("error").asString())
                    .contains("started 3 times").contains("max-deliveries");
            assertThat(ledger.terminalState(poison).path("error_code").asString())
                    .isEqualTo(ErrorCodes.GIVEN_UP_AFTER_DELIVERIES);
            // One crash per start the limit allows; the fourth delivery fails the job without running it.
            assertThat(worker.restarts()).isEqualTo(3);
            assertThat(deadLetterKeys(cluster, JobNames.deadLetterTopic("sentiment"), 1)).contains(poison);
        }
    }

    /**
     * Four texts for one job, never sent before: the response cache would answer a repeated job without a forward
     * pass, and each scenario means to run its jobs through the workers it crashes and restarts.
     */
    private static String texts() {
        long job = JOBS.incrementAndGet();
        return "{\"inputs\": [\"the river burst its banks " + job + "\", \"lovely evening\", \"fire on the hill\","
                + " \"meh " + job + "\"]}";
    }

    /**
     * A real PNG's signature and header chunk followed by bytes no decoder accepts: passes the gateway's image policy
     * (which reads headers only), fails in the worker when it decodes the pixels.
     */
    private static byte[] corruptPng(int seed) {
        byte[] header = Arrays.copyOf(TestImages.png(32, 32), 33);
        byte[] bytes = Arrays.copyOf(header, 256);
        byte[] noise = new byte[bytes.length - header.length];
        new Random(seed).nextBytes(noise);
        System.arraycopy(noise, 0, bytes, header.length, noise.length);
        return bytes;
    }

    private static Set<String> deadLetterKeys(FaultCluster cluster, String topic, int atLeast) {
        Set<String> keys = new HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "faults-dlt-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (keys.size() < atLeast && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(record -> keys.add(record.key()));
            }
        }
        return keys;
    }

    /** Runs {@code action} from {@code threads} threads, each pausing {@code pause} between calls, for {@code length}. */
    private static void runBurst(int threads, Duration length, Duration pause, Runnable action) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long end = System.nanoTime() + length.toNanos();
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            running.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    action.run();
                    Thread.sleep(pause.toMillis());
                }
                return null;
            }));
        }
        for (Future<?> future : running) {
            future.get(length.toSeconds() + 120, TimeUnit.SECONDS);
        }
        pool.shutdown();
    }
}
