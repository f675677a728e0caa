package dev.inferq.common.config;

import dev.inferq.common.cache.CacheConfiguration;
import dev.inferq.common.image.ImagePolicy;
import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.versions.VersionsConfiguration;
import dev.inferq.common.worker.WorkerDirectory;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The beans both services build the same way: the model catalog, the job store, the image policy and the per-model
 * job topics and dead-letter topics (created at start by Spring's {@link KafkaAdmin} when missing, so neither side
 * depends on the other having started first); span export to the collector OpenTelemetry's own variable names; and
 * the keep-alive workaround of their HTTP servers ({@link KeepAliveReadsConfiguration}); the model version store and
 * the response cache.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(InferqProperties.class)
@Import({OtlpEnvironmentConfiguration.class, KeepAliveReadsConfiguration.class, VersionsConfiguration.class,
        CacheConfiguration.class})
public class JobPlatformConfiguration {

    @Bean
    ModelCatalog modelCatalog(InferqProperties properties) {
        return ModelCatalog.scan(properties.modelFolders());
    }

    @Bean
    JobStore jobStore(ReactiveRedisConnectionFactory connectionFactory, InferqProperties properties) {
        return new JobStore(connectionFactory, properties.resultTtl(), properties.unfinishedTtl());
    }

    @Bean
    WorkerDirectory workerDirectory(ReactiveRedisConnectionFactory connectionFactory) {
        return new WorkerDirectory(connectionFactory);
    }

    @Bean
    ImagePolicy imagePolicy(InferqProperties properties) {
        return properties.image().policy();
    }

    @Bean
    KafkaAdmin.NewTopics jobTopics(ModelCatalog catalog, InferqProperties properties) {
        return new KafkaAdmin.NewTopics(catalog.names().stream()
                .flatMap(model -> Stream.of(JobNames.topic(model), JobNames.deadLetterTopic(model)))
                .map(topic -> new NewTopic(topic, properties.topicPartitions(), properties.topicReplicas()))
                .toArray(NewTopic[]::new));
    }
}
