package dev.inferq.gateway.jobs;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.inferq.contract.JobRecord;
import dev.inferq.gateway.callbacks.CallbackState;

/**
 * A job as the API shows it: its stored record, and while it is QUEUED, where it stands: {@code queue_position}
 * (jobs of its model ahead of it, 0 = next) and {@code eta_s} (seconds until it starts, to a tenth, from the model's recent
 * throughput; null while there is none to go by). Both are worked out when asked, never stored. {@code callback}:
 * the state of the job's webhook, when it was submitted with one.
 */
public record JobView(@JsonUnwrapped JobRecord job, Long queuePosition, Double etaS, CallbackState callback) {
}
