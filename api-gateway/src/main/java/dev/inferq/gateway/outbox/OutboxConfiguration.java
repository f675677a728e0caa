package dev.inferq.gateway.outbox;

import dev.inferq.common.job.JobOutbox;
import dev.inferq.common.job.JobStore;
import dev.inferq.common.job.QueueTrim;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

/**
 * The stores of the gateway's sweep: the outbox, whose pending messages are kept as long as an unfinished record, and
 * the trimming of queue entries whose record is gone.
 */
@Configuration(proxyBeanMethods = false)
class OutboxConfiguration {

    @Bean
    JobOutbox jobOutbox(ReactiveRedisConnectionFactory connectionFactory, JobStore store) {
        return new JobOutbox(connectionFactory, store.unfinishedTtl());
    }

    @Bean
    QueueTrim queueTrim(ReactiveRedisConnectionFactory connectionFactory, JobStore store) {
        return new QueueTrim(connectionFactory, store.unfinishedTtl());
    }
}
