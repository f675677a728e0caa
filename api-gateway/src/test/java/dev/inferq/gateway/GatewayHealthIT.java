package dev.inferq.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.testsupport.Ports;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.TcpForwarder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Liveness and readiness of the gateway against a real Kafka broker and a real Redis reached through a forwarder the
 * test controls: readiness goes DOWN (503) when Redis stops answering and UP again when it is back, in the same
 * process, while liveness stays UP throughout; meanwhile reading a job or following its events is a 503 with
 * {@code Retry-After}, not a 500.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "spring.data.redis.timeout=1s",
    "inferq.gateway.health.kafka.cache-for=0s"
})
@AutoConfigureWebTestClient
class GatewayHealthIT {

    private static final int REDIS_PORT = Ports.freePort();
    private static final String SOME_JOB = "AAAAAAAAAAAAAAAAAAAAAA";
    private static TcpForwarder redis = forwardRedis();

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        RealInfrastructure.shared().springProperties().forEach((key, value) -> registry.add(key, () -> value));
        registry.add("spring.data.redis.host", () -> "127.0.0.1");
        registry.add("spring.data.redis.port", () -> REDIS_PORT);
    }

    @AfterAll
    static void closeForwarder() {
        redis.close();
    }

    @Autowired
    WebTestClient http;

    @Test
    void readinessFollowsRedisWithoutARestartWhileLivenessStaysUp() {
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/actuator/health/readiness") == HttpStatus.OK);
        http.get().uri("/actuator/health/readiness").exchange()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components.redis.status").isEqualTo("UP")
                .jsonPath("$.components.kafka.status").isEqualTo("UP")
                .jsonPath("$.components.readinessState.status").isEqualTo("UP");

        redis.close();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> status("/actuator/health/readiness") == HttpStatus.SERVICE_UNAVAILABLE);
        http.get().uri("/actuator/health/readiness").exchange()
                .expectBody()
                .jsonPath("$.status").isEqualTo("DOWN")
                .jsonPath("$.components.redis.status").isEqualTo("DOWN")
                .jsonPath("$.components.kafka.status").isEqualTo("UP");
        assertThat(status("/actuator/health/liveness")).isEqualTo(HttpStatus.OK);
        for (String route : List.of("/v1/jobs/" + SOME_JOB, "/v1/jobs/" + SOME_JOB + "/events")) {
            http.get().uri(route).exchange()
                    .expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
                    .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.detail").value(String.class,
                            detail -> assertThat(detail).as(route).contains("Redis", "retry"));
        }

        redis = forwardRedis();
        await().atMost(Duration.ofSeconds(60)).until(() -> status("/actuator/health/readiness") == HttpStatus.OK);
        http.get().uri("/actuator/health/liveness").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("UP");
    }

    private HttpStatus status(String path) {
        return HttpStatus.valueOf(http.get().uri(path).exchange().returnResult(String.class).getStatus().value());
    }

    private static TcpForwarder forwardRedis() {
        RealInfrastructure infra = RealInfrastructure.shared();
        return TcpForwarder.open(REDIS_PORT, infra.redisHost(), infra.redisPort());
    }
}
