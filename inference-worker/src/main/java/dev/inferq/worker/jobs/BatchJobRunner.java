package dev.inferq.worker.jobs;

import dev.inferq.common.job.JobCodec;
import dev.inferq.common.job.JobCodec.MalformedJobException;
import dev.inferq.common.job.JobId;
import dev.inferq.common.job.JobRecord;
import dev.inferq.common.job.JobRequest;
import dev.inferq.common.job.JobStatus;
import dev.inferq.common.job.JobStore.Transition;
import dev.inferq.worker.inference.InputReader;
import dev.inferq.worker.inference.InvalidInputException;
import dev.inferq.worker.inference.ServedModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one batch of one model's jobs: marks each RUNNING, classifies all their inputs together and stores each job's
 * outcome. It returns only once every outcome is stored, and its {@link ModelConsumer} commits the offsets only then,
 * so a crash re-delivers the batch.
 *
 * <p>Re-delivery is harmless: a job already finished (or whose record is gone) is skipped, so a stored result never
 * changes; a job left RUNNING by a crashed worker runs again. Anything thrown from here is transient by contract
 * (Redis unreachable, Kafka not taking a dead letter, ...), and the consumer retries the whole batch until it
 * succeeds.
 *
 * <p>What can never succeed is not thrown: a job whose input cannot be read, or that the model failed on, ends FAILED
 * with the reason, and a message that is no job for this model is skipped; each is first copied to the model's
 * dead-letter topic ({@link DeadLetters}), so the copy is durable before the job is FAILED and before the offset is
 * committed.
 *
 * @param <I> the model's input type
 */
public final class BatchJobRunner<I> {

    private static final Logger log = LoggerFactory.getLogger(BatchJobRunner.class);

    private final String model;
    private final InputReader<I> inputs;
    private final BatchedInference<I> inference;
    private final BlockingJobStore store;
    private final DeadLetters deadLetters;

    public BatchJobRunner(ServedModel<I> model, BlockingJobStore store, DeadLetters deadLetters, int maxBatchSize) {
        this.model = model.name();
        this.inputs = model.inputs();
        this.inference = new BatchedInference<>(model.classifier(), maxBatchSize);
        this.store = store;
        this.deadLetters = deadLetters;
    }

    /** How many inputs the record's job has; 1 for a record that is no readable job (it fails on its own). */
    static int inputCount(ConsumerRecord<String, byte[]> record) {
        try {
            return JobCodec.decodeRequest(record.value()).input().count();
        } catch (MalformedJobException e) {
            return 1;
        }
    }

    /** Runs the batch's jobs and stores every outcome; throws only for transient failures (see above). */
    public void run(List<ConsumerRecord<String, byte[]>> records) {
        long start = System.nanoTime();
        List<JobRecord> running = new ArrayList<>();
        List<List<I>> runningInputs = new ArrayList<>();
        Map<JobId, ConsumerRecord<String, byte[]>> sources = new HashMap<>();
        for (JobRequest request : decode(records, sources)) {
            Optional<JobRecord> started = start(request);
            if (started.isEmpty()) {
                continue;
            }
            try {
                runningInputs.add(inputs.read(request, store));
                running.add(started.get());
            } catch (InvalidInputException e) {
                fail(started.get(), sources.get(request.id()), e.getMessage());
            }
        }
        List<BatchedInference.Outcome> outcomes = inference.run(runningInputs);
        for (int i = 0; i < running.size(); i++) {
            BatchedInference.Outcome outcome = outcomes.get(i);
            JobRecord job = running.get(i);
            if (outcome.isSuccess()) {
                finish(job.succeeded(outcome.predictions(), Instant.now()));
            } else {
                fail(job, sources.get(job.id()), outcome.error());
            }
        }
        log.debug("Model '{}': {} message(s), {} job(s) classified in {} ms", model, records.size(), running.size(),
                (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * The batch's well-formed requests for this model, each job once even if delivered twice in the batch; fills
     * {@code sources} with the message each came from. Malformed messages go to the dead-letter topic.
     */
    private Collection<JobRequest> decode(List<ConsumerRecord<String, byte[]>> records,
            Map<JobId, ConsumerRecord<String, byte[]>> sources) {
        Map<JobId, JobRequest> requests = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                JobRequest request = JobCodec.decodeRequest(record.value());
                if (!request.model().equals(model)) {
                    throw new MalformedJobException("job " + request.id() + " is for model '" + request.model()
                            + "' but arrived on the topic of model '" + model + "'", null);
                }
                requests.putIfAbsent(request.id(), request);
                sources.putIfAbsent(request.id(), record);
            } catch (MalformedJobException e) {
                // It can never succeed, and retrying it would hold up every job behind it.
                log.error("Skipping malformed message at {}-{}@{} (key {}): {}", record.topic(), record.partition(),
                        record.offset(), record.key(), e.getMessage());
                deadLetters.publish(model, record, record.key(), "malformed message: " + e.getMessage());
            }
        }
        return requests.values();
    }

    /**
     * Marks the job RUNNING; empty when it must not run (finished, cancelled or expired already, past its deadline,
     * or no record). A job past its deadline is marked EXPIRED here instead.
     */
    private Optional<JobRecord> start(JobRequest request) {
        Optional<JobRecord> current = store.find(request.id());
        if (current.isEmpty()) {
            log.info("Skipping job {}: it has no record (expired, or never accepted)", request.id());
            return Optional.empty();
        }
        if (current.get().status().isTerminal()) {
            log.info("Skipping job {}: it is already {}", request.id(), current.get().status());
            return Optional.empty();
        }
        Instant now = Instant.now();
        if (request.isPastDeadline(now) || current.get().isPastDeadline(now)) {
            expire(current.get(), now);
            return Optional.empty();
        }
        // From RUNNING too: a job whose worker died mid-batch is re-delivered and must run again.
        JobRecord running = current.get().running(now);
        Transition transition = store.transition(running, JobStatus.QUEUED, JobStatus.RUNNING);
        if (!transition.applied()) {
            log.info("Skipping job {}: it became {} meanwhile", request.id(), describe(transition));
            return Optional.empty();
        }
        return Optional.of(running);
    }

    /** Gives up a job that no worker started before its deadline: it ends EXPIRED and never runs. */
    private void expire(JobRecord current, Instant now) {
        JobRecord expired = current.expired(now);
        Transition transition = store.transition(expired, JobStatus.QUEUED, JobStatus.RUNNING);
        if (transition.applied()) {
            log.info("Skipping job {}: {}", current.id(), expired.error());
        } else {
            log.info("Skipping job {}: its deadline passed and it became {} meanwhile", current.id(),
                    describe(transition));
        }
    }

    /**
     * Fails a job that can never succeed. Its dead letter goes first: were the job FAILED first and the publish then
     * failed, the retried batch would skip the (finished) job and its copy would never be written.
     */
    private void fail(JobRecord job, ConsumerRecord<String, byte[]> source, String reason) {
        deadLetters.publish(model, source, job.id().value(), reason);
        finish(job.failed(reason, Instant.now()));
    }

    private void finish(JobRecord outcome) {
        Transition transition = store.transition(outcome, JobStatus.RUNNING);
        if (!transition.applied()) {
            log.info("Job {} ended {} but was not stored: it became {} meanwhile", outcome.id(), outcome.status(),
                    describe(transition));
        }
    }

    private static String describe(Transition transition) {
        return transition.current() != null ? transition.current().name() : "missing";
    }
}
