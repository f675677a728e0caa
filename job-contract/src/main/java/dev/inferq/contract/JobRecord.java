package dev.inferq.contract;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The stored state of a job, as kept in Redis, answered to pollers and pushed to event subscribers.
 *
 * <p>Immutable: each lifecycle step returns a new record, so a snapshot handed to a client never changes under it.
 * {@code deadline} (null: none) is the instant after which the job may no longer start; a worker that picks it up
 * later marks it {@link JobStatus#EXPIRED}. {@code worker} names the worker process that last started the job (null
 * before any did), so an operator can tell where a job ran. {@code traceId} (JSON {@code trace_id}) is the W3C trace
 * id of the submit that created the job, kept through every step so that a record leads to the job's trace and log
 * lines; null when the submit was not traced. {@code tenant} is the job's owner: only that tenant sees it (null in
 * records written before tenants existed, read as {@link Tenants#DEFAULT}). {@code cached} is true when the
 * predictions came from the response cache rather than a forward pass of this job. {@code modelVersion} (JSON
 * {@code model_version}) names the version of the model that runs or ran the job (null: the model is not versioned, or
 * the record predates versions). {@code errorCode} (JSON {@code error_code}) is the machine-readable kind of a failure
 * beside its human-readable {@code error} (null while the job has not failed). {@code hasCallback} (JSON
 * {@code has_callback}) says the job was submitted with a webhook, so that a reader knows
 * without another read whether there is webhook state to show; a record written before the field existed reads false.
 * Which status may follow which is
 * {@link JobStatus}'s business; these methods only build the records.
 */
public record JobRecord(
        int version,
        JobId id,
        String model,
        String modelVersion,
        JobStatus status,
        int inputCount,
        Instant createdAt,
        Instant deadline,
        Instant startedAt,
        Instant finishedAt,
        List<Prediction> predictions,
        String error,
        String errorCode,
        String worker,
        String traceId,
        String tenant,
        boolean cached,
        boolean hasCallback) {

    public static final int CURRENT_VERSION = 1;

    public JobRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        predictions = predictions == null ? null : List.copyOf(predictions);
        tenant = Tenants.orDefault(tenant);
    }

    /** The record written when the gateway accepts a job submitted within trace {@code traceId} (null: none). */
    public static JobRecord queued(JobRequest request, String traceId) {
        return new JobRecord(CURRENT_VERSION, request.id(), request.model(), null, JobStatus.QUEUED,
                request.input().count(), request.createdAt(), request.deadline(), null, null, null, null, null, null,
                traceId, request.tenant(), false, false);
    }

    /** The record of a job accepted outside any trace. */
    public static JobRecord queued(JobRequest request) {
        return queued(request, null);
    }

    /** The same record, marked as submitted with a webhook. */
    public JobRecord withCallback() {
        return new JobRecord(version, id, model, modelVersion, status, inputCount, createdAt, deadline, startedAt,
                finishedAt, predictions, error, errorCode, worker, traceId, tenant, cached, true);
    }

    /** The job as started now by {@code worker}. */
    public JobRecord running(Instant now, String worker) {
        return new JobRecord(version, id, model, modelVersion, JobStatus.RUNNING, inputCount, createdAt, deadline, now,
                null, null, null, null, worker, traceId, tenant, cached, hasCallback);
    }

    public JobRecord succeeded(List<Prediction> results, Instant now) {
        return succeeded(results, now, false);
    }

    /** The job as finished with {@code results}; {@code fromCache} when no forward pass of this job made them. */
    public JobRecord succeeded(List<Prediction> results, Instant now, boolean fromCache) {
        if (results.size() != inputCount) {
            throw new IllegalArgumentException(
                    "job " + id + " has " + inputCount + " inputs but " + results.size() + " predictions");
        }
        return new JobRecord(version, id, model, modelVersion, JobStatus.SUCCEEDED, inputCount, createdAt, deadline,
                startedOr(now), now, results, null, null, worker, traceId, tenant, fromCache, hasCallback);
    }

    /** The job as failed for {@code reason}, of the machine-readable kind {@code code} (one of {@link ErrorCodes}). */
    public JobRecord failed(String code, String reason, Instant now) {
        return new JobRecord(version, id, model, modelVersion, JobStatus.FAILED, inputCount, createdAt, deadline,
                startedOr(now), now, null, reason, code, worker, traceId, tenant, cached, hasCallback);
    }

    /** The same record, naming {@code runBy} as the version of its model that runs it. */
    public JobRecord withModelVersion(String runBy) {
        return new JobRecord(version, id, model, runBy, status, inputCount, createdAt, deadline, startedAt,
                finishedAt, predictions, error, errorCode, worker, traceId, tenant, cached, hasCallback);
    }

    /** The job as cancelled by its client; meant for a QUEUED job, which then never runs. */
    public JobRecord cancelled(Instant now) {
        return new JobRecord(version, id, model, modelVersion, JobStatus.CANCELLED, inputCount, createdAt, deadline,
                startedAt, now, null, "cancelled by the client", ErrorCodes.CANCELLED, worker, traceId, tenant, cached,
                hasCallback);
    }

    /**
     * The job as given up because no worker started it before its deadline; it never runs (again: a job re-delivered
     * after its worker died keeps the start time of that attempt).
     */
    public JobRecord expired(Instant now) {
        return new JobRecord(version, id, model, modelVersion, JobStatus.EXPIRED, inputCount, createdAt, deadline,
                startedAt, now, null, "deadline " + deadline + " passed before a worker started the job",
                ErrorCodes.DEADLINE_PASSED, worker, traceId, tenant, cached, hasCallback);
    }

    /** Whether {@code someone} owns this job: the only tenant that may see, follow or cancel it. */
    public boolean belongsTo(String someone) {
        return tenant.equals(Tenants.orDefault(someone));
    }

    /** True when the job has a deadline and {@code now} is past it. */
    public boolean isPastDeadline(Instant now) {
        return deadline != null && now.isAfter(deadline);
    }

    private Instant startedOr(Instant now) {
        return startedAt == null ? now : startedAt;
    }
}
