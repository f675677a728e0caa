package dev.inferq.gateway.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobOutbox;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The outbox on a real broker and Redis: a job whose gateway stored it and died before the publish is published by
 * the sweep; an entry whose job was never created is dropped; a submit leaves nothing behind; an idempotent replay of
 * a job still in the outbox publishes it before its 202; queue entries without a record are trimmed; and Redis at its
 * memory cap is a 503 that says so, with the memory gauges exported. The grace is long, so only entries this test
 * makes due are swept.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.gateway.outbox.grace=1h",
    "inferq.gateway.outbox.interval=200ms",
    "inferq.gateway.redis-memory.interval=200ms"
})
@AutoConfigureWebTestClient
class OutboxIT {

    private static final String MODEL = "outbox-" + UUID.randomUUID().toString().substring(0, 8);
    private static KafkaConsumer<String, byte[]> topic;
    private static final List<String> published = new ArrayList<>();

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        RealInfrastructure.shared().springProperties().forEach((key, value) -> registry.add(key, () -> value));
        Path models = Path.of("target/outbox-models/" + MODEL);
        TestModels.copyAs("sentiment", MODEL, models);
        registry.add("inferq.models-dir", models::toString);
    }

    @BeforeAll
    static void subscribe() {
        topic = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.shared().kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "outbox-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer());
        topic.subscribe(List.of(JobNames.topic(MODEL)));
    }

    @AfterAll
    static void close() {
        topic.close();
    }

    @Autowired
    WebTestClient http;

    @Autowired
    JobStore store;

    @Autowired
    JobOutbox outbox;

    @Autowired
    ReactiveRedisConnectionFactory redis;

    @Test
    void aJobStoredButNeverPublishedIsPublishedByTheSweep() {
        JobRequest request = request();
        store.create(JobRecord.queued(request)).block();
        outbox.enter(request, System.currentTimeMillis()).block();

        await().atMost(Duration.ofSeconds(20)).until(() -> timesPublished(request.id()) == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> !outbox.isPending(request.id()).block());
    }

    @Test
    void anEntryWhoseJobWasNeverCreatedIsDroppedUnpublished() {
        JobRequest request = request();
        outbox.enter(request, System.currentTimeMillis()).block();

        await().atMost(Duration.ofSeconds(20)).until(() -> !outbox.isPending(request.id()).block());
        assertThat(timesPublished(request.id())).isZero();
    }

    @Test
    void aJobWhoseMessageWasLostEndsFailedPublishFailed() {
        JobRequest request = request();
        store.create(JobRecord.queued(request)).block();
        outbox.enter(request, System.currentTimeMillis()).block();
        new ReactiveStringRedisTemplate(redis).delete(JobNames.outboxMessageKey(request.id())).block();

        await().atMost(Duration.ofSeconds(20)).until(() -> store.find(request.id()).block().status().isTerminal());
        assertThat(store.find(request.id()).block().errorCode()).isEqualTo(ErrorCodes.PUBLISH_FAILED);
        assertThat(outbox.isPending(request.id()).block()).isFalse();
    }

    @Test
    void aJobKafkaStillRefusesAtTheGiveUpAgeEndsFailedPublishFailed() {
        // A topic name Kafka refuses at once ('!' is not allowed), for a job accepted an hour ago (give-up: 10 min).
        JobRequest refused = JobRequest.of(JobId.random(), "no such model!", new JobInput.Texts(List.of("x")),
                Instant.now().minus(Duration.ofHours(1)));
        store.create(JobRecord.queued(refused)).block();
        outbox.enter(refused, System.currentTimeMillis()).block();

        await().atMost(Duration.ofSeconds(30)).until(() -> store.find(refused.id()).block().status().isTerminal());
        JobRecord failed = store.find(refused.id()).block();
        assertThat(failed.errorCode()).isEqualTo(ErrorCodes.PUBLISH_FAILED);
        assertThat(failed.error()).contains("could not be handed to Kafka within");
        assertThat(outbox.isPending(refused.id()).block()).isFalse();
    }

    @Test
    void aSubmitIsPublishedOnceAndLeavesNothingInTheOutbox() {
        JobId id = submit("{\"inputs\": [\"fine\"]}", null);

        assertThat(outbox.isPending(id).block()).isFalse();
        await().atMost(Duration.ofSeconds(20)).until(() -> timesPublished(id) == 1);
    }

    @Test
    void anIdempotentReplayOfAJobStillInTheOutboxPublishesItFirst() {
        String key = UUID.randomUUID().toString();
        JobId id = submit("{\"inputs\": [\"replayed\"]}", key);
        await().atMost(Duration.ofSeconds(20)).until(() -> timesPublished(id) == 1);
        // As if the first publish had never been confirmed: its gateway died between the record and the ack.
        outbox.enter(JobCodec.decodeRequest(JobCodec.encodeRequest(request(id))),
                System.currentTimeMillis() + Duration.ofHours(1).toMillis()).block();

        assertThat(submit("{\"inputs\": [\"replayed\"]}", key)).isEqualTo(id);
        assertThat(outbox.isPending(id).block()).isFalse();
        await().atMost(Duration.ofSeconds(20)).until(() -> timesPublished(id) == 2);
    }

    @Test
    void queueEntriesWhoseRecordIsGoneAreTrimmedBySweep() {
        JobRecord gone = JobRecord.queued(request());
        store.create(gone).block();
        ReactiveStringRedisTemplate strings = new ReactiveStringRedisTemplate(redis);
        strings.delete(JobNames.jobKey(gone.id())).block();

        await().atMost(Duration.ofSeconds(20))
                .until(() -> strings.opsForZSet().rank(JobNames.queueKey(MODEL), gone.id().value()).block() == null);
    }

    @Test
    void redisAtItsMemoryCapIsA503ThatSaysSoAndTheGaugesShowIt() {
        await().atMost(Duration.ofSeconds(20)).until(() -> scrape().contains("inferq_redis_memory_used_bytes"));
        assertThat(scrape()).contains("inferq_redis_memory_max_bytes", "inferq_redis_memory_used_ratio");
        var server = redis.getReactiveConnection();
        try {
            server.serverCommands().setConfig("maxmemory", "1").block();
            http.post().uri("/v1/models/" + MODEL + "/jobs").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"inputs\": [\"no room\"]}").exchange()
                    .expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
                    .expectHeader().valueEquals("Retry-After", "30")
                    .expectBody().jsonPath("$.detail").value(detail -> assertThat(detail.toString())
                            .contains("job store (Redis) is full", "maxmemory"));
        } finally {
            server.serverCommands().setConfig("maxmemory", "0").block();
            server.close();
        }
    }

    private JobId submit(String json, String idempotencyKey) {
        WebTestClient.RequestBodySpec post = http.post().uri("/v1/models/" + MODEL + "/jobs")
                .contentType(MediaType.APPLICATION_JSON);
        if (idempotencyKey != null) {
            post.header("Idempotency-Key", idempotencyKey);
        }
        String body = post.bodyValue(json).exchange().expectStatus().isAccepted()
                .expectBody(String.class).returnResult().getResponseBody();
        return new JobId(JobCodec.mapper().readTree(body).path("id").asString());
    }

    private String scrape() {
        return http.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
    }

    private static JobRequest request() {
        return request(JobId.random());
    }

    private static JobRequest request(JobId id) {
        return JobRequest.of(id, MODEL, new JobInput.Texts(List.of("replayed")), Instant.now());
    }

    /** How often the job was published on the model's topic so far. */
    private static synchronized long timesPublished(JobId id) {
        for (ConsumerRecord<String, byte[]> record : topic.poll(Duration.ofMillis(200))) {
            published.add(record.key());
        }
        return published.stream().filter(id.value()::equals).count();
    }
}
