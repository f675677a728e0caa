package dev.inferq.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.image.ImagePolicy;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import java.nio.file.Path;

/** The committed tiny models and sample data, located from the module folder that Maven runs tests in. */
public final class TinyModels {

    /** The tiny models folder, relative to the module folder. */
    public static final String DIR = "../models/tiny";
    /** The default image policy (inferq.image.*): 10 MB, 50 megapixels. */
    public static final ImagePolicy IMAGES = new ImagePolicy(10L * 1024 * 1024, 50_000_000L);

    private TinyModels() {
    }

    public static ModelCatalog catalog() {
        Path dir = Path.of(DIR);
        assertThat(dir).as("the tiny models folder %s (run tests from the inference-worker module folder)",
                dir.toAbsolutePath().normalize()).isDirectory();
        return ModelCatalog.scan(dir);
    }

    public static ModelDescriptor model(String name) {
        return catalog().find(name).orElseThrow(() -> new AssertionError("no tiny model '" + name + "'"));
    }

    /** Shared sample images, present on some machines only: {@code /work/shared/data/images}. */
    public static Path sharedImages() {
        return Path.of("../../shared/data/images");
    }
}
