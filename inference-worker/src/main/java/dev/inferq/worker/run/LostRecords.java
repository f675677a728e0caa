package dev.inferq.worker.run;

import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.worker.store.BlockingJobStore;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the jobs whose message arrives but whose record is gone, rather than dropping them silently. A job accepted
 * less than the result time to live ago must still have its record whatever it did meanwhile (a record lives that long
 * after its job ended, and longer before), so a missing one was lost (a Redis that lost writes, or a submit answered
 * 503 whose message reached Kafka after all): the job ends FAILED ({@code record_lost}), dead-lettered first like every
 * failure, so that its client polls an end instead of a 404 for ever. An older job's record expired as designed: it is
 * skipped.
 */
final class LostRecords {

    private static final Logger log = LoggerFactory.getLogger(LostRecords.class);

    private final String model;
    private final BlockingJobStore store;
    private final DeadLetters deadLetters;
    private final JobTracing tracing;

    LostRecords(String model, BlockingJobStore store, DeadLetters deadLetters, JobTracing tracing) {
        this.model = model;
        this.store = store;
        this.deadLetters = deadLetters;
        this.tracing = tracing;
    }

    /** Ends or skips {@code delivery}, a job without a record. */
    void handle(Batch batch, Delivery delivery, Instant now) {
        JobRequest request = delivery.request();
        try (JobTracing.Scope scope = tracing.about(batch, delivery)) {
            if (!request.createdAt().plus(store.resultTtl()).isAfter(now)) {
                log.info("Skipping job {}: it has no record (it expired)", request.id());
                return;
            }
            String reason = "the job's record was lost before a worker received it (accepted at "
                    + request.createdAt() + "); its result cannot be stored";
            log.warn("Job {} fails: {}", request.id(), reason);
            deadLetters.publish(model, delivery.source(), request.id().value(), reason);
            JobRecord failed = JobRecord.queued(request).failed(ErrorCodes.RECORD_LOST, reason, now);
            if (!store.restoreEnded(failed)) {
                log.info("Job {} has a record again: left as it is", request.id());
            }
        }
    }
}
