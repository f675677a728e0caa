package dev.inferq.worker.inference.variant;

import dev.inferq.common.model.ModelDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The candidate variants a model folder's serving.properties lists (models/README.md, "Image model variants"):
 *
 * <pre>
 * option.modelName=image                      # the float32 baseline, what plain DJL loads
 * variants=image,image_bf16,image_int8        # the candidates, the baseline among them
 * variant.image_int8.engine=PyTorch           # default: the folder's engine
 * variant.image_int8.precision=int8           # fp32 (default), bf16 or int8
 * variant.image_int8.fidelity=top1=0.996 max_prob_diff=0.0087 cosine=0.9998 passed=true
 * </pre>
 *
 * A folder without {@code variants} has one candidate, {@code option.modelName} on the folder's engine, as before.
 */
public final class ModelVariants {

    static final String MODEL_NAME_KEY = "option.modelName";
    static final String ENGINE_KEY = "engine";
    static final String VARIANTS_KEY = "variants";
    static final String DEFAULT_ENGINE = "PyTorch";

    private ModelVariants() {
    }

    /** The candidates of {@code descriptor}, the baseline ({@code option.modelName}) first; fails naming the key. */
    public static List<ModelVariant> of(ModelDescriptor descriptor) {
        String baseline = descriptor.property(MODEL_NAME_KEY).orElse(descriptor.name());
        String folderEngine = descriptor.property(ENGINE_KEY).orElse(DEFAULT_ENGINE);
        if (descriptor.property(VARIANTS_KEY).isEmpty()) {
            return List.of(new ModelVariant(baseline, folderEngine, Precision.FP32, Fidelity.ofReference()));
        }
        Set<String> names = new LinkedHashSet<>();
        Arrays.stream(descriptor.property(VARIANTS_KEY).orElseThrow().split(","))
                .map(String::trim).filter(name -> !name.isEmpty()).forEach(names::add);
        if (!names.contains(baseline)) {
            throw invalid(descriptor, VARIANTS_KEY + " " + names + " must include the baseline " + MODEL_NAME_KEY
                    + "=" + baseline);
        }
        List<ModelVariant> variants = new ArrayList<>();
        variants.add(variant(descriptor, baseline, folderEngine, true));
        names.stream().filter(name -> !name.equals(baseline))
                .forEach(name -> variants.add(variant(descriptor, name, folderEngine, false)));
        return List.copyOf(variants);
    }

    private static ModelVariant variant(ModelDescriptor descriptor, String name, String folderEngine,
            boolean baseline) {
        String prefix = "variant." + name + ".";
        try {
            Precision precision = descriptor.property(prefix + "precision").map(Precision::parse)
                    .orElse(Precision.FP32);
            Fidelity recorded = descriptor.property(prefix + "fidelity").map(Fidelity::parse)
                    .orElse(baseline ? Fidelity.ofReference() : Fidelity.unchecked());
            Fidelity fidelity = descriptor.card().realWeights() ? recorded.forRealWeights() : recorded;
            return new ModelVariant(name, descriptor.property(prefix + "engine").orElse(folderEngine), precision,
                    fidelity);
        } catch (IllegalArgumentException e) {
            throw invalid(descriptor, "variant '" + name + "': " + e.getMessage());
        }
    }

    private static IllegalStateException invalid(ModelDescriptor descriptor, String why) {
        return new IllegalStateException("serving.properties of model '" + descriptor.name() + "' in "
                + descriptor.directory() + ": " + why);
    }
}
