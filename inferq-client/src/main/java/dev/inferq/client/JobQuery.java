package dev.inferq.client;

import dev.inferq.contract.JobStatus;
import java.util.Objects;

/**
 * Which of the caller's jobs {@code listJobs} answers, newest first: those of one {@code model} and/or in one
 * {@code status} (null: any), at most {@code limit} per page (null: the gateway's default), from {@code cursor} on
 * (null: the newest; otherwise a {@link JobPage#nextCursor()}).
 */
public record JobQuery(String model, JobStatus status, Integer limit, String cursor) {

    private static final JobQuery ALL = new JobQuery(null, null, null, null);

    public JobQuery {
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
    }

    /** Every job of the caller's tenant, newest first, a page of the gateway's default size. */
    public static JobQuery all() {
        return ALL;
    }

    public JobQuery withModel(String model) {
        return new JobQuery(Objects.requireNonNull(model, "model"), status, limit, cursor);
    }

    public JobQuery withStatus(JobStatus status) {
        return new JobQuery(model, Objects.requireNonNull(status, "status"), limit, cursor);
    }

    public JobQuery withLimit(int limit) {
        return new JobQuery(model, status, limit, cursor);
    }

    /** The same query from where a page ended. */
    public JobQuery withCursor(String cursor) {
        return new JobQuery(model, status, limit, Objects.requireNonNull(cursor, "cursor"));
    }
}
