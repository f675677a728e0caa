package dev.inferq.launcher;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
     * The workers for the models in {@code modelsDir} (only {@code selected} ones when not empty). A model whose
     * {@code serving.properties} says {@code application=cv/...} is an image model; any other is a text model.
     */
    static WorkerLayout of(String mode, Path modelsDir, Set<String> selected, int imageNiceness) {
        List<String> text = new ArrayList<>();
        List<String> image = new ArrayList<>();
        for (Path folder : modelFolders(modelsDir)) {
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

    private static List<Path> modelFolders(Path modelsDir) {
        try (Stream<Path> list = Files.list(modelsDir)) {
            return list.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the models folder " + modelsDir, e);
        }
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
