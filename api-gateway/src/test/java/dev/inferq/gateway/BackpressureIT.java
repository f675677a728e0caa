package dev.inferq.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobStore;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.gateway.backlog.BacklogMonitor;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Admission control on a real broker and Redis: with no worker running, a model's backlog (its queue in Redis) grows
 * with every accepted job until submits to it get 429, while another model is still accepted; jobs that workers start
 * and finish leave it and count as its throughput. Models get fresh names (and so fresh queues) per run, so backlogs
 * left by other tests on the shared Redis do not count.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.gateway.backpressure.max-backlog=3",
    // one tenant fills the backlog here: no share below it
    "inferq.gateway.backpressure.tenant-share=1",
    "inferq.gateway.backpressure.refresh-interval=100ms",
    "inferq.gateway.seed.result-wait=1s"
})
@AutoConfigureWebTestClient
class BackpressureIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String BUSY = "busy-" + RUN;
    private static final String CALM = "calm-" + RUN;
    private static final String DRAINED = "drained-" + RUN;

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        RealInfrastructure.shared().springProperties().forEach((key, value) -> registry.add(key, () -> value));
        Path models = Path.of("target/backpressure-models/" + RUN);
        TestModels.copyAs("sentiment", BUSY, models);
        TestModels.copyAs("sentiment", CALM, models);
        TestModels.copyAs("sentiment", DRAINED, models);
        registry.add("inferq.models-dir", models::toString);
        registry.add("inferq.gateway.seed.sentiment-model", () -> BUSY);
    }

    @Autowired
    WebTestClient http;

    @Autowired
    BacklogMonitor backlog;

    @Autowired
    JobStore store;

    @Test
    void aModelOverItsBacklogLimitGets429WithRetryAfterWhileOthersAreAccepted() {
        for (int i = 0; i < 3; i++) {
            submit(BUSY).expectStatus().isAccepted();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> backlog.backlog(BUSY) >= 3);

        submit(BUSY).expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
                .expectHeader().value("Retry-After", value -> assertThat(Long.parseLong(value)).isPositive())
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").value(String.class,
                        detail -> assertThat(detail).contains("model '" + BUSY + "' has 3 jobs waiting"));
        http.post().uri("/api/v1/sentiment_classification").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"user_id\": \"1\", \"text\": [\"hello\"]}").exchange()
                .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
                .expectHeader().exists("Retry-After");
        submit(CALM).expectStatus().isAccepted();
    }

    @Test
    void anIdempotencyKeyRefusedWith429IsFreeOnceTheBacklogDrains() {
        List<JobId> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            queued.add(new JobId(submit(DRAINED).expectStatus().isAccepted()
                    .expectBody(Map.class).returnResult().getResponseBody().get("id").toString()));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> backlog.backlog(DRAINED) >= 3);
        String key = "retry-me-" + RUN;

        submit(DRAINED, key).expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        queued.forEach(this::runAndFinish);
        await().atMost(Duration.ofSeconds(20)).until(() -> backlog.backlog(DRAINED) == 0
                && backlog.completedPerSecond(DRAINED).orElse(0.0) > 0);

        String id = submit(DRAINED, key).expectStatus().isAccepted()
                .expectBody(Map.class).returnResult().getResponseBody().get("id").toString();
        submit(DRAINED, key).expectStatus().isAccepted()
                .expectBody().jsonPath("$.id").isEqualTo(id);
    }

    /** Does what a worker does to a queued job: starts it, which takes it off the queue, and ends it. */
    private void runAndFinish(JobId id) {
        JobRecord running = store.find(id).block(Duration.ofSeconds(5)).running(Instant.now(), "test-worker");
        assertThat(store.transition(running).block(Duration.ofSeconds(5)).applied()).isTrue();
        assertThat(store.transition(running.failed(ErrorCodes.MODEL_ERROR, "no model here", Instant.now()))
                .block(Duration.ofSeconds(5)).applied()).isTrue();
    }

    private WebTestClient.ResponseSpec submit(String model, String idempotencyKey) {
        return http.post().uri("/v1/models/{model}/jobs", model).contentType(MediaType.APPLICATION_JSON)
                .header("Idempotency-Key", idempotencyKey)
                .bodyValue("{\"inputs\": [\"hello\"]}").exchange();
    }

    private WebTestClient.ResponseSpec submit(String model) {
        return http.post().uri("/v1/models/{model}/jobs", model).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"inputs\": [\"hello\"]}").exchange();
    }
}
