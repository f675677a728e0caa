package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobId;
import dev.inferq.common.job.JobRecord;
import dev.inferq.common.job.JobStatus;
import java.time.Instant;

/** The body of a {@code 202 Accepted}: enough to find the job again. */
public record JobAccepted(JobId id, String model, JobStatus status, Instant createdAt) {

    static JobAccepted of(JobRecord record) {
        return new JobAccepted(record.id(), record.model(), record.status(), record.createdAt());
    }
}
