package dev.inferq.gateway.outbox;

import dev.inferq.common.job.JobOutbox;
import dev.inferq.common.job.JobStore;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

/** The gateway's outbox: a pending job's message is kept as long as its unfinished record. */
@Configuration(proxyBeanMethods = false)
class OutboxConfiguration {

    @Bean
    JobOutbox jobOutbox(ReactiveRedisConnectionFactory connectionFactory, JobStore store) {
        return new JobOutbox(connectionFactory, store.unfinishedTtl());
    }
}
