package dev.inferq.systemtest.faults;

import static dev.inferq.systemtest.faults.Bursts.inParallel;
import static dev.inferq.systemtest.faults.Bursts.runBurst;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobNames;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.launcher.ManagedProcess;
import dev.inferq.launcher.Supervised;
import dev.inferq.testsupport.TestImages;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fault injection on real processes ({@code ./mvnw -B verify -Pfaults}): each scenario crashes or restarts a part of
 * the platform during a burst of jobs and ends with a {@code faults: scenario=...} line. Every accepted job must reach
 * a terminal state (lost=0) and no terminal state may change afterwards (duplicated=0).
 *
 * <p>The scenarios share one cluster: Kafka, Redis and a gateway, restarted only where a scenario restarts them, and
 * a worker serving {@code image} and {@code disaster}, the models of the scenarios that leave their worker alive.
 * Each scenario's own workers (every {@code sentiment} worker, which one scenario kills, one crashes, one must not
 * see its jobs yet) and its second gateway are stopped after it.
 */
@Timeout(600)
class FaultInjectionFaultsIT {

    private static final AtomicLong JOBS = new AtomicLong();
    private static FaultCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new FaultCluster("fault-injection");
        cluster.startWorker("worker-image-disaster", "image,disaster");
    }

    @AfterEach
    void stopTheScenariosProcesses() {
        cluster.endScenario();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void workerKilledMidBurstLosesNothing() throws Exception {
        cluster.beginScenario("worker-sigkill");
        ManagedProcess doomed = cluster.startWorker("worker-a", "sentiment");
        JobLedger ledger = new JobLedger("worker-sigkill", cluster.gatewayUrl());

        CompletableFuture<ManagedProcess> replacement = new CompletableFuture<>();
        AtomicInteger sent = new AtomicInteger();
        runBurst(4, Duration.ofSeconds(9), Duration.ofMillis(20), () -> {
            ledger.submit("sentiment", texts());
            if (sent.incrementAndGet() == 100) {
                doomed.kill();
                // Started on the death, as a supervisor would: the burst goes on while it loads its model.
                replacement.completeAsync(() -> cluster.startWorker("worker-b", "sentiment"));
            }
        });
        assertThat(replacement.get(180, TimeUnit.SECONDS).isAlive()).as("the replacement worker").isTrue();
        ledger.awaitTerminal(Duration.ofSeconds(180));

        ledger.report();
        assertThat(doomed.isAlive()).isFalse();
        // With no live worker the backlog grows: refusals, if any, are backpressure (429), nothing else.
        assertThat(ledger.accepted()).isPositive();
        assertThat(ledger.answersOtherThan(202, 429)).isZero();
        assertThat(ledger.lost()).isZero();
        assertThat(ledger.duplicated()).isZero();
    }

    @Test
    void twoWorkersAndTwoGatewaysShareABurstAndLoseNothingWhenOneWorkerDies() throws Exception {
        cluster.beginScenario("two-workers");
        List<Object> started = inParallel(() -> cluster.startWorker("worker-a", "sentiment"),
                () -> cluster.startWorker("worker-b", "sentiment"), () -> cluster.startGateway("gateway-b"));
        ManagedProcess doomed = (ManagedProcess) started.get(0);
        ManagedProcess survivor = (ManagedProcess) started.get(1);
        JobLedger ledger = new JobLedger("two-workers", cluster.gatewayUrl(), (String) started.get(2));

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

    @Test
    void kafkaRestartDuringSubmitsCompletesEveryAcceptedJob() throws Exception {
        restartDuringBurst("kafka-restart", running -> running.restartKafka(Duration.ofSeconds(5)));
    }

    @Test
    void redisRestartDuringABurstCompletesEveryAcceptedJob() throws Exception {
        restartDuringBurst("redis-restart", running -> running.restartRedis(Duration.ofSeconds(3)));
    }

    /**
     * Submits {@code disaster} jobs (the shared worker's: it lives through the restart) while {@code restart} runs,
     * once 40 jobs are accepted, and for 5 s after it (the clients reconnect within them); every 202 must complete,
     * every refusal be a 503.
     */
    private static void restartDuringBurst(String scenario, Restart restart) throws Exception {
        cluster.beginScenario(scenario);
        JobLedger ledger = new JobLedger(scenario, cluster.gatewayUrl());

        AtomicLong restartedAt = new AtomicLong();
        CompletableFuture<Void> restarted = CompletableFuture.runAsync(() -> {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> ledger.accepted() >= 40);
            try {
                restart.apply(cluster);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            restartedAt.set(System.nanoTime());
        });
        // Jobs before, during and after the restart; a failed restart (restartedAt 0) ends the burst and fails below.
        runBurst(4, () -> restarted.isDone()
                        && (restartedAt.get() == 0 || System.nanoTime() - restartedAt.get() > 5_000_000_000L),
                Duration.ofSeconds(180), Duration.ofMillis(50), () -> ledger.submit("disaster", texts()));
        restarted.get(10, TimeUnit.SECONDS);
        ledger.awaitTerminal(Duration.ofSeconds(180));

        ledger.report();
        assertThat(ledger.accepted()).isPositive();
        assertThat(ledger.answersOtherThan(202, 503)).as("every refusal is a 503").isZero();
        assertThat(ledger.lost()).isZero();
        assertThat(ledger.duplicated()).isZero();
    }

    /** A fault applied to a running cluster. */
    @FunctionalInterface
    private interface Restart {
        void apply(FaultCluster cluster) throws InterruptedException;
    }

    @Test
    void poisonJobsEndFailedWithACopyInTheDeadLetterTopic() throws Exception {
        cluster.beginScenario("poison");
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
        assertThat(deadLetterKeys(JobNames.deadLetterTopic("image"), poisoned.size())).containsAll(poisoned);
    }

    @Test
    void expiredAndCancelledJobsNeverRun() throws Exception {
        cluster.beginScenario("expired-cancelled");
        JobLedger ledger = new JobLedger("expired-cancelled", cluster.gatewayUrl());
        Set<String> expiring = new HashSet<>();
        Set<String> cancelled = new HashSet<>();
        Set<String> normal = new HashSet<>();
        long stale = 0;
        for (int i = 0; i < 10; i++) {
            expiring.add(ledger.submit("sentiment", "{\"inputs\": [\"soon stale\"], \"timeout_s\": 1}"));
            // Its deadline is 1 s from its accept, which came before this answer.
            stale = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            String doomed = ledger.submit("sentiment", texts());
            assertThat(ledger.cancel(doomed)).isTrue();
            cancelled.add(doomed);
            normal.add(ledger.submit("sentiment", texts()));
        }
        // No worker serves sentiment now: the deadlines pass while the jobs wait in the queue.
        TimeUnit.NANOSECONDS.sleep(stale - System.nanoTime());
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

    @Test
    void aJobThatCrashesItsWorkerEndsFailedAfterMaxDeliveriesWhileTheOthersComplete() throws Exception {
        String crash = "this input crashes the worker";
        cluster.beginScenario("crash-loop");
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
        assertThat(deadLetterKeys(JobNames.deadLetterTopic("sentiment"), 1)).contains(poison);
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

    /** The keys in {@code topic} from its start (nothing committed: every read sees them all on a shared cluster). */
    private static Set<String> deadLetterKeys(String topic, int atLeast) {
        Set<String> keys = new HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "faults-dlt-reader",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
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
}
