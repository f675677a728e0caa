package dev.inferq.worker;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

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
 * @param intraOpThreads libtorch's thread count when the engine loads (the start-up variant measurement runs with it);
 *     0 keeps DJL's default (one per physical core). Forward passes of jobs run with the count the compute scheduler
 *     gives each ({@code inferq.worker.compute.*}). Applied as the system property {@code ai.djl.pytorch.num_threads},
 *     which the PyTorch engine reads once, when it loads
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
 * @param fairShare whether each model's batches share its compute fairly between tenants (start-time fair queuing on
 *     inputs over the jobs read ahead, see {@code TenantQueues}); false runs jobs in the order they were read
 * @param readAhead the most jobs one consumer thread reads ahead of the batch it forms: fair share reaches only the
 *     jobs read ahead, so a tenant's jobs behind a deeper burst of another still wait for the burst. The default
 *     matches the gateway's default {@code max-backlog}, so that every job the gateway admits for a model is within
 *     reach (with one consumer thread). Its partitions are paused while this many are buffered
 * @param readAheadBytes the most bytes of job messages one consumer thread reads ahead, whichever of the two limits
 *     comes first; bounds the memory a backlog of large text jobs takes
 * @param tenantWeights each named tenant's share of a model relative to the others
 *     ({@code inferq.worker.tenant-weights.<tenant>=<n>}); tenants not named have weight 1
 * @param variant a variant pinned per model, by model name (env {@code INFERQ_WORKER_VARIANT_<MODEL>}): that variant of
 *     the model folder is served without measuring the others (models/README.md, "Image model variants")
 * @param variantSelection how the variant of a model folder that lists several is chosen at start
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
        @DefaultValue("") String crashOnInput,
        @DefaultValue("true") boolean fairShare,
        @DefaultValue("2000") int readAhead,
        @DefaultValue("16MB") DataSize readAheadBytes,
        @DefaultValue Map<String, Integer> tenantWeights,
        @DefaultValue Map<String, String> variant,
        @DefaultValue VariantSelection variantSelection) {

    public WorkerProperties {
        models = List.copyOf(models);
        variant = Map.copyOf(variant);
        requireAtLeast(1, maxBatchSize, "max-batch-size");
        if (maxBatchDelay.isNegative()) {
            throw new IllegalArgumentException("inferq.worker.max-batch-delay must not be negative, was "
                    + maxBatchDelay);
        }
        requireAtLeast(1, consumersPerModel, "consumers-per-model");
        requireAtLeast(0, intraOpThreads, "intra-op-threads");
        requireAtLeast(1, maxDeliveries, "max-deliveries");
        requireAtLeast(1, readAhead, "read-ahead");
        if (readAheadBytes.toBytes() < 1) {
            throw new IllegalArgumentException("inferq.worker.read-ahead-bytes must be positive, was "
                    + readAheadBytes);
        }
        tenantWeights = tenantWeights == null ? Map.of() : Map.copyOf(tenantWeights);
        tenantWeights.forEach((tenant, weight) -> requireAtLeast(1, weight, "tenant-weights." + tenant));
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

    /**
     * Settings of the start-up measurement ({@code inferq.worker.variant-selection.*}).
     *
     * @param budget the most time one model's candidates spend in forward passes being measured (loading them is on
     *     top). Ten seconds lets the full-size ViT-B/16 (about 1.6 s per pass of 4 images on a 2-core AVX2 CPU, 0.7 s
     *     with AMX) have a warm-up and a timed pass at each batch size for two or three candidates; a tiny model
     *     finishes all its rounds in well under a second
     */
    public record VariantSelection(@DefaultValue("10s") Duration budget) {

        public VariantSelection {
            if (budget.isNegative()) {
                throw new IllegalArgumentException("inferq.worker.variant-selection.budget must not be negative, was "
                        + budget);
            }
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
