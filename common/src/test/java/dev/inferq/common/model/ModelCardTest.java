package dev.inferq.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCardTest {

    @TempDir
    Path models;

    private Path textModel(String name) throws IOException {
        Path dir = Files.createDirectories(models.resolve(name));
        Files.writeString(dir.resolve("serving.properties"), "application=nlp/text_classification\n");
        Files.writeString(dir.resolve("config.json"), "{\"id2label\": {\"0\": \"negative\", \"1\": \"positive\"}}");
        return dir;
    }

    @Test
    void theCatalogReadsEachFoldersCard() throws IOException {
        Path dir = textModel("sentiment");
        Files.writeString(dir.resolve(ModelCard.FILE_NAME), """
                {"name": "sentiment", "task": "text-classification", "labels": ["negative", "positive"],
                 "architecture": {"type": "BertForSequenceClassification", "layers": 2},
                 "weights": "trained",
                 "dataset": {"name": "UCI", "source": "uci", "licence": "CC BY 4.0"},
                 "split": {"seed": 7, "train": 2400, "validation": 300, "test": 300},
                 "metrics": {"test": {"accuracy": 0.81, "f1": 0.8},
                             "baseline_tfidf_logreg": {"accuracy": 0.84, "f1": 0.83}},
                 "date": "2026-12-02", "training_seconds": 135.5, "command": "train", "extra": null}
                """);

        ModelCard card = ModelCatalog.scan(models).find("sentiment").orElseThrow().card();

        assertThat(card.weights()).isEqualTo(ModelCard.TRAINED);
        assertThat(card.labels()).containsExactly("negative", "positive");
        assertThat(card.architecture()).containsEntry("layers", 2);
        assertThat(card.dataset()).containsEntry("licence", "CC BY 4.0");
        assertThat(card.split()).containsEntry("test", 300);
        assertThat(card.testMetric("accuracy")).contains(0.81);
        assertThat(card.testMetric("precision")).isEmpty();
        assertThat(card.date()).contains("2026-12-02");
        assertThat(card.trainingSeconds()).contains(135.5);
        assertThat(card.command()).contains("train");
    }

    @Test
    void aFolderWithoutACardSaysNothingIsKnownAboutItsWeights() throws IOException {
        textModel("disaster");

        ModelCard card = ModelCatalog.scan(models).find("disaster").orElseThrow().card();

        assertThat(card.weights()).isEqualTo(ModelCard.UNKNOWN);
        assertThat(card.name()).isEqualTo("disaster");
        assertThat(card.task()).isEqualTo("text-classification");
        assertThat(card.labels()).containsExactly("negative", "positive");
        assertThat(card.metrics()).isEmpty();
        assertThat(card.note()).hasValueSatisfying(note -> assertThat(note).contains("no model-card.json"));
    }

    @Test
    void aMinimalCardTakesTheRestFromTheFolder() throws IOException {
        Path dir = textModel("converted");
        Files.writeString(dir.resolve(ModelCard.FILE_NAME), "{\"weights\": \"random\", \"note\": \"seeded\"}");

        ModelCard card = ModelCard.read(dir, "converted", ModelTask.TEXT_CLASSIFICATION, List.of("a", "b"));

        assertThat(card.weights()).isEqualTo(ModelCard.RANDOM);
        assertThat(card.name()).isEqualTo("converted");
        assertThat(card.labels()).containsExactly("a", "b");
        assertThat(card.note()).contains("seeded");
        assertThat(card.trainingSeconds()).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void isImmutableAllTheWayDown() throws IOException {
        Path dir = textModel("m");
        Files.writeString(dir.resolve(ModelCard.FILE_NAME),
                "{\"weights\": \"trained\", \"metrics\": {\"test\": {\"accuracy\": 0.9}, \"runs\": [1, 2]}}");
        ModelCard card = ModelCard.read(dir, "m", ModelTask.TEXT_CLASSIFICATION, List.of("a"));

        assertThatThrownBy(() -> card.metrics().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ((Map<String, Object>) card.metrics().get("test")).put("f1", 1.0))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ((List<Object>) card.metrics().get("runs")).add(3))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> card.labels().add("b")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aBrokenCardNamesItsFile() throws IOException {
        Path dir = textModel("broken");
        Files.writeString(dir.resolve(ModelCard.FILE_NAME), "{\"weights\": ");

        assertThatThrownBy(() -> ModelCatalog.scan(models))
                .hasMessageContaining(ModelCard.FILE_NAME).hasMessageContaining("not valid JSON");
    }
}
