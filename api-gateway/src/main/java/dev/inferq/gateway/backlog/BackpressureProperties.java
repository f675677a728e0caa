package dev.inferq.gateway.backlog;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Admission control per model ({@code inferq.gateway.backpressure.*}).
 *
 * @param enabled whether submits are refused when a model's backlog is too long
 * @param maxBacklog most jobs a model may have queued (accepted, not yet started by a worker) before submits get 429
 * @param refreshInterval how often the backlogs are read from Redis (one round trip for all models); the check itself
 *        never waits on Redis
 * @param throughputWindow the recent past over which a model's throughput (jobs reaching a terminal state) is
 *        measured for {@code Retry-After} and queued jobs' {@code eta_s}
 * @param maxRetryAfter the longest {@code Retry-After} ever suggested
 * @param tenantShare the part of {@code max-backlog} one tenant's queued and running jobs may take (0 to 1), so that
 *        one tenant cannot lock the others out of a model; 1: no share below the backlog limit
 */
@ConfigurationProperties("inferq.gateway.backpressure")
public record BackpressureProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("2000") long maxBacklog,
        @DefaultValue("1s") Duration refreshInterval,
        @DefaultValue("30s") Duration throughputWindow,
        @DefaultValue("120s") Duration maxRetryAfter,
        @DefaultValue("0.5") double tenantShare) {

    public BackpressureProperties {
        if (!(tenantShare > 0 && tenantShare <= 1)) {
            throw new IllegalArgumentException("inferq.gateway.backpressure.tenant-share must be above 0 and at most 1,"
                    + " not " + tenantShare);
        }
    }

    /** The most jobs one tenant may have queued or running; 0 (no cap) while backpressure is off or the share 1. */
    public long tenantCap() {
        return enabled && tenantShare < 1 ? Math.max(1, (long) Math.floor(maxBacklog * tenantShare)) : 0;
    }
}
