package dev.inferq.worker.inference;

import ai.djl.ModelException;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.transform.Normalize;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.modality.cv.translator.ImageClassificationTranslator;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.inferq.common.model.ModelDescriptor;
import java.io.IOException;

/**
 * An image classifier taking RGB {@code [batch, 3, height, width]} scaled to 0..1 and normalised with the
 * {@code mean}/{@code std} of its {@code serving.properties}; each prediction holds the {@code topK} best labels.
 */
public final class ImageClassifier extends DjlClassifier<Image> {

    private static final int DEFAULT_SIZE = 224;
    private static final int DEFAULT_TOP_K = 5;

    private ImageClassifier(String name, ZooModel<Image, Classifications> model, int topK) {
        super(name, model, topK);
    }

    /** Loads the model in {@code descriptor}'s folder. */
    public static ImageClassifier load(ModelDescriptor descriptor) throws ModelException, IOException {
        int width = intSetting(descriptor, "width", DEFAULT_SIZE);
        int height = intSetting(descriptor, "height", DEFAULT_SIZE);
        // Built here rather than from serving.properties: DJL's normalize=true means ImageNet's mean and std, while
        // these models were trained with their own (0.5 for Hugging Face's ViT).
        ImageClassificationTranslator translator = ImageClassificationTranslator.builder()
                .addTransform(new Resize(width, height))
                .addTransform(new ToTensor())
                .addTransform(new Normalize(channels(descriptor, "mean"), channels(descriptor, "std")))
                // The catalog's labels: the same list, in the same order, that the gateway shows clients.
                .optSynset(descriptor.labels())
                .optApplySoftmax(true)
                .build();
        Criteria<Image, Classifications> criteria = Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optModelPath(descriptor.directory())
                .optModelName(modelFileName(descriptor))
                .optEngine(engine(descriptor))
                .optTranslator(translator)
                .build();
        int topK = Math.min(intSetting(descriptor, "topK", DEFAULT_TOP_K), descriptor.labels().size());
        return new ImageClassifier(descriptor.name(), criteria.loadModel(), topK);
    }

    private static int intSetting(ModelDescriptor descriptor, String key, int fallback) {
        return descriptor.property(key).map(Integer::parseInt).orElse(fallback);
    }

    private static float[] channels(ModelDescriptor descriptor, String key) {
        String value = descriptor.property(key).orElseThrow(() -> new IllegalStateException(
                "serving.properties of model '" + descriptor.name() + "' has no '" + key
                        + "' (three comma-separated numbers, one per RGB channel)"));
        String[] parts = value.split(",");
        if (parts.length != 3) {
            throw new IllegalStateException("'" + key + "' of model '" + descriptor.name()
                    + "' must have one number per RGB channel, was '" + value + "'");
        }
        float[] numbers = new float[3];
        for (int i = 0; i < 3; i++) {
            numbers[i] = Float.parseFloat(parts[i].trim());
        }
        return numbers;
    }
}
