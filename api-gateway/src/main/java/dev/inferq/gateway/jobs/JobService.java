package dev.inferq.gateway.jobs;

import dev.inferq.common.job.IdempotencyClaim;
import dev.inferq.common.job.JobLogs;
import dev.inferq.common.job.JobStore;
import dev.inferq.common.job.Sha256;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.gateway.GatewayProperties;
import dev.inferq.gateway.backlog.BacklogMonitor;
import dev.inferq.gateway.cache.CacheLookup;
import dev.inferq.gateway.callbacks.CallbackStore;
import dev.inferq.gateway.metrics.SubmitMeters;
import dev.inferq.gateway.outbox.CrashBeforePublish;
import dev.inferq.gateway.outbox.JobPublisher;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.gateway.quota.TenantQuotas;
import dev.inferq.gateway.redis.RedisFull;
import dev.inferq.gateway.versions.VersionRouter;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/**
 * What clients do with jobs, whatever API they use: submit, find, cancel.
 *
 * <p>A submit checks the model's backlog and its tenant's quotas ({@link TenantQuotas}), stores the QUEUED record with
 * the job's message in the outbox, then its input, then publishes the job to the model's Kafka topic
 * ({@link JobPublisher}). A job counts as accepted only when all have succeeded; otherwise its traces are removed and
 * the client gets a 503 to retry, so no half-created job is left behind. A gateway that dies between the record and
 * the publish leaves the job in the outbox, where a sweep publishes it. A job the response cache can answer
 * ({@link CacheLookup}) is created and ended {@code SUCCEEDED} with {@code cached: true} at once, with its own record,
 * events and webhook, and never travels to Kafka; the backlog does not refuse it, since it waits in no queue. A
 * submission with an {@code Idempotency-Key}
 * claims the key first and frees it again whenever the job is not accepted (429, 503, ...), so the client's retry
 * can create the job; a replay whose job is still in the outbox publishes it before it answers.
 *
 * <p>Each accept runs in an {@value #ACCEPT_SPAN} span, child of the request's server span (which continues a
 * {@code traceparent} the client sent); the Kafka publish is its child, and Spring Kafka puts the W3C context into the
 * record's headers, where the worker continues it. The job's record keeps the trace id. Log lines about a job carry
 * {@value JobLogs#JOB_ID} in the MDC beside tracing's {@code traceId}; inputs are never logged.
 */
@Service
public class JobService {

    /** The span (and observation) of one accept: checks, store, publish. */
    public static final String ACCEPT_SPAN = "inferq.accept";

    private static final Logger log = LoggerFactory.getLogger(JobService.class);

    private final JobStore store;
    private final JobPublisher publisher;
    private final CrashBeforePublish crashHook;
    private final BacklogMonitor backlog;
    private final GatewayProperties properties;
    private final SubmitMeters meters;
    private final ObservationRegistry observations;
    private final Tracer tracer;
    private final Clock clock;
    private final CallbackStore callbacks;
    private final TenantQuotas quotas;
    private final JobListProperties jobList;
    private final VersionRouter versions;
    private final CacheLookup cache;

    public JobService(JobStore store, JobPublisher publisher, CrashBeforePublish crashHook, BacklogMonitor backlog,
            GatewayProperties properties, SubmitMeters meters, ObservationRegistry observations, Tracer tracer,
            Clock clock, CallbackStore callbacks, TenantQuotas quotas, JobListProperties jobList,
            VersionRouter versions, CacheLookup cache) {
        this.versions = versions;
        this.cache = cache;
        this.store = store;
        this.publisher = publisher;
        this.crashHook = crashHook;
        this.backlog = backlog;
        this.properties = properties;
        this.meters = meters;
        this.observations = observations;
        this.tracer = tracer;
        this.clock = clock;
        this.callbacks = callbacks;
        this.quotas = quotas;
        this.jobList = jobList;
    }

    /**
     * Accepts {@code submission} as a new job and answers its record: QUEUED, or SUCCEEDED when the cache answered. With an idempotency key, a repeat of the
     * same request (while jobs live) answers the job the first one created instead; the same key with a different
     * request is a 422.
     */
    public Mono<JobRecord> submit(Submission submission) {
        String key = submission.idempotencyKey();
        if (key == null) {
            return accept(JobId.random(), submission);
        }
        if (key.isBlank() || key.length() > 255) {
            return Mono.error(ApiException.badRequest("the Idempotency-Key header must have 1 to 255 characters"));
        }
        IdempotencyClaim claim = new IdempotencyClaim(fingerprint(submission), JobId.random());
        String tenantKey = tenantKey(submission.tenant(), key);
        return store.claimIdempotencyKey(tenantKey, claim)
                .flatMap(claimed -> claimed
                        ? accept(claim.jobId(), submission).onErrorResume(e -> store.releaseIdempotencyKey(tenantKey)
                                .onErrorComplete().then(Mono.error(e)))
                        : store.idempotencyClaim(tenantKey).flatMap(first -> replay(key, first, claim)));
    }

    /**
     * The job, if {@code tenant} owns it; a 404 when it does not exist, has expired or is another tenant's, with the
     * same body in all three cases, so that ids of other tenants' jobs cannot be probed.
     */
    public Mono<JobRecord> find(JobId id, String tenant) {
        return store.find(id).filter(job -> job.belongsTo(tenant))
                .switchIfEmpty(Mono.error(() -> ApiException.jobNotFound(id.value())));
    }

    /**
     * Cancels a job that no worker has started yet: it ends CANCELLED and the worker skips it. A job that can no
     * longer be cancelled answers 409 naming its status.
     */
    public Mono<JobRecord> cancel(JobId id, String tenant) {
        return find(id, tenant).flatMap(current -> {
            JobRecord cancelled = current.cancelled(clock.instant());
            return store.transition(cancelled).flatMap(transition -> switch (transition.outcome()) {
                case APPLIED -> {
                    about(id, () -> log.info("Job {} for model '{}' cancelled by its client", id, current.model()));
                    yield Mono.just(cancelled);
                }
                case MISSING -> Mono.error(ApiException.jobNotFound(id.value()));
                case REFUSED -> Mono.error(ApiException.conflict("job '" + id + "' is " + transition.current()
                        + " and can no longer be cancelled; only a QUEUED job can"));
            });
        });
    }

    private Mono<JobRecord> replay(String key, IdempotencyClaim first, IdempotencyClaim attempt) {
        if (!first.isSameRequest(attempt.fingerprint())) {
            return Mono.error(new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency-Key reused",
                    "Idempotency-Key '" + key + "' was already used for a different request"));
        }
        // A 202 stands for a job whose message is in Kafka: one the first request stored but never published (its
        // gateway died in between) is published now.
        return store.find(first.jobId())
                .flatMap(job -> job.status().isQueued() ? publisher.publishPending(job.id())
                        .onErrorMap(e -> !(e instanceof ApiException), this::notQueued).thenReturn(job)
                        : Mono.just(job))
                .switchIfEmpty(Mono.error(() -> ApiException.conflict(
                        "the first request with Idempotency-Key '" + key + "' is still being accepted; retry")));
    }

    /**
     * Idempotency keys are each tenant's own: two tenants may send the same one and get two jobs. Tenant names hold
     * no {@code ':'} ({@code AuthProperties.TENANT}), so no two (tenant, key) pairs meet.
     */
    private static String tenantKey(String tenant, String key) {
        return tenant + ":" + key;
    }

    /**
     * What makes two submits the same request: the model (and the version the client named, if any), the input, the
     * image bytes, the timeout, the webhook.
     */
    private static String fingerprint(Submission submission) {
        MessageDigest sha = Sha256.digest();
        // The version only when the client named one: the fingerprints of other submits stay as they were.
        String model = submission.modelVersion() == null ? submission.model()
                : submission.model() + "@" + submission.modelVersion();
        sha.update((model + "\n" + JobCodec.mapper().writeValueAsString(submission.input()) + "\n"
                + submission.timeout() + "\n" + submission.callbackUrl() + "\n").getBytes(StandardCharsets.UTF_8));
        if (submission.inputBytes() != null) {
            sha.update(submission.inputBytes());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private Mono<JobRecord> accept(JobId id, Submission submission) {
        return Mono.deferContextual(context -> {
            Observation accept = Observation.createNotStarted(ACCEPT_SPAN, observations)
                    .parentObservation(context.getOrDefault(ObservationThreadLocalAccessor.KEY, null))
                    .lowCardinalityKeyValue("model", submission.model())
                    .highCardinalityKeyValue("inferq.job.id", id.value())
                    .start();
            return accept(id, submission, accept)
                    .doOnError(accept::error)
                    .doFinally(signal -> accept.stop())
                    .contextWrite(inner -> inner.put(ObservationThreadLocalAccessor.KEY, accept));
        });
    }

    private Mono<JobRecord> accept(JobId id, Submission submission, Observation accept) {
        // Deferred, so that a refusal thrown here (an unknown version's 404, the backlog's 429) travels the same error
        // path as any other.
        return Mono.defer(() -> {
            Instant now = clock.instant();
            Instant deadline = submission.timeout() == null ? null : now.plus(submission.timeout());
            JobRequest request = JobRequest.of(id, submission.model(), submission.input(), now, deadline,
                    submission.tenant(), submission.bypassCache())
                    .withModelVersion(versions.route(submission.model(), submission.modelVersion()));
            JobRecord recorded = JobRecord.queued(request, traceId(accept)).withModelVersion(request.modelVersion());
            // Marked, so that whoever shows the job knows without a read whether it has webhook state.
            JobRecord queued = submission.callbackUrl() == null ? recorded : recorded.withCallback();
            List<String> cacheKeys = cache.keys(request, submission.inputBytes());
            return cache.find(request, cacheKeys)
                    .flatMap(predictions -> {
                        JobRecord answered = queued.succeeded(predictions, clock.instant(), true);
                        return create(request, queued, submission, 0, answer(answered)).thenReturn(answered);
                    })
                    .switchIfEmpty(Mono.defer(() -> {
                        backlog.admit(submission.model());
                        byte[] bytes = submission.inputBytes();
                        Mono<Boolean> saveInput = bytes == null ? Mono.just(true) : store.saveInput(id, bytes);
                        return create(request, queued, submission, bytes == null ? 0 : bytes.length,
                                saveInput.then(Mono.fromRunnable(() -> crashHook.check(request)))
                                        .then(Mono.when(publisher.publish(request, accept),
                                                cache.await(cacheKeys, id))))
                                .thenReturn(queued);
                    }))
                    .flatMap(accepted -> meters.accepted(submission.model(), submission.tenant()).thenReturn(accepted))
                    // DEBUG: a line per job at INFO cost more CPU than the job's own bookkeeping.
                    .doOnNext(accepted -> about(id, () -> log.debug("Job {} accepted for model '{}' ({} inputs), {}",
                            id, submission.model(), accepted.inputCount(), accepted.status())));
        });
    }

    /**
     * Creates {@code queued}'s record with its message in the outbox, registers its webhook, then runs {@code then}:
     * the job's way to its Kafka topic, or its answer from the cache. The record first: creating it is what fails
     * when the id is taken or the tenant is over a quota, and then nothing of ours is stored. The outbox entry is in
     * the record's own script call: a gateway that dies after it leaves its job to the sweep, and a refused job (an
     * ApiException, a 429) has neither, so only other failures withdraw it, and the record with it.
     */
    private Mono<Void> create(JobRequest request, JobRecord queued, Submission submission, long inputBytes,
            Mono<?> then) {
        JobId id = request.id();
        Mono<Boolean> registerCallback = submission.callbackUrl() == null ? Mono.just(true)
                : callbacks.register(id, submission.callbackUrl(), store.unfinishedTtl());
        return publisher.entering(request, quotas.create(queued, inputBytes, jobList.maxJobs()))
                .then(Mono.defer(() -> registerCallback.then(then)
                        .onErrorResume(e -> store.delete(queued).onErrorComplete().then(Mono.error(e)))))
                .onErrorResume(e -> !(e instanceof ApiException),
                        e -> publisher.withdraw(id).onErrorComplete().then(Mono.error(e)))
                .onErrorResume(e -> !(e instanceof ApiException), e -> {
                    about(id, () -> log.warn("Job {} for model '{}' could not be queued, nothing of it is kept: {}",
                            id, submission.model(), e.toString()));
                    return Mono.error(notQueued(e));
                })
                .then();
    }

    /**
     * Ends a job that the cache answered, then takes its message out of the outbox: nothing of it travels to a worker.
     * A gateway that dies in between leaves the job to the sweep, and the worker answers it from the cache.
     */
    private Mono<Void> answer(JobRecord answered) {
        return store.transition(answered)
                .flatMap(transition -> transition.outcome() == JobStore.Outcome.APPLIED
                        ? publisher.withdraw(answered.id())
                        : Mono.error(new IllegalStateException("job " + answered.id()
                                + " could not be answered from the cache: " + transition)));
    }

    /** The 503 of a job that could not be queued: Redis full (it refuses writes), or a store or queue that failed. */
    private ApiException notQueued(Throwable e) {
        return RedisFull.is(e) ? RedisFull.problem(e)
                : ApiException.unavailable("the job could not be queued (the job store or the queue did not answer in"
                        + " time); nothing was stored, retry later", properties.retryAfter(), e);
    }

    private String traceId(Observation observation) {
        try (Observation.Scope scope = observation.openScope()) {
            Span span = tracer.currentSpan();
            return span == null ? null : span.context().traceId();
        }
    }

    /** Writes a log line about job {@code id}: with its id in the MDC, for structured logs. */
    private static void about(JobId id, Runnable line) {
        try (MDC.MDCCloseable job = JobLogs.about(id)) {
            line.run();
        }
    }
}
