package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.inferq.common.model.ModelCard;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.contract.Prediction;
import dev.inferq.worker.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The committed tiny text models are trained (models/train_text.py): run through the worker's real classifier, they
 * score on their committed test sample what training measured in Python, and get obvious sentences right. The sample
 * ({@code models/tiny/<name>/eval/test-sample.jsonl}) carries the ids Python tokenized each text into, so a
 * difference between models/wordpiece.py and DJL's tokenizer shows up here by text, not only as lost accuracy.
 */
class TrainedTextModelsIT {

    /** The brief's bar: Java accuracy on the sample within half a point of Python's. */
    private static final double ACCURACY_TOLERANCE = 0.005;

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    static TextClassifier sentiment;
    static TextClassifier disaster;

    record Sample(String text, String label, String predicted, List<Long> inputIds) {
    }

    @BeforeAll
    static void load() throws Exception {
        sentiment = TextClassifier.load(TinyModels.model("sentiment"));
        disaster = TextClassifier.load(TinyModels.model("disaster"));
    }

    @AfterAll
    static void close() {
        sentiment.close();
        disaster.close();
    }

    @Test
    void sentimentScoresOnItsTestSampleWhatTrainingMeasured() throws IOException {
        assertMatchesPython("sentiment", sentiment);
    }

    @Test
    void disasterScoresOnItsTestSampleWhatTrainingMeasured() throws IOException {
        assertMatchesPython("disaster", disaster);
    }

    @Test
    void djlTokenizesEverySampleTextIntoTheIdsTheModelWasTrainedOn() throws IOException {
        for (String name : List.of("sentiment", "disaster")) {
            ModelDescriptor model = TinyModels.model(name);
            int maxLength = Integer.parseInt(model.property("maxLength").orElseThrow());
            try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(model.directory())
                    .optMaxLength(maxLength)
                    .optTruncation(true)
                    .optPadding(false)
                    .build()) {
                for (Sample sample : samples(name)) {
                    List<Long> djl = Arrays.stream(tokenizer.encode(sample.text()).getIds()).boxed().toList();
                    assertThat(djl).as("%s: %s", name, sample.text()).isEqualTo(sample.inputIds());
                }
            }
        }
    }

    @Test
    void sentimentGetsObviousSentencesRight() {
        assertLabels(sentiment, Map.of(
                "I loved this film", "positive",
                "This is the worst product I have ever bought", "negative",
                "The food was delicious and the staff were friendly", "positive",
                "Terrible service, I will never come back", "negative",
                "Great phone, works perfectly", "positive",
                "The battery died after two days, very disappointed", "negative",
                "I hated this movie", "negative",
                "Highly recommend this place", "positive"));
    }

    @Test
    void disasterGetsObviousSentencesRight() {
        assertLabels(disaster, Map.of(
                "Forest fire near the highway, evacuate now", "disaster",
                "I love my new phone case", "not_disaster",
                "Earthquake hits the city, hundreds of buildings collapsed", "disaster",
                "Flood warning: residents evacuated as the river bursts its banks", "disaster",
                "What a lovely sunny afternoon at the beach with friends", "not_disaster",
                "Can't wait to watch the new movie tonight", "not_disaster",
                "Two people killed in a plane crash near the airport", "disaster",
                "I had pizza for lunch today", "not_disaster"));
    }

    @Test
    void theCardsSayTrainedAndRecordTheSampleAccuracy() {
        for (String name : List.of("sentiment", "disaster")) {
            ModelCard card = TinyModels.model(name).card();
            assertThat(card.weights()).as(name).isEqualTo(ModelCard.TRAINED);
            assertThat(card.testMetric("accuracy")).as(name).hasValueSatisfying(a -> assertThat(a).isGreaterThan(0.75));
            assertThat(sampleAccuracy(card)).as(name).isGreaterThan(0.75);
        }
    }

    private static void assertMatchesPython(String name, TextClassifier classifier) throws IOException {
        List<Sample> samples = samples(name);
        List<Prediction> predictions = new ArrayList<>();
        // batches of the worker's usual size: padding inside a batch must not change any text's answer
        for (int from = 0; from < samples.size(); from += 32) {
            List<String> texts = samples.subList(from, Math.min(samples.size(), from + 32)).stream()
                    .map(Sample::text).toList();
            predictions.addAll(classifier.classify(texts));
        }
        int correct = 0;
        int agree = 0;
        for (int i = 0; i < samples.size(); i++) {
            String label = predictions.get(i).label();
            correct += label.equals(samples.get(i).label()) ? 1 : 0;
            agree += label.equals(samples.get(i).predicted()) ? 1 : 0;
        }
        double accuracy = (double) correct / samples.size();
        double python = sampleAccuracy(TinyModels.model(name).card());
        System.out.printf("%s: %d sample texts, Java accuracy %.4f, Python %.4f, same label as Python for %d%n",
                name, samples.size(), accuracy, python, agree);
        assertThat(accuracy).as("%s accuracy on the sample, Java vs Python %.4f", name, python)
                .isBetween(python - ACCURACY_TOLERANCE, python + ACCURACY_TOLERANCE);
    }

    private static void assertLabels(TextClassifier classifier, Map<String, String> expected) {
        List<String> texts = List.copyOf(expected.keySet());
        List<Prediction> predictions = classifier.classify(texts);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(predictions.get(i).label()).as("%s: %s (%.3f)", classifier.name(), texts.get(i),
                    predictions.get(i).score()).isEqualTo(expected.get(texts.get(i)));
        }
    }

    @SuppressWarnings("unchecked")
    private static double sampleAccuracy(ModelCard card) {
        Map<String, Object> sample = (Map<String, Object>) card.metrics().get("sample");
        assertThat(sample).as("%s card: metrics.sample", card.name()).isNotNull();
        return ((Number) sample.get("accuracy")).doubleValue();
    }

    private static List<Sample> samples(String name) throws IOException {
        Path file = TinyModels.model(name).directory().resolve("eval").resolve("test-sample.jsonl");
        List<Sample> samples = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode node = JSON.readTree(line);
            List<Long> ids = new ArrayList<>();
            node.path("input_ids").forEach(id -> ids.add(id.asLong()));
            samples.add(new Sample(node.path("text").asString(), node.path("label").asString(),
                    node.path("predicted").asString(), ids));
        }
        assertThat(samples).as(file.toString()).hasSizeGreaterThan(100);
        return samples;
    }
}
