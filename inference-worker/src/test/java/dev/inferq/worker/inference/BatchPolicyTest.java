package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.common.model.ModelTask;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.WorkerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchPolicyTest {

    private static final WorkerProperties WORKER = WorkerSettings.of(Map.of("max-batch-delay", "5ms"));

    @Test
    void aModelWithoutSettingsOfItsOwnTakesTheWorkers() {
        assertThat(BatchPolicy.of(model(Map.of()), WORKER)).isEqualTo(new BatchPolicy(32, Duration.ofMillis(5)));
    }

    @Test
    void servingPropertiesOverrideTheWorkerUnderDjlServingsKeys() {
        BatchPolicy policy = BatchPolicy.of(model(Map.of("batchSize", "4", "maxBatchDelay", " 100 ")), WORKER);

        assertThat(policy).isEqualTo(new BatchPolicy(4, Duration.ofMillis(100)));
    }

    @Test
    void anInvalidSettingNamesTheModelAndTheKeys() {
        assertThatThrownBy(() -> BatchPolicy.of(model(Map.of("batchSize", "0")), WORKER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("model 'm'").hasMessageContaining("batchSize").hasMessageContaining("at least 1");
        assertThatThrownBy(() -> BatchPolicy.of(model(Map.of("maxBatchDelay", "soon")), WORKER))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("maxBatchDelay");
    }

    private static ModelDescriptor model(Map<String, String> properties) {
        return new ModelDescriptor("m", ModelTask.TEXT_CLASSIFICATION, List.of("a", "b"), Path.of("m"), properties);
    }
}
