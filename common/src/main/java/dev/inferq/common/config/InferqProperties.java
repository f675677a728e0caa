package dev.inferq.common.config;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings that gateway and worker must agree on ({@code inferq.*}).
 *
 * @param modelsDir folder with one subfolder per model in DJL's layout (env {@code MODELS_DIR})
 * @param resultTtl how long a job and its result stay readable after their last change
 * @param topicPartitions partitions of each model's job topic: the most worker replicas that can share a model
 * @param topicReplicas replication factor of the job topics (1 on a single broker, 3 in production)
 */
@ConfigurationProperties("inferq")
public record InferqProperties(
        @DefaultValue("models/tiny") Path modelsDir,
        @DefaultValue("24h") Duration resultTtl,
        @DefaultValue("4") int topicPartitions,
        @DefaultValue("1") short topicReplicas) {
}
