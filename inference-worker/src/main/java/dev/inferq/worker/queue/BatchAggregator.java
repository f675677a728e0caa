package dev.inferq.worker.queue;

import dev.inferq.worker.inference.BatchPolicy;
import dev.inferq.worker.queue.PartitionPauses.Reason;
import dev.inferq.worker.run.Batch;
import dev.inferq.worker.run.Delivery;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * Forms batches from one Kafka consumer's records, as DJL Serving's {@code BatchAggregator} does from its queue: it
 * waits for a first job, then keeps polling until the batch holds {@link BatchPolicy#maxBatchSize()} inputs or
 * {@link BatchPolicy#maxBatchDelay()} has passed since that job arrived. Each record is decoded into a {@link Delivery}
 * once, as it is polled; jobs are counted by their inputs.
 *
 * <p>It reads ahead of the batch it forms, up to the {@link FairShare} limits, pausing its partitions while they are
 * reached, and buffers what it read in {@link TenantQueues}, which decide each batch's jobs fairly across tenants: a
 * tenant's burst already polled does not stand in front of another tenant's jobs polled after it. Jobs that do not
 * fit stay pending and lead the next batch, so each tenant's jobs of one partition keep their offset order. Every
 * polled offset is tracked in the {@link OffsetTracker} until its job has finished.
 *
 * <p>Not thread-safe: it belongs to its consumer's thread, like the consumer itself.
 */
final class BatchAggregator {

    private final Consumer<String, byte[]> consumer;
    private final String model;
    private final BatchPolicy policy;
    private final TenantQueues queued;
    private final OffsetTracker offsets;
    private final PartitionPauses pauses;

    BatchAggregator(Consumer<String, byte[]> consumer, String model, BatchPolicy policy, FairShare fairShare,
            OffsetTracker offsets, PartitionPauses pauses) {
        this.consumer = consumer;
        this.model = model;
        this.policy = policy;
        this.queued = new TenantQueues(fairShare);
        this.offsets = offsets;
        this.pauses = pauses;
    }

    /**
     * The next batch; empty when no job arrived within {@code idleWait}. A batch holds at most {@code maxBatchSize}
     * inputs, except a single job with more (it forms a batch of its own).
     */
    Batch nextBatch(Duration idleWait) {
        readAhead();
        if (queued.isEmpty()) {
            poll(idleWait);
            if (queued.isEmpty()) {
                return new Batch(List.of());
            }
        }
        long deadline = queued.oldestArrivalNanos() + policy.maxBatchDelay().toNanos();
        while (queued.inputs() < policy.maxBatchSize()) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            poll(Duration.ofNanos(remaining));
        }
        return new Batch(queued.take(policy.maxBatchSize()));
    }

    /** Forgets the pending records of partitions this consumer no longer owns: their new owner receives them. */
    void forget(Collection<TopicPartition> partitions) {
        queued.forget(partitions);
        offsets.forget(partitions);
    }

    /** Jobs polled but not yet handed out in a batch. */
    int pendingRecords() {
        return queued.jobs();
    }

    /**
     * Polls once, keeping whatever arrives for the coming batches, with the partitions paused while the read-ahead
     * is full; also used on its own while the consumer waits between attempts at a failed batch (its partitions
     * paused), so that it stays in its group. Answers how many records arrived.
     */
    int poll(Duration timeout) {
        pauses.set(Reason.READ_AHEAD_FULL, queued.isFull());
        long now = System.nanoTime();
        ConsumerRecords<String, byte[]> records = consumer.poll(timeout);
        for (ConsumerRecord<String, byte[]> record : records) {
            offsets.polled(record);
            queued.add(Delivery.decode(record, model), now);
        }
        return records.count();
    }

    /**
     * Takes what the client has fetched already, without waiting, until the read-ahead is full or a poll comes back
     * short of {@code max.poll.records} (nothing more is buffered). Polls at least once, so that a consumer whose
     * read-ahead stays full for many batches still polls (paused) between them, and sees rebalances in time.
     */
    private void readAhead() {
        int arrived;
        do {
            arrived = poll(Duration.ZERO);
        } while (arrived >= policy.maxPollRecords() && !queued.isFull());
    }
}
