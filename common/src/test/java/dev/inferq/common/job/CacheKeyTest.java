package dev.inferq.common.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.job.Prediction.LabelScore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheKeyTest {

    private static final byte[] CONTENT = "I loved it".getBytes(StandardCharsets.UTF_8);

    @Test
    void theSameModelVariantScopeAndContentGiveTheSameKeyInTheModelsNamespace() {
        String key = JobNames.cacheKey("sentiment", "model.pt", null, CONTENT);

        assertThat(JobNames.cacheKey("sentiment", "model.pt", null, CONTENT.clone())).isEqualTo(key);
        assertThat(key).startsWith("inferq:cache:sentiment:").matches("inferq:cache:sentiment:[A-Za-z0-9_-]{43}");
        assertThat(key).startsWith(JobNames.cacheKeyPattern("sentiment").replace("*", ""));
    }

    @Test
    void anyDifferenceInModelVariantScopeOrContentGivesAnotherKey() {
        String key = JobNames.cacheKey("sentiment", "model.pt", null, CONTENT);

        assertThat(List.of(
                JobNames.cacheKey("disaster", "model.pt", null, CONTENT),
                JobNames.cacheKey("sentiment", "model_int8.pt", null, CONTENT),
                JobNames.cacheKey("sentiment", "model.pt", "acme", CONTENT),
                JobNames.cacheKey("sentiment", "model.pt", "", CONTENT),
                JobNames.cacheKey("sentiment", "model.pt", null, "I loved it!".getBytes(StandardCharsets.UTF_8))))
                .doesNotContain(key).doesNotHaveDuplicates();
    }

    @Test
    void fieldBoundariesCannotBeShifted() {
        // Without length prefixes, "ab" + "c" and "a" + "bc" would hash alike.
        assertThat(JobNames.cacheKey("m", "ab", null, "c".getBytes(StandardCharsets.UTF_8)))
                .isNotEqualTo(JobNames.cacheKey("m", "a", null, "bc".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void predictionsRoundTripAndGarbageIsMalformed() {
        List<Prediction> predictions = List.of(
                Prediction.fromRanked(List.of(new LabelScore("positive", 0.75), new LabelScore("negative", 0.25))),
                Prediction.fromRanked(List.of(new LabelScore("negative", 0.6), new LabelScore("positive", 0.4))));

        assertThat(JobCodec.decodePredictions(JobCodec.encodePredictions(predictions))).isEqualTo(predictions);
        assertThatThrownBy(() -> JobCodec.decodePredictions("{\"label\":1"))
                .isInstanceOf(JobCodec.MalformedJobException.class);
        assertThatThrownBy(() -> JobCodec.decodePredictions("[null]"))
                .isInstanceOf(JobCodec.MalformedJobException.class);
    }
}
