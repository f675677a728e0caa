package dev.inferq.gateway;

import java.time.Clock;
import java.time.Duration;
import dev.inferq.gateway.limits.BodyLimits;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.kafka.core.KafkaAdmin;

/** Beans of the gateway that Spring Boot does not make on its own. */
@Configuration(proxyBeanMethods = false)
public class GatewayConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /** The pub/sub connection of {@link dev.inferq.gateway.jobs.JobEventHub}. */
    @Bean(destroyMethod = "destroy")
    ReactiveRedisMessageListenerContainer jobEventListener(ReactiveRedisConnectionFactory connectionFactory) {
        return new ReactiveRedisMessageListenerContainer(connectionFactory);
    }

    /** The gateway's one Kafka admin client, for the backlog monitor and the Kafka health indicator. */
    @Bean(destroyMethod = "")
    Admin kafkaAdminClient(KafkaAdmin kafkaAdmin) {
        return Admin.create(kafkaAdmin.getConfigurationProperties());
    }

    /**
     * Closes the admin client within a bound: at shutdown the broker may be gone already, and the client's pending
     * calls would hold the shutdown for their own timeouts (a minute).
     */
    @Bean
    DisposableBean kafkaAdminClientCloser(Admin kafkaAdminClient) {
        return () -> kafkaAdminClient.close(Duration.ofSeconds(2));
    }

    /**
     * Sizes the producer's largest request from the input limits: 64 texts of 4,096 control characters are valid and
     * JSON-escape to 1.6 MB, over Kafka's default of 1 MB, and a valid job must never be a 503 for its size. Batches
     * are compressed (gzip, no native library), so that what reaches the broker stays within its default
     * {@code message.max.bytes} (1 MB): escaped text compresses several times over.
     */
    @Bean
    DefaultKafkaProducerFactoryCustomizer jobMessageSize(BodyLimits bodies) {
        long largest = bodies.largestJobMessage();
        return factory -> factory.updateConfigs(Map.of(
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.toIntExact(largest),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip"));
    }
}
