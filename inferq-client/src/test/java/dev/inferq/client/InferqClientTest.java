package dev.inferq.client;

import static dev.inferq.client.StubGateway.ID;
import static dev.inferq.client.StubGateway.comment;
import static dev.inferq.client.StubGateway.event;
import static dev.inferq.client.StubGateway.job;
import static dev.inferq.client.StubGateway.openStream;
import static dev.inferq.client.StubGateway.send;
import static dev.inferq.client.StubGateway.sendAccepted;
import static dev.inferq.client.StubGateway.sendJob;
import static dev.inferq.client.StubGateway.sendProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.inferq.client.InferqProblemException.Kind;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * The client against a scripted stand-in for the gateway: request shapes, problem mapping, retries, streams. The
 * shared {@code client} does not retry, so that each refusal is seen as it is; the retry tests build their own.
 */
@Timeout(30)
class InferqClientTest {

    private final StubGateway gateway = new StubGateway();
    private final List<InferqClient> clients = new ArrayList<>();
    private final InferqClient client = track(InferqClient.builder(gateway.uri())
            .requestTimeout(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).retries(RetryPolicy.none()));
    /** The default retry policy with short pauses, as tests can afford. */
    private static final RetryPolicy QUICK_RETRIES = RetryPolicy.defaults().withInitialDelay(Duration.ofMillis(20));

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
    void textsAreSubmittedAsJsonWithTimeoutInTheQueryAndTheIdempotencyKeyAsHeader() {
        gateway.answer((request, exchange) -> sendAccepted(exchange));

        SubmittedJob job = client.submitTexts("sentiment", List.of("I loved it", "meh"),
                SubmitOptions.none().withTimeout(Duration.ofSeconds(30)).withIdempotencyKey("key-1"));

        assertThat(job.id()).isEqualTo(ID);
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job.location()).isEqualTo(URI.create("/v1/jobs/" + ID.value()));
        StubGateway.Request sent = gateway.requests().get(0);
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.uri().getPath()).isEqualTo("/v1/models/sentiment/jobs");
        assertThat(sent.uri().getQuery()).isEqualTo("timeout_s=30");
        assertThat(sent.headers().getFirst("Content-Type")).startsWith("application/json");
        assertThat(sent.headers().getFirst("Idempotency-Key")).isEqualTo("key-1");
        assertThat(sent.headers().containsKey("Cache-Control")).isFalse();
        JsonNode body = JobCodec.mapper().readTree(sent.bodyText());
        assertThat(body.path("inputs").get(0).asString()).isEqualTo("I loved it");
        assertThat(body.path("inputs")).hasSize(2);
    }

    @Test
    void aSubmitWithoutCacheSendsCacheControlNoCacheOnEveryKindOfSubmit() {
        gateway.answer((request, exchange) -> sendAccepted(exchange));
        SubmitOptions fresh = SubmitOptions.none().withoutCache().withTimeout(Duration.ofSeconds(5));

        client.submitTexts("sentiment", List.of("fresh"), fresh);
        client.submitImage("image", new byte[] {(byte) 0x89, 'P', 'N', 'G'}, "image/png", fresh);
        client.submitImageUrl("image", URI.create("https://example.org/a.jpg"), fresh);

        assertThat(gateway.requests()).hasSize(3).allSatisfy(request -> {
            assertThat(request.headers().getFirst("Cache-Control")).isEqualTo("no-cache");
            assertThat(request.uri().getQuery()).isEqualTo("timeout_s=5");
        });
    }

    @Test
    void imagesGoAsRawBodiesOfTheirTypeAndUrlsAsJson() {
        gateway.answer((request, exchange) -> sendAccepted(exchange));
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};

        client.submitImage("image", png, "image/png");
        client.submitImageUrl("image", URI.create("https://example.org/a.jpg"));

        StubGateway.Request upload = gateway.requests().get(0);
        assertThat(upload.headers().getFirst("Content-Type")).isEqualTo("image/png");
        assertThat(upload.body()).isEqualTo(png);
        assertThat(upload.uri().getQuery()).isNull();
        // No key given: the client made one, so that a retry of the upload cannot create a second job.
        assertThat(UUID.fromString(upload.headers().getFirst("Idempotency-Key"))).isNotNull();
        StubGateway.Request byUrl = gateway.requests().get(1);
        assertThat(JobCodec.mapper().readTree(byUrl.bodyText()).path("url").asString())
                .isEqualTo("https://example.org/a.jpg");
    }

    @Test
    void theApiKeyAndExtraHeadersGoWithEveryRequest() {
        gateway.answer((request, exchange) -> sendJob(exchange, job(JobStatus.QUEUED)));
        InferqClient keyed = track(InferqClient.builder(gateway.uri()).apiKey("s3cret").header("X-Tenant", "t1"));

        keyed.get(ID);

        StubGateway.Request sent = gateway.requests().get(0);
        assertThat(sent.headers().getFirst("Authorization")).isEqualTo("Bearer s3cret");
        assertThat(sent.headers().getFirst("X-Tenant")).isEqualTo("t1");
    }

    @Test
    void pollAndCancelAnswerTheJobRecord() {
        gateway.answer((request, exchange) -> sendJob(exchange,
                request.uri().getPath().endsWith("/cancel") ? job(JobStatus.CANCELLED) : job(JobStatus.QUEUED)));

        assertThat(client.get(ID)).isEqualTo(job(JobStatus.QUEUED));
        assertThat(client.cancel(ID).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(gateway.requests().get(1).method()).isEqualTo("POST");
        assertThat(gateway.requests().get(1).uri().getPath()).isEqualTo("/v1/jobs/" + ID.value() + "/cancel");
    }

    @ParameterizedTest
    @CsvSource({
            "400, BAD_REQUEST", "404, NOT_FOUND", "409, CONFLICT", "413, CONTENT_TOO_LARGE",
            "415, UNSUPPORTED_MEDIA_TYPE", "422, UNPROCESSABLE_CONTENT", "429, TOO_MANY_REQUESTS",
            "503, SERVICE_UNAVAILABLE", "431, OTHER"})
    void problemBodiesBecomeTypedExceptions(int status, Kind kind) {
        gateway.answer((request, exchange) -> {
            exchange.getResponseHeaders().set("Retry-After", "7");
            sendProblem(exchange, status, "{\"type\":\"about:blank\",\"title\":\"Invalid field\",\"status\":" + status
                    + ",\"detail\":\"'text[1]' must be a string\",\"field\":\"text[1]\"}");
        });

        InferqProblemException problem = catchThrowableOfType(InferqProblemException.class,
                () -> client.submitTexts("sentiment", List.of("x")));

        assertThat(problem.kind()).isEqualTo(kind);
        assertThat(problem.status()).isEqualTo(status);
        assertThat(problem.title()).isEqualTo("Invalid field");
        assertThat(problem.detail()).isEqualTo("'text[1]' must be a string");
        assertThat(problem.field()).contains("text[1]");
        assertThat(problem.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(problem.kind().isRetryable()).isEqualTo(status == 429 || status == 503);
        assertThat(problem).hasMessage(status + " Invalid field: 'text[1]' must be a string");
    }

    @Test
    void anErrorWithoutProblemBodyIsStillAProblemWithTheStatusReason() {
        gateway.answer((request, exchange) -> send(exchange, 502, "text/html", "<html>bad gateway</html>"));

        InferqProblemException problem = catchThrowableOfType(InferqProblemException.class, () -> client.get(ID));

        assertThat(problem.kind()).isEqualTo(Kind.OTHER);
        assertThat(problem.title()).isEqualTo("Bad Gateway");
        assertThat(problem.detail()).isEqualTo("<html>bad gateway</html>");
        assertThat(problem.field()).isEmpty();
        assertThat(problem.retryAfter()).isEmpty();
    }

    @Test
    void busyAnswersAreNotRetriedWhenRetriesAreOff() {
        gateway.answer((request, exchange) -> busy(exchange, 429, "1"));

        InferqProblemException problem = catchThrowableOfType(InferqProblemException.class,
                () -> client.submitTexts("sentiment", List.of("x")));

        assertThat(problem.kind()).isEqualTo(Kind.TOO_MANY_REQUESTS);
        assertThat(problem.retryAfter()).contains(Duration.ofSeconds(1));
        assertThat(gateway.requests()).hasSize(1);
    }

    @Test
    void aBusyAnswerIsRetriedAfterItsRetryAfter() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        gateway.answer((request, exchange) -> {
            if (calls.incrementAndGet() == 1) {
                busy(exchange, 429, "1");
            } else {
                sendAccepted(exchange);
            }
        });
        InferqClient retrying = track(InferqClient.builder(gateway.uri())
                .retryWhenBusy(3, Duration.ofSeconds(10)));

        long started = System.nanoTime();
        SubmittedJob job = retrying.submitTexts("sentiment", List.of("x"),
                SubmitOptions.none().withIdempotencyKey("same"));

        assertThat(job.id()).isEqualTo(ID);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(gateway.requests()).hasSize(2)
                .allSatisfy(r -> assertThat(r.headers().getFirst("Idempotency-Key")).isEqualTo("same"));
    }

    @Test
    void retriesStopAfterMaxRetriesWithTheLastRefusal() {
        gateway.answer((request, exchange) -> busy(exchange, 503, "0"));
        InferqClient retrying = track(InferqClient.builder(gateway.uri()).retryWhenBusy(2, Duration.ofSeconds(1)));

        assertThatThrownBy(() -> retrying.get(ID)).isInstanceOfSatisfying(InferqProblemException.class,
                problem -> assertThat(problem.kind()).isEqualTo(Kind.SERVICE_UNAVAILABLE));
        assertThat(gateway.requests()).hasSize(3);
    }

    @Test
    void aRetryAfterLongerThanTheCapWaitsOnlyTheCap() {
        AtomicInteger calls = new AtomicInteger();
        gateway.answer((request, exchange) -> {
            if (calls.incrementAndGet() == 1) {
                busy(exchange, 503, "3600");
            } else {
                sendJob(exchange, job(JobStatus.QUEUED));
            }
        });
        InferqClient retrying = track(InferqClient.builder(gateway.uri())
                .retryWhenBusy(1, Duration.ofMillis(100)));

        assertThat(retrying.get(ID).status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void otherRefusalsAreNeverRetried() {
        gateway.answer((request, exchange) -> sendProblem(exchange, 404, "{\"title\":\"Job not found\"}"));
        InferqClient retrying = track(InferqClient.builder(gateway.uri()).retryWhenBusy(3, Duration.ofSeconds(1)));

        assertThatThrownBy(() -> retrying.get(ID)).isInstanceOf(InferqProblemException.class);
        assertThat(gateway.requests()).hasSize(1);
    }

    @Test
    void eventsAreReadToTheTerminalOneSkippingKeepAlives() {
        gateway.answer((request, exchange) -> {
            try (OutputStream stream = openStream(exchange)) {
                event(stream, job(JobStatus.QUEUED));
                comment(stream, "keep-alive");
                event(stream, job(JobStatus.RUNNING));
                event(stream, job(JobStatus.SUCCEEDED));
            }
        });

        List<JobRecord> events;
        try (Stream<JobRecord> stream = client.events(ID)) {
            events = stream.toList();
        }

        assertThat(events).extracting(JobRecord::status)
                .containsExactly(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED);
        assertThat(events.get(2).predictions().get(0).label()).isEqualTo("positive");
        assertThat(gateway.requests().get(0).headers().getFirst("Accept")).isEqualTo("text/event-stream");
    }

    @Test
    void aStreamThatEndsEarlyIsReopenedWithLastEventIdAndReplaysAreDropped() {
        gateway.answer((request, exchange) -> {
            try (OutputStream stream = openStream(exchange)) {
                event(stream, job(JobStatus.QUEUED));
                if (request.headers().containsKey("Last-Event-ID")) {
                    event(stream, job(JobStatus.RUNNING));
                    event(stream, job(JobStatus.SUCCEEDED));
                }
            }
        });

        try (Stream<JobRecord> events = client.events(ID)) {
            assertThat(events.map(JobRecord::status))
                    .containsExactly(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED);
        }
        assertThat(gateway.requests()).hasSize(2);
        assertThat(gateway.requests().get(1).headers().getFirst("Last-Event-ID")).isEqualTo("QUEUED");
    }

    @Test
    void aStreamThatKeepsEndingEarlyFailsAfterTheReconnects() {
        gateway.answer((request, exchange) -> {
            try (OutputStream stream = openStream(exchange)) {
                event(stream, job(JobStatus.QUEUED));
            }
        });
        InferqClient impatient = track(InferqClient.builder(gateway.uri()).streamReconnects(2));

        assertThatThrownBy(() -> impatient.events(ID).toList()).isInstanceOf(InferqTransportException.class)
                .hasMessageContaining("ended at QUEUED");
        assertThat(gateway.requests()).hasSize(3);
    }

    @Test
    void awaitFollowsTheEventStream() {
        gateway.answer((request, exchange) -> {
            try (OutputStream stream = openStream(exchange)) {
                event(stream, job(JobStatus.RUNNING));
                event(stream, job(JobStatus.SUCCEEDED));
            }
        });

        assertThat(client.await(ID, Duration.ofSeconds(5)).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(gateway.requests()).hasSize(1);
    }

    @Test
    void awaitPollsWhereTheEventStreamIsRefused() {
        AtomicInteger polls = new AtomicInteger();
        gateway.answer((request, exchange) -> {
            if (request.uri().getPath().endsWith("/events")) {
                send(exchange, 406, "text/html", "<html>no streams here</html>");
            } else {
                sendJob(exchange, job(polls.incrementAndGet() < 3 ? JobStatus.RUNNING : JobStatus.FAILED));
            }
        });

        JobRecord done = client.await(ID, Duration.ofSeconds(5));

        assertThat(done.status()).isEqualTo(JobStatus.FAILED);
        assertThat(done.error()).isEqualTo("broken");
        assertThat(gateway.requests("/" + ID.value())).hasSize(3);
    }

    @Test
    void awaitOfAnUnknownJobFailsAtOnceWithoutPolling() {
        gateway.answer((request, exchange) -> sendProblem(exchange, 404,
                "{\"title\":\"Job not found\",\"status\":404,\"detail\":\"job does not exist\"}"));

        assertThatThrownBy(() -> client.await(ID, Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(InferqProblemException.class,
                        problem -> assertThat(problem.kind()).isEqualTo(Kind.NOT_FOUND));
        assertThat(gateway.requests()).hasSize(1);
    }

    @Test
    void awaitGivesUpAfterTheWaitWithTheLastStateSeen() {
        gateway.answer((request, exchange) -> {
            OutputStream stream = openStream(exchange);
            event(stream, job(JobStatus.QUEUED));
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            }
        });

        JobAwaitTimeoutException timeout = catchThrowableOfType(JobAwaitTimeoutException.class,
                () -> client.await(ID, Duration.ofMillis(500)));

        assertThat(timeout.jobId()).isEqualTo(ID);
        assertThat(timeout.lastSeen()).map(JobRecord::status).contains(JobStatus.QUEUED);
    }

    @Test
    void classifySubmitsAndAwaits() {
        gateway.answer((request, exchange) -> {
            if (request.uri().getPath().endsWith("/jobs")) {
                sendAccepted(exchange);
            } else {
                try (OutputStream stream = openStream(exchange)) {
                    event(stream, job(JobStatus.SUCCEEDED));
                }
            }
        });

        JobRecord done = client.async().classify("sentiment", List.of("x"), Duration.ofSeconds(5)).join();

        assertThat(done.predictions()).hasSize(1);
    }

    @Test
    void aGatewayThatIsNotThereIsATransportFailure() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        InferqClient nowhere = track(InferqClient.builder(URI.create("http://127.0.0.1:" + closedPort)));

        assertThatThrownBy(() -> nowhere.get(ID)).isInstanceOf(InferqTransportException.class)
                .hasMessageContaining("127.0.0.1:" + closedPort);
    }

    @Test
    void anAnswerThatIsNotAJobIsATransportFailure() {
        gateway.answer((request, exchange) -> send(exchange, 200, "application/json", "{\"status\":\"nope\"}"));

        assertThatThrownBy(() -> client.get(ID)).isInstanceOf(InferqTransportException.class)
                .hasMessageContaining("unexpected answer 200");
    }

    private static void busy(com.sun.net.httpserver.HttpExchange exchange, int status, String retryAfter)
            throws java.io.IOException {
        exchange.getResponseHeaders().set("Retry-After", retryAfter);
        sendProblem(exchange, status, "{\"title\":\"Model busy\",\"status\":" + status + ",\"detail\":\"later\"}");
    }
}
