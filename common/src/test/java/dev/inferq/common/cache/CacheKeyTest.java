package dev.inferq.common.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.Prediction.LabelScore;
import dev.inferq.contract.Prediction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class CacheKeyTest {

    private static final byte[] CONTENT = "I loved it".getBytes(StandardCharsets.UTF_8);

    @Test
    void theSameModelVariantScopeAndContentGiveTheSameKeyInTheModelsNamespace() {
        String key = CacheKeys.of("sentiment", "1", "model.pt", null, CONTENT);

        assertThat(CacheKeys.of("sentiment", "1", "model.pt", null, CONTENT.clone())).isEqualTo(key);
        assertThat(key).startsWith("inferq:cache:sentiment:").matches("inferq:cache:sentiment:[A-Za-z0-9_-]{43}");
        assertThat(key).startsWith(CacheKeys.pattern("sentiment").replace("*", ""));
    }

    @Test
    void anyDifferenceInModelVariantScopeOrContentGivesAnotherKey() {
        String key = CacheKeys.of("sentiment", "1", "model.pt", null, CONTENT);

        assertThat(List.of(
                CacheKeys.of("disaster", "1", "model.pt", null, CONTENT),
                CacheKeys.of("sentiment", "1", "model_int8.pt", null, CONTENT),
                CacheKeys.of("sentiment", "1", "model.pt", "acme", CONTENT),
                CacheKeys.of("sentiment", "1", "model.pt", "", CONTENT),
                CacheKeys.of("sentiment", "1", "model.pt", null, "I loved it!".getBytes(StandardCharsets.UTF_8))))
                .doesNotContain(key).doesNotHaveDuplicates();
    }

    @Test
    void fieldBoundariesCannotBeShifted() {
        // Without length prefixes, "ab" + "c" and "a" + "bc" would hash alike.
        assertThat(CacheKeys.of("m", "1", "ab", null, "c".getBytes(StandardCharsets.UTF_8)))
                .isNotEqualTo(CacheKeys.of("m", "1", "a", null, "bc".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anAddedVersionKeysApartFromTheFirstEvenUnderTheSameVariantName() {
        assertThat(CacheKeys.of("sentiment", "2", "model.pt", null, CONTENT))
                .isNotEqualTo(CacheKeys.of("sentiment", "1", "model.pt", null, CONTENT))
                .isEqualTo(CacheKeys.of("sentiment", "1", "v2/model.pt", null, CONTENT));
    }

    @Test
    void textsEncodeWithTheirBoundariesAndOrder() {
        assertThat(Stream.of(List.of("ab", "c"), List.of("a", "bc"), List.of("bc", "a"), List.of("abc"),
                        List.of("abc", ""), List.<String>of())
                .map(texts -> Arrays.toString(CacheKeys.texts(texts))).toList()).doesNotHaveDuplicates();
        assertThat(CacheKeys.texts(List.of("é"))).containsExactly(0, 0, 0, 2, 0xc3 - 256, 0xa9 - 256);
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
