package dev.inferq.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.launcher.ManagedProcess;
import dev.inferq.testsupport.Ports;
import dev.inferq.testsupport.SecuredInfrastructure;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged gateway and worker against a Redis that wants a user and password and a broker that takes only
 * SASL_PLAINTEXT with PLAIN, configured by nothing but Spring Boot's environment variables
 * ({@code SPRING_DATA_REDIS_USERNAME}/{@code _PASSWORD}, {@code SPRING_KAFKA_SECURITY_PROTOCOL},
 * {@code SPRING_KAFKA_PROPERTIES_SASL_MECHANISM}/{@code _SASL_JAAS_CONFIG}): a job goes gateway, Kafka, worker and
 * back, which needs every client both services open (the producer, the worker's own consumers, the admin clients
 * behind readiness and the backlog figures, Redis commands and pub/sub). Without the Redis password each service says
 * so, by Redis's own error, rather than hanging or starting as if all were well.
 */
@Timeout(300)
class TransportSecurityIT {

    private static final String API_KEY = "transport-key-1";
    // With a rate limit, so that the limiter's own Redis connection (Bucket4j on Lettuce) is exercised too.
    private static final Map<String, String> AUTH = Map.of("INFERQ_AUTH_MODE", "required",
            "INFERQ_API_KEYS", "transport:" + API_KEY, "INFERQ_QUOTA_RATE", "50");
    private static final Duration READY = Duration.ofSeconds(120);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void servicesReachPasswordRedisAndSaslKafkaByConfigurationAndSayWhenTheyCannot() throws Exception {
        try (SecuredInfrastructure secured = new SecuredInfrastructure();
                PlatformProcesses platform = new PlatformProcesses("transport-security",
                        with(secured.environment(), AUTH));
                ManagedProcess securedWorker = platform.startWorker("worker", List.of("sentiment"))) {

            HttpResponse<String> done = http.send(HttpRequest.newBuilder(
                            URI.create(platform.gatewayUrl() + "/v1/models/sentiment/jobs"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + API_KEY)
                    .header("Prefer", "wait=30")
                    .timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [\"what a lovely evening\"]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
            assertThat(done.body()).contains("\"status\":\"SUCCEEDED\"");

            HttpResponse<String> ready = get(platform.gatewayUrl() + "/actuator/health/readiness");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(ready.body().replace(" ", ""))
                    .contains("\"redis\":{\"status\":\"UP\"}", "\"kafka\":{\"status\":\"UP\"}");
            // The backlog monitor's admin client read the topic's offsets over SASL: a figure, not NaN.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(get(platform.gatewayUrl()
                    + "/actuator/prometheus").body().lines()
                    .filter(line -> line.startsWith("inferq_backlog_jobs{") && line.contains("model=\"sentiment\"")))
                    .singleElement().asString().doesNotEndWith("NaN"));

            Map<String, String> noRedisPassword = Map.of("SPRING_DATA_REDIS_USERNAME", "",
                    "SPRING_DATA_REDIS_PASSWORD", "", "GATEWAY_PORT", Integer.toString(Ports.freePort()));
            ManagedProcess gateway = platform.start("gateway-no-redis-password", PlatformProcesses.GATEWAY_JAR,
                    with(noRedisPassword, AUTH));
            ManagedProcess worker = platform.start("worker-wrong-redis-password", PlatformProcesses.WORKER_JAR,
                    Map.of("SPRING_DATA_REDIS_PASSWORD", "not-the-password", "WORKER_MODELS", "sentiment",
                            "WORKER_PORT", Integer.toString(Ports.freePort())));
            try {
                // The gateway's job-event listener subscribes at start: refused, the context fails and the process
                // ends, the cause in its log.
                int exit = gateway.awaitExit(READY).orElseThrow(() -> new AssertionError(
                        "the gateway without the Redis password still runs after " + READY.toSeconds() + " s"));
                assertThat(exit).as("exit code").isNotZero();
                assertThat(log(gateway)).contains("NOAUTH");
                await().atMost(READY).untilAsserted(() -> assertThat(log(worker)).as("worker log")
                        .contains("Redis refused this worker's login (WRONGPASS"));
            } finally {
                gateway.stop(Duration.ofSeconds(10));
                worker.stop(Duration.ofSeconds(20));
            }
        }
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String log(ManagedProcess process) throws IOException {
        return Files.exists(process.logFile()) ? Files.readString(process.logFile()) : "";
    }

    private static Map<String, String> with(Map<String, String> base, Map<String, String> more) {
        Map<String, String> all = new HashMap<>(base);
        all.putAll(more);
        return all;
    }
}
