package dev.inferq.client;

import static dev.inferq.client.StubGateway.ID;
import static dev.inferq.client.StubGateway.job;
import static dev.inferq.client.StubGateway.sendAccepted;
import static dev.inferq.client.StubGateway.sendJob;
import static dev.inferq.client.StubGateway.sendProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.contract.JobStatus;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a client built with no retry settings does: retries busy answers and lost connections, submits included. */
@Timeout(30)
class DefaultRetriesTest {

    private final StubGateway gateway = new StubGateway();
    private final InferqClient client = InferqClient.builder(gateway.uri())
            .retries(RetryPolicy.defaults().withInitialDelay(Duration.ofMillis(20))).build();

    @AfterEach
    void stop() {
        client.close();
        gateway.close();
    }

    @Test
    void aRetriedSubmitCarriesTheSameMadeUpIdempotencyKey() {
        AtomicInteger calls = new AtomicInteger();
        gateway.answer((request, exchange) -> {
            if (calls.incrementAndGet() == 1) {
                exchange.getResponseHeaders().set("Retry-After", "0");
                sendProblem(exchange, 503, "{\"title\":\"Service unavailable\",\"status\":503}");
            } else {
                sendAccepted(exchange);
            }
        });

        assertThat(client.submitTexts("sentiment", List.of("x")).id()).isEqualTo(ID);

        List<String> keys = gateway.requests().stream().map(r -> r.headers().getFirst("Idempotency-Key")).toList();
        assertThat(keys).hasSize(2).doesNotContainNull();
        assertThat(keys.get(1)).isEqualTo(keys.get(0));
        assertThat(UUID.fromString(keys.get(0))).isNotNull();
    }

    @Test
    void eachSubmitGetsAKeyOfItsOwn() {
        gateway.answer((request, exchange) -> sendAccepted(exchange));

        client.submitTexts("sentiment", List.of("x"));
        client.submitTexts("sentiment", List.of("x"));

        assertThat(gateway.requests()).extracting(r -> r.headers().getFirst("Idempotency-Key"))
                .doesNotHaveDuplicates();
    }

    @Test
    void aConnectionClosedWithoutAnAnswerIsRetried() {
        AtomicInteger calls = new AtomicInteger();
        gateway.answer((request, exchange) -> {
            if (calls.incrementAndGet() > 1) {
                sendAccepted(exchange);
            }
            // The first request gets no answer: the stub closes the exchange, and with it the connection.
        });

        assertThat(client.submitTexts("sentiment", List.of("x")).id()).isEqualTo(ID);

        assertThat(gateway.requests()).hasSize(2);
        assertThat(gateway.requests().get(1).headers().getFirst("Idempotency-Key"))
                .isEqualTo(gateway.requests().get(0).headers().getFirst("Idempotency-Key"));
    }

    @Test
    void aTooManyRequestsIsRetriedAndGivenUpAfterFourAttempts() {
        gateway.answer((request, exchange) -> {
            exchange.getResponseHeaders().set("Retry-After", "0");
            sendProblem(exchange, 429, "{\"title\":\"Rate limit exceeded\",\"status\":429}");
        });

        assertThatThrownBy(() -> client.get(ID)).isInstanceOfSatisfying(InferqProblemException.class,
                problem -> assertThat(problem.kind()).isEqualTo(InferqProblemException.Kind.TOO_MANY_REQUESTS));
        assertThat(gateway.requests()).hasSize(4);
    }

    @Test
    void otherAnswersAreNotRetried() {
        gateway.answer((request, exchange) -> sendProblem(exchange, 500, "{\"title\":\"Internal error\"}"));

        assertThatThrownBy(() -> client.get(ID)).isInstanceOf(InferqProblemException.class);
        assertThat(gateway.requests()).hasSize(1);
    }

    @Test
    void aSuccessAfterARetryIsTheAnswer() {
        AtomicInteger calls = new AtomicInteger();
        gateway.answer((request, exchange) -> {
            if (calls.incrementAndGet() == 1) {
                sendProblem(exchange, 503, "{\"title\":\"Service unavailable\",\"status\":503}");
            } else {
                sendJob(exchange, job(JobStatus.RUNNING));
            }
        });

        assertThat(client.get(ID).status()).isEqualTo(JobStatus.RUNNING);
    }
}
