package dev.inferq.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import dev.inferq.testsupport.RealInfrastructureProperties;
import dev.inferq.testsupport.TestImages;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.FluxExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * A submit with {@code Accept: text/event-stream} answers the new job's events in the same exchange, on every native
 * submit route, against a real Kafka and Redis; no worker runs, the test writes the worker's transitions through the
 * shared {@link JobStore}. Refusals stay problems, and the stream limits refuse such a submit before a job exists.
 * Each tenant that counts its jobs or streams is made for the run, so what the shared Redis holds starts at nothing.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.auth.mode=open",
    "inferq.gateway.limits.streams.per-tenant=2",
    "inferq.gateway.url-fetch.allowlist=127.0.0.1",
    // A stream outlives its request's body timeouts: the first keep-alive comes after both ran out.
    "inferq.gateway.sse-heartbeat=2s",
    "inferq.gateway.limits.connections.body-read-timeout=1s",
    "inferq.gateway.limits.connections.body-timeout=1s"
})
@AutoConfigureWebTestClient(timeout = "PT30S")
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class SubmitStreamIT {

    private static final String PROBLEMS = "https://inferq.dev/problems/";
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    /** A tenant that holds streams up to its limit. */
    private static final String LIMITED = "limited-" + RUN;
    /** A tenant whose submits are refused after their permit was taken. */
    private static final String REFUSED = "refused-" + RUN;
    private static final ParameterizedTypeReference<ServerSentEvent<JobRecord>> EVENT =
            new ParameterizedTypeReference<>() { };
    private static final String KEEP_ALIVE = "keep-alive";
    private static final String TEXTS = "{\"inputs\": [\"I loved it\"]}";

    @DynamicPropertySource
    static void keys(DynamicPropertyRegistry registry) {
        registry.add("inferq.auth.api-keys", () -> LIMITED + ":key-" + LIMITED + "," + REFUSED + ":key-" + REFUSED);
    }

    @Autowired
    WebTestClient http;

    @Autowired
    JobStore store;

    @Test
    void aSubmitThatAcceptsEventsIsAnsweredTheJobsEventsToItsEndAndAnIdempotentRepeatTheSameJobsEvents() {
        String key = "stream-" + UUID.randomUUID();
        FluxExchangeResult<ServerSentEvent<JobRecord>> answer = streamedSubmit("/v1/models/sentiment/jobs", key, null,
                json(TEXTS));
        JobId id = idAt(answer);
        JobRecord queued = store.find(id).block(Duration.ofSeconds(5));

        // The states and keep-alive comments, each once in a row (a waiting job may get fresh QUEUED figures).
        Flux<String> labels = answer.getResponseBody()
                .doOnNext(event -> {
                    if (event.data() != null) {
                        assertThat(event.data().id()).isEqualTo(id);
                        assertThat(event.event()).isEqualTo("status");
                    }
                })
                .filter(event -> event.data() != null || KEEP_ALIVE.equals(event.comment()))
                .map(event -> event.data() == null ? KEEP_ALIVE : event.data().status().name()
                        + (event.data().status() == JobStatus.SUCCEEDED ? " " + event.data().predictions().get(0)
                                .label() : ""))
                .distinctUntilChanged();

        StepVerifier.create(labels)
                .expectNext("QUEUED")
                .expectNext(KEEP_ALIVE)
                .then(() -> store.transition(queued.running(Instant.now(), "test-worker")).block())
                .thenConsumeWhile(KEEP_ALIVE::equals)
                .expectNext("RUNNING")
                .then(() -> store.transition(succeeded(queued)).block())
                .thenConsumeWhile(KEEP_ALIVE::equals)
                .expectNext("SUCCEEDED positive")
                .expectComplete()
                .verify(Duration.ofSeconds(20));

        FluxExchangeResult<ServerSentEvent<JobRecord>> repeat = streamedSubmit("/v1/models/sentiment/jobs", key,
                null, json(TEXTS));
        assertThat(idAt(repeat)).isEqualTo(id);
        StepVerifier.create(statuses(repeat))
                .assertNext(job -> assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED))
                .expectComplete()
                .verify(Duration.ofSeconds(20));
    }

    @Test
    void everyNativeSubmitRouteStreamsTheJobItAccepts() throws IOException {
        byte[] png = TestImages.png(16, 16);
        HttpServer images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        images.createContext("/photo.png", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, png.length);
            exchange.getResponseBody().write(png);
            exchange.close();
        });
        images.start();
        try {
            String url = "{\"url\": \"http://127.0.0.1:" + images.getAddress().getPort() + "/photo.png\"}";
            MultipartBodyBuilder form = new MultipartBodyBuilder();
            form.part("file", new ByteArrayResource(png) {
                @Override
                public String getFilename() {
                    return "upload.png";
                }
            });
            List<Consumer<WebTestClient.RequestBodySpec>> bodies = List.of(
                    json(TEXTS),
                    request -> request.body(BodyInserters.fromMultipartData(form.build())),
                    request -> request.contentType(MediaType.IMAGE_PNG).bodyValue(png),
                    json(url));
            List<String> paths = List.of("/v1/models/sentiment@1/jobs", "/v1/models/image/jobs",
                    "/v1/models/image/jobs", "/v1/models/image/jobs");
            for (int i = 0; i < bodies.size(); i++) {
                followToCancelled(streamedSubmit(paths.get(i), null, null, bodies.get(i)));
            }
        } finally {
            images.stop(0);
        }
    }

    @Test
    void aSubmitOverTheTenantsStreamsIsRefusedBeforeItCreatesAJobAndABadOneIsAProblemToo() {
        String auth = "Bearer key-" + LIMITED;
        String location = http.post().uri("/v1/models/sentiment/jobs").header(HttpHeaders.AUTHORIZATION, auth)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(TEXTS).exchange()
                .expectStatus().isAccepted()
                .returnResult(String.class).getResponseHeaders().getLocation().getPath();

        problem(http.post().uri("/v1/models/sentiment/jobs").header(HttpHeaders.AUTHORIZATION, auth)
                .accept(MediaType.TEXT_EVENT_STREAM).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"inputs\": []}").exchange(), HttpStatus.BAD_REQUEST);

        List<Disposable> open = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                open.add(http.get().uri(location + "/events").header(HttpHeaders.AUTHORIZATION, auth)
                        .accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isOk()
                        .returnResult(String.class).getResponseBody().subscribe());
            }
            WebTestClient.ResponseSpec refused = http.post().uri("/v1/models/sentiment/jobs")
                    .header(HttpHeaders.AUTHORIZATION, auth).accept(MediaType.TEXT_EVENT_STREAM)
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(TEXTS).exchange();
            refused.expectHeader().exists(HttpHeaders.RETRY_AFTER).expectHeader().doesNotExist(HttpHeaders.LOCATION);
            Map<String, Object> body = problem(refused, HttpStatus.TOO_MANY_REQUESTS);
            assertThat(body.get("type")).isEqualTo(PROBLEMS + "too-many-streams");
            assertThat(body.get("setting")).isEqualTo("inferq.gateway.limits.streams.per-tenant");
        } finally {
            open.forEach(Disposable::dispose);
        }

        http.get().uri("/v1/jobs").header(HttpHeaders.AUTHORIZATION, auth).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.jobs.length()").isEqualTo(1)
                .jsonPath("$.jobs[0].id").isEqualTo(location.substring("/v1/jobs/".length()));
    }

    @Test
    void aSubmitRefusedAfterItsStreamWasAdmittedGivesTheStreamBack() {
        String auth = "Bearer key-" + REFUSED;
        // Three refusals in a row, one more than the tenant's two streams: each must have given its permit back.
        for (int i = 0; i < 3; i++) {
            problem(http.post().uri("/v1/models/sentiment@99/jobs").header(HttpHeaders.AUTHORIZATION, auth)
                    .accept(MediaType.TEXT_EVENT_STREAM).contentType(MediaType.APPLICATION_JSON).bodyValue(TEXTS)
                    .exchange(), HttpStatus.NOT_FOUND);
        }
        followToCancelled(streamedSubmit("/v1/models/sentiment/jobs", null, auth, json(TEXTS)));
    }

    @Test
    void withoutAcceptingEventsASubmitIsAnsweredAsBefore() {
        http.post().uri("/v1/models/sentiment/jobs").accept(MediaType.ALL).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(TEXTS).exchange()
                .expectStatus().isAccepted()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody().jsonPath("$.status").isEqualTo("QUEUED");
    }

    /** Reads the stream's first state, QUEUED, cancels the job, and expects the stream to end with CANCELLED. */
    private void followToCancelled(FluxExchangeResult<ServerSentEvent<JobRecord>> answer) {
        JobId id = idAt(answer);
        String auth = answer.getRequestHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        StepVerifier.create(statuses(answer))
                .assertNext(job -> {
                    assertThat(job.id()).isEqualTo(id);
                    assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
                })
                .then(() -> http.post().uri("/v1/jobs/{id}/cancel", id.value())
                        .headers(headers -> {
                            if (auth != null) {
                                headers.set(HttpHeaders.AUTHORIZATION, auth);
                            }
                        })
                        .exchange().expectStatus().isOk())
                .assertNext(job -> assertThat(job.status()).isEqualTo(JobStatus.CANCELLED))
                .expectComplete()
                .verify(Duration.ofSeconds(20));
    }

    private FluxExchangeResult<ServerSentEvent<JobRecord>> streamedSubmit(String path, String idempotencyKey,
            String authorization, Consumer<WebTestClient.RequestBodySpec> body) {
        WebTestClient.RequestBodySpec request = http.post().uri(path).accept(MediaType.TEXT_EVENT_STREAM)
                .headers(headers -> {
                    if (idempotencyKey != null) {
                        headers.set("Idempotency-Key", idempotencyKey);
                    }
                    if (authorization != null) {
                        headers.set(HttpHeaders.AUTHORIZATION, authorization);
                    }
                });
        body.accept(request);
        return request.exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .returnResult(EVENT);
    }

    private static Consumer<WebTestClient.RequestBodySpec> json(String body) {
        return request -> request.contentType(MediaType.APPLICATION_JSON).bodyValue(body);
    }

    /** The job the answer's {@code Location} names. */
    private static JobId idAt(FluxExchangeResult<?> answer) {
        String location = answer.getResponseHeaders().getFirst(HttpHeaders.LOCATION);
        assertThat(location).startsWith("/v1/jobs/");
        return new JobId(location.substring("/v1/jobs/".length()));
    }

    /**
     * The stream's job states, each status once: while a job waits, a fresh QUEUED event may carry new queue figures.
     */
    private static Flux<JobRecord> statuses(
            FluxExchangeResult<ServerSentEvent<JobRecord>> answer) {
        return answer.getResponseBody().filter(event -> event.data() != null)
                .map(ServerSentEvent::data)
                .distinctUntilChanged(JobRecord::status);
    }

    private static Map<String, Object> problem(WebTestClient.ResponseSpec response, HttpStatus status) {
        return response.expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
    }

    private static JobRecord succeeded(JobRecord queued) {
        Prediction prediction = Prediction.fromRanked(List.of(new Prediction.LabelScore("positive", 0.8),
                new Prediction.LabelScore("negative", 0.2)));
        return queued.running(Instant.now(), "test-worker").succeeded(List.of(prediction), Instant.now());
    }
}
