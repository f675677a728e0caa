package dev.inferq.client;

import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import java.net.URI;
import java.time.Instant;
import java.util.Optional;

/**
 * The gateway's answer to a submit: the job's id and where to find it. {@code finished} holds the whole terminal job
 * when the submit asked to wait ({@link SubmitOptions#withWait}) and the job ended within the wait; otherwise the job's
 * later states come from {@code get}, {@code events} or {@code await}.
 */
public record SubmittedJob(JobId id, String model, JobStatus status, Instant createdAt, URI location,
        Optional<JobRecord> finished) {
}
