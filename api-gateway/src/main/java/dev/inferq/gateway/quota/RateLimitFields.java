package dev.inferq.gateway.quota;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code RateLimit-Policy} and {@code RateLimit} header fields of one submit's answer, in the structured-field
 * form of draft-ietf-httpapi-ratelimit-headers-11 (May 2026): a list of items named by policy, here {@value #RATE}
 * (the token bucket: {@code q} = its size, {@code w} = the seconds in which it refills completely) and
 * {@value #QUEUED} (the cap on jobs queued or running at once, quota unit {@code concurrent-requests}, no window).
 *
 * <pre>
 * RateLimit-Policy: "rate";q=10;w=5, "queued";q=50;qu="concurrent-requests"
 * RateLimit: "rate";r=3;t=4, "queued";r=47
 * </pre>
 *
 * In {@code RateLimit}, {@code r} is what is left: tokens in the bucket, jobs the tenant may still add. The
 * {@code t} of an accepted submit is the seconds until the bucket is full again; that of a refused one the seconds
 * until its next token, which is also the {@code Retry-After} (the draft wants Retry-After no earlier than the
 * effective window's end). Written by {@link TenantQuotas} on the request's reactive chain and read once, when the
 * answer is committed ({@link RateLimitHeaders}).
 */
public final class RateLimitFields {

    public static final String POLICY_HEADER = "RateLimit-Policy";
    public static final String LIMIT_HEADER = "RateLimit";
    static final String RATE = "rate";
    static final String QUEUED = "queued";

    private final List<String> policies = new ArrayList<>(2);
    private final List<String> limits = new ArrayList<>(2);
    private boolean tokenTaken;

    /** The rate policy of {@code quota}, with {@code remaining} tokens and {@code window} as the effective window. */
    synchronized void rate(TenantQuota quota, long remaining, Duration window) {
        policies.add(item(RATE) + ";q=" + quota.burst() + ";w=" + quota.windowSeconds());
        limits.add(item(RATE) + ";r=" + Math.max(0, remaining) + ";t=" + wholeSeconds(window));
    }

    /** The cap of {@code quota}, of which the tenant uses {@code active} jobs. */
    synchronized void queued(TenantQuota quota, long active) {
        policies.add(item(QUEUED) + ";q=" + quota.maxQueued() + ";qu=\"concurrent-requests\"");
        limits.add(item(QUEUED) + ";r=" + Math.max(0, quota.maxQueued() - active));
    }

    /** Whether this submit's rate token was taken already, before a download ({@link TenantQuotas#precheck}). */
    synchronized boolean tokenTaken() {
        return tokenTaken;
    }

    synchronized void tokenTaken(boolean taken) {
        tokenTaken = taken;
    }

    /** The {@code RateLimit-Policy} value; null when no quota applied. */
    public synchronized String policy() {
        return policies.isEmpty() ? null : String.join(", ", policies);
    }

    /** The {@code RateLimit} value; null when no quota applied. */
    public synchronized String limit() {
        return limits.isEmpty() ? null : String.join(", ", limits);
    }

    /** {@code duration} in whole seconds, rounded up: a client that waits that long has waited long enough. */
    static long wholeSeconds(Duration duration) {
        long seconds = duration.toSeconds();
        return duration.toNanosPart() > 0 ? seconds + 1 : Math.max(0, seconds);
    }

    private static String item(String policy) {
        return "\"" + policy + "\"";
    }
}
