package dev.inferq.systemtest.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.launcher.ManagedProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fault injection on real processes ({@code ./mvnw -B verify -Pfaults}): each scenario crashes or restarts a part of
 * the platform during a burst of jobs and ends with a {@code faults: scenario=...} line. Every accepted job must reach
 * a terminal state (lost=0) and no terminal state may change afterwards (duplicated=0).
 */
@Timeout(600)
class FaultInjectionFaultsIT {

    private static final String TEXTS = "{\"inputs\": [\"the river burst its banks\", \"lovely evening\","
            + " \"fire on the hill\", \"meh\"]}";

    @Test
    void workerKilledMidBurstLosesNothing() throws Exception {
        try (FaultCluster cluster = new FaultCluster("worker-sigkill")) {
            ManagedProcess doomed = cluster.startWorker("worker-a", "sentiment");
            JobLedger ledger = new JobLedger("worker-sigkill", cluster.gatewayUrl());

            AtomicInteger sent = new AtomicInteger();
            runBurst(4, Duration.ofSeconds(20), Duration.ofMillis(20), () -> {
                ledger.submit("sentiment", TEXTS);
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
    void kafkaRestartDuringSubmitsCompletesEveryAcceptedJob() throws Exception {
        try (FaultCluster cluster = new FaultCluster("kafka-restart")) {
            cluster.startWorker("worker", "sentiment");
            JobLedger ledger = new JobLedger("kafka-restart", cluster.gatewayUrl());

            ExecutorService fault = Executors.newSingleThreadExecutor();
            Future<?> restart = fault.submit(() -> {
                Thread.sleep(6_000);
                cluster.restartKafka(Duration.ofSeconds(5));
                return null;
            });
            runBurst(4, Duration.ofSeconds(30), Duration.ofMillis(50), () -> ledger.submit("sentiment", TEXTS));
            restart.get(120, TimeUnit.SECONDS);
            fault.shutdown();
            ledger.awaitTerminal(Duration.ofSeconds(180));

            ledger.report();
            assertThat(ledger.accepted()).isPositive().isLessThanOrEqualTo(ledger.submitted());
            assertThat(ledger.answersOtherThan(202, 503)).as("every refusal is a 503").isZero();
            assertThat(ledger.lost()).isZero();
            assertThat(ledger.duplicated()).isZero();
        }
    }

    @Test
    void redisRestartDuringABurstCompletesEveryAcceptedJob() throws Exception {
        try (FaultCluster cluster = new FaultCluster("redis-restart")) {
            cluster.startWorker("worker", "sentiment");
            JobLedger ledger = new JobLedger("redis-restart", cluster.gatewayUrl());

            ExecutorService fault = Executors.newSingleThreadExecutor();
            Future<?> restart = fault.submit(() -> {
                Thread.sleep(6_000);
                cluster.restartRedis(Duration.ofSeconds(3));
                return null;
            });
            runBurst(4, Duration.ofSeconds(25), Duration.ofMillis(50), () -> ledger.submit("sentiment", TEXTS));
            restart.get(60, TimeUnit.SECONDS);
            fault.shutdown();
            ledger.awaitTerminal(Duration.ofSeconds(180));

            ledger.report();
            assertThat(ledger.accepted()).isPositive();
            assertThat(ledger.answersOtherThan(202, 503)).as("every refusal is a 503").isZero();
            assertThat(ledger.lost()).isZero();
            assertThat(ledger.duplicated()).isZero();
        }
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
