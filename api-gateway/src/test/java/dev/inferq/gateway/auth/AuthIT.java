package dev.inferq.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobId;
import dev.inferq.gateway.SecurityHeaders;
import dev.inferq.testsupport.RealInfrastructureProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * API keys in required mode against real Redis and Kafka: who gets in, whose jobs they see, keys made and revoked at
 * run time, CORS, and the security headers on every kind of answer.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.auth.mode=required",
    "inferq.auth.api-keys=a:key-a,b:key-b,b:key-b2",
    "inferq.auth.admin-key=the-admin-key",
    "inferq.cors.allowed-origins=https://app.example.org",
    "inferq.gateway.seed.result-wait=1s"
})
// Generous: the first requests of a fresh context on a busy 2-core machine can take seconds.
@AutoConfigureWebTestClient(timeout = "PT30S")
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class AuthIT {

    private static final String KEY_A = "key-a";
    private static final String KEY_B = "key-b";
    private static final String ADMIN = "the-admin-key";
    private static final String TEXTS = "{\"inputs\": [\"I loved it\"]}";


    @Autowired
    WebTestClient http;

    @Autowired
    JobStore store;

    @Test
    void withoutAKeyTheApiAnswers401WithABearerChallengeAndAProblem() {
        for (WebTestClient.RequestHeadersSpec<?> request : List.of(
                http.get().uri("/v1/models"),
                http.get().uri("/v1/jobs/{id}", JobId.random().value()),
                http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON).bodyValue(TEXTS),
                http.post().uri("/api/v1/sentiment_classification").contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"user_id\": \"1\", \"text\": [\"x\"]}"))) {
            problem(request.exchange()
                    .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"inferq\""),
                    HttpStatus.UNAUTHORIZED, "needs an API key");
        }
    }

    @Test
    void aWrongKeyOrAnotherSchemeIs401() {
        for (String header : List.of("Bearer not-a-key", "Basic YTpiOmM=", "Bearer ", "key-a")) {
            problem(http.get().uri("/v1/models").header(HttpHeaders.AUTHORIZATION, header).exchange()
                    .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE,
                            "Bearer realm=\"inferq\", error=\"invalid_token\""),
                    HttpStatus.UNAUTHORIZED, null);
        }
        problem(http.get().uri("/v1/models").header(HttpHeaders.AUTHORIZATION, "Bearer not-a-key").exchange(),
                HttpStatus.UNAUTHORIZED, "unknown or revoked");
    }

    @Test
    void healthDocsConsoleAndPrometheusNeedNoKeyButOtherActuatorEndpointsNeedTheAdminKey() {
        for (String open : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/prometheus",
                "/openapi.json", "/console/", "/console/app.js")) {
            http.get().uri(open).exchange().expectStatus().isOk();
        }
        // A stale or wrong key on an open path is not judged there.
        http.get().uri("/actuator/health").header(HttpHeaders.AUTHORIZATION, "Bearer stale").exchange()
                .expectStatus().isOk();
        http.get().uri("/docs").exchange().expectStatus().is3xxRedirection();
        http.get().uri("/").accept(MediaType.APPLICATION_JSON).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.Status").isEqualTo("Running");

        problem(http.get().uri("/actuator/metrics").exchange(), HttpStatus.UNAUTHORIZED, null);
        problem(withKey(http.get().uri("/actuator/metrics"), KEY_A).exchange(), HttpStatus.FORBIDDEN, null);
        withKey(http.get().uri("/actuator/metrics"), ADMIN).exchange().expectStatus().isOk();
    }

    @Test
    void anotherTenantsJobIsNotFoundExactlyLikeAnUnknownOne() {
        String id = submit(KEY_A, TEXTS, null);
        assertThat(store.find(new JobId(id)).block(Duration.ofSeconds(5)).tenant()).isEqualTo("a");
        withKey(http.get().uri("/v1/jobs/{id}", id), KEY_A).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.id").isEqualTo(id);

        String unknown = JobId.random().value();
        Map<String, Object> unknownPoll = problem(withKey(http.get().uri("/v1/jobs/{id}", unknown), KEY_B)
                .exchange(), HttpStatus.NOT_FOUND, "does not exist");
        for (WebTestClient.RequestHeadersSpec<?> asB : List.of(
                withKey(http.get().uri("/v1/jobs/{id}", id), KEY_B),
                withKey(http.get().uri("/v1/jobs/{id}", id), "key-b2"),
                withKey(http.post().uri("/v1/jobs/{id}/cancel", id), KEY_B),
                withKey(http.delete().uri("/v1/jobs/{id}", id), KEY_B))) {
            Map<String, Object> answer = problem(asB.exchange(), HttpStatus.NOT_FOUND, null);
            assertThat(answer.get("title")).isEqualTo(unknownPoll.get("title"));
            assertThat(answer.get("detail")).isEqualTo(unknownPoll.get("detail").toString().replace(unknown, id));
        }
        assertThat(eventsAnswer(id, KEY_B)).isEqualTo(eventsAnswer(unknown, KEY_B).replace(unknown, id));
        // b's attempts changed nothing: a can still cancel its queued job.
        withKey(http.post().uri("/v1/jobs/{id}/cancel", id), KEY_A).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("CANCELLED");
    }

    @Test
    void aLegacyJobBelongsToItsTenantToo() {
        String location = withKey(http.post().uri("/api/v1/sentiment_classification"), KEY_A)
                .header("Prefer", "respond-async")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"user_id\": \"1\", \"text\": [\"x\"]}")
                .exchange()
                .expectStatus().isAccepted()
                .returnResult(Void.class).getResponseHeaders().getFirst(HttpHeaders.LOCATION);
        problem(withKey(http.get().uri(location), KEY_B).exchange(), HttpStatus.NOT_FOUND, "does not exist");
        withKey(http.get().uri(location), KEY_A).exchange().expectStatus().isOk();
    }

    @Test
    void idempotencyKeysAreEachTenantsOwn() {
        String key = "order-" + UUID.randomUUID();
        String forA = submit(KEY_A, TEXTS, key);
        String forB = submit(KEY_B, TEXTS, key);
        assertThat(forB).isNotEqualTo(forA);
        assertThat(submit(KEY_A, TEXTS, key)).isEqualTo(forA);
        assertThat(submit("key-b2", TEXTS, key)).as("another key of the same tenant").isEqualTo(forB);
        assertThat(store.find(new JobId(forB)).block(Duration.ofSeconds(5)).tenant()).isEqualTo("b");
    }

    @Test
    void theAdminCreatesListsAndRevokesKeys() {
        Map<String, Object> issued = body(withKey(http.post().uri("/v1/admin/keys"), ADMIN)
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"tenant\": \"c\"}").exchange()
                .expectStatus().isCreated());
        String key = (String) issued.get("key");
        String keyId = (String) issued.get("id");
        assertThat(issued).containsEntry("tenant", "c").containsKey("created_at");
        assertThat(key).startsWith("iq_").hasSizeGreaterThan(40);

        String id = submit(key, TEXTS, null);
        assertThat(store.find(new JobId(id)).block(Duration.ofSeconds(5)).tenant()).isEqualTo("c");
        problem(withKey(http.get().uri("/v1/jobs/{id}", id), KEY_A).exchange(), HttpStatus.NOT_FOUND, null);

        byte[] list = withKey(http.get().uri("/v1/admin/keys"), ADMIN).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.keys[?(@.id == '" + keyId + "')].tenant").isEqualTo(List.of("c"))
                .jsonPath("$.keys[?(@.id == '" + keyId + "')].source").isEqualTo(List.of("admin"))
                .jsonPath("$.keys[?(@.tenant == 'b')].source").isEqualTo(List.of("config", "config"))
                .returnResult().getResponseBodyContent();
        assertThat(new String(list, StandardCharsets.UTF_8)).doesNotContain(key).doesNotContain(ApiKeyStore.hash(key))
                .doesNotContain(KEY_A).doesNotContain(ApiKeyStore.hash(KEY_A));

        withKey(http.delete().uri("/v1/admin/keys/{id}", keyId), ADMIN).exchange().expectStatus().isNoContent();
        problem(withKey(http.get().uri("/v1/models"), key).exchange(), HttpStatus.UNAUTHORIZED, "revoked");
        problem(withKey(http.delete().uri("/v1/admin/keys/{id}", keyId), ADMIN).exchange(), HttpStatus.NOT_FOUND,
                "does not exist or was revoked");
        problem(withKey(http.delete().uri("/v1/admin/keys/{id}", "config-a-1"), ADMIN).exchange(),
                HttpStatus.CONFLICT, "INFERQ_API_KEYS");
        problem(withKey(http.post().uri("/v1/admin/keys"), ADMIN).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"tenant\": \"no:colons\"}").exchange(), HttpStatus.UNPROCESSABLE_CONTENT, "tenant");
    }

    @Test
    void adminRoutesRefuseTenantsWith403AndTheAdminKeyIsNoTenant() {
        problem(withKey(http.get().uri("/v1/admin/keys"), KEY_A).exchange(), HttpStatus.FORBIDDEN,
                "only the admin key");
        problem(http.get().uri("/v1/admin/keys").exchange(), HttpStatus.UNAUTHORIZED, "admin key");
        problem(withKey(http.post().uri("/v1/models/sentiment/jobs"), ADMIN).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(TEXTS).exchange(), HttpStatus.FORBIDDEN, "tenant's key");
    }

    @Test
    void corsAllowsOnlyTheListedOrigins() {
        http.options().uri("/v1/models")
                .header(HttpHeaders.ORIGIN, "https://evil.example.net")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "GET")
                .exchange()
                .expectStatus().isForbidden()
                .expectHeader().doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN);
        http.options().uri("/v1/models")
                .header(HttpHeaders.ORIGIN, "https://app.example.org")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, "authorization, content-type")
                .exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "https://app.example.org")
                .expectHeader().value(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS,
                        headers -> assertThat(headers.toLowerCase()).contains("authorization"));
        withKey(http.get().uri("/v1/models"), KEY_A).header(HttpHeaders.ORIGIN, "https://evil.example.net")
                .exchange().expectStatus().isForbidden();
    }

    @Test
    void everyAnswerCarriesTheSecurityHeaders() {
        List<WebTestClient.ResponseSpec> answers = List.of(
                withKey(http.get().uri("/v1/models"), KEY_A).exchange().expectStatus().isOk(),
                http.get().uri("/v1/models").exchange().expectStatus().isUnauthorized(),
                withKey(http.get().uri("/v1/jobs/{id}", JobId.random().value()), KEY_A).exchange()
                        .expectStatus().isNotFound(),
                withKey(http.get().uri("/v1/admin/keys"), KEY_A).exchange().expectStatus().isForbidden(),
                http.get().uri("/console/").exchange().expectStatus().isOk());
        for (WebTestClient.ResponseSpec answer : answers) {
            answer.expectHeader().valueEquals("X-Content-Type-Options", "nosniff")
                    .expectHeader().valueEquals("X-Frame-Options", "DENY")
                    .expectHeader().valueEquals("Referrer-Policy", "no-referrer")
                    .expectHeader().valueEquals("Content-Security-Policy",
                            SecurityHeaders.CONTENT_SECURITY_POLICY);
        }
        withKey(http.get().uri("/v1/models"), KEY_A).exchange()
                .expectHeader().value(HttpHeaders.CACHE_CONTROL, value -> assertThat(value).contains("no-store"));
        // HSTS only over HTTPS: a plain HTTP answer must not pin the browser to a scheme the server does not serve.
        withKey(http.get().uri("/v1/models"), KEY_A).exchange()
                .expectHeader().doesNotExist("Strict-Transport-Security");
    }

    /** Status and body of {@code GET /v1/jobs/{id}/events}, for a 404 whatever its content type. */
    private String eventsAnswer(String id, String key) {
        EntityExchangeResult<String> result = withKey(http.get().uri("/v1/jobs/{id}/events", id)
                .accept(MediaType.TEXT_EVENT_STREAM), key).exchange()
                .expectStatus().isNotFound()
                .expectBody(String.class).returnResult();
        return result.getStatus() + " " + result.getResponseBody();
    }

    private String submit(String key, String json, String idempotencyKey) {
        WebTestClient.RequestBodySpec request = withKey(http.post().uri("/v1/models/sentiment/jobs"), key)
                .contentType(MediaType.APPLICATION_JSON);
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return (String) body(request.bodyValue(json).exchange().expectStatus().isAccepted()).get("id");
    }

    private static <S extends WebTestClient.RequestHeadersSpec<?>> S withKey(S request, String key) {
        request.header(HttpHeaders.AUTHORIZATION, "Bearer " + key);
        return request;
    }

    /** The problem body of {@code response}, checked to be one with {@code status} and a detail naming the cause. */
    private static Map<String, Object> problem(WebTestClient.ResponseSpec response, HttpStatus status,
            String detailPart) {
        Map<String, Object> problem = body(response.expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        assertThat(problem).containsEntry("status", status.value()).containsKeys("title", "instance");
        assertThat((String) problem.get("detail")).isNotBlank().contains(detailPart == null ? "" : detailPart);
        return problem;
    }

    private static Map<String, Object> body(WebTestClient.ResponseSpec response) {
        EntityExchangeResult<Map<String, Object>> result = response
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { }).returnResult();
        return result.getResponseBody();
    }
}
