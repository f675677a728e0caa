package dev.inferq.worker;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the worker ({@code inferq.worker.*}).
 *
 * @param models the models this process serves, by folder name; empty serves every model in the models folder
 *     (env {@code WORKER_MODELS}, comma-separated)
 * @param maxBatchSize the most inputs in one forward pass, and the most Kafka records fetched per poll
 *     ({@code max.poll.records})
 * @param consumersPerModel consumer threads per model in this process; each can own some of the topic's partitions
 * @param intraOpThreads libtorch threads per forward pass; 0 keeps DJL's default (one per physical core). Applied as
 *     the system property {@code ai.djl.pytorch.num_threads}, which the PyTorch engine reads once, when it loads
 * @param retryBackoff pause between attempts at a batch that failed for a transient reason (Redis unreachable, ...)
 * @param maxRetries attempts after the first before the batch's jobs are given up on
 * @param storeTimeout the longest wait for one Redis command before the batch counts as failed (and is retried)
 */
@ConfigurationProperties("inferq.worker")
public record WorkerProperties(
        @DefaultValue List<String> models,
        @DefaultValue("32") int maxBatchSize,
        @DefaultValue("1") int consumersPerModel,
        @DefaultValue("0") int intraOpThreads,
        @DefaultValue("1s") Duration retryBackoff,
        @DefaultValue("5") int maxRetries,
        @DefaultValue("10s") Duration storeTimeout) {

    public WorkerProperties {
        models = List.copyOf(models);
        requireAtLeast(1, maxBatchSize, "max-batch-size");
        requireAtLeast(1, consumersPerModel, "consumers-per-model");
        requireAtLeast(0, intraOpThreads, "intra-op-threads");
        requireAtLeast(0, maxRetries, "max-retries");
    }

    private static void requireAtLeast(int minimum, int value, String name) {
        if (value < minimum) {
            throw new IllegalArgumentException("inferq.worker." + name + " must be at least " + minimum + ", was "
                    + value);
        }
    }
}
