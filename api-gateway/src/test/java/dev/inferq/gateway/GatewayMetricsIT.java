package dev.inferq.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.gateway.backlog.BacklogMonitor;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.TestModels;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The gateway's own meters on a real broker and Redis: every accepted job and every refused submit, native and
 * legacy, moves its counter by exactly one, and {@code /actuator/prometheus} shows them under their {@code inferq_}
 * names. Models get fresh names per run, so the counts start from nothing; no model but the crowded one gets as many
 * jobs as the backlog limit.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.gateway.max-inputs=4",
    "inferq.gateway.backpressure.max-backlog=5",
    // one tenant fills the backlog here: no share below it
    "inferq.gateway.backpressure.tenant-share=1",
    "inferq.gateway.backpressure.refresh-interval=100ms",
    "inferq.gateway.seed.result-wait=20s"
})
@AutoConfigureWebTestClient
class GatewayMetricsIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String TEXT = "metered-" + RUN;
    private static final String BUSY = "crowded-" + RUN;
    private static final String FAILING = "failing-" + RUN;

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        RealInfrastructure.shared().springProperties().forEach((key, value) -> registry.add(key, () -> value));
        Path models = Path.of("target/metrics-models/" + RUN);
        TestModels.copyAs("sentiment", TEXT, models);
        TestModels.copyAs("sentiment", BUSY, models);
        TestModels.copyAs("disaster", FAILING, models);
        registry.add("inferq.models-dir", models::toString);
        registry.add("inferq.gateway.seed.sentiment-model", () -> TEXT);
        registry.add("inferq.gateway.seed.disaster-model", () -> FAILING);
    }

    @Autowired
    WebTestClient http;

    @Autowired
    MeterRegistry meters;

    @Autowired
    BacklogMonitor backlog;

    @Autowired
    JobStore store;

    @Test
    void countsEveryAcceptedJobAndEveryRefusalByModelAndStatus() throws Exception {
        for (int i = 0; i < 3; i++) {
            postJson("/v1/models/" + TEXT + "/jobs", "{\"inputs\": [\"fine\"]}").expectStatus().isAccepted();
        }
        http.post().uri("/api/v1/sentiment_classification").contentType(MediaType.APPLICATION_JSON)
                .header("Prefer", "respond-async").bodyValue("{\"user_id\": \"1\", \"text\": [\"fine\"]}")
                .exchange().expectStatus().isAccepted();
        postJson("/v1/models/" + TEXT + "/jobs", "{\"inputs\": []}").expectStatus().isBadRequest();
        postJson("/v1/models/" + TEXT + "/jobs", "{\"inputs\": [").expectStatus().isBadRequest();
        postJson("/v1/models/" + TEXT + "/jobs", "{\"inputs\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}")
                .expectStatus().isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
        http.post().uri("/v1/models/" + TEXT + "/jobs").contentType(MediaType.TEXT_PLAIN).bodyValue("fine")
                .exchange().expectStatus().isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
        postJson("/api/v1/sentiment_classification", "{\"text\": [\"no user\"]}")
                .expectStatus().isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
        postJson("/v1/models/nope-" + RUN + "/jobs", "{\"inputs\": [\"x\"]}").expectStatus().isNotFound();

        for (int i = 0; i < 5; i++) {
            postJson("/v1/models/" + BUSY + "/jobs", "{\"inputs\": [\"queued\"]}").expectStatus().isAccepted();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> backlog.backlog(BUSY) >= 5);
        postJson("/v1/models/" + BUSY + "/jobs", "{\"inputs\": [\"one too many\"]}")
                .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS);

        assertThat(submitted(TEXT)).isEqualTo(4);
        assertThat(submitted(BUSY)).isEqualTo(5);
        assertThat(refused(TEXT, 400)).isEqualTo(2);
        assertThat(refused(TEXT, 413)).isEqualTo(1);
        assertThat(refused(TEXT, 415)).isEqualTo(1);
        assertThat(refused(TEXT, 422)).isEqualTo(1);
        assertThat(refused("unknown", 404)).isEqualTo(1);
        assertThat(refused(BUSY, 429)).isEqualTo(1);
        assertThat(meters.find("inferq.jobs.refused").counters().stream()
                .filter(c -> List.of(TEXT, BUSY, "unknown").contains(c.getId().getTag("model")))
                .mapToDouble(Counter::count).sum()).isEqualTo(7);

        String scrape = http.get().uri("/actuator/prometheus").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(sample(scrape, "inferq_jobs_submitted_total", "model=\"" + TEXT + "\"")).isEqualTo(4);
        assertThat(sample(scrape, "inferq_jobs_refused_total", "model=\"" + TEXT + "\",status=\"400\""))
                .isEqualTo(2);
        assertThat(sample(scrape, "inferq_jobs_refused_total", "model=\"" + BUSY + "\",status=\"429\""))
                .isEqualTo(1);
        assertThat(sample(scrape, "inferq_backlog_jobs", "model=\"" + BUSY + "\"")).isEqualTo(5);
        assertThat(sample(scrape, "inferq_accept_seconds_count", "error=\"none\",model=\"" + TEXT + "\""))
                .isEqualTo(4);
        assertThat(scrape).contains("jvm_memory_used_bytes", "kafka_producer_", "http_server_requests_seconds");
        assertThat(scrape).as("the scrape needs no key: it names no tenant").doesNotContain("tenant=");
    }

    @Test
    void aLegacyCallWhoseAcceptedJobFailsIsASubmitNotARefusal() throws Exception {
        try (KafkaConsumer<String, byte[]> consumer = consumerOf(FAILING)) {
            CompletableFuture<HttpStatus> answer = CompletableFuture.supplyAsync(() -> HttpStatus.valueOf(
                    postJson("/api/v1/disaster_classification", "{\"user_id\": \"1\", \"text\": [\"boom\"]}")
                            .returnResult(String.class).getStatus().value()));
            JobId id = new JobId(awaitOneKey(consumer));
            JobRecord queued = store.find(id).block(Duration.ofSeconds(5));
            store.transition(queued.running(Instant.now(), "test-worker")).block(Duration.ofSeconds(5));
            store.transition(queued.running(Instant.now(), "test-worker")
                    .failed(ErrorCodes.MODEL_ERROR, "cannot classify", Instant.now())).block(Duration.ofSeconds(5));

            assertThat(answer.get()).isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
        }
        assertThat(submitted(FAILING)).isEqualTo(1);
        assertThat(meters.find("inferq.jobs.refused").tag("model", FAILING).counters()).isEmpty();
    }

    private double submitted(String model) {
        Counter counter = meters.find("inferq.jobs.submitted").tag("model", model).counter();
        return counter == null ? 0 : counter.count();
    }

    private double refused(String model, int status) {
        Counter counter = meters.find("inferq.jobs.refused").tag("model", model)
                .tag("status", Integer.toString(status)).counter();
        return counter == null ? 0 : counter.count();
    }

    /** The value of the Prometheus sample {@code name{labels}}; the labels as Prometheus orders them. */
    private static double sample(String scrape, String name, String labels) {
        Matcher matcher = Pattern.compile("^" + Pattern.quote(name + "{" + labels) + "[^}]*} (\\S+)$",
                Pattern.MULTILINE).matcher(scrape);
        assertThat(matcher.find()).as("%s{%s} in the scrape", name, labels).isTrue();
        return Double.parseDouble(matcher.group(1));
    }

    private WebTestClient.ResponseSpec postJson(String path, String json) {
        return http.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange();
    }

    private static KafkaConsumer<String, byte[]> consumerOf(String model) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.shared().kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "metrics-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(JobNames.topic(model)));
        return consumer;
    }

    private static String awaitOneKey(KafkaConsumer<String, byte[]> consumer) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                return record.key();
            }
        }
        throw new AssertionError("no job was published on " + consumer.subscription());
    }
}
