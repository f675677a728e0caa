package dev.inferq.client;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Per-submit options, each of which may be left out (null, false):
 * <ul>
 *   <li>{@code timeout} (whole seconds): a worker that has not started the job by then marks it EXPIRED instead of
 *       running it;</li>
 *   <li>{@code idempotencyKey}: a submit repeated with the same key and request returns the job the first one
 *       created. Left out, the client makes a random one for each submit (the same on every retry of it); give your
 *       own to stay safe across restarts of your program;</li>
 *   <li>{@code bypassCache}, sent as {@code Cache-Control: no-cache}: the job is computed even when the response cache
 *       holds the predictions of an identical input;</li>
 *   <li>{@code callbackUrl}: the gateway POSTs the job's terminal record there, signed (Standard Webhooks);</li>
 *   <li>{@code waitFor} (whole seconds), sent as {@code Prefer: wait=N}: the gateway holds the answer until the job
 *       ends or the wait runs out (at most its {@code inferq.gateway.max-wait}); a job that ended in time comes back
 *       whole in {@link SubmittedJob#finished()}.</li>
 * </ul>
 */
public record SubmitOptions(Duration timeout, String idempotencyKey, boolean bypassCache, URI callbackUrl,
        Duration waitFor) {

    private static final SubmitOptions NONE = new SubmitOptions(null, null, false, null, null);

    public SubmitOptions {
        requireWholeSeconds(timeout, "timeout");
        requireWholeSeconds(waitFor, "waitFor");
    }

    public static SubmitOptions none() {
        return NONE;
    }

    public SubmitOptions withTimeout(Duration timeout) {
        return new SubmitOptions(Objects.requireNonNull(timeout, "timeout"), idempotencyKey, bypassCache, callbackUrl,
                waitFor);
    }

    public SubmitOptions withIdempotencyKey(String key) {
        return new SubmitOptions(timeout, Objects.requireNonNull(key, "key"), bypassCache, callbackUrl, waitFor);
    }

    /** These options with a fresh computation asked for: the response cache neither answers nor keeps the job. */
    public SubmitOptions withoutCache() {
        return new SubmitOptions(timeout, idempotencyKey, true, callbackUrl, waitFor);
    }

    public SubmitOptions withCallbackUrl(URI url) {
        return new SubmitOptions(timeout, idempotencyKey, bypassCache, Objects.requireNonNull(url, "url"), waitFor);
    }

    /** These options with {@code Prefer: wait=N}: the answer waits up to {@code wait} for the job to end. */
    public SubmitOptions withWait(Duration wait) {
        return new SubmitOptions(timeout, idempotencyKey, bypassCache, callbackUrl,
                Objects.requireNonNull(wait, "wait"));
    }

    private static void requireWholeSeconds(Duration value, String name) {
        if (value != null && (value.isNegative() || value.isZero() || value.toNanos() % 1_000_000_000L != 0)) {
            throw new IllegalArgumentException(name + " must be a whole, positive number of seconds: " + value);
        }
    }
}
