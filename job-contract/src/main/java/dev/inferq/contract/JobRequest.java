package dev.inferq.contract;

import java.time.Instant;
import java.util.Objects;

/**
 * The Kafka message that carries an accepted job from the gateway to a worker.
 *
 * <p>{@code deadline}, when not null, is the instant after which the job must not start any more: a worker that
 * receives it later marks it EXPIRED instead of running it. It was added without a version bump: an older message
 * simply has none. The worker checks it on the job's {@link JobRecord} ({@link JobRecord#isPastDeadline}), which
 * carries the same deadline from {@link JobRecord#queued}.
 *
 * <p>{@code tenant} names who submitted the job ({@link Tenants#DEFAULT} when the gateway runs without API keys, and
 * for messages written before tenants existed); the worker shares compute between tenants by it. {@code bypassCache}
 * is true when the client asked for a fresh computation ({@code Cache-Control: no-cache}): the worker neither answers
 * from nor shares the response cache for it. Both were added without a version bump, as additive fields.
 *
 * <p>{@code modelVersion} (JSON {@code model_version}) names the version of the model the gateway routed the job to
 * (the default, a canary, or the one the client named); null in messages written before versions existed, which run
 * on the model's default version. Also additive: one topic per model carries every version's jobs.
 */
public record JobRequest(int version, JobId id, String model, JobInput input, Instant createdAt, Instant deadline,
        String tenant, boolean bypassCache, String modelVersion) {

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
        tenant = Tenants.orDefault(tenant);
    }

    /** The same job, routed to version {@code routed} of its model. */
    public JobRequest withModelVersion(String routed) {
        return new JobRequest(version, id, model, input, createdAt, deadline, tenant, bypassCache, routed);
    }

    /** A job without a deadline. */
    public static JobRequest of(JobId id, String model, JobInput input, Instant createdAt) {
        return of(id, model, input, createdAt, null);
    }

    /** A job that must start before {@code deadline} (null: no deadline). */
    public static JobRequest of(JobId id, String model, JobInput input, Instant createdAt, Instant deadline) {
        return of(id, model, input, createdAt, deadline, Tenants.DEFAULT, false);
    }

    /** A job of {@code tenant}, answered from the response cache unless {@code bypassCache}. */
    public static JobRequest of(JobId id, String model, JobInput input, Instant createdAt, Instant deadline,
            String tenant, boolean bypassCache) {
        return new JobRequest(CURRENT_VERSION, id, model, input, createdAt, deadline, tenant, bypassCache, null);
    }
}
