package dev.inferq.common.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.contract.JobCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A worker's presence as it travels through Redis, in the job codec's JSON. */
class WorkerPresenceTest {

    @Test
    void carriesEachModelsVariantHowItWasChosenAndItsMeasuredMillisecondsPerBatch() {
        WorkerPresence presence = new WorkerPresence("4711@host", Instant.parse("2026-12-02T10:00:00Z"), List.of(
                new WorkerPresence.Served("image", "image_int8", "PyTorch", WorkerPresence.Served.MEASURED,
                        new TreeMap<>(Map.of(4, 790.1, 1, 212.4))),
                new WorkerPresence.Served("sentiment", "sentiment", "PyTorch")));

        String json = JobCodec.mapper().writeValueAsString(presence);
        WorkerPresence read = JobCodec.mapper().readValue(json.getBytes(StandardCharsets.UTF_8), WorkerPresence.class);

        assertThat(json).contains("\"selection\":\"measured\"").contains("\"ms_per_batch\":{\"1\":212.4,\"4\":790.1}");
        assertThat(read).isEqualTo(presence);
        assertThat(read.models().get(1).selection()).isEqualTo(WorkerPresence.Served.ONLY);
        assertThat(read.models().get(1).msPerBatch()).isEmpty();
    }

    @Test
    void aPresenceWrittenBeforeVariantsWereMeasuredStillReads() {
        String older = """
                {"id":"1@old","started_at":"2026-12-01T10:00:00Z",
                 "models":[{"model":"image","variant":"image_bf16","engine":"PyTorch"}]}""";

        WorkerPresence read = JobCodec.mapper().readValue(older.getBytes(StandardCharsets.UTF_8),
                WorkerPresence.class);

        assertThat(read.models()).singleElement().isEqualTo(
                new WorkerPresence.Served("image", "image_bf16", "PyTorch"));
    }
}
