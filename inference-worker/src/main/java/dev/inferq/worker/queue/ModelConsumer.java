package dev.inferq.worker.queue;

import dev.inferq.common.job.JobNames;
import dev.inferq.worker.inference.BatchPolicy;
import dev.inferq.worker.run.Batch;
import dev.inferq.worker.run.BatchJobRunner;
import dev.inferq.worker.run.BatchRunner;
import dev.inferq.worker.run.JobTracing;
import dev.inferq.worker.store.TransientStoreException;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;

/**
 * One consumer thread of one model: takes batches from its {@link BatchAggregator}, runs each with the model's
 * {@link BatchRunner} ({@link BatchJobRunner}) and commits once every job in it has its outcome stored, so a crash
 * re-delivers the batch. Batches are fair across tenants rather than in offset order, so what is committed is each
 * partition's lowest offset still unfinished ({@link OffsetTracker}).
 *
 * <p>A batch whose store did not answer ({@link TransientStoreException}: Redis unreachable, Kafka not taking a dead
 * letter, ...) is retried, after pauses that grow to {@code retry-max-backoff}, until it succeeds. Giving up would
 * commit the offsets of jobs that have no terminal state, i.e. lose them. Meanwhile the consumer keeps polling with its
 * partitions paused, so it stays in its group however long the outage lasts. Any other exception is a fault (a bug, a
 * model that misbehaves) that a retry would meet again: the batch's jobs end FAILED with it
 * ({@link BatchRunner#fail}), and the consumer goes on serving.
 *
 * <p>For a runner that reads inputs ahead, the next batch is taken as the current one starts ({@link NextBatch}).
 *
 * <p>Stopping lets the batch in progress finish and commit; records polled but not yet started are left uncommitted
 * for the next owner. Only a batch still failing {@code shutdown-timeout} after the stop request is abandoned
 * (uncommitted, so re-delivered).
 */
final class ModelConsumer implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ModelConsumer.class);
    /** How long one poll waits for a first job; bounds how late a stop request is noticed. */
    private static final Duration IDLE_POLL = Duration.ofMillis(100);

    private final String model;
    private final Consumer<String, byte[]> consumer;
    private final BatchAggregator aggregator;
    private final OffsetTracker offsets = new OffsetTracker();
    private final PartitionPauses pauses;
    private final BatchRunner runner;
    private final BackOff retryBackOff;
    private final Duration shutdownTimeout;
    private final BatchMetrics metrics;
    private final JobTracing tracing;
    private final NextBatch next;
    private final CountDownLatch finished = new CountDownLatch(1);
    /** Set by the first assignment, even an empty one: the consumer is in its group (worker readiness). */
    private volatile boolean joined;
    private volatile long stopRequestedAt;
    private volatile boolean stopping;

    ModelConsumer(String model, Consumer<String, byte[]> consumer, BatchPolicy policy, FairShare fairShare,
            BatchRunner runner, BackOff retryBackOff, Duration shutdownTimeout, BatchMetrics metrics,
            JobTracing tracing) {
        this.model = model;
        this.consumer = consumer;
        this.pauses = new PartitionPauses(consumer);
        this.aggregator = new BatchAggregator(consumer, model, policy, fairShare, offsets, pauses);
        this.runner = runner;
        this.next = new NextBatch(model, consumer, aggregator, runner, policy);
        this.retryBackOff = retryBackOff;
        this.shutdownTimeout = shutdownTimeout;
        this.metrics = metrics;
        this.tracing = tracing;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(JobNames.topic(model)), new Rebalance());
            while (!stopping) {
                consumeOnce();
            }
            commitNow(consumer.assignment());
            int left = aggregator.pendingRecords() + next.size();
            if (left > 0) {
                log.info("Model '{}': leaving {} polled job(s) uncommitted for the next consumer", model, left);
            }
        } finally {
            joined = false;
            try {
                consumer.close();
            } finally {
                finished.countDown();
            }
        }
    }

    /** Asks the thread to stop after its batch in progress; {@link #awaitFinished} waits for it. */
    void requestStop() {
        stopRequestedAt = System.nanoTime();
        stopping = true;
    }

    /** Whether this consumer has joined its group (had a partition assignment) and its thread still runs. */
    boolean hasJoined() {
        return joined;
    }

    String model() {
        return model;
    }

    boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void consumeOnce() {
        Batch batch = next.take();
        if (batch == null) {
            try {
                batch = aggregator.nextBatch(IDLE_POLL);
            } catch (KafkaException e) {
                // The client retries broker outages itself; what reaches here is worth a line, not the thread.
                log.warn("Model '{}': polling failed, polling again: {}", model, e.toString());
                return;
            }
        }
        if (!batch.isEmpty()) {
            next.takeEarly();
            long start = System.nanoTime();
            Span span = tracing.startBatch(batch, model);
            try (Tracer.SpanInScope scope = tracing.inScope(span)) {
                runUntilDone(batch, span);
            } finally {
                batch.endSpans();
                span.end();
            }
            metrics.batchDone(batch, System.nanoTime() - start);
        }
    }

    /**
     * Runs the batch and commits it. A store that does not answer ({@link TransientStoreException}) has the batch
     * retried; any other exception is a fault that the same attempt would meet again, so the batch's jobs are failed
     * with it instead, and the consumer goes on to the next batch. While the worker stops, every failure is retried:
     * its scheduler and clients close under the batch, which is no fault of its jobs, and a batch still failing at
     * {@code shutdown-timeout} is left uncommitted for the next owner.
     */
    private void runUntilDone(Batch batch, Span span) {
        BackOffExecution backOff = retryBackOff.start();
        Batch remaining = batch;
        RuntimeException fault = null;
        for (int attempt = 1; !remaining.isEmpty(); attempt++) {
            try {
                if (fault == null) {
                    runner.run(remaining);
                } else {
                    runner.fail(remaining, fault);
                }
                commit(remaining);
                break;
            } catch (RuntimeException e) {
                if (!(e instanceof TransientStoreException) && !stopping) {
                    span.error(e);
                    if (fault != null) {
                        log.error("Model '{}': failing the jobs of a faulty batch failed too; leaving jobs {} "
                                + "uncommitted for a later delivery", model, keys(remaining), e);
                        break;
                    }
                    log.error("Model '{}': a batch failed on a fault that retrying cannot mend; its jobs {} fail",
                            model, keys(remaining), e);
                    fault = e;
                    continue;
                }
                metrics.attemptFailed();
                span.event("attempt " + attempt + " failed: " + e);
                log.warn("Model '{}': attempt {} at a batch failed, retrying it (its offsets stay uncommitted): "
                        + "jobs {}: {}", model, attempt, keys(remaining), e.toString());
                log.debug("Failure of attempt {}", attempt, e);
            }
            if (!pauseBeforeRetry(Duration.ofMillis(backOff.nextBackOff()))) {
                log.warn("Model '{}': stopping with a batch still failing; its {} job(s) stay uncommitted and will be "
                        + "delivered again", model, remaining.jobs().size());
                return;
            }
            // A rebalance during the retries may have moved some partitions away.
            remaining = remaining.retainOwned(consumer.assignment());
        }
        pauses.set(PartitionPauses.Reason.RETRYING, false);
    }

    /** Waits {@code pause} with the partitions paused, polling so as to stay in the group; false to give up. */
    private boolean pauseBeforeRetry(Duration pause) {
        pauses.set(PartitionPauses.Reason.RETRYING, true);
        long until = System.nanoTime() + pause.toNanos();
        while (true) {
            if (stopping && System.nanoTime() - stopRequestedAt > shutdownTimeout.toNanos()) {
                return false;
            }
            long left = until - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            aggregator.poll(Duration.ofNanos(Math.min(left, IDLE_POLL.toNanos())));
        }
    }

    /**
     * Commits each of the batch's partitions up to its lowest offset still unfinished: a job of another tenant
     * polled earlier may still wait in the read-ahead. The commit is asynchronous, so the next batch does not wait for
     * the broker's answer: every job in the batch already has its outcome stored, and a re-delivery (after a crash,
     * before the commit landed) skips finished jobs. A commit that fails is not retried: the partition's next commit
     * covers these offsets too. What is not yet committed is committed synchronously when partitions are revoked and
     * when the consumer stops, so a new owner starts where this one ended.
     */
    private void commit(Batch batch) {
        Map<TopicPartition, OffsetAndMetadata> commits = offsets.finished(batch.jobs());
        if (commits.isEmpty()) {
            return;
        }
        consumer.commitAsync(commits, (committed, e) -> {
            if (e == null) {
                offsets.committed(committed);
            } else {
                log.warn("Model '{}': committing offsets {} failed; the jobs are finished, so a re-delivery will "
                        + "skip them: {}", model, committed, e.toString());
            }
        });
    }

    /** Commits, and waits for, what is finished but not yet committed in {@code partitions}. */
    private void commitNow(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> commits = offsets.uncommitted(partitions);
        if (commits.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(commits);
            offsets.committed(commits);
        } catch (KafkaException e) {
            log.warn("Model '{}': committing offsets {} failed; the jobs are finished, so a re-delivery will skip "
                    + "them: {}", model, commits, e.toString());
        }
    }

    private static List<String> keys(Batch batch) {
        List<String> keys = new ArrayList<>(batch.jobs().size());
        batch.jobs().forEach(job -> keys.add(job.source().key()));
        return keys;
    }

    /** Keeps the aggregator and the retry pause consistent with the partitions this consumer owns. */
    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commitNow(partitions);
            aggregator.forget(partitions);
            next.forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            aggregator.forget(partitions);
            next.forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            joined = true;
            // Nothing new starts while the batch in hand is failing, nor is read while the read-ahead is full.
            pauses.assigned(partitions);
        }
    }
}
