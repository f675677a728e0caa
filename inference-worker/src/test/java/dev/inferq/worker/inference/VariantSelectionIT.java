package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.worker.WorkerPresence;
import dev.inferq.worker.TinyModels;
import dev.inferq.worker.WorkerSettings;
import dev.inferq.worker.inference.variant.CpuFeatures;
import dev.inferq.worker.inference.variant.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The worker choosing the image model's variant on this machine's CPU, with real libtorch and the committed tiny
 * variants (image, image_bf16, image_int8); the selection table goes to the log. No timing is asserted: which
 * variant wins depends on the CPU and on what else runs. {@code -Dinferq.variantModels=../models/full} (and
 * {@code -Dinferq.variantBudget=60s}, the worker's {@code variant-selection.budget}) runs the same on the full-size
 * models to measure them (models/README.md).
 */
class VariantSelectionIT {

    static final Path MODELS = Path.of(System.getProperty("inferq.variantModels", TinyModels.DIR));
    static final String BUDGET = System.getProperty("inferq.variantBudget", "10s");

    @Test
    void measuresTheImageVariantsThisCpuRunsFastAndServesOneOfThem() {
        List<String> fast = CpuFeatures.ofThisMachine().whySlow(Precision.BF16).isPresent()
                ? List.of("image", "image_int8") : List.of("image", "image_bf16", "image_int8");

        try (ModelRegistry registry = new ModelRegistry(ModelCatalog.scan(MODELS),
                WorkerSettings.of(Map.of("models", "image", "variant-selection.budget", BUDGET)), TinyModels.IMAGES)) {
            ServedModel<?> image = registry.models().get(0);

            assertThat(image.variant()).isIn(fast);
            assertThat(image.engine()).isEqualTo("PyTorch");
            assertThat(image.selection()).isEqualTo(WorkerPresence.Served.MEASURED);
            assertThat(image.msPerBatch()).containsOnlyKeys(1, 4)
                    .allSatisfy((size, ms) -> assertThat(ms).isPositive());
            @SuppressWarnings("unchecked")
            Classifier<PreparedImage> served = (Classifier<PreparedImage>) image.classifier();
            ImagePreparer preparer = ImagePreparer.of(ModelCatalog.scan(MODELS).find("image").orElseThrow());
            assertThat(served.classify(FidelityImages.of(1).stream().map(preparer::prepare).toList())).singleElement()
                    .satisfies(p -> assertThat(p.scores()).hasSize(5));
        }
    }

    @Test
    void anOperatorPinsAVariantAndNothingIsMeasured() {
        try (ModelRegistry registry = new ModelRegistry(TinyModels.catalog(),
                WorkerSettings.of(Map.of("models", "image,sentiment", "variant.image", "image_int8")),
                TinyModels.IMAGES)) {
            ServedModel<?> image = registry.models().get(0);
            ServedModel<?> sentiment = registry.models().get(1);

            assertThat(image.name()).isEqualTo("image");
            assertThat(image.variant()).isEqualTo("image_int8");
            assertThat(image.selection()).isEqualTo(WorkerPresence.Served.PINNED);
            assertThat(image.msPerBatch()).isEmpty();
            assertThat(sentiment.variant()).as("a folder without a variants list: as before").isEqualTo("sentiment");
            assertThat(sentiment.selection()).isEqualTo(WorkerPresence.Served.ONLY);
        }
    }
}
