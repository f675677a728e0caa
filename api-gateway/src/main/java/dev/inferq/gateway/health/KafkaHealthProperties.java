package dev.inferq.gateway.health;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the gateway checks that Kafka answers, for its readiness ({@code inferq.gateway.health.kafka.*}).
 *
 * @param timeout how long one check waits for the cluster to describe itself before reporting DOWN; shorter than
 *     a probe's own timeout, so that a probe gets an answer rather than giving up
 * @param cacheFor how long a result is answered again without asking the cluster, so that frequent probes (several
 *     replicas, several probe kinds) cost the brokers one request per interval
 */
@ConfigurationProperties("inferq.gateway.health.kafka")
public record KafkaHealthProperties(
        @DefaultValue("2s") Duration timeout,
        @DefaultValue("5s") Duration cacheFor) {

    public KafkaHealthProperties {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("inferq.gateway.health.kafka.timeout must be positive, was " + timeout);
        }
        if (cacheFor.isNegative()) {
            throw new IllegalArgumentException("inferq.gateway.health.kafka.cache-for must not be negative, was "
                    + cacheFor);
        }
    }
}
