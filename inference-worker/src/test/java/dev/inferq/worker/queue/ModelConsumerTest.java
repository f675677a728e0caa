package dev.inferq.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobNames;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.Tenants;
import dev.inferq.worker.inference.BatchPolicy;
import dev.inferq.worker.run.Batch;
import dev.inferq.worker.run.BatchRunner;
import dev.inferq.worker.run.Delivery;
import dev.inferq.worker.run.JobTracing;
import dev.inferq.worker.store.TransientStoreException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.util.backoff.FixedBackOff;

/**
 * The loop that carries the no-loss guarantee, on Kafka's own in-memory consumer: offsets are committed only after
 * a batch ran and never past a job still waiting, a failing batch is retried with its partitions paused, a revoked
 * partition's jobs leave the retried batch and the read-ahead, a batch still failing at shutdown is abandoned
 * uncommitted, a fault that is no store failure fails the batch's jobs instead of looping, and a runner that reads
 * inputs ahead gets the next batch before the current one runs.
 */
@Timeout(30)
class ModelConsumerTest {

    private static final String MODEL = "sentiment";
    private static final String TOPIC = JobNames.topic(MODEL);
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<Map<TopicPartition, OffsetAndMetadata>> commits = new CopyOnWriteArrayList<>();
    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                OffsetCommitCallback callback) {
            commits.add(Map.copyOf(offsets));
            super.commitAsync(offsets, callback);
        }
    };
    private final List<List<Long>> runs = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private ModelConsumer loop;
    private Thread thread;

    @BeforeEach
    void offsets() {
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (loop != null) {
            loop.requestStop();
            assertThat(loop.awaitFinished(WAIT)).isTrue();
        }
    }

    @Test
    void aRunnerThatReadsAheadIsHandedTheNextBatchBeforeTheCurrentOneRuns() {
        List<String> events = new CopyOnWriteArrayList<>();
        start(new BatchRunner() {
            @Override
            public void run(Batch batch) {
                events.add("run " + offsets(batch));
            }

            @Override
            public void fail(Batch batch, RuntimeException fault) {
                events.add("fail " + offsets(batch));
            }

            @Override
            public boolean readsAhead() {
                return true;
            }

            @Override
            public void readAhead(Batch next) {
                events.add("read ahead " + offsets(next));
            }
        }, Duration.ofSeconds(5), 2);
        deliver(job(P0, 0), job(P0, 1), job(P0, 2), job(P0, 3));

        await().atMost(WAIT).until(() -> committed(P0) != null && committed(P0).offset() == 4);
        assertThat(events).containsExactly("read ahead [2, 3]", "run [0, 1]", "run [2, 3]");
    }

    @Test
    void commitsPastTheBatchOnlyAfterItRan() {
        AtomicInteger committedDuringRun = new AtomicInteger(-1);
        start(batch -> {
            committedDuringRun.set(committed(P0) == null ? 0 : 1);
            record(batch);
        }, Duration.ofSeconds(5));
        deliver(job(P0, 0), job(P0, 1), job(P1, 0));

        await().atMost(WAIT).until(() -> committed(P0) != null && committed(P1) != null);
        assertThat(committedDuringRun.get()).as("committed before the batch ran").isZero();
        assertThat(runs).containsExactly(List.of(0L, 1L, 0L));
        assertThat(committed(P0).offset()).isEqualTo(2);
        assertThat(committed(P1).offset()).isEqualTo(1);
    }

    @Test
    void joinsItsGroupWithItsFirstAssignmentEvenAnEmptyOne() {
        start(this::record, Duration.ofSeconds(5));
        assertThat(loop.hasJoined()).as("before any assignment").isFalse();

        // One more consumer than partitions: this one is in the group with nothing to read.
        consumer.schedulePollTask(() -> consumer.rebalance(List.of()));

        await().atMost(WAIT).until(loop::hasJoined);
    }

    @Test
    void aFailingBatchIsRetriedWithItsPartitionsPausedUntilItSucceeds() {
        AtomicInteger attempts = new AtomicInteger();
        List<Set<TopicPartition>> pausedDuringRetries = new CopyOnWriteArrayList<>();
        start(batch -> {
            if (attempts.incrementAndGet() > 1) {
                pausedDuringRetries.add(consumer.paused());
            }
            if (attempts.get() <= 3) {
                throw new TransientStoreException("Redis did not answer", null);
            }
            record(batch);
        }, Duration.ofSeconds(5));
        deliver(job(P0, 0));

        await().atMost(WAIT).until(() -> committed(P0) != null);
        assertThat(attempts.get()).isEqualTo(4);
        assertThat(pausedDuringRetries).hasSize(3).allSatisfy(paused -> assertThat(paused).contains(P0, P1));
        assertThat(consumer.paused()).as("resumed after the batch succeeded").isEmpty();
        assertThat(committed(P0).offset()).isEqualTo(1);
        assertThat(meters.counter("inferq.worker.batch.failed.attempts", "model", MODEL).count()).isEqualTo(3);
    }

    @Test
    void jobsOfAPartitionRevokedDuringTheRetriesLeaveTheBatch() {
        AtomicInteger attempts = new AtomicInteger();
        List<List<String>> positions = new CopyOnWriteArrayList<>();
        start(batch -> {
            if (attempts.incrementAndGet() == 1) {
                // The group moves P1 to another consumer while this batch waits for its retry.
                consumer.rebalance(List.of(P0));
                throw new TransientStoreException("Redis did not answer", null);
            }
            positions.add(batch.jobs().stream().map(Delivery::position).toList());
        }, Duration.ofSeconds(5));
        deliver(job(P0, 0), job(P1, 0), job(P0, 1));

        await().atMost(WAIT).until(() -> committed(P0) != null);
        assertThat(positions.get(0)).containsExactly(TOPIC + "-0@0", TOPIC + "-0@1");
        // The rebalance reset this consumer's positions, so P0's jobs may come again (the runner skips finished
        // jobs); P1's job never does: it is its new owner's now.
        assertThat(positions).allSatisfy(run -> assertThat(run).doesNotContain(TOPIC + "-1@0"));
        assertThat(committed(P0).offset()).isEqualTo(2);
        assertThat(committed(P1)).as("the revoked partition is its new owner's to commit").isNull();
    }

    @Test
    void aBatchStillFailingAtShutdownIsAbandonedUncommitted() throws InterruptedException {
        AtomicInteger attempts = new AtomicInteger();
        start(batch -> {
            attempts.incrementAndGet();
            throw new TransientStoreException("Redis did not answer", null);
        }, Duration.ofMillis(300));
        deliver(job(P0, 0));
        await().atMost(WAIT).until(() -> attempts.get() >= 2);

        loop.requestStop();

        assertThat(loop.awaitFinished(WAIT)).isTrue();
        loop = null;
        assertThat(consumer.closed()).isTrue();
        assertThat(commits).isEmpty();
        assertThat(runs).isEmpty();
    }

    @Test
    void aBatchThatFinishesLaterOffsetsFirstCommitsOnlyUpToTheUnfinishedOne() {
        start(this::record, Duration.ofSeconds(5), 2);
        deliver(job(P0, 0, "a"), job(P0, 1, "a"), job(P0, 2, "a"), job(P0, 3, "b"));

        await().atMost(WAIT).until(() -> committed(P0) != null && committed(P0).offset() == 4);
        assertThat(runs).containsExactly(List.of(0L, 3L), List.of(1L, 2L));
        assertThat(commits).containsExactly(Map.of(P0, new OffsetAndMetadata(1)), Map.of(P0,
                new OffsetAndMetadata(4)));
    }

    @Test
    void jobsReadAheadFromARevokedPartitionAreDroppedAndNotCommitted() {
        AtomicInteger batches = new AtomicInteger();
        List<String> positions = new CopyOnWriteArrayList<>();
        start(batch -> {
            if (batches.incrementAndGet() == 1) {
                consumer.rebalance(List.of(P0));
            }
            batch.jobs().forEach(job -> positions.add(job.position()));
        }, Duration.ofSeconds(5), 1);
        deliver(job(P0, 0, "a"), job(P1, 0, "b"), job(P1, 1, "b"));

        await().atMost(WAIT).until(() -> committed(P0) != null);
        // Only the batch in hand when P1 moved may hold one of its jobs; the others left with the partition.
        assertThat(positions).contains(TOPIC + "-0@0").doesNotContain(TOPIC + "-1@1");
        assertThat(committed(P1)).as("the revoked partition is its new owner's to commit").isNull();
    }

    @Test
    void aFaultThatIsNoStoreFailureFailsTheBatchsJobsOnceAndTheConsumerGoesOn() {
        AtomicInteger attempts = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        start(new BatchRunner() {
            @Override
            public void run(Batch batch) {
                if (attempts.incrementAndGet() == 1) {
                    throw new IllegalStateException("a bug");
                }
                record(batch);
            }

            @Override
            public void fail(Batch batch, RuntimeException fault) {
                failures.add(offsets(batch) + " " + fault.getMessage());
            }
        }, Duration.ofSeconds(5), 1);
        deliver(job(P0, 0), job(P0, 1));

        await().atMost(WAIT).until(() -> committed(P0) != null && committed(P0).offset() == 2);
        assertThat(failures).as("the faulty batch's jobs are failed, not retried").containsExactly("[0] a bug");
        assertThat(attempts.get()).isEqualTo(2);
        assertThat(runs).as("the next batch runs").containsExactly(List.of(1L));
        assertThat(meters.counter("inferq.worker.batch.failed.attempts", "model", MODEL).count()).isZero();
    }

    @Test
    void failingTheJobsOfAFaultyBatchIsRetriedWhileTheStoreDoesNotAnswer() {
        AtomicInteger failAttempts = new AtomicInteger();
        start(new BatchRunner() {
            @Override
            public void run(Batch batch) {
                throw new IllegalStateException("a bug");
            }

            @Override
            public void fail(Batch batch, RuntimeException fault) {
                if (failAttempts.incrementAndGet() <= 2) {
                    throw new TransientStoreException("Redis did not answer", null);
                }
                record(batch);
            }
        }, Duration.ofSeconds(5), 8);
        deliver(job(P0, 0));

        await().atMost(WAIT).until(() -> committed(P0) != null);
        assertThat(failAttempts.get()).isEqualTo(3);
        assertThat(runs).containsExactly(List.of(0L));
        assertThat(meters.counter("inferq.worker.batch.failed.attempts", "model", MODEL).count()).isEqualTo(2);
    }

    private void start(Consumer<Batch> run, Duration shutdownTimeout) {
        start(run, shutdownTimeout, 8);
    }

    private void start(Consumer<Batch> run, Duration shutdownTimeout, int batchSize) {
        start(new BatchRunner() {
            @Override
            public void run(Batch batch) {
                run.accept(batch);
            }

            @Override
            public void fail(Batch batch, RuntimeException fault) {
                throw new AssertionError("no batch should fail here, but one failed on " + fault, fault);
            }
        }, shutdownTimeout, batchSize);
    }

    private void start(BatchRunner runner, Duration shutdownTimeout, int batchSize) {
        loop = new ModelConsumer(MODEL, consumer, new BatchPolicy(batchSize, Duration.ZERO),
                new FairShare(true, 512, 1 << 20, Map.of()), runner,
                new FixedBackOff(20, FixedBackOff.UNLIMITED_ATTEMPTS), shutdownTimeout,
                new BatchMetrics(meters, MODEL), JobTracing.noop());
        thread = new Thread(loop, "model-consumer-test");
        thread.start();
    }

    /** Assigns both partitions at the next poll, as the group coordinator would, with these records waiting. */
    @SafeVarargs
    private void deliver(ConsumerRecord<String, byte[]>... records) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(P0, P1));
            for (ConsumerRecord<String, byte[]> record : records) {
                consumer.addRecord(record);
            }
        });
    }

    private static List<Long> offsets(Batch batch) {
        return batch.jobs().stream().map(job -> job.source().offset()).toList();
    }

    private void record(Batch batch) {
        runs.add(batch.jobs().stream().map(job -> job.source().offset()).toList());
    }

    private OffsetAndMetadata committed(TopicPartition partition) {
        return consumer.committed(Set.of(partition)).get(partition);
    }

    private static ConsumerRecord<String, byte[]> job(TopicPartition partition, long offset) {
        return job(partition, offset, Tenants.DEFAULT);
    }

    private static ConsumerRecord<String, byte[]> job(TopicPartition partition, long offset, String tenant) {
        JobRequest request = JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("text")), Instant.now(),
                null, tenant, false);
        return new ConsumerRecord<>(partition.topic(), partition.partition(), offset, request.id().value(),
                JobCodec.encodeRequest(request));
    }
}
