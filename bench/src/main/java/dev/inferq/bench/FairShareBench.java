package dev.inferq.bench;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import tools.jackson.databind.JsonNode;

/**
 * Fair share between tenants on the real platform ({@code ./run-local}, one worker): tenant b sends text jobs at a
 * modest rate alone, then again while tenant a floods the same model, keeping {@code --a-backlog} jobs waiting (the
 * gateway's default {@code max-backlog}: what admission control lets a flood keep queued). The flood runs once with
 * the worker's fair share off and once on ({@code INFERQ_WORKER_FAIR_SHARE}), each on a freshly started platform
 * ({@code --max-batch-size} sets the worker's {@code MAX_BATCH_SIZE} for both).
 *
 * <p>Jobs are sent as the gateway sends them, their record created in Redis and the request published to the model's
 * topic, with the tenant set: the gateway sets a job's tenant from its API key, which this run does not depend on. A
 * job's latency runs from just before its record is created to the moment its terminal state is published on its
 * events channel (one pattern subscription follows every job). The last line printed is
 * {@code fair_share: b_alone_p95_ms=.. b_under_flood_p95_ms=.. ratio=.. a_jobs_per_s=.. (fifo: ...)}.
 */
public final class FairShareBench {

    private static final Consumer<String> LOG = message -> System.out.println("[fair-share] " + message);
    private static final String USAGE = "usage: bench/run --fair-share [--models DIR] [--seconds S] [--b-rate JOBS_PER_S]"
            + " [--a-backlog JOBS] [--warmup-seconds S] [--max-batch-size N]";

    private FairShareBench() {
    }

    /** One mode's figures: b's latency while a floods, and a's completions per second meanwhile. */
    private record Flood(LatencyRecorder.Summary b, double aJobsPerSec) {
    }

    /** The worker's batch meters for the model: how many batches, their inputs and seconds in all. */
    private record Batches(double count, double inputs, double seconds) {

        String since(Batches before) {
            double n = count - before.count;
            return String.format(Locale.ROOT, "%.0f batches, %.1f inputs and %.0f ms each on average", n,
                    (inputs - before.inputs) / n, (seconds - before.seconds) * 1000 / n);
        }
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("inferq.root", ".")).toAbsolutePath().normalize();
        Map<String, String> options = options(args);
        BenchSettings settings = BenchSettings.parse(root, new String[] {"--quick", "--models",
                options.getOrDefault("--models", root.resolve("models/tiny").toString())});
        Duration window = Duration.ofSeconds(Long.parseLong(options.getOrDefault("--seconds", "20")));
        Duration warmup = Duration.ofSeconds(Long.parseLong(options.getOrDefault("--warmup-seconds", "10")));
        double bRate = Double.parseDouble(options.getOrDefault("--b-rate", "5"));
        int aBacklog = Integer.parseInt(options.getOrDefault("--a-backlog", "2000"));
        Map<String, String> env = new HashMap<>();
        if (options.containsKey("--max-batch-size")) {
            env.put("MAX_BATCH_SIZE", options.get("--max-batch-size"));
        }
        String model = settings.textModel();
        List<String> texts = new Samples(root).texts(model);
        LOG.accept("CPU: " + cpuModel() + "; model '" + model + "' from " + settings.modelsDir() + "; b at " + bRate
                + " jobs/s for " + window.toSeconds() + " s; a keeps " + aBacklog + " jobs waiting");

        // Fair share off first, so that the measurement this bench is about does not always run second.
        LatencyRecorder.Summary alone;
        Flood fifo;
        env.put("INFERQ_WORKER_FAIR_SHARE", "false");
        try (Platform platform = Platform.start(settings, Duration.ofSeconds(300), env, LOG);
             Tenants tenants = new Tenants(platform, model, texts)) {
            tenants.warmUp(warmup);
            LOG.accept("b alone");
            alone = tenants.openLoop("b", bRate, window).summary();
            LOG.accept(describe("b alone", alone) + "; load average " + loadAverage());
            LOG.accept("fair share off");
            fifo = tenants.underFlood(bRate, window, aBacklog);
        }
        Flood fair;
        env.put("INFERQ_WORKER_FAIR_SHARE", "true");
        try (Platform platform = Platform.start(settings, Duration.ofSeconds(300), env, LOG);
             Tenants tenants = new Tenants(platform, model, texts)) {
            tenants.warmUp(warmup);
            LOG.accept("fair share on");
            fair = tenants.underFlood(bRate, window, aBacklog);
        }
        System.out.println(String.format(Locale.ROOT, "fair_share: b_alone_p95_ms=%.0f b_under_flood_p95_ms=%.0f"
                + " ratio=%.2f a_jobs_per_s=%.0f (fifo: b_under_flood_p95_ms=%.0f ratio=%.2f a_jobs_per_s=%.0f)"
                + " b_alone_p50_ms=%.0f b_under_flood_p50_ms=%.0f cpu=\"%s\"", alone.p95Ms(), fair.b().p95Ms(),
                fair.b().p95Ms() / alone.p95Ms(), fair.aJobsPerSec(), fifo.b().p95Ms(),
                fifo.b().p95Ms() / alone.p95Ms(), fifo.aJobsPerSec(), alone.p50Ms(), fair.b().p50Ms(), cpuModel()));
        System.out.flush();
        // The Kafka producer's and Lettuce's threads are closed; the JVM still has the platform's output copier.
        System.exit(0);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new ConcurrentHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!List.of("--models", "--seconds", "--b-rate", "--a-backlog", "--warmup-seconds", "--max-batch-size")
                    .contains(args[i])
                    || i + 1 == args.length) {
                System.err.println("fair-share: unknown or incomplete option " + args[i] + "\n" + USAGE);
                System.exit(1);
            }
            options.put(args[i], args[++i]);
        }
        return options;
    }

    private static String describe(String label, LatencyRecorder.Summary s) {
        return String.format(Locale.ROOT, "%s: %d jobs, p50 %.0f ms, p95 %.0f ms, max %.0f ms", label, s.count(),
                s.p50Ms(), s.p95Ms(), s.maxMs());
    }

    /** The 1-minute load average: other work on the machine skews every figure, so each phase reports it. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown")
                    + ", " + Runtime.getRuntime().availableProcessors() + " CPUs";
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The two tenants' clients of one platform: job records in Redis, requests to Kafka, outcomes by pub/sub. */
    private static final class Tenants implements AutoCloseable {

        private final String model;
        private final List<String> texts;
        private final KafkaProducer<String, byte[]> producer;
        private final LettuceConnectionFactory connections;
        private final JobStore store;
        private final RedisClient redis;
        private final StatefulRedisPubSubConnection<String, String> events;
        /** Jobs sent and not yet ended, with what completes when their terminal state is published. */
        private final Map<JobId, CompletableFuture<JobStatus>> waiting = new ConcurrentHashMap<>();
        private final HttpClient http = HttpClient.newHttpClient();
        private final URI worker;
        private int next;

        Tenants(Platform platform, String model, List<String> texts) {
            this.model = model;
            this.texts = texts;
            this.worker = platform.worker();
            this.producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.LINGER_MS_CONFIG, 1), new StringSerializer(), new ByteArraySerializer());
            this.connections = new LettuceConnectionFactory("127.0.0.1", platform.redisPort());
            connections.afterPropertiesSet();
            connections.start();
            this.store = new JobStore(connections, Duration.ofMinutes(30));
            this.redis = RedisClient.create("redis://127.0.0.1:" + platform.redisPort());
            this.events = redis.connectPubSub();
            events.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String pattern, String channel, String message) {
                    JobRecord record = JobCodec.decodeRecord(message);
                    if (record.status().isTerminal()) {
                        CompletableFuture<JobStatus> done = waiting.remove(record.id());
                        if (done != null) {
                            done.complete(record.status());
                        }
                    }
                }
            });
            events.sync().psubscribe(JobNames.eventsChannelPattern());
        }

        /** Sends one job of {@code tenant}; completes with its latency in nanoseconds, or fails if it did not succeed. */
        CompletableFuture<Long> send(String tenant) {
            long start = System.nanoTime();
            String text;
            synchronized (this) {
                text = texts.get(next++ % texts.size());
            }
            // bypass_cache: the sample texts repeat, and a job answered from the response cache never queues.
            JobRequest request = JobRequest.of(JobId.random(), model, new JobInput.Texts(List.of(text)),
                    Instant.now(), null, tenant, true);
            CompletableFuture<JobStatus> done = new CompletableFuture<>();
            waiting.put(request.id(), done);
            store.create(JobRecord.queued(request)).block(Duration.ofSeconds(10));
            producer.send(new ProducerRecord<>(JobNames.topic(model), request.id().value(),
                    JobCodec.encodeRequest(request)));
            return done.thenApply(status -> {
                if (status != JobStatus.SUCCEEDED) {
                    throw new IllegalStateException("job " + request.id() + " ended " + status);
                }
                return System.nanoTime() - start;
            });
        }

        /** 32 jobs in flight for {@code duration}, so the JIT has compiled the hot paths before anything is timed. */
        void warmUp(Duration duration) throws InterruptedException {
            LOG.accept("warm-up: 32 jobs in flight for " + duration.toSeconds() + " s");
            Semaphore slots = new Semaphore(32);
            long until = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < until) {
                slots.acquire();
                send("warm-up").whenComplete((latency, e) -> slots.release());
            }
            if (!slots.tryAcquire(32, 60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the warm-up jobs did not finish within 60 s");
            }
        }

        /** {@code tenant}'s jobs at {@code rate} per second for {@code window}; their latencies once all ended. */
        LatencyRecorder openLoop(String tenant, double rate, Duration window) {
            int count = (int) Math.max(1, Math.round(rate * window.toNanos() / 1e9));
            LatencyRecorder latencies = new LatencyRecorder();
            List<CompletableFuture<Long>> sent = new ArrayList<>(count);
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                LockSupport.parkNanos(start + Math.round(i * 1e9 / rate) - System.nanoTime());
                sent.add(send(tenant).whenComplete((latency, e) -> {
                    if (latency != null) {
                        latencies.record(latency);
                    }
                }));
            }
            try {
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException(tenant + ": " + sent.stream().filter(f -> !f.isDone()).count()
                        + " of " + count + " jobs did not end within 120 s");
            } catch (Exception e) {
                throw new IllegalStateException(tenant + ": a job did not succeed", e);
            }
            return latencies;
        }

        /**
         * Tenant a keeps {@code backlog} jobs waiting (a new one as each ends) while b sends at {@code rate} for
         * {@code window}; a's rate is its completions during b's window.
         */
        Flood underFlood(double rate, Duration window, int backlog) throws InterruptedException {
            Semaphore slots = new Semaphore(backlog);
            AtomicLong aDone = new AtomicLong();
            CountDownLatch inPlace = new CountDownLatch(backlog);
            AtomicBoolean stop = new AtomicBoolean();
            Thread flood = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        if (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                            continue;
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                    send("a").whenComplete((latency, e) -> {
                        aDone.incrementAndGet();
                        slots.release();
                    });
                    inPlace.countDown();
                }
            }, "fair-share-flood");
            flood.start();
            if (!inPlace.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a's backlog of " + backlog + " jobs was not sent within 60 s");
            }
            LOG.accept("a's backlog of " + backlog + " jobs is in place; b sends");
            Batches batchesBefore = batches();
            long aBefore = aDone.get();
            long start = System.nanoTime();
            LatencyRecorder b = openLoop("b", rate, window);
            double aRate = (aDone.get() - aBefore) / ((System.nanoTime() - start) / 1e9);
            stop.set(true);
            flood.join();
            Flood result = new Flood(b.summary(), aRate);
            LOG.accept(describe("b under a's flood", result.b()) + String.format(Locale.ROOT, "; a %.0f jobs/s",
                    aRate) + "; load average " + loadAverage() + "; worker: " + batches().since(batchesBefore));
            return result;
        }

        private Batches batches() {
            double[] inputs = measurements("inferq.worker.batch.inputs", "COUNT", "TOTAL");
            double[] time = measurements("inferq.worker.batch.duration", "TOTAL_TIME");
            return new Batches(inputs[0], inputs[1], time[0]);
        }

        /** Statistics of one of the worker's meters for this model, from its actuator. */
        private double[] measurements(String meter, String... statistics) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        worker.resolve("/actuator/metrics/" + meter + "?tag=model:" + model)).build(),
                        HttpResponse.BodyHandlers.ofString());
                JsonNode body = JobCodec.mapper().readTree(response.body());
                double[] values = new double[statistics.length];
                for (JsonNode measurement : body.path("measurements")) {
                    int i = List.of(statistics).indexOf(measurement.path("statistic").asString());
                    if (i >= 0) {
                        values[i] = measurement.path("value").asDouble();
                    }
                }
                return values;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + meter + " from the worker", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            events.close();
            redis.shutdown();
            producer.close(Duration.ofSeconds(5));
            connections.destroy();
        }
    }
}
