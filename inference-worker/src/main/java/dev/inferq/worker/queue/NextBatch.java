package dev.inferq.worker.queue;

import dev.inferq.worker.inference.BatchPolicy;
import dev.inferq.worker.run.Batch;
import dev.inferq.worker.run.BatchRunner;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch after the one running, for a runner that reads inputs ahead (image models, {@link BatchRunner#readsAhead}):
 * taken as the current one starts, so that its images are decoded and prepared while the current one's forward
 * passes run. It is then formed one batch earlier than it would be otherwise, and a model with a batch delay does not
 * do this (its next batch could not fill while the current one runs). Belongs to its consumer's thread.
 */
final class NextBatch {

    private static final Logger log = LoggerFactory.getLogger(NextBatch.class);

    private final String model;
    private final Consumer<?, ?> consumer;
    private final BatchAggregator aggregator;
    private final BatchRunner runner;
    private final boolean takesEarly;
    /** Null when none was taken early. */
    private Batch next;

    NextBatch(String model, Consumer<?, ?> consumer, BatchAggregator aggregator, BatchRunner runner,
            BatchPolicy policy) {
        this.model = model;
        this.consumer = consumer;
        this.aggregator = aggregator;
        this.runner = runner;
        this.takesEarly = runner.readsAhead() && policy.maxBatchDelay().isZero();
    }

    /** Hands over the batch taken early; null when there is none. */
    Batch take() {
        Batch taken = next;
        next = null;
        return taken;
    }

    /** Takes the next batch now, without waiting for more jobs, and has the runner start reading its inputs. */
    void takeEarly() {
        if (!takesEarly) {
            return;
        }
        try {
            Batch early = aggregator.nextBatch(Duration.ZERO);
            if (!early.isEmpty()) {
                next = early;
                runner.readAhead(early);
            }
        } catch (KafkaException e) {
            log.warn("Model '{}': polling for the next batch failed, polling again after this one: {}", model,
                    e.toString());
        }
    }

    /** Drops the jobs of {@code partitions}: their new owner receives them. */
    void forget(Collection<TopicPartition> partitions) {
        if (next != null) {
            Set<TopicPartition> kept = new HashSet<>(consumer.assignment());
            kept.removeAll(partitions);
            next = next.retainOwned(kept);
        }
    }

    /** How many jobs were taken early and not handed over yet. */
    int size() {
        return next == null ? 0 : next.jobs().size();
    }
}
