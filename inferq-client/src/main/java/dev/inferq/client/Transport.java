package dev.inferq.client;

import dev.inferq.client.Answers.Answer;
import dev.inferq.contract.JobCodec;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import tools.jackson.core.JacksonException;

/**
 * The HTTP side that both clients share, on the JDK's {@link HttpClient}: requests to the gateway with the configured
 * headers and timeouts, answers read whole, and the {@link RetryPolicy} applied to them. HTTP/1.1 is asked for, so
 * that plain-http gateways are not sent an {@code h2c} upgrade, and each followed job holds one connection.
 */
final class Transport {

    /** The JDK's setting of how long a pooled connection may idle, in seconds (read once, when its pool loads). */
    static final String KEEP_ALIVE_PROPERTY = "jdk.httpclient.keepalive.timeout";
    /** Under the gateway's {@code inferq.gateway.limits.connections.idle-timeout} (60 s): the client closes first. */
    static final String KEEP_ALIVE_SECONDS = "30";

    static {
        // The JDK's default (1,200 s on Java 17) outlives the gateway's idle timeout: a pooled connection would be
        // closed under the client, which then finds it dead on its next request. Unless the application chose.
        if (System.getProperty(KEEP_ALIVE_PROPERTY) == null) {
            System.setProperty(KEEP_ALIVE_PROPERTY, KEEP_ALIVE_SECONDS);
        }
    }

    private final ClientSettings settings;
    private final HttpClient http;
    private final Clock clock = Clock.systemUTC();

    Transport(ClientSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    HttpClient http() {
        return http;
    }

    ClientSettings settings() {
        return settings;
    }

    /** A request to {@code path} (with its query) under the base URI, with the client's headers and request timeout. */
    HttpRequest.Builder request(String path) {
        String base = settings.baseUri().toString();
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path))
                .timeout(settings.requestTimeout());
        settings.headers().forEach(request::header);
        return request;
    }

    /** One path segment or query value, percent-encoded. */
    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Sends the request (again, as the retry policy allows) and decodes the successful answer. */
    <T> CompletableFuture<T> call(HttpRequest request, Function<Answer, T> decode) {
        return attempt(request, 1, System.nanoTime()).thenApply(answer -> decodeOrFail(answer, decode));
    }

    private CompletableFuture<Answer> attempt(HttpRequest request, int attempt, long startedNanos) {
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .handle((response, failure) -> {
                    InferqException error;
                    Duration retryAfter = null;
                    if (failure != null) {
                        Throwable cause = unwrap(failure);
                        error = failure(cause);
                        if (!isConnectionFailure(cause)) {
                            return CompletableFuture.<Answer>failedFuture(error);
                        }
                    } else {
                        Answer answer = new Answer(response.statusCode(), response.headers(), response.body());
                        if (answer.isSuccess()) {
                            return CompletableFuture.completedFuture(answer);
                        }
                        InferqProblemException problem = Answers.problem(answer, clock);
                        if (!problem.kind().isRetryable()) {
                            return CompletableFuture.<Answer>failedFuture(problem);
                        }
                        error = problem;
                        retryAfter = problem.retryAfter().orElse(null);
                    }
                    InferqException last = error;
                    Duration elapsed = Duration.ofNanos(System.nanoTime() - startedNanos);
                    return settings.retries()
                            .pauseBefore(attempt + 1, retryAfter, elapsed, ThreadLocalRandom.current().nextDouble())
                            .map(pause -> after(pause).thenCompose(ignored -> attempt(request, attempt + 1,
                                    startedNanos)))
                            .orElseGet(() -> CompletableFuture.failedFuture(attempt == 1 ? last
                                    : last instanceof InferqTransportException
                                            ? new InferqTransportException(last.getMessage() + " (" + attempt
                                                    + " attempts)", last.getCause())
                                            : last));
                })
                .thenCompose(Function.identity());
    }

    /**
     * Failures after which the request cannot have reached the gateway, or its answer was lost with the connection:
     * safe to send again (submits carry an idempotency key). A request timeout is not one: the gateway may still be
     * working on it, and sending it again would add load where there is too much already.
     */
    private static boolean isConnectionFailure(Throwable failure) {
        return failure instanceof ConnectException || failure instanceof HttpConnectTimeoutException
                || failure instanceof IOException && !(failure instanceof HttpTimeoutException);
    }

    private static <T> T decodeOrFail(Answer answer, Function<Answer, T> decode) {
        try {
            return decode.apply(answer);
        } catch (JacksonException | IllegalArgumentException | NullPointerException
                 | DateTimeParseException | JobCodec.MalformedJobException e) {
            throw new InferqTransportException("unexpected answer " + answer.status() + ": " + e.getMessage(), e);
        }
    }

    /** No usable answer, in words that name the gateway and the cause. */
    InferqException failure(Throwable failure) {
        if (failure instanceof InferqException known) {
            return known;
        }
        String what;
        if (failure instanceof HttpTimeoutException && !(failure instanceof HttpConnectTimeoutException)) {
            what = "no answer within " + settings.requestTimeout();
        } else if (failure instanceof ConnectException) {
            what = "cannot connect" + (failure.getMessage() != null ? ": " + failure.getMessage() : "");
        } else {
            what = failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
        }
        return new InferqTransportException(settings.baseUri() + ": " + what, failure);
    }

    /** Completes after {@code pause}, on the common pool: what retries and polls wait on, holding no thread. */
    static CompletableFuture<Void> after(Duration pause) {
        return CompletableFuture.runAsync(() -> { },
                CompletableFuture.delayedExecutor(pause.toNanos(), TimeUnit.NANOSECONDS));
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * The future's value on the calling thread: what the blocking client does with every call. Its failure is thrown
     * as it is (an {@link InferqException}); an interrupt cancels the call and keeps the thread's interrupt status.
     */
    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new InferqTransportException("interrupted while waiting for the gateway", e);
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new InferqTransportException(cause.toString(), cause);
        }
    }
}
