package dev.inferq.client;

import dev.inferq.client.Answers.Answer;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Follows one job's event stream to its terminal event, without holding a thread: the JDK client delivers the
 * stream's lines, {@link SseParser} makes events of them, and each new state goes to the listener. A stream that
 * breaks or ends before the terminal event is opened again with {@code Last-Event-ID} (after the stream's
 * {@code retry}, else 200 ms doubling), up to {@code streamReconnects} times in a row without a new state; states
 * already seen (replays) and states behind the last one are dropped. {@link #terminal()} completes with the
 * terminal state, or fails with the problem (an error answer, which is not retried) or the last transport failure.
 *
 * <p>A follower made by {@link #submitting} sends a submit with {@code Accept: text/event-stream} first, which the
 * gateway answers with the new job's stream in the same exchange: the job is the one its {@code Location} names, and
 * any reconnect follows that job's events. Until the submit is answered, a broken connection sends the submit again
 * (its {@code Idempotency-Key} makes that safe), and a refusal that says "not now" is retried as the client's
 * {@link RetryPolicy} says, except a refusal for too many event streams ({@link #streamsFull()}): its sender can
 * fall back to a plain submit.
 *
 * <p>One connection is open at a time, and the next opens only after the previous one ended, so the fields that
 * carry over between connections are never touched by two threads at once.
 */
final class EventFollower {

    private static final Duration FIRST_RECONNECT_DELAY = Duration.ofMillis(200);
    private static final String STATUS_EVENT = "status";
    private static final String JOB_PATH = "/v1/jobs/";
    private static final String STREAMS_FULL = "https://inferq.dev/problems/too-many-streams";

    private final Transport transport;
    /** The submit to send first; null for a job that exists already. */
    private final HttpRequest submit;
    private final Consumer<JobProgress> listener;
    private final CompletableFuture<JobRecord> terminal = new CompletableFuture<>();
    private volatile Flow.Subscription connection;
    /** Null until the submit is answered. */
    private volatile JobId id;
    private volatile boolean streamsFull;
    private int submitAttempts;
    private long submitStartedNanos;
    private String lastEventId;
    private JobProgress last;
    private int failuresInARow;
    private Duration serverRetry;

    EventFollower(Transport transport, JobId id, Consumer<JobProgress> listener) {
        this(transport, id, null, listener);
    }

    private EventFollower(Transport transport, JobId id, HttpRequest submit, Consumer<JobProgress> listener) {
        this.transport = transport;
        this.id = id;
        this.submit = submit;
        this.listener = listener;
    }

    /** A follower of the job that {@code submit} (a submit that accepts events) creates. */
    static EventFollower submitting(Transport transport, HttpRequest submit, Consumer<JobProgress> listener) {
        return new EventFollower(transport, null, submit, listener);
    }

    /** The job followed; null while a submit has not been answered. */
    JobId jobId() {
        return id;
    }

    /** Whether the submit was refused because its tenant or the gateway has as many event streams as allowed. */
    boolean streamsFull() {
        return streamsFull;
    }

    /** Opens the stream; the answer completes after the terminal state went to the listener. */
    CompletableFuture<JobRecord> start() {
        open();
        return terminal;
    }

    CompletableFuture<JobRecord> terminal() {
        return terminal;
    }

    /** Stops following: the connection is closed, {@link #terminal()} fails with a {@link CancellationException}. */
    void cancel() {
        terminal.cancel(false);
        Flow.Subscription open = connection;
        if (open != null) {
            open.cancel();
        }
    }

    private void open() {
        if (terminal.isDone()) {
            return;
        }
        try {
            // The request timeout bounds the wait for the answer's headers only; the stream itself may last as long
            // as the job does.
            transport.http().sendAsync(id == null ? submit() : events(), this::body).whenComplete(this::ended);
        } catch (RuntimeException unsendable) {
            // A reconnect runs on a timer thread, where a thrown exception would leave terminal() pending forever.
            terminal.completeExceptionally(unsendable);
        }
    }

    private HttpRequest submit() {
        if (submitAttempts++ == 0) {
            submitStartedNanos = System.nanoTime();
        }
        return submit;
    }

    private HttpRequest events() {
        HttpRequest.Builder request = transport.request(JOB_PATH + Transport.encode(id.value()) + "/events")
                .header("Accept", "text/event-stream");
        if (lastEventId != null && !lastEventId.isEmpty()) {
            request.header("Last-Event-ID", lastEventId);
        }
        return request.GET().build();
    }

    /** The lines of an event stream to the parser; any other answer read whole, to report it. */
    private BodySubscriber<String> body(HttpResponse.ResponseInfo info) {
        if (info.statusCode() == 200 && isEventStream(info.headers())) {
            // A submit's stream names its job, which a reconnect follows; else the first event does.
            String location = info.headers().firstValue("Location").orElse("");
            if (id == null && location.startsWith(JOB_PATH)
                    && JobId.isWellFormed(location.substring(JOB_PATH.length()))) {
                id = new JobId(location.substring(JOB_PATH.length()));
            }
            return BodySubscribers.fromLineSubscriber(new Lines(), lines -> null, StandardCharsets.UTF_8, null);
        }
        return BodySubscribers.ofString(StandardCharsets.UTF_8);
    }

    private static boolean isEventStream(HttpHeaders headers) {
        return headers.firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT).startsWith("text/event-stream");
    }

    private void ended(HttpResponse<String> response, Throwable failure) {
        if (terminal.isDone()) {
            return;
        }
        if (failure != null) {
            reconnectOrFail(transport.failure(Transport.unwrap(failure)));
        } else if (response.body() == null) {
            reconnectOrFail(new InferqTransportException("the event stream of job " + id + " ended at "
                    + (last == null ? "no state" : last.job().status().name()) + ", before a terminal one", null));
        } else if (id == null && response.statusCode() == 202) {
            accepted(new Answer(response.statusCode(), response.headers(), response.body()));
        } else if (response.statusCode() / 100 == 2) {
            terminal.completeExceptionally(new InferqTransportException("the event stream of job " + id
                    + " answered " + response.statusCode() + " with Content-Type "
                    + response.headers().firstValue("Content-Type").orElse("(none)") + ", not text/event-stream",
                    null));
        } else {
            refused(new Answer(response.statusCode(), response.headers(), response.body()));
        }
    }

    /**
     * A submit answered as a job accepted, not with its stream (a gateway or proxy that does not stream submits):
     * the job was created all the same, and its events are one request away.
     */
    private void accepted(Answer answer) {
        try {
            id = Answers.submitted(answer).id();
        } catch (RuntimeException unreadable) {
            terminal.completeExceptionally(new InferqTransportException("unexpected answer 202 to the submit: "
                    + unreadable.getMessage(), unreadable));
            return;
        }
        open();
    }

    /** An error answer: a refusal of the submit that says "not now" is sent again as the retry policy allows. */
    private void refused(Answer answer) {
        InferqProblemException problem = Answers.problem(answer, Clock.systemUTC());
        streamsFull = id == null && STREAMS_FULL.equals(Answers.problemType(answer.body()));
        if (id == null && !streamsFull && problem.kind().isRetryable()) {
            Duration elapsed = Duration.ofNanos(System.nanoTime() - submitStartedNanos);
            Optional<Duration> pause = transport.settings().retries().pauseBefore(submitAttempts + 1,
                    problem.retryAfter().orElse(null), elapsed, ThreadLocalRandom.current().nextDouble());
            if (pause.isPresent()) {
                Transport.after(pause.get()).thenRun(this::open);
                return;
            }
        }
        terminal.completeExceptionally(problem);
    }

    private void reconnectOrFail(InferqException failure) {
        if (failuresInARow >= transport.settings().streamReconnects()) {
            terminal.completeExceptionally(failure);
            return;
        }
        Duration pause = serverRetry != null ? serverRetry
                : FIRST_RECONNECT_DELAY.multipliedBy(1L << Math.min(failuresInARow, 6));
        failuresInARow++;
        Transport.after(pause).thenRun(this::open);
    }

    private void event(SseEvent event) {
        // Only status events are job states; the default type is taken too, for proxies that rewrite streams.
        if (!STATUS_EVENT.equals(event.event()) && !"message".equals(event.event())) {
            return;
        }
        if (event.id() != null) {
            lastEventId = event.id();
        }
        JobProgress update = decode(event.data());
        if (id == null) {
            id = update.job().id();
        }
        if (last != null && (update.equals(last) || update.job().status().rank() < last.job().status().rank())) {
            return;
        }
        last = update;
        failuresInARow = 0;
        listener.accept(update);
        if (update.job().status().isTerminal()) {
            terminal.complete(update.job());
            connection.cancel();
        }
    }

    private JobProgress decode(String data) {
        try {
            JsonNode event = JobCodec.mapper().readTree(data);
            JsonNode position = event.path("queue_position");
            JsonNode eta = event.path("eta_s");
            return new JobProgress(JobCodec.decodeRecord(data), position.isIntegralNumber() ? position.asLong() : null,
                    eta.isNumber() ? eta.asDouble() : null);
        } catch (JobCodec.MalformedJobException | JacksonException | IllegalArgumentException e) {
            throw new InferqTransportException("unreadable event of job " + id + ": " + e.getMessage(), e);
        }
    }

    /** One connection's lines: all are asked for at once, since a job sends few events and each is handled at once. */
    private final class Lines implements Flow.Subscriber<String> {

        private final SseParser parser = new SseParser();

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            connection = subscription;
            if (terminal.isDone()) {
                subscription.cancel();
            } else {
                subscription.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(String line) {
            if (terminal.isDone()) {
                return;
            }
            SseEvent event = parser.line(line);
            serverRetry = parser.retry().orElse(serverRetry);
            if (event == null) {
                return;
            }
            try {
                event(event);
            } catch (RuntimeException e) {
                // An unreadable event, or a listener that failed: the stream is of no further use.
                terminal.completeExceptionally(e);
                connection.cancel();
            }
        }

        @Override
        public void onError(Throwable failure) {
            // The response's future fails with the same cause; ended() handles it there.
        }

        @Override
        public void onComplete() {
            // The response's future completes too; ended() handles it there.
        }
    }
}
