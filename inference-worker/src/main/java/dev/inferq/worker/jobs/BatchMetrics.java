package dev.inferq.worker.jobs;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * One model's batching figures, for operators tuning {@link BatchPolicy}: {@code inferq.worker.batch.inputs} (inputs
 * per batch), {@code inferq.worker.batch.jobs} (jobs per batch) and {@code inferq.worker.batch.duration} (time from a
 * batch's hand-out to its commit), each tagged with the model; under {@code /actuator/metrics}.
 */
final class BatchMetrics {

    private final DistributionSummary inputs;
    private final DistributionSummary jobs;
    private final Timer duration;

    BatchMetrics(MeterRegistry registry, String model) {
        this.inputs = DistributionSummary.builder("inferq.worker.batch.inputs").baseUnit("inputs")
                .description("Inputs per batch").tag("model", model).register(registry);
        this.jobs = DistributionSummary.builder("inferq.worker.batch.jobs").baseUnit("jobs")
                .description("Jobs per batch").tag("model", model).register(registry);
        this.duration = Timer.builder("inferq.worker.batch.duration")
                .description("From hand-out to commit of a batch: reads, forward pass(es), stores")
                .tag("model", model).register(registry);
    }

    void batchDone(BatchAggregator.Batch batch, long nanos) {
        inputs.record(batch.inputs());
        jobs.record(batch.records().size());
        duration.record(nanos, TimeUnit.NANOSECONDS);
    }
}
