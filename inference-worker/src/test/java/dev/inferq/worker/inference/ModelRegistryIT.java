package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.model.ModelCatalog;
import dev.inferq.worker.TinyModels;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.WorkerSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading the served models at start-up, from the real tiny models folder. */
class ModelRegistryIT {

    @Test
    void loadsOnlyTheModelsItIsToldToServe() {
        try (ModelRegistry registry = new ModelRegistry(TinyModels.catalog(), serving(List.of("sentiment", "image")),
                TinyModels.IMAGES)) {
            assertThat(registry.models()).extracting(ServedModel::name).containsExactly("sentiment", "image");
            assertThat(registry.models().get(0).inputs()).isInstanceOf(TextInputReader.class);
            assertThat(registry.models().get(1).inputs()).isInstanceOf(ImageInputReader.class);
        }
    }

    @Test
    void refusesAModelThatIsNotInTheFolder() {
        assertThatThrownBy(() -> new ModelRegistry(TinyModels.catalog(), serving(List.of("weather")),
                TinyModels.IMAGES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'weather'")
                .hasMessageContaining("[disaster, image, sentiment]");
    }

    @Test
    void failsNamingTheFolderOfAModelThatCannotLoad(@TempDir Path models) throws IOException {
        Path broken = models.resolve("sentiment");
        copyFolder(Path.of(TinyModels.DIR, "sentiment"), broken);
        Files.writeString(broken.resolve("sentiment.pt"), "not TorchScript", StandardCharsets.UTF_8);

        assertThatThrownBy(() -> new ModelRegistry(ModelCatalog.scan(models), serving(List.of()), TinyModels.IMAGES))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot load model 'sentiment' from model folder " + broken.toAbsolutePath());
    }

    private static WorkerProperties serving(List<String> models) {
        return WorkerSettings.of(Map.of("models", String.join(",", models)));
    }

    private static void copyFolder(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}
