package dev.inferq.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.Tenants;
import dev.inferq.worker.inference.BatchPolicy;
import dev.inferq.worker.run.Batch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The batching rules on Kafka's own in-memory consumer: each test scripts what successive polls return, real job
 * messages with a given number of texts (and a tenant).
 */
class BatchAggregatorTest {

    private static final TopicPartition P0 = new TopicPartition("jobs", 0);
    private static final TopicPartition P1 = new TopicPartition("jobs", 1);
    private static final String MODEL = "sentiment";
    private static final Duration IDLE = Duration.ofMillis(50);

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    /** What each coming poll returns, in order; a poll beyond the script returns nothing. */
    private final Deque<List<ConsumerRecord<String, byte[]>>> polls = new ArrayDeque<>();
    private long nextOffset;

    @BeforeEach
    void assign() {
        consumer.assign(List.of(P0, P1));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    }

    @Test
    void withoutDelayABatchIsWhateverOnePollReturned() {
        BatchAggregator aggregator = aggregator(8, Duration.ZERO);
        script(List.of(job(P0, 1), job(P0, 1)), List.of(job(P0, 1)));

        assertThat(offsets(aggregator.nextBatch(IDLE))).containsExactly(0L, 1L);
        assertThat(offsets(aggregator.nextBatch(IDLE))).containsExactly(2L);
    }

    @Test
    void withADelayJobsFromLaterPollsJoinTheBatchUntilItIsFull() {
        BatchAggregator aggregator = aggregator(4, Duration.ofSeconds(30));
        script(List.of(job(P0, 1)), List.of(job(P1, 1)), List.of(job(P0, 2)), List.of(job(P0, 1)));

        Batch batch = aggregator.nextBatch(IDLE);

        // Full at four inputs: the fourth poll's job is never needed, however long the delay.
        assertThat(offsets(batch)).containsExactly(0L, 1L, 2L);
        assertThat(batch.inputs()).isEqualTo(4);
        assertThat(polls).hasSize(1);
    }

    @Test
    void aBatchThatDoesNotFillIsHandedOutWhenTheDelayHasPassed() {
        BatchAggregator aggregator = aggregator(32, Duration.ofMillis(300));
        script(List.of(job(P0, 1)), List.of(job(P0, 1)));

        long start = System.nanoTime();
        Batch batch = aggregator.nextBatch(IDLE);
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(offsets(batch)).containsExactly(0L, 1L);
        assertThat(waitedMillis).isGreaterThanOrEqualTo(300);
    }

    @Test
    void jobsThatDoNotFitWaitForTheNextBatchAheadOfNewerOnes() {
        BatchAggregator aggregator = aggregator(4, Duration.ZERO);
        script(List.of(job(P0, 3), job(P0, 2), job(P1, 1)), List.of(job(P0, 2)));

        // The 2-input job does not fit beside the 3-input one; the 1-input job behind it must not overtake it. The
        // next poll's job is read ahead before the second batch forms, but does not fit in it.
        assertThat(offsets(aggregator.nextBatch(IDLE))).containsExactly(0L);
        assertThat(offsets(aggregator.nextBatch(IDLE))).containsExactly(1L, 2L);
        assertThat(offsets(aggregator.nextBatch(IDLE))).containsExactly(3L);
    }

    @Test
    void aJobWithMoreInputsThanTheBatchSizeFormsABatchOfItsOwn() {
        BatchAggregator aggregator = aggregator(4, Duration.ZERO);
        script(List.of(job(P0, 10), job(P0, 1)));

        Batch first = aggregator.nextBatch(IDLE);

        assertThat(offsets(first)).containsExactly(0L);
        assertThat(first.inputs()).isEqualTo(10);
        assertThat(offsets(aggregator.nextBatch(IDLE))).containsExactly(1L);
    }

    @Test
    void nothingArrivingGivesAnEmptyBatch() {
        BatchAggregator aggregator = aggregator(4, Duration.ofSeconds(30));

        Batch batch = aggregator.nextBatch(IDLE);

        assertThat(batch.isEmpty()).isTrue();
        assertThat(batch.inputs()).isZero();
    }

    @Test
    void pendingJobsOfRevokedPartitionsAreForgotten() {
        BatchAggregator aggregator = aggregator(1, Duration.ZERO);
        script(List.of(job(P0, 1), job(P1, 1), job(P0, 1)));
        assertThat(offsets(aggregator.nextBatch(IDLE))).containsExactly(0L);

        aggregator.forget(List.of(P0));

        assertThat(aggregator.pendingRecords()).isEqualTo(1);
        assertThat(offsets(aggregator.nextBatch(IDLE))).containsExactly(1L);
        assertThat(aggregator.pendingRecords()).isZero();
    }

    @Test
    void aBurstPolledFirstDoesNotStandBeforeAnotherTenantsJobs() {
        BatchAggregator aggregator = aggregator(8, Duration.ZERO);
        List<ConsumerRecord<String, byte[]>> burst = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            burst.add(job(P0, 1, "a"));
        }
        script(burst, List.of(job(P1, 1, "b"), job(P1, 1, "b"), job(P1, 1, "b")));

        Batch first = aggregator.nextBatch(IDLE);

        assertThat(tenants(first)).containsExactly("a", "b", "a", "b", "a", "b", "a", "a");
        assertThat(offsets(first)).containsExactly(0L, 100L, 1L, 101L, 2L, 102L, 3L, 4L);
        assertThat(offsets(aggregator.nextBatch(IDLE))).containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
    }

    @Test
    void aFullReadAheadPausesThePartitionsUntilItHasRoomAgain() {
        BatchAggregator aggregator = aggregator(4, Duration.ZERO, 5);
        List<ConsumerRecord<String, byte[]>> burst = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            burst.add(job(P0, 1, "a"));
        }
        script(burst, List.of(job(P1, 1, "b")));

        assertThat(offsets(aggregator.nextBatch(IDLE))).containsExactly(0L, 1L, 2L, 3L);
        // Eight buffered, more than the read-ahead of five: b's job waits in Kafka.
        assertThat(offsets(aggregator.nextBatch(IDLE))).containsExactly(4L, 5L, 6L, 7L);
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);
        // b starts at the virtual time of a's last job, so it goes first.
        assertThat(offsets(aggregator.nextBatch(IDLE))).containsExactly(12L, 8L, 9L, 10L);
        assertThat(consumer.paused()).isEmpty();
    }

    private BatchAggregator aggregator(int size, Duration delay) {
        return aggregator(size, delay, 512);
    }

    private BatchAggregator aggregator(int size, Duration delay, int readAhead) {
        return new BatchAggregator(consumer, MODEL, new BatchPolicy(size, delay),
                new FairShare(true, readAhead, 1 << 20, Map.of()), new OffsetTracker(), new PartitionPauses(consumer));
    }

    @SafeVarargs
    private void script(List<ConsumerRecord<String, byte[]>>... batches) {
        polls.addAll(List.of(batches));
        schedule();
    }

    private void schedule() {
        consumer.schedulePollTask(() -> {
            List<ConsumerRecord<String, byte[]>> next = polls.pollFirst();
            if (next != null) {
                next.forEach(consumer::addRecord);
            }
            if (!polls.isEmpty()) {
                schedule();
            }
        });
    }

    private ConsumerRecord<String, byte[]> job(TopicPartition partition, int inputs) {
        return job(partition, inputs, Tenants.DEFAULT);
    }

    private ConsumerRecord<String, byte[]> job(TopicPartition partition, int inputs, String tenant) {
        // Offsets increase across partitions too, so a test names each record by its offset alone.
        JobRequest request = JobRequest.of(JobId.random(), MODEL,
                new JobInput.Texts(Collections.nCopies(inputs, "text")), Instant.now(), null, tenant, false);
        return new ConsumerRecord<>(partition.topic(), partition.partition(), nextOffset++, request.id().value(),
                JobCodec.encodeRequest(request));
    }

    private static List<String> tenants(Batch batch) {
        return batch.jobs().stream().map(job -> job.request().tenant()).toList();
    }

    private static List<Long> offsets(Batch batch) {
        return batch.jobs().stream().map(job -> job.source().offset()).toList();
    }
}
