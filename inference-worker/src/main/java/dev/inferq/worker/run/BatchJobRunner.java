package dev.inferq.worker.run;

import dev.inferq.common.job.JobId;
import dev.inferq.common.job.JobRecord;
import dev.inferq.common.job.JobRequest;
import dev.inferq.common.job.JobStatus;
import dev.inferq.common.job.JobStore.Transition;
import dev.inferq.common.job.Prediction;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.cache.CacheMetrics;
import dev.inferq.worker.cache.ResponseCache;
import dev.inferq.worker.compute.ComputeScheduler;
import dev.inferq.worker.inference.BatchPolicy;
import dev.inferq.worker.inference.InputReader;
import dev.inferq.worker.inference.InvalidInputException;
import dev.inferq.worker.inference.ServedModel;
import dev.inferq.worker.inference.StoredInputs;
import dev.inferq.worker.store.BlockingJobStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one batch of one model's jobs: marks each RUNNING, classifies their inputs together and stores each job's
 * outcome. It returns only once every outcome is stored, and its {@code ModelConsumer} commits the offsets only then,
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
 * <p>The response cache ({@link ResponseCache}) answers a started job whose model, variant and input content were
 * computed within {@code inferq.cache.ttl}: it ends SUCCEEDED with {@code cached: true} and the stored predictions,
 * through the same transition, events, webhook and meters as any job. The entries of a group are read with one
 * {@code MGET} before its forward pass; identical jobs in one group run once, and the others share the predictions
 * (also {@code cached: true}); the entries of what was computed are written before the outcomes are stored, so a job
 * submitted after another's result was seen is answered from the cache. A job with {@code bypass_cache} neither reads,
 * shares nor writes an entry: the client asked for its own computation, and {@code Cache-Control: no-store} asks that
 * nothing of it be kept. Failures are never cached. Lookups are counted by result ({@link CacheMetrics}).
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
    private final String variant;
    private final InputReader<I> inputs;
    private final BatchedInference<I> inference;
    private final InputPrefetch<I> reading;
    private final BlockingJobStore store;
    private final DeadLetters deadLetters;
    private final int maxDeliveries;
    private final String worker;
    private final CrashHook crashHook;
    private final JobMetrics metrics;
    private final JobTracing tracing;
    private final ResponseCache cache;
    private final CacheMetrics cacheMetrics;

    /** A job's terminal record, not yet stored. */
    private record Outcome(Delivery job, JobRecord record) {
    }

    /** A job that may start: its current record is QUEUED, or RUNNING when an earlier delivery never finished. */
    private record Candidate(Delivery job, JobRecord current) {

        JobId id() {
            return current.id();
        }

        boolean isSuspect() {
            return current.status() == JobStatus.RUNNING;
        }
    }

    /** A job this group started: its RUNNING record, and its cache key (null: it neither reads nor shares one). */
    private record Started(Delivery job, JobRecord running, String key) {
    }

    /**
     * One forward pass's worth of work for a group: the job that runs, the identical jobs that share its predictions,
     * and its task once its input is read.
     */
    private static final class Computation<I> {

        private final Started leader;
        private final List<Started> sharers = new ArrayList<>();
        private Task<I> task;

        Computation(Started leader) {
            this.leader = leader;
        }

        List<Started> members() {
            List<Started> all = new ArrayList<>(sharers.size() + 1);
            all.add(leader);
            all.addAll(sharers);
            return all;
        }
    }

    /** Stored input bytes loaded at most once per job and group: both the cache key and the reader need them. */
    private static final class LoadedInputs implements StoredInputs {

        private final StoredInputs store;
        private final Map<JobId, Optional<byte[]>> loaded = new HashMap<>();

        LoadedInputs(StoredInputs store) {
            this.store = store;
        }

        @Override
        public Optional<byte[]> load(JobId id) {
            return loaded.computeIfAbsent(id, store::load);
        }
    }

    public BatchJobRunner(ServedModel<I> model, BatchPolicy policy, BlockingJobStore store, DeadLetters deadLetters,
            WorkerProperties properties, JobMetrics metrics, JobTracing tracing, ResponseCache cache,
            CacheMetrics cacheMetrics, ComputeScheduler compute, ComputeScheduler.Workload workload,
            InputPreparation preparation) {
        this.model = model.name();
        this.variant = model.variant();
        this.inputs = model.inputs();
        this.inference = new BatchedInference<>(model.classifier(), policy, compute, workload, metrics, tracing);
        this.reading = preparation.forModel(model.name(), model.inputs(), store);
        this.store = store;
        this.deadLetters = deadLetters;
        this.maxDeliveries = properties.maxDeliveries();
        this.worker = properties.id();
        this.crashHook = new CrashHook(properties.crashOnInput());
        this.metrics = metrics;
        this.tracing = tracing;
        this.cache = cache;
        this.cacheMetrics = cacheMetrics;
    }

    /**
     * Runs the batch's jobs and stores every outcome; throws only for transient failures (see above). Redis is asked
     * once per step for a group of jobs (reads, starts, outcomes), the commands pipelined on one connection, so a
     * batch of many jobs costs a few round trips rather than a few per job.
     */
    @Override
    public void run(Batch batch) {
        try {
            runJobs(batch);
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

    private void runJobs(Batch batch) {
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
    private List<Delivery> wellFormed(Batch batch) {
        List<Delivery> jobs = new ArrayList<>();
        Set<JobId> seen = new HashSet<>();
        for (Delivery job : batch.jobs()) {
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
    private List<Candidate> candidates(Batch batch, List<Delivery> jobs) {
        List<Optional<JobRecord>> current = store.findAll(jobs.stream().map(job -> job.request().id()).toList());
        Instant now = Instant.now();
        List<Candidate> candidates = new ArrayList<>();
        List<Outcome> expired = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            Delivery job = jobs.get(i);
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

    /**
     * Starts {@code group}, answers what the response cache holds, classifies the other inputs in one go and stores
     * each outcome; answers how many jobs ran a forward pass.
     */
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
        StoredInputs loaded = new LoadedInputs(reading.stored(store));
        List<Started> keyed = new ArrayList<>();
        for (int i = 0; i < starting.size(); i++) {
            Delivery job = starting.get(i).job();
            if (!started.get(i).applied()) {
                try (JobTracing.Scope scope = about(batch, job)) {
                    log.info("Skipping job {}: it became {} meanwhile", job.request().id(), describe(started.get(i)));
                }
                continue;
            }
            try {
                keyed.add(new Started(job, running.get(i), cacheKey(job.request(), loaded)));
            } catch (InvalidInputException e) {
                outcomes.add(failed(batch, job, running.get(i), e.getMessage()));
            }
        }
        List<Computation<I>> computations = answerFromCache(keyed, outcomes);
        List<Task<I>> tasks = new ArrayList<>();
        for (Computation<I> computation : computations) {
            Started leader = computation.leader;
            try {
                computation.task = new Task<>(leader.job(), leader.running(),
                        reading.read(leader.job().request(), loaded));
                tasks.add(computation.task);
            } catch (InvalidInputException e) {
                // The sharers have the same input: it fails them for the same reason.
                computation.members().forEach(member -> outcomes.add(
                        failed(batch, member.job(), member.running(), e.getMessage())));
            }
        }
        for (Task<I> task : tasks) {
            try (JobTracing.Scope scope = about(batch, task.job())) {
                crashHook.check(task.job().request());
            }
        }
        inference.run(tasks);
        Instant finished = Instant.now();
        Map<String, List<Prediction>> entries = new LinkedHashMap<>();
        for (Computation<I> computation : computations) {
            Task<I> task = computation.task;
            if (task == null) {
                continue;
            }
            if (task.error() != null) {
                computation.members().forEach(member -> outcomes.add(
                        failed(batch, member.job(), member.running(), task.error())));
                continue;
            }
            outcomes.add(new Outcome(task.job(), task.succeeded(finished)));
            for (Started sharer : computation.sharers) {
                outcomes.add(new Outcome(sharer.job(), sharer.running().succeeded(task.predictions(), finished, true)));
            }
            if (computation.leader.key() != null) {
                entries.put(computation.leader.key(), task.predictions());
            }
        }
        cache.store(entries);
        finish(batch, outcomes);
        return tasks.size();
    }

    /** The job's cache key; null when it neither reads nor shares the cache (the cache is off, or it bypasses it). */
    private String cacheKey(JobRequest request, StoredInputs loaded) {
        if (!cache.enabled() || request.bypassCache()) {
            return null;
        }
        return cache.key(model, variant, request.tenant(), inputs.content(request, loaded));
    }

    /**
     * Finishes the jobs whose predictions the cache holds (adding their outcomes) and answers what is left to compute,
     * one computation per distinct key: an identical job later in the group shares the first one's.
     */
    private List<Computation<I>> answerFromCache(List<Started> keyed, List<Outcome> outcomes) {
        List<Started> lookedUp = keyed.stream().filter(job -> job.key() != null).toList();
        List<Optional<List<Prediction>>> found = cache.lookup(lookedUp.stream().map(Started::key).toList());
        Map<String, List<Prediction>> entries = new HashMap<>();
        for (int i = 0; i < lookedUp.size(); i++) {
            if (found.get(i).isPresent()) {
                entries.put(lookedUp.get(i).key(), found.get(i).get());
            }
        }
        Instant now = Instant.now();
        List<Computation<I>> computations = new ArrayList<>();
        Map<String, Computation<I>> byKey = new HashMap<>();
        for (Started job : keyed) {
            List<Prediction> stored = entries.get(job.key());
            if (job.key() == null) {
                cacheMetrics.bypass();
                computations.add(new Computation<>(job));
            } else if (stored != null && stored.size() == job.running().inputCount()) {
                cacheMetrics.hit();
                outcomes.add(new Outcome(job.job(), job.running().succeeded(stored, now, true)));
            } else if (byKey.containsKey(job.key())) {
                cacheMetrics.hit();
                byKey.get(job.key()).sharers.add(job);
            } else {
                cacheMetrics.miss();
                Computation<I> computation = new Computation<>(job);
                byKey.put(job.key(), computation);
                computations.add(computation);
            }
        }
        return computations;
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
    private Outcome failed(Batch batch, Delivery job, JobRecord current, String reason) {
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
                    outcomeLog.info("Job {} {} ({} input(s){})", outcome.id(), outcome.status(), outcome.inputCount(),
                            outcome.cached() ? ", from the response cache" : "");
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

    private JobTracing.Scope about(Batch batch, Delivery job) {
        return tracing.about(job.request().id(), batch.span(job));
    }

    private static String describe(Transition transition) {
        return transition.current() != null ? transition.current().name() : "missing";
    }
}
