package dev.inferq.bench;

import ai.djl.ModelException;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.common.model.ModelTask;
import dev.inferq.worker.inference.Classifier;
import dev.inferq.worker.inference.ImageClassifier;
import dev.inferq.worker.inference.TextClassifier;
import dev.inferq.worker.inference.variant.CpuFeatures;
import dev.inferq.worker.inference.variant.ModelVariant;
import dev.inferq.worker.inference.variant.ModelVariants;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Part a: engine-bound throughput, in this process, of the worker's own classifiers ({@code classify} = tokenize or
 * resize, forward pass, softmax), per model, variant and batch size; the median of N timed calls after warm-up.
 */
final class EngineBench {

    /**
     * One measurement.
     *
     * @param variant {@code fp32} for text; for images the model file that ran (e.g. {@code image},
     *     {@code image_bf16}), the name a worker announces as its variant
     * @param engine the DJL engine and TorchScript (or ONNX) file that ran, e.g. {@code PyTorch/image}
     */
    record Result(String model, String variant, String engine, int batch, double medianMs, double itemsPerSec) {
    }

    private final BenchSettings settings;
    private final Samples samples;
    private final Consumer<String> log;

    EngineBench(BenchSettings settings, Samples samples, Consumer<String> log) {
        this.settings = settings;
        this.samples = samples;
        this.log = log;
    }

    List<Result> run() throws ModelException, IOException {
        ModelCatalog catalog = ModelCatalog.scan(settings.modelsDir());
        List<Result> results = new ArrayList<>();
        for (ModelDescriptor text : catalog.all()) {
            if (text.task() == ModelTask.TEXT_CLASSIFICATION) {
                try (Classifier<String> classifier = TextClassifier.load(text)) {
                    results.addAll(measure(classifier, "fp32", engineOf(text), samples.texts(text.name()),
                            settings.textBatches(), settings.textCalls()));
                }
            }
        }
        ModelDescriptor configured = catalog.find(settings.imageModel()).orElseThrow(() -> new IllegalStateException(
                "no model '" + settings.imageModel() + "' in " + settings.modelsDir()));
        List<Image> images = loadImages(samples.images());
        for (ModelDescriptor variant : imageVariants(configured)) {
            results.addAll(measureImage(variant, images));
        }
        return results;
    }

    /**
     * The image variants a worker on this CPU chooses from: the folder's candidates ({@link ModelVariants}, the fp32
     * baseline first) less those that failed their fidelity gate or that this CPU cannot run fast
     * ({@link CpuFeatures}, e.g. bf16 without AVX-512 BF16 or AMX), each left out with a line saying why. A folder
     * without a variants list has one candidate, its {@code option.modelName}.
     */
    private List<ModelDescriptor> imageVariants(ModelDescriptor configured) {
        CpuFeatures cpu = CpuFeatures.ofThisMachine();
        List<ModelDescriptor> measured = new ArrayList<>();
        for (ModelVariant variant : ModelVariants.of(configured)) {
            Optional<String> slow = cpu.whySlow(variant.precision());
            if (!variant.fidelity().passed()) {
                log.accept("image variant " + variant.name() + " not measured: it failed its fidelity gate ("
                        + variant.fidelity().summary() + ")");
            } else if (slow.isPresent()) {
                log.accept("image variant " + variant.name() + " not measured: " + slow.get());
            } else {
                measured.add(variant.applyTo(configured));
            }
        }
        return measured;
    }

    /** The model file of the image folder's fp32 baseline, the one plain PyTorch (part f) runs. */
    static String baselineFile(ModelDescriptor image) {
        return ModelVariants.of(image).get(0).name();
    }

    static String fileOf(ModelDescriptor d) {
        return d.property("option.modelName").orElse(d.name());
    }

    static String engineOf(ModelDescriptor d) {
        return d.property("engine").orElse("PyTorch") + "/" + fileOf(d);
    }

    private List<Result> measureImage(ModelDescriptor descriptor, List<Image> images)
            throws ModelException, IOException {
        try (Classifier<Image> classifier = ImageClassifier.load(descriptor)) {
            return measure(classifier, fileOf(descriptor), engineOf(descriptor), images, settings.imageBatches(),
                    settings.imageCalls());
        }
    }

    private <I> List<Result> measure(Classifier<I> classifier, String variant, String engine, List<I> pool,
                                     List<Integer> batches, int calls) {
        List<Result> results = new ArrayList<>();
        for (int batch : batches) {
            int offset = 0;
            for (int i = 0; i < settings.warmupCalls(); i++, offset += batch) {
                classifier.classify(Samples.cycle(pool, offset, batch));
            }
            long[] nanos = new long[calls];
            for (int i = 0; i < calls; i++, offset += batch) {
                List<I> inputs = Samples.cycle(pool, offset, batch);
                long t0 = System.nanoTime();
                classifier.classify(inputs);
                nanos[i] = System.nanoTime() - t0;
            }
            Arrays.sort(nanos);
            double medianMs = LatencyRecorder.percentile(nanos, 50) / 1e6;
            Result r = new Result(classifier.name(), variant, engine, batch, medianMs, batch * 1000 / medianMs);
            log.accept(String.format(java.util.Locale.ROOT, "engine %-10s %-14s batch %2d: %8.1f ms/call %8.1f items/s",
                    r.model(), variant, batch, medianMs, r.itemsPerSec()));
            results.add(r);
        }
        return results;
    }

    private static List<Image> loadImages(List<Path> files) {
        List<Image> images = new ArrayList<>();
        for (Path file : files) {
            try {
                images.add(ImageFactory.getInstance().fromFile(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot decode " + file, e);
            }
        }
        return images;
    }
}
