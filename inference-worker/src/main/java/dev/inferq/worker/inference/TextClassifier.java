package dev.inferq.worker.inference;

import ai.djl.ModelException;
import ai.djl.huggingface.translator.TextClassificationTranslatorFactory;
import ai.djl.modality.Classifications;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.inferq.common.model.ModelDescriptor;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face style text classifier (TorchScript plus {@code tokenizer.json}); each prediction ranks every label,
 * best first.
 */
public final class TextClassifier extends DjlClassifier<String> {

    /** The {@code serving.properties} settings that DJL's tokenizer and text translator read. */
    private static final List<String> TRANSLATOR_SETTINGS =
            List.of("includeTokenTypes", "maxLength", "truncation", "padding");

    private TextClassifier(String name, ZooModel<String, Classifications> model, int labels) {
        super(name, model, labels);
    }

    /** Loads the model in {@code descriptor}'s folder. */
    public static TextClassifier load(ModelDescriptor descriptor) throws ModelException, IOException {
        Criteria<String, Classifications> criteria = Criteria.builder()
                .setTypes(String.class, Classifications.class)
                .optModelPath(descriptor.directory())
                .optModelName(modelFileName(descriptor))
                .optEngine(engine(descriptor))
                // DJL ignores serving.properties' translatorFactory when loading from a local folder, and the
                // settings below would not reach the translator either: both are passed explicitly.
                .optTranslatorFactory(new TextClassificationTranslatorFactory())
                .optArguments(translatorArguments(descriptor))
                .build();
        return new TextClassifier(descriptor.name(), criteria.loadModel(), descriptor.labels().size());
    }

    private static Map<String, Object> translatorArguments(ModelDescriptor descriptor) {
        Map<String, Object> arguments = new HashMap<>();
        TRANSLATOR_SETTINGS.forEach(key -> descriptor.property(key).ifPresent(value -> arguments.put(key, value)));
        return arguments;
    }
}
