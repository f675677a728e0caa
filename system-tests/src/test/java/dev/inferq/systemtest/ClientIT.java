package dev.inferq.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.inferq.client.AsyncInferqClient;
import dev.inferq.client.InferqClient;
import dev.inferq.client.InferqProblemException.Kind;
import dev.inferq.client.InferqProblemException;
import dev.inferq.client.SubmitOptions;
import dev.inferq.client.SubmittedJob;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.testsupport.TestImages;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Java client against the real platform (packaged gateway and worker, real Kafka and Redis): submit, await,
 * events, cancel, and refusals as typed exceptions. No worker serves {@link SharedPlatform#PARKED_MODEL}, so that its
 * jobs stay QUEUED for as long as a test needs to cancel them.
 */
@Timeout(300)
class ClientIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static SharedPlatform platform;
    private static InferqClient client;

    @BeforeAll
    static void startPlatform() {
        platform = SharedPlatform.get();
        client = InferqClient.builder(URI.create(platform.gatewayUrl()))
                .retryWhenBusy(3, Duration.ofSeconds(10))
                .build();
    }

    @AfterAll
    static void stopPlatform() {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void classifySubmitsAndAwaitsTheResult() {
        JobRecord done = client.classify("sentiment", List.of("I loved it", "worst film ever"), WAIT);

        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.predictions()).hasSize(2)
                .allSatisfy(prediction -> assertThat(prediction.label()).isIn("negative", "positive"));
    }

    @Test
    void eventsFollowAJobInLifecycleOrderToItsEnd() {
        SubmittedJob job = client.submitTexts("disaster", List.of("Forest fire near La Ronge Sask. Canada"),
                SubmitOptions.none().withTimeout(Duration.ofSeconds(60)));

        List<JobRecord> events;
        try (Stream<JobRecord> stream = client.events(job.id())) {
            events = stream.toList();
        }

        assertThat(events).extracting(JobRecord::status).doesNotHaveDuplicates()
                .isSubsetOf(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED)
                .endsWith(JobStatus.SUCCEEDED);
        assertThat(events).extracting(event -> event.status().rank()).isSorted();
        JobRecord last = events.get(events.size() - 1);
        assertThat(last.deadline()).isEqualTo(last.createdAt().plusSeconds(60));
        assertThat(last.predictions().get(0).label()).isIn("not_disaster", "disaster");
        assertThat(client.get(job.id())).isEqualTo(last);
    }

    @Test
    void theAsyncClientSubmitsAndAwaits() {
        AsyncInferqClient async = client.async();

        JobRecord done = async.submitTexts("sentiment", List.of("never again"))
                .thenCompose(job -> async.await(job.id(), WAIT))
                .join();

        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.predictions()).hasSize(1);
    }

    @Test
    void aQueuedJobIsCancelledAndItsStreamEndsWithThat() {
        SubmittedJob queued = client.submitTexts(SharedPlatform.PARKED_MODEL, List.of("wait for me"),
                SubmitOptions.none());

        JobRecord cancelled = client.cancel(queued.id());

        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(client.await(queued.id(), WAIT).status()).isEqualTo(JobStatus.CANCELLED);
        try (Stream<JobRecord> events = client.events(queued.id())) {
            assertThat(events.toList()).extracting(JobRecord::status).containsExactly(JobStatus.CANCELLED);
        }
        InferqProblemException again = catchThrowableOfType(InferqProblemException.class,
                () -> client.cancel(queued.id()));
        assertThat(again.kind()).isEqualTo(Kind.CONFLICT);
        assertThat(again.detail()).contains("CANCELLED");
    }

    @Test
    void anIdempotencyKeyReturnsTheFirstJob() {
        SubmitOptions once = SubmitOptions.none().withIdempotencyKey(UUID.randomUUID().toString());

        SubmittedJob first = client.submitTexts("sentiment", List.of("same request"), once);
        SubmittedJob retried = client.submitTexts("sentiment", List.of("same request"), once);

        assertThat(retried.id()).isEqualTo(first.id());
        InferqProblemException reused = catchThrowableOfType(InferqProblemException.class,
                () -> client.submitTexts("sentiment", List.of("another request"), once));
        assertThat(reused.kind()).isEqualTo(Kind.UNPROCESSABLE_CONTENT);
    }

    @Test
    void anUnknownModelIsANotFoundProblemNamingTheModels() {
        InferqProblemException problem = catchThrowableOfType(InferqProblemException.class,
                () -> client.submitTexts("no-such-model", List.of("hello")));

        assertThat(problem.kind()).isEqualTo(Kind.NOT_FOUND);
        assertThat(problem.status()).isEqualTo(404);
        assertThat(problem.title()).isEqualTo("Unknown model");
        assertThat(problem.detail()).contains("no-such-model", "sentiment", "disaster", "image");
    }

    @Test
    void refusedRequestsBecomeTheirKindOfProblem() {
        assertThat(catchThrowableOfType(InferqProblemException.class,
                () -> client.submitTexts("sentiment", List.of())).kind()).isEqualTo(Kind.BAD_REQUEST);
        assertThat(catchThrowableOfType(InferqProblemException.class,
                () -> client.submitImage("sentiment", TestImages.jpeg(8, 8), "image/jpeg")).kind())
                .isEqualTo(Kind.UNSUPPORTED_MEDIA_TYPE);
        assertThat(catchThrowableOfType(InferqProblemException.class,
                () -> client.get(JobId.random())).kind()).isEqualTo(Kind.NOT_FOUND);
        assertThat(catchThrowableOfType(InferqProblemException.class,
                () -> client.await(JobId.random(), WAIT)).kind()).isEqualTo(Kind.NOT_FOUND);
    }
}
