package dev.inferq.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.testsupport.RandomInputs;
import dev.inferq.testsupport.RealInfrastructureProperties;
import dev.inferq.testsupport.TestImages;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Property tests of the submit routes through the whole gateway (codecs, strict JSON, validation, problem handling)
 * on real Kafka and Redis: random JSON values, mangled JSON and random bytes, on the native and legacy routes, are
 * accepted (202) or refused with a 4xx problem body, never a 5xx; broken multipart bodies are 400 problems; and any
 * {@code Idempotency-Key} is refused or, sent twice, answered with the same job. Seeded tries
 * ({@link RandomInputs#cases}), a few hundred each, since each is a request.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.gateway.seed.result-wait=1s",
    "inferq.auth.mode=open"
})
@AutoConfigureWebTestClient
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class HostileBodiesIT {

    private static final List<String> ROUTES = List.of("/v1/models/sentiment/jobs", "/v1/models/disaster/jobs",
            "/v1/models/image/jobs", "/api/v1/sentiment_classification", "/api/v1/image_classification");


    @Autowired
    WebTestClient http;

    @LocalServerPort
    int port;

    /** A route and a body for it. */
    record Post(String route, byte[] body) {

        @Override
        public String toString() {
            return route + " " + new String(body, 0, Math.min(body.length, 60), StandardCharsets.ISO_8859_1);
        }
    }

    static Stream<?> jsonBodies() {
        return Stream.of(
                RandomInputs.cases(250, random -> new Post(ROUTES.get(random.nextInt(ROUTES.size())),
                        RandomInputs.json(random).getBytes(StandardCharsets.UTF_8))),
                RandomInputs.cases(150, random -> new Post(ROUTES.get(random.nextInt(ROUTES.size())),
                        RandomInputs.mangledJson(random).getBytes(StandardCharsets.UTF_8))),
                RandomInputs.cases(100, random -> new Post(ROUTES.get(random.nextInt(ROUTES.size())),
                        RandomInputs.bytes(random, 300))))
                .flatMap(s -> s);
    }

    @ParameterizedTest
    @MethodSource("jsonBodies")
    void anyJsonBodyIsAcceptedOrA4xxProblem(Post post) {
        EntityExchangeResult<byte[]> result = http.post().uri(post.route())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(post.body())
                .exchange()
                .expectBody().returnResult();
        assertAcceptedOrProblem(result);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno closing boundary",
        "--other\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--other--\r\n",
        "--b\r\nContent-Disposition: form-data; name=\"nofile\"\r\n\r\nx\r\n--b--\r\n",
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\nContent-Type: no slash\r\n\r\nx\r\n"
                + "--b--\r\n",
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\nContent-Type: a/b;;=\r\n\r\nx\r\n"
                + "--b--\r\n",
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\nContent-Type: \"/ a\r\n\r\nx\r\n"
                + "--b--\r\n",
        "",
        "not multipart at all"
    })
    void aBrokenMultipartBodyIsA400Problem(String body) {
        EntityExchangeResult<byte[]> result = http.post().uri("/v1/models/image/jobs")
                .contentType(MediaType.parseMediaType("multipart/form-data; boundary=b"))
                .bodyValue(body.getBytes(StandardCharsets.UTF_8))
                .exchange()
                .expectBody().returnResult();
        assertThat(result.getStatus().value()).as(new String(result.getResponseBody(), StandardCharsets.UTF_8))
                .isEqualTo(400);
        assertProblem(result);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aMultipartPixelBombOrABodyWithoutBoundaryIsA4xxProblem(boolean bomb) {
        EntityExchangeResult<byte[]> result = http.post().uri("/v1/models/image/jobs")
                .contentType(bomb ? MediaType.parseMediaType("multipart/form-data; boundary=b")
                        : MediaType.MULTIPART_FORM_DATA)
                .bodyValue(multipart(TestImages.pngBomb(16_000, 16_000)))
                .exchange()
                .expectBody().returnResult();
        assertThat(result.getStatus().is4xxClientError()).as(result.toString()).isTrue();
        assertProblem(result);
    }

    /** Sent on a raw socket: HTTP clients parse these headers themselves and refuse to send them. */
    @ParameterizedTest
    @ValueSource(strings = {"Content-Type: \"/a", "Content-Type: \"=//=", "Accept: \"/ a"})
    void aMediaTypeSpringCannotParseIsA4xxProblem(String header) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            byte[] body = "{\"inputs\": [\"fine\"]}".getBytes(StandardCharsets.US_ASCII);
            socket.getOutputStream().write(("POST /v1/models/sentiment/jobs HTTP/1.1\r\nHost: localhost\r\n"
                    + "Connection: close\r\n" + header + "\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).as(header).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
            assertThat(answer.toLowerCase(Locale.ROOT)).contains("content-type: application/problem+json");
        }
    }

    static Stream<?> idempotencyKeys() {
        return RandomInputs.cases(150, random -> switch (random.nextInt(4)) {
            case 0 -> "k".repeat(random.nextInt(400));
            // What an HTTP client sends (RFC 9110 field-content): Latin-1 without controls, and no leading space,
            // which clients refuse to send and servers strip.
            case 1 -> RandomInputs.headerText(random, 1 + random.nextInt(60))
                    .replaceAll("[^\\x20-\\x7e\\xa0-\\xff]", "x")
                    .replaceFirst("^ +", "");
            default -> Long.toHexString(random.nextLong()) + "-" + random.nextInt(1000);
        });
    }

    @ParameterizedTest
    @MethodSource("idempotencyKeys")
    void anyIdempotencyKeyIsRefusedOrNamesOneJob(String key) {
        EntityExchangeResult<byte[]> first = submitWithKey(key);
        EntityExchangeResult<byte[]> second = submitWithKey(key);
        assertAcceptedOrProblem(first);
        assertAcceptedOrProblem(second);
        if (first.getStatus().value() == 202 && second.getStatus().value() == 202) {
            assertThat(second.getResponseHeaders().getLocation()).isEqualTo(first.getResponseHeaders().getLocation());
        }
    }

    private EntityExchangeResult<byte[]> submitWithKey(String key) {
        return http.post().uri("/v1/models/sentiment/jobs")
                .contentType(MediaType.APPLICATION_JSON)
                .header("Idempotency-Key", key)
                .bodyValue("{\"inputs\": [\"the same job twice\"]}")
                .exchange()
                .expectBody().returnResult();
    }

    private static byte[] multipart(byte[] content) {
        byte[] head = ("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\r\n--b--\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[head.length + content.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(content, 0, body, head.length, content.length);
        System.arraycopy(tail, 0, body, head.length + content.length, tail.length);
        return body;
    }

    private static void assertAcceptedOrProblem(EntityExchangeResult<byte[]> result) {
        int status = result.getStatus().value();
        String body = result.getResponseBody() == null ? "" : new String(result.getResponseBody(),
                StandardCharsets.UTF_8);
        assertThat(status).as("status, body %s", body).satisfiesAnyOf(
                s -> assertThat(s).isIn(200, 202),
                s -> assertThat(s).isBetween(400, 499));
        if (status >= 400) {
            assertProblem(result);
        }
    }

    private static void assertProblem(EntityExchangeResult<byte[]> result) {
        assertThat(result.getResponseHeaders().getContentType())
                .as("content type of a %d", result.getStatus().value())
                .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8)).contains("\"detail\"");
    }
}
