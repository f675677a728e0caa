package dev.inferq.gateway.versions;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How a submit path names a model and maybe one of its versions. */
class ModelRefTest {

    @Test
    void aPlainNameNamesNoVersion() {
        assertThat(ModelRef.parse("sentiment")).isEqualTo(new ModelRef("sentiment", null));
    }

    @Test
    void nameAtNumberNamesThatVersion() {
        assertThat(ModelRef.parse("sentiment@2")).isEqualTo(new ModelRef("sentiment", 2));
        assertThat(ModelRef.parse("sentiment@123456789")).isEqualTo(new ModelRef("sentiment", 123456789));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sentiment@", "sentiment@0", "sentiment@02", "sentiment@x", "sentiment@-1",
        "sentiment@1.5", "sentiment@9999999999"})
    void aVersionThatIsNoPositiveNumberIsNoVersionThereIs(String ref) {
        assertThat(ModelRef.parse(ref)).isEqualTo(new ModelRef("sentiment", -1));
    }
}
