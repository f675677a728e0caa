package dev.inferq.gateway.jobs;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.inferq.common.job.JobRecord;

/**
 * A job as the API shows it: its stored record, and while it is QUEUED, where it stands: {@code queue_position}
 * (jobs of its model ahead of it, 0 = next) and {@code eta_s} (seconds until it starts, from the model's recent
 * throughput; null while there is none to go by). Both are worked out when asked, never stored.
 */
public record JobView(@JsonUnwrapped JobRecord job, Long queuePosition, Long etaS) {

    static JobView of(JobRecord job) {
        return new JobView(job, null, null);
    }
}
