package dev.inferq.client;

import dev.inferq.client.Answers.Answer;
import dev.inferq.common.job.JobCodec;
import dev.inferq.common.job.JobId;
import dev.inferq.common.job.JobRecord;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.codec.CodecException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientException;
import org.springframework.web.util.UriBuilder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.retry.Retry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The inferq HTTP API as {@link Mono} and {@link Flux}, on Spring's {@link WebClient} over Reactor Netty. Nothing
 * happens until a result is subscribed to, and each subscription sends its request again (a retry is a
 * resubscription). Refusals arrive as {@link InferqProblemException}, missing or unusable answers as
 * {@link InferqTransportException}. Build one with {@link #create(URI)} or {@link InferqClient#builder(URI)}; it is
 * thread-safe and meant to be shared. It owns its connection pool: {@link #close()} releases it.
 */
public final class ReactiveInferqClient implements AutoCloseable {

    private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENTS =
            new ParameterizedTypeReference<>() {
            };
    private static final String STATUS_EVENT = "status";
    private static final Duration FIRST_RECONNECT_DELAY = Duration.ofMillis(200);
    /** The wait before retrying a 429 or 503 that named none. */
    private static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);

    private final ClientSettings settings;
    private final ConnectionProvider connections;
    private final WebClient web;

    ReactiveInferqClient(ClientSettings settings) {
        this.settings = settings;
        // Every followed job holds a connection for as long as it runs, so the pool is sized by the builder rather
        // than by Reactor Netty's default (twice the cores, at least 16), and waiting for a free one is unbounded.
        this.connections = ConnectionProvider.builder("inferq-client")
                .maxConnections(settings.maxConnections())
                .pendingAcquireMaxCount(-1)
                .build();
        HttpClient http = HttpClient.create(connections)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(settings.connectTimeout().toMillis()));
        this.web = WebClient.builder()
                .baseUrl(settings.baseUri().toString())
                .clientConnector(new ReactorClientHttpConnector(http))
                .defaultHeaders(headers -> settings.headers().forEach(headers::set))
                .build();
    }

    /** A client of the gateway at {@code base} with the default settings. */
    public static ReactiveInferqClient create(URI base) {
        return InferqClient.builder(base).buildReactive();
    }

    public Mono<SubmittedJob> submitTexts(String model, List<String> texts) {
        return submitTexts(model, texts, SubmitOptions.none());
    }

    /** Texts for a text model; the job gets one prediction per text, in order. */
    public Mono<SubmittedJob> submitTexts(String model, List<String> texts, SubmitOptions options) {
        return submitJson(model, Map.of("inputs", List.copyOf(texts)), options);
    }

    public Mono<SubmittedJob> submitImage(String model, byte[] image, String contentType) {
        return submitImage(model, image, contentType, SubmitOptions.none());
    }

    /** An image as the raw request body; {@code contentType} is its {@code image/*} type. */
    public Mono<SubmittedJob> submitImage(String model, byte[] image, String contentType, SubmitOptions options) {
        MediaType type = MediaType.parseMediaType(contentType);
        byte[] body = image.clone();
        return submit(model, options, request -> request.contentType(type).bodyValue(body));
    }

    public Mono<SubmittedJob> submitImageUrl(String model, URI url) {
        return submitImageUrl(model, url, SubmitOptions.none());
    }

    /** An image the gateway downloads from {@code url} (http or https, behind its address guard). */
    public Mono<SubmittedJob> submitImageUrl(String model, URI url, SubmitOptions options) {
        return submitJson(model, Map.of("url", url.toString()), options);
    }

    /** The job's current state. */
    public Mono<JobRecord> get(JobId id) {
        return unary(() -> web.get().uri("/v1/jobs/{id}", id.value()), answer -> JobCodec.decodeRecord(answer.body()));
    }

    /** Cancels a job no worker has started: its state, now CANCELLED; a job past QUEUED is a 409 problem. */
    public Mono<JobRecord> cancel(JobId id) {
        return unary(() -> web.post().uri("/v1/jobs/{id}/cancel", id.value()),
                answer -> JobCodec.decodeRecord(answer.body()));
    }

    /**
     * The job's states from its current one on, each change once, completing after the terminal one. A stream that
     * breaks or ends early is opened again (up to the builder's {@code streamReconnects} times in a row) with
     * {@code Last-Event-ID}; states already seen are not emitted twice, and none older than the last one seen.
     */
    public Flux<JobRecord> events(JobId id) {
        return progress(id).map(JobProgress::job).distinctUntilChanged();
    }

    /**
     * Like {@link #events}, with the queue figures of each event: while the job waits, a new element whenever its
     * position or estimate changed.
     */
    public Flux<JobProgress> progress(JobId id) {
        return Flux.defer(() -> {
            AtomicReference<String> lastEventId = new AtomicReference<>();
            AtomicReference<JobProgress> last = new AtomicReference<>();
            return Flux.defer(() -> stream(id, lastEventId.get()))
                    .doOnNext(event -> lastEventId.set(event.id()))
                    .map(event -> decodeEvent(id, event.data()))
                    .filter(update -> isNew(last, update))
                    .takeUntil(update -> update.job().status().isTerminal())
                    .concatWith(Mono.defer(() -> endedEarly(id, last.get())))
                    .retryWhen(Retry.backoff(settings.streamReconnects(), FIRST_RECONNECT_DELAY)
                            .transientErrors(true)
                            .filter(InferqTransportException.class::isInstance)
                            .onRetryExhaustedThrow((spec, signal) -> signal.failure()));
        });
    }

    /**
     * The job's terminal state, followed over its event stream; where the stream cannot be used (a proxy that
     * refuses or buffers it, a connection that keeps breaking) by polling every {@code pollInterval}. Fails with
     * {@link JobAwaitTimeoutException} when {@code wait} runs out first; the job itself goes on.
     */
    public Mono<JobRecord> await(JobId id, Duration wait) {
        return Mono.defer(() -> {
            AtomicReference<JobRecord> seen = new AtomicReference<>();
            return events(id).doOnNext(seen::set).last()
                    .onErrorResume(ReactiveInferqClient::streamUnusable, unusable -> poll(id, seen))
                    .timeout(wait, Mono.error(() -> new JobAwaitTimeoutException(id, wait, seen.get())));
        });
    }

    /** Submits texts and awaits the job's terminal state. */
    public Mono<JobRecord> classify(String model, List<String> texts, Duration wait) {
        return submitTexts(model, texts).flatMap(job -> await(job.id(), wait));
    }

    /** Submits an image and awaits the job's terminal state. */
    public Mono<JobRecord> classify(String model, byte[] image, String contentType, Duration wait) {
        return submitImage(model, image, contentType).flatMap(job -> await(job.id(), wait));
    }

    /** Submits an image URL and awaits the job's terminal state. */
    public Mono<JobRecord> classify(String model, URI imageUrl, Duration wait) {
        return submitImageUrl(model, imageUrl).flatMap(job -> await(job.id(), wait));
    }

    /** Closes the client's connections; calls in flight fail. */
    @Override
    public void close() {
        connections.dispose();
    }

    private Mono<SubmittedJob> submitJson(String model, Map<String, Object> body, SubmitOptions options) {
        byte[] json = JobCodec.mapper().writeValueAsBytes(body);
        return submit(model, options, request -> request.contentType(MediaType.APPLICATION_JSON).bodyValue(json));
    }

    private Mono<SubmittedJob> submit(String model, SubmitOptions options,
            Function<WebClient.RequestBodySpec, WebClient.RequestHeadersSpec<?>> body) {
        Objects.requireNonNull(options, "options");
        return unary(() -> {
            WebClient.RequestBodySpec request = web.post().uri(uri -> jobsUri(uri, model, options));
            if (options.idempotencyKey() != null) {
                request.header("Idempotency-Key", options.idempotencyKey());
            }
            if (options.bypassCache()) {
                request.header(HttpHeaders.CACHE_CONTROL, "no-cache");
            }
            return body.apply(request);
        }, Answers::submitted);
    }

    /** {@code timeout_s} goes in the query: the gateway takes it there for every kind of submit. */
    private static URI jobsUri(UriBuilder uri, String model, SubmitOptions options) {
        uri.path("/v1/models/{model}/jobs");
        if (options.timeout() != null) {
            uri.queryParam("timeout_s", options.timeout().toSeconds());
        }
        return uri.build(model);
    }

    /**
     * One request whose answer is read whole; a 429 or 503 is retried after its {@code Retry-After} when the builder
     * asked for retries. The request timeout applies to each attempt.
     */
    private <T> Mono<T> unary(Supplier<WebClient.RequestHeadersSpec<?>> request, Function<Answer, T> decode) {
        return Mono.defer(() -> request.get().exchangeToMono(ReactiveInferqClient::readWhole))
                .timeout(settings.requestTimeout())
                .onErrorMap(ReactiveInferqClient::isTransportFailure, this::transportFailure)
                .flatMap(answer -> answer.isSuccess()
                        ? Mono.fromCallable(() -> decodeOrFail(answer, decode))
                        : Mono.error(Answers.problem(answer, Clock.systemUTC())))
                .retryWhen(Retry.from(signals -> signals.concatMap(signal -> {
                    Throwable failure = signal.failure();
                    if (signal.totalRetries() < settings.maxRetries()
                            && failure instanceof InferqProblemException problem && problem.kind().isRetryable()) {
                        return Mono.delay(retryDelay(problem));
                    }
                    return Mono.error(failure);
                })));
    }

    private static Mono<Answer> readWhole(ClientResponse response) {
        return response.bodyToMono(String.class).defaultIfEmpty("")
                .map(body -> new Answer(response.statusCode().value(), response.headers().asHttpHeaders(), body));
    }

    private static <T> T decodeOrFail(Answer answer, Function<Answer, T> decode) {
        try {
            return decode.apply(answer);
        } catch (JacksonException | IllegalArgumentException | NullPointerException
                 | DateTimeParseException | JobCodec.MalformedJobException e) {
            throw new InferqTransportException("unexpected answer " + answer.status() + ": " + e.getMessage(), e);
        }
    }

    private Duration retryDelay(InferqProblemException problem) {
        Duration asked = problem.retryAfter().orElse(DEFAULT_RETRY_DELAY);
        return asked.compareTo(settings.maxRetryDelay()) > 0 ? settings.maxRetryDelay() : asked;
    }

    private Flux<ServerSentEvent<String>> stream(JobId id, String lastEventId) {
        return web.get().uri("/v1/jobs/{id}/events", id.value())
                .accept(MediaType.TEXT_EVENT_STREAM)
                .headers(headers -> {
                    if (lastEventId != null) {
                        headers.set("Last-Event-ID", lastEventId);
                    }
                })
                .exchangeToFlux(response -> response.statusCode().is2xxSuccessful()
                        ? response.bodyToFlux(EVENTS)
                        : readWhole(response).flatMapMany(answer -> Mono.error(
                                Answers.problem(answer, Clock.systemUTC()))))
                // Comments (keep-alives) carry no data; only status events are job states.
                .filter(event -> event.data() != null
                        && (event.event() == null || STATUS_EVENT.equals(event.event())))
                .onErrorMap(ReactiveInferqClient::isTransportFailure, this::transportFailure);
    }

    private static JobProgress decodeEvent(JobId id, String data) {
        try {
            JsonNode event = JobCodec.mapper().readTree(data);
            JsonNode eta = event.path("eta_s");
            return new JobProgress(JobCodec.decodeRecord(data), number(event, "queue_position"),
                    eta.isNumber() ? eta.asDouble() : null);
        } catch (JobCodec.MalformedJobException | JacksonException e) {
            throw new InferqTransportException("unreadable event of job " + id + ": " + e.getMessage(), e);
        }
    }

    private static Long number(JsonNode event, String field) {
        JsonNode value = event.path(field);
        return value.isIntegralNumber() ? value.asLong() : null;
    }

    /** Drops an event equal to the last one (a replay after a reconnect) or behind it in the lifecycle. */
    private static boolean isNew(AtomicReference<JobProgress> last, JobProgress update) {
        JobProgress previous = last.get();
        if (previous != null && (update.equals(previous)
                || update.job().status().rank() < previous.job().status().rank())) {
            return false;
        }
        last.set(update);
        return true;
    }

    private static <T> Mono<T> endedEarly(JobId id, JobProgress last) {
        return last != null && last.job().status().isTerminal() ? Mono.empty()
                : Mono.error(new InferqTransportException("the event stream of job " + id + " ended at "
                        + (last == null ? "no state" : last.job().status().name()) + ", before a terminal one", null));
    }

    private Mono<JobRecord> poll(JobId id, AtomicReference<JobRecord> seen) {
        return get(id).doOnNext(seen::set)
                .repeatWhen(polls -> polls.delayElements(settings.pollInterval()))
                .filter(job -> job.status().isTerminal())
                .next();
    }

    /** Polling can stand in for the stream unless the gateway said the job does not exist. */
    private static boolean streamUnusable(Throwable failure) {
        return failure instanceof InferqTransportException
                || failure instanceof InferqProblemException problem
                        && problem.kind() != InferqProblemException.Kind.NOT_FOUND;
    }

    private static boolean isTransportFailure(Throwable failure) {
        // IOException: a connection Reactor Netty saw close mid-body; CodecException: a body that is no event stream.
        return failure instanceof WebClientException || failure instanceof TimeoutException
                || failure instanceof IOException || failure instanceof CodecException;
    }

    private Throwable transportFailure(Throwable failure) {
        String what = failure instanceof TimeoutException
                ? "no answer within " + settings.requestTimeout() : failure.getMessage();
        return new InferqTransportException(settings.baseUri() + ": " + what, failure);
    }
}
