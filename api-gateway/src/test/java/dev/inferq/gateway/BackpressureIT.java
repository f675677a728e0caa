package dev.inferq.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobNames;
import dev.inferq.gateway.backlog.BacklogMonitor;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
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
 * Admission control on a real broker: with no worker running, a model's backlog grows with every accepted job until
 * submits to it get 429, while another model is still accepted. Models get fresh names (and so fresh topics) per
 * run, so backlogs left by other tests on the shared broker do not count.
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
        for (int i = 0; i < 3; i++) {
            submit(DRAINED).expectStatus().isAccepted();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> backlog.backlog(DRAINED) >= 3);
        String key = "retry-me-" + RUN;

        submit(DRAINED, key).expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        drain(DRAINED, 3);
        await().atMost(Duration.ofSeconds(20)).until(() -> backlog.backlog(DRAINED) == 0);

        String id = submit(DRAINED, key).expectStatus().isAccepted()
                .expectBody(Map.class).returnResult().getResponseBody().get("id").toString();
        submit(DRAINED, key).expectStatus().isAccepted()
                .expectBody().jsonPath("$.id").isEqualTo(id);
    }

    /** Does what a worker group does to a backlog: reads the jobs and commits past them. */
    private static void drain(String model, int jobs) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.shared().kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, JobNames.consumerGroup(model),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(JobNames.topic(model)));
            int read = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (read < jobs && System.nanoTime() < deadline) {
                read += consumer.poll(Duration.ofMillis(500)).count();
            }
            assertThat(read).isEqualTo(jobs);
            consumer.commitSync();
        }
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
