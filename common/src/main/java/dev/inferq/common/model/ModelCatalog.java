package dev.inferq.common.model;

import dev.inferq.contract.JobCodec;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/**
 * The models in one or more models folders, one subfolder each in DJL's layout. Gateway and worker read the same
 * folders: the gateway to validate requests and list models, the worker to load them, so both agree on names, tasks
 * and labels.
 *
 * <p>Only metadata is read here ({@code serving.properties}, {@code config.json}, {@code synset.txt},
 * {@code model-card.json}); weights are the worker's business.
 */
public final class ModelCatalog {

    /** The per-model file that marks a folder as a model. */
    public static final String SERVING_PROPERTIES = "serving.properties";

    private final Map<String, ModelDescriptor> models;

    private ModelCatalog(Map<String, ModelDescriptor> models) {
        this.models = Collections.unmodifiableMap(models);
    }

    /** What separates the folders in {@code MODELS_DIR} ({@code models/tiny:../my-models}). */
    public static final String FOLDER_SEPARATOR = ":";

    /** The folders a {@code MODELS_DIR} value names, in order; fails when it names none. */
    public static List<Path> folders(String modelsPath) {
        List<Path> folders = Arrays.stream(modelsPath.split(FOLDER_SEPARATOR)).map(String::trim)
                .filter(part -> !part.isEmpty()).map(Path::of).toList();
        if (folders.isEmpty()) {
            throw new IllegalStateException("the models path '" + modelsPath + "' names no folder (folders of models, "
                    + "separated by '" + FOLDER_SEPARATOR + "')");
        }
        return folders;
    }

    /** Reads every model folder under {@code modelsDir}, sorted by name; fails naming the folder at fault. */
    public static ModelCatalog scan(Path modelsDir) {
        return scan(List.of(modelsDir));
    }

    /**
     * Reads every model folder under each of {@code modelsDirs}, sorted by name, each model served under its own
     * folder's name. Fails naming the folder at fault, and when two folders hold a model of the same name: which one
     * a request meant could not be told.
     */
    public static ModelCatalog scan(List<Path> modelsDirs) {
        Map<String, ModelDescriptor> found = new TreeMap<>();
        for (Path modelsDir : modelsDirs) {
            for (ModelDescriptor model : scanOne(modelsDir)) {
                ModelDescriptor earlier = found.putIfAbsent(model.name(), model);
                if (earlier != null) {
                    throw new IllegalStateException("two models are named '" + model.name() + "': "
                            + earlier.directory() + " and " + model.directory() + " (a model is served under its "
                            + "folder's name; rename one folder or leave one models folder out of MODELS_DIR)");
                }
            }
        }
        return new ModelCatalog(new LinkedHashMap<>(found));
    }

    private static List<ModelDescriptor> scanOne(Path modelsDir) {
        if (!Files.isDirectory(modelsDir)) {
            throw new IllegalStateException("models folder " + modelsDir.toAbsolutePath() + " does not exist");
        }
        List<ModelDescriptor> found;
        try (Stream<Path> children = Files.list(modelsDir)) {
            found = children.filter(dir -> Files.isRegularFile(dir.resolve(SERVING_PROPERTIES))).sorted()
                    .map(ModelCatalog::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list models folder " + modelsDir.toAbsolutePath(), e);
        }
        if (found.isEmpty()) {
            throw new IllegalStateException("models folder " + modelsDir.toAbsolutePath()
                    + " holds no model (a model is a subfolder with " + SERVING_PROPERTIES + ")");
        }
        return found;
    }

    /** The catalog restricted to {@code names}; an empty collection keeps every model. Unknown names fail. */
    public ModelCatalog only(Collection<String> names) {
        if (names.isEmpty()) {
            return this;
        }
        Map<String, ModelDescriptor> selected = new LinkedHashMap<>();
        for (String name : names) {
            selected.put(name, find(name).orElseThrow(() -> new IllegalArgumentException(
                    "model '" + name + "' is not in the models folder; available: " + models.keySet())));
        }
        return new ModelCatalog(selected);
    }

    public Optional<ModelDescriptor> find(String name) {
        return Optional.ofNullable(models.get(name));
    }

    public Collection<ModelDescriptor> all() {
        return models.values();
    }

    public List<String> names() {
        return new ArrayList<>(models.keySet());
    }

    /** Reads one model folder (named by the folder); also a model version's folder ({@code model.versions}). */
    public static ModelDescriptor read(Path dir) {
        String name = dir.getFileName().toString();
        Map<String, String> properties = readProperties(dir.resolve(SERVING_PROPERTIES));
        String application = properties.get("application");
        if (application == null) {
            throw new IllegalStateException(dir.resolve(SERVING_PROPERTIES) + " has no 'application' setting");
        }
        ModelTask task;
        try {
            task = ModelTask.fromDjlApplication(application);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("model '" + name + "': " + e.getMessage(), e);
        }
        List<String> labels = readLabels(dir);
        return new ModelDescriptor(name, task, labels, dir.toAbsolutePath(), properties,
                ModelCard.read(dir, name, task, labels));
    }

    private static Map<String, String> readProperties(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> map.put(key, properties.getProperty(key).trim()));
        return map;
    }

    /** Labels in class-index order: {@code config.json}'s {@code id2label} (Hugging Face), else {@code synset.txt}. */
    private static List<String> readLabels(Path dir) {
        Path config = dir.resolve("config.json");
        if (Files.isRegularFile(config)) {
            JsonNode id2label = JobCodec.mapper().readTree(config.toFile()).path("id2label");
            if (id2label.isObject() && !id2label.isEmpty()) {
                TreeMap<Integer, String> byIndex = new TreeMap<>();
                id2label.properties().forEach(e -> byIndex.put(Integer.parseInt(e.getKey()), e.getValue().asString()));
                return List.copyOf(byIndex.values());
            }
        }
        Path synset = dir.resolve("synset.txt");
        if (Files.isRegularFile(synset)) {
            try {
                return Files.readAllLines(synset).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + synset, e);
            }
        }
        throw new IllegalStateException("model folder " + dir + " has no labels: expected config.json with id2label"
                + " or synset.txt");
    }
}
