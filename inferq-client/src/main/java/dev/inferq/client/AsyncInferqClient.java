package dev.inferq.client;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The inferq HTTP API as {@link CompletableFuture}s, and a job's events as a {@link Flow.Publisher} (the JDK's
 * Reactive Streams interfaces: Reactor's {@code JdkFlowAdapter} or RxJava's {@code FlowAdapters} turn it into a
 * {@code Flux} or {@code Flowable}). Each call starts its request at once; no call holds a thread while it waits.
 * Refusals fail the future with {@link InferqProblemException}, missing or unusable answers with
 * {@link InferqTransportException}, after the client's {@link RetryPolicy}. Obtained from
 * {@link InferqClient#async()}, with the same settings and connections as the blocking client.
 */
public final class AsyncInferqClient {

    private final Transport transport;
    private final SubmitRequests submits;
    private final Set<EventFollower> following = ConcurrentHashMap.newKeySet();

    AsyncInferqClient(ClientSettings settings) {
        this.transport = new Transport(settings);
        this.submits = new SubmitRequests(transport);
    }

    /** The models the gateway serves, with their tasks and labels. */
    public CompletableFuture<List<ModelInfo>> models() {
        return transport.call(transport.request("/v1/models").GET().build(), Answers::models);
    }

    /** One model with its card and live figures; an unknown name is a NOT_FOUND problem naming the known ones. */
    public CompletableFuture<ModelInfo> model(String name) {
        return transport.call(transport.request("/v1/models/" + Transport.encode(name)).GET().build(),
                Answers::model);
    }

    public CompletableFuture<SubmittedJob> submitTexts(String model, List<String> texts) {
        return submitTexts(model, texts, SubmitOptions.none());
    }

    /** Texts for a text model; the job gets one prediction per text, in order. */
    public CompletableFuture<SubmittedJob> submitTexts(String model, List<String> texts, SubmitOptions options) {
        return submitted(submits.texts(model, texts, options, SubmitRequests.Answer.JOB));
    }

    public CompletableFuture<SubmittedJob> submitImage(String model, byte[] image, String contentType) {
        return submitImage(model, image, contentType, SubmitOptions.none());
    }

    /** An image as the raw request body; {@code contentType} is its {@code image/*} type. */
    public CompletableFuture<SubmittedJob> submitImage(String model, byte[] image, String contentType,
            SubmitOptions options) {
        return submitted(submits.image(model, image, contentType, options, SubmitRequests.Answer.JOB));
    }

    public CompletableFuture<SubmittedJob> submitImageUrl(String model, URI url) {
        return submitImageUrl(model, url, SubmitOptions.none());
    }

    /** An image the gateway downloads from {@code url} (http or https, behind its address guard). */
    public CompletableFuture<SubmittedJob> submitImageUrl(String model, URI url, SubmitOptions options) {
        return submitted(submits.imageUrl(model, url, options, SubmitRequests.Answer.JOB));
    }

    /**
     * Submits texts and follows the new job in the same exchange: the gateway answers the submit with the job's
     * event stream ({@code Accept: text/event-stream}), so each job costs one request. Each element is a state with
     * its queue figures, as {@link #progress} has them, and the publisher completes after the terminal one. A refused
     * submit fails the publisher with its {@link InferqProblemException}, after the client's {@link RetryPolicy}; a
     * refusal for too many event streams ({@code 429}/{@code 503}) is not retried: poll or follow fewer jobs.
     * {@code options.waitFor()} is not sent, the stream waits for the job anyway. Every subscription sends the submit
     * with the same {@code Idempotency-Key}, so a second one follows the same job.
     */
    public Flow.Publisher<JobProgress> submitTextsAndFollow(String model, List<String> texts, SubmitOptions options) {
        return following(submits.texts(model, texts, options, SubmitRequests.Answer.EVENTS));
    }

    /** An image as the raw request body, followed like {@link #submitTextsAndFollow}. */
    public Flow.Publisher<JobProgress> submitImageAndFollow(String model, byte[] image, String contentType,
            SubmitOptions options) {
        return following(submits.image(model, image, contentType, options, SubmitRequests.Answer.EVENTS));
    }

    /** An image the gateway downloads from {@code url}, followed like {@link #submitTextsAndFollow}. */
    public Flow.Publisher<JobProgress> submitImageUrlAndFollow(String model, URI url, SubmitOptions options) {
        return following(submits.imageUrl(model, url, options, SubmitRequests.Answer.EVENTS));
    }

    /** The job's current state. */
    public CompletableFuture<JobRecord> get(JobId id) {
        return transport.call(transport.request(jobPath(id)).GET().build(),
                answer -> JobCodec.decodeRecord(answer.body()));
    }

    /** Cancels a job no worker has started: its state, now CANCELLED; a job past QUEUED is a CONFLICT problem. */
    public CompletableFuture<JobRecord> cancel(JobId id) {
        return transport.call(transport.request(jobPath(id) + "/cancel").POST(BodyPublishers.noBody()).build(),
                answer -> JobCodec.decodeRecord(answer.body()));
    }

    /** One page of the caller's jobs, newest first; {@link JobPage#next} gives the query of the page after it. */
    public CompletableFuture<JobPage> listJobs(JobQuery query) {
        List<String> parameters = new ArrayList<>();
        if (query.model() != null) {
            parameters.add("model=" + Transport.encode(query.model()));
        }
        if (query.status() != null) {
            parameters.add("status=" + query.status().name());
        }
        if (query.limit() != null) {
            parameters.add("limit=" + query.limit());
        }
        if (query.cursor() != null) {
            parameters.add("cursor=" + Transport.encode(query.cursor()));
        }
        return transport.call(transport.request("/v1/jobs" + SubmitRequests.queryString(parameters)).GET().build(),
                Answers::page);
    }

    /**
     * The job's states from its current one on, each change once, completing after the terminal one. A stream that
     * breaks or ends early is opened again (up to the builder's {@code streamReconnects} times in a row) with
     * {@code Last-Event-ID}; states already seen are not emitted twice, and none older than the last one seen.
     */
    public Flow.Publisher<JobRecord> events(JobId id) {
        return new FollowPublisher<>(sink -> follower(new EventFollower(transport, id, distinctJobs(sink))));
    }

    /**
     * Like {@link #events}, with the queue figures of each event: while the job waits, a new element whenever its
     * position or estimate changed.
     */
    public Flow.Publisher<JobProgress> progress(JobId id) {
        return new FollowPublisher<>(sink -> follower(new EventFollower(transport, id, sink)));
    }

    /**
     * The job's terminal state, followed over its event stream; where the stream cannot be used (a proxy that
     * refuses or buffers it, a connection that keeps breaking) by polling every {@code pollInterval}. Fails with
     * {@link JobAwaitTimeoutException} when {@code wait} runs out first; the job itself goes on.
     */
    public CompletableFuture<JobRecord> await(JobId id, Duration wait) {
        AtomicReference<JobRecord> seen = new AtomicReference<>();
        return awaiting(follower(new EventFollower(transport, id, progress -> seen.set(progress.job()))), seen, wait);
    }

    /**
     * Submits texts and awaits the job's terminal state (which may be FAILED or EXPIRED: check its status). The
     * submit asks for the job's event stream in the same exchange, so every job takes one request. Where the gateway
     * has as many streams open as it allows, the job is submitted with {@code Prefer: wait} instead and, unless it
     * ends within the wait, polled.
     */
    public CompletableFuture<JobRecord> classify(String model, List<String> texts, Duration wait) {
        return classify(submits.texts(model, texts, SubmitOptions.none(), SubmitRequests.Answer.EVENTS),
                () -> submitTexts(model, texts, waiting(wait)), wait);
    }

    /** Submits an image and awaits the job's terminal state. */
    public CompletableFuture<JobRecord> classify(String model, byte[] image, String contentType, Duration wait) {
        return classify(submits.image(model, image, contentType, SubmitOptions.none(), SubmitRequests.Answer.EVENTS),
                () -> submitImage(model, image, contentType, waiting(wait)), wait);
    }

    /** Submits an image URL and awaits the job's terminal state. */
    public CompletableFuture<JobRecord> classify(String model, URI imageUrl, Duration wait) {
        return classify(submits.imageUrl(model, imageUrl, SubmitOptions.none(), SubmitRequests.Answer.EVENTS),
                () -> submitImageUrl(model, imageUrl, waiting(wait)), wait);
    }

    /** Stops following every job's events: their publishers end, awaits fail with a cancellation. */
    void close() {
        following.forEach(EventFollower::cancel);
    }

    private CompletableFuture<SubmittedJob> submitted(HttpRequest submit) {
        return transport.call(submit, Answers::submitted);
    }

    /** The events of the job {@code submit} creates, each subscription a follower of its own. */
    private Flow.Publisher<JobProgress> following(HttpRequest submit) {
        return new FollowPublisher<>(sink -> follower(EventFollower.submitting(transport, submit, sink)));
    }

    private static String jobPath(JobId id) {
        return "/v1/jobs/" + Transport.encode(id.value());
    }

    /** The unstarted {@code follower}, stopped by {@link #close()} while it runs. */
    private EventFollower follower(EventFollower follower) {
        following.add(follower);
        follower.terminal().whenComplete((job, failure) -> following.remove(follower));
        return follower;
    }

    /** Passes on a state unless it is the one passed last (a queue update of the same state). */
    private static Consumer<JobProgress> distinctJobs(Consumer<JobRecord> sink) {
        AtomicReference<JobRecord> last = new AtomicReference<>();
        return progress -> {
            if (!progress.job().equals(last.getAndSet(progress.job()))) {
                sink.accept(progress.job());
            }
        };
    }

    private CompletableFuture<JobRecord> poll(JobId id, AtomicReference<JobRecord> seen, AtomicBoolean stopped) {
        if (stopped.get()) {
            return CompletableFuture.failedFuture(new CancellationException("the await of job " + id + " ended"));
        }
        return get(id).thenCompose(job -> {
            seen.set(job);
            return job.status().isTerminal() ? CompletableFuture.completedFuture(job)
                    : Transport.after(transport.settings().pollInterval())
                            .thenCompose(ignored -> poll(id, seen, stopped));
        });
    }

    /** Polling can stand in for the stream unless the gateway said the job does not exist. */
    private static boolean streamUnusable(Throwable failure) {
        return failure instanceof InferqTransportException
                || failure instanceof InferqProblemException problem
                        && problem.kind() != InferqProblemException.Kind.NOT_FOUND;
    }

    /** Submit options that let the gateway answer a quick job at once: {@code Prefer: wait} of the whole seconds. */
    private static SubmitOptions waiting(Duration wait) {
        return wait.toSeconds() >= 1 ? SubmitOptions.none().withWait(Duration.ofSeconds(wait.toSeconds()))
                : SubmitOptions.none();
    }

    /**
     * The terminal state of the job {@code follower} follows, within {@code wait}: over its event stream, or where
     * the stream cannot be used by polling, which needs the job: a submit that was never answered has none to poll.
     */
    private CompletableFuture<JobRecord> awaiting(EventFollower follower, AtomicReference<JobRecord> seen,
            Duration wait) {
        AtomicBoolean stopped = new AtomicBoolean();
        return follower.start()
                .exceptionallyCompose(failure -> {
                    Throwable cause = Transport.unwrap(failure);
                    JobId id = follower.jobId();
                    return id != null && streamUnusable(cause) ? poll(id, seen, stopped)
                            : CompletableFuture.failedFuture(cause);
                })
                .orTimeout(wait.toNanos(), TimeUnit.NANOSECONDS)
                .exceptionallyCompose(failure -> {
                    Throwable cause = Transport.unwrap(failure);
                    if (!(cause instanceof TimeoutException)) {
                        return CompletableFuture.failedFuture(cause);
                    }
                    stopped.set(true);
                    follower.cancel();
                    JobId id = follower.jobId();
                    return CompletableFuture.failedFuture(id == null
                            ? new InferqTransportException("the submit was not answered within " + wait, cause)
                            : new JobAwaitTimeoutException(id, wait, seen.get()));
                });
    }

    /**
     * Submits with {@code streamed} and awaits the job over its stream; where the submit was refused for too many
     * event streams, submits with {@code unstreamed} (nothing was created) and awaits the job by its own means.
     */
    private CompletableFuture<JobRecord> classify(HttpRequest streamed,
            Supplier<CompletableFuture<SubmittedJob>> unstreamed, Duration wait) {
        long started = System.nanoTime();
        AtomicReference<JobRecord> seen = new AtomicReference<>();
        EventFollower follower = follower(EventFollower.submitting(transport, streamed,
                progress -> seen.set(progress.job())));
        return awaiting(follower, seen, wait).exceptionallyCompose(failure -> follower.streamsFull()
                ? finish(unstreamed.get(), started, wait)
                : CompletableFuture.failedFuture(Transport.unwrap(failure)));
    }

    private CompletableFuture<JobRecord> finish(CompletableFuture<SubmittedJob> submitted, long startedNanos,
            Duration wait) {
        return submitted.thenCompose(job -> job.finished().map(CompletableFuture::completedFuture).orElseGet(() -> {
            Duration left = wait.minusNanos(System.nanoTime() - startedNanos);
            return await(job.id(), left.isNegative() ? Duration.ZERO : left);
        }));
    }
}
