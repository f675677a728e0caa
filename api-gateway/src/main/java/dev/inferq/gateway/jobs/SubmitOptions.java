package dev.inferq.gateway.jobs;

import java.time.Duration;

/**
 * What a submit asks for besides its model and input, whatever route it came by (JSON, upload, raw body, the legacy
 * API), each already checked: the time within which a worker must start the job (null: no deadline), the client's
 * {@code Idempotency-Key} (null: none), the URL its terminal record is POSTed to (null: none), the client's
 * {@code Prefer} header, whether its {@code Cache-Control} bypasses the response cache, and the tenant it is submitted
 * for (null: the default tenant). {@link SubmitOptionsResolver} makes it.
 */
public record SubmitOptions(Duration timeout, String idempotencyKey, String callbackUrl, Preferences preferences,
        boolean bypassCache, String tenant) {
}
