package dev.inferq.launcher;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which worker processes the launcher runs, and which models each serves: {@code single} (the default) runs one worker
 * serving every model; {@code per-task} runs the text models in one worker and the image models in another, at a
 * lower CPU priority. On 2 cores one process kept text latency under a saturated image model best (text p95 2.1x
 * its unloaded value, against 4.2x to 6x for the niced per-task pair; bench/RESULTS.md); per-task is for machines
 * with cores to spare, and mirrors docker-compose's separate text and image services.
 */
record WorkerLayout(List<Worker> workers) {

    /** One worker process: its name (also its log file's), the models it serves and its scheduling niceness. */
    record Worker(String name, List<String> models, int niceness) {
    }

    /**
     * The workers for the models in {@code modelsDirs} (only {@code selected} ones when not empty). A model whose
     * {@code serving.properties} says {@code application=cv/...} is an image model; any other is a text model.
     */
    static WorkerLayout of(String mode, List<Path> modelsDirs, Set<String> selected, int imageNiceness) {
        List<String> text = new ArrayList<>();
        List<String> image = new ArrayList<>();
        for (Path folder : modelFolders(modelsDirs)) {
            String name = folder.getFileName().toString();
            if (selected.isEmpty() || selected.contains(name)) {
                (isImageModel(folder) ? image : text).add(name);
            }
        }
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "single" -> new WorkerLayout(List.of(new Worker("worker", concat(text, image), 0)));
            case "per-task" -> {
                List<Worker> workers = new ArrayList<>();
                if (!text.isEmpty()) {
                    workers.add(new Worker("worker", text, 0));
                }
                if (!image.isEmpty()) {
                    workers.add(new Worker(workers.isEmpty() ? "worker" : "image-worker", image, imageNiceness));
                }
                yield new WorkerLayout(workers);
            }
            default -> throw new IllegalStateException("WORKERS must be 'per-task' or 'single', was '" + mode + "'");
        };
    }

    /**
     * The model folders (those with a {@code serving.properties}) in each of {@code modelsDirs}, in order. Fails, as
     * gateway and worker would a minute later, when one of {@code modelsDirs} is missing or holds none, or two hold a
     * model of the same name (each is served under its folder's name).
     */
    static List<Path> modelFolders(List<Path> modelsDirs) {
        if (modelsDirs.isEmpty()) {
            throw new IllegalStateException("MODELS_DIR names no models folder");
        }
        Map<String, Path> byName = new LinkedHashMap<>();
        for (Path modelsDir : modelsDirs) {
            if (!Files.isDirectory(modelsDir)) {
                throw new IllegalStateException("models folder " + modelsDir + " does not exist; set MODELS_DIR to a "
                        + "folder with one subfolder per model, or several such folders separated by ':'");
            }
            List<Path> found;
            try (Stream<Path> list = Files.list(modelsDir)) {
                found = list.filter(dir -> Files.isRegularFile(dir.resolve("serving.properties"))).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list the models folder " + modelsDir, e);
            }
            if (found.isEmpty()) {
                throw new IllegalStateException("models folder " + modelsDir + " has no model subfolders (a model is "
                        + "a subfolder with serving.properties)");
            }
            for (Path folder : found) {
                Path earlier = byName.putIfAbsent(folder.getFileName().toString(), folder);
                if (earlier != null) {
                    throw new IllegalStateException("two models are named '" + folder.getFileName() + "': " + earlier
                            + " and " + folder + "; rename one folder or leave one models folder out of MODELS_DIR");
                }
            }
        }
        return List.copyOf(byName.values());
    }

    private static boolean isImageModel(Path folder) {
        Path file = folder.resolve("serving.properties");
        if (!Files.isRegularFile(file)) {
            return false;
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return properties.getProperty("application", "").trim().startsWith("cv/");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
