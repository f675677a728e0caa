package dev.inferq.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.common.worker.WorkerDirectory;
import dev.inferq.common.worker.WorkerPresence;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.RealInfrastructureProperties;
import dev.inferq.testsupport.TestImages;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
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
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The gateway against a real Kafka broker and a real Redis server. No worker runs here: where a job must move on,
 * the test writes the worker's transitions through the shared {@link JobStore}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.gateway.max-inputs=4",
    "inferq.gateway.max-text-chars=100",
    "inferq.image.max-bytes=64KB",
    "inferq.gateway.seed.result-wait=1s"
})
@AutoConfigureWebTestClient
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class GatewayIT {


    @Autowired
    WebTestClient http;

    @Autowired
    JobStore store;

    @Autowired
    WorkerDirectory workers;

    @Test
    void listsTheModelsWithTasksAndLabels() {
        http.get().uri("/v1/models").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.models[*].name").isEqualTo(List.of("disaster", "image", "sentiment"))
                .jsonPath("$.models[0].task").isEqualTo("text-classification")
                .jsonPath("$.models[0].labels").isEqualTo(List.of("not_disaster", "disaster"))
                .jsonPath("$.models[1].task").isEqualTo("image-classification")
                .jsonPath("$.models[1].labels.length()").isEqualTo(15);
    }

    @Test
    void theRegistryShowsEachModelsCardAndTheWorkersServingItNow() {
        String id = "registry-test-" + UUID.randomUUID();
        workers.announce(new WorkerPresence(id, Instant.parse("2026-12-01T10:00:00Z"),
                List.of(new WorkerPresence.Served("sentiment", "sentiment", "PyTorch"),
                        new WorkerPresence.Served("image", "image_int8", "PyTorch", WorkerPresence.Served.MEASURED,
                                new TreeMap<>(Map.of(1, 212.4, 4, 790.1))))), Duration.ofMinutes(1))
                .block(Duration.ofSeconds(5));
        try {
            http.get().uri("/v1/models").exchange()
                    .expectStatus().isOk()
                    .expectBody()
                    .jsonPath("$.models[?(@.name == 'sentiment')].weights").isEqualTo(List.of("trained"))
                    .jsonPath("$.models[?(@.name == 'image')].weights").isEqualTo(List.of("random"))
                    .jsonPath("$.models[?(@.name == 'image')].workers[?(@.id == '" + id + "')].variant")
                    .isEqualTo(List.of("image_int8"))
                    .jsonPath("$.models[?(@.name == 'image')].workers[?(@.id == '" + id + "')].ms_per_batch.4")
                    .isEqualTo(List.of(790.1))
                    .jsonPath("$.models[?(@.name == 'disaster')].workers[?(@.id == '" + id + "')]").isEmpty();
            http.get().uri("/v1/models/sentiment").exchange()
                    .expectStatus().isOk()
                    .expectBody()
                    .jsonPath("$.name").isEqualTo("sentiment")
                    .jsonPath("$.card.weights").isEqualTo("trained")
                    .jsonPath("$.card.metrics.test.accuracy").value(Double.class,
                            accuracy -> assertThat(accuracy).isGreaterThan(0.75))
                    .jsonPath("$.live.workers[?(@.id == '" + id + "')].variant").isEqualTo(List.of("sentiment"))
                    .jsonPath("$.live.workers[?(@.id == '" + id + "')].selection").isEqualTo(List.of("only"))
                    .jsonPath("$.live.worker_count").value(Integer.class, count -> assertThat(count).isPositive());
            http.get().uri("/v1/models/disaster").exchange()
                    .expectStatus().isOk()
                    .expectBody().jsonPath("$.live.workers[?(@.id == '" + id + "')]").isEmpty();
            http.get().uri("/v1/models/image").exchange()
                    .expectStatus().isOk()
                    .expectBody().jsonPath("$.card.weights").isEqualTo("random")
                    .jsonPath("$.live.workers[?(@.id == '" + id + "')].engine").isEqualTo(List.of("PyTorch"))
                    .jsonPath("$.live.workers[?(@.id == '" + id + "')].selection").isEqualTo(List.of("measured"))
                    .jsonPath("$.live.workers[?(@.id == '" + id + "')].ms_per_batch.1").isEqualTo(List.of(212.4))
                    .jsonPath("$.card.note").value(String.class, note -> assertThat(note).contains("random"));
            expectProblem(http.get().uri("/v1/models/nope").exchange(), HttpStatus.NOT_FOUND,
                    "model 'nope' does not exist");
        } finally {
            workers.withdraw(id).block(Duration.ofSeconds(5));
        }
        http.get().uri("/v1/models/sentiment").exchange()
                .expectBody().jsonPath("$.live.workers[?(@.id == '" + id + "')]").isEmpty();
    }

    @Test
    void aQueuedJobShowsItsPlaceInItsModelsQueueUntilItStarts() {
        JobRecord first = newQueuedJob();
        JobRecord second = newQueuedJob();

        long firstPosition = queuePosition(first.id());
        assertThat(queuePosition(second.id())).isEqualTo(firstPosition + 1);

        store.transition(first.running(Instant.now(), "test-worker")).block(Duration.ofSeconds(5));

        assertThat(queuePosition(second.id())).isEqualTo(firstPosition);
        http.get().uri("/v1/jobs/{id}", first.id().value()).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("RUNNING").jsonPath("$.queue_position").isEmpty();
    }

    @Test
    void aResumedEventStreamSendsOnlyWhatCameAfterTheLastEventAndAdvisesARetryDelay() {
        JobRecord queued = newQueuedJob();
        long position = queuePosition(queued.id());
        List<ServerSentEvent<JobRecord>> first = eventsOf(queued.id(), null).take(1).collectList()
                .block(Duration.ofSeconds(10));
        assertThat(first).singleElement().satisfies(event -> {
            assertThat(event.id()).isEqualTo("QUEUED:" + position);
            assertThat(event.retry()).isEqualTo(Duration.ofSeconds(2));
        });

        JobRecord running = queued.running(Instant.now(), "test-worker");
        StepVerifier.create(eventsOf(queued.id(), "QUEUED:" + position).map(ServerSentEvent::id))
                .then(() -> store.transition(running).block(Duration.ofSeconds(5)))
                .expectNext("RUNNING")
                .then(() -> store.transition(succeeded(queued)).block(Duration.ofSeconds(5)))
                .expectNext("SUCCEEDED")
                .expectComplete()
                .verify(Duration.ofSeconds(20));
        StepVerifier.create(eventsOf(queued.id(), "RUNNING").map(ServerSentEvent::id))
                .expectNext("SUCCEEDED").expectComplete().verify(Duration.ofSeconds(20));
        StepVerifier.create(eventsOf(queued.id(), "not-an-event-id").map(ServerSentEvent::id))
                .expectNext("SUCCEEDED").expectComplete().verify(Duration.ofSeconds(20));
    }

    @Test
    void preferWaitAnswersTheFinishedJobWith200OrAfterTheWait202() {
        String key = "prefer-wait-" + UUID.randomUUID();
        String body = "{\"inputs\": [\"wait for me\"]}";
        String id = http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .header("Idempotency-Key", key).header("Prefer", "wait=1").bodyValue(body).exchange()
                .expectStatus().isAccepted()
                .expectHeader().valueEquals("Preference-Applied", "wait=1")
                .expectHeader().exists("Location")
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody().get("id").toString();
        JobRecord queued = store.find(new JobId(id)).block(Duration.ofSeconds(5));
        store.transition(queued.running(Instant.now(), "test-worker")).block(Duration.ofSeconds(5));
        store.transition(succeeded(queued)).block(Duration.ofSeconds(5));

        // The same request again (idempotent) finds its job finished: answered at once, the wait capped.
        http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .header("Idempotency-Key", key).header("Prefer", "wait=999").bodyValue(body).exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("Preference-Applied", "wait=60")
                .expectBody().jsonPath("$.id").isEqualTo(id).jsonPath("$.status").isEqualTo("SUCCEEDED")
                .jsonPath("$.predictions[0].label").isEqualTo("positive");
        http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .header("Prefer", "respond-async, wait=10").bodyValue(body).exchange()
                .expectStatus().isAccepted().expectHeader().doesNotExist("Preference-Applied");
    }

    private long queuePosition(JobId id) {
        return ((Number) http.get().uri("/v1/jobs/{id}", id.value()).exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody().get("queue_position")).longValue();
    }

    private Flux<ServerSentEvent<JobRecord>> eventsOf(JobId id, String lastEventId) {
        return http.get().uri("/v1/jobs/{id}/events", id.value()).accept(MediaType.TEXT_EVENT_STREAM)
                .headers(headers -> {
                    if (lastEventId != null) {
                        headers.set("Last-Event-ID", lastEventId);
                    }
                })
                .exchange()
                .expectStatus().isOk()
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<JobRecord>>() { })
                .getResponseBody()
                .filter(event -> event.data() != null);
    }

    @Test
    void textJobIsAcceptedStoredAndPublishedOnItsModelTopic() {
        try (KafkaConsumer<String, byte[]> consumer = consumerOf("sentiment")) {
            Map<String, Object> accepted = submitText("sentiment", "{\"inputs\": [\"I loved it\", \"meh\"]}");

            String id = (String) accepted.get("id");
            assertThat(accepted).containsEntry("model", "sentiment").containsEntry("status", "QUEUED")
                    .containsKey("created_at");
            JobRecord stored = store.find(new JobId(id)).block(Duration.ofSeconds(5));
            assertThat(stored.status()).isEqualTo(JobStatus.QUEUED);
            assertThat(stored.inputCount()).isEqualTo(2);
            JobRequest published = awaitPublished(consumer, id);
            assertThat(published.model()).isEqualTo("sentiment");
            assertThat(published.input()).isEqualTo(new JobInput.Texts(List.of("I loved it", "meh")));
        }
    }

    @Test
    void cacheControlNoCacheOrNoStoreMakesTheJobBypassTheResponseCacheOnEverySubmitRoute() {
        byte[] png = TestImages.png(24, 24);
        try (KafkaConsumer<String, byte[]> texts = consumerOf("sentiment");
                KafkaConsumer<String, byte[]> images = consumerOf("image")) {
            String plain = (String) submitText("sentiment", "{\"inputs\": [\"from the cache, please\"]}").get("id");
            String fresh = acceptedId(http.post().uri("/v1/models/sentiment/jobs")
                    .contentType(MediaType.APPLICATION_JSON).header("Cache-Control", "no-cache")
                    .bodyValue("{\"inputs\": [\"fresh, please\"]}").exchange());
            String legacy = acceptedId(http.post().uri("/api/v1/sentiment_classification")
                    .contentType(MediaType.APPLICATION_JSON).header("Prefer", "respond-async")
                    .header("Cache-Control", "No-Store").bodyValue("{\"user_id\": \"7\", \"text\": [\"old\"]}")
                    .exchange());
            String upload = acceptedId(http.post().uri("/v1/models/image/jobs")
                    .contentType(MediaType.MULTIPART_FORM_DATA).header("Cache-Control", "max-age=0")
                    .body(BodyInserters.fromMultipartData(imageForm(png))).exchange());
            String raw = acceptedId(http.post().uri("/v1/models/image/jobs").contentType(MediaType.IMAGE_PNG)
                    .header("Cache-Control", "max-stale=60, no-cache").bodyValue(png).exchange());
            String rawCached = acceptedId(http.post().uri("/v1/models/image/jobs").contentType(MediaType.IMAGE_PNG)
                    .header("Cache-Control", "max-age=60").bodyValue(png).exchange());

            Map<String, JobRequest> textJobs = awaitAllPublished(texts, List.of(plain, fresh, legacy));
            Map<String, JobRequest> imageJobs = awaitAllPublished(images, List.of(upload, raw, rawCached));

            assertThat(textJobs.get(plain).bypassCache()).isFalse();
            assertThat(textJobs.get(fresh).bypassCache()).isTrue();
            assertThat(textJobs.get(legacy).bypassCache()).isTrue();
            assertThat(imageJobs.get(upload).bypassCache()).isTrue();
            assertThat(imageJobs.get(raw).bypassCache()).isTrue();
            assertThat(imageJobs.get(rawCached).bypassCache()).isFalse();
        }
        // Not cached until a worker says so: the record shows the flag from the start.
        http.get().uri("/v1/jobs/{id}", newQueuedJob().id().value()).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.cached").isEqualTo(false);
    }

    private static String acceptedId(WebTestClient.ResponseSpec response) {
        return (String) response.expectStatus().isAccepted()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody().get("id");
    }

    @Test
    void imageUploadIsStoredBesideTheJobAndReferencedByTheMessage() throws IOException {
        byte[] png = TestImages.png(40, 30);
        try (KafkaConsumer<String, byte[]> consumer = consumerOf("image")) {
            Map<String, Object> accepted = http.post().uri("/v1/models/image/jobs")
                    .contentType(MediaType.MULTIPART_FORM_DATA)
                    .body(BodyInserters.fromMultipartData(imageForm(png)))
                    .exchange()
                    .expectStatus().isAccepted()
                    .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                    .returnResult().getResponseBody();

            String id = (String) accepted.get("id");
            assertThat(store.loadInput(new JobId(id)).block(Duration.ofSeconds(5))).containsExactly(png);
            JobRequest published = awaitPublished(consumer, id);
            assertThat(published.input()).isEqualTo(new JobInput.Image("image/png", png.length));
        }
    }

    @Test
    void idempotencyKeyReturnsTheSameJobForTheSameRequestAnd422ForAnotherOne() {
        String key = "order-" + UUID.randomUUID();
        String body = "{\"inputs\": [\"once only\"]}";

        String first = (String) submitWithKey(key, body).expectStatus().isAccepted()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody().get("id");
        String again = (String) submitWithKey(key, body).expectStatus().isAccepted()
                .expectHeader().valueEquals("Location", "/v1/jobs/" + first)
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody().get("id");
        String other = (String) submitWithKey("order-" + UUID.randomUUID(), body).expectStatus().isAccepted()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody().get("id");

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        expectProblem(submitWithKey(key, "{\"inputs\": [\"something else\"]}"),
                HttpStatus.UNPROCESSABLE_CONTENT, "already used for a different request");
        expectProblem(submitWithKey(key, "{\"inputs\": [\"once only\"], \"timeout_s\": 60}"),
                HttpStatus.UNPROCESSABLE_CONTENT, "already used for a different request");
        expectProblem(submitWithKey("x".repeat(256), body), HttpStatus.BAD_REQUEST, "Idempotency-Key");
    }

    private WebTestClient.ResponseSpec submitWithKey(String key, String json) {
        return http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .header("Idempotency-Key", key).bodyValue(json).exchange();
    }

    @Test
    void rawImageBodyIsAcceptedLikeAnUpload() throws IOException {
        byte[] png = TestImages.png(16, 16);

        Map<String, Object> accepted = http.post().uri("/v1/models/image/jobs").contentType(MediaType.IMAGE_PNG)
                .bodyValue(png).exchange()
                .expectStatus().isAccepted()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();

        assertThat(store.loadInput(new JobId((String) accepted.get("id"))).block(Duration.ofSeconds(5)))
                .containsExactly(png);
    }

    @Test
    void legacyEndpointAnswers202WithTheJobLinkWhenTheResultTakesTooLong() {
        http.post().uri("/api/v1/sentiment_classification").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"user_id\": \"7\", \"text\": [\"slow\"]}").exchange()
                .expectStatus().isAccepted()
                .expectHeader().value("Location", location -> assertThat(location).startsWith("/v1/jobs/"))
                .expectBody().jsonPath("$.status").isEqualTo("QUEUED");
    }

    @Test
    void legacyEndpointAnswers202AtOnceWhenAskedToRespondAsync() {
        long start = System.nanoTime();
        http.post().uri("/api/v1/disaster_classification").contentType(MediaType.APPLICATION_JSON)
                .header("Prefer", "respond-async")
                .bodyValue("{\"user_id\": \"7\", \"text\": [\"fire\"]}").exchange()
                .expectStatus().isAccepted()
                .expectHeader().valueEquals("Preference-Applied", "respond-async")
                .expectBody().jsonPath("$.model").isEqualTo("disaster");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void legacyStatusAndFieldViolationsFollowTheOldContract() {
        http.get().uri("/").exchange().expectStatus().isOk().expectBody().json("{\"Status\": \"Running\"}", true);
        String path = "/api/v1/disaster_classification";
        expectField(postJson(path, "{\"user_id\": 2728, \"text\": [\"x\"]}"), "user_id");
        expectField(postJson(path, "{\"text\": [\"x\"]}"), "user_id");
        expectField(postJson(path, "{\"user_id\": \"1\", \"text\": \"x\"}"), "text");
        expectField(postJson(path, "{\"user_id\": \"1\", \"text\": []}"), "text");
        expectField(postJson(path, "{\"user_id\": \"1\", \"text\": [\"ok\", 3]}"), "text[1]");
        expectField(postJson(path, "{\"user_id\": \"1\", \"text\": [\"x\"]"), "body");
        expectField(postJson(path, "[1, 2]"), "body");
        expectField(postJson(path, ""), "body");
        String image = "/api/v1/image_classification";
        expectField(postJson(image, "{\"user_id\": \"1\", \"url\": []}"), "url");
        expectField(postJson(image, "{\"user_id\": \"1\", \"url\": [\"file:///etc/passwd\"]}"), "url[0]");
        expectField(postJson(image, "{\"user_id\": \"1\", \"url\": [\"https://ok.example/a.jpg\", \"nope\"]}"),
                "url[1]");
        expectProblem(postJson(path, "{\"user_id\": \"1\", \"text\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}"),
                HttpStatus.CONTENT_TOO_LARGE, "at most 4");
    }

    @Test
    void imageUrlsOnLoopbackAreRefusedByDefault() {
        expectProblem(postJson("/v1/models/image/jobs", "{\"url\": \"http://127.0.0.1:9/cat.jpg\"}"),
                HttpStatus.UNPROCESSABLE_CONTENT, "127.0.0.1");
        expectProblem(postJson("/api/v1/image_classification",
                "{\"user_id\": \"1\", \"url\": [\"http://localhost:9/cat.jpg\"]}"),
                HttpStatus.UNPROCESSABLE_CONTENT, "localhost");
    }

    @Test
    void pollingAnswersTheStoredStateAnd404ForUnknownJobs() {
        String id = (String) submitText("disaster", "{\"inputs\": [\"fire\"]}").get("id");

        http.get().uri("/v1/jobs/{id}", id).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.id").isEqualTo(id)
                .jsonPath("$.status").isEqualTo("QUEUED")
                .jsonPath("$.input_count").isEqualTo(1);
        expectProblem(http.get().uri("/v1/jobs/{id}", JobId.random().value()).exchange(), HttpStatus.NOT_FOUND,
                "does not exist");
        expectProblem(http.get().uri("/v1/jobs/not-an-id").exchange(), HttpStatus.NOT_FOUND, "does not exist");
    }

    @Test
    void eventStreamShowsEveryChangeAndEndsAfterTheTerminalOne() {
        JobRecord queued = newQueuedJob();

        StepVerifier.create(eventsOf(queued.id()))
                .assertNext(event -> assertThat(event.data().status()).isEqualTo(JobStatus.QUEUED))
                .then(() -> store.transition(queued.running(Instant.now(), "test-worker")).block())
                .assertNext(event -> assertThat(event.data().status()).isEqualTo(JobStatus.RUNNING))
                .then(() -> store.transition(succeeded(queued)).block())
                .assertNext(event -> {
                    assertThat(event.event()).isEqualTo("status");
                    assertThat(event.data().status()).isEqualTo(JobStatus.SUCCEEDED);
                    assertThat(event.data().predictions().get(0).label()).isEqualTo("positive");
                })
                .expectComplete()
                .verify(Duration.ofSeconds(15));
    }

    @Test
    void lateSubscriberGetsTheTerminalEventAtOnce() {
        JobRecord queued = newQueuedJob();
        store.transition(queued.running(Instant.now(), "test-worker")).block();
        store.transition(succeeded(queued)).block();

        StepVerifier.create(eventsOf(queued.id()))
                .assertNext(event -> assertThat(event.data().status()).isEqualTo(JobStatus.SUCCEEDED))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void badRequestsGetProblemDetailsNeverA500() throws IOException {
        expectProblem(postJson("/v1/models/nope/jobs", "{\"inputs\": [\"x\"]}"), HttpStatus.NOT_FOUND,
                "model 'nope' does not exist");
        expectProblem(postJson("/v1/models/sentiment/jobs", "{\"inputs\": [\"x\""), HttpStatus.BAD_REQUEST,
                "not valid JSON");
        expectProblem(postJson("/v1/models/sentiment/jobs", "{\"inputs\": \"x\"}"), HttpStatus.BAD_REQUEST,
                "not valid JSON");
        expectProblem(postJson("/v1/models/sentiment/jobs", "{\"inputs\": []}"), HttpStatus.BAD_REQUEST,
                "non-empty list");
        expectProblem(postJson("/v1/models/sentiment/jobs", "{}"), HttpStatus.BAD_REQUEST, "non-empty list");
        expectProblem(postJson("/v1/models/sentiment/jobs", ""), HttpStatus.BAD_REQUEST, "non-empty list");
        expectProblem(postJson("/v1/models/sentiment/jobs", "{\"inputs\": [\"ok\", \"  \"]}"),
                HttpStatus.BAD_REQUEST, "inputs[1]");
        expectProblem(postJson("/v1/models/sentiment/jobs", "{\"inputs\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}"),
                HttpStatus.CONTENT_TOO_LARGE, "at most 4");
        expectProblem(postJson("/v1/models/sentiment/jobs", "{\"inputs\": [\"" + "x".repeat(101) + "\"]}"),
                HttpStatus.CONTENT_TOO_LARGE, "at most 100 are accepted");
        expectProblem(http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.TEXT_PLAIN)
                .bodyValue("I loved it").exchange(), HttpStatus.UNSUPPORTED_MEDIA_TYPE, null);
        expectProblem(postJson("/v1/models/image/jobs", "{\"inputs\": [\"x\"]}"),
                HttpStatus.BAD_REQUEST, "the image model takes an upload");
        expectProblem(http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.IMAGE_PNG)
                .bodyValue(TestImages.png(8, 8)).exchange(), HttpStatus.UNSUPPORTED_MEDIA_TYPE, "classifies text");
        expectProblem(http.post().uri("/v1/models/image/jobs").contentType(MediaType.IMAGE_JPEG)
                .bodyValue(new byte[0]).exchange(), HttpStatus.BAD_REQUEST, "empty");
        expectProblem(postImage("/v1/models/sentiment/jobs", TestImages.png(8, 8)), HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                "classifies text");
        expectProblem(postImage("/v1/models/image/jobs", "plain text".getBytes()),
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, "not a JPEG, PNG, GIF or BMP");
        expectProblem(postImage("/v1/models/image/jobs", new byte[70 * 1024]), HttpStatus.CONTENT_TOO_LARGE, null);
        byte[] bomb = TestImages.pngBomb(16_000, 16_000);
        String pixelLimit = "16000 x 16000 pixels (256000000); at most 50000000 pixels are accepted"
                + " (inferq.image.max-pixels)";
        expectProblem(postImage("/v1/models/image/jobs", bomb), HttpStatus.CONTENT_TOO_LARGE, pixelLimit);
        expectProblem(http.post().uri("/v1/models/image/jobs").contentType(MediaType.IMAGE_PNG).bodyValue(bomb)
                .exchange(), HttpStatus.CONTENT_TOO_LARGE, pixelLimit);
        MultipartBodyBuilder wrongField = new MultipartBodyBuilder();
        wrongField.part("picture", new ByteArrayResource(TestImages.png(8, 8)) {
            @Override
            public String getFilename() {
                return "a.png";
            }
        });
        expectProblem(http.post().uri("/v1/models/image/jobs").contentType(MediaType.MULTIPART_FORM_DATA)
                .body(BodyInserters.fromMultipartData(wrongField.build())).exchange(), HttpStatus.BAD_REQUEST, "file");
    }

    @Test
    void cancellingAQueuedJobEndsItCancelledForPollersAndStreams() {
        String id = (String) submitText("sentiment", "{\"inputs\": [\"never mind\"]}").get("id");

        StepVerifier.create(eventsOf(new JobId(id)))
                .assertNext(event -> assertThat(event.data().status()).isEqualTo(JobStatus.QUEUED))
                .then(() -> http.post().uri("/v1/jobs/{id}/cancel", id).exchange()
                        .expectStatus().isOk()
                        .expectBody()
                        .jsonPath("$.id").isEqualTo(id)
                        .jsonPath("$.status").isEqualTo("CANCELLED")
                        .jsonPath("$.error").isEqualTo("cancelled by the client")
                        .jsonPath("$.finished_at").exists())
                .assertNext(event -> {
                    assertThat(event.data().status()).isEqualTo(JobStatus.CANCELLED);
                    assertThat(event.data().startedAt()).isNull();
                })
                .expectComplete()
                .verify(Duration.ofSeconds(15));

        http.get().uri("/v1/jobs/{id}", id).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("CANCELLED");
        StepVerifier.create(eventsOf(new JobId(id)))
                .assertNext(event -> assertThat(event.data().status()).isEqualTo(JobStatus.CANCELLED))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        expectProblem(http.post().uri("/v1/jobs/{id}/cancel", id).exchange(), HttpStatus.CONFLICT,
                "is CANCELLED and can no longer be cancelled");
        expectProblem(http.delete().uri("/v1/jobs/{id}", id).exchange(), HttpStatus.CONFLICT, "is CANCELLED");
    }

    @Test
    void deleteCancelsAQueuedJobLikeCancel() {
        JobRecord queued = newQueuedJob();

        http.delete().uri("/v1/jobs/{id}", queued.id().value()).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("CANCELLED");

        JobRecord stored = store.find(queued.id()).block(Duration.ofSeconds(5));
        assertThat(stored.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(stored.finishedAt()).isNotNull();
    }

    @Test
    void startedOrFinishedJobsCannotBeCancelledAndUnknownOnesAre404() {
        JobRecord queued = newQueuedJob();
        String id = queued.id().value();
        store.transition(queued.running(Instant.now(), "test-worker")).block(Duration.ofSeconds(5));

        expectProblem(http.post().uri("/v1/jobs/{id}/cancel", id).exchange(), HttpStatus.CONFLICT,
                "job '" + id + "' is RUNNING and can no longer be cancelled");
        expectProblem(http.delete().uri("/v1/jobs/{id}", id).exchange(), HttpStatus.CONFLICT, "is RUNNING");
        assertThat(store.find(queued.id()).block(Duration.ofSeconds(5)).status()).isEqualTo(JobStatus.RUNNING);

        store.transition(succeeded(queued)).block(Duration.ofSeconds(5));
        expectProblem(http.post().uri("/v1/jobs/{id}/cancel", id).exchange(), HttpStatus.CONFLICT, "is SUCCEEDED");
        expectProblem(http.delete().uri("/v1/jobs/{id}", id).exchange(), HttpStatus.CONFLICT, "is SUCCEEDED");
        assertThat(store.find(queued.id()).block(Duration.ofSeconds(5)).status()).isEqualTo(JobStatus.SUCCEEDED);

        String unknown = JobId.random().value();
        expectProblem(http.post().uri("/v1/jobs/{id}/cancel", unknown).exchange(), HttpStatus.NOT_FOUND,
                "does not exist");
        expectProblem(http.delete().uri("/v1/jobs/{id}", unknown).exchange(), HttpStatus.NOT_FOUND, "does not exist");
        expectProblem(http.delete().uri("/v1/jobs/not-an-id").exchange(), HttpStatus.NOT_FOUND, "does not exist");
    }

    @Test
    void timeoutBecomesADeadlineInTheRecordAndTheMessage() throws IOException {
        try (KafkaConsumer<String, byte[]> consumer = consumerOf("sentiment")) {
            String inBody = (String) submitText("sentiment", "{\"inputs\": [\"soon\"], \"timeout_s\": 30}").get("id");
            String inQuery = (String) postJson("/v1/models/sentiment/jobs?timeout_s=45", "{\"inputs\": [\"later\"]}")
                    .expectStatus().isAccepted()
                    .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                    .returnResult().getResponseBody().get("id");
            String none = (String) submitText("sentiment", "{\"inputs\": [\"whenever\"]}").get("id");

            Map<String, JobRequest> published = awaitAllPublished(consumer, List.of(inBody, inQuery, none));
            JobRecord stored = store.find(new JobId(inBody)).block(Duration.ofSeconds(5));
            assertThat(stored.deadline()).isEqualTo(stored.createdAt().plusSeconds(30));
            assertThat(published.get(inBody).deadline()).isEqualTo(stored.deadline());
            http.get().uri("/v1/jobs/{id}", inBody).exchange()
                    .expectStatus().isOk()
                    .expectBody().jsonPath("$.deadline").isEqualTo(stored.deadline().toString());
            JobRecord queried = store.find(new JobId(inQuery)).block(Duration.ofSeconds(5));
            assertThat(queried.deadline()).isEqualTo(queried.createdAt().plusSeconds(45));
            assertThat(published.get(inQuery).deadline()).isEqualTo(queried.deadline());
            assertThat(store.find(new JobId(none)).block(Duration.ofSeconds(5)).deadline()).isNull();
            assertThat(published.get(none).deadline()).isNull();
        }
        Map<String, Object> image = http.post().uri("/v1/models/image/jobs?timeout_s=60")
                .contentType(MediaType.IMAGE_PNG).bodyValue(TestImages.png(16, 16)).exchange()
                .expectStatus().isAccepted()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
        JobRecord imageJob = store.find(new JobId((String) image.get("id"))).block(Duration.ofSeconds(5));
        assertThat(imageJob.deadline()).isEqualTo(imageJob.createdAt().plusSeconds(60));
        Map<String, Object> upload = http.post().uri("/v1/models/image/jobs?timeout_s=61")
                .contentType(MediaType.MULTIPART_FORM_DATA)
                .body(BodyInserters.fromMultipartData(imageForm(TestImages.png(16, 16)))).exchange()
                .expectStatus().isAccepted()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
        JobRecord uploadJob = store.find(new JobId((String) upload.get("id"))).block(Duration.ofSeconds(5));
        assertThat(uploadJob.deadline()).isEqualTo(uploadJob.createdAt().plusSeconds(61));
    }

    @Test
    void badTimeoutsAre400() throws IOException {
        for (String bad : List.of("0", "-1", "86401")) {
            expectProblem(postJson("/v1/models/sentiment/jobs", "{\"inputs\": [\"x\"], \"timeout_s\": " + bad + "}"),
                    HttpStatus.BAD_REQUEST, "'timeout_s' must be a whole number of seconds from 1 to 86400");
            expectProblem(postJson("/v1/models/sentiment/jobs?timeout_s=" + bad, "{\"inputs\": [\"x\"]}"),
                    HttpStatus.BAD_REQUEST, "'timeout_s' must be a whole number of seconds from 1 to 86400");
        }
        expectProblem(postJson("/v1/models/sentiment/jobs?timeout_s=x", "{\"inputs\": [\"x\"]}"),
                HttpStatus.BAD_REQUEST, "was 'x'");
        expectProblem(postJson("/v1/models/sentiment/jobs", "{\"inputs\": [\"x\"], \"timeout_s\": \"x\"}"),
                HttpStatus.BAD_REQUEST, null);
        expectProblem(postJson("/v1/models/sentiment/jobs?timeout_s=5", "{\"inputs\": [\"x\"], \"timeout_s\": 5}"),
                HttpStatus.BAD_REQUEST, "give it once");
        expectProblem(http.post().uri("/v1/models/image/jobs?timeout_s=0").contentType(MediaType.IMAGE_PNG)
                .bodyValue(TestImages.png(8, 8)).exchange(), HttpStatus.BAD_REQUEST, "'timeout_s'");
        expectProblem(http.post().uri("/v1/models/image/jobs?timeout_s=abc").contentType(MediaType.MULTIPART_FORM_DATA)
                .body(BodyInserters.fromMultipartData(imageForm(TestImages.png(8, 8)))).exchange(),
                HttpStatus.BAD_REQUEST, "'timeout_s'");
    }

    private Map<String, Object> submitText(String model, String json) {
        return postJson("/v1/models/" + model + "/jobs", json)
                .expectStatus().isAccepted()
                .expectHeader().value("Location", location -> assertThat(location).startsWith("/v1/jobs/"))
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
    }

    private static void expectField(WebTestClient.ResponseSpec response, String field) {
        response.expectStatus().isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.field").isEqualTo(field)
                .jsonPath("$.detail").value(String.class, detail -> assertThat(detail).startsWith("'" + field + "'"));
    }

    private WebTestClient.ResponseSpec postJson(String path, String json) {
        return http.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange();
    }

    private WebTestClient.ResponseSpec postImage(String path, byte[] bytes) {
        return http.post().uri(path).contentType(MediaType.MULTIPART_FORM_DATA)
                .body(BodyInserters.fromMultipartData(imageForm(bytes))).exchange();
    }

    private static void expectProblem(WebTestClient.ResponseSpec response, HttpStatus status, String detailPart) {
        response.expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(status.value())
                .jsonPath("$.detail").value(String.class, detail -> {
                    assertThat(detail).isNotBlank();
                    if (detailPart != null) {
                        assertThat(detail).contains(detailPart);
                    }
                });
    }

    private Flux<ServerSentEvent<JobRecord>> eventsOf(JobId id) {
        return eventsOf(id, null);
    }

    private JobRecord newQueuedJob() {
        JobRecord queued = JobRecord.queued(JobRequest.of(JobId.random(), "sentiment",
                new JobInput.Texts(List.of("great")), Instant.now()));
        store.create(queued).block(Duration.ofSeconds(5));
        return queued;
    }

    private static JobRecord succeeded(JobRecord queued) {
        Prediction prediction = Prediction.fromRanked(List.of(new Prediction.LabelScore("positive", 0.8),
                new Prediction.LabelScore("negative", 0.2)));
        return queued.running(Instant.now(), "test-worker").succeeded(List.of(prediction), Instant.now());
    }

    private static KafkaConsumer<String, byte[]> consumerOf(String model) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.shared().kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "gateway-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(JobNames.topic(model)));
        return consumer;
    }

    private static JobRequest awaitPublished(KafkaConsumer<String, byte[]> consumer, String id) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                seen.add(record.key());
                if (id.equals(record.key())) {
                    JobRequest request = JobCodec.decodeRequest(record.value());
                    assertThat(request.id().value()).isEqualTo(id);
                    return request;
                }
            }
        }
        throw new AssertionError("job " + id + " was not published within 20 s; saw keys " + seen);
    }

    /** Like {@link #awaitPublished}, for several jobs that may arrive in one poll. */
    private static Map<String, JobRequest> awaitAllPublished(KafkaConsumer<String, byte[]> consumer,
            List<String> ids) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Map<String, JobRequest> found = new java.util.HashMap<>();
        while (System.nanoTime() < deadline && found.size() < ids.size()) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                if (ids.contains(record.key())) {
                    found.put(record.key(), JobCodec.decodeRequest(record.value()));
                }
            }
        }
        assertThat(found.keySet()).as("jobs published within 20 s").containsExactlyInAnyOrderElementsOf(ids);
        return found;
    }

    private static MultiValueMap<String, HttpEntity<?>> imageForm(
            byte[] bytes) {
        MultipartBodyBuilder form = new MultipartBodyBuilder();
        form.part("file", new ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return "upload.png";
            }
        });
        return form.build();
    }
}
