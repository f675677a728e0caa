package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.inferq.contract.Prediction;
import dev.inferq.worker.TinyModels;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The sentiment and disaster models run by DJL and libtorch, on the committed tiny weights. */
class TextClassifierIT {

    private static final List<String> TEXTS = List.of(
            "I love this movie, it was great",
            "The service was terrible and slow",
            "Forest fire near La Ronge Sask. Canada",
            "ok",
            "Flood warning: evacuate the town now, the river has burst its banks after three days of rain");

    static TextClassifier sentiment;
    static TextClassifier disaster;

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
    void ranksEveryLabelBestFirstWithProbabilities() {
        List<Prediction> predictions = sentiment.classify(TEXTS);

        assertThat(predictions).hasSize(TEXTS.size());
        for (Prediction prediction : predictions) {
            assertThat(prediction.scores()).extracting(Prediction.LabelScore::label)
                    .containsExactlyInAnyOrder("negative", "positive");
            assertThat(prediction.scores()).extracting(Prediction.LabelScore::score)
                    .isSortedAccordingTo((a, b) -> Double.compare(b, a))
                    .allSatisfy(score -> assertThat(score).isBetween(0.0, 1.0));
            assertThat(prediction.scores().stream().mapToDouble(Prediction.LabelScore::score).sum())
                    .isCloseTo(1.0, within(1e-5));
            assertThat(prediction.label()).isEqualTo(prediction.scores().get(0).label());
            assertThat(prediction.score()).isEqualTo(prediction.scores().get(0).score());
        }
    }

    @Test
    void usesTheLabelsOfItsOwnModel() {
        assertThat(disaster.name()).isEqualTo("disaster");
        assertThat(disaster.classify(TEXTS)).allSatisfy(prediction -> assertThat(prediction.scores())
                .extracting(Prediction.LabelScore::label)
                .containsExactlyInAnyOrder("not_disaster", "disaster"));
    }

    @Test
    void aBatchGivesWhatEachTextGivesAlonePaddingChangesNothing() {
        List<Prediction> batched = sentiment.classify(TEXTS);

        for (int i = 0; i < TEXTS.size(); i++) {
            Prediction alone = sentiment.classify(List.of(TEXTS.get(i))).get(0);
            assertThat(batched.get(i).label()).isEqualTo(alone.label());
            for (int k = 0; k < alone.scores().size(); k++) {
                assertThat(batched.get(i).scores().get(k).score())
                        .as("text %d, label %s", i, alone.scores().get(k).label())
                        .isCloseTo(alone.scores().get(k).score(), within(1e-5));
            }
        }
    }

    @Test
    void predictionsDependOnTheText() {
        Set<Double> topScores = Set.copyOf(sentiment.classify(TEXTS).stream().map(Prediction::score).toList());

        assertThat(topScores).hasSizeGreaterThan(1);
    }

    @Test
    void classifiesAnEmptyTextAndTruncatesAVeryLongOne() {
        String veryLong = "the river burst its banks and the town flooded ".repeat(400);

        List<Prediction> predictions = sentiment.classify(List.of("", veryLong, "   "));

        assertThat(predictions).hasSize(3).allSatisfy(prediction -> assertThat(prediction.scores()).hasSize(2));
    }

    @Test
    void classifiesNothingForNoInputs() {
        assertThat(sentiment.classify(List.of())).isEmpty();
    }
}
