package dev.inferq.gateway.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.contract.JobCodec;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.testsupport.RandomInputs;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property tests of the legacy request bodies: any text, JSON or not, is either a request with a user id and a
 * non-empty list, or a 4xx {@link ApiException}; never another exception. Seeded tries ({@link RandomInputs#cases}).
 */
class LegacyRequestsRandomInputsTest {

    static Stream<?> bodies() {
        return Stream.of(
                RandomInputs.cases(700, RandomInputs::json),
                RandomInputs.cases(700, RandomInputs::mangledJson),
                RandomInputs.cases(300, random -> new String(RandomInputs.bytes(random, 200), StandardCharsets.UTF_8)),
                RandomInputs.cases(300, random -> "{\"user_id\": " + RandomInputs.json(random) + ", \"text\": "
                        + RandomInputs.json(random) + ", \"url\": " + RandomInputs.json(random) + "}"),
                RandomInputs.cases(3, random -> "[".repeat(100_000)),
                RandomInputs.cases(3, random -> "{\"user_id\": \"1\", \"text\": " + "[".repeat(100_000)))
                .flatMap(s -> s);
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void aTextBodyIsARequestOrA4xxProblem(String body) {
        try {
            LegacyRequests.TextRequest request = LegacyRequests.text(body, JobCodec.mapper());
            assertThat(request.userId()).isNotNull();
            assertThat(request.text()).isNotEmpty().doesNotContainNull();
        } catch (ApiException refused) {
            assertThat(refused.status().is4xxClientError()).as(refused.getMessage()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void anImageBodyIsARequestOrA4xxProblem(String body) {
        try {
            LegacyRequests.ImageRequest request = LegacyRequests.image(body, JobCodec.mapper());
            assertThat(request.userId()).isNotNull();
            assertThat(request.classifiedUrl()).startsWithIgnoringCase("http");
        } catch (ApiException refused) {
            assertThat(refused.status().is4xxClientError()).as(refused.getMessage()).isTrue();
        }
    }
}
