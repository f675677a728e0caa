package dev.inferq.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.testsupport.RealInfrastructureProperties;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests the gateway must refuse with a problem body: ones Reactor Netty turns away before routing (sent over a
 * raw socket, since HTTP clients refuse to send them or hide the answer's bytes), and JSON bodies whose fields have
 * the wrong JSON type, which must not be converted into something the client did not send.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.gateway.seed.result-wait=1s",
    // Not the defaults, so the details are seen to name the limits the decoder really applies.
    "server.netty.max-initial-line-length=6KB",
    "server.max-http-request-header-size=12KB"
})
@AutoConfigureWebTestClient
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class MalformedRequestIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();


    @LocalServerPort
    int port;

    @Autowired
    WebTestClient http;

    @Test
    void aUriLongerThanTheInitialLineLimitIs414WithAProblemBody() throws IOException {
        RawResponse response = send("GET /v1/jobs/" + "a".repeat(10 * 1024) + " HTTP/1.1\r\nHost: localhost\r\n\r\n");

        assertThat(response.status()).isEqualTo(414);
        assertProblem(response, 414, "URI Too Long");
        assertThat(response.json().get("detail").asString()).contains("longer than 6144 bytes");
        assertThat(response.headers()).containsEntry("connection", "close");
    }

    @Test
    void headersLargerThanTheLimitAre431WithAProblemBody() throws IOException {
        RawResponse response = send("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-Filler: "
                + "b".repeat(20 * 1024) + "\r\n\r\n");

        assertThat(response.status()).isEqualTo(431);
        assertProblem(response, 431, "Request Header Fields Too Large");
        assertThat(response.json().get("detail").asString()).contains("larger than 12288 bytes");
    }

    @Test
    void bytesThatAreNotHttpAre400WithAProblemBody() throws IOException {
        RawResponse response = send("GET /v1/models HTTP/9.x\r\nHost: localhost\r\n\r\n");

        assertThat(response.status()).isEqualTo(400);
        assertProblem(response, 400, "Bad Request");
        assertThat(response.json().get("detail").asString()).startsWith("the request is not valid HTTP/1.1");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            sentiment | {"inputs":[1,2]}                  | inputs[0] | must be a string, not a number
            sentiment | {"inputs":[true]}                 | inputs[0] | must be a string, not a boolean
            sentiment | {"timeout_s":"30","inputs":["a"]} | timeout_s | must be a whole number, not a string
            sentiment | {"timeout_s":30.5,"inputs":["a"]} | timeout_s | must be a whole number, not a fractional number
            sentiment | {"inputs":"a"}                    | inputs    | must be an array, not a string
            image     | {"url":5}                         | url       | must be a string, not a number
            """)
    void aJsonFieldOfTheWrongTypeIs400NamingIt(String model, String body, String field, String expected) {
        http.post().uri("/v1/models/{model}/jobs", model).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.title").isEqualTo("Malformed request")
                .jsonPath("$.field").isEqualTo(field)
                .jsonPath("$.detail").value(String.class, detail -> assertThat(detail)
                        .contains("'" + field + "' " + expected));
    }

    @Test
    void aWellTypedJobIsStillAccepted() {
        http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"inputs\":[\"ok\"],\"timeout_s\":30}").exchange()
                .expectStatus().isAccepted();
    }

    private static void assertProblem(RawResponse response, int status, String title) {
        assertThat(response.headers().get("content-type")).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(response.headers().get("content-length")).isEqualTo(String.valueOf(response.body().length));
        assertThat(response.headers()).as("the security headers of every answer")
                .containsEntry("x-content-type-options", "nosniff").containsEntry("x-frame-options", "DENY")
                .containsKey("content-security-policy").containsKey("referrer-policy");
        JsonNode problem = response.json();
        assertThat(problem.get("type").asString()).startsWith("https://inferq.dev/problems/");
        assertThat(problem.get("title").asString()).isEqualTo(title);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
    }

    /** Writes the bytes as they are and reads until the server closes, as it does after each of these refusals. */
    private RawResponse send(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return RawResponse.parse(readUntilClosed(socket.getInputStream()));
        }
    }

    private static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        int n;
        while ((n = in.read(chunk)) >= 0) {
            all.write(chunk, 0, n);
        }
        return all.toByteArray();
    }

    private record RawResponse(int status, Map<String, String> headers, byte[] body) {

        static RawResponse parse(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            assertThat(end).as("a complete response head in: %s", text).isPositive();
            String[] lines = text.substring(0, end).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            byte[] body = Arrays.copyOfRange(bytes, end + 4, bytes.length);
            return new RawResponse(Integer.parseInt(lines[0].split(" ")[1]), headers, body);
        }

        JsonNode json() {
            return JSON.readTree(body);
        }
    }
}
