package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
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
import dev.inferq.contract.Prediction;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * models/convert_hf.py end to end: {@code models/test_convert_hf.py --fixture} writes small BERT, DistilBERT, RoBERTa
 * and ViT (224 px / patch 32 and 96 px / patch 16) checkpoints in Hugging Face's names, file formats (safetensors and
 * pytorch_model.bin) and tokenizer files, converts them into target/, and records token ids and logits from a
 * reference tokenizer and forward pass on the HF state dict; here DJL/libtorch runs the converted folders, raw, through
 * DJL's tokenizer and through the worker's own classifiers. Needs /usr/bin/python3 with torch; skipped without it.
 */
class HfConverterIT {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path SCRIPT = Path.of("../models/test_convert_hf.py");
    private static final Path ROOT = Path.of("target/hf-converter-it");
    private static final double TOLERANCE = 1e-4;

    static JsonNode expected;
    static ModelCatalog converted;

    @BeforeAll
    static void buildFixture() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON + ": the converter test needs Debian's python3-torch");
        assumeTrue(run("torch-check", List.of(PYTHON.toString(), "-c", "import torch")).exit == 0,
                PYTHON + " has no torch (apt-get install -y python3-torch libopenblas0-pthread)");
        Result built = run("fixture", List.of(PYTHON.toString(), SCRIPT.toString(), "--fixture", ROOT.toString()));
        assertThat(built.exit).as("test_convert_hf.py --fixture failed:%n%s", built.output).isZero();
        expected = JsonMapper.builder().build().readTree(ROOT.resolve("expected.json").toFile());
        converted = ModelCatalog.scan(ROOT.resolve("djl"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert-safetensors", "bert-bin", "distilbert-safetensors", "roberta-safetensors",
        "roberta-bin"})
    void aConvertedTextModelGivesTheReferenceLogits(String name) throws Exception {
        ModelDescriptor model = converted.find(name).orElseThrow();
        assertThat(model.card().weights()).isEqualTo(ModelCard.CONVERTED);
        double worst = 0;
        try (ZooModel<NDList, NDList> raw = raw(model); Predictor<NDList, NDList> predictor = raw.newPredictor();
                NDManager manager = NDManager.newBaseManager()) {
            for (JsonNode text : cases(name)) {
                long[] ids = longs(text.path("input_ids"));
                NDArray input = manager.create(ids, new Shape(1, ids.length));
                NDList out = predictor.predict(new NDList(input, manager.ones(input.getShape(), input.getDataType()),
                        manager.zeros(input.getShape(), input.getDataType())));
                worst = Math.max(worst, maxDiff(out.singletonOrThrow().toFloatArray(), text.path("logits")));
            }
        }
        System.out.printf("converted %s: max |DJL - reference| logit difference %.3g%n", name, worst);
        assertThat(worst).isLessThan(TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert-safetensors", "distilbert-safetensors", "roberta-safetensors", "roberta-bin"})
    void djlsTokenizerGivesTheReferenceIdsFromAConvertedFolder(String name) throws IOException {
        // WordPiece from tokenizer.json and from vocab.txt; byte-level BPE from the Hub's tokenizer.json and from
        // the tokenizer.json the converter builds out of vocab.json + merges.txt
        ModelDescriptor model = converted.find(name).orElseThrow();
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                .optTokenizerPath(model.directory())
                .optPadding(false)
                .build()) {
            for (JsonNode text : cases(name)) {
                assertThat(tokenizer.encode(text.path("text").asString()).getIds()).as("%s: %s", name, text)
                        .containsExactly(longs(text.path("input_ids")));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert-safetensors", "bert-bin", "distilbert-safetensors", "roberta-safetensors",
        "roberta-bin"})
    void theWorkersTextClassifierTokenizesAndScoresAConvertedModelAsTheReference(String name) throws Exception {
        ModelDescriptor model = converted.find(name).orElseThrow();
        List<String> texts = new ArrayList<>();
        cases(name).forEach(t -> texts.add(t.path("text").asString()));
        try (TextClassifier classifier = TextClassifier.load(model)) {
            // one batch: DJL pads the shorter texts, which must not change their scores
            assertProbabilities(classifier.classify(texts), cases(name), model.labels());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"vit-safetensors", "vit-bin", "vit96-safetensors"})
    void aConvertedVitGivesTheReferenceLogits(String name) throws Exception {
        ModelDescriptor model = converted.find(name).orElseThrow();
        assertThat(model.card().weights()).isEqualTo(ModelCard.CONVERTED);
        double worst = 0;
        try (ZooModel<NDList, NDList> raw = raw(model); Predictor<NDList, NDList> predictor = raw.newPredictor();
                NDManager manager = NDManager.newBaseManager()) {
            for (JsonNode image : cases(name)) {
                long[] shape = longs(image.path("shape"));
                float[] pixels = floats(image.path("pixels"));
                NDArray input = manager.create(pixels, new Shape(1, shape[0], shape[1], shape[2]));
                NDList out = predictor.predict(new NDList(input));
                worst = Math.max(worst, maxDiff(out.singletonOrThrow().toFloatArray(), image.path("logits")));
            }
        }
        System.out.printf("converted %s: max |DJL - reference| logit difference %.3g%n", name, worst);
        assertThat(worst).isLessThan(TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"vit-safetensors", "vit96-safetensors"})
    void theWorkersImageClassifierPreparesAtTheModelsSizeWithThePreprocessorsMeanAndStd(String name)
            throws Exception {
        ModelDescriptor model = converted.find(name).orElseThrow();
        int size = (int) longs(cases(name).get(0).path("shape"))[1];
        assertThat(model.property("width")).contains(String.valueOf(size));
        List<Image> images = new ArrayList<>();
        for (JsonNode image : cases(name)) {
            images.add(ImageFactory.getInstance().fromFile(ROOT.resolve(image.path("png").asString())));
        }
        try (ImageClassifier classifier = ImageClassifier.load(model)) {
            // the pictures already have the model's size, so the preparation's resize leaves the pixels as they are
            assertProbabilities(classifier.classify(images), cases(name), model.labels());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"test_convert_hf.py", "test_fetch_hf.py"})
    void thePythonTestsOfTheConverterAndTheDownloaderPass(String script) throws Exception {
        // test_fetch_hf.py serves checkpoints from a local HTTP server laid out like huggingface.co: no internet
        Result tests = run(script, List.of(PYTHON.toString(), SCRIPT.resolveSibling(script).toString()));
        assertThat(tests.exit).as("%s failed:%n%s", script, tests.output).isZero();
    }

    private static JsonNode cases(String name) {
        return expected.path("models").path(name).path("cases");
    }

    private static void assertProbabilities(List<Prediction> predictions, JsonNode cases, List<String> labels) {
        assertThat(predictions).hasSize(cases.size());
        for (int i = 0; i < predictions.size(); i++) {
            for (Prediction.LabelScore score : predictions.get(i).scores()) {
                double reference = cases.get(i).path("probabilities").get(labels.indexOf(score.label())).asDouble();
                assertThat(score.score()).as("case %d, label %s", i, score.label()).isCloseTo(reference,
                        within(TOLERANCE));
            }
        }
    }

    private static ZooModel<NDList, NDList> raw(ModelDescriptor model) throws Exception {
        return Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(model.directory())
                .optModelName(model.property("option.modelName").orElse(model.name()))
                .optEngine("PyTorch")
                .optTranslator(new NoopTranslator())
                .build()
                .loadModel();
    }

    private static double maxDiff(float[] actual, JsonNode reference) {
        assertThat(actual).hasSize(reference.size());
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - reference.get(i).asDouble()));
        }
        return worst;
    }

    private static long[] longs(JsonNode array) {
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asLong();
        }
        return values;
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }

    private record Result(int exit, String output) {
    }

    private static Result run(String logName, List<String> command) throws IOException, InterruptedException {
        Files.createDirectories(ROOT);
        Path log = ROOT.resolve(logName + ".log");
        // output to a file: a pipe nobody reads while waiting could fill up and stall the interpreter
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // a bound, not a sync: the fixture takes seconds; a hung interpreter must fail the test, not hang the build
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return new Result(-1, "timed out: " + command);
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
