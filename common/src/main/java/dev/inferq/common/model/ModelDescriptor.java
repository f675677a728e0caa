package dev.inferq.common.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One servable model as found on disk: its name (the folder name), task, labels in class-index order, folder and
 * the settings from its {@code serving.properties}.
 */
public record ModelDescriptor(
        String name, ModelTask task, List<String> labels, Path directory, Map<String, String> properties) {

    public ModelDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(task, "task");
        labels = List.copyOf(labels);
        Objects.requireNonNull(directory, "directory");
        properties = Map.copyOf(properties);
    }

    /** A setting from {@code serving.properties}, if present. */
    public Optional<String> property(String key) {
        return Optional.ofNullable(properties.get(key));
    }
}
