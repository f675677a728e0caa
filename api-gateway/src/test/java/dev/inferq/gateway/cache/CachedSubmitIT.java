package dev.inferq.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.inferq.common.cache.CacheEntries;
import dev.inferq.common.cache.CacheKeys;
import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobOutbox;
import dev.inferq.common.job.JobStore;
import dev.inferq.common.worker.WorkerDirectory;
import dev.inferq.common.worker.WorkerPresence;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import dev.inferq.contract.Tenants;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.RealInfrastructureProperties;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A repeat the response cache can answer is answered by the gateway, against a real Redis and broker: the job gets its
 * own record, events and webhook, ends SUCCEEDED with {@code cached: true}, and nothing of it reaches Kafka. No worker
 * runs: the test announces one in the worker directory, with a variant of its own, and writes the entry the worker
 * would have written after computing the input ({@link CacheKeys}, the worker's own rule).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.versions.refresh=100ms",
    "inferq.gateway.callbacks.secret=whsec_Y2FjaGVkLXN1Ym1pdC1pdC13ZWJob29rLXNlY3JldA==",
    "inferq.gateway.callbacks.allowlist=127.0.0.1",
    "inferq.gateway.callbacks.poll-interval=100ms"
})
@AutoConfigureWebTestClient
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class CachedSubmitIT {

    private static final Duration REDIS = Duration.ofSeconds(5);
    private static final String MODEL = "sentiment";
    private static final List<Prediction> STORED = List.of(Prediction.fromRanked(List.of(
            new Prediction.LabelScore("positive", 0.875), new Prediction.LabelScore("negative", 0.125))));

    @Autowired
    WebTestClient http;

    @Autowired
    JobStore store;

    @Autowired
    JobOutbox outbox;

    @Autowired
    WorkerDirectory workers;

    @Autowired
    ServedVariants served;

    @Autowired
    CacheEntries entries;

    private final String worker = "cached-submit-" + UUID.randomUUID();
    private final String variant = worker + ".pt";
    private final List<String> deliveries = new CopyOnWriteArrayList<>();
    private HttpServer receiver;

    @BeforeEach
    void announceAWorker() {
        workers.announce(new WorkerPresence(worker, Instant.now(),
                List.of(new WorkerPresence.Served(MODEL, variant, "PyTorch"))), Duration.ofMinutes(1)).block(REDIS);
        await().atMost(Duration.ofSeconds(10)).until(() -> served.of(MODEL).contains(variant));
    }

    @AfterEach
    void withdrawTheWorker() {
        workers.withdraw(worker).block(REDIS);
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void aRepeatIsAnsweredByTheGatewayWithItsOwnRecordAndEventsAndNothingIsQueued() {
        String text = "answered by the gateway " + UUID.randomUUID();
        remember(text);
        long published = publishedCount();

        Map<String, Object> accepted = submit(text);
        String id = (String) accepted.get("id");

        assertThat(accepted.get("status")).isEqualTo("SUCCEEDED");
        JobRecord record = store.find(new JobId(id)).block(REDIS);
        assertThat(record.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(record.cached()).isTrue();
        assertThat(record.predictions()).isEqualTo(STORED);
        assertThat(record.worker()).as("no worker ran it").isNull();
        assertThat(record.modelVersion()).isEqualTo("1");
        assertThat(publishedCount()).as("messages on the model's topic").isEqualTo(published);
        assertThat(outbox.isPending(new JobId(id)).block(REDIS)).isFalse();
        List<ServerSentEvent<String>> events = http.get().uri("/v1/jobs/{id}/events", id)
                .accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isOk()
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                .getResponseBody().collectList().block(REDIS);
        assertThat(events).filteredOn(event -> event.data() != null).extracting(ServerSentEvent::id)
                .containsExactly("SUCCEEDED");
        http.get().uri("/v1/jobs/{id}", id).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.cached").isEqualTo(true)
                .jsonPath("$.predictions[0].label").isEqualTo("positive");
    }

    @Test
    void anotherInputOrNoCacheIsQueuedAsAlways() {
        String text = "computed, please " + UUID.randomUUID();
        remember(text);
        long published = publishedCount();

        Map<String, Object> other = submit(text + "!");
        Map<String, Object> fresh = submit(text, "no-cache");

        assertThat(List.of(other.get("status"), fresh.get("status"))).containsOnly("QUEUED");
        assertThat(publishedCount()).isEqualTo(published + 2);
    }

    @Test
    void aMissIsRegisteredAsWaitingForItsEntryAndTheWorkersWriteTakesIt() {
        String text = "not computed yet " + UUID.randomUUID();
        String key = entries.key(MODEL, "1", variant, Tenants.DEFAULT, CacheKeys.texts(List.of(text)));

        String first = (String) submit(text).get("id");
        String second = (String) submit(text).get("id");
        String fresh = (String) submit(text, "no-cache").get("id");

        assertThat(entries.store(Map.of(key, STORED)).block(REDIS))
                .as("what the worker that computes the input takes with its entry")
                .isEqualTo(Map.of(key, java.util.Set.of(first, second)))
                .doesNotContainValue(java.util.Set.of(fresh));
    }

    @Test
    void waitingSubmitsAndTheLegacyRouteAnswerAtOnce() {
        String text = "legacy repeat " + UUID.randomUUID();
        remember(text);

        http.post().uri("/api/v1/sentiment_classification").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("user_id", "7", "text", List.of(text))).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.sentiment").isEqualTo(List.of("positive"))
                .jsonPath("$.score").isEqualTo(List.of(0.875));
        http.post().uri("/v1/models/{model}/jobs", MODEL).contentType(MediaType.APPLICATION_JSON)
                .header("Prefer", "wait=10").bodyValue(Map.of("inputs", List.of(text))).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("SUCCEEDED").jsonPath("$.cached").isEqualTo(true);
    }

    @Test
    void aWebhookOfAnAnsweredJobIsDelivered() throws IOException {
        String text = "call me back from the cache " + UUID.randomUUID();
        remember(text);
        int port = startReceiver();

        String id = (String) http.post().uri("/v1/models/{model}/jobs", MODEL).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("inputs", List.of(text), "callback_url", "http://127.0.0.1:" + port + "/hook"))
                .exchange().expectStatus().isAccepted()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody().get("id");

        String delivered = await().atMost(Duration.ofSeconds(20)).until(() -> deliveries.stream().findFirst(),
                java.util.Optional::isPresent).orElseThrow();
        Map<String, Object> body = JobCodec.mapper().readValue(delivered,
                new tools.jackson.core.type.TypeReference<Map<String, Object>>() { });
        assertThat(body).containsEntry("id", id).containsEntry("status", "SUCCEEDED").containsEntry("cached", true);
    }

    /** Writes what the worker writes once it computed {@code text}: its predictions under the worker's key. */
    private void remember(String text) {
        byte[] content = CacheKeys.texts(List.of(text));
        String key = entries.key(MODEL, "1", variant, Tenants.DEFAULT, content);
        assertThat(key).as("the tenant scope").isEqualTo(CacheKeys.of(MODEL, "1", variant, Tenants.DEFAULT, content));
        assertThat(entries.store(Map.of(key, STORED)).block(REDIS)).containsOnlyKeys(key);
    }

    private Map<String, Object> submit(String text) {
        return submit(text, "max-age=60");
    }

    private Map<String, Object> submit(String text, String cacheControl) {
        return http.post().uri("/v1/models/{model}/jobs", MODEL).contentType(MediaType.APPLICATION_JSON)
                .header("Cache-Control", cacheControl).bodyValue(Map.of("inputs", List.of(text))).exchange()
                .expectStatus().isAccepted()
                .expectHeader().value("Location", location -> assertThat(location).startsWith("/v1/jobs/"))
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
    }

    /** How many messages the model's topic holds: the sum of its partitions' end offsets. */
    private static long publishedCount() {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.shared().kafkaBootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> partitions = consumer.partitionsFor(JobNames.topic(MODEL)).stream()
                    .map(PartitionInfo::partition).map(p -> new TopicPartition(JobNames.topic(MODEL), p)).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private int startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            deliveries.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        return receiver.getAddress().getPort();
    }
}
