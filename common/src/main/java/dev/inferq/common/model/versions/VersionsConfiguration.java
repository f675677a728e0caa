package dev.inferq.common.model.versions;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

/** The model version store and its settings ({@code inferq.versions.*}), for the gateway and the worker alike. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(VersionsProperties.class)
public class VersionsConfiguration {

    @Bean
    ModelVersionStore modelVersionStore(ReactiveRedisConnectionFactory connectionFactory) {
        return new ModelVersionStore(connectionFactory);
    }
}
