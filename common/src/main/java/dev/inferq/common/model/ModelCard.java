package dev.inferq.common.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a model folder's {@code model-card.json} says about its weights: where they come from ({@link #weights()}:
 * {@code trained}, {@code converted}, {@code imported}, {@code random}, or {@code unknown} when the folder has no
 * card), the data set, split and measured metrics. Written by {@code models/train_text.py}, {@code models/convert_hf.py},
 * {@code models/import_image_model.py} and {@code models/generate_models.py}; see models/README.md.
 *
 * <p>Nested sections ({@code architecture}, {@code dataset}, {@code split}, {@code metrics}) are kept as read-only
 * maps of plain JSON values rather than fixed types, because the three writers fill them differently (a converted
 * checkpoint has no split, a random model no metrics).
 */
public record ModelCard(
        String name,
        String task,
        List<String> labels,
        String weights,
        Map<String, Object> architecture,
        Map<String, Object> dataset,
        Map<String, Object> split,
        Map<String, Object> metrics,
        Optional<String> date,
        Optional<Double> trainingSeconds,
        Optional<String> command,
        Optional<String> note) {

    /** The file a model folder carries its card in. */
    public static final String FILE_NAME = "model-card.json";

    public static final String TRAINED = "trained";
    public static final String CONVERTED = "converted";
    /** A TorchScript classifier brought in as it is ({@code models/import_image_model.py}). */
    public static final String IMPORTED = "imported";
    public static final String RANDOM = "random";
    /** A folder without a card: nothing is known about its weights. */
    public static final String UNKNOWN = "unknown";

    // Own mapper rather than the job codec's: a card is read once per model at start-up and must not depend on the
    // job wire format's settings.
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    public ModelCard {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(task, "task");
        labels = List.copyOf(labels);
        Objects.requireNonNull(weights, "weights");
        architecture = readOnly(architecture);
        dataset = readOnly(dataset);
        split = readOnly(split);
        metrics = readOnly(metrics);
        Objects.requireNonNull(date, "date");
        Objects.requireNonNull(trainingSeconds, "trainingSeconds");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(note, "note");
    }

    /** The card of a folder that has none. */
    public static ModelCard missing(String name, ModelTask task, List<String> labels) {
        return new ModelCard(name, task.apiName(), labels, UNKNOWN, Map.of(), Map.of(), Map.of(), Map.of(),
                Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of("the model folder has no " + FILE_NAME));
    }

    /**
     * Reads {@code dir/model-card.json}; without one, {@link #missing}. Fields the card leaves out default to the
     * folder's name, task and labels, so a hand-written card may hold only {@code weights}.
     */
    public static ModelCard read(Path dir, String name, ModelTask task, List<String> labels) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return missing(name, task, labels);
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (JacksonException e) {
            throw new IllegalStateException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!root.isObject()) {
            throw new IllegalStateException(file + " must hold a JSON object");
        }
        List<String> cardLabels = new ArrayList<>();
        root.path("labels").forEach(label -> cardLabels.add(label.asString()));
        return new ModelCard(
                text(root, "name").orElse(name),
                text(root, "task").orElse(task.apiName()),
                cardLabels.isEmpty() ? labels : cardLabels,
                text(root, "weights").orElse(UNKNOWN),
                section(root, "architecture"),
                section(root, "dataset"),
                section(root, "split"),
                section(root, "metrics"),
                text(root, "date").or(() -> text(root, "trained_at")),
                root.path("training_seconds").isNumber()
                        ? Optional.of(root.path("training_seconds").asDouble()) : Optional.empty(),
                text(root, "command"),
                text(root, "note"));
    }

    /**
     * Whether the weights were learnt ({@code trained}, {@code converted} or {@code imported}): their predictions mean
     * something, so a variant must keep them (top-1 agreement), not merely point its logits the same way.
     */
    public boolean realWeights() {
        return weights.equals(TRAINED) || weights.equals(CONVERTED) || weights.equals(IMPORTED);
    }

    /** A test-split metric such as {@code accuracy} or {@code f1}, if the card records one. */
    public Optional<Double> testMetric(String metric) {
        return metrics.get("test") instanceof Map<?, ?> test && test.get(metric) instanceof Number value
                ? Optional.of(value.doubleValue()) : Optional.empty();
    }

    private static Optional<String> text(JsonNode root, String field) {
        JsonNode node = root.path(field);
        return node.isString() ? Optional.of(node.asString()) : Optional.empty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(JsonNode root, String field) {
        JsonNode node = root.path(field);
        return node.isObject() ? (Map<String, Object>) MAPPER.convertValue(node, Map.class) : Map.of();
    }

    /** A deep read-only copy; JSON nulls are kept (Map.copyOf would reject them). */
    private static Map<String, Object> readOnly(Map<String, Object> map) {
        Objects.requireNonNull(map);
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((key, value) -> copy.put(key, readOnlyValue(value)));
        return Collections.unmodifiableMap(copy);
    }

    @SuppressWarnings("unchecked")
    private static Object readOnlyValue(Object value) {
        if (value instanceof Map<?, ?> map) {
            return readOnly((Map<String, Object>) map);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(item -> copy.add(readOnlyValue(item)));
            return Collections.unmodifiableList(copy);
        }
        return value;
    }
}
