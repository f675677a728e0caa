package dev.inferq.worker.run;

import dev.inferq.common.cache.CacheMetrics;
import dev.inferq.common.job.JobStore.Transition;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.Prediction;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.cache.ResponseCache;
import dev.inferq.worker.compute.ComputeScheduler;
import dev.inferq.worker.inference.ServedModel;
import dev.inferq.worker.inference.StoredInputs;
import dev.inferq.worker.store.BlockingJobStore;
import dev.inferq.worker.store.TransientStoreException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one batch of one model's jobs: starts them ({@link JobStarts}), answers what the response cache holds
 * ({@link CachedAnswers}), classifies the other inputs together ({@link ForwardPasses}) and stores each job's outcome
 * ({@link Outcomes}), each job travelling through these steps as one {@link JobRun}. It returns only once every
 * outcome is stored, and the consumer commits the offsets only then, so a crash re-delivers the batch.
 *
 * <p>Re-delivery is harmless: a job already finished is skipped, so a stored result never changes; one whose record is
 * gone ends FAILED or is skipped ({@link LostRecords}). A job that arrives RUNNING was started by a delivery that never
 * finished (its worker died): it is a suspect, and runs alone, after the others, so that an input that crashes the
 * worker takes no other job down with it. A store that does not answer throws a {@link TransientStoreException}, and
 * the consumer retries the whole batch; anything else thrown is a fault, and the consumer has the batch's jobs {@link
 * #fail}.
 *
 * <p>What can never succeed is not thrown: a job whose input cannot be read, that the model failed on, or that was
 * delivered too often ends FAILED with the reason, and a message that is no job for this model is skipped; each is
 * first copied to the model's dead-letter topic ({@link DeadLetters}), so the copy is durable before the job is FAILED
 * and before the offset is committed.
 *
 * <p>Each stored outcome is counted and timed ({@link JobMetrics}) and traced ({@code inferq.store}); every log line
 * about a job carries its {@code job_id} and, from its consume span, its trace ({@link JobTracing}). Inputs are never
 * logged. Redis is asked once per step for a group of jobs, one script call each: a batch's first start reads every
 * job's record, counts and starts the QUEUED ones in one go ({@link JobStarts#begin}), and one call stores every
 * outcome ({@link Outcomes}), so a batch of any size costs two round trips; only jobs sorted out by the first start
 * (expired, suspects) cost more.
 *
 * @param <I> the model's input type
 */
public final class BatchJobRunner<I> implements BatchRunner {

    private static final Logger log = LoggerFactory.getLogger(BatchJobRunner.class);

    private final String model;
    private final BlockingJobStore store;
    private final DeadLetters deadLetters;
    private final JobTracing tracing;
    private final InputPrefetch<I> reading;
    private final Outcomes outcomes;
    private final JobStarts starts;
    private final CachedAnswers cached;
    private final ForwardPasses<I> passes;
    private final LostRecords lost;
    private final String version;

    /**
     * The runner of {@code version} of the model, {@code model} as loaded from that version's folder: each job it
     * starts names the version in its record ({@code model_version}).
     */
    public BatchJobRunner(ServedModel<I> model, String version, BlockingJobStore store, DeadLetters deadLetters,
            WorkerProperties properties, JobMetrics metrics, JobTracing tracing, ResponseCache cache,
            CacheMetrics cacheMetrics, ComputeScheduler compute, InputPreparation preparation) {
        this.model = model.name();
        this.version = version;
        this.store = store;
        this.deadLetters = deadLetters;
        this.tracing = tracing;
        this.reading = preparation.forModel(model.name(), model.inputs(), store);
        this.outcomes = new Outcomes(model.name(), store, deadLetters, metrics, tracing);
        this.starts = new JobStarts(store, outcomes, tracing, properties.maxDeliveries(), properties.id(), version);
        this.cached = new CachedAnswers(model.name(), version, model.variant(), model.inputs(), cache, cacheMetrics,
                outcomes, store);
        this.lost = new LostRecords(model.name(), store, deadLetters, tracing);
        this.passes = new ForwardPasses<>(reading,
                new BatchedInference<>(model.classifier(), compute.passSizes(model.workload(),
                        model.policy().maxBatchSize(), model.msPerBatch()), compute, model.workload(), metrics,
                        tracing),
                new CrashHook(properties.crashOnInput()), outcomes, tracing);
    }

    /** Runs the batch's jobs and stores every outcome. */
    @Override
    public void run(Batch batch) {
        try {
            long start = System.nanoTime();
            List<JobStarts.Begun> answers = starts.begin(batch, wellFormed(batch));
            // After the start's own clock: a job it found past its deadline is past it here too.
            Instant now = Instant.now();
            List<JobRun> begun = new ArrayList<>();
            List<JobRun> later = new ArrayList<>();
            List<JobRun> expired = new ArrayList<>();
            for (JobStarts.Begun job : answers) {
                if (job.job() != null) {
                    begun.add(job.job());
                } else {
                    candidate(batch, job.delivery(), job.current(), now, expired).ifPresent(later::add);
                }
            }
            storeExpired(batch, expired);
            int ran = compute(batch, begun, begun.stream().filter(job -> !job.hasEnded()).toList());
            // Jobs the first start left QUEUED (given up by this delivery before, or stored in an older shape).
            ran += runTogether(batch, later.stream().filter(job -> !job.isSuspect()).toList());
            for (JobRun suspect : later) {
                if (suspect.isSuspect()) {
                    try (JobTracing.Scope scope = tracing.about(batch, suspect.delivery())) {
                        log.info("Job {} was started before and never finished; running it on its own",
                                suspect.id());
                    }
                    ran += runTogether(batch, List.of(suspect));
                }
            }
            log.debug("Model '{}': {} message(s), {} job(s) classified in {} ms", model, batch.jobs().size(), ran,
                    (System.nanoTime() - start) / 1_000_000);
        } finally {
            reading.finished(batch);
        }
    }

    /**
     * Ends every job of the batch not finished yet FAILED with {@code fault} as the reason, dead-lettered like any
     * failure: a fault that retrying cannot mend must not hold the partition up for ever.
     */
    @Override
    public void fail(Batch batch, RuntimeException fault) {
        try {
            List<Delivery> deliveries = wellFormed(batch);
            List<Optional<JobRecord>> current = store.findAll(deliveries.stream().map(job -> job.request().id())
                    .toList());
            Instant now = Instant.now();
            List<JobRun> unfinished = new ArrayList<>();
            List<JobRun> expired = new ArrayList<>();
            // The store answers in the order asked.
            for (int i = 0; i < deliveries.size(); i++) {
                candidate(batch, deliveries.get(i), current.get(i).orElse(null), now, expired)
                        .ifPresent(unfinished::add);
            }
            storeExpired(batch, expired);
            unfinished.forEach(job -> outcomes.fail(batch, job, ErrorCodes.WORKER_ERROR,
                    "the worker failed on this job's batch: " + fault));
            outcomes.finish(batch, unfinished);
        } finally {
            reading.finished(batch);
        }
    }

    /** Image models read the next batch's inputs while this one runs ({@link InputPrefetch}). */
    @Override
    public boolean readsAhead() {
        return reading.readsAhead();
    }

    @Override
    public void readAhead(Batch next) {
        reading.readAhead(next);
    }

    /** The batch's readable jobs, each once even if delivered twice in it; malformed ones go to the dead letters. */
    private List<Delivery> wellFormed(Batch batch) {
        List<Delivery> jobs = new ArrayList<>();
        Set<JobId> seen = new HashSet<>();
        for (Delivery delivery : batch.jobs()) {
            if (delivery.isMalformed()) {
                // It can never succeed, and retrying it would hold up every job behind it.
                try (var scope = tracing.inScope(batch.span(delivery))) {
                    log.error("Skipping malformed message at {} (key {}): {}", delivery.position(),
                            delivery.source().key(), delivery.malformed());
                    deadLetters.publish(model, delivery.source(), delivery.source().key(),
                            "malformed message: " + delivery.malformed());
                }
            } else if (seen.add(delivery.request().id())) {
                jobs.add(delivery);
            }
        }
        return jobs;
    }

    /**
     * The job of {@code delivery}, whose record is {@code current} (null: none), when it may still start. It may not
     * when it has no record ({@link LostRecords}), is finished, cancelled or expired already, or is past its deadline:
     * it is added to {@code expired} then, to be stored EXPIRED.
     */
    private Optional<JobRun> candidate(Batch batch, Delivery delivery, JobRecord current, Instant now,
            List<JobRun> expired) {
        if (current == null) {
            lost.handle(batch, delivery, now);
        } else if (current.status().isTerminal()) {
            try (JobTracing.Scope scope = tracing.about(batch, delivery)) {
                // A job the cache answered before its message came is expected here, and frequent under repeats.
                if (current.cached()) {
                    log.debug("Skipping job {}: answered from the cache already", delivery.request().id());
                } else {
                    log.info("Skipping job {}: it is already {}", delivery.request().id(), current.status());
                }
            }
        } else if (current.isPastDeadline(now)) {
            JobRun job = new JobRun(delivery, current);
            job.ended(current.expired(now));
            expired.add(job);
        } else {
            return Optional.of(new JobRun(delivery, current.withModelVersion(version)));
        }
        return Optional.empty();
    }

    /** Stores {@code expired}, jobs past their deadline, EXPIRED. */
    private void storeExpired(Batch batch, List<JobRun> expired) {
        List<Transition> transitions = outcomes.store(batch, expired);
        for (int i = 0; i < expired.size(); i++) {
            JobRun job = expired.get(i);
            Transition transition = transitions.get(i);
            try (JobTracing.Scope scope = tracing.about(batch, job.delivery())) {
                log.info(transition.applied() ? "Skipping job {}: {}"
                        : "Skipping job {}: its deadline passed and it became {} meanwhile", job.id(),
                        transition.applied() ? job.record().error() : Outcomes.describe(transition));
            }
        }
    }

    /** Starts {@code group} and runs what started ({@link #compute}); answers how many jobs ran a forward pass. */
    private int runTogether(Batch batch, List<JobRun> group) {
        return group.isEmpty() ? 0 : compute(batch, group, starts.start(batch, group));
    }

    /**
     * Answers what the response cache holds of {@code started} (jobs of {@code group}, now RUNNING), classifies the
     * other inputs in one go and stores the outcome of each job of {@code group} that ended; answers how many jobs
     * ran a forward pass.
     */
    private int compute(Batch batch, List<JobRun> group, List<JobRun> started) {
        if (group.isEmpty()) {
            return 0;
        }
        StoredInputs loaded = new LoadedInputs(reading.stored(store));
        List<Computation> computations = cached.answer(batch, started, loaded);
        int ran = passes.run(batch, computations, loaded);
        Map<JobId, List<Prediction>> waiting = cached.remember(computations);
        outcomes.finish(batch, group);
        endWaiting(waiting);
        return ran;
    }

    /** {@link CachedAnswers#endWaiting}, after the batch's own outcomes: a failure here costs the batch nothing. */
    private void endWaiting(Map<JobId, List<Prediction>> waiting) {
        try {
            int ended = cached.endWaiting(waiting);
            log.debug("Model '{}': {} waiting job(s) answered by this batch's computations", model, ended);
        } catch (RuntimeException e) {
            log.warn("Model '{}': the jobs waiting for this batch's computations are left to their own messages: {}",
                    model, e.toString());
        }
    }
}
