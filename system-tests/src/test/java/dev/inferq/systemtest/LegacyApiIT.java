package dev.inferq.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.inferq.contract.JobCodec;
import dev.inferq.testsupport.TestImages;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * The legacy synchronous API through the real queue and worker: exact field names, order, types and list lengths of
 * the answers the replaced service gave, for all three endpoints.
 */
@Timeout(300)
class LegacyApiIT {

    private static SharedPlatform platform;
    private static HttpServer images;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws IOException {
        images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] photo = TestImages.jpeg(256, 192);
        images.createContext("/photo.jpg", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "image/jpeg");
            exchange.sendResponseHeaders(200, photo.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(photo);
            }
        });
        images.start();
        platform = SharedPlatform.get();
    }

    @AfterAll
    static void stop() {
        if (images != null) {
            images.stop(0);
        }
    }

    @Test
    void rootAnswersRunning() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"Status\":\"Running\"}");
    }

    @Test
    void disasterAnswerHasTheLegacyShape() throws Exception {
        JsonNode answer = post("/api/v1/disaster_classification",
                "{\"user_id\": \"2728\", \"text\": [\"A massive earthquake has struck the city center.\"]}");

        assertTextAnswer(answer, "2728", List.of("A massive earthquake has struck the city center."),
                "tinybert-disaster-tweet", Set.of("not_disaster", "disaster"));
    }

    @Test
    void sentimentAnswerKeepsOneLabelAndScorePerTextInOrder() throws Exception {
        List<String> texts = List.of("I loved it", "Terrible service, never again", "ok");
        JsonNode answer = post("/api/v1/sentiment_classification",
                JobCodec.mapper().writeValueAsString(Map.of("user_id", "42", "text", texts)));

        assertTextAnswer(answer, "42", texts, "tinybert-sentiment-analysis", Set.of("negative", "positive"));
    }

    @Test
    void imageAnswerClassifiesTheLastUrlWithItsTopLabelsBestFirst() throws Exception {
        String base = "http://127.0.0.1:" + images.getAddress().getPort();
        List<String> urls = List.of(base + "/missing.jpg", base + "/photo.jpg");
        JsonNode answer = post("/api/v1/image_classification",
                JobCodec.mapper().writeValueAsString(Map.of("user_id", "9151", "url", urls)));

        assertThat(fieldNames(answer)).containsExactly("user_id", "url", "model_name", "label", "score",
                "prediction_time");
        assertThat(answer.path("user_id").asString()).isEqualTo("9151");
        assertThat(strings(answer.path("url"))).isEqualTo(urls);
        assertThat(answer.path("model_name").asString()).isEqualTo("vit-human-pose-classification");
        assertThat(strings(answer.path("label"))).hasSize(5).doesNotHaveDuplicates();
        List<Double> scores = numbers(answer.path("score"));
        assertThat(scores).hasSize(5).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(answer.path("prediction_time").isIntegralNumber()).isTrue();
    }

    @Test
    void anImageUrlThatAnswers404IsA4xxNotA500() throws Exception {
        String base = "http://127.0.0.1:" + images.getAddress().getPort();
        HttpResponse<String> response = send("/api/v1/image_classification",
                "{\"user_id\": \"1\", \"url\": [\"" + base + "/missing.jpg\"]}");

        assertThat(response.statusCode()).isBetween(400, 499);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(response.body()).contains("404");
    }

    private static void assertTextAnswer(JsonNode answer, String userId, List<String> texts, String modelName,
            Set<String> labels) {
        assertThat(fieldNames(answer)).containsExactly("user_id", "text", "model_name", "sentiment", "score",
                "prediction_time");
        assertThat(answer.path("user_id").isString()).isTrue();
        assertThat(answer.path("user_id").asString()).isEqualTo(userId);
        assertThat(strings(answer.path("text"))).isEqualTo(texts);
        assertThat(answer.path("model_name").asString()).isEqualTo(modelName);
        assertThat(strings(answer.path("sentiment"))).hasSize(texts.size()).allMatch(labels::contains);
        assertThat(numbers(answer.path("score"))).hasSize(texts.size()).allMatch(s -> s >= 0.5 && s <= 1.0);
        assertThat(answer.path("prediction_time").isIntegralNumber()).isTrue();
        assertThat(answer.path("prediction_time").asLong()).isNotNegative();
    }

    private JsonNode post(String path, String body) throws Exception {
        HttpResponse<String> response = send(path, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JobCodec.mapper().readTree(response.body());
    }

    private HttpResponse<String> send(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.propertyNames().forEach(names::add);
        return names;
    }

    private static List<String> strings(JsonNode array) {
        assertThat(array.isArray()).as("%s is a list", array).isTrue();
        List<String> values = new ArrayList<>();
        array.forEach(value -> {
            assertThat(value.isString()).as("%s is a string", value).isTrue();
            values.add(value.asString());
        });
        return values;
    }

    private static List<Double> numbers(JsonNode array) {
        assertThat(array.isArray()).as("%s is a list", array).isTrue();
        List<Double> values = new ArrayList<>();
        array.forEach(value -> {
            assertThat(value.isNumber()).as("%s is a number", value).isTrue();
            values.add(value.asDouble());
        });
        return values;
    }

    private URI uri(String path) {
        return URI.create(platform.gatewayUrl() + path);
    }
}
