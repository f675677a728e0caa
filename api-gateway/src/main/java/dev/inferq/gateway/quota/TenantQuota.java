package dev.inferq.gateway.quota;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * The quotas that apply to one tenant, resolved from {@link QuotaProperties}.
 *
 * @param rate jobs per second its token bucket refills with; 0: no rate limit
 * @param burst the bucket's size (at least 1 when {@code rate} is set)
 * @param maxQueued most jobs queued or running at once; 0: no cap
 */
public record TenantQuota(double rate, long burst, long maxQueued) {

    /** The quota with {@code burst} 0 read as one second's worth of {@code rate}, at least one job. */
    static TenantQuota of(double rate, long burst, long maxQueued) {
        long size = rate == 0 ? 0 : burst > 0 ? burst : Math.max(1, (long) Math.ceil(rate));
        return new TenantQuota(rate, size, maxQueued);
    }

    public boolean limitsRate() {
        return rate > 0;
    }

    public boolean capsQueued() {
        return maxQueued > 0;
    }

    /** Whether submits of this tenant need Redis for their quota at all. */
    public boolean limitsAnything() {
        return limitsRate() || capsQueued();
    }

    /**
     * The time window of the {@code RateLimit-Policy}: the whole seconds in which a full bucket's {@code burst} jobs
     * are earned again, rounded up so that the advertised rate is never higher than the real one.
     */
    public long windowSeconds() {
        return Math.max(1, (long) Math.ceil(burst / rate));
    }

    /** The rate in the words of a problem detail: {@code 0.5 jobs/s (burst 1)}. */
    String describeRate() {
        return plain(rate) + " jobs/s (burst " + burst + ")";
    }

    /**
     * Names the bucket's settings in its Redis key: gateways with the same settings share one bucket, and a changed
     * rate or burst starts a fresh one rather than reading state kept for other settings.
     */
    String bucketName() {
        return plain(rate) + "-per-s-burst-" + burst;
    }

    /**
     * The Bucket4j configuration: {@code burst} tokens, refilled continuously ("greedy") at {@code rate} per second,
     * i.e. all {@code burst} tokens per {@code burst / rate} seconds, which keeps fractional rates exact.
     */
    BucketConfiguration bucket() {
        Duration period = Duration.ofNanos(Math.max(1, Math.round(burst * 1e9 / rate)));
        return BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(burst).refillGreedy(burst, period).build())
                .build();
    }

    private static String plain(double number) {
        return BigDecimal.valueOf(number).stripTrailingZeros().toPlainString();
    }
}
