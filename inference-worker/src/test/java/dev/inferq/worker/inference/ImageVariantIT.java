package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.cv.Image;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.worker.TinyModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image model's variants (models/README.md): serving.properties' {@code engine} and {@code option.modelName}
 * pick the file DJL loads, and the tiny bfloat16 and int8 variants answer like the float32 baseline here too, in
 * DJL's libtorch (fbgemm for int8), not only in the Python torch that measured the fidelity serving.properties records.
 */
class ImageVariantIT {

    static final Map<String, String> BASELINE = Map.of("engine", "PyTorch", "option.modelName", "image");
    static final Map<String, String> BF16 = Map.of("engine", "PyTorch", "option.modelName", "image_bf16");
    static final Map<String, String> INT8 = Map.of("engine", "PyTorch", "option.modelName", "image_int8");

    static ModelDescriptor tiny;
    static List<Image> images;

    @BeforeAll
    static void load() {
        tiny = TinyModels.model("image");
        images = FidelityImages.of(200);
    }

    @Test
    void bothFilesAreInTheTinyModelFolder() {
        assertThat(tiny.directory().resolve("image.pt")).isRegularFile();
        assertThat(tiny.directory().resolve("image_bf16.pt")).isRegularFile();
        assertThat(tiny.directory().resolve("image_int8.pt")).isRegularFile();
    }

    @Test
    void theBf16VariantAgreesWithTheFloat32Baseline() throws Exception {
        VariantComparison c = VariantComparison.of(
                VariantComparison.withProperties(tiny, BASELINE), VariantComparison.withProperties(tiny, BF16),
                images, 8);

        assertThat(c.images()).isEqualTo(200);
        assertThat(c.agreement()).as("top-1 agreement (%s)", c).isGreaterThanOrEqualTo(0.99);
        assertThat(c.maxProbabilityDiff()).as("largest probability difference (%s)", c).isLessThan(0.05);
        // and it is another file: bfloat16 rounding shows in the probabilities
        assertThat(c.maxProbabilityDiff()).isGreaterThan(0);
    }

    @Test
    void theInt8VariantLoadsInLibtorchAndAgreesWithTheFloat32Baseline() throws Exception {
        VariantComparison c = VariantComparison.of(
                VariantComparison.withProperties(tiny, BASELINE), VariantComparison.withProperties(tiny, INT8),
                images, 8);

        // generate_models.py measured top-1 0.975 in Debian's torch (onednn); near-ties of the random weights flip
        assertThat(c.agreement()).as("top-1 agreement (%s)", c).isGreaterThanOrEqualTo(0.95);
        assertThat(c.maxProbabilityDiff()).as("largest probability difference (%s)", c).isLessThan(0.05);
        assertThat(c.maxProbabilityDiff()).isGreaterThan(0);
    }

    @Test
    void engineAndModelNameOverridesLoadTheFloat32BaselineWhateverTheFolderServes() throws Exception {
        ModelDescriptor servingBf16 = VariantComparison.withProperties(tiny, BF16);
        ModelDescriptor overriddenBack = VariantComparison.withProperties(servingBf16, BASELINE);

        VariantComparison c = VariantComparison.of(tiny, overriddenBack, images.subList(0, 16), 8);

        assertThat(tiny.property("option.modelName")).contains("image");
        assertThat(c.sameTopLabel()).isEqualTo(16);
        assertThat(c.maxProbabilityDiff()).isZero();
    }
}
