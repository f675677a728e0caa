package dev.inferq.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.contract.Prediction.LabelScore;
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
    void newJobIdsNeverLookLikeACommandLineOption() {
        // a generator that let one id in 64 begin with '-' passes 10,000 draws with probability (63/64)^10000 < 1e-68
        for (int i = 0; i < 10_000; i++) {
            assertThat(JobId.random().value()).doesNotStartWith("-");
        }
        assertThat(new JobId("-AAAAAAAAAAAAAAAAAAAAA").value()).as("an older id is still read").startsWith("-");
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
        JobRecord running = queued.running(T0.plusSeconds(1), "test-worker");
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
    void traceIdOfTheSubmitStaysWithTheJobThroughEveryStepAndIsOptionalOnTheWire() {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        JobRecord queued = JobRecord.queued(JobRequest.of(JobId.random(), "sentiment",
                new JobInput.Texts(List.of("a")), T0, T0.plusSeconds(5)), trace);
        JobRecord running = queued.running(T0.plusSeconds(1), "test-worker");
        Prediction p = Prediction.fromRanked(List.of(new LabelScore("positive", 0.9), new LabelScore("negative", 0.1)));

        assertThat(List.of(queued, running, running.succeeded(List.of(p), T0.plusSeconds(2)),
                running.failed(ErrorCodes.MODEL_ERROR, "boom", T0.plusSeconds(2)), queued.cancelled(T0.plusSeconds(1)),
                queued.expired(T0.plusSeconds(9)))).extracting(JobRecord::traceId).containsOnly(trace);
        assertThat(JobCodec.encodeRecord(queued)).contains("\"trace_id\":\"" + trace + "\"");
        assertThat(JobCodec.decodeRecord(JobCodec.encodeRecord(running))).isEqualTo(running);
        String untraced = "{\"version\":1,\"id\":\"" + JobId.random() + "\",\"model\":\"m\",\"status\":\"QUEUED\","
                + "\"input_count\":1,\"created_at\":\"2026-11-29T10:15:30Z\"}";
        assertThat(JobCodec.decodeRecord(untraced).traceId()).isNull();
    }

    @Test
    void aWebhookMarkStaysWithTheJobThroughEveryStepAndAnOlderRecordHasNone() {
        JobRecord queued = JobRecord.queued(JobRequest.of(JobId.random(), "sentiment",
                new JobInput.Texts(List.of("a")), T0, T0.plusSeconds(5))).withCallback();
        JobRecord running = queued.running(T0.plusSeconds(1), "test-worker");
        Prediction p = Prediction.fromRanked(List.of(new LabelScore("positive", 0.9), new LabelScore("negative", 0.1)));

        assertThat(List.of(queued, running, running.succeeded(List.of(p), T0.plusSeconds(2), true),
                running.failed(ErrorCodes.MODEL_ERROR, "boom", T0.plusSeconds(2)), queued.cancelled(T0.plusSeconds(1)),
                queued.expired(T0.plusSeconds(9)), running.withModelVersion("v2")))
                .extracting(JobRecord::hasCallback).containsOnly(true);
        assertThat(JobCodec.encodeRecord(queued)).contains("\"has_callback\":true");
        assertThat(JobCodec.decodeRecord(JobCodec.encodeRecord(running))).isEqualTo(running);
        String older = "{\"version\":1,\"id\":\"" + JobId.random() + "\",\"model\":\"m\",\"status\":\"QUEUED\","
                + "\"input_count\":1,\"created_at\":\"2026-11-29T10:15:30Z\"}";
        assertThat(JobCodec.decodeRecord(older).hasCallback()).isFalse();
    }

    @Test
    void failedJobBeforeStartGetsAStartTimeAReasonAndACode() {
        JobRecord failed = JobRecord.queued(JobRequest.of(JobId.random(), "image",
                new JobInput.Image("image/png", 10), T0)).failed(ErrorCodes.UNDECODABLE_INPUT, "not an image",
                T0.plusSeconds(3));
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error()).isEqualTo("not an image");
        assertThat(JobCodec.encodeRecord(failed)).contains("\"error_code\":\"undecodable_input\"");
        assertThat(failed.startedAt()).isEqualTo(T0.plusSeconds(3));
        assertThat(JobStatus.RUNNING.isTerminal()).isFalse();
    }

    @Test
    void errorCodesAreDistinctSnakeCaseWords() {
        assertThat(ErrorCodes.ALL).doesNotHaveDuplicates().allMatch(code -> code.matches("[a-z]+(_[a-z]+)*"));
        assertThat(ErrorCodes.ALL).contains(JobRecord.queued(JobRequest.of(JobId.random(), "m",
                new JobInput.Texts(List.of("a")), T0)).cancelled(T0).errorCode());
    }

    @Test
    void deadlineTravelsInRequestAndRecordAndIsOptionalOnTheWire() {
        Instant deadline = T0.plusSeconds(30);
        JobRequest request = JobRequest.of(JobId.random(), "sentiment", new JobInput.Texts(List.of("a")), T0,
                deadline);

        byte[] wire = JobCodec.encodeRequest(request);
        JobRecord queued = JobRecord.queued(request);

        assertThat(new String(wire, StandardCharsets.UTF_8)).contains("\"deadline\":\"2026-11-29T10:16:00.123Z\"");
        assertThat(JobCodec.decodeRequest(wire)).isEqualTo(request);
        assertThat(queued.deadline()).isEqualTo(deadline);
        assertThat(queued.running(T0.plusSeconds(1), "test-worker").deadline()).isEqualTo(deadline);
        assertThat(JobCodec.decodeRecord(JobCodec.encodeRecord(queued))).isEqualTo(queued);
        assertThat(queued.isPastDeadline(deadline)).isFalse();
        assertThat(queued.isPastDeadline(deadline.plusMillis(1))).isTrue();

        // A message or record written before deadlines existed has no such field: it decodes with none.
        String old = "{\"version\":1,\"id\":\"" + JobId.random() + "\",\"model\":\"m\",\"created_at\":\"2026-11-29T"
                + "10:15:30Z\",\"input\":{\"type\":\"texts\",\"texts\":[\"x\"]}}";
        JobRequest legacy = JobCodec.decodeRequest(old.getBytes(StandardCharsets.UTF_8));
        assertThat(legacy.deadline()).isNull();
        assertThat(JobRecord.queued(legacy).isPastDeadline(Instant.MAX)).isFalse();
        String oldRecord = "{\"version\":1,\"id\":\"" + JobId.random() + "\",\"model\":\"m\",\"status\":\"QUEUED\","
                + "\"input_count\":1,\"created_at\":\"2026-11-29T10:15:30Z\"}";
        assertThat(JobCodec.decodeRecord(oldRecord).deadline()).isNull();
        JobRecord none = JobRecord.queued(JobRequest.of(JobId.random(), "m", new JobInput.Texts(List.of("x")), T0));
        assertThat(JobCodec.decodeRecord(JobCodec.encodeRecord(none))).isEqualTo(none);
        assertThatThrownBy(() -> JobRequest.of(JobId.random(), "m", new JobInput.Texts(List.of("x")), T0,
                T0.minusSeconds(1))).hasMessageContaining("before created_at");
    }

    @Test
    void cancelledAndExpiredJobsAreTerminalWithAReasonAndNoStart() {
        JobRecord queued = JobRecord.queued(JobRequest.of(JobId.random(), "sentiment",
                new JobInput.Texts(List.of("a")), T0, T0.plusSeconds(5)));

        JobRecord cancelled = queued.cancelled(T0.plusSeconds(1));
        JobRecord expired = queued.expired(T0.plusSeconds(9));

        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.status().isTerminal()).isTrue();
        assertThat(cancelled.startedAt()).isNull();
        assertThat(cancelled.finishedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(cancelled.error()).isEqualTo("cancelled by the client");
        assertThat(cancelled.predictions()).isNull();
        assertThat(expired.status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(expired.status().isTerminal()).isTrue();
        assertThat(expired.startedAt()).isNull();
        assertThat(expired.finishedAt()).isEqualTo(T0.plusSeconds(9));
        assertThat(expired.error())
                .isEqualTo("deadline 2026-11-29T10:15:35.123Z passed before a worker started the job");
        assertThat(expired.deadline()).isEqualTo(T0.plusSeconds(5));
        assertThat(queued.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(JobCodec.decodeRecord(JobCodec.encodeRecord(cancelled))).isEqualTo(cancelled);
        assertThat(JobCodec.decodeRecord(JobCodec.encodeRecord(expired))).isEqualTo(expired);
    }
}
