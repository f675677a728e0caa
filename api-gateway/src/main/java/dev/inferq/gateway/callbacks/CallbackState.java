package dev.inferq.gateway.callbacks;

import java.time.Instant;

/**
 * Where a job's webhook stands, shown in the job as {@code callback}: its URL, how many attempts were made, the HTTP
 * status of the last one (null before any; -1 when no answer came), when it was delivered (a 2xx answer), and when it
 * was given up (still failing {@code max-age} after the job finished).
 */
public record CallbackState(String url, int attempts, Integer lastStatus, Instant deliveredAt, Instant gaveUpAt) {
}
