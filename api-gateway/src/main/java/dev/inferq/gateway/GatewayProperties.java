package dev.inferq.gateway;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits and timings of the gateway ({@code inferq.gateway.*}); image limits are the shared {@code inferq.image.*}.
 *
 * @param maxInputs most texts in one job (more answers 413)
 * @param maxTextChars longest text accepted, in characters (longer answers 413)
 * @param publishTimeout how long a submit waits for Kafka to acknowledge the job before answering 503
 * @param retryAfter what a 503 tells clients to wait before trying again
 * @param sseHeartbeat interval of comment lines that keep idle event streams open through proxies
 * @param sseRetry the reconnection delay event streams advise clients ({@code retry:})
 * @param maxTimeout largest {@code timeout_s} a job may ask for (more answers 400)
 * @param maxWait longest a submit with {@code Prefer: wait=N} waits for its job to finish before answering 202
 */
@ConfigurationProperties("inferq.gateway")
public record GatewayProperties(
        @DefaultValue("64") int maxInputs,
        @DefaultValue("4096") int maxTextChars,
        @DefaultValue("10s") Duration publishTimeout,
        @DefaultValue("5s") Duration retryAfter,
        @DefaultValue("15s") Duration sseHeartbeat,
        @DefaultValue("2s") Duration sseRetry,
        @DefaultValue("24h") Duration maxTimeout,
        @DefaultValue("60s") Duration maxWait) {
}
