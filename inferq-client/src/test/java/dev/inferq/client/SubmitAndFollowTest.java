package dev.inferq.client;

import static dev.inferq.client.StubGateway.ID;
import static dev.inferq.client.StubGateway.event;
import static dev.inferq.client.StubGateway.job;
import static dev.inferq.client.StubGateway.openStream;
import static dev.inferq.client.StubGateway.sendAccepted;
import static dev.inferq.client.StubGateway.sendJob;
import static dev.inferq.client.StubGateway.sendProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import dev.inferq.client.InferqProblemException.Kind;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Submits that ask for the job's event stream in the same exchange ({@code Accept: text/event-stream}), against a
 * scripted stand-in for the gateway: the request, the states, a stream that breaks, refusals, and {@code classify}.
 */
@Timeout(30)
class SubmitAndFollowTest {

    private static final String STREAMS_FULL = "{\"type\":\"https://inferq.dev/problems/too-many-streams\","
            + "\"title\":\"Too many event streams\",\"status\":429,\"detail\":\"close one\"}";

    private final StubGateway gateway = new StubGateway();
    private final List<InferqClient> clients = new ArrayList<>();
    private final InferqClient client = track(InferqClient.builder(gateway.uri())
            .requestTimeout(Duration.ofSeconds(5)).retries(RetryPolicy.none()));

    @AfterEach
    void stopGateway() {
        clients.forEach(InferqClient::close);
        gateway.close();
    }

    private InferqClient track(InferqClient.Builder builder) {
        InferqClient built = builder.build();
        clients.add(built);
        return built;
    }

    @Test
    void eachKindOfSubmitIsAnsweredItsJobsEventsInOneExchange() {
        gateway.answer((request, exchange) -> stream(exchange, JobStatus.QUEUED, JobStatus.RUNNING,
                JobStatus.SUCCEEDED));
        SubmitOptions options = SubmitOptions.none().withIdempotencyKey("key-1").withWait(Duration.ofSeconds(5));

        List<List<JobStatus>> followed = List.of(
                statuses(client.submitTextsAndFollow("sentiment", List.of("I loved it"), options)),
                statuses(client.submitImageAndFollow("image", new byte[] {1, 2}, "image/png", options)),
                statuses(client.submitImageUrlAndFollow("image", URI.create("https://example.org/a.jpg"), options)));

        assertThat(followed).allSatisfy(states -> assertThat(states)
                .containsExactly(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED));
        List<StubGateway.Request> sent = gateway.requests();
        assertThat(sent).hasSize(3).allSatisfy(request -> {
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.headers().getFirst("Accept")).isEqualTo("text/event-stream");
            assertThat(request.headers().getFirst("Idempotency-Key")).isEqualTo("key-1");
            // The stream waits for the job: a Prefer: wait would only hold its start back.
            assertThat(request.headers().containsKey("Prefer")).isFalse();
        });
        assertThat(JobCodec.mapper().readTree(sent.get(0).bodyText()).path("inputs").get(0).asString())
                .isEqualTo("I loved it");
        assertThat(sent.get(1).headers().getFirst("Content-Type")).isEqualTo("image/png");
        assertThat(JobCodec.mapper().readTree(sent.get(2).bodyText()).path("url").asString())
                .isEqualTo("https://example.org/a.jpg");
    }

    @Test
    void aStreamThatBreaksAfterTheSubmitGoesOnWithTheEventsOfTheJobItsLocationNames() {
        gateway.answer((request, exchange) -> {
            if (request.method().equals("POST")) {
                stream(exchange, JobStatus.QUEUED);
            } else {
                stream(exchange, JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED);
            }
        });

        List<JobProgress> states;
        try (Stream<JobProgress> stream = client.submitTextsAndFollow("sentiment", List.of("x"),
                SubmitOptions.none())) {
            states = stream.toList();
        }

        assertThat(states).extracting(progress -> progress.job().status())
                .containsExactly(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED);
        assertThat(gateway.requests()).hasSize(2);
        StubGateway.Request reconnect = gateway.requests().get(1);
        assertThat(reconnect.method()).isEqualTo("GET");
        assertThat(reconnect.uri().getPath()).isEqualTo("/v1/jobs/" + ID.value() + "/events");
        assertThat(reconnect.headers().getFirst("Last-Event-ID")).isEqualTo("QUEUED");
    }

    @Test
    void aBusySubmitIsSentAgainWithTheSameKeyAndARefusalFailsTheStream() {
        AtomicInteger submits = new AtomicInteger();
        gateway.answer((request, exchange) -> {
            if (submits.incrementAndGet() == 1) {
                exchange.getResponseHeaders().set("Retry-After", "0");
                sendProblem(exchange, 503, "{\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"later\"}");
            } else {
                stream(exchange, JobStatus.SUCCEEDED);
            }
        });
        InferqClient retrying = track(InferqClient.builder(gateway.uri())
                .retries(RetryPolicy.defaults().withInitialDelay(Duration.ofMillis(20))));

        assertThat(statuses(retrying.submitTextsAndFollow("sentiment", List.of("x"), SubmitOptions.none())))
                .containsExactly(JobStatus.SUCCEEDED);
        assertThat(gateway.requests()).hasSize(2).extracting(request -> request.headers().getFirst("Idempotency-Key"))
                .containsOnly(gateway.requests().get(0).headers().getFirst("Idempotency-Key"));

        gateway.answer((request, exchange) -> sendProblem(exchange, 400,
                "{\"title\":\"Invalid field\",\"status\":400,\"detail\":\"inputs must not be empty\"}"));
        assertThatThrownBy(() -> retrying.submitTextsAndFollow("sentiment", List.of(), SubmitOptions.none()).toList())
                .isInstanceOfSatisfying(InferqProblemException.class,
                        problem -> assertThat(problem.kind()).isEqualTo(Kind.BAD_REQUEST));
        assertThat(gateway.requests()).hasSize(3);
    }

    @Test
    void classifyTakesOneExchangePerJob() {
        gateway.answer((request, exchange) -> stream(exchange, JobStatus.QUEUED, JobStatus.SUCCEEDED));

        JobRecord done = client.classify("sentiment", List.of("x"), Duration.ofSeconds(20));

        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.predictions()).hasSize(1);
        assertThat(gateway.requests()).singleElement().satisfies(request -> {
            assertThat(request.uri().getPath()).isEqualTo("/v1/models/sentiment/jobs");
            assertThat(request.headers().getFirst("Accept")).isEqualTo("text/event-stream");
        });
    }

    @Test
    void classifyWhereTheStreamsAreFullSubmitsWithPreferWaitInstead() {
        gateway.answer((request, exchange) -> {
            if ("text/event-stream".equals(request.headers().getFirst("Accept"))) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                sendProblem(exchange, 429, STREAMS_FULL);
            } else {
                sendJob(exchange, job(JobStatus.SUCCEEDED));
            }
        });
        InferqClient retrying = track(InferqClient.builder(gateway.uri())
                .retries(RetryPolicy.defaults().withInitialDelay(Duration.ofMillis(20))));

        JobRecord done = retrying.classify("sentiment", List.of("x"), Duration.ofSeconds(5));

        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        // The stream refusal is not retried: nothing was created, and a plain submit needs no stream.
        assertThat(gateway.requests()).hasSize(2);
        assertThat(gateway.requests().get(1).headers().getFirst("Prefer")).isEqualTo("wait=5");
    }

    @Test
    void aSubmitAnsweredAsAcceptedIsFollowedByItsJobsEvents() {
        gateway.answer((request, exchange) -> {
            if (request.method().equals("POST")) {
                sendAccepted(exchange);
            } else {
                stream(exchange, JobStatus.RUNNING, JobStatus.SUCCEEDED);
            }
        });

        assertThat(statuses(client.submitTextsAndFollow("sentiment", List.of("x"), SubmitOptions.none())))
                .containsExactly(JobStatus.RUNNING, JobStatus.SUCCEEDED);
        assertThat(gateway.requests("/events")).singleElement()
                .satisfies(request -> assertThat(request.headers().containsKey("Last-Event-ID")).isFalse());
    }

    private static List<JobStatus> statuses(Stream<JobProgress> stream) {
        try (stream) {
            return stream.map(progress -> progress.job().status()).toList();
        }
    }

    /** The job's events in these states, from a submit: with the job's link, as the gateway sends it. */
    private static void stream(HttpExchange exchange, JobStatus... states) throws IOException {
        exchange.getResponseHeaders().set("Location", "/v1/jobs/" + ID.value());
        try (OutputStream stream = openStream(exchange)) {
            for (JobStatus state : states) {
                event(stream, job(state));
            }
        }
    }
}
