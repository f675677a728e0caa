package dev.inferq.gateway;

import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;
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
}
