package dev.inferq.common.config;

import dev.inferq.common.image.ImagePolicy;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings that gateway and worker must agree on ({@code inferq.*}).
 *
 * @param modelsDir folder with one subfolder per model in DJL's layout (env {@code MODELS_DIR})
 * @param resultTtl how long a job and its result stay readable after their last change
 * @param topicPartitions partitions of each model's job topic: the most worker replicas that can share a model
 * @param topicReplicas replication factor of the job topics (1 on a single broker, 3 in production)
 * @param image the image-input policy, the same on every gateway route and in the worker
 */
@ConfigurationProperties("inferq")
public record InferqProperties(
        @DefaultValue("models/tiny") Path modelsDir,
        @DefaultValue("24h") Duration resultTtl,
        @DefaultValue("4") int topicPartitions,
        @DefaultValue("1") short topicReplicas,
        @DefaultValue Image image) {

    /**
     * {@code inferq.image.*}.
     *
     * @param maxBytes largest image, uploaded or downloaded (larger answers 413)
     * @param maxPixels largest image in width times height, read from its header before any pixel is decoded, so
     *     that a small file cannot unpack into a huge picture (larger answers 413; 50 megapixels by default)
     */
    public record Image(@DefaultValue("10MB") DataSize maxBytes, @DefaultValue("50000000") long maxPixels) {

        public ImagePolicy policy() {
            return new ImagePolicy(maxBytes.toBytes(), maxPixels);
        }
    }
}
