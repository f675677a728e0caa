package dev.inferq.worker;

import java.net.InetAddress;
import java.net.UnknownHostException;
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
 *     ({@code max.poll.records}); a model's {@code serving.properties} may set its own as {@code batchSize}
 * @param maxBatchDelay the longest a job waits for others to join its batch (DJL Serving's {@code maxBatchDelay});
 *     a model's {@code serving.properties} may set its own as {@code maxBatchDelay}, in milliseconds
 * @param consumersPerModel consumer threads per model in this process; each can own some of the topic's partitions
 * @param intraOpThreads libtorch threads per forward pass; 0 keeps DJL's default (one per physical core). Applied as
 *     the system property {@code ai.djl.pytorch.num_threads}, which the PyTorch engine reads once, when it loads
 * @param graphOptimizer whether TorchScript's graph executor re-optimises the model for each new input shape. Off by
 *     default: batches of texts vary in both batch size and sequence length, so nearly every batch is a new shape, and
 *     re-profiling them made batches several times slower end to end (bench/RESULTS.md). Applied as the system
 *     property {@code ai.djl.pytorch.graph_optimizer}, which DJL sets on the calling thread before each forward pass
 * @param retryInitialBackoff first pause before another attempt at a batch that failed for a transient reason (Redis
 *     unreachable, Kafka not taking a dead letter, ...); each further pause doubles, up to {@code retryMaxBackoff}.
 *     A batch is never given up on: its offsets are committed only once every job in it has a terminal state
 * @param retryMaxBackoff the longest pause between attempts at a failing batch
 * @param storeTimeout the longest wait for one Redis command before the batch counts as failed (and is retried)
 * @param deadLetterTimeout the longest wait for Kafka to acknowledge a dead letter before the batch counts as failed
 *     (and is retried)
 * @param shutdownTimeout how long stopping waits for the in-flight batches to finish and commit; also
 *     {@code spring.lifecycle.timeout-per-shutdown-phase} (see application.yml)
 * @param maxDeliveries how often a job may be started before it is given up: a job still unfinished after this many
 *     starts has crashed its worker each time (or the worker died for another reason while it ran), so the next
 *     delivery ends it FAILED with a copy in the dead-letter topic instead of running it again
 * @param id the name of this worker in job records ({@code worker}) and in the worker directory; empty: the process
 *     id and the host name
 * @param announceInterval how often the worker refreshes its entry in the worker directory (which lapses after three
 *     times this when the worker stops refreshing it)
 * @param crashOnInput fault injection for the {@code crash-loop} fault scenario only: a text job with this exact
 *     input halts the worker process when it is about to run, as a model crash would. Empty (off) by default;
 *     the worker logs a warning at start when it is set
 */
@ConfigurationProperties("inferq.worker")
public record WorkerProperties(
        @DefaultValue List<String> models,
        @DefaultValue("32") int maxBatchSize,
        @DefaultValue("0ms") Duration maxBatchDelay,
        @DefaultValue("1") int consumersPerModel,
        @DefaultValue("0") int intraOpThreads,
        @DefaultValue("false") boolean graphOptimizer,
        @DefaultValue("200ms") Duration retryInitialBackoff,
        @DefaultValue("10s") Duration retryMaxBackoff,
        @DefaultValue("10s") Duration storeTimeout,
        @DefaultValue("10s") Duration deadLetterTimeout,
        @DefaultValue("60s") Duration shutdownTimeout,
        @DefaultValue("3") int maxDeliveries,
        @DefaultValue("") String id,
        @DefaultValue("5s") Duration announceInterval,
        @DefaultValue("") String crashOnInput) {

    public WorkerProperties {
        models = List.copyOf(models);
        requireAtLeast(1, maxBatchSize, "max-batch-size");
        if (maxBatchDelay.isNegative()) {
            throw new IllegalArgumentException("inferq.worker.max-batch-delay must not be negative, was "
                    + maxBatchDelay);
        }
        requireAtLeast(1, consumersPerModel, "consumers-per-model");
        requireAtLeast(0, intraOpThreads, "intra-op-threads");
        requireAtLeast(1, maxDeliveries, "max-deliveries");
        if (announceInterval.isNegative() || announceInterval.isZero()) {
            throw new IllegalArgumentException("inferq.worker.announce-interval must be positive, was "
                    + announceInterval);
        }
        if (id.isBlank()) {
            id = ProcessHandle.current().pid() + "@" + hostName();
        }
        if (retryInitialBackoff.isNegative() || retryInitialBackoff.isZero()
                || retryMaxBackoff.compareTo(retryInitialBackoff) < 0) {
            throw new IllegalArgumentException("inferq.worker.retry-initial-backoff must be positive and at most"
                    + " inferq.worker.retry-max-backoff, were " + retryInitialBackoff + " and " + retryMaxBackoff);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }

    private static void requireAtLeast(int minimum, int value, String name) {
        if (value < minimum) {
            throw new IllegalArgumentException("inferq.worker." + name + " must be at least " + minimum + ", was "
                    + value);
        }
    }
}
