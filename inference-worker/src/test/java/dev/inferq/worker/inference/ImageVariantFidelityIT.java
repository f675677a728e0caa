package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.cv.Image;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.worker.inference.variant.ModelVariant;
import dev.inferq.worker.inference.variant.ModelVariants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Each candidate variant of the full-size ViT-B/16 (models/full, generated, gitignored) that its serving.properties
 * says passed fidelity, against the float32 baseline ({@code option.modelName}) on 240 fixed images, in DJL's libtorch:
 * the largest probability difference stays under 0.05, and top-1 agreement is printed beside the figures
 * generate_models.py recorded. Takes a few minutes on 2 cores, so it runs only when asked:
 * {@code ./mvnw -pl inference-worker verify -Dinferq.fullModelFidelity=true} (and models/full exists).
 */
class ImageVariantFidelityIT {

    @Test
    void everyFullSizeImageVariantThatPassedFidelityAnswersLikeItsFloat32Baseline() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("inferq.fullModelFidelity"),
                "full-size fidelity check not requested (-Dinferq.fullModelFidelity=true)");
        Path full = Path.of("../models/full");
        Assumptions.assumeTrue(Files.isRegularFile(full.resolve("image/image.pt")),
                "no full-size models at " + full.toAbsolutePath().normalize());
        ModelDescriptor image = ModelCatalog.scan(full).find("image").orElseThrow();
        List<ModelVariant> variants = ModelVariants.of(image);
        ModelDescriptor baseline = variants.get(0).applyTo(image);
        List<Image> images = FidelityImages.of(240);

        for (ModelVariant variant : variants.subList(1, variants.size())) {
            if (!variant.fidelity().passed()) {
                continue;
            }
            VariantComparison c = VariantComparison.of(baseline, variant.applyTo(image), images, 8);

            System.out.printf("full image variant '%s' vs float32: %d images, top-1 agreement %.2f%%, "
                    + "max probability diff %.4f (recorded: %s)%n", variant.name(), c.images(), 100 * c.agreement(),
                    c.maxProbabilityDiff(), variant.fidelity().summary());
            assertThat(c.maxProbabilityDiff()).as("largest probability difference of %s (%s)", variant.name(), c)
                    .isLessThan(0.05);
        }
    }
}
