package dev.inferq.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCatalogTest {

    @TempDir
    Path models;

    private void textModel(String name) throws IOException {
        textModel(models, name);
    }

    private static void textModel(Path parent, String name) throws IOException {
        Path dir = Files.createDirectories(parent.resolve(name));
        Files.writeString(dir.resolve("serving.properties"), "engine=PyTorch\napplication=nlp/text_classification\n");
        Files.writeString(dir.resolve("config.json"),
                "{\"id2label\": {\"1\": \"positive\", \"0\": \"negative\"}, \"model_type\": \"bert\"}");
    }

    @Test
    void readsTasksAndLabelsInClassIndexOrder() throws IOException {
        textModel("sentiment");
        Path image = Files.createDirectories(models.resolve("image"));
        Files.writeString(image.resolve("serving.properties"), "application=cv/image_classification\ntopK = 5\n");
        Files.writeString(image.resolve("synset.txt"), "calling\nclapping\n\n");
        Files.createDirectories(models.resolve("not-a-model"));

        ModelCatalog catalog = ModelCatalog.scan(models);

        assertThat(catalog.names()).containsExactly("image", "sentiment");
        ModelDescriptor sentiment = catalog.find("sentiment").orElseThrow();
        assertThat(sentiment.task()).isEqualTo(ModelTask.TEXT_CLASSIFICATION);
        assertThat(sentiment.labels()).containsExactly("negative", "positive");
        ModelDescriptor img = catalog.find("image").orElseThrow();
        assertThat(img.task()).isEqualTo(ModelTask.IMAGE_CLASSIFICATION);
        assertThat(img.labels()).containsExactly("calling", "clapping");
        assertThat(img.property("topK")).contains("5");
    }

    @Test
    void selectsModelsByNameAndNamesTheMissingOne() throws IOException {
        textModel("sentiment");
        textModel("disaster");
        ModelCatalog catalog = ModelCatalog.scan(models);

        assertThat(catalog.only(List.of("disaster")).names()).containsExactly("disaster");
        assertThat(catalog.only(List.of()).names()).containsExactly("disaster", "sentiment");
        assertThatThrownBy(() -> catalog.only(List.of("image")))
                .hasMessageContaining("model 'image' is not in the models folder");
    }

    @Test
    void explainsWhatIsWrongWithAFolder() throws IOException {
        assertThatThrownBy(() -> ModelCatalog.scan(models.resolve("nope"))).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> ModelCatalog.scan(models)).hasMessageContaining("holds no model");
        Path bad = Files.createDirectories(models.resolve("speech"));
        Files.writeString(bad.resolve("serving.properties"), "application=audio/speech_recognition\n");
        assertThatThrownBy(() -> ModelCatalog.scan(models)).hasMessageContaining("model 'speech'")
                .hasMessageContaining("unsupported application");
        Files.writeString(bad.resolve("serving.properties"), "application=nlp/text_classification\n");
        assertThatThrownBy(() -> ModelCatalog.scan(models)).hasMessageContaining("has no labels");
    }

    @Test
    void servesTheModelsOfSeveralFoldersEachUnderItsFolderName() throws IOException {
        Path tiny = models.resolve("tiny");
        Path mine = models.resolve("my-models");
        textModel(tiny, "sentiment");
        textModel(tiny, "disaster");
        textModel(mine, "imagenet");

        List<Path> folders = ModelCatalog.folders(tiny + ":" + mine + ":");
        ModelCatalog catalog = ModelCatalog.scan(folders);

        assertThat(folders).containsExactly(tiny, mine);
        assertThat(catalog.names()).containsExactly("disaster", "imagenet", "sentiment");
        assertThat(catalog.find("imagenet").orElseThrow().directory()).isEqualTo(mine.resolve("imagenet"));
        assertThat(catalog.find("sentiment").orElseThrow().directory()).isEqualTo(tiny.resolve("sentiment"));
    }

    @Test
    void refusesTwoModelsOfOneNameAndAPathWithoutFolders() throws IOException {
        Path tiny = models.resolve("tiny");
        Path mine = models.resolve("my-models");
        textModel(tiny, "sentiment");
        textModel(mine, "sentiment");

        assertThatThrownBy(() -> ModelCatalog.scan(ModelCatalog.folders(tiny + ":" + mine)))
                .hasMessageContaining("two models are named 'sentiment'")
                .hasMessageContaining(tiny.resolve("sentiment").toString())
                .hasMessageContaining(mine.resolve("sentiment").toString());
        assertThatThrownBy(() -> ModelCatalog.scan(ModelCatalog.folders(tiny + ":" + models.resolve("nope"))))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> ModelCatalog.folders(" : ")).hasMessageContaining("names no folder");
    }

    @Test
    void taskHasAClientFacingName() {
        assertThat(ModelTask.TEXT_CLASSIFICATION.apiName()).isEqualTo("text-classification");
    }
}
