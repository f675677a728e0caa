package dev.inferq.common.model.versions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.contract.JobCodec;
import java.time.Instant;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The versions of a model, their changes and refusals, and the routing of jobs among them: no Redis. */
class ModelVersionsTest {

    private static final Instant NOW = Instant.parse("2026-12-07T19:00:00Z");

    private final ModelVersions two = ModelVersions.initial("sentiment").add("/models/sentiment-2", NOW);

    @Test
    void aModelStartsWithVersionOneAsItsDefault() {
        ModelVersions initial = ModelVersions.initial("sentiment");
        assertThat(initial.defaultVersion()).isEqualTo(1);
        assertThat(initial.active()).extracting(ModelVersion::version).containsExactly(1);
        assertThat(initial.find(1).orElseThrow().path()).isNull();
        assertThat(LongStream.range(0, 100).map(initial::route)).containsOnly(1L);
    }

    @Test
    void anAddedVersionIsNumberedNextAndGetsNoJobsUntilRouted() {
        assertThat(two.latest().version()).isEqualTo(2);
        assertThat(two.latest().path()).isEqualTo("/models/sentiment-2");
        assertThat(LongStream.range(0, 100).map(two::route)).containsOnly(1L);
        assertThat(two.runVersion(2)).isEqualTo(2);
        assertThat(two.withDefault(2).retire(1, NOW).add("/models/sentiment-3", NOW).latest().version())
                .as("numbers are never reused").isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.1, 0.01, 0.25, 0.5, 0.3333, 0.9999, 0.0001})
    void theCanaryGetsExactlyItsShareOfAnyNumberOfJobs(double share) {
        ModelVersions canary = two.withCanary(2, share);
        long toCanary = 0;
        for (long n = 0; n < 20_000; n++) {
            if (canary.route(n) == 2) {
                toCanary++;
            }
            assertThat(toCanary).isEqualTo((long) Math.floor((n + 1) * Math.round(share * Canary.STEPS)
                    / (double) Canary.STEPS));
        }
    }

    @Test
    void anyRunOfConsecutiveJobsGivesTheCanaryItsShareWithinOneJob() {
        ModelVersions canary = two.withCanary(2, 0.1);
        for (long from = 0; from < 500; from += 7) {
            for (long length = 1; length < 300; length += 13) {
                long start = from;
                long toCanary = LongStream.range(start, start + length).filter(n -> canary.route(n) == 2).count();
                assertThat(Math.abs(toCanary - length * 0.1)).isLessThan(1.0);
            }
        }
    }

    @Test
    void promotingTheCanaryEndsIt() {
        ModelVersions promoted = two.withCanary(2, 0.1).withDefault(2);
        assertThat(promoted.defaultVersion()).isEqualTo(2);
        assertThat(promoted.canary()).isNull();
        assertThat(LongStream.range(0, 50).map(promoted::route)).containsOnly(2L);
    }

    @Test
    void aRetiredVersionsJobsRunOnTheDefault() {
        ModelVersions retired = two.withDefault(2).retire(1, NOW);
        assertThat(retired.runVersion(1)).isEqualTo(2);
        assertThat(retired.runVersion(null)).isEqualTo(2);
        assertThat(retired.runVersion(7)).as("a version never added").isEqualTo(2);
        assertThat(retired.find(1).orElseThrow().retiredAt()).isEqualTo(NOW);
        assertThat(retired.active()).extracting(ModelVersion::version).containsExactly(2);
    }

    @Test
    void refusesChangesThatWouldLeaveJobsNowhere() {
        assertThat(refusal(() -> two.retire(1, NOW))).isEqualTo(VersionChangeException.Kind.CONFLICT);
        assertThat(refusal(() -> two.withCanary(2, 0.1).retire(2, NOW)))
                .isEqualTo(VersionChangeException.Kind.CONFLICT);
        assertThat(refusal(() -> two.withCanary(1, 0.1))).isEqualTo(VersionChangeException.Kind.CONFLICT);
        assertThat(refusal(() -> two.withDefault(2).retire(1, NOW).withDefault(1)))
                .isEqualTo(VersionChangeException.Kind.CONFLICT);
        assertThat(refusal(() -> two.withDefault(3))).isEqualTo(VersionChangeException.Kind.NOT_FOUND);
        assertThat(refusal(() -> two.retire(9, NOW))).isEqualTo(VersionChangeException.Kind.NOT_FOUND);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, 1, -0.1, 1.5, 0.00001, 0.99999, Double.NaN})
    void refusesACanaryShareOutOfRange(double share) {
        assertThat(refusal(() -> two.withCanary(2, share))).isEqualTo(VersionChangeException.Kind.INVALID);
    }

    @Test
    void survivesTheRoundTripThroughRedisJson() {
        ModelVersions stored = two.withCanary(2, 0.1).add("/models/sentiment-3", NOW).retire(3, NOW);
        String json = JobCodec.encode(stored);
        assertThat(json).contains("\"default_version\":1", "\"retired_at\"", "\"share\":0.1")
                .doesNotContain("\"active\"", "\"latest\"");
        assertThat(JobCodec.decode(json, ModelVersions.class)).isEqualTo(stored);
    }

    private static VersionChangeException.Kind refusal(Runnable change) {
        try {
            change.run();
        } catch (VersionChangeException e) {
            return e.kind();
        }
        throw new AssertionError("the change was not refused");
    }

    @Test
    void aVersionNumberIsPositive() {
        assertThatThrownBy(() -> new ModelVersion(0, null, null, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
