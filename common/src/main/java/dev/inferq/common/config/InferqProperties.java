package dev.inferq.common.config;

import dev.inferq.common.image.ImagePolicy;
import dev.inferq.common.model.ModelCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings that gateway and worker must agree on ({@code inferq.*}).
 *
 * @param modelsDir folder with one subfolder per model in DJL's layout (env {@code MODELS_DIR}), or several such
 *     folders separated by ':' ({@code models/tiny:../my-models}), each model served under its folder's name
 * @param resultTtl how long a job and its result stay readable after it ended (its terminal state)
 * @param unfinishedTtl how long a job that has not ended (QUEUED, RUNNING) is kept at most: a safety net against a
 *     record that nothing will end, not a deadline; keep it at least as long as the job topics' retention (Kafka's
 *     default: 7 days), past which the job's message is gone anyway
 * @param topicPartitions partitions of each model's job topic: the most worker replicas that can share a model
 * @param topicReplicas replication factor of the job topics (1 on a single broker, 3 in production)
 * @param image the image-input policy, the same on every gateway route and in the worker
 */
@ConfigurationProperties("inferq")
public record InferqProperties(
        @DefaultValue("models/tiny") String modelsDir,
        @DefaultValue("24h") Duration resultTtl,
        @DefaultValue("7d") Duration unfinishedTtl,
        @DefaultValue("4") int topicPartitions,
        @DefaultValue("1") short topicReplicas,
        @DefaultValue Image image) {

    public InferqProperties {
        // Checked at binding, so a MODELS_DIR that names no folder fails the start with this message.
        ModelCatalog.folders(modelsDir);
    }

    /** The folders {@link #modelsDir} names, in order. */
    public List<Path> modelFolders() {
        return ModelCatalog.folders(modelsDir);
    }

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
