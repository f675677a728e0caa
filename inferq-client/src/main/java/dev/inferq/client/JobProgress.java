package dev.inferq.client;

import dev.inferq.contract.JobRecord;

/**
 * One event of a job's stream: its state, and while it is QUEUED where it stands ({@code queue_position}: jobs of its
 * model ahead of it; {@code eta_s}: seconds until it starts, estimated by the gateway). Both are null otherwise, or
 * when the gateway has no estimate yet.
 */
public record JobProgress(JobRecord job, Long queuePosition, Double etaS) {
}
