package dev.inferq.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.contract.Tenants;
import dev.inferq.gateway.fetch.ImageDownloads;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.FluxExchangeResult;
import org.springframework.test.util.ReflectionTestUtils;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each limit of {@link LimitsProperties} refusing on a real gateway (real Redis and Kafka, no worker), with its
 * status, {@code Retry-After} where the limit frees up by itself, problem type and the setting named: bodies over
 * their route's size, JSON over the parser's limits, multipart with too many parts, event streams over a tenant's
 * share, image downloads over a tenant's (after their wait, or at once beyond the waiters' places; one that gets a
 * place within the wait succeeds), a request head that trickles in, connections over the cap; and the largest valid
 * text job accepted. Limits are set low here so that each is reached in a few requests.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.auth.mode=open",
    "inferq.gateway.seed.result-wait=1s",
    "inferq.gateway.limits.streams.per-tenant=2",
    "inferq.gateway.limits.connections.header-timeout=500ms",
    "inferq.gateway.limits.connections.max-open=40",
    "inferq.gateway.limits.tenant-input-bytes=1KB",
    "inferq.gateway.limits.downloads.per-tenant=1",
    "inferq.gateway.limits.downloads.wait=3s",
    "inferq.gateway.limits.downloads.queued-per-tenant=1",
    "inferq.gateway.url-fetch.allowlist=127.0.0.1"
})
@AutoConfigureWebTestClient
class LimitsIT {

    private static final String PROBLEMS = "https://inferq.dev/problems/";
    private static final String NO_SUCH_JOB = "AAAAAAAAAAAAAAAAAAAAAA";

    /** A tenant of its own per run: what it holds in the shared Redis starts at nothing. */
    private static final String IMAGES_TENANT = "images-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String IMAGES_KEY = "key-" + IMAGES_TENANT;

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        RealInfrastructure.shared().springProperties().forEach((key, value) -> registry.add(key, () -> value));
        registry.add("inferq.auth.api-keys", () -> IMAGES_TENANT + ":" + IMAGES_KEY);
    }

    @Autowired
    WebTestClient http;

    @Autowired
    ImageDownloads downloads;

    @LocalServerPort
    int port;

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void sixtyFourTextsOfControlCharactersAreAcceptedAndOneByteMoreThanTheRouteTakesIsRefusedUnread() {
        String text = "\u0001".repeat(4096);
        List<String> inputs = Collections.nCopies(64, text);
        http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("inputs", inputs)).exchange().expectStatus().isAccepted();

        long limit = 64L * 4096 * BodyLimits.JSON_BYTES_PER_CHAR + BodyLimits.FRAMING_BYTES;
        byte[] tooLarge = new byte[(int) limit + 1];
        java.util.Arrays.fill(tooLarge, (byte) ' ');
        JsonNode problem = problem(http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(tooLarge).exchange().expectStatus().isEqualTo(HttpStatus.CONTENT_TOO_LARGE));
        assertThat(problem.get("type").asString()).isEqualTo(PROBLEMS + "body-too-large");
        assertThat(problem.get("setting").asString()).contains("inferq.gateway.max-text-chars");
    }

    @Test
    void aJsonBodyOfManyValuesFailsAtTheTokenLimitWith413() {
        StringBuilder body = new StringBuilder("{\"inputs\":[");
        for (int i = 0; i < 5000; i++) {
            body.append(i == 0 ? "" : ",").append("\"\"");
        }
        JsonNode problem = problem(http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body.append("]}").toString()).exchange()
                .expectStatus().isEqualTo(HttpStatus.CONTENT_TOO_LARGE));
        assertThat(problem.get("type").asString()).isEqualTo(PROBLEMS + "body-too-large");
        assertThat(problem.get("setting").asString()).contains("inferq.gateway.limits.json");
    }

    @Test
    void aLegacyBodyOfAMillionEmptyObjectsIsRefusedBeforeItIsParsedWhole() {
        String body = "{\"user_id\":\"1\",\"text\":[" + "{},".repeat(200_000) + "{}]}";
        JsonNode problem = problem(http.post().uri("/api/v1/sentiment_classification")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isEqualTo(HttpStatus.CONTENT_TOO_LARGE));
        assertThat(problem.get("setting").asString()).contains("inferq.gateway.limits.json");
    }

    @Test
    void aMultipartBodyWithMorePartsThanAnUploadTakesIs413NamingMaxParts() {
        MultipartBodyBuilder parts = new MultipartBodyBuilder();
        for (int i = 0; i < 10; i++) {
            parts.part("field" + i, "x");
        }
        parts.part("file", new ByteArrayResource(TestImages.png(8, 8)) {
            @Override
            public String getFilename() {
                return "a.png";
            }
        }).contentType(MediaType.IMAGE_PNG);
        JsonNode problem = problem(http.post().uri("/v1/models/image/jobs")
                .body(BodyInserters.fromMultipartData(parts.build())).exchange()
                .expectStatus().isEqualTo(HttpStatus.CONTENT_TOO_LARGE));
        assertThat(problem.get("setting").asString()).isEqualTo("inferq.gateway.limits.multipart.max-parts");
    }

    @Test
    void aTenantOverTheImageBytesItMayHoldIsAnswered429() {
        byte[] image = TestImages.png(8, 8);
        int fit = 1024 / image.length;
        assertThat(fit).as("images of %d bytes under 1 KB", image.length).isPositive();
        for (int i = 0; i < fit; i++) {
            http.post().uri("/v1/models/image/jobs").header("Authorization", "Bearer " + IMAGES_KEY)
                    .contentType(MediaType.IMAGE_PNG).bodyValue(image).exchange().expectStatus().isAccepted();
        }
        JsonNode problem = problem(http.post().uri("/v1/models/image/jobs")
                .header("Authorization", "Bearer " + IMAGES_KEY).contentType(MediaType.IMAGE_PNG).bodyValue(image)
                .exchange().expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS).expectHeader().exists("Retry-After"));
        assertThat(problem.get("type").asString()).isEqualTo(PROBLEMS + "input-storage-full");
        assertThat(problem.get("setting").asString()).isEqualTo("inferq.gateway.limits.tenant-input-bytes");
    }

    @Test
    void aTenantOverItsImageDownloadsWaitsItsTurnThenIsAnswered429AndTheDownloadInFlightStillCompletes()
            throws Exception {
        try (SlowImageServer image = new SlowImageServer()) {
            Map<String, String> body = Map.of("url", image.url());
            CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> submitUrl(body));
            assertThat(image.requested()).as("the first download under way").isTrue();
            JsonNode problem = problem(patient().post().uri("/v1/models/image/jobs")
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                    .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS).expectHeader().exists("Retry-After"));
            assertThat(problem.get("type").asString()).isEqualTo(PROBLEMS + "too-many-downloads");
            assertThat(problem.get("setting").asString()).isEqualTo("inferq.gateway.limits.downloads.per-tenant");
            image.release();
            assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(202);
        }
    }

    @Test
    void aDownloadBeyondTheCapThatGetsAPlaceWithinTheWaitSucceedsAndOneMoreThanMayWaitIsRefusedAtOnce()
            throws Exception {
        QueuedPermits queued = (QueuedPermits) ReflectionTestUtils.getField(downloads, "permits");
        try (SlowImageServer image = new SlowImageServer()) {
            Map<String, String> body = Map.of("url", image.url());
            CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> submitUrl(body));
            assertThat(image.requested()).as("the first download under way").isTrue();
            CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> submitUrl(body));
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> queued.waiting(Tenants.DEFAULT) == 1);
            JsonNode problem = problem(http.post().uri("/v1/models/image/jobs").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(body).exchange().expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS));
            assertThat(problem.get("detail").asString()).contains("1 waiting");
            image.release();
            assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(202);
            assertThat(second.get(30, TimeUnit.SECONDS)).as("the waiting download, handed the place").isEqualTo(202);
        }
    }

    private int submitUrl(Map<String, String> body) {
        return patient().post().uri("/v1/models/image/jobs").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().returnResult(String.class).getStatus().value();
    }

    /** A client that outwaits a download held by the test and a wait for a place. */
    private WebTestClient patient() {
        return http.mutate().responseTimeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void aWrongJsonTypeAtTheTopNamesNoJavaClass() {
        JsonNode problem = problem(http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("\"just a string\"").exchange().expectStatus().isBadRequest());
        assertThat(problem.get("type").asString()).isEqualTo(PROBLEMS + "malformed-request");
        assertThat(problem.get("detail").asString()).doesNotContain("dev.inferq").doesNotContain("java.");
    }

    @Test
    void theFirewallsRefusalHasAProblemBody() throws IOException {
        String answer = raw("GET /v1/models/..%2F../jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
        assertThat(answer).startsWith("HTTP/1.1 400").contains("application/problem+json")
                .contains(PROBLEMS + "rejected-request");
    }

    @Test
    void aTenantOverItsEventStreamsIsAnswered429WithRetryAfter() {
        String location = http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("inputs", List.of("hello"))).exchange().expectStatus().isAccepted()
                .returnResult(String.class).getResponseHeaders().getLocation().getPath();
        List<Disposable> open = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                FluxExchangeResult<String> stream = http.get().uri(location + "/events")
                        .accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isOk()
                        .returnResult(String.class);
                open.add(stream.getResponseBody().subscribe());
            }
            WebTestClient.ResponseSpec refused = http.get().uri(location + "/events")
                    .accept(MediaType.TEXT_EVENT_STREAM, MediaType.APPLICATION_PROBLEM_JSON).exchange()
                    .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
                    .expectHeader().exists("Retry-After");
            JsonNode problem = problem(refused);
            assertThat(problem.get("type").asString()).isEqualTo(PROBLEMS + "too-many-streams");
            assertThat(problem.get("setting").asString()).isEqualTo("inferq.gateway.limits.streams.per-tenant");
            // Refused before anything is read: the same answer for a job that does not exist.
            assertThat(eventsStatus(NO_SUCH_JOB)).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        } finally {
            open.forEach(Disposable::dispose);
        }
        // Once the streams have closed, a 404 gives its permit back: three of them leave room for two streams.
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> eventsStatus(NO_SUCH_JOB) == HttpStatus.NOT_FOUND);
        for (int i = 0; i < 3; i++) {
            assertThat(eventsStatus(NO_SUCH_JOB)).isEqualTo(HttpStatus.NOT_FOUND);
        }
        for (int i = 0; i < 2; i++) {
            open.add(http.get().uri(location + "/events").accept(MediaType.TEXT_EVENT_STREAM).exchange()
                    .expectStatus().isOk().returnResult(String.class).getResponseBody().subscribe());
        }
        open.forEach(Disposable::dispose);
    }

    private HttpStatus eventsStatus(String job) {
        return HttpStatus.valueOf(http.get().uri("/v1/jobs/" + job + "/events")
                .accept(MediaType.TEXT_EVENT_STREAM, MediaType.APPLICATION_PROBLEM_JSON).exchange()
                .returnResult(String.class).getStatus().value());
    }

    @Test
    void aRequestHeadThatTricklesInIsAnswered408() throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET /v1/models HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(socket.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 408").contains(PROBLEMS + "request-timeout")
                    .contains("inferq.gateway.limits.connections.header-timeout");
        }
    }

    @Test
    void aConnectionOverTheCapIsAnswered503WithRetryAfter() throws IOException {
        List<Socket> open = new ArrayList<>();
        try {
            // Each connection asks once and stays open (keep-alive): the answer says whether it was over the cap.
            String refused = null;
            for (int i = 0; i < 60 && refused == null; i++) {
                Socket socket = new Socket("localhost", port);
                open.add(socket);
                socket.setSoTimeout(5000);
                socket.getOutputStream().write("GET /actuator/health HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] head = socket.getInputStream().readNBytes(12);
                if (!new String(head, StandardCharsets.US_ASCII).equals("HTTP/1.1 200")) {
                    refused = new String(head, StandardCharsets.US_ASCII) + readAll(socket.getInputStream());
                }
            }
            assertThat(open).as("connections until one was refused").hasSizeLessThanOrEqualTo(41);
            assertThat(refused).startsWith("HTTP/1.1 503").containsIgnoringCase("Retry-After: 5")
                    .contains(PROBLEMS + "too-many-connections")
                    .contains("inferq.gateway.limits.connections.max-open");
        } finally {
            for (Socket socket : open) {
                socket.close();
            }
        }
    }

    private JsonNode problem(WebTestClient.ResponseSpec response) {
        byte[] body = response.expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().returnResult().getResponseBody();
        return json.readTree(body);
    }

    private String raw(String request, int timeoutMillis) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(timeoutMillis);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return readAll(socket.getInputStream());
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                out.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // what arrived is the answer
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
