package dev.inferq.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.inferq.testsupport.TestImages;
import dev.inferq.common.job.JobCodec;
import dev.inferq.launcher.ManagedProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * The whole platform as operators run it: the packaged gateway and worker as separate JVMs, one real Kafka broker,
 * one real Redis, the committed tiny models. Every model goes through submit -> poll and submit -> SSE.
 */
@Timeout(300)
class EndToEndIT {

    private static final Set<String> ACTIONS = Set.of("calling", "clapping", "cycling", "dancing", "drinking",
            "eating", "fighting", "hugging", "laughing", "listening_to_music", "running", "sitting", "sleeping",
            "texting", "using_laptop");

    private static PlatformProcesses platform;
    private static ManagedProcess worker;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startPlatform() throws IOException {
        platform = new PlatformProcesses("end-to-end");
        worker = platform.startWorker("worker", List.of());
    }

    @AfterAll
    static void stopPlatform() {
        if (worker != null) {
            worker.stop(Duration.ofSeconds(20));
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void sentimentJobIsPolledToSuccess() throws Exception {
        JsonNode done = pollUntilTerminal(submitTexts("sentiment", "I loved it", "worst film ever"));

        assertThat(done.path("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(done.path("predictions")).hasSize(2);
        for (JsonNode prediction : done.path("predictions")) {
            assertThat(prediction.path("label").asString()).isIn("negative", "positive");
            assertThat(prediction.path("scores")).hasSize(2);
            double sum = 0;
            for (JsonNode score : prediction.path("scores")) {
                sum += score.path("score").asDouble();
            }
            assertThat(sum).isCloseTo(1.0, within(1e-4));
        }
        assertThat(done.path("started_at").isMissingNode()).isFalse();
        assertThat(done.path("finished_at").asString()).isNotBlank();
    }

    @Test
    void disasterJobIsFollowedOverServerSentEventsUntilItEnds() throws Exception {
        String id = submitTexts("disaster", "Forest fire near La Ronge Sask. Canada");

        List<JsonNode> events = followEvents(id);

        List<String> statuses = events.stream().map(e -> e.path("status").asString()).toList();
        assertThat(statuses.get(statuses.size() - 1)).isEqualTo("SUCCEEDED");
        assertThat(statuses).doesNotHaveDuplicates();
        assertThat(statuses).isSubsetOf("QUEUED", "RUNNING", "SUCCEEDED");
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("predictions").get(0).path("label").asString()).isIn("not_disaster", "disaster");
    }

    @Test
    void imageUploadIsClassifiedIntoTheFifteenActionsOverPollAndSse() throws Exception {
        String polled = submitImage(TestImages.jpeg(320, 240));
        String followed = submitImage(TestImages.jpeg(100, 500));

        JsonNode byPoll = pollUntilTerminal(polled);
        List<JsonNode> events = followEvents(followed);

        for (JsonNode done : List.of(byPoll, events.get(events.size() - 1))) {
            assertThat(done.path("status").asString()).isEqualTo("SUCCEEDED");
            JsonNode prediction = done.path("predictions").get(0);
            assertThat(prediction.path("label").asString()).isIn(ACTIONS);
            assertThat(prediction.path("scores")).hasSize(5);
        }
    }

    @Test
    void anImageTheWorkerCannotDecodeEndsFailedWithAReason() throws Exception {
        byte[] truncated = new byte[64];
        System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, 0, truncated, 0, 8);

        JsonNode done = pollUntilTerminal(submitImage(truncated));

        assertThat(done.path("status").asString()).isEqualTo("FAILED");
        assertThat(done.path("error").asString()).containsIgnoringCase("image");
    }

    private String submitTexts(String model, String... texts) throws Exception {
        String body = JobCodec.mapper().writeValueAsString(Map.of("inputs", List.of(texts)));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/v1/models/" + model + "/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return acceptedId(response);
    }

    private String submitImage(byte[] image) throws Exception {
        String boundary = "inferq-" + System.nanoTime();
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        form.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        form.write(image);
        form.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/v1/models/image/jobs"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        return acceptedId(response);
    }

    private static String acceptedId(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        JsonNode accepted = JobCodec.mapper().readTree(response.body());
        assertThat(response.headers().firstValue("Location")).contains("/v1/jobs/" + accepted.path("id").asString());
        assertThat(accepted.path("status").asString()).isEqualTo("QUEUED");
        return accepted.path("id").asString();
    }

    private JsonNode pollUntilTerminal(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode job = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/v1/jobs/" + id)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            job = JobCodec.mapper().readTree(response.body());
            String status = job.path("status").asString();
            if (status.equals("SUCCEEDED") || status.equals("FAILED")) {
                return job;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + id + " did not finish within 60 s; last state " + job);
    }

    /** Reads the event stream to its end: the server must close it after the terminal event. */
    private List<JsonNode> followEvents(String id) throws Exception {
        HttpResponse<Stream<String>> response = http.send(HttpRequest.newBuilder(uri("/v1/jobs/" + id + "/events"))
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        List<JsonNode> events = new ArrayList<>();
        try (Stream<String> lines = response.body()) {
            lines.filter(line -> line.startsWith("data:"))
                    .forEach(line -> events.add(JobCodec.mapper().readTree(line.substring(5))));
        }
        assertThat(events).isNotEmpty();
        return events;
    }

    private URI uri(String path) {
        return URI.create(platform.gatewayUrl() + path);
    }
}
