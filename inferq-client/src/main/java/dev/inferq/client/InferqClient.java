package dev.inferq.client;

import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The inferq HTTP API as blocking calls: each method waits for its answer on the calling thread (never call them
 * on a Reactor event-loop thread; use {@link #reactive()} there). It is the {@link ReactiveInferqClient} with
 * blocking wrappers, so both behave alike: refusals throw {@link InferqProblemException}, missing or unusable
 * answers {@link InferqTransportException}. Thread-safe; build one, share it, and close it when done.
 *
 * <pre>{@code
 * InferqClient inferq = InferqClient.create(URI.create("http://localhost:8080"));
 * JobRecord done = inferq.classify("sentiment", List.of("I loved it"), Duration.ofSeconds(30));
 * }</pre>
 */
public final class InferqClient implements AutoCloseable {

    private final ReactiveInferqClient reactive;

    private InferqClient(ReactiveInferqClient reactive) {
        this.reactive = reactive;
    }

    /** A client of the gateway at {@code base} (e.g. {@code http://localhost:8080}) with the default settings. */
    public static InferqClient create(URI base) {
        return builder(base).build();
    }

    public static Builder builder(URI base) {
        return new Builder(base);
    }

    /** The same client, its calls as {@code Mono}s and {@code Flux}es. */
    public ReactiveInferqClient reactive() {
        return reactive;
    }

    public SubmittedJob submitTexts(String model, List<String> texts) {
        return reactive.submitTexts(model, texts).block();
    }

    public SubmittedJob submitTexts(String model, List<String> texts, SubmitOptions options) {
        return reactive.submitTexts(model, texts, options).block();
    }

    public SubmittedJob submitImage(String model, byte[] image, String contentType) {
        return reactive.submitImage(model, image, contentType).block();
    }

    public SubmittedJob submitImage(String model, byte[] image, String contentType, SubmitOptions options) {
        return reactive.submitImage(model, image, contentType, options).block();
    }

    public SubmittedJob submitImageUrl(String model, URI url) {
        return reactive.submitImageUrl(model, url).block();
    }

    public SubmittedJob submitImageUrl(String model, URI url, SubmitOptions options) {
        return reactive.submitImageUrl(model, url, options).block();
    }

    public JobRecord get(JobId id) {
        return reactive.get(id).block();
    }

    public JobRecord cancel(JobId id) {
        return reactive.cancel(id).block();
    }

    /**
     * The job's states as they happen, ending after the terminal one (see {@link ReactiveInferqClient#events}).
     * Reading blocks until the next state; close the stream (try-with-resources) to stop following early.
     */
    public Stream<JobRecord> events(JobId id) {
        return reactive.events(id).toStream(1);
    }

    /** Blocks until the job is terminal, or throws {@link JobAwaitTimeoutException} once {@code wait} runs out. */
    public JobRecord await(JobId id, Duration wait) {
        return reactive.await(id, wait).block();
    }

    /** Submits texts and waits for the job's terminal state (which may be FAILED or EXPIRED: check its status). */
    public JobRecord classify(String model, List<String> texts, Duration wait) {
        return reactive.classify(model, texts, wait).block();
    }

    public JobRecord classify(String model, byte[] image, String contentType, Duration wait) {
        return reactive.classify(model, image, contentType, wait).block();
    }

    public JobRecord classify(String model, URI imageUrl, Duration wait) {
        return reactive.classify(model, imageUrl, wait).block();
    }

    /** Closes the client's connections (those of {@link #reactive()} too). */
    @Override
    public void close() {
        reactive.close();
    }

    /** Settings of a client; every one has a default. */
    public static final class Builder {

        private final URI baseUri;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private final Map<String, String> headers = new LinkedHashMap<>();
        private int maxConnections = 500;
        private int maxRetries;
        private Duration maxRetryDelay = Duration.ofMinutes(2);
        private Duration pollInterval = Duration.ofMillis(200);
        private int streamReconnects = 3;

        private Builder(URI baseUri) {
            this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
        }

        /** Longest wait for a TCP connection (default 5 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** Longest wait for the whole answer of one request, each retry counted apart (default 30 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * Most connections open at once (default 500). A job followed by {@code events} or {@code await} holds one
         * until it ends; calls beyond the limit wait for a free one.
         */
        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1: " + maxConnections);
            }
            this.maxConnections = maxConnections;
            return this;
        }

        /** Sends {@code Authorization: Bearer <key>} with every request, for gateways that require a key. */
        public Builder apiKey(String key) {
            return header("Authorization", "Bearer " + Objects.requireNonNull(key, "key"));
        }

        /** A header sent with every request. */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Retries a request answered 429 or 503 up to {@code maxRetries} times, each after the answer's
         * {@code Retry-After} (1 s where it gives none), at most {@code maxDelay}. Off by default (0): the caller
         * sees the {@link InferqProblemException} with its {@code retryAfter()}. Retrying a submit is safe: the
         * gateway stores nothing for a refused one; give it an idempotency key to be safe across lost answers too.
         */
        public Builder retryWhenBusy(int maxRetries, Duration maxDelay) {
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must not be negative: " + maxRetries);
            }
            this.maxRetries = maxRetries;
            this.maxRetryDelay = positive(maxDelay, "maxDelay");
            return this;
        }

        /** How often {@code await} polls where the event stream cannot be used (default 200 ms). */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = positive(interval, "pollInterval");
            return this;
        }

        /** How often in a row a broken event stream is opened again before it fails (default 3). */
        public Builder streamReconnects(int reconnects) {
            if (reconnects < 0) {
                throw new IllegalArgumentException("reconnects must not be negative: " + reconnects);
            }
            this.streamReconnects = reconnects;
            return this;
        }

        public InferqClient build() {
            return new InferqClient(buildReactive());
        }

        public ReactiveInferqClient buildReactive() {
            return new ReactiveInferqClient(new ClientSettings(baseUri, connectTimeout, requestTimeout, headers,
                    maxConnections, maxRetries, maxRetryDelay, pollInterval, streamReconnects));
        }

        private static Duration positive(Duration value, String name) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + value);
            }
            return value;
        }
    }
}
