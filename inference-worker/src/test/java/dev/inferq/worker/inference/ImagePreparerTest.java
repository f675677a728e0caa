package dev.inferq.worker.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.common.model.ModelTask;
import dev.inferq.worker.TinyModels;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which preparation a folder's serving.properties names, and the settings refused at start. */
class ImagePreparerTest {

    @Test
    void theTinyImageModelIsStretchedTo224AsBefore() {
        ImagePreparer preparer = ImagePreparer.of(TinyModels.model("image"));

        assertThat(preparer.resizing()).isEqualTo(ImagePreparer.Resizing.STRETCH);
        assertThat(new int[] {preparer.width(), preparer.height()}).containsExactly(224, 224);
    }

    @Test
    void torchvisionsRecipeScalesTheShortSideThenCropsTheCentreAtAnySize() {
        ImagePreparer preparer = ImagePreparer.of(model(Map.of("width", "240", "height", "200", "resize", "false",
                "resizeShort", "272", "centerCrop", "true")));

        assertThat(preparer.resizing().shortSide()).isEqualTo(272);
        assertThat(new int[] {preparer.width(), preparer.height()}).containsExactly(240, 200);
        assertThat(ImagePreparer.of(model(Map.of("width", "96", "height", "96"))).resizing())
                .as("no resizeShort: stretched, as every folder before imported ones").isEqualTo(
                        ImagePreparer.Resizing.STRETCH);
    }

    @Test
    void refusesSettingsThatWouldNotBringEveryPictureToTheModelsSize() {
        assertThatThrownBy(() -> ImagePreparer.of(model(Map.of("resizeShort", "256"))))
                .hasMessageContaining("serving.properties of model 'm'")
                .hasMessageContaining("resizeShort needs centerCrop=true");
        assertThatThrownBy(() -> ImagePreparer.of(model(Map.of("resizeShort", "256", "centerCrop", "true",
                "resize", "true")))).hasMessageContaining("no resize=true");
        assertThatThrownBy(() -> ImagePreparer.of(model(Map.of("resizeShort", "200", "centerCrop", "true"))))
                .hasMessageContaining("resizeShort=200 is smaller than the 224 x 224 centre crop");
        assertThatThrownBy(() -> ImagePreparer.of(model(Map.of("centerCrop", "true"))))
                .hasMessageContaining("centerCrop=true needs resizeShort");
        assertThatThrownBy(() -> ImagePreparer.of(model(Map.of("width", "0"))))
                .hasMessageContaining("'width' must be a positive whole number, was '0'");
    }

    private static ModelDescriptor model(Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(Map.of("application", "cv/image_classification",
                "mean", "0.485,0.456,0.406", "std", "0.229,0.224,0.225"));
        all.putAll(properties);
        return new ModelDescriptor("m", ModelTask.IMAGE_CLASSIFICATION, List.of("a", "b"), Path.of("/models/m"), all);
    }
}
