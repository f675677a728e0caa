package dev.inferq.client;

import static dev.inferq.client.StubGateway.ID;
import static dev.inferq.client.StubGateway.event;
import static dev.inferq.client.StubGateway.job;
import static dev.inferq.client.StubGateway.openStream;
import static dev.inferq.client.StubGateway.send;
import static dev.inferq.client.StubGateway.sendAccepted;
import static dev.inferq.client.StubGateway.sendJob;
import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Models, job listing, callbacks, {@code Prefer: wait}, {@code fromEnv} and the asynchronous events. */
@Timeout(30)
class ApiRoutesTest {

    private final StubGateway gateway = new StubGateway();
    private final InferqClient client = InferqClient.builder(gateway.uri()).retries(RetryPolicy.none()).build();

    @AfterEach
    void stop() {
        client.close();
        gateway.close();
    }

    @Test
    void modelsAreListedWithTheirTaskLabelsAndWeights() {
        gateway.answer((request, exchange) -> send(exchange, 200, "application/json", """
                {"models":[{"name":"sentiment","task":"text-classification","labels":["negative","positive"],
                "weights":"trained","workers":[{"id":"w1"}]}]}"""));

        List<ModelInfo> models = client.models();

        assertThat(gateway.requests().get(0).uri().getPath()).isEqualTo("/v1/models");
        assertThat(models).singleElement().satisfies(model -> {
            assertThat(model.name()).isEqualTo("sentiment");
            assertThat(model.task()).isEqualTo("text-classification");
            assertThat(model.labels()).containsExactly("negative", "positive");
            assertThat(model.weights()).isEqualTo("trained");
            assertThat(model.json().path("workers").get(0).path("id").asString()).isEqualTo("w1");
        });
    }

    @Test
    void oneModelIsReadWithTheWeightsOfItsCard() {
        gateway.answer((request, exchange) -> send(exchange, 200, "application/json", """
                {"name":"image","task":"image-classification","labels":["calling"],
                "card":{"weights":"random"},"live":{"backlog":3}}"""));

        ModelInfo model = client.model("image");

        assertThat(gateway.requests().get(0).uri().getPath()).isEqualTo("/v1/models/image");
        assertThat(model.weights()).isEqualTo("random");
        assertThat(model.json().path("live").path("backlog").asInt()).isEqualTo(3);
    }

    @Test
    void jobsAreListedWithTheFiltersInTheQueryAndFollowedPageByPage() {
        String job = JobCodec.encodeRecord(job(JobStatus.SUCCEEDED));
        gateway.answer((request, exchange) -> send(exchange, 200, "application/json",
                request.uri().getQuery().contains("cursor=")
                        ? "{\"jobs\":[" + job + "],\"next_cursor\":null}"
                        : "{\"jobs\":[" + job + "," + job + "],\"next_cursor\":\"c/2+=\"}"));
        JobQuery query = JobQuery.all().withModel("sentiment").withStatus(JobStatus.SUCCEEDED).withLimit(2);

        JobPage first = client.listJobs(query);

        assertThat(first.jobs()).hasSize(2).allSatisfy(j -> assertThat(j.id()).isEqualTo(ID));
        assertThat(first.nextCursor()).isEqualTo("c/2+=");
        assertThat(gateway.requests().get(0).uri().getPath()).isEqualTo("/v1/jobs");
        assertThat(gateway.requests().get(0).uri().getQuery()).isEqualTo("model=sentiment&status=SUCCEEDED&limit=2");
        assertThat(client.jobs(query)).hasSize(3);
        assertThat(gateway.requests().get(2).uri().getRawQuery()).endsWith("&cursor=c%2F2%2B%3D");
        assertThat(client.listJobs(query.withCursor("c/2+=")).next(query)).isEmpty();
    }

    @Test
    void theCallbackUrlGoesInTheJsonBodyOrInTheQueryOfAnImage() {
        gateway.answer((request, exchange) -> sendAccepted(exchange));
        SubmitOptions hook = SubmitOptions.none().withCallbackUrl(URI.create("https://example.org/hook?a=1"));

        client.submitTexts("sentiment", List.of("x"), hook);
        client.submitImageUrl("image", URI.create("https://example.org/a.jpg"), hook);
        client.submitImage("image", new byte[] {1, 2}, "image/jpeg", hook);

        List<StubGateway.Request> sent = gateway.requests();
        assertThat(JobCodec.mapper().readTree(sent.get(0).bodyText()).path("callback_url").asString())
                .isEqualTo("https://example.org/hook?a=1");
        assertThat(JobCodec.mapper().readTree(sent.get(1).bodyText()).path("callback_url").asString())
                .isEqualTo("https://example.org/hook?a=1");
        assertThat(sent.get(2).uri().getQuery()).isEqualTo("callback_url=https://example.org/hook?a=1");
    }

    @Test
    void aSubmitThatWaitsGetsTheFinishedJobFromA200() {
        gateway.answer((request, exchange) -> {
            exchange.getResponseHeaders().set("Preference-Applied", "wait=5");
            sendJob(exchange, job(JobStatus.SUCCEEDED));
        });

        SubmittedJob job = client.submitTexts("sentiment", List.of("x"),
                SubmitOptions.none().withWait(Duration.ofSeconds(5)));

        assertThat(gateway.requests().get(0).headers().getFirst("Prefer")).isEqualTo("wait=5");
        assertThat(job.id()).isEqualTo(ID);
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.finished()).map(JobRecord::predictions).hasValueSatisfying(p -> assertThat(p).hasSize(1));
    }

    @Test
    void aSubmitWhoseWaitRanOutIsThe202() {
        gateway.answer((request, exchange) -> sendAccepted(exchange));

        SubmittedJob job = client.submitTexts("sentiment", List.of("x"),
                SubmitOptions.none().withWait(Duration.ofSeconds(1)));

        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(job.finished()).isEmpty();
    }

    @Test
    void fromEnvTakesTheUrlAndTheKeyFromTheEnvironment() {
        gateway.answer((request, exchange) -> sendJob(exchange, job(JobStatus.QUEUED)));
        Map<String, String> environment = Map.of("INFERQ_URL", gateway.uri().toString(), "INFERQ_API_KEY", "k1");
        try (InferqClient fromEnv = InferqClient.builderFrom(environment::get).build()) {
            fromEnv.get(ID);
        }
        try (InferqClient noKey = InferqClient.builderFrom(Map.of("INFERQ_URL", gateway.uri() + "/",
                "INFERQ_API_KEY", " ")::get).build()) {
            noKey.get(ID);
        }

        assertThat(gateway.requests().get(0).headers().getFirst("Authorization")).isEqualTo("Bearer k1");
        assertThat(gateway.requests().get(1).headers().containsKey("Authorization")).isFalse();
        assertThat(gateway.requests().get(1).uri().getPath()).isEqualTo("/v1/jobs/" + ID.value());
    }

    @Test
    void theAsyncEventsFollowDemandAndEndWithTheTerminalState() {
        gateway.answer((request, exchange) -> {
            try (OutputStream stream = openStream(exchange)) {
                event(stream, job(JobStatus.QUEUED));
                event(stream, job(JobStatus.RUNNING));
                event(stream, job(JobStatus.SUCCEEDED));
            }
        });
        List<JobStatus> seen = new ArrayList<>();
        CompletableFuture<List<JobStatus>> done = new CompletableFuture<>();

        client.async().events(ID).subscribe(new Flow.Subscriber<>() {
            private Flow.Subscription subscription;

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                this.subscription = subscription;
                subscription.request(1);
            }

            @Override
            public void onNext(JobRecord job) {
                seen.add(job.status());
                subscription.request(1);
            }

            @Override
            public void onError(Throwable failure) {
                done.completeExceptionally(failure);
            }

            @Override
            public void onComplete() {
                done.complete(seen);
            }
        });

        assertThat(done.join()).containsExactly(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED);
    }
}
