package dev.inferq.client;

import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The inferq HTTP API as blocking calls: each method waits for its answer on the calling thread ({@link #async()}
 * has the same calls as futures). It is the asynchronous client with blocking wrappers, so both behave alike:
 * refusals throw {@link InferqProblemException}, missing or unusable answers {@link InferqTransportException}, after
 * the {@link RetryPolicy} (on by default). Thread-safe; build one, share it, and close it when done.
 *
 * <pre>{@code
 * InferqClient inferq = InferqClient.fromEnv();   // INFERQ_URL, INFERQ_API_KEY
 * JobRecord done = inferq.classify("sentiment", List.of("I loved it"), Duration.ofSeconds(30));
 * }</pre>
 */
public final class InferqClient implements AutoCloseable {

    /** Where {@link #fromEnv()} finds the gateway when {@code INFERQ_URL} is not set: {@code ./run-local}'s. */
    public static final URI DEFAULT_URL = URI.create("http://localhost:8080");

    private final AsyncInferqClient async;

    private InferqClient(AsyncInferqClient async) {
        this.async = async;
    }

    /** A client of the gateway at {@code base} (e.g. {@code http://localhost:8080}) with the default settings. */
    public static InferqClient create(URI base) {
        return builder(base).build();
    }

    /**
     * A client configured as the project's command line and examples are: the gateway at {@code INFERQ_URL}
     * (default {@link #DEFAULT_URL}) and, when {@code INFERQ_API_KEY} is set, that key as a Bearer token.
     */
    public static InferqClient fromEnv() {
        return builderFrom(System::getenv).build();
    }

    public static Builder builder(URI base) {
        return new Builder(base);
    }

    /** A builder from these environment variables ({@link #fromEnv()} with {@code System::getenv}). */
    static Builder builderFrom(UnaryOperator<String> environment) {
        String url = environment.apply("INFERQ_URL");
        Builder builder = builder(url == null || url.isBlank() ? DEFAULT_URL : URI.create(url.strip()));
        String key = environment.apply("INFERQ_API_KEY");
        return key == null || key.isBlank() ? builder : builder.apiKey(key.strip());
    }

    /** The same client, its calls as {@code CompletableFuture}s and its events as {@code Flow.Publisher}s. */
    public AsyncInferqClient async() {
        return async;
    }

    /** The models the gateway serves, with their tasks and labels. */
    public List<ModelInfo> models() {
        return Transport.join(async.models());
    }

    /** One model with its card and live figures. */
    public ModelInfo model(String name) {
        return Transport.join(async.model(name));
    }

    public SubmittedJob submitTexts(String model, List<String> texts) {
        return Transport.join(async.submitTexts(model, texts));
    }

    public SubmittedJob submitTexts(String model, List<String> texts, SubmitOptions options) {
        return Transport.join(async.submitTexts(model, texts, options));
    }

    public SubmittedJob submitImage(String model, byte[] image, String contentType) {
        return Transport.join(async.submitImage(model, image, contentType));
    }

    public SubmittedJob submitImage(String model, byte[] image, String contentType, SubmitOptions options) {
        return Transport.join(async.submitImage(model, image, contentType, options));
    }

    public SubmittedJob submitImageUrl(String model, URI url) {
        return Transport.join(async.submitImageUrl(model, url));
    }

    public SubmittedJob submitImageUrl(String model, URI url, SubmitOptions options) {
        return Transport.join(async.submitImageUrl(model, url, options));
    }

    /**
     * Submits texts and follows the new job in the same exchange (see {@link AsyncInferqClient#submitTextsAndFollow}):
     * each state with its queue figures, ending after the terminal one. Reading blocks until the next state; close
     * the stream (try-with-resources) to stop following early. A refused submit throws when the stream is read.
     */
    public Stream<JobProgress> submitTextsAndFollow(String model, List<String> texts, SubmitOptions options) {
        return BlockingReader.stream(async.submitTextsAndFollow(model, texts, options));
    }

    public Stream<JobProgress> submitImageAndFollow(String model, byte[] image, String contentType,
            SubmitOptions options) {
        return BlockingReader.stream(async.submitImageAndFollow(model, image, contentType, options));
    }

    public Stream<JobProgress> submitImageUrlAndFollow(String model, URI url, SubmitOptions options) {
        return BlockingReader.stream(async.submitImageUrlAndFollow(model, url, options));
    }

    public JobRecord get(JobId id) {
        return Transport.join(async.get(id));
    }

    public JobRecord cancel(JobId id) {
        return Transport.join(async.cancel(id));
    }

    /** One page of the caller's jobs, newest first. */
    public JobPage listJobs(JobQuery query) {
        return Transport.join(async.listJobs(query));
    }

    /** Every job the query selects, newest first: the first page at once, the others as the stream is read. */
    public Stream<JobRecord> jobs(JobQuery query) {
        return Stream.iterate(listJobs(query), Objects::nonNull,
                        page -> page.next(query).map(this::listJobs).orElse(null))
                .flatMap(page -> page.jobs().stream());
    }

    /**
     * The job's states as they happen, ending after the terminal one (see {@link AsyncInferqClient#events}).
     * Reading blocks until the next state; close the stream (try-with-resources) to stop following early.
     */
    public Stream<JobRecord> events(JobId id) {
        return BlockingReader.stream(async.events(id));
    }

    /** Like {@link #events}, with each event's queue position and estimate while the job waits. */
    public Stream<JobProgress> progress(JobId id) {
        return BlockingReader.stream(async.progress(id));
    }

    /** Blocks until the job is terminal, or throws {@link JobAwaitTimeoutException} once {@code wait} runs out. */
    public JobRecord await(JobId id, Duration wait) {
        return Transport.join(async.await(id, wait));
    }

    /** Submits texts and waits for the job's terminal state (which may be FAILED or EXPIRED: check its status). */
    public JobRecord classify(String model, List<String> texts, Duration wait) {
        return Transport.join(async.classify(model, texts, wait));
    }

    public JobRecord classify(String model, byte[] image, String contentType, Duration wait) {
        return Transport.join(async.classify(model, image, contentType, wait));
    }

    public JobRecord classify(String model, URI imageUrl, Duration wait) {
        return Transport.join(async.classify(model, imageUrl, wait));
    }

    /**
     * Stops following events (those of {@link #async()} too). Java 17's HTTP client has no close: its idle
     * connections go when the client is no longer referenced.
     */
    @Override
    public void close() {
        async.close();
    }

    /** Settings of a client; every one has a default. */
    public static final class Builder {

        private final URI baseUri;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private final Map<String, String> headers = new LinkedHashMap<>();
        private RetryPolicy retries = RetryPolicy.defaults();
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

        /**
         * Longest wait for an answer to one request, each retry counted apart (default 30 s); a submit that asks the
         * gateway to wait gets its wait on top. For an event stream it bounds the wait for the stream to start.
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
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

        /** When requests are sent again (default {@link RetryPolicy#defaults()}; {@link RetryPolicy#none()}: never). */
        public Builder retries(RetryPolicy policy) {
            this.retries = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Shorthand for {@link #retries}: up to {@code maxRetries} retries, each pause at most {@code maxDelay}, none
         * starting later than the default 30 s plus {@code maxDelay} per retry after the first attempt. 0 turns
         * retries off.
         */
        public Builder retryWhenBusy(int maxRetries, Duration maxDelay) {
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must not be negative: " + maxRetries);
            }
            positive(maxDelay, "maxDelay");
            return retries(RetryPolicy.defaults().withMaxAttempts(maxRetries + 1).withMaxDelay(maxDelay)
                    .withMaxElapsed(RetryPolicy.defaults().maxElapsed().plus(maxDelay.multipliedBy(maxRetries))));
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
            return new InferqClient(new AsyncInferqClient(new ClientSettings(baseUri, connectTimeout, requestTimeout,
                    headers, retries, pollInterval, streamReconnects)));
        }

        private static Duration positive(Duration value, String name) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + value);
            }
            return value;
        }
    }
}
