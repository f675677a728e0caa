package dev.inferq.common.cache;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

/** The response cache and its settings ({@code inferq.cache.*}), for the gateway and the worker alike. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CacheProperties.class)
public class CacheConfiguration {

    @Bean
    CacheEntries cacheEntries(ReactiveRedisConnectionFactory connectionFactory, CacheProperties properties) {
        return new CacheEntries(connectionFactory, properties);
    }
}
