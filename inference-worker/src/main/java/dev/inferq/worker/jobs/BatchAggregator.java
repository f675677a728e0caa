package dev.inferq.worker.jobs;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.function.ToIntFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Forms batches from one Kafka consumer's records, as DJL Serving's {@code BatchAggregator} does from its queue: it
 * waits for a first job, then keeps polling until the batch holds {@link BatchPolicy#maxBatchSize()} inputs or
 * {@link BatchPolicy#maxBatchDelay()} has passed since that job arrived. Jobs are counted by their inputs. Records
 * that do not fit stay pending, ahead of anything newer, so every partition's records are batched in offset order.
 *
 * <p>Not thread-safe: it belongs to its consumer's thread, like the consumer itself.
 */
final class BatchAggregator {

    private final Consumer<String, byte[]> consumer;
    private final BatchPolicy policy;
    private final ToIntFunction<ConsumerRecord<String, byte[]>> inputsOf;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private int pendingInputs;

    private record Pending(ConsumerRecord<String, byte[]> record, int inputs, long arrivedNanos) {
    }

    /** Records handed out together, in arrival order, and how many inputs their jobs have in all. */
    record Batch(List<ConsumerRecord<String, byte[]>> records, int inputs) {

        boolean isEmpty() {
            return records.isEmpty();
        }
    }

    /**
     * @param inputsOf how many inputs a record's job has (at least 1; a record that is no readable job counts 1)
     */
    BatchAggregator(Consumer<String, byte[]> consumer, BatchPolicy policy,
            ToIntFunction<ConsumerRecord<String, byte[]>> inputsOf) {
        this.consumer = consumer;
        this.policy = policy;
        this.inputsOf = inputsOf;
    }

    /**
     * The next batch, in arrival order; empty when no job arrived within {@code idleWait}. A batch holds at most
     * {@code maxBatchSize} inputs, except a single job with more (it forms a batch of its own).
     */
    Batch nextBatch(Duration idleWait) {
        if (pending.isEmpty()) {
            poll(idleWait);
            if (pending.isEmpty()) {
                return new Batch(List.of(), 0);
            }
        }
        long deadline = pending.peekFirst().arrivedNanos() + policy.maxBatchDelay().toNanos();
        while (pendingInputs < policy.maxBatchSize()) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            poll(Duration.ofNanos(remaining));
        }
        return take();
    }

    /** Forgets the pending records of partitions this consumer no longer owns: their new owner receives them. */
    void forget(Collection<TopicPartition> partitions) {
        pending.removeIf(entry -> {
            boolean revoked = partitions.contains(
                    new TopicPartition(entry.record().topic(), entry.record().partition()));
            if (revoked) {
                pendingInputs -= entry.inputs();
            }
            return revoked;
        });
    }

    /** Records polled but not yet handed out in a batch. */
    int pendingRecords() {
        return pending.size();
    }

    /**
     * Polls once, keeping whatever arrives for the coming batches; also used on its own while the consumer waits
     * between attempts at a failed batch (its partitions paused), so that it stays in its group.
     */
    void poll(Duration timeout) {
        long now = System.nanoTime();
        for (ConsumerRecord<String, byte[]> record : consumer.poll(timeout)) {
            int inputs = Math.max(1, inputsOf.applyAsInt(record));
            pending.addLast(new Pending(record, inputs, now));
            pendingInputs += inputs;
        }
    }

    private Batch take() {
        List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
        int inputs = 0;
        while (!pending.isEmpty()
                && (batch.isEmpty() || inputs + pending.peekFirst().inputs() <= policy.maxBatchSize())) {
            Pending next = pending.pollFirst();
            batch.add(next.record());
            inputs += next.inputs();
            pendingInputs -= next.inputs();
        }
        return new Batch(batch, inputs);
    }
}
