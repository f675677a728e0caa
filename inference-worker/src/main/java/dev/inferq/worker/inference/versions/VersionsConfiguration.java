package dev.inferq.worker.inference.versions;

import dev.inferq.common.model.versions.ModelVersionStore;
import dev.inferq.common.model.versions.VersionsProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

/** The model version store and its settings ({@code inferq.versions.*}), for the worker. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(VersionsProperties.class)
class VersionsConfiguration {

    @Bean
    ModelVersionStore modelVersionStore(ReactiveRedisConnectionFactory connectionFactory) {
        return new ModelVersionStore(connectionFactory);
    }
}
