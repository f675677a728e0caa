package dev.inferq.worker.run;

import dev.inferq.common.job.StartOrder;
import dev.inferq.common.job.StartResult;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.worker.store.BlockingJobStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts jobs, a group of them with one call of the store: counts each start ({@code max-deliveries}), ends FAILED a
 * job started that often already instead of running it again, and moves the others to RUNNING. A batch retried after
 * a transient failure is still the same delivery, so its starts are counted once ({@link Batch#deliveries}): a retry
 * must not bring a job nearer to its limit than a crash would.
 *
 * <p>A batch's first start ({@link #begin}) reads no record before: each job's RUNNING record is built from its
 * message, and the store keeps every field a start does not write as stored (the trace id, the webhook flag). It
 * starts only QUEUED jobs, and answers every job's record as it found it, so that the runner sorts out the others
 * (finished, expired, suspects, lost) from that one answer. A later start ({@link #start}) stores whole records built
 * from the records read.
 */
final class JobStarts {

    private static final Logger log = LoggerFactory.getLogger(JobStarts.class);
    /** A job found RUNNING by a batch's first start is a suspect, which runs on its own, later. */
    private static final Set<JobStatus> QUEUED = Set.of(JobStatus.QUEUED);

    private final BlockingJobStore store;
    private final Outcomes outcomes;
    private final JobTracing tracing;
    private final int maxDeliveries;
    private final String worker;
    private final String version;

    /** {@code version}: the version of the model that runs the jobs, named in their records. */
    JobStarts(BlockingJobStore store, Outcomes outcomes, JobTracing tracing, int maxDeliveries, String worker,
            String version) {
        this.store = store;
        this.outcomes = outcomes;
        this.tracing = tracing;
        this.maxDeliveries = maxDeliveries;
        this.worker = worker;
        this.version = version;
    }

    /**
     * What a batch's first start did with one job: {@code job} when it started it or gave it up (then ended FAILED,
     * its outcome stored with the others'), else null, and {@code current} the job's record as found (null: none).
     */
    record Begun(Delivery delivery, JobRun job, JobRecord current) {
    }

    /** Starts what may start of {@code deliveries}, the batch's jobs, and answers for each what it found, in order. */
    List<Begun> begin(Batch batch, List<Delivery> deliveries) {
        Instant now = Instant.now();
        List<StartOrder> orders = new ArrayList<>();
        for (Delivery delivery : deliveries) {
            JobRecord queued = JobRecord.queued(delivery.request());
            OptionalLong counted = batch.deliveries(queued.id());
            // A job past its deadline, or given up by this delivery already, is only read: the runner ends it.
            boolean startable = !queued.isPastDeadline(now) && !givenUp(counted);
            orders.add(new StartOrder(queued.withModelVersion(version).running(now, worker), counted.isEmpty(),
                    startable ? QUEUED : Set.of()));
        }
        List<StartResult> results = store.start(orders, true, maxDeliveries);
        List<Begun> begun = new ArrayList<>();
        // The store answers in the order asked.
        for (int i = 0; i < deliveries.size(); i++) {
            StartResult result = results.get(i);
            JobRun job = null;
            if (result.kind() == StartResult.Kind.STARTED || result.kind() == StartResult.Kind.GIVEN_UP) {
                job = new JobRun(deliveries.get(i), result.current().withModelVersion(version));
                started(batch, job, orders.get(i), result);
            }
            begun.add(new Begun(deliveries.get(i), job, result.current()));
        }
        return begun;
    }

    /**
     * Starts what may start of {@code group}, jobs as read before, and answers those jobs, now RUNNING. A job given up
     * ends FAILED (its outcome is stored with the group's); a job that became terminal meanwhile (cancelled, say) is
     * left out.
     */
    List<JobRun> start(Batch batch, List<JobRun> group) {
        Instant now = Instant.now();
        List<JobRun> asked = new ArrayList<>();
        List<StartOrder> orders = new ArrayList<>();
        for (JobRun job : group) {
            OptionalLong counted = batch.deliveries(job.id());
            if (givenUp(counted)) {
                giveUp(batch, job, counted.getAsLong());
            } else {
                asked.add(job);
                orders.add(new StartOrder(job.record().running(now, worker), counted.isEmpty(),
                        JobStatus.RUNNING.predecessors()));
            }
        }
        List<StartResult> results = store.start(orders, false, maxDeliveries);
        List<JobRun> started = new ArrayList<>();
        // The store answers in the order asked.
        for (int i = 0; i < asked.size(); i++) {
            JobRun job = asked.get(i);
            StartResult result = results.get(i);
            if (result.kind() == StartResult.Kind.STARTED || result.kind() == StartResult.Kind.GIVEN_UP) {
                started(batch, job, orders.get(i), result);
                if (result.kind() == StartResult.Kind.STARTED) {
                    started.add(job);
                }
            } else {
                try (JobTracing.Scope scope = tracing.about(batch, job.delivery())) {
                    log.info("Skipping job {}: it became {} meanwhile", job.id(),
                            result.current() == null ? "missing" : result.current().status().name());
                }
            }
        }
        return started;
    }

    /** Records what the store did with {@code job}, which it counted a start of, and started or gave up. */
    private void started(Batch batch, JobRun job, StartOrder order, StartResult result) {
        if (order.count()) {
            batch.counted(job.id(), result.deliveries());
        }
        if (result.kind() == StartResult.Kind.STARTED) {
            // What the store wrote: the record read, with what the order's start writes (begin's order has only that).
            job.started(job.record().running(order.running().startedAt(), worker));
        } else {
            giveUp(batch, job, result.deliveries());
        }
    }

    /** Whether this delivery counted a start of the job past the most deliveries already. */
    private boolean givenUp(OptionalLong counted) {
        return counted.isPresent() && counted.getAsLong() > maxDeliveries;
    }

    private void giveUp(Batch batch, JobRun job, long delivery) {
        outcomes.fail(batch, job, ErrorCodes.GIVEN_UP_AFTER_DELIVERIES, "given up: the job was started "
                + (delivery - 1) + " times and its worker stopped every time before it finished (for example,"
                + " it crashed on this input); inferq.worker.max-deliveries is " + maxDeliveries);
    }
}
