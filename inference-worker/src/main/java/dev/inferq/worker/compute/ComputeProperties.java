package dev.inferq.worker.compute;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the worker's {@link ComputeScheduler} ({@code inferq.worker.compute.*}).
 *
 * @param threads the intra-op threads that all forward passes running at once share; 0 (the default) takes the cores
 *     this JVM may use ({@code Runtime.availableProcessors()})
 * @param bulkPassInputs the most inputs of a bulk model (image) in one forward pass: a batch with more is run as
 *     several passes. 1, the default, served the most images under the seed's load test with text and images on the
 *     same 2 cores (docs/performance.md, "Compute scheduling"). 0 chooses between one input and the model's batch size
 *     from measurement: the timings of the variant selection at start, then the passes as they run
 *     ({@code PassSizes}), taking the one with the fewest milliseconds per input among those within
 *     {@code bulkPassTime}; it served 8% more images where images ran alone
 * @param bulkPassTime the longest image pass that {@code bulkPassInputs: 0} may choose: what the first text pass after
 *     a quiet spell, or every text pass in one lane, waits at most behind an image pass
 * @param latencyReserve how long after the last pass of a kind it still counts as active: while text and image passes
 *     have both been active within it, text passes share one thread and image passes the others, side by side, so
 *     that a text pass does not wait for an image pass. 0 turns this off: every pass takes every thread, and a text
 *     pass waits for the image pass in progress (one lane, text first)
 * @param bulkMaxWait how long a bulk pass may wait while text passes go first; past it, it goes before text passes
 *     that arrive after it, so image jobs progress under any text load
 */
@ConfigurationProperties("inferq.worker.compute")
public record ComputeProperties(
        @DefaultValue("0") int threads,
        @DefaultValue("1") int bulkPassInputs,
        @DefaultValue("600ms") Duration bulkPassTime,
        @DefaultValue("2s") Duration latencyReserve,
        @DefaultValue("2s") Duration bulkMaxWait) {

    public ComputeProperties {
        if (threads < 0) {
            throw new IllegalArgumentException("inferq.worker.compute.threads must be 0 (all cores) or more, was "
                    + threads);
        }
        if (bulkPassInputs < 0) {
            throw new IllegalArgumentException("inferq.worker.compute.bulk-pass-inputs must be 0 (the fastest batch "
                    + "size measured) or more, was " + bulkPassInputs);
        }
        if (bulkPassTime.isNegative()) {
            throw new IllegalArgumentException("inferq.worker.compute.bulk-pass-time must not be negative, was "
                    + bulkPassTime);
        }
        if (latencyReserve.isNegative()) {
            throw new IllegalArgumentException("inferq.worker.compute.latency-reserve must not be negative, was "
                    + latencyReserve);
        }
        if (bulkMaxWait.isNegative()) {
            throw new IllegalArgumentException("inferq.worker.compute.bulk-max-wait must not be negative, was "
                    + bulkMaxWait);
        }
    }

    /** The thread budget: {@code threads}, or the available cores when it is 0. */
    public int threadBudget() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
