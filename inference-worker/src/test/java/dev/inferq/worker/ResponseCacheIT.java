package dev.inferq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.cache.CacheKeys;
import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.TestImages;
import dev.inferq.testsupport.TestModels;
import dev.inferq.worker.cache.ResponseCache;
import dev.inferq.worker.inference.ModelRegistry;
import dev.inferq.worker.inference.ServedModel;
import dev.inferq.worker.inference.TextInputReader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.Disposable;

/**
 * The response cache on a real broker, Redis and libtorch: two workers, one with the cache on (a short time to live,
 * and a batch delay long enough for jobs published together to share a batch) and one with it off, each serving
 * copies of the tiny models under names of their own. Forward passes are counted through the worker's
 * {@code inferq.batch.inputs} meter (inputs per forward pass), lookups through {@code inferq.cache.lookups}.
 */
class ResponseCacheIT {

    private static final String TEXTS = "sentiment-cached";
    private static final String IMAGES = "image-cached";
    private static final String UNCACHED = "sentiment-uncached";
    private static final Duration TTL = Duration.ofSeconds(5);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration REDIS = Duration.ofSeconds(5);

    static ConfigurableApplicationContext cached;
    static ConfigurableApplicationContext uncached;
    static KafkaProducer<String, byte[]> producer;
    static JobStore store;
    static ReactiveStringRedisTemplate redis;

    @BeforeAll
    static void startWorkers() {
        Path models = Path.of("target", "response-cache-models");
        TestModels.copyAs("sentiment", TEXTS, models);
        TestModels.copyAs("image", IMAGES, models);
        // A batch delay long enough that two jobs published back to back share a batch on a loaded CI machine too (300 ms
        // once split them); a job alone waits it out, well within the TTL.
        cached = worker(models, "--inferq.cache.ttl=" + TTL.toMillis() + "ms", "--inferq.worker.max-batch-delay=2s");
        uncached = worker(TestModels.copyAs("sentiment", UNCACHED, Path.of("target", "response-cache-off-models")),
                "--inferq.cache.enabled=false");
        store = cached.getBean(JobStore.class);
        redis = new ReactiveStringRedisTemplate(cached.getBean(ReactiveRedisConnectionFactory.class));
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.shared().kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    private static ConfigurableApplicationContext worker(Path models, String... settings) {
        RealInfrastructure infra = RealInfrastructure.shared();
        List<String> args = new ArrayList<>(List.of(
                "--spring.main.web-application-type=none",
                "--spring.kafka.bootstrap-servers=" + infra.kafkaBootstrapServers(),
                "--spring.data.redis.host=" + infra.redisHost(),
                "--spring.data.redis.port=" + infra.redisPort(),
                "--inferq.models-dir=" + models,
                "--logging.level.kafka=WARN",
                "--logging.level.org.apache.kafka=WARN"));
        args.addAll(List.of(settings));
        return new SpringApplicationBuilder(WorkerApplication.class).run(args.toArray(String[]::new));
    }

    @AfterAll
    static void stopWorkers() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (cached != null) {
            cached.close();
        }
        if (uncached != null) {
            uncached.close();
        }
    }

    @Test
    void theSameInputAgainIsAnsweredFromTheCacheAsAJobOfItsOwn() {
        List<String> texts = List.of("a film I will watch again " + JobId.random(), "dull");
        JobRecord first = awaitFinished(submit(TEXTS, texts, false));
        double inputs = forwardPassInputs(cached, TEXTS);
        double hits = lookups(cached, TEXTS, "hit");
        List<JobRecord> events = new CopyOnWriteArrayList<>();

        JobRequest again = request(TEXTS, texts, false);
        Disposable following = follow(again.id(), events);
        try {
            publish(again, null);
            JobRecord second = awaitFinished(again.id());

            assertThat(first.cached()).isFalse();
            assertThat(second.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(second.cached()).isTrue();
            assertThat(second.predictions()).isEqualTo(first.predictions());
            assertThat(second.id()).isNotEqualTo(first.id());
            assertThat(second.createdAt()).isAfter(first.createdAt());
            assertThat(second.startedAt()).isNotNull();
            assertThat(second.worker()).isNotBlank();
            await().atMost(TIMEOUT).until(() -> events.size() >= 2);
            assertThat(events).extracting(JobRecord::status).containsExactly(JobStatus.RUNNING, JobStatus.SUCCEEDED);
            assertThat(events).allSatisfy(event -> assertThat(event.id()).isEqualTo(again.id()));
            assertThat(events.get(1)).isEqualTo(second);
        } finally {
            following.dispose();
        }
        assertThat(forwardPassInputs(cached, TEXTS)).as("inputs through forward passes").isEqualTo(inputs);
        assertThat(lookups(cached, TEXTS, "hit")).isEqualTo(hits + 1);
    }

    @Test
    void theSameImageBytesAgainAreAnsweredFromTheCache() {
        byte[] png = TestImages.png(71, 53);
        JobRecord first = awaitFinished(submitImage(png));
        double inputs = forwardPassInputs(cached, IMAGES);

        JobRecord second = awaitFinished(submitImage(png.clone()));
        JobRecord other = awaitFinished(submitImage(TestImages.png(53, 71)));

        assertThat(first.cached()).isFalse();
        assertThat(second.cached()).isTrue();
        assertThat(second.predictions()).isEqualTo(first.predictions());
        assertThat(other.cached()).as("other bytes").isFalse();
        assertThat(forwardPassInputs(cached, IMAGES) - inputs).isEqualTo(1);
    }

    @Test
    void aJobThatBypassesTheCacheIsComputedAndLeavesNoEntry() {
        List<String> seen = List.of("seen before " + JobId.random());
        JobRecord first = awaitFinished(submit(TEXTS, seen, false));
        double inputs = forwardPassInputs(cached, TEXTS);
        double bypasses = lookups(cached, TEXTS, "bypass");
        List<String> fresh = List.of("never cached " + JobId.random());

        JobRecord bypassed = awaitFinished(submit(TEXTS, seen, true));
        JobRecord alone = awaitFinished(submit(TEXTS, fresh, true));

        assertThat(bypassed.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(bypassed.cached()).isFalse();
        assertThat(labels(bypassed)).isEqualTo(labels(first));
        assertThat(alone.cached()).isFalse();
        assertThat(forwardPassInputs(cached, TEXTS) - inputs).isEqualTo(2);
        assertThat(lookups(cached, TEXTS, "bypass")).isEqualTo(bypasses + 2);
        assertThat(redis.hasKey(key(TEXTS, fresh, null)).block(REDIS)).as("entry of a bypassing job").isFalse();
        assertThat(awaitFinished(submit(TEXTS, fresh, false)).cached()).as("computed: nothing was written").isFalse();
    }

    @Test
    void identicalJobsInOneBatchShareOneForwardPass() {
        List<String> texts = List.of("twins " + JobId.random(), "twins too");
        awaitBatchesCommitted(cached, TEXTS);
        double inputs = forwardPassInputs(cached, TEXTS);
        long batches = meters(cached).get("inferq.worker.batch.jobs").tag("model", TEXTS).summary().count();
        double jobsInBatches = meters(cached).get("inferq.worker.batch.jobs").tag("model", TEXTS).summary()
                .totalAmount();
        double misses = lookups(cached, TEXTS, "miss");
        double hits = lookups(cached, TEXTS, "hit");

        JobRequest one = request(TEXTS, texts, false);
        JobRequest two = request(TEXTS, texts, false);
        // The same partition, one right after the other: one poll, within the batch delay.
        publish(one, 0);
        publish(two, 0);
        JobRecord first = awaitFinished(one.id());
        JobRecord second = awaitFinished(two.id());

        var batchJobs = meters(cached).get("inferq.worker.batch.jobs").tag("model", TEXTS).summary();
        // A batch is measured once it is committed, just after its outcomes are stored.
        await().atMost(TIMEOUT).until(() -> batchJobs.count() > batches);
        assertThat(batchJobs.count() - batches).as("batches").isEqualTo(1);
        assertThat(batchJobs.totalAmount() - jobsInBatches).as("jobs in them").isEqualTo(2);
        assertThat(forwardPassInputs(cached, TEXTS) - inputs).as("inputs through forward passes").isEqualTo(2);
        assertThat(List.of(first, second)).allSatisfy(job -> assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED));
        assertThat(List.of(first.cached(), second.cached())).containsExactly(false, true);
        assertThat(second.predictions()).isEqualTo(first.predictions());
        assertThat(lookups(cached, TEXTS, "miss")).isEqualTo(misses + 1);
        assertThat(lookups(cached, TEXTS, "hit")).isEqualTo(hits + 1);
    }

    @Test
    void anEntryLastsItsTimeToLiveAndNoLonger() {
        List<String> texts = List.of("short lived " + JobId.random());
        awaitFinished(submit(TEXTS, texts, false));
        String key = key(TEXTS, texts, null);

        Long left = redis.getExpire(key).map(Duration::toMillis).block(REDIS);
        assertThat(left).as("time to live of %s", key).isPositive().isLessThanOrEqualTo(TTL.toMillis());
        assertThat(awaitFinished(submit(TEXTS, texts, false)).cached()).as("within the time to live").isTrue();
        await().atMost(TTL.plus(TIMEOUT)).pollInterval(Duration.ofMillis(100))
                .until(() -> !redis.hasKey(key).block(REDIS));
        assertThat(awaitFinished(submit(TEXTS, texts, false)).cached()).as("after the time to live").isFalse();
    }

    @Test
    void entriesAreKeptApartByTenant() {
        List<String> texts = List.of("per tenant " + JobId.random());
        awaitFinished(submit(TEXTS, texts, "acme", false));

        assertThat(awaitFinished(submit(TEXTS, texts, "globex", false)).cached()).isFalse();
        assertThat(awaitFinished(submit(TEXTS, texts, "acme", false)).cached()).isTrue();
        assertThat(redis.hasKey(key(TEXTS, texts, "acme")).block(REDIS)).isTrue();
        assertThat(redis.hasKey(key(TEXTS, texts, "globex")).block(REDIS)).isTrue();
    }

    @Test
    void withTheCacheOffIdenticalJobsAreAlwaysComputed() {
        List<String> texts = List.of("no cache here", "none at all");
        double inputs = forwardPassInputs(uncached, UNCACHED);
        double bypasses = lookups(uncached, UNCACHED, "bypass");

        List<JobRecord> done = new ArrayList<>();
        done.add(awaitFinished(submit(UNCACHED, texts, false)));
        done.add(awaitFinished(submit(UNCACHED, texts, false)));
        JobRequest one = request(UNCACHED, texts, false);
        JobRequest two = request(UNCACHED, texts, false);
        publish(one, 0);
        publish(two, 0);
        done.add(awaitFinished(one.id()));
        done.add(awaitFinished(two.id()));

        assertThat(done).allSatisfy(job -> {
            assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(job.cached()).isFalse();
            // Computed each time: the same labels (scores may differ in the last bits with the batch's shape).
            assertThat(labels(job)).isEqualTo(labels(done.get(0)));
        });
        assertThat(forwardPassInputs(uncached, UNCACHED) - inputs).isEqualTo(8);
        assertThat(lookups(uncached, UNCACHED, "bypass")).isEqualTo(bypasses + 4);
        assertThat(lookups(uncached, UNCACHED, "hit")).isZero();
        assertThat(redis.keys(CacheKeys.pattern(UNCACHED)).collectList().block(REDIS)).isEmpty();
    }

    private static JobId submit(String model, List<String> texts, boolean bypass) {
        return submit(model, texts, null, bypass);
    }

    private static JobId submit(String model, List<String> texts, String tenant, boolean bypass) {
        JobRequest request = JobRequest.of(JobId.random(), model, new JobInput.Texts(texts), Instant.now(), null,
                tenant, bypass);
        store.create(JobRecord.queued(request)).block(REDIS);
        publish(request, null);
        return request.id();
    }

    /** A QUEUED job of the default tenant, stored but not published yet. */
    private static JobRequest request(String model, List<String> texts, boolean bypass) {
        JobRequest request = JobRequest.of(JobId.random(), model, new JobInput.Texts(texts), Instant.now(), null,
                null, bypass);
        store.create(JobRecord.queued(request)).block(REDIS);
        return request;
    }

    private static JobId submitImage(byte[] bytes) {
        JobRequest request = JobRequest.of(JobId.random(), IMAGES, new JobInput.Image("image/png", bytes.length),
                Instant.now());
        assertThat(store.saveInput(request.id(), bytes).block(REDIS)).isTrue();
        store.create(JobRecord.queued(request)).block(REDIS);
        publish(request, null);
        return request.id();
    }

    private static void publish(JobRequest request, Integer partition) {
        try {
            producer.send(new ProducerRecord<>(JobNames.topic(request.model()), partition, request.id().value(),
                    JobCodec.encodeRequest(request))).get();
        } catch (Exception e) {
            throw new IllegalStateException("could not publish job " + request.id(), e);
        }
    }

    /** Collects the records published on the job's events channel, subscribed before this returns. */
    private static Disposable follow(JobId id, List<JobRecord> events) {
        return redis.listenToChannelLater(JobNames.eventsChannel(id)).block(REDIS)
                .subscribe(message -> events.add(JobCodec.decodeRecord(message.getMessage())));
    }

    private static JobRecord awaitFinished(JobId id) {
        return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> store.find(id).block(REDIS), job -> job != null && job.status().isTerminal());
    }

    /** The key the cached worker uses for {@code texts} of {@code tenant}'s job (null: the default tenant). */
    private static String key(String model, List<String> texts, String tenant) {
        ServedModel<?> served = cached.getBean(ModelRegistry.class).models().stream()
                .filter(candidate -> candidate.name().equals(model)).findFirst().orElseThrow();
        JobRequest request = JobRequest.of(JobId.random(), model, new JobInput.Texts(texts), Instant.now(), null,
                tenant, false);
        return cached.getBean(ResponseCache.class).key(model, "1", served.variant(), request.tenant(),
                new TextInputReader().content(request, null));
    }

    private static List<String> labels(JobRecord job) {
        return job.predictions().stream().map(Prediction::label).toList();
    }

    private static MeterRegistry meters(ConfigurableApplicationContext worker) {
        return worker.getBean(MeterRegistry.class);
    }

    private static double forwardPassInputs(ConfigurableApplicationContext worker, String model) {
        return meters(worker).get("inferq.batch.inputs").tag("model", model).summary().totalAmount();
    }

    /**
     * Waits until every job the worker has finished is in a committed batch: a batch is metered just after its
     * commit, so an earlier test's last batch may still be uncounted when its jobs are already finished.
     */
    private static void awaitBatchesCommitted(ConfigurableApplicationContext worker, String model) {
        await().atMost(TIMEOUT).until(() -> {
            double finished = meters(worker).find("inferq.jobs.finished").tag("model", model).counters().stream()
                    .mapToDouble(Counter::count).sum();
            return meters(worker).get("inferq.worker.batch.jobs").tag("model", model).summary().totalAmount()
                    >= finished;
        });
    }

    private static double lookups(ConfigurableApplicationContext worker, String model, String result) {
        return meters(worker).get("inferq.cache.lookups").tag("model", model).tag("result", result).counter()
                .count();
    }
}
