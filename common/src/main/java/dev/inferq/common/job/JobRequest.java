package dev.inferq.common.job;

import java.time.Instant;
import java.util.Objects;

/** The Kafka message that carries an accepted job from the gateway to a worker. */
public record JobRequest(int version, JobId id, String model, JobInput input, Instant createdAt) {

    /** Wire version written by this code; readers reject newer versions rather than guess. */
    public static final int CURRENT_VERSION = 1;

    public JobRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public static JobRequest of(JobId id, String model, JobInput input, Instant createdAt) {
        return new JobRequest(CURRENT_VERSION, id, model, input, createdAt);
    }
}
