package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobCodec;
import dev.inferq.common.job.JobId;
import dev.inferq.common.job.JobInput;
import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobRecord;
import dev.inferq.common.job.JobRequest;
import dev.inferq.common.job.JobStore;
import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.backlog.BacklogMonitor;
import dev.inferq.gateway.problems.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import org.springframework.http.HttpStatus;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Accepts a job: checks the model's backlog, stores the input and QUEUED record in Redis, then publishes the job to
 * the model's Kafka topic. A job counts as accepted only when both have succeeded; otherwise its traces are removed
 * and the client gets a 503 to retry, so no half-created job is left behind.
 */
@Service
public class JobSubmitter {

    private final JobStore store;
    private final KafkaTemplate<String, byte[]> kafka;
    private final BacklogMonitor backlog;
    private final GatewayProperties properties;
    private final Clock clock;

    public JobSubmitter(JobStore store, KafkaTemplate<String, byte[]> kafka, BacklogMonitor backlog,
            GatewayProperties properties, Clock clock) {
        this.store = store;
        this.kafka = kafka;
        this.backlog = backlog;
        this.properties = properties;
        this.clock = clock;
    }

    /** Submits a job whose input travels inside the Kafka message (texts). */
    public Mono<JobRecord> submit(String model, JobInput input) {
        return submit(model, input, null);
    }

    /** Submits a job; {@code inputBytes}, when given, is stored beside the job and referenced by the message. */
    public Mono<JobRecord> submit(String model, JobInput input, byte[] inputBytes) {
        return submit(model, input, inputBytes, null);
    }

    /**
     * Submits a job that a worker must start within {@code timeout} of now (its deadline; null: no deadline), or
     * else mark EXPIRED.
     */
    public Mono<JobRecord> submit(String model, JobInput input, byte[] inputBytes, Duration timeout) {
        return submit(JobId.random(), model, input, inputBytes, timeout);
    }

    /**
     * Like {@link #submit(String, JobInput, byte[], Duration)}, but a repeat of the same request under the same
     * {@code idempotencyKey} (while jobs live) returns the job the first one created instead of a new one; the same
     * key with a different request is a 422. A null key submits as usual.
     */
    public Mono<JobRecord> submitOnce(String idempotencyKey, String model, JobInput input, byte[] inputBytes,
            Duration timeout) {
        if (idempotencyKey == null) {
            return submit(model, input, inputBytes, timeout);
        }
        if (idempotencyKey.isBlank() || idempotencyKey.length() > 255) {
            throw ApiException.badRequest("the Idempotency-Key header must have 1 to 255 characters");
        }
        String fingerprint = fingerprint(model, input, inputBytes, timeout);
        JobId id = JobId.random();
        return store.claimIdempotencyKey(idempotencyKey, fingerprint + " " + id.value())
                .flatMap(claimed -> claimed
                        ? submit(id, model, input, inputBytes, timeout).onErrorResume(e -> store
                                .releaseIdempotencyKey(idempotencyKey).onErrorComplete().then(Mono.error(e)))
                        : store.idempotencyClaim(idempotencyKey)
                                .flatMap(claim -> replay(idempotencyKey, claim, fingerprint)));
    }

    private Mono<JobRecord> replay(String idempotencyKey, String claim, String fingerprint) {
        String[] parts = claim.split(" ", 2);
        if (!parts[0].equals(fingerprint)) {
            return Mono.error(new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency-Key reused",
                    "Idempotency-Key '" + idempotencyKey + "' was already used for a different request"));
        }
        return store.find(new JobId(parts[1])).switchIfEmpty(Mono.error(() -> ApiException.conflict(
                "the first request with Idempotency-Key '" + idempotencyKey + "' is still being accepted; retry")));
    }

    /** What makes two submits the same request: the model, the input, the image bytes and the timeout. */
    private static String fingerprint(String model, JobInput input, byte[] inputBytes, Duration timeout) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((model + "\n" + JobCodec.mapper().writeValueAsString(input) + "\n" + timeout + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            if (inputBytes != null) {
                sha.update(inputBytes);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private Mono<JobRecord> submit(JobId id, String model, JobInput input, byte[] inputBytes, Duration timeout) {
        backlog.admit(model);
        Instant now = clock.instant();
        Instant deadline = timeout == null ? null : now.plus(timeout);
        JobRequest request = JobRequest.of(id, model, input, now, deadline);
        JobRecord queued = JobRecord.queued(request);
        Mono<Boolean> saveInput = inputBytes == null ? Mono.just(true) : store.saveInput(request.id(), inputBytes);
        return saveInput
                .then(store.create(queued))
                .then(publish(request))
                .thenReturn(queued)
                .onErrorResume(e -> store.delete(request.id())
                        .onErrorComplete()
                        .then(Mono.error(ApiException.unavailable(
                                "the job could not be queued (" + e.getMessage() + "); nothing was stored, retry later",
                                properties.retryAfter(), e))));
    }

    private Mono<Void> publish(JobRequest request) {
        // send() can block on metadata while the broker is away: keep that off the event loop.
        return Mono.fromFuture(() -> kafka.send(JobNames.topic(request.model()), request.id().value(),
                        JobCodec.encodeRequest(request)))
                .subscribeOn(Schedulers.boundedElastic())
                .timeout(properties.publishTimeout())
                .then();
    }
}
