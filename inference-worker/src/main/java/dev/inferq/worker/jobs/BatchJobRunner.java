package dev.inferq.worker.jobs;

import dev.inferq.common.job.JobId;
import dev.inferq.common.job.JobRecord;
import dev.inferq.common.job.JobStatus;
import dev.inferq.common.job.JobStore.Transition;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.inference.InputReader;
import dev.inferq.worker.inference.InvalidInputException;
import dev.inferq.worker.inference.ServedModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one batch of one model's jobs: marks each RUNNING, classifies their inputs together and stores each job's
 * outcome. It returns only once every outcome is stored, and its {@link ModelConsumer} commits the offsets only then,
 * so a crash re-delivers the batch.
 *
 * <p>Re-delivery is harmless: a job already finished (or whose record is gone) is skipped, so a stored result never
 * changes. A job that arrives RUNNING was started by a delivery that never finished (its worker died): it is a
 * suspect, and runs alone, after the others, so that an input that crashes the worker takes no other job down with
 * it. Every start is counted ({@code max-deliveries}); a job started that often already ends FAILED instead of
 * running again, and the jobs behind it run. Anything thrown from here is transient by contract (Redis unreachable,
 * Kafka not taking a dead letter, ...), and the consumer retries the whole batch until it succeeds.
 *
 * <p>What can never succeed is not thrown: a job whose input cannot be read, that the model failed on, or that was
 * delivered too often ends FAILED with the reason, and a message that is no job for this model is skipped; each is
 * first copied to the model's dead-letter topic ({@link DeadLetters}), so the copy is durable before the job is FAILED
 * and before the offset is committed.
 *
 * <p>Each stored outcome is counted and timed ({@link JobMetrics}) and traced ({@code inferq.store}); every log line
 * about a job carries its {@code job_id} and, from its consume span, its trace ({@link JobTracing}). Inputs are never
 * logged.
 *
 * @param <I> the model's input type
 */
public final class BatchJobRunner<I> implements BatchRunner {

    private static final Logger log = LoggerFactory.getLogger(BatchJobRunner.class);
    /** One line per stored outcome, with the job's id and trace; its own logger, so operators can quiet it. */
    private static final Logger outcomeLog = LoggerFactory.getLogger("dev.inferq.worker.jobs.outcomes");

    private final String model;
    private final InputReader<I> inputs;
    private final BatchedInference<I> inference;
    private final BlockingJobStore store;
    private final DeadLetters deadLetters;
    private final int maxDeliveries;
    private final String worker;
    private final CrashHook crashHook;
    private final JobMetrics metrics;
    private final JobTracing tracing;

    /** A job's terminal record, not yet stored. */
    private record Outcome(Job job, JobRecord record) {
    }

    /** A job that may start: its current record is QUEUED, or RUNNING when an earlier delivery never finished. */
    private record Candidate(Job job, JobRecord current) {

        JobId id() {
            return current.id();
        }

        boolean isSuspect() {
            return current.status() == JobStatus.RUNNING;
        }
    }

    public BatchJobRunner(ServedModel<I> model, BatchPolicy policy, BlockingJobStore store, DeadLetters deadLetters,
            WorkerProperties properties, JobMetrics metrics, JobTracing tracing) {
        this.model = model.name();
        this.inputs = model.inputs();
        this.inference = new BatchedInference<>(model.classifier(), policy, metrics, tracing);
        this.store = store;
        this.deadLetters = deadLetters;
        this.maxDeliveries = properties.maxDeliveries();
        this.worker = properties.id();
        this.crashHook = new CrashHook(properties.crashOnInput());
        this.metrics = metrics;
        this.tracing = tracing;
    }

    /**
     * Runs the batch's jobs and stores every outcome; throws only for transient failures (see above). Redis is asked
     * once per step for a group of jobs (reads, starts, outcomes), the commands pipelined on one connection, so a
     * batch of many jobs costs a few round trips rather than a few per job.
     */
    @Override
    public void run(Batch batch) {
        long start = System.nanoTime();
        List<Candidate> candidates = candidates(batch, wellFormed(batch));
        List<Candidate> fresh = candidates.stream().filter(c -> !c.isSuspect()).toList();
        int ran = runTogether(batch, fresh);
        for (Candidate suspect : candidates) {
            if (suspect.isSuspect()) {
                try (JobTracing.Scope scope = about(batch, suspect.job())) {
                    log.info("Job {} was started before and never finished; running it on its own", suspect.id());
                }
                ran += runTogether(batch, List.of(suspect));
            }
        }
        log.debug("Model '{}': {} message(s), {} job(s) classified in {} ms", model, batch.jobs().size(), ran,
                (System.nanoTime() - start) / 1_000_000);
    }

    /** The batch's readable jobs, each once even if delivered twice in it; malformed ones go to the dead letters. */
    private List<Job> wellFormed(Batch batch) {
        List<Job> jobs = new ArrayList<>();
        Set<JobId> seen = new HashSet<>();
        for (Job job : batch.jobs()) {
            if (job.isMalformed()) {
                // It can never succeed, and retrying it would hold up every job behind it.
                try (var scope = tracing.inScope(batch.span(job))) {
                    log.error("Skipping malformed message at {} (key {}): {}", job.position(), job.source().key(),
                            job.malformed());
                    deadLetters.publish(model, job.source(), job.source().key(),
                            "malformed message: " + job.malformed());
                }
            } else if (seen.add(job.request().id())) {
                jobs.add(job);
            }
        }
        return jobs;
    }

    /**
     * The jobs that may start, in order. A job is left out when it has no record, is finished, cancelled or expired
     * already, or is past its deadline (it is marked EXPIRED here instead).
     */
    private List<Candidate> candidates(Batch batch, List<Job> jobs) {
        List<Optional<JobRecord>> current = store.findAll(jobs.stream().map(job -> job.request().id()).toList());
        Instant now = Instant.now();
        List<Candidate> candidates = new ArrayList<>();
        List<Outcome> expired = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            Job job = jobs.get(i);
            Optional<JobRecord> record = current.get(i);
            if (record.isEmpty()) {
                try (JobTracing.Scope scope = about(batch, job)) {
                    log.info("Skipping job {}: it has no record (expired, or never accepted)", job.request().id());
                }
            } else if (record.get().status().isTerminal()) {
                try (JobTracing.Scope scope = about(batch, job)) {
                    log.info("Skipping job {}: it is already {}", job.request().id(), record.get().status());
                }
            } else if (record.get().isPastDeadline(now)) {
                expired.add(new Outcome(job, record.get().expired(now)));
            } else {
                candidates.add(new Candidate(job, record.get()));
            }
        }
        List<Transition> transitions = store(batch, expired);
        for (int i = 0; i < expired.size(); i++) {
            JobRecord record = expired.get(i).record();
            try (JobTracing.Scope scope = about(batch, expired.get(i).job())) {
                log.info(transitions.get(i).applied() ? "Skipping job {}: {}"
                        : "Skipping job {}: its deadline passed and it became {} meanwhile", record.id(),
                        transitions.get(i).applied() ? record.error() : describe(transitions.get(i)));
            }
        }
        return candidates;
    }

    /** Starts {@code group}, classifies its inputs in one go and stores each outcome; answers how many ran. */
    private int runTogether(Batch batch, List<Candidate> group) {
        if (group.isEmpty()) {
            return 0;
        }
        List<Long> deliveries = deliveries(batch, group);
        Instant now = Instant.now();
        List<Outcome> outcomes = new ArrayList<>();
        List<Candidate> starting = new ArrayList<>();
        List<JobRecord> running = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            Candidate candidate = group.get(i);
            long delivery = deliveries.get(i);
            if (delivery > maxDeliveries) {
                outcomes.add(failed(batch, candidate.job(), candidate.current(), "given up: the job was started "
                        + (delivery - 1) + " times and its worker stopped every time before it finished (for"
                        + " example, it crashed on this input); inferq.worker.max-deliveries is " + maxDeliveries));
            } else {
                starting.add(candidate);
                running.add(candidate.current().running(now, worker));
            }
        }
        List<Transition> started = store.transitionAll(running);
        List<Task<I>> tasks = new ArrayList<>();
        for (int i = 0; i < starting.size(); i++) {
            Job job = starting.get(i).job();
            if (!started.get(i).applied()) {
                try (JobTracing.Scope scope = about(batch, job)) {
                    log.info("Skipping job {}: it became {} meanwhile", job.request().id(), describe(started.get(i)));
                }
                continue;
            }
            try {
                tasks.add(new Task<>(job, running.get(i), inputs.read(job.request(), store)));
            } catch (InvalidInputException e) {
                outcomes.add(failed(batch, job, running.get(i), e.getMessage()));
            }
        }
        for (Task<I> task : tasks) {
            try (JobTracing.Scope scope = about(batch, task.job())) {
                crashHook.check(task.job().request());
            }
        }
        inference.run(tasks);
        Instant finished = Instant.now();
        for (Task<I> task : tasks) {
            outcomes.add(task.error() == null ? new Outcome(task.job(), task.succeeded(finished))
                    : failed(batch, task.job(), task.running(), task.error()));
        }
        finish(batch, outcomes);
        return tasks.size();
    }

    /**
     * How many starts each job has had with this one, counting this delivery's start once however often the batch is
     * retried.
     */
    private List<Long> deliveries(Batch batch, List<Candidate> group) {
        List<JobId> uncounted = group.stream().map(Candidate::id).filter(id -> batch.deliveries(id).isEmpty())
                .toList();
        List<Long> counts = store.countDeliveries(uncounted);
        for (int i = 0; i < uncounted.size(); i++) {
            batch.counted(uncounted.get(i), counts.get(i));
        }
        return group.stream().map(c -> batch.deliveries(c.id()).orElseThrow()).toList();
    }

    /**
     * The FAILED record of a job that can never succeed, once its dead letter is durable: were the job stored FAILED
     * first and the publish then failed, the retried batch would skip the (finished) job and its copy would never be
     * written.
     */
    private Outcome failed(Batch batch, Job job, JobRecord current, String reason) {
        try (JobTracing.Scope scope = about(batch, job)) {
            log.warn("Job {} fails: {}", current.id(), reason);
            deadLetters.publish(model, job.source(), current.id().value(), reason);
        }
        return new Outcome(job, current.failed(reason, Instant.now()));
    }

    private void finish(Batch batch, List<Outcome> outcomes) {
        List<Transition> transitions = store(batch, outcomes);
        for (int i = 0; i < outcomes.size(); i++) {
            JobRecord outcome = outcomes.get(i).record();
            try (JobTracing.Scope scope = about(batch, outcomes.get(i).job())) {
                if (transitions.get(i).applied()) {
                    outcomeLog.info("Job {} {} ({} input(s))", outcome.id(), outcome.status(), outcome.inputCount());
                } else {
                    log.info("Job {} ended {} but was not stored: it became {} meanwhile", outcome.id(),
                            outcome.status(), describe(transitions.get(i)));
                }
            }
        }
    }

    /**
     * Stores the outcomes (pipelined, like every step) and counts the ones that were applied: a refused transition
     * (the job was cancelled meanwhile, or another delivery finished it first) is some other writer's outcome.
     */
    private List<Transition> store(Batch batch, List<Outcome> outcomes) {
        List<JobTracing.OutcomeSpans> spans = outcomes.stream()
                .map(outcome -> tracing.store(batch.span(outcome.job()), outcome.record())).toList();
        List<Transition> transitions;
        try {
            transitions = store.transitionAll(outcomes.stream().map(Outcome::record).toList());
        } catch (RuntimeException e) {
            spans.forEach(span -> span.failed(e));
            throw e;
        }
        for (int i = 0; i < outcomes.size(); i++) {
            boolean applied = transitions.get(i).applied();
            spans.get(i).stored(applied);
            if (applied) {
                metrics.finished(outcomes.get(i).record());
            }
        }
        return transitions;
    }

    private JobTracing.Scope about(Batch batch, Job job) {
        return tracing.about(job.request().id(), batch.span(job));
    }

    private static String describe(Transition transition) {
        return transition.current() != null ? transition.current().name() : "missing";
    }
}
