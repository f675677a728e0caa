package dev.inferq.worker.inference;

import static dev.inferq.testsupport.TestImages.encode;
import static dev.inferq.testsupport.TestImages.picture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.modality.cv.Image;
import dev.inferq.contract.Prediction;
import dev.inferq.testsupport.TestImages;
import dev.inferq.worker.TinyModels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The image model run by DJL and libtorch on images of the formats and shapes clients send. */
class ImageClassifierIT {

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

        List<Prediction> predictions = classifier.classify(
                files.stream().map(bytes -> ImageDecoder.decode(bytes, TinyModels.IMAGES)).toList());

        assertThat(predictions).hasSize(files.size()).allSatisfy(this::isTopFiveOfTheModelsLabels);
    }

    @Test
    void aBatchGivesWhatEachImageGivesAlone() {
        List<Image> images = List.of(
                ImageDecoder.decode(encode(picture(200, 100, BufferedImage.TYPE_INT_RGB), "png"), TinyModels.IMAGES),
                ImageDecoder.decode(encode(picture(30, 300, BufferedImage.TYPE_INT_RGB), "png"), TinyModels.IMAGES));

        List<Prediction> batched = classifier.classify(images);

        for (int i = 0; i < images.size(); i++) {
            Prediction alone = classifier.classify(List.of(images.get(i))).get(0);
            assertThat(batched.get(i).label()).isEqualTo(alone.label());
            assertThat(batched.get(i).score()).isCloseTo(alone.score(), within(1e-5));
        }
    }

    @Test
    void bytesThatAreNoImageGiveAReadableReason() {
        expectRefused("{\"texts\": [\"hello\"]}".getBytes(StandardCharsets.UTF_8),
                "the input is not a JPEG, PNG, GIF or BMP image");
        expectRefused(new byte[0], "the image is empty (0 bytes)");
        byte[] png = encode(picture(64, 64, BufferedImage.TYPE_INT_RGB), "png");
        expectRefused(Arrays.copyOf(png, 20), "the PNG header cannot be read");
        expectRefused(Arrays.copyOf(png, png.length / 2), ImageDecoder.NOT_AN_IMAGE);
    }

    @Test
    void aDecompressionBombIsRefusedFromItsHeaderBeforeAnyPixelIsDecoded() {
        expectRefused(TestImages.pngBomb(16_000, 16_000), "the PNG image is 16000 x 16000 pixels (256000000); at most"
                + " 50000000 pixels are accepted (inferq.image.max-pixels)");
    }

    @Test
    void aLargePictureWithinTheLimitsIsDecodedSubsampled() {
        Image image = ImageDecoder.decode(TestImages.pngBomb(6_000, 3_000), TinyModels.IMAGES);

        assertThat((long) image.getWidth() * image.getHeight()).isLessThanOrEqualTo(ImageDecoder.MAX_DECODED_PIXELS);
        assertThat(image.getWidth()).isEqualTo(2_000);
        assertThat(image.getHeight()).isEqualTo(1_000);
    }

    private static void expectRefused(byte[] bytes, String reason) {
        assertThatThrownBy(() -> ImageDecoder.decode(bytes, TinyModels.IMAGES))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith(reason);
    }

    @Test
    void classifiesTheSharedSampleImagesWhenPresent() throws IOException {
        Path dir = TinyModels.sharedImages();
        Assumptions.assumeTrue(Files.isDirectory(dir), "no shared sample images at " + dir.toAbsolutePath());
        List<Image> images = new ArrayList<>();
        for (String name : List.of("camera_gray.png", "logo_transparent.png", "retina_large.jpg")) {
            Path file = dir.resolve(name);
            Assumptions.assumeTrue(Files.isRegularFile(file), "no sample image " + file.toAbsolutePath());
            images.add(ImageDecoder.decode(Files.readAllBytes(file), TinyModels.IMAGES));
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

}
