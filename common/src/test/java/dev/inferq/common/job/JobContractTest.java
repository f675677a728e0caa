package dev.inferq.common.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.job.Prediction.LabelScore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobContractTest {

    private static final Instant T0 = Instant.parse("2026-11-29T10:15:30.123Z");

    @Test
    void jobIdsAreUniqueUrlSafeAnd128Bits() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            JobId id = JobId.random();
            assertThat(id.value()).matches("[A-Za-z0-9_-]{22}");
            assertThat(seen.add(id.value())).isTrue();
        }
    }

    @Test
    void jobIdRejectsMalformedValues() {
        assertThat(JobId.isWellFormed("../../etc/passwd")).isFalse();
        assertThat(JobId.isWellFormed("abc")).isFalse();
        assertThatThrownBy(() -> new JobId("inferq:job:*")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a job id");
    }

    @Test
    void textRequestRoundTripsWithSnakeCaseAndVersion() {
        JobRequest request = JobRequest.of(JobId.random(), "sentiment", new JobInput.Texts(List.of("a", "b")), T0);

        byte[] wire = JobCodec.encodeRequest(request);
        String json = new String(wire, StandardCharsets.UTF_8);

        assertThat(json).contains("\"version\":1", "\"created_at\":\"2026-11-29T10:15:30.123Z\"",
                "\"type\":\"texts\"", "\"id\":\"" + request.id().value() + "\"");
        assertThat(JobCodec.decodeRequest(wire)).isEqualTo(request);
    }

    @Test
    void imageRequestCarriesAReferenceNotTheBytes() {
        JobRequest request = JobRequest.of(JobId.random(), "image", new JobInput.Image("image/png", 123_456), T0);

        byte[] wire = JobCodec.encodeRequest(request);

        assertThat(wire.length).isLessThan(300);
        assertThat(JobCodec.decodeRequest(wire)).isEqualTo(request);
    }

    @Test
    void newerWireVersionIsRefusedWithAReadableReason() {
        String future = "{\"version\":2,\"id\":\"" + JobId.random() + "\",\"model\":\"m\",\"created_at\":\"2026-11-29T"
                + "10:15:30Z\",\"input\":{\"type\":\"texts\",\"texts\":[\"x\"]}}";
        assertThatThrownBy(() -> JobCodec.decodeRequest(future.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JobCodec.MalformedJobException.class)
                .hasMessageContaining("version 2");
    }

    @Test
    void garbageIsAMalformedJobNotARuntimeSurprise() {
        assertThatThrownBy(() -> JobCodec.decodeRequest("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JobCodec.MalformedJobException.class)
                .hasMessageContaining("JobRequest");
        assertThatThrownBy(() -> JobCodec.decodeRequest("{\"version\":1}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JobCodec.MalformedJobException.class);
    }

    @Test
    void lifecycleKeepsTimesAndRequiresOnePredictionPerInput() {
        JobRequest request = JobRequest.of(JobId.random(), "sentiment", new JobInput.Texts(List.of("a", "b")), T0);
        JobRecord queued = JobRecord.queued(request);
        JobRecord running = queued.running(T0.plusSeconds(1));
        Prediction p = Prediction.fromRanked(List.of(new LabelScore("positive", 0.9), new LabelScore("negative", 0.1)));

        JobRecord done = running.succeeded(List.of(p, p), T0.plusSeconds(2));

        assertThat(queued.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(queued.inputCount()).isEqualTo(2);
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.status().isTerminal()).isTrue();
        assertThat(done.startedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(done.finishedAt()).isEqualTo(T0.plusSeconds(2));
        assertThat(done.predictions().get(0).label()).isEqualTo("positive");
        assertThatThrownBy(() -> running.succeeded(List.of(p), T0)).hasMessageContaining("2 inputs but 1");
        assertThat(JobCodec.decodeRecord(JobCodec.encodeRecord(done))).isEqualTo(done);
    }

    @Test
    void failedJobBeforeStartGetsAStartTimeAndAReason() {
        JobRecord failed = JobRecord.queued(JobRequest.of(JobId.random(), "image",
                new JobInput.Image("image/png", 10), T0)).failed("not an image", T0.plusSeconds(3));
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error()).isEqualTo("not an image");
        assertThat(failed.startedAt()).isEqualTo(T0.plusSeconds(3));
        assertThat(JobStatus.RUNNING.isTerminal()).isFalse();
    }

    @Test
    void namesSeparateModelsAndJobs() {
        JobId id = JobId.random();
        assertThat(JobNames.topic("sentiment")).isEqualTo("inferq.jobs.sentiment");
        assertThat(JobNames.deadLetterTopic("image")).isEqualTo("inferq.jobs.image.dlt");
        assertThat(JobNames.consumerGroup("image")).isEqualTo("inferq-worker.image");
        assertThat(JobNames.jobKey(id)).isNotEqualTo(JobNames.inputKey(id)).isNotEqualTo(JobNames.eventsChannel(id));
    }
}
