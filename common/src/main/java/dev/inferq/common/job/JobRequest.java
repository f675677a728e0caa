package dev.inferq.common.job;

import java.time.Instant;
import java.util.Objects;

/**
 * The Kafka message that carries an accepted job from the gateway to a worker.
 *
 * <p>{@code deadline}, when not null, is the instant after which the job must not start any more: a worker that
 * receives it later marks it EXPIRED instead of running it. It was added without a version bump: an older message
 * simply has none. The worker checks it on the job's {@link JobRecord} ({@link JobRecord#isPastDeadline}), which
 * carries the same deadline from {@link JobRecord#queued}.
 */
public record JobRequest(int version, JobId id, String model, JobInput input, Instant createdAt, Instant deadline) {

    /** Wire version written by this code; readers reject newer versions rather than guess. */
    public static final int CURRENT_VERSION = 1;

    public JobRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(createdAt, "createdAt");
        if (deadline != null && deadline.isBefore(createdAt)) {
            throw new IllegalArgumentException("deadline " + deadline + " is before created_at " + createdAt);
        }
    }

    /** A job without a deadline. */
    public static JobRequest of(JobId id, String model, JobInput input, Instant createdAt) {
        return of(id, model, input, createdAt, null);
    }

    /** A job that must start before {@code deadline} (null: no deadline). */
    public static JobRequest of(JobId id, String model, JobInput input, Instant createdAt, Instant deadline) {
        return new JobRequest(CURRENT_VERSION, id, model, input, createdAt, deadline);
    }
}
