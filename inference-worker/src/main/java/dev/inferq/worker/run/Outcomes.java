package dev.inferq.worker.run;

import dev.inferq.common.job.JobStore.Transition;
import dev.inferq.worker.store.BlockingJobStore;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends jobs and stores their outcomes. A job that can never succeed is FAILED only once its dead letter is durable
 * ({@link DeadLetters}): were it stored FAILED first and the publish then failed, the retried batch would skip the
 * (finished) job and its copy would never be written.
 *
 * <p>A group's outcomes are stored together, with one script call. A refused transition (the job was cancelled
 * meanwhile, or another delivery finished it first) is some other writer's outcome, so only applied ones are counted
 * ({@link JobMetrics}); each write is traced ({@code inferq.store}).
 */
final class Outcomes {

    private static final Logger log = LoggerFactory.getLogger(Outcomes.class);
    /**
     * One line per stored outcome, with the job's id and trace, at DEBUG: a line per job at INFO cost more CPU than the
     * job's own bookkeeping. Its own logger, so operators can turn it on; the name is older than the worker's packages
     * and stays, as operators' settings use it.
     */
    private static final Logger outcomeLog = LoggerFactory.getLogger("dev.inferq.worker.jobs.outcomes");

    private final String model;
    private final BlockingJobStore store;
    private final DeadLetters deadLetters;
    private final JobMetrics metrics;
    private final JobTracing tracing;

    Outcomes(String model, BlockingJobStore store, DeadLetters deadLetters,
            JobMetrics metrics, JobTracing tracing) {
        this.model = model;
        this.store = store;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.tracing = tracing;
    }

    /** Ends {@code job} FAILED with {@code reason} of the kind {@code code}, once its dead letter is durable. */
    void fail(Batch batch, JobRun job, String code, String reason) {
        try (JobTracing.Scope scope = tracing.about(batch, job.delivery())) {
            log.warn("Job {} fails: {}", job.id(), reason);
            deadLetters.publish(model, job.delivery().source(), job.id().value(), reason);
        }
        job.ended(job.record().failed(code, reason, Instant.now()));
    }

    /** Stores the outcomes of the jobs of {@code group} that ended, with a line for each. */
    void finish(Batch batch, List<JobRun> group) {
        List<JobRun> ended = group.stream().filter(JobRun::hasEnded).toList();
        List<Transition> transitions = store(batch, ended);
        for (int i = 0; i < ended.size(); i++) {
            JobRun job = ended.get(i);
            try (JobTracing.Scope scope = tracing.about(batch, job.delivery())) {
                if (transitions.get(i).applied()) {
                    outcomeLog.debug("Job {} {} ({} input(s){})", job.id(), job.record().status(),
                            job.record().inputCount(), job.record().cached() ? ", from the response cache" : "");
                } else {
                    log.info("Job {} ended {} but was not stored: it became {} meanwhile", job.id(),
                            job.record().status(), describe(transitions.get(i)));
                }
            }
        }
    }

    /** Stores the outcomes of {@code ended}; the store's answers are in the same order. */
    List<Transition> store(Batch batch, List<JobRun> ended) {
        List<JobTracing.OutcomeSpans> spans = ended.stream()
                .map(job -> tracing.store(batch.span(job.delivery()), job.record())).toList();
        List<Transition> transitions;
        try {
            transitions = store.transitionAll(ended.stream().map(JobRun::record).toList());
        } catch (RuntimeException e) {
            spans.forEach(span -> span.failed(e));
            throw e;
        }
        for (int i = 0; i < ended.size(); i++) {
            boolean applied = transitions.get(i).applied();
            spans.get(i).stored(applied);
            if (applied) {
                metrics.finished(ended.get(i).record());
            }
        }
        return transitions;
    }

    /** What a refused transition found instead. */
    static String describe(Transition transition) {
        return transition.current() != null ? transition.current().name() : "missing";
    }
}
