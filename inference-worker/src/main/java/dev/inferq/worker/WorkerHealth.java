package dev.inferq.worker;

import dev.inferq.common.job.JobNames;
import dev.inferq.worker.inference.ModelRegistry;
import dev.inferq.worker.inference.ServedModel;
import dev.inferq.worker.queue.JobConsumers;
import java.util.List;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the worker's readiness probe checks besides the application's own state (application.yml,
 * {@code management.endpoint.health.group.readiness}): {@code models}, every served model is loaded, and
 * {@code consumers}, every consumer thread has joined its model's consumer group. A worker that is up but not yet in
 * its groups takes no jobs, so scaling on it (or rolling past it) would be premature.
 */
@Configuration(proxyBeanMethods = false)
class WorkerHealth {

    @Bean
    HealthIndicator modelsHealthIndicator(ModelRegistry registry) {
        // The registry loads every model in its constructor: that it exists means they are loaded.
        List<String> models = registry.models().stream().map(ServedModel::name).toList();
        return () -> Health.up().withDetail("models", models).build();
    }

    @Bean
    HealthIndicator consumersHealthIndicator(JobConsumers consumers) {
        return () -> {
            List<String> waiting = consumers.modelsNotJoined();
            if (waiting.isEmpty()) {
                return Health.up().build();
            }
            return Health.outOfService()
                    .withDetail("not-joined", waiting.stream().map(JobNames::consumerGroup).toList()).build();
        };
    }
}
