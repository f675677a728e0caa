package dev.inferq.gateway.quota;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Per-tenant quotas ({@code inferq.quota.*}): a rate limit on submits and a cap on jobs queued at once. Every setting
 * defaults to {@code 0}, which means no limit: the gateway then makes no quota round trip to Redis at all.
 *
 * @param rate jobs per second a tenant may submit on average ({@code INFERQ_QUOTA_RATE}); fractions allowed, e.g.
 *        {@code 0.5} for one job every two seconds; 0: no rate limit
 * @param burst the token bucket's size: how many jobs a tenant may submit at once after a quiet spell
 *        ({@code INFERQ_QUOTA_BURST}); 0: one second's worth of {@code rate}, at least 1
 * @param maxQueued most jobs of a tenant that may be queued or running at once; 0: no cap
 * @param queuedRetryAfter what a submit refused for {@code max-queued} tells the client to wait: when one of its jobs
 *        finishes is not known in advance
 * @param tenants settings of single tenants, by tenant name; what one leaves out is the default above
 */
@ConfigurationProperties("inferq.quota")
public record QuotaProperties(
        @DefaultValue("0") double rate,
        @DefaultValue("0") long burst,
        @DefaultValue("0") long maxQueued,
        @DefaultValue("2s") Duration queuedRetryAfter,
        @DefaultValue Map<String, TenantLimits> tenants) {

    public QuotaProperties {
        tenants = tenants == null ? Map.of() : Map.copyOf(tenants);
        validate("inferq.quota", rate, burst, maxQueued);
        if (queuedRetryAfter == null || queuedRetryAfter.toSeconds() < 1) {
            throw new IllegalArgumentException(
                    "inferq.quota.queued-retry-after must be at least one second, not " + queuedRetryAfter);
        }
        tenants.forEach((tenant, limits) -> validate("inferq.quota.tenants." + tenant,
                limits.rate() == null ? 0 : limits.rate(), limits.burst() == null ? 0 : limits.burst(),
                limits.maxQueued() == null ? 0 : limits.maxQueued()));
    }

    /** The quotas of {@code tenant}: its own settings where it has them, the defaults elsewhere. */
    public TenantQuota of(String tenant) {
        TenantLimits own = tenants.get(tenant);
        if (own == null) {
            return TenantQuota.of(rate, burst, maxQueued);
        }
        return TenantQuota.of(own.rate() != null ? own.rate() : rate, own.burst() != null ? own.burst() : burst,
                own.maxQueued() != null ? own.maxQueued() : maxQueued);
    }

    private static void validate(String prefix, double rate, long burst, long maxQueued) {
        if (!Double.isFinite(rate) || rate < 0) {
            throw new IllegalArgumentException(prefix + ".rate must be 0 (no limit) or a positive number of jobs per"
                    + " second, not " + rate);
        }
        if (burst < 0) {
            throw new IllegalArgumentException(prefix + ".burst must be 0 (one second's worth of the rate) or a"
                    + " positive number of jobs, not " + burst);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException(prefix + ".max-queued must be 0 (no cap) or a positive number of jobs,"
                    + " not " + maxQueued);
        }
    }

    /**
     * One tenant's own settings ({@code inferq.quota.tenants.<name>.*}); null where the tenant takes the default.
     *
     * @param rate jobs per second; 0: this tenant has no rate limit, whatever the default
     * @param burst the bucket's size; 0: one second's worth of the rate
     * @param maxQueued most jobs queued or running at once; 0: this tenant has no cap, whatever the default
     */
    public record TenantLimits(Double rate, Long burst, Long maxQueued) {
    }
}
