package dev.inferq.worker.inference;

import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.worker.WorkerProperties;
import java.time.Duration;

/**
 * How one model's jobs are batched: at most {@code maxBatchSize} inputs per forward pass, waiting at most
 * {@code maxBatchDelay} after a batch's first job for more (DJL Serving's {@code batchSize} and
 * {@code maxBatchDelay}). A model's {@code serving.properties} may set both, under DJL Serving's keys; otherwise the
 * worker's {@code inferq.worker.max-batch-size} and {@code max-batch-delay} apply.
 *
 * @param maxBatchSize the most inputs in one forward pass; a job with more inputs forms a batch of its own
 * @param maxBatchDelay the longest a job waits for others to join its batch; zero takes whatever has arrived
 */
public record BatchPolicy(int maxBatchSize, Duration maxBatchDelay) {

    /** DJL Serving's {@code serving.properties} key for the batch size. */
    static final String BATCH_SIZE_KEY = "batchSize";
    /** DJL Serving's {@code serving.properties} key for the batch delay, in milliseconds. */
    static final String MAX_BATCH_DELAY_KEY = "maxBatchDelay";

    public BatchPolicy {
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("the batch size must be at least 1, was " + maxBatchSize);
        }
        if (maxBatchDelay.isNegative()) {
            throw new IllegalArgumentException("the batch delay must not be negative, was " + maxBatchDelay);
        }
    }

    /**
     * The most Kafka records one poll may return ({@code max.poll.records}): every job has at least one input, so a
     * poll never brings more jobs than one batch could take.
     */
    public int maxPollRecords() {
        return maxBatchSize;
    }

    /** The model's own settings where its {@code serving.properties} has them, the worker's otherwise. */
    public static BatchPolicy of(ModelDescriptor model, WorkerProperties defaults) {
        try {
            int size = model.property(BATCH_SIZE_KEY).map(String::trim).map(Integer::parseInt)
                    .orElse(defaults.maxBatchSize());
            Duration delay = model.property(MAX_BATCH_DELAY_KEY).map(String::trim).map(Long::parseLong)
                    .map(Duration::ofMillis).orElse(defaults.maxBatchDelay());
            return new BatchPolicy(size, delay);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("serving.properties of model '" + model.name() + "' has an invalid "
                    + BATCH_SIZE_KEY + " or " + MAX_BATCH_DELAY_KEY + " (whole numbers; the delay in milliseconds): "
                    + e.getMessage(), e);
        }
    }
}
