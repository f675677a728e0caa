package dev.inferq.worker.run;

import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One model's job and forward-pass meters, as operators read them on {@code /actuator/prometheus} (names in the
 * README): {@code inferq.jobs.finished} by outcome, the {@code inferq.job.queue.wait}, {@code inferq.job.run} and
 * {@code inferq.job.end.to.end} timers taken from each stored outcome's own timestamps, and per forward pass
 * {@code inferq.batch.inputs}, {@code inferq.forward.pass}, {@code inferq.worker.busy} (seconds spent classifying,
 * whose rate is the share of time the model's consumers are busy) and {@code inferq.compute.wait} (how long the pass
 * waited for the worker's compute scheduler). All tagged with the model.
 */
public final class JobMetrics {

    /** Buckets from a fast text job to a large image batch on a slow CPU. */
    private static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60), Duration.ofSeconds(120)};
    private static final double[] INPUT_BUCKETS = {1, 2, 4, 8, 16, 32, 64};

    private final Map<JobStatus, Counter> finished = new EnumMap<>(JobStatus.class);
    private final Timer queueWait;
    private final Timer run;
    private final Timer endToEnd;
    private final DistributionSummary passInputs;
    private final Timer forwardPass;
    private final Timer computeWait;
    private final Counter busy;

    public JobMetrics(MeterRegistry registry, String model) {
        for (JobStatus outcome : new JobStatus[] {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.EXPIRED}) {
            finished.put(outcome, Counter.builder("inferq.jobs.finished")
                    .description("Jobs whose outcome this worker stored, by outcome")
                    .tag("model", model).tag("outcome", outcome.name()).register(registry));
        }
        this.queueWait = latency("inferq.job.queue.wait", "From acceptance to start (started_at - created_at)",
                model, registry);
        this.run = latency("inferq.job.run", "From start to outcome (finished_at - started_at)", model, registry);
        this.endToEnd = latency("inferq.job.end.to.end", "From acceptance to outcome (finished_at - created_at)",
                model, registry);
        this.passInputs = DistributionSummary.builder("inferq.batch.inputs").baseUnit("inputs")
                .description("Inputs per forward pass").serviceLevelObjectives(INPUT_BUCKETS)
                .tag("model", model).register(registry);
        this.forwardPass = latency("inferq.forward.pass", "One forward pass (classify call) of a batch of inputs",
                model, registry);
        this.computeWait = latency("inferq.compute.wait",
                "From asking the compute scheduler for threads to the forward pass's start", model, registry);
        this.busy = Counter.builder("inferq.worker.busy").baseUnit("seconds")
                .description("Time spent in forward passes; its rate is the share of time the model is busy")
                .tag("model", model).register(registry);
    }

    private static Timer latency(String name, String description, String model, MeterRegistry registry) {
        return Timer.builder(name).description(description).serviceLevelObjectives(LATENCY_BUCKETS)
                .tag("model", model).register(registry);
    }

    /** A terminal record this worker has just stored (only one whose transition was applied). */
    public void finished(JobRecord outcome) {
        Counter counter = finished.get(outcome.status());
        if (counter == null) {
            throw new IllegalArgumentException("a worker never stores a " + outcome.status() + " outcome");
        }
        counter.increment();
        Instant finishedAt = outcome.finishedAt();
        if (outcome.startedAt() != null) {
            record(queueWait, outcome.createdAt(), outcome.startedAt());
            record(run, outcome.startedAt(), finishedAt);
        }
        record(endToEnd, outcome.createdAt(), finishedAt);
    }

    public void forwardPass(int inputs, long nanos) {
        passInputs.record(inputs);
        forwardPass.record(nanos, TimeUnit.NANOSECONDS);
        busy.increment(nanos / 1e9);
    }

    public void computeWait(long nanos) {
        computeWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    private static void record(Timer timer, Instant from, Instant to) {
        // created_at comes from the gateway's clock: a little skew must not drop the sample (negatives are ignored).
        timer.record(Duration.between(from, to).isNegative() ? Duration.ZERO : Duration.between(from, to));
    }
}
