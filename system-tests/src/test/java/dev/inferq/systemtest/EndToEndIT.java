package dev.inferq.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.inferq.client.InferqClient;
import dev.inferq.client.SubmitOptions;
import dev.inferq.client.SubmittedJob;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import dev.inferq.testsupport.TestImages;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole platform as operators run it: the packaged gateway and worker as separate JVMs, one real Kafka broker,
 * one real Redis, the committed tiny models. Every model goes through submit -> poll and submit -> SSE, through the
 * Java client.
 */
@Timeout(300)
class EndToEndIT {

    private static final Set<String> ACTIONS = Set.of("calling", "clapping", "cycling", "dancing", "drinking",
            "eating", "fighting", "hugging", "laughing", "listening_to_music", "running", "sitting", "sleeping",
            "texting", "using_laptop");

    private static SharedPlatform platform;
    private static InferqClient client;

    @BeforeAll
    static void startPlatform() {
        platform = SharedPlatform.get();
        client = InferqClient.create(URI.create(platform.gatewayUrl()));
    }

    @AfterAll
    static void stopPlatform() {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void sentimentJobIsPolledToSuccess() throws Exception {
        JobRecord done = pollUntilTerminal(submitTexts("sentiment", "I loved it", "worst film ever"));

        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.predictions()).hasSize(2);
        for (Prediction prediction : done.predictions()) {
            assertThat(prediction.label()).isIn("negative", "positive");
            assertThat(prediction.scores()).hasSize(2);
            double sum = prediction.scores().stream().mapToDouble(Prediction.LabelScore::score).sum();
            assertThat(sum).isCloseTo(1.0, within(1e-4));
        }
        assertThat(done.startedAt()).isNotNull();
        assertThat(done.finishedAt()).isNotNull();
    }

    @Test
    void aRepeatedJobIsAnsweredFromTheResponseCacheByTheGatewayUnlessTheClientSendsNoCache() throws Exception {
        List<String> texts = List.of("the same words twice " + JobId.random(), "and once more");
        JobRecord computed = pollUntilTerminal(accepted(client.submitTexts("sentiment", texts), JobStatus.QUEUED));

        JobRecord repeated = pollUntilTerminal(accepted(client.submitTexts("sentiment", texts), JobStatus.SUCCEEDED));
        JobRecord fresh = pollUntilTerminal(accepted(client.submitTexts("sentiment", texts,
                SubmitOptions.none().withoutCache()), JobStatus.QUEUED));

        assertThat(List.of(computed, repeated, fresh)).extracting(JobRecord::status).containsOnly(JobStatus.SUCCEEDED);
        assertThat(computed.cached()).isFalse();
        assertThat(repeated.cached()).as("the same input again").isTrue();
        assertThat(repeated.worker()).as("answered by the gateway, before anything was queued").isNull();
        assertThat(computed.worker()).isNotNull();
        assertThat(repeated.id()).isNotEqualTo(computed.id());
        assertThat(repeated.predictions()).isEqualTo(computed.predictions());
        assertThat(fresh.cached()).as("Cache-Control: no-cache").isFalse();
        // Computed again: the same labels (scores may differ in the last bits with the batch it ran in).
        assertThat(fresh.predictions()).extracting(Prediction::label)
                .isEqualTo(computed.predictions().stream().map(Prediction::label).toList());
    }

    @Test
    void disasterJobIsFollowedOverServerSentEventsUntilItEnds() {
        JobId id = submitTexts("disaster", "Forest fire near La Ronge Sask. Canada");

        List<JobRecord> events = followEvents(id);

        List<JobStatus> statuses = events.stream().map(JobRecord::status).toList();
        assertThat(statuses.get(statuses.size() - 1)).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(statuses).doesNotHaveDuplicates();
        assertThat(statuses).isSubsetOf(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED);
        JobRecord last = events.get(events.size() - 1);
        assertThat(last.predictions().get(0).label()).isIn("not_disaster", "disaster");
    }

    @Test
    void imageUploadIsClassifiedIntoTheFifteenActionsOverPollAndSse() throws Exception {
        JobId polled = submitImage(TestImages.jpeg(320, 240), "image/jpeg");
        JobId followed = submitImage(TestImages.jpeg(100, 500), "image/jpeg");

        JobRecord byPoll = pollUntilTerminal(polled);
        List<JobRecord> events = followEvents(followed);

        for (JobRecord done : List.of(byPoll, events.get(events.size() - 1))) {
            assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
            Prediction prediction = done.predictions().get(0);
            assertThat(prediction.label()).isIn(ACTIONS);
            assertThat(prediction.scores()).hasSize(5);
        }
    }

    @Test
    void anImageTheWorkerCannotDecodeEndsFailedWithAReason() throws Exception {
        // Signature and IHDR intact, so the gateway's header check (format, pixel count) accepts it; no pixel data.
        byte[] truncated = Arrays.copyOf(TestImages.png(32, 32), 64);
        Arrays.fill(truncated, 33, truncated.length, (byte) 0);

        JobRecord done = pollUntilTerminal(submitImage(truncated, "image/png"));

        assertThat(done.status()).isEqualTo(JobStatus.FAILED);
        assertThat(done.error()).containsIgnoringCase("image");
    }

    private static JobId submitTexts(String model, String... texts) {
        return accepted(client.submitTexts(model, List.of(texts)));
    }

    /** Sent as a raw body; the multipart upload form is covered by the gateway's own integration tests. */
    private static JobId submitImage(byte[] image, String contentType) {
        return accepted(client.submitImage("image", image, contentType));
    }

    /**
     * The accepted job's id: QUEUED, or SUCCEEDED where the gateway answered it from the response cache at once (the
     * same input, computed by another test of this run within the cache's time to live).
     */
    private static JobId accepted(SubmittedJob job) {
        assertThat(job.status()).isIn(JobStatus.QUEUED, JobStatus.SUCCEEDED);
        return accepted(job, job.status());
    }

    private static JobId accepted(SubmittedJob job, JobStatus expected) {
        assertThat(job.location()).hasPath("/v1/jobs/" + job.id().value());
        assertThat(job.status()).isEqualTo(expected);
        return job.id();
    }

    private static JobRecord pollUntilTerminal(JobId id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JobRecord job = null;
        while (System.nanoTime() < deadline) {
            job = client.get(id);
            if (job.status().isTerminal()) {
                return job;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + id + " did not finish within 60 s; last state " + job);
    }

    /** Reads the event stream to its end: the client's stream ends after the terminal event. */
    private static List<JobRecord> followEvents(JobId id) {
        List<JobRecord> events;
        try (Stream<JobRecord> stream = client.events(id)) {
            events = stream.toList();
        }
        assertThat(events).isNotEmpty();
        return events;
    }
}
