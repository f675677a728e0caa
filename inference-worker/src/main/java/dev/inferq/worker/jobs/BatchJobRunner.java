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

    /** A job marked RUNNING by this batch: its request and its stored record. */
    private record Started(JobRequest request, JobRecord record) {
    }

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

    /**
     * Runs the batch's jobs and stores every outcome; throws only for transient failures (see above). Redis is asked
     * once per step for the whole batch (reads, starts, outcomes), the commands pipelined on one connection, so a
     * batch of many jobs costs a few round trips rather than a few per job.
     */
    public void run(List<ConsumerRecord<String, byte[]>> records) {
        long start = System.nanoTime();
        Map<JobId, ConsumerRecord<String, byte[]>> sources = new HashMap<>();
        List<JobRequest> requests = List.copyOf(decode(records, sources));
        List<Started> started = start(requests);
        List<JobRecord> running = new ArrayList<>();
        List<List<I>> runningInputs = new ArrayList<>();
        List<JobRecord> outcomes = new ArrayList<>();
        for (Started job : started) {
            try {
                runningInputs.add(inputs.read(job.request(), store));
                running.add(job.record());
            } catch (InvalidInputException e) {
                outcomes.add(failed(job.record(), sources.get(job.record().id()), e.getMessage()));
            }
        }
        List<BatchedInference.Outcome> results = inference.run(runningInputs);
        for (int i = 0; i < running.size(); i++) {
            BatchedInference.Outcome result = results.get(i);
            JobRecord job = running.get(i);
            outcomes.add(result.isSuccess()
                    ? job.succeeded(result.predictions(), Instant.now())
                    : failed(job, sources.get(job.id()), result.error()));
        }
        finish(outcomes);
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
     * Marks the requests' jobs RUNNING and returns those that must run, in order. A job is left out when it is
     * finished, cancelled or expired already, past its deadline (it is marked EXPIRED here instead) or has no record.
     */
    private List<Started> start(List<JobRequest> requests) {
        List<Optional<JobRecord>> current = store.findAll(requests.stream().map(JobRequest::id).toList());
        Instant now = Instant.now();
        List<JobRequest> candidates = new ArrayList<>();
        List<JobRecord> next = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            JobRequest request = requests.get(i);
            Optional<JobRecord> record = current.get(i);
            if (record.isEmpty()) {
                log.info("Skipping job {}: it has no record (expired, or never accepted)", request.id());
            } else if (record.get().status().isTerminal()) {
                log.info("Skipping job {}: it is already {}", request.id(), record.get().status());
            } else {
                boolean pastDeadline = request.isPastDeadline(now) || record.get().isPastDeadline(now);
                // From RUNNING too: a job whose worker died mid-batch is re-delivered and must run again.
                candidates.add(request);
                next.add(pastDeadline ? record.get().expired(now) : record.get().running(now));
            }
        }
        List<Transition> transitions = store.transitionAll(next, JobStatus.QUEUED, JobStatus.RUNNING);
        List<Started> started = new ArrayList<>();
        for (int i = 0; i < next.size(); i++) {
            JobRecord record = next.get(i);
            boolean applied = transitions.get(i).applied();
            if (record.status() == JobStatus.EXPIRED) {
                log.info(applied ? "Skipping job {}: {}" : "Skipping job {}: its deadline passed and it became {}"
                        + " meanwhile", record.id(), applied ? record.error() : describe(transitions.get(i)));
            } else if (!applied) {
                log.info("Skipping job {}: it became {} meanwhile", record.id(), describe(transitions.get(i)));
            } else {
                started.add(new Started(candidates.get(i), record));
            }
        }
        return started;
    }

    /**
     * The FAILED record of a job that can never succeed, once its dead letter is durable: were the job stored FAILED
     * first and the publish then failed, the retried batch would skip the (finished) job and its copy would never be
     * written.
     */
    private JobRecord failed(JobRecord job, ConsumerRecord<String, byte[]> source, String reason) {
        deadLetters.publish(model, source, job.id().value(), reason);
        return job.failed(reason, Instant.now());
    }

    private void finish(List<JobRecord> outcomes) {
        List<Transition> transitions = store.transitionAll(outcomes, JobStatus.RUNNING);
        for (int i = 0; i < outcomes.size(); i++) {
            if (!transitions.get(i).applied()) {
                JobRecord outcome = outcomes.get(i);
                log.info("Job {} ended {} but was not stored: it became {} meanwhile", outcome.id(), outcome.status(),
                        describe(transitions.get(i)));
            }
        }
    }

    private static String describe(Transition transition) {
        return transition.current() != null ? transition.current().name() : "missing";
    }
}
