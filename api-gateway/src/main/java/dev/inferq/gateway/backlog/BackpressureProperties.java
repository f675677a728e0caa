package dev.inferq.gateway.backlog;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Admission control per model ({@code inferq.gateway.backpressure.*}).
 *
 * @param enabled whether submits are refused when a model's backlog is too long
 * @param maxBacklog most jobs a model may have waiting (consumer lag of its worker group) before submits get 429
 * @param refreshInterval how often the backlog is read from Kafka; the check itself never waits on Kafka
 * @param throughputWindow the recent past over which a model's throughput is measured for {@code Retry-After}
 * @param maxRetryAfter the longest {@code Retry-After} ever suggested
 */
@ConfigurationProperties("inferq.gateway.backpressure")
public record BackpressureProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("2000") long maxBacklog,
        @DefaultValue("1s") Duration refreshInterval,
        @DefaultValue("30s") Duration throughputWindow,
        @DefaultValue("120s") Duration maxRetryAfter) {
}
