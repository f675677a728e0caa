package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import static dev.inferq.testsupport.TestImages.encode;
import static dev.inferq.testsupport.TestImages.picture;
import ai.djl.modality.cv.Image;
import dev.inferq.common.job.Prediction;
import dev.inferq.worker.TinyModels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The image model run by DJL and libtorch on images of the formats and shapes clients send. */
class ImageClassifierTest {

    static ImageClassifier classifier;
    static List<String> labels;

    @BeforeAll
    static void load() throws Exception {
        classifier = ImageClassifier.load(TinyModels.model("image"));
        labels = TinyModels.model("image").labels();
    }

    @AfterAll
    static void close() {
        classifier.close();
    }

    @Test
    void classifiesEveryCommonFormatAndShapeInOneBatch() {
        List<byte[]> files = List.of(
                encode(picture(320, 240, BufferedImage.TYPE_INT_RGB), "jpg"),
                encode(picture(64, 64, BufferedImage.TYPE_INT_ARGB), "png"),
                encode(picture(100, 80, BufferedImage.TYPE_BYTE_GRAY), "png"),
                encode(picture(50, 50, BufferedImage.TYPE_INT_RGB), "gif"),
                encode(picture(120, 90, BufferedImage.TYPE_INT_RGB), "bmp"),
                encode(picture(37, 500, BufferedImage.TYPE_INT_RGB), "png"),
                encode(picture(1, 1, BufferedImage.TYPE_INT_RGB), "png"));

        List<Prediction> predictions = classifier.classify(files.stream().map(ImageDecoder::decode).toList());

        assertThat(predictions).hasSize(files.size()).allSatisfy(this::isTopFiveOfTheModelsLabels);
    }

    @Test
    void aBatchGivesWhatEachImageGivesAlone() {
        List<Image> images = List.of(
                ImageDecoder.decode(encode(picture(200, 100, BufferedImage.TYPE_INT_RGB), "png")),
                ImageDecoder.decode(encode(picture(30, 300, BufferedImage.TYPE_INT_RGB), "png")));

        List<Prediction> batched = classifier.classify(images);

        for (int i = 0; i < images.size(); i++) {
            Prediction alone = classifier.classify(List.of(images.get(i))).get(0);
            assertThat(batched.get(i).label()).isEqualTo(alone.label());
            assertThat(batched.get(i).score()).isCloseTo(alone.score(), within(1e-5));
        }
    }

    @Test
    void bytesThatAreNoImageGiveAReadableReason() {
        for (byte[] bytes : List.of("{\"texts\": [\"hello\"]}".getBytes(StandardCharsets.UTF_8), new byte[0],
                truncated(encode(picture(64, 64, BufferedImage.TYPE_INT_RGB), "png")))) {
            assertThatThrownBy(() -> ImageDecoder.decode(bytes))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("input is not a decodable image (JPEG, PNG, GIF or BMP expected)");
        }
    }

    @Test
    void classifiesTheSharedSampleImagesWhenPresent() throws IOException {
        Path dir = TinyModels.sharedImages();
        Assumptions.assumeTrue(Files.isDirectory(dir), "no shared sample images at " + dir.toAbsolutePath());
        List<Image> images = new ArrayList<>();
        for (String name : List.of("camera_gray.png", "logo_transparent.png", "retina_large.jpg")) {
            Path file = dir.resolve(name);
            Assumptions.assumeTrue(Files.isRegularFile(file), "no sample image " + file.toAbsolutePath());
            images.add(ImageDecoder.decode(Files.readAllBytes(file)));
        }

        assertThat(classifier.classify(images)).hasSize(3).allSatisfy(this::isTopFiveOfTheModelsLabels);
    }

    private void isTopFiveOfTheModelsLabels(Prediction prediction) {
        assertThat(prediction.scores()).hasSize(5);
        assertThat(prediction.scores()).extracting(Prediction.LabelScore::label)
                .doesNotHaveDuplicates()
                .isSubsetOf(labels);
        assertThat(prediction.scores()).extracting(Prediction.LabelScore::score)
                .isSortedAccordingTo((a, b) -> Double.compare(b, a))
                .allSatisfy(score -> assertThat(score).isBetween(0.0, 1.0));
        assertThat(prediction.label()).isEqualTo(prediction.scores().get(0).label());
    }

    private static byte[] truncated(byte[] bytes) {
        byte[] head = new byte[24];
        System.arraycopy(bytes, 0, head, 0, head.length);
        return head;
    }
}
