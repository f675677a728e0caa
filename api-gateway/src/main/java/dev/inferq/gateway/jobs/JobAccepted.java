package dev.inferq.gateway.jobs;

import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import io.swagger.v3.oas.annotations.media.Schema;
import java.net.URI;
import java.time.Instant;
import org.springframework.http.ResponseEntity;

/** The body of a {@code 202 Accepted}: enough to find the job again. */
@Schema(description = "A job just accepted; its record is at the `Location` header's URL")
public record JobAccepted(
        JobId id,
        @Schema(example = "sentiment") String model,
        @Schema(description = "QUEUED; SUCCEEDED when the response cache answered it at once; or the current status"
                + " of the job an Idempotency-Key replays")
        JobStatus status,
        Instant createdAt) {

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
