package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.modality.cv.Image;
import dev.inferq.common.model.ModelCard;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.contract.Prediction;
import dev.inferq.worker.TinyModels;
import dev.inferq.worker.inference.variant.ModelVariant;
import dev.inferq.worker.inference.variant.ModelVariants;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * models/import_image_model.py end to end: {@code models/test_import_image_model.py --fixture} imports a small
 * convolutional net at 64 x 80 (not 224, not square) with the short side scaled to 96 and the centre cropped, and a
 * mean/std different per channel, keeping every variant; it records, per picture whose short side is already 96 (no
 * interpolation, so the result is exact), the prepared pixels computed from the raw pixels and the float32 logits.
 * Here the worker decodes, prepares and classifies the same pictures. Needs /usr/bin/python3 with torch and Pillow;
 * skipped without them.
 */
class ImportedImageModelIT {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path SCRIPT = Path.of("../models/test_import_image_model.py");
    private static final Path ROOT = Path.of("target/imported-image-model-it");

    static JsonNode expected;
    static ModelDescriptor model;

    @BeforeAll
    static void buildFixture() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON + ": the importer test needs Debian's python3-torch");
        assumeTrue(PythonFixture.run(ROOT, List.of(PYTHON.toString(), "-c", "import torch, PIL")).exit() == 0,
                PYTHON + " has no torch or Pillow (apt-get install -y python3-torch python3-pil)");
        PythonFixture.Result built = PythonFixture.run(ROOT,
                List.of(PYTHON.toString(), SCRIPT.toString(), "--fixture", ROOT.toString()));
        assertThat(built.exit()).as("test_import_image_model.py --fixture failed:%n%s", built.output()).isZero();
        expected = JsonMapper.builder().build().readTree(ROOT.resolve("expected.json").toFile());
        model = ModelCatalog.scan(ROOT.resolve("models")).find("colours").orElseThrow();
    }

    @Test
    void theWorkerPreparesAPictureAsTheRawPixelsSayAtTheFoldersSizeCropAndStatistics() throws IOException {
        ImagePreparer preparer = ImagePreparer.of(model);
        assertThat(preparer.resizing().shortSide()).isEqualTo(96);
        for (JsonNode c : expected.path("cases")) {
            PreparedImage prepared = preparer.prepare(decode(c));
            assertThat(new int[] {prepared.width(), prepared.height()}).containsExactly(64, 80);
            JsonNode pixels = c.path("pixels");
            assertThat(prepared.pixels()).hasSize(pixels.size());
            double worst = 0;
            for (int i = 0; i < pixels.size(); i++) {
                worst = Math.max(worst, Math.abs(prepared.pixels()[i] - pixels.get(i).asDouble()));
            }
            assertThat(worst).as("%s: max |worker - reference| pixel", c.path("picture").asString())
                    .isLessThan(1e-5);
        }
    }

    @Test
    void theWorkersClassifierScoresThePicturesAsTheFloat32Model() throws Exception {
        assertThat(model.card().weights()).isEqualTo(ModelCard.IMPORTED);
        List<Image> images = new ArrayList<>();
        for (JsonNode c : expected.path("cases")) {
            images.add(decode(c));
        }
        try (ImageClassifier classifier = ImageClassifier.load(model)) {
            List<Prediction> predictions = classifier.classify(images);
            for (int i = 0; i < predictions.size(); i++) {
                double[] reference = softmax(expected.path("cases").get(i).path("logits"));
                for (Prediction.LabelScore score : predictions.get(i).scores()) {
                    assertThat(score.score()).as("picture %d, %s", i, score.label())
                            .isCloseTo(reference[model.labels().indexOf(score.label())], within(1e-4));
                }
            }
        }
    }

    @Test
    void everyVariantTheImporterWroteLoadsAndIsGatedOnTop1AsItsCardSays() throws Exception {
        List<ModelVariant> variants = ModelVariants.of(model);
        assertThat(variants).extracting(ModelVariant::name)
                .containsExactly("colours", "colours_bf16", "colours_int8");
        for (ModelVariant variant : variants.subList(1, variants.size())) {
            assertThat(variant.fidelity().passed()).as(variant.name())
                    .isEqualTo(recordedPass(variant.name()));
            try (ImageClassifier classifier = ImageClassifier.load(variant.applyTo(model))) {
                assertThat(classifier.classify(List.of(decode(expected.path("cases").get(0)))))
                        .as("%s runs in DJL's libtorch", variant.name()).hasSize(1);
            }
        }
    }

    private static boolean recordedPass(String variant) throws IOException {
        JsonNode figures = JsonMapper.builder().build().readTree(model.directory().resolve("model-card.json")
                .toFile()).path("variants").path(variant);
        return figures.path("passed").asBoolean() && figures.path("top1").asDouble() >= 0.99;
    }

    private static Image decode(JsonNode c) throws IOException {
        return ImageDecoder.decode(Files.readAllBytes(ROOT.resolve(c.path("picture").asString())), TinyModels.IMAGES);
    }

    private static double[] softmax(JsonNode logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (JsonNode l : logits) {
            max = Math.max(max, l.asDouble());
        }
        double[] p = new double[logits.size()];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits.get(i).asDouble() - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Runs a Python command for a fixture, its output to a file. */
    static final class PythonFixture {

        record Result(int exit, String output) {
        }

        private PythonFixture() {
        }

        static Result run(Path root, List<String> command) throws IOException, InterruptedException {
            Files.createDirectories(root);
            Path log = root.resolve("python.log");
            // output to a file: a pipe nobody reads while waiting could fill up and stall the interpreter
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            // a bound, not a sync: the fixture takes seconds; a hung interpreter must fail the test, not hang the build
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return new Result(-1, "timed out: " + command);
            }
            return new Result(process.exitValue(), Files.readString(log));
        }
    }
}
