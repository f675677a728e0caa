package dev.inferq.bench;

import dev.inferq.contract.JobCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/** The inputs the load-test kit sends ({@code loadtest/samples}), so every part of the bench runs on the same data. */
final class Samples {

    private final Path dir;

    Samples(Path root) {
        this.dir = root.resolve("loadtest/samples");
    }

    /** The texts of {@code model}'s sample file, else those of the sentiment file: 15-25 words, 20-32 tokens. */
    List<String> texts(String model) {
        Path file = dir.resolve(model + ".json");
        if (!Files.isRegularFile(file)) {
            file = dir.resolve("sentiment.json");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode request : JobCodec.mapper().readTree(file.toFile())) {
            request.path("text").forEach(t -> texts.add(t.asString()));
        }
        if (texts.isEmpty()) {
            throw new IllegalStateException(file + " holds no texts");
        }
        return texts;
    }

    /** The sample images (PNG and JPEG files), sorted by name. */
    List<Path> images() {
        try (Stream<Path> files = Files.list(dir.resolve("images"))) {
            List<Path> images = files.filter(p -> p.toString().matches(".*\\.(png|jpg|jpeg)$")).sorted().toList();
            if (images.isEmpty()) {
                throw new IllegalStateException(dir.resolve("images") + " holds no PNG or JPEG files");
            }
            return images;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code count} items taken in turn from {@code pool}, starting at {@code offset}. */
    static <T> List<T> cycle(List<T> pool, int offset, int count) {
        List<T> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(pool.get(Math.floorMod(offset + i, pool.size())));
        }
        return out;
    }
}
