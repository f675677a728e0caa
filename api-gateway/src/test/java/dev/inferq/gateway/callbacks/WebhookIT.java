package dev.inferq.gateway.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.Prediction;
import dev.inferq.testsupport.Ports;
import dev.inferq.testsupport.RealInfrastructureProperties;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * Webhooks against a real Redis and broker, with a receiver on loopback (allow-listed for the test): the delivery is
 * signed the Standard Webhooks way, a receiver that is down and then up still gets it, and callbacks to local or
 * metadata addresses that are not allow-listed are refused at the door. No worker runs: the test moves jobs on itself.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.gateway.callbacks.secret=" + WebhookIT.SECRET,
    "inferq.gateway.callbacks.allowlist=127.0.0.1",
    "inferq.gateway.callbacks.initial-backoff=200ms",
    "inferq.gateway.callbacks.max-backoff=400ms",
    "inferq.gateway.callbacks.poll-interval=100ms",
    "inferq.gateway.callbacks.timeout=2s"
})
@AutoConfigureWebTestClient
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class WebhookIT {

    static final String SECRET = "whsec_dGVzdC1zZWNyZXQtb2YtdGhpcy13ZWJob29rLXRlc3Q=";


    @Autowired
    WebTestClient http;

    @Autowired
    JobStore store;

    private final List<Delivery> received = new CopyOnWriteArrayList<>();
    private HttpServer receiver;

    private record Delivery(String id, String timestamp, String signature, String body) {
    }

    @AfterEach
    void stopReceiver() {
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void aFinishedJobIsPostedToItsCallbackSignedAndTheJobShowsTheDelivery() throws Exception {
        int port = startReceiver(0);
        String id = submit("http://127.0.0.1:" + port + "/hooks/inferq?tenant=a");
        finish(id);

        Delivery delivery = await().atMost(Duration.ofSeconds(20)).until(() -> received.stream().findFirst(),
                java.util.Optional::isPresent).orElseThrow();

        assertThat(delivery.id()).isEqualTo("job_" + id);
        assertThat(Long.parseLong(delivery.timestamp())).isCloseTo(Instant.now().getEpochSecond(),
                org.assertj.core.api.Assertions.within(60L));
        assertThat(delivery.signature()).isEqualTo(expectedSignature(delivery));
        JsonNode body = JobCodec.mapper().readTree(delivery.body());
        assertThat(body.path("id").asString()).isEqualTo(id);
        assertThat(body.path("status").asString()).isEqualTo("SUCCEEDED");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> http.get().uri("/v1/jobs/{id}", id).exchange()
                .expectBody()
                .jsonPath("$.callback.attempts").isEqualTo(1)
                .jsonPath("$.callback.last_status").isEqualTo(204)
                .jsonPath("$.callback.delivered_at").isNotEmpty());
        assertThat(received).hasSize(1);
    }

    @Test
    void aReceiverThatIsDownThenUpStillGetsTheDelivery() throws Exception {
        int port = Ports.freePort();
        String id = submit("http://127.0.0.1:" + port + "/late");
        finish(id);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> http.get().uri("/v1/jobs/{id}", id).exchange()
                .expectBody()
                .jsonPath("$.callback.attempts").value(Integer.class, attempts -> assertThat(attempts).isGreaterThan(1))
                .jsonPath("$.callback.last_status").isEqualTo(-1)
                .jsonPath("$.callback.delivered_at").isEmpty());
        startReceiver(port);

        await().atMost(Duration.ofSeconds(20)).until(() -> !received.isEmpty());
        assertThat(received.get(0).signature()).isEqualTo(expectedSignature(received.get(0)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> http.get().uri("/v1/jobs/{id}", id).exchange()
                .expectBody().jsonPath("$.callback.delivered_at").isNotEmpty());
    }

    @Test
    void callbacksToLocalOrMetadataAddressesAreRefusedUnlessAllowListed() {
        for (String url : List.of("http://169.254.169.254/latest/meta-data", "http://10.0.0.7/hook",
                "http://[::1]/hook", "file:///etc/passwd", "http://user:pw@example.org/hook")) {
            http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("inputs", List.of("hi"), "callback_url", url)).exchange()
                    .expectStatus().isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT)
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.field").isEqualTo("callback_url")
                    .jsonPath("$.detail").value(String.class, detail -> assertThat(detail).contains("was refused"));
        }
    }

    private String submit(String callbackUrl) {
        return http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("inputs", List.of("call me back"), "callback_url", callbackUrl)).exchange()
                .expectStatus().isAccepted()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody().get("id").toString();
    }

    /** What a worker does with the job: starts it and stores its result. */
    private void finish(String id) {
        JobRecord queued = store.find(new JobId(id)).block(Duration.ofSeconds(5));
        JobRecord running = queued.running(Instant.now(), "test-worker");
        store.transition(running).block(Duration.ofSeconds(5));
        Prediction prediction = Prediction.fromRanked(List.of(new Prediction.LabelScore("positive", 0.9),
                new Prediction.LabelScore("negative", 0.1)));
        assertThat(store.transition(running.succeeded(List.of(prediction), Instant.now())).block(Duration.ofSeconds(5))
                .applied()).isTrue();
    }

    private int startReceiver(int port) throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        receiver.createContext("/", exchange -> {
            received.add(new Delivery(exchange.getRequestHeaders().getFirst("webhook-id"),
                    exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    exchange.getRequestHeaders().getFirst("webhook-signature"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        return receiver.getAddress().getPort();
    }

    /** The signature as a Standard Webhooks receiver computes it, independently of the gateway's signer. */
    private static String expectedSignature(Delivery delivery) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring("whsec_".length())), "HmacSHA256"));
        byte[] digest = mac.doFinal((delivery.id() + "." + delivery.timestamp() + "." + delivery.body())
                .getBytes(StandardCharsets.UTF_8));
        return "v1," + Base64.getEncoder().encodeToString(digest);
    }
}
