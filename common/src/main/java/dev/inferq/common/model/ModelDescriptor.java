package dev.inferq.common.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One servable model as found on disk: its name (the folder name), task, labels in class-index order, folder and
 * the settings from its {@code serving.properties}, and its {@link ModelCard} (where its weights come from).
 */
public record ModelDescriptor(
        String name, ModelTask task, List<String> labels, Path directory, Map<String, String> properties,
        ModelCard card) {

    public ModelDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(task, "task");
        labels = List.copyOf(labels);
        Objects.requireNonNull(directory, "directory");
        properties = Map.copyOf(properties);
        Objects.requireNonNull(card, "card");
    }

    /** A descriptor without a model card (weights {@value ModelCard#UNKNOWN}), as for a folder that has none. */
    public ModelDescriptor(
            String name, ModelTask task, List<String> labels, Path directory, Map<String, String> properties) {
        this(name, task, labels, directory, properties, ModelCard.missing(name, task, labels));
    }

    /** A setting from {@code serving.properties}, if present. */
    public Optional<String> property(String key) {
        return Optional.ofNullable(properties.get(key));
    }
}
