package dev.inferq.worker.inference;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.transform.CenterCrop;
import ai.djl.modality.cv.transform.Normalize;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.modality.cv.transform.ResizeShort;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.Pipeline;
import dev.inferq.common.model.ModelDescriptor;
import java.util.Optional;

/**
 * Turns a decoded picture into what an image model's forward pass takes ({@link PreparedImage}): brought to the
 * model's {@code width} x {@code height}, scaled to 0..1 and normalised with the {@code mean}/{@code std} of its
 * {@code serving.properties}. The same DJL transforms, under the same keys, as DJL's image translator, run once per
 * image, before the pass and outside it: the pass itself only copies the values into its input tensor. Safe to call
 * from several threads.
 *
 * <p>Two ways to reach the model's size ({@link Resizing}): {@code resize=true} (or no {@code resizeShort}) stretches
 * the picture to it (the generated and converted ViTs, as Hugging Face's ViTImageProcessor); {@code resizeShort=N} with
 * {@code centerCrop=true} scales the short side to N, keeping the aspect ratio, and takes the centre (torchvision's
 * ImageNet recipe: 256 then 224; imported models, models/README.md).
 */
public final class ImagePreparer {

    private static final int DEFAULT_SIZE = 224;

    private final int width;
    private final int height;
    private final Resizing resizing;
    private final Pipeline pipeline;

    ImagePreparer(int width, int height, Resizing resizing, float[] mean, float[] std) {
        this.width = width;
        this.height = height;
        this.resizing = resizing;
        this.pipeline = new Pipeline();
        if (resizing.shortSide() > 0) {
            pipeline.add(new ResizeShort(resizing.shortSide()));
            pipeline.add(new CenterCrop(width, height));
        } else {
            pipeline.add(new Resize(width, height));
        }
        pipeline.add(new ToTensor()).add(new Normalize(mean, std));
    }

    /** The preparation {@code descriptor}'s model expects; fails naming the setting that is wrong. */
    public static ImagePreparer of(ModelDescriptor descriptor) {
        int width = intSetting(descriptor, "width").orElse(DEFAULT_SIZE);
        int height = intSetting(descriptor, "height").orElse(DEFAULT_SIZE);
        // mean/std read here rather than with DJL's normalize=true, which means ImageNet's mean and std, while these
        // models were trained with their own (0.5 for Hugging Face's ViT).
        return new ImagePreparer(width, height, Resizing.of(descriptor, width, height),
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

    /** How the picture reaches the model's size. */
    public Resizing resizing() {
        return resizing;
    }

    /**
     * How a picture reaches the model's size: stretched to it ({@code shortSide} 0), or its short side scaled to
     * {@code shortSide} (aspect ratio kept) and the centre cropped.
     */
    public record Resizing(int shortSide) {

        static final Resizing STRETCH = new Resizing(0);

        /**
         * {@code resizeShort=N} with {@code centerCrop=true}: short side then centre; no {@code resizeShort}: stretch
         * (every folder before imported models, which may say {@code resize=true} or nothing).
         */
        static Resizing of(ModelDescriptor descriptor, int width, int height) {
            Optional<Integer> shortSide = intSetting(descriptor, "resizeShort");
            boolean crop = isTrue(descriptor, "centerCrop");
            // Anything else would either leave pictures larger than the model's input or prepare them in a way the
            // model was not trained for: refused at start rather than served wrong.
            if (shortSide.isEmpty()) {
                if (crop) {
                    throw invalid(descriptor, "centerCrop=true needs resizeShort=N (the short side scaled first)");
                }
                return STRETCH;
            }
            if (!crop || isTrue(descriptor, "resize")) {
                throw invalid(descriptor, "resizeShort needs centerCrop=true and no resize=true (the short side "
                        + "scaled, then the centre width x height)");
            }
            if (shortSide.get() < Math.max(width, height)) {
                throw invalid(descriptor, "resizeShort=" + shortSide.get() + " is smaller than the " + width + " x "
                        + height + " centre crop");
            }
            return new Resizing(shortSide.get());
        }

        @Override
        public String toString() {
            return shortSide == 0 ? "stretched" : "short side " + shortSide + ", centre crop";
        }
    }

    private static boolean isTrue(ModelDescriptor descriptor, String key) {
        return descriptor.property(key).map(v -> v.trim().equals("true")).orElse(false);
    }

    private static Optional<Integer> intSetting(ModelDescriptor descriptor, String key) {
        Optional<String> value = descriptor.property(key).map(String::trim);
        try {
            Optional<Integer> number = value.map(Integer::parseInt);
            if (number.isPresent() && number.get() < 1) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw invalid(descriptor, "'" + key + "' must be a positive whole number, was '" + value.orElse("") + "'");
        }
    }

    private static IllegalStateException invalid(ModelDescriptor descriptor, String why) {
        return new IllegalStateException("serving.properties of model '" + descriptor.name() + "': " + why);
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
