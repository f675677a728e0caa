package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import dev.inferq.common.model.ModelCard;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.worker.TinyModels;
import dev.inferq.worker.WorkerSettings;
import dev.inferq.worker.inference.ImportedImageModelIT.PythonFixture;
import dev.inferq.worker.inference.variant.ModelVariant;
import dev.inferq.worker.inference.variant.ModelVariants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Opt-in ({@code -Dinferq.realImageVariants=true}, about a minute): torchvision's MobileNetV2 from
 * {@code ../shared/data/models/mobilenet_v2} imported with every variant kept ({@code --keep-failed-variants}), then
 * in DJL's libtorch, what the worker runs: each variant's gate as the worker reads it (top-1 over real photos, the
 * weights being real), the worker's choice among them, and per variant on this CPU the top-1 agreement with float32
 * and the largest probability difference over the shared photos as the worker prepares them, and milliseconds per
 * image at batch 1 and at its best batch size (fastest of 5 passes after a warm-up, the variants taking turns).
 * Prints the table of models/README.md ("Importing an image classifier"). Skipped without the shared data or
 * Debian's torch.
 */
class RealImageVariantsIT {

    private static final Path SHARED = Path.of("../../shared/data");
    private static final Path MODEL = SHARED.resolve("models/mobilenet_v2/mobilenet_v2_float.pt");
    private static final Path ROOT = Path.of("target/real-image-variants");
    private static final List<Integer> BATCHES = List.of(1, 2, 4, 8, 16);
    private static final int ROUNDS = 5;

    @Test
    void eachVariantOfTheRealModelIsGatedOnTop1AndMeasured() throws Exception {
        assumeTrue(Boolean.getBoolean("inferq.realImageVariants"), "opt-in: -Dinferq.realImageVariants=true");
        assumeTrue(Files.exists(MODEL) && Files.isDirectory(TinyModels.sharedImages()), "no shared model or photos");
        PythonFixture.Result imported = PythonFixture.run(ROOT, List.of("/usr/bin/python3",
                "../models/import_image_model.py", "--torchscript", MODEL.toString(), "--labels",
                SHARED.resolve("imagenet/labels.txt").toString(), "--name", "imagenet", "--out",
                ROOT.resolve("models/imagenet").toString(), "--keep-failed-variants"));
        assertThat(imported.exit()).as("import failed:%n%s", imported.output()).isZero();
        System.out.println(imported.output());
        ModelDescriptor model = ModelCatalog.scan(ROOT.resolve("models")).find("imagenet").orElseThrow();
        assertThat(model.card().weights()).isEqualTo(ModelCard.IMPORTED);
        List<ModelVariant> variants = ModelVariants.of(model);
        assertThat(variants).extracting(ModelVariant::name)
                .containsExactly("imagenet", "imagenet_bf16", "imagenet_int8");

        String served;
        try (ModelRegistry registry = new ModelRegistry(ModelCatalog.scan(ROOT.resolve("models")),
                WorkerSettings.of(Map.of("models", "imagenet")), TinyModels.IMAGES)) {
            served = registry.models().get(0).variant();
        }
        assertThat(variants.stream().filter(v -> v.name().equals(served)).findFirst().orElseThrow().fidelity()
                .passed()).as("the worker serves a variant that passed the gate: %s", served).isTrue();

        float[][] photos = photos(model);
        List<ZooModel<NDList, NDList>> loaded = new ArrayList<>();
        List<Predictor<NDList, NDList>> predictors = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (ModelVariant variant : variants) {
                loaded.add(raw(variant.applyTo(model)));
                predictors.add(loaded.get(loaded.size() - 1).newPredictor());
            }
            List<float[][]> probabilities = new ArrayList<>();
            for (Predictor<NDList, NDList> predictor : predictors) {
                probabilities.add(probabilities(predictor, manager, photos));
            }
            double[][] ms = msPerImage(predictors, manager, photos);
            StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%n| variant | gate (import, %s) "
                    + "| top-1 vs fp32 (DJL, %d photos) | max prob diff | ms/image b1 | best ms/image (batch) |%n"
                    + "|---|---|---|---|---|---|%n", "96 images", photos.length));
            for (int v = 0; v < variants.size(); v++) {
                int best = 0;
                for (int b = 1; b < BATCHES.size(); b++) {
                    best = ms[v][b] < ms[v][best] ? b : best;
                }
                table.append(String.format(Locale.ROOT, "| %s | %s | %.1f%% | %.4f | %.1f | %.1f (%d) |%n",
                        variants.get(v).name(), variants.get(v).fidelity().summary(),
                        100 * agreement(probabilities.get(0), probabilities.get(v)),
                        maxDiff(probabilities.get(0), probabilities.get(v)), ms[v][0], ms[v][best],
                        BATCHES.get(best)));
            }
            System.out.println("Real image model's variants, served: " + served + table);
        } finally {
            predictors.forEach(Predictor::close);
            loaded.forEach(ZooModel::close);
        }
    }

    /** The shared photos as the worker prepares them for this model. */
    private static float[][] photos(ModelDescriptor model) throws Exception {
        ImagePreparer preparer = ImagePreparer.of(model);
        List<float[]> prepared = new ArrayList<>();
        try (Stream<Path> files = Files.list(TinyModels.sharedImages())) {
            for (Path file : files.sorted().toList()) {
                prepared.add(preparer.prepare(ImageDecoder.decode(Files.readAllBytes(file), TinyModels.IMAGES))
                        .pixels());
            }
        }
        return prepared.toArray(float[][]::new);
    }

    private static float[][] probabilities(Predictor<NDList, NDList> predictor, NDManager manager, float[][] photos)
            throws Exception {
        float[][] out = new float[photos.length][];
        for (int i = 0; i < photos.length; i++) {
            NDArray logits = predictor.predict(new NDList(batch(manager, photos, i, 1))).singletonOrThrow();
            out[i] = logits.softmax(1).toFloatArray();
        }
        return out;
    }

    /**
     * Milliseconds per image by variant and batch size: the fastest of {@value #ROUNDS} passes after a warm-up, the
     * variants taking turns within each round, so that load from elsewhere on the machine falls on all of them alike.
     */
    private static double[][] msPerImage(List<Predictor<NDList, NDList>> predictors, NDManager manager,
            float[][] photos) throws Exception {
        double[][] ms = new double[predictors.size()][BATCHES.size()];
        for (double[] row : ms) {
            Arrays.fill(row, Double.MAX_VALUE);
        }
        for (int b = 0; b < BATCHES.size(); b++) {
            NDList input = new NDList(batch(manager, photos, 0, BATCHES.get(b)));
            for (int round = 0; round <= ROUNDS; round++) {
                for (int v = 0; v < predictors.size(); v++) {
                    long start = System.nanoTime();
                    predictors.get(v).predict(input);
                    double perImage = (System.nanoTime() - start) / 1e6 / BATCHES.get(b);
                    ms[v][b] = round == 0 ? ms[v][b] : Math.min(ms[v][b], perImage);
                }
            }
        }
        return ms;
    }

    /** size photos from first on, wrapping around, as one [size, 3, h, w] tensor. */
    private static NDArray batch(NDManager manager, float[][] photos, int first, int size) {
        int length = photos[0].length;
        float[] values = new float[size * length];
        for (int i = 0; i < size; i++) {
            System.arraycopy(photos[(first + i) % photos.length], 0, values, i * length, length);
        }
        int side = (int) Math.round(Math.sqrt(length / 3.0));
        return manager.create(values, new Shape(size, 3, side, side));
    }

    private static double agreement(float[][] reference, float[][] probabilities) {
        int same = 0;
        for (int i = 0; i < reference.length; i++) {
            same += argmax(reference[i]) == argmax(probabilities[i]) ? 1 : 0;
        }
        return (double) same / reference.length;
    }

    private static double maxDiff(float[][] reference, float[][] probabilities) {
        double worst = 0;
        for (int i = 0; i < reference.length; i++) {
            for (int j = 0; j < reference[i].length; j++) {
                worst = Math.max(worst, Math.abs(reference[i][j] - probabilities[i][j]));
            }
        }
        return worst;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }

    private static ZooModel<NDList, NDList> raw(ModelDescriptor model) throws Exception {
        return Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(model.directory())
                .optModelName(model.property("option.modelName").orElseThrow()).optEngine("PyTorch")
                .optTranslator(new NoopTranslator()).build().loadModel();
    }
}
