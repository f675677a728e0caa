package dev.inferq.gateway.jobs;

import dev.inferq.common.job.JobId;
import dev.inferq.common.job.JobRecord;
import dev.inferq.common.job.JobStatus;
import java.net.URI;
import java.time.Instant;
import org.springframework.http.ResponseEntity;

/** The body of a {@code 202 Accepted}: enough to find the job again. */
public record JobAccepted(JobId id, String model, JobStatus status, Instant createdAt) {

    static JobAccepted of(JobRecord record) {
        return new JobAccepted(record.id(), record.model(), record.status(), record.createdAt());
    }

    /** {@code 202 Accepted} with the job's link in {@code Location}. */
    public static ResponseEntity<Object> response(JobRecord queued) {
        return ResponseEntity.accepted()
                .location(URI.create("/v1/jobs/" + queued.id().value()))
                .body(of(queued));
    }
}
