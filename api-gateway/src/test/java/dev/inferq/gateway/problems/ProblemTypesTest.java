package dev.inferq.gateway.problems;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

class ProblemTypesTest {

    @Test
    void everyKindHasItsOwnUriAndExistingRefusalsKeepTheirTitles() {
        assertThat(Arrays.stream(ProblemType.values()).map(ProblemType::uri).distinct())
                .hasSize(ProblemType.values().length);
        assertThat(new ApiException(HttpStatus.TOO_MANY_REQUESTS, "Model busy", "x").type())
                .isEqualTo(ProblemType.MODEL_BUSY);
        assertThat(new ApiException(HttpStatus.NOT_FOUND, "Key not found", "x").type())
                .isEqualTo(ProblemType.NOT_FOUND);
        assertThat(ApiException.invalidField("inputs", "x").type().uri().toString())
                .isEqualTo("https://inferq.dev/problems/invalid-field");
        assertThat(ProblemType.forStatus(418)).isEqualTo(ProblemType.INVALID_REQUEST);
        assertThat(ProblemType.forStatus(502)).isEqualTo(ProblemType.INTERNAL_ERROR);
    }

    @Test
    void detailsLoseQualifiedJavaNamesButKeepUrls() {
        assertThat(ClassNames.strip("Cannot construct instance of `dev.inferq.gateway.jobs.JobBody` (although at"
                + " least one Creator exists)")).isEqualTo("Cannot construct instance of the expected type (although"
                + " at least one Creator exists)");
        assertThat(ClassNames.strip("java.lang.IllegalStateException: x")).doesNotContain("java.lang");
        assertThat(ClassNames.strip("image URL 'https://cdn.example.org/a.b.c/Photo.png' was refused"))
                .contains("https://cdn.example.org/");
    }

    @Test
    void retryAfterIsWholeSecondsRoundedUpAndAtLeastOne() {
        assertThat(ProblemResponses.retryAfterSeconds(java.time.Duration.ofMillis(1500))).isEqualTo("2");
        assertThat(ProblemResponses.retryAfterSeconds(java.time.Duration.ZERO)).isEqualTo("1");
        assertThat(ProblemResponses.retryAfterSeconds(java.time.Duration.ofSeconds(5))).isEqualTo("5");
    }
}
