package dev.inferq.worker.inference.variant;

import dev.inferq.common.model.ModelDescriptor;
import java.util.HashMap;
import java.util.Map;

/**
 * One candidate file of a model folder: its name (the file name without extension, DJL's {@code option.modelName}),
 * the DJL engine that runs it, its precision and its recorded fidelity against the float32 baseline.
 */
public record ModelVariant(String name, String engine, Precision precision, Fidelity fidelity) {

    /** The model's descriptor with {@code option.modelName} and {@code engine} pointing at this variant. */
    public ModelDescriptor applyTo(ModelDescriptor descriptor) {
        Map<String, String> properties = new HashMap<>(descriptor.properties());
        properties.put(ModelVariants.MODEL_NAME_KEY, name);
        properties.put(ModelVariants.ENGINE_KEY, engine);
        return new ModelDescriptor(descriptor.name(), descriptor.task(), descriptor.labels(), descriptor.directory(),
                properties, descriptor.card());
    }
}
