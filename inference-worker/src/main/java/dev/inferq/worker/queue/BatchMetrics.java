package dev.inferq.worker.queue;

import dev.inferq.worker.inference.BatchPolicy;
import dev.inferq.worker.run.Batch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * One model's batching figures, for operators tuning {@link BatchPolicy}: {@code inferq.worker.batch.inputs} (inputs
 * per batch), {@code inferq.worker.batch.jobs} (jobs per batch) and {@code inferq.worker.batch.duration} (time from a
 * batch's hand-out to its commit) and {@code inferq.worker.batch.failed.attempts} (attempts at a batch that failed
 * for a transient reason and are retried), each tagged with the model; under {@code /actuator/metrics}.
 */
final class BatchMetrics {

    private final DistributionSummary inputs;
    private final DistributionSummary jobs;
    private final Timer duration;
    private final Counter failedAttempts;

    BatchMetrics(MeterRegistry registry, String model) {
        this.inputs = DistributionSummary.builder("inferq.worker.batch.inputs").baseUnit("inputs")
                .description("Inputs per batch").tag("model", model).register(registry);
        this.jobs = DistributionSummary.builder("inferq.worker.batch.jobs").baseUnit("jobs")
                .description("Jobs per batch").tag("model", model).register(registry);
        this.duration = Timer.builder("inferq.worker.batch.duration")
                .description("From hand-out to commit of a batch: reads, forward pass(es), stores")
                .tag("model", model).register(registry);
        this.failedAttempts = Counter.builder("inferq.worker.batch.failed.attempts")
                .description("Attempts at a batch that failed for a transient reason; the batch is retried")
                .tag("model", model).register(registry);
    }

    void attemptFailed() {
        failedAttempts.increment();
    }

    void batchDone(Batch batch, long nanos) {
        inputs.record(batch.inputs());
        jobs.record(batch.jobs().size());
        duration.record(nanos, TimeUnit.NANOSECONDS);
    }
}
