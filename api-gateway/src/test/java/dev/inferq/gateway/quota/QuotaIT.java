package dev.inferq.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.gateway.jobs.JobService;
import dev.inferq.gateway.jobs.Preferences;
import dev.inferq.gateway.jobs.Submission;
import dev.inferq.gateway.jobs.SubmitOptions;
import dev.inferq.gateway.problems.ApiException;
import dev.inferq.testsupport.RealInfrastructure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;

/**
 * Per-tenant quotas on a gateway with a real Redis and a real Kafka broker, and no worker: the rate limit over HTTP
 * (the default tenant: {@value #DEFAULT_BURST} jobs, then one every 100 s), refill and the cap on queued jobs through
 * {@link JobService} with tenants of their own (names fresh per run, so state left in the shared Redis by another run
 * cannot count), and two rate limiters standing for two gateway replicas.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "inferq.auth.mode=open",
    "inferq.gateway.seed.result-wait=1s",
    "inferq.quota.tenants.default.rate=0.01",
    "inferq.quota.tenants.default.burst=" + QuotaIT.DEFAULT_BURST
})
@AutoConfigureWebTestClient
class QuotaIT {

    static final int DEFAULT_BURST = 3;
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String REFILLING = "refilling-" + RUN;
    private static final String CAPPED = "capped-" + RUN;
    private static final String NEIGHBOUR = "neighbour-" + RUN;

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        RealInfrastructure.shared().springProperties().forEach((key, value) -> registry.add(key, () -> value));
        registry.add("inferq.quota.tenants." + REFILLING + ".rate", () -> 1);
        registry.add("inferq.quota.tenants." + REFILLING + ".burst", () -> 1);
        registry.add("inferq.quota.tenants." + CAPPED + ".max-queued", () -> 2);
        registry.add("inferq.quota.tenants." + NEIGHBOUR + ".max-queued", () -> 2);
    }

    @Autowired
    WebTestClient http;

    @Autowired
    JobService jobs;

    @Autowired
    JobStore store;

    @Autowired
    TenantRateLimiter limiter;

    @Autowired
    MeterRegistry meters;

    @Test
    void aBurstOverTheBucketIsRefusedWith429RetryAfterAndRateLimitFieldsOnEveryRoute() {
        double refusedBefore = refused();
        for (int remaining = DEFAULT_BURST - 1; remaining >= 0; remaining--) {
            submit(null).expectStatus().isAccepted()
                    .expectHeader().valueEquals(RateLimitFields.POLICY_HEADER, "\"rate\";q=3;w=300")
                    .expectHeader().valueMatches(RateLimitFields.LIMIT_HEADER, "\"rate\";r=" + remaining + ";t=\\d+");
        }

        String key = "over-the-rate-" + RUN;
        String retryAfter = submit(key).expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals(RateLimitFields.POLICY_HEADER, "\"rate\";q=3;w=300")
                .expectBody().jsonPath("$.detail").value(String.class, detail -> assertThat(detail)
                        .contains("tenant 'default'", "rate limit of 0.01 jobs/s (burst 3)"))
                .returnResult().getResponseHeaders().getFirst("Retry-After");
        assertThat(Long.parseLong(retryAfter)).as("a token comes every 100 s").isBetween(90L, 100L);
        submit(key).expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
                .expectHeader().valueMatches(RateLimitFields.LIMIT_HEADER, "\"rate\";r=0;t=\\d+");

        http.post().uri("/api/v1/sentiment_classification").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"user_id\": \"1\", \"text\": [\"hello\"]}").exchange()
                .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
                .expectHeader().exists("Retry-After")
                .expectHeader().exists(RateLimitFields.LIMIT_HEADER);
        assertThat(refused() - refusedBefore).isEqualTo(3);
    }

    @Test
    void aRefusedTenantIsAcceptedAgainOnceItsBucketRefills() {
        Submission submission = text(REFILLING);
        assertThat(jobs.submit(submission).block()).isNotNull();
        assertThat(refusal(submission)).isNotNull().extracting(ApiException::status)
                .isEqualTo(HttpStatus.TOO_MANY_REQUESTS);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> refusal(submission) == null);
    }

    @Test
    void twoGatewaysTakeFromTheSameBucket() {
        String tenant = "shared-" + RUN;
        TenantQuota quota = TenantQuota.of(0.01, 2, 0);
        RealInfrastructure infra = RealInfrastructure.shared();
        LettuceConnectionFactory otherRedis = infra.redisConnections();
        TenantRateLimiter otherGateway = new TenantRateLimiter(otherRedis);
        try {
            assertThat(limiter.tryTake(tenant, quota).block().getRemainingTokens()).isEqualTo(1);
            assertThat(otherGateway.tryTake(tenant, quota).block().isConsumed()).isTrue();
            assertThat(limiter.tryTake(tenant, quota).block().isConsumed()).isFalse();
            assertThat(otherGateway.tryTake(tenant, quota).block().isConsumed()).isFalse();
        } finally {
            otherGateway.destroy();
            otherRedis.destroy();
        }
    }

    @Test
    void aTenantAtMaxQueuedIsRefusedUntilOneOfItsJobsIsCancelledWhileOthersAreUnaffected() {
        JobRecord first = jobs.submit(text(CAPPED)).block();
        jobs.submit(text(CAPPED)).block();

        ApiException refused = refusal(text(CAPPED));
        assertThat(refused).isNotNull();
        assertThat(refused.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        assertThat(refused.retryAfter()).isPositive();
        assertThat(refused.getMessage()).contains("tenant '" + CAPPED + "' has 2 jobs queued or running (limit 2)");
        assertThat(refusal(text(NEIGHBOUR))).as("another tenant's cap is its own").isNull();

        assertThat(store.transition(first.cancelled(Instant.now())).block().applied()).isTrue();
        assertThat(refusal(text(CAPPED))).isNull();
        assertThat(refusal(text(CAPPED))).isNotNull();
    }

    private static Submission text(String tenant) {
        return Submission.texts("sentiment", new JobInput.Texts(List.of("hello")),
                new SubmitOptions(null, null, null, Preferences.parse(null), false, tenant));
    }

    /** The 429 (or other refusal) {@code submission} gets, or null when it is accepted. */
    private ApiException refusal(Submission submission) {
        return jobs.submit(submission).then(Mono.<ApiException>empty())
                .onErrorResume(ApiException.class, Mono::just)
                .block(Duration.ofSeconds(15));
    }

    private WebTestClient.ResponseSpec submit(String idempotencyKey) {
        return http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                .headers(headers -> {
                    if (idempotencyKey != null) {
                        headers.set("Idempotency-Key", idempotencyKey);
                    }
                })
                .bodyValue("{\"inputs\": [\"hello\"]}").exchange();
    }

    private double refused() {
        return meters.find("inferq.jobs.refused").tags("model", "sentiment", "status", "429").counters().stream()
                .mapToDouble(Counter::count).sum();
    }
}
