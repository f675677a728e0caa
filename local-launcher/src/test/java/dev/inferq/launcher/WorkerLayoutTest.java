package dev.inferq.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerLayoutTest {

    /** The committed tiny models: disaster and sentiment (text), image (application=cv/image_classification). */
    private static final List<Path> TINY = List.of(Path.of("../models/tiny"));

    @Test
    void perTaskRunsTextAndImageModelsInSeparateWorkersTheImageOneNiced() {
        WorkerLayout layout = WorkerLayout.of("per-task", TINY, Set.of(), 10);

        assertThat(layout.workers()).containsExactly(
                new WorkerLayout.Worker("worker", List.of("disaster", "sentiment"), 0),
                new WorkerLayout.Worker("image-worker", List.of("image"), 10));
    }

    @Test
    void singleRunsEveryModelInOneWorker() {
        WorkerLayout layout = WorkerLayout.of("single", TINY, Set.of(), 10);

        assertThat(layout.workers()).containsExactly(
                new WorkerLayout.Worker("worker", List.of("disaster", "sentiment", "image"), 0));
    }

    @Test
    void aSelectionOfOneTaskNeedsOneWorkerAtNormalPriority() {
        assertThat(WorkerLayout.of("per-task", TINY, Set.of("image"), 10).workers())
                .containsExactly(new WorkerLayout.Worker("worker", List.of("image"), 10));
        assertThat(WorkerLayout.of("per-task", TINY, Set.of("sentiment"), 10).workers())
                .containsExactly(new WorkerLayout.Worker("worker", List.of("sentiment"), 0));
    }

    @Test
    void anUnknownModeIsRefusedByName() {
        assertThatThrownBy(() -> WorkerLayout.of("many", TINY, Set.of(), 10))
                .hasMessageContaining("WORKERS").hasMessageContaining("many");
    }

    @Test
    void takesTheModelsOfSeveralFoldersAndRefusesTwoOfOneName(@TempDir Path dir) throws IOException {
        Path mine = dir.resolve("my-models");
        Path imported = Files.createDirectories(mine.resolve("imagenet"));
        Files.writeString(imported.resolve("serving.properties"), "application=cv/image_classification\n");
        List<Path> both = List.of(TINY.get(0), mine);

        assertThat(WorkerLayout.of("per-task", both, Set.of(), 10).workers()).containsExactly(
                new WorkerLayout.Worker("worker", List.of("disaster", "sentiment"), 0),
                new WorkerLayout.Worker("image-worker", List.of("image", "imagenet"), 10));

        Files.createDirectories(mine.resolve("image"));
        Files.writeString(mine.resolve("image/serving.properties"), "application=cv/image_classification\n");
        assertThatThrownBy(() -> WorkerLayout.modelFolders(both)).hasMessageContaining("two models are named 'image'");
        assertThatThrownBy(() -> WorkerLayout.modelFolders(List.of(dir.resolve("nope"))))
                .hasMessageContaining("does not exist");
    }
}
