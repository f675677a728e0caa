package dev.inferq.worker.inference.variant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.model.ModelCard;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.common.model.ModelTask;
import dev.inferq.worker.TinyModels;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The candidates serving.properties lists ({@code variants}, {@code variant.<name>.*}). */
class ModelVariantsTest {

    @Test
    void aFolderWithoutAVariantsListHasOneCandidateAsBefore() {
        List<ModelVariant> variants = ModelVariants.of(model(Map.of("option.modelName", "sentiment")));

        assertThat(variants).containsExactly(
                new ModelVariant("sentiment", "PyTorch", Precision.FP32, Fidelity.ofReference()));
        assertThat(ModelVariants.of(model(Map.of("engine", "OnnxRuntime"))))
                .containsExactly(new ModelVariant("m", "OnnxRuntime", Precision.FP32, Fidelity.ofReference()));
    }

    @Test
    void listsTheBaselineFirstWithEachCandidatesEnginePrecisionAndFidelity() {
        List<ModelVariant> variants = ModelVariants.of(model(Map.of(
                "option.modelName", "image",
                "variants", "image_int8, image ,image_bf16,image_onnx",
                "variant.image_bf16.precision", "bf16",
                "variant.image_bf16.fidelity", "images=240 top1=0.996 max_prob_diff=0.0129 cosine=0.99998 passed=true",
                "variant.image_int8.precision", "INT8",
                "variant.image_int8.fidelity", "top1=0.938 cosine=0.9965 passed=false",
                "variant.image_onnx.engine", "OnnxRuntime")));

        assertThat(variants).extracting(ModelVariant::name)
                .containsExactly("image", "image_int8", "image_bf16", "image_onnx");
        assertThat(variants.get(0).fidelity().reference()).isTrue();
        assertThat(variants.get(1)).isEqualTo(new ModelVariant("image_int8", "PyTorch", Precision.INT8,
                new Fidelity(false, false, "top1=0.938 cosine=0.9965 passed=false")));
        assertThat(variants.get(2).precision()).isEqualTo(Precision.BF16);
        assertThat(variants.get(2).fidelity().passed()).isTrue();
        assertThat(variants.get(3).engine()).isEqualTo("OnnxRuntime");
        assertThat(variants.get(3).fidelity()).as("no fidelity line: never served unless pinned")
                .isEqualTo(Fidelity.unchecked());
    }

    @Test
    void theCommittedTinyImageFolderListsItsVariants() {
        List<ModelVariant> variants = ModelVariants.of(TinyModels.model("image"));

        assertThat(variants).extracting(ModelVariant::name).containsExactly("image", "image_bf16", "image_int8");
        assertThat(variants).extracting(ModelVariant::precision)
                .containsExactly(Precision.FP32, Precision.BF16, Precision.INT8);
        assertThat(variants).allSatisfy(v -> assertThat(v.fidelity().passed()).as(v.name()).isTrue());
        assertThat(ModelVariants.of(TinyModels.model("disaster"))).extracting(ModelVariant::name)
                .containsExactly("disaster");
    }

    @Test
    void aVariantPointsTheDescriptorAtItsFileAndEngine() {
        ModelDescriptor image = TinyModels.model("image");

        ModelDescriptor int8 = new ModelVariant("image_int8", "PyTorch", Precision.INT8, Fidelity.ofReference())
                .applyTo(image);

        assertThat(int8.property("option.modelName")).contains("image_int8");
        assertThat(int8.property("engine")).contains("PyTorch");
        assertThat(int8.card()).isEqualTo(image.card());
        assertThat(int8.property("mean")).isEqualTo(image.property("mean"));
    }

    @Test
    void realWeightsAreGatedOnTop1AgreementAloneRandomOnesAsRecorded() {
        // bf16: passed on logit cosine, the random-weights gate, with top-1 under 99%; int8: top-1 99.5%
        Map<String, String> properties = Map.of("option.modelName", "m", "variants", "m,m_bf16,m_int8",
                "variant.m_bf16.fidelity", "images=96 top1=0.9792 cosine=0.99990 passed=true",
                "variant.m_int8.fidelity", "images=96 photos=12 top1=0.9950 cosine=0.99000 passed=true");

        for (String weights : List.of(ModelCard.IMPORTED, ModelCard.TRAINED, ModelCard.CONVERTED)) {
            List<ModelVariant> real = ModelVariants.of(model(properties, weights));
            assertThat(real).extracting(v -> v.fidelity().passed()).as(weights).containsExactly(true, false, true);
            assertThat(real.get(1).fidelity().summary()).contains("real weights: needs top1 >= 0.99");
        }
        assertThat(ModelVariants.of(model(properties, ModelCard.RANDOM))).extracting(v -> v.fidelity().passed())
                .containsExactly(true, true, true);
        assertThat(ModelVariants.of(model(Map.of("option.modelName", "m", "variants", "m,q",
                "variant.q.fidelity", "cosine=0.99999 passed=true"), ModelCard.IMPORTED)).get(1).fidelity().passed())
                .as("no top-1 figure: nothing shows it keeps the answers").isFalse();
    }

    @Test
    void refusesListsAndFiguresItCannotRead() {
        assertThatThrownBy(() -> ModelVariants.of(model(Map.of("option.modelName", "image",
                "variants", "image_bf16,image_int8"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("serving.properties of model 'm'")
                .hasMessageContaining("must include the baseline option.modelName=image");
        assertThatThrownBy(() -> ModelVariants.of(model(Map.of("variants", "m,q",
                "variant.q.precision", "fp16"))))
                .hasMessageContaining("variant 'q'").hasMessageContaining("unknown precision 'fp16'");
        assertThatThrownBy(() -> ModelVariants.of(model(Map.of("variants", "m,q",
                "variant.q.fidelity", "top1=0.99 cosine=0.9999"))))
                .hasMessageContaining("variant 'q'").hasMessageContaining("needs passed=true or passed=false");
        assertThatThrownBy(() -> ModelVariants.of(model(Map.of("variants", "m,q",
                "variant.q.fidelity", "good"))))
                .hasMessageContaining("variant 'q'").hasMessageContaining("key=value pairs");
    }

    private static ModelDescriptor model(Map<String, String> properties) {
        return new ModelDescriptor("m", ModelTask.IMAGE_CLASSIFICATION, List.of("a", "b"), Path.of("/models/m"),
                withApplication(properties));
    }

    private static ModelDescriptor model(Map<String, String> properties, String weights) {
        ModelCard card = new ModelCard("m", "image-classification", List.of("a", "b"), weights, Map.of(), Map.of(),
                Map.of(), Map.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        return new ModelDescriptor("m", ModelTask.IMAGE_CLASSIFICATION, List.of("a", "b"), Path.of("/models/m"),
                withApplication(properties), card);
    }

    private static Map<String, String> withApplication(Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(Map.of("application", "cv/image_classification"));
        all.putAll(properties);
        return all;
    }
}
