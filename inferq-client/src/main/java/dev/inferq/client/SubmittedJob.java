package dev.inferq.client;

import dev.inferq.contract.JobId;
import dev.inferq.contract.JobStatus;
import java.net.URI;
import java.time.Instant;

/**
 * The gateway's {@code 202 Accepted}: the job's id and where to find it. The job's full state comes from
 * {@code get}, {@code events} or {@code await}.
 */
public record SubmittedJob(JobId id, String model, JobStatus status, Instant createdAt, URI location) {
}
