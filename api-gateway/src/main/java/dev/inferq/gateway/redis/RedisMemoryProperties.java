package dev.inferq.gateway.redis;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gateway's reading of Redis's memory use ({@code inferq.gateway.redis-memory.*}, {@link RedisMemoryGauge}).
 *
 * @param interval how often the gateway reads Redis's {@code INFO memory} for the memory gauges
 */
@ConfigurationProperties("inferq.gateway.redis-memory")
public record RedisMemoryProperties(@DefaultValue("15s") Duration interval) {
}
