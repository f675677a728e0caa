package dev.inferq.worker.run;

import dev.inferq.common.job.JobStore.Transition;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.worker.store.BlockingJobStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a group of jobs: counts each start ({@code max-deliveries}), ends FAILED a job started that often already
 * instead of running it again, and moves the others to RUNNING. A batch retried after a transient failure is still
 * the same delivery, so its starts are counted once ({@link Batch#deliveries}): a retry must not bring a job nearer to
 * its limit than a crash would.
 */
final class JobStarts {

    private static final Logger log = LoggerFactory.getLogger(JobStarts.class);

    private final BlockingJobStore store;
    private final Outcomes outcomes;
    private final JobTracing tracing;
    private final int maxDeliveries;
    private final String worker;

    JobStarts(BlockingJobStore store, Outcomes outcomes, JobTracing tracing, int maxDeliveries, String worker) {
        this.store = store;
        this.outcomes = outcomes;
        this.tracing = tracing;
        this.maxDeliveries = maxDeliveries;
        this.worker = worker;
    }

    /**
     * Starts what may start of {@code group} and answers those jobs, now RUNNING. A job given up ends FAILED (its
     * outcome is stored with the group's); a job that became terminal meanwhile (cancelled, say) is left out.
     */
    List<JobRun> start(Batch batch, List<JobRun> group) {
        countDeliveries(batch, group);
        Instant now = Instant.now();
        List<JobRun> starting = new ArrayList<>();
        for (JobRun job : group) {
            long delivery = batch.deliveries(job.id()).orElseThrow();
            if (delivery > maxDeliveries) {
                outcomes.fail(batch, job, ErrorCodes.GIVEN_UP_AFTER_DELIVERIES, "given up: the job was started "
                        + (delivery - 1) + " times and its worker stopped every time before it finished (for example,"
                        + " it crashed on this input); inferq.worker.max-deliveries is " + maxDeliveries);
            } else {
                starting.add(job);
            }
        }
        List<JobRecord> running = starting.stream().map(job -> job.record().running(now, worker)).toList();
        List<Transition> transitions = store.transitionAll(running);
        List<JobRun> started = new ArrayList<>();
        // The store answers in the order asked.
        for (int i = 0; i < starting.size(); i++) {
            JobRun job = starting.get(i);
            if (transitions.get(i).applied()) {
                job.started(running.get(i));
                started.add(job);
            } else {
                try (JobTracing.Scope scope = tracing.about(batch, job.delivery())) {
                    log.info("Skipping job {}: it became {} meanwhile", job.id(),
                            Outcomes.describe(transitions.get(i)));
                }
            }
        }
        return started;
    }

    /** Counts this delivery's start of each job of {@code group} that it has not counted yet. */
    private void countDeliveries(Batch batch, List<JobRun> group) {
        List<JobId> uncounted = group.stream().map(JobRun::id).filter(id -> batch.deliveries(id).isEmpty())
                .toList();
        List<Long> counts = store.countDeliveries(uncounted);
        for (int i = 0; i < uncounted.size(); i++) {
            batch.counted(uncounted.get(i), counts.get(i));
        }
    }
}
