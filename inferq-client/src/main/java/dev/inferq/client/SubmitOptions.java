package dev.inferq.client;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-submit options: {@code timeout} (whole seconds; a worker that has not started the job by then marks it EXPIRED
 * instead of running it) and {@code idempotencyKey} (a retried submit with the same key and request returns the job
 * the first one created), either of which may be null; and {@code bypassCache}, sent as {@code Cache-Control:
 * no-cache}: the job is computed even when the response cache holds the predictions of an identical input.
 */
public record SubmitOptions(Duration timeout, String idempotencyKey, boolean bypassCache) {

    private static final SubmitOptions NONE = new SubmitOptions(null, null, false);

    public SubmitOptions {
        if (timeout != null && (timeout.isNegative() || timeout.toNanos() % 1_000_000_000L != 0)) {
            throw new IllegalArgumentException("timeout must be a whole, positive number of seconds: " + timeout);
        }
    }

    public static SubmitOptions none() {
        return NONE;
    }

    public SubmitOptions withTimeout(Duration timeout) {
        return new SubmitOptions(Objects.requireNonNull(timeout, "timeout"), idempotencyKey, bypassCache);
    }

    public SubmitOptions withIdempotencyKey(String key) {
        return new SubmitOptions(timeout, Objects.requireNonNull(key, "key"), bypassCache);
    }

    /** These options with a fresh computation asked for: the response cache neither answers nor keeps the job. */
    public SubmitOptions withoutCache() {
        return new SubmitOptions(timeout, idempotencyKey, true);
    }
}
