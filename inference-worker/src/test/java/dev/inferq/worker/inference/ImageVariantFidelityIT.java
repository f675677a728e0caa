package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The full-size ViT-B/16 as its serving.properties serves it (models/full, generated, gitignored) against the
 * float32 baseline ({@code engine=PyTorch}, {@code option.modelName=image}) on 240 fixed images: top-1 agreement
 * at least 99%. Takes a few minutes on 2 cores, so it runs only when asked:
 * {@code ./mvnw -pl inference-worker verify -Dinferq.fullModelFidelity=true} (and models/full exists).
 */
class ImageVariantFidelityIT {

    @Test
    void theServedFullSizeImageModelAgreesWithItsFloat32Baseline() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("inferq.fullModelFidelity"),
                "full-size fidelity check not requested (-Dinferq.fullModelFidelity=true)");
        Path full = Path.of("../models/full");
        Assumptions.assumeTrue(Files.isRegularFile(full.resolve("image/image.pt")),
                "no full-size models at " + full.toAbsolutePath().normalize());
        ModelDescriptor served = ModelCatalog.scan(full).find("image").orElseThrow();
        ModelDescriptor baseline = VariantComparison.withProperties(
                served, Map.of("engine", "PyTorch", "option.modelName", "image"));

        VariantComparison c = VariantComparison.of(baseline, served, FidelityImages.of(240), 8);

        System.out.printf("full image model '%s' vs float32: %d images, top-1 agreement %.2f%%, "
                + "max probability diff %.4f%n", served.property("option.modelName").orElse("image"), c.images(),
                100 * c.agreement(), c.maxProbabilityDiff());
        assertThat(c.agreement()).as("top-1 agreement (%s)", c).isGreaterThanOrEqualTo(0.99);
        assertThat(c.maxProbabilityDiff()).as("largest probability difference (%s)", c).isLessThan(0.05);
    }
}
