package dev.inferq.common.job;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The stored state of a job, as kept in Redis, answered to pollers and pushed to event subscribers.
 *
 * <p>Immutable: each lifecycle step returns a new record, so a snapshot handed to a client never changes under it.
 */
public record JobRecord(
        int version,
        JobId id,
        String model,
        JobStatus status,
        int inputCount,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        List<Prediction> predictions,
        String error) {

    public static final int CURRENT_VERSION = 1;

    public JobRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        predictions = predictions == null ? null : List.copyOf(predictions);
    }

    /** The record written when the gateway accepts a job. */
    public static JobRecord queued(JobRequest request) {
        return new JobRecord(CURRENT_VERSION, request.id(), request.model(), JobStatus.QUEUED,
                request.input().count(), request.createdAt(), null, null, null, null);
    }

    public JobRecord running(Instant now) {
        return new JobRecord(version, id, model, JobStatus.RUNNING, inputCount, createdAt, now, null, null, null);
    }

    public JobRecord succeeded(List<Prediction> results, Instant now) {
        if (results.size() != inputCount) {
            throw new IllegalArgumentException(
                    "job " + id + " has " + inputCount + " inputs but " + results.size() + " predictions");
        }
        return new JobRecord(version, id, model, JobStatus.SUCCEEDED, inputCount, createdAt, startedOr(now), now,
                results, null);
    }

    public JobRecord failed(String reason, Instant now) {
        return new JobRecord(version, id, model, JobStatus.FAILED, inputCount, createdAt, startedOr(now), now,
                null, reason);
    }

    private Instant startedOr(Instant now) {
        return startedAt == null ? now : startedAt;
    }
}
