package dev.inferq.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * Copies of the committed tiny models under new names: a test that needs a model (and so a Kafka topic and consumer
 * group) of its own, untouched by other tests on the shared broker, serves a copy.
 */
public final class TestModels {

    /** The committed tiny models, relative to the module folder Maven runs tests in. */
    public static final Path TINY = Path.of("../models/tiny");

    private TestModels() {
    }

    /**
     * Copies tiny model {@code source} to {@code modelsDir/name} (the TorchScript file keeps its name, which
     * {@code option.modelName} in serving.properties points to) and returns {@code modelsDir} as an absolute path.
     */
    public static Path copyAs(String source, String name, Path modelsDir) {
        Path model = modelsDir.resolve(name);
        try {
            Files.createDirectories(model);
            try (Stream<Path> files = Files.list(TINY.resolve(source))) {
                for (Path file : files.toList()) {
                    Files.copy(file, model.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy tiny model '" + source + "' to " + model, e);
        }
        return modelsDir.toAbsolutePath();
    }
}
