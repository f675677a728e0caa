package dev.inferq.worker.inference;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.transform.Normalize;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.Pipeline;
import dev.inferq.common.model.ModelDescriptor;

/**
 * Turns a decoded picture into what an image model's forward pass takes ({@link PreparedImage}): resized to the
 * model's {@code width} x {@code height}, scaled to 0..1 and normalised with the {@code mean}/{@code std} of its
 * {@code serving.properties}. The same DJL transforms as DJL's image translator, run once per image, before the pass
 * and outside it: the pass itself only copies the values into its input tensor. Safe to call from several threads.
 */
public final class ImagePreparer {

    private static final int DEFAULT_SIZE = 224;

    private final int width;
    private final int height;
    private final Pipeline pipeline;

    ImagePreparer(int width, int height, float[] mean, float[] std) {
        this.width = width;
        this.height = height;
        this.pipeline = new Pipeline(new Resize(width, height), new ToTensor(), new Normalize(mean, std));
    }

    /** The preparation {@code descriptor}'s model expects. */
    public static ImagePreparer of(ModelDescriptor descriptor) {
        // Read here rather than with DJL's normalize=true, which means ImageNet's mean and std, while these models
        // were trained with their own (0.5 for Hugging Face's ViT).
        return new ImagePreparer(intSetting(descriptor, "width"), intSetting(descriptor, "height"),
                channels(descriptor, "mean"), channels(descriptor, "std"));
    }

    /** Resizes and normalises {@code image}. */
    public PreparedImage prepare(Image image) {
        // The arrays live in libtorch; only the result is copied out, and everything else is freed here.
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDList pixels = new NDList(image.toNDArray(manager, Image.Flag.COLOR));
            return new PreparedImage(pipeline.transform(pixels).singletonOrThrow().toFloatArray(), width, height);
        }
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    private static int intSetting(ModelDescriptor descriptor, String key) {
        return descriptor.property(key).map(String::trim).map(Integer::parseInt).orElse(DEFAULT_SIZE);
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
