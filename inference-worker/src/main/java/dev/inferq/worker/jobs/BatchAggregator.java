package dev.inferq.worker.jobs;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Forms batches from one Kafka consumer's records, as DJL Serving's {@code BatchAggregator} does from its queue: it
 * waits for a first job, then keeps polling until the batch holds {@link BatchPolicy#maxBatchSize()} inputs or
 * {@link BatchPolicy#maxBatchDelay()} has passed since that job arrived. Each record is decoded into a {@link Job}
 * once, as it is polled; jobs are counted by their inputs. Jobs that do not fit stay pending, ahead of anything
 * newer, so every partition's records are batched in offset order.
 *
 * <p>Not thread-safe: it belongs to its consumer's thread, like the consumer itself.
 */
final class BatchAggregator {

    private final Consumer<String, byte[]> consumer;
    private final String model;
    private final BatchPolicy policy;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private int pendingInputs;

    private record Pending(Job job, long arrivedNanos) {
    }

    BatchAggregator(Consumer<String, byte[]> consumer, String model, BatchPolicy policy) {
        this.consumer = consumer;
        this.model = model;
        this.policy = policy;
    }

    /**
     * The next batch, in arrival order; empty when no job arrived within {@code idleWait}. A batch holds at most
     * {@code maxBatchSize} inputs, except a single job with more (it forms a batch of its own).
     */
    Batch nextBatch(Duration idleWait) {
        if (pending.isEmpty()) {
            poll(idleWait);
            if (pending.isEmpty()) {
                return new Batch(List.of());
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
                    new TopicPartition(entry.job().source().topic(), entry.job().source().partition()));
            if (revoked) {
                pendingInputs -= entry.job().inputCount();
            }
            return revoked;
        });
    }

    /** Jobs polled but not yet handed out in a batch. */
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
            Job job = Job.decode(record, model);
            pending.addLast(new Pending(job, now));
            pendingInputs += job.inputCount();
        }
    }

    private Batch take() {
        List<Job> batch = new ArrayList<>();
        int inputs = 0;
        while (!pending.isEmpty()
                && (batch.isEmpty() || inputs + pending.peekFirst().job().inputCount() <= policy.maxBatchSize())) {
            Job next = pending.pollFirst().job();
            batch.add(next);
            inputs += next.inputCount();
            pendingInputs -= next.inputCount();
        }
        return new Batch(batch);
    }
}
