package dev.inferq.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * When a request is sent again: after a connection failure (refused, reset, no connection within the connect timeout)
 * or a {@code 429}/{@code 503} answer, never after any other answer or after a request timeout (the gateway may still
 * be working on it). At most {@code maxAttempts} attempts in all, and none that would start after
 * {@code maxElapsed} since the first. The pause before a retry is the answer's {@code Retry-After} plus up to
 * {@code initialDelay} at random, so that clients told the same time do not all come back at once; without
 * {@code Retry-After} it is an exponential backoff from {@code initialDelay} with jitter (half of it random). No pause
 * is longer than {@code maxDelay}.
 *
 * <p>Retrying a submit is safe: the client sends an {@code Idempotency-Key} with every submit (a random one unless the
 * caller gave one), the same on every attempt, so a retried submit whose first answer was lost returns the job the
 * first attempt created instead of creating a second.
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, Duration maxElapsed) {

    private static final RetryPolicy DEFAULTS =
            new RetryPolicy(4, Duration.ofMillis(250), Duration.ofSeconds(10), Duration.ofSeconds(30));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1 (the first attempt): " + maxAttempts);
        }
        for (Duration value : new Duration[] {initialDelay, maxDelay, maxElapsed}) {
            if (Objects.requireNonNull(value, "delays must not be null").isNegative()) {
                throw new IllegalArgumentException("delays must not be negative: " + value);
            }
        }
    }

    /** The client's default: 4 attempts, pauses from 250 ms up to 10 s, no attempt later than 30 s after the first. */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /** One attempt only: every failure reaches the caller at once. */
    public static RetryPolicy none() {
        return DEFAULTS.withMaxAttempts(1);
    }

    public RetryPolicy withMaxAttempts(int attempts) {
        return new RetryPolicy(attempts, initialDelay, maxDelay, maxElapsed);
    }

    public RetryPolicy withInitialDelay(Duration delay) {
        return new RetryPolicy(maxAttempts, delay, maxDelay, maxElapsed);
    }

    public RetryPolicy withMaxDelay(Duration delay) {
        return new RetryPolicy(maxAttempts, initialDelay, delay, maxElapsed);
    }

    public RetryPolicy withMaxElapsed(Duration elapsed) {
        return new RetryPolicy(maxAttempts, initialDelay, maxDelay, elapsed);
    }

    /**
     * The pause before attempt number {@code attempt} (2 for the first retry), or empty when there is to be none.
     *
     * @param retryAfter the refusal's {@code Retry-After}, null when it gave none or there was no answer
     * @param elapsed time since the first attempt started
     * @param random a number in [0, 1): the jitter
     */
    Optional<Duration> pauseBefore(int attempt, Duration retryAfter, Duration elapsed, double random) {
        if (attempt > maxAttempts) {
            return Optional.empty();
        }
        Duration pause;
        if (retryAfter != null) {
            pause = retryAfter.plus(scaled(initialDelay, random));
        } else {
            Duration backoff = shorter(initialDelay.multipliedBy(1L << Math.min(attempt - 2, 20)), maxDelay);
            Duration half = backoff.dividedBy(2);
            pause = half.plus(scaled(backoff.minus(half), random));
        }
        pause = shorter(pause, maxDelay);
        return elapsed.plus(pause).compareTo(maxElapsed) > 0 ? Optional.empty() : Optional.of(pause);
    }

    private static Duration scaled(Duration duration, double factor) {
        return Duration.ofNanos((long) (duration.toNanos() * factor));
    }

    private static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
