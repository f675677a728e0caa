package dev.inferq.worker.run;

import dev.inferq.common.cache.CacheEntries;
import dev.inferq.common.cache.CacheMetrics;
import dev.inferq.common.cache.CacheProperties;
import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.Prediction;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.WorkerSettings;
import dev.inferq.worker.cache.ResponseCache;
import dev.inferq.worker.compute.ComputeProperties;
import dev.inferq.worker.compute.ComputeScheduler;
import dev.inferq.worker.compute.ComputeScheduler.Workload;
import dev.inferq.worker.inference.BatchPolicy;
import dev.inferq.worker.inference.Classifier;
import dev.inferq.worker.inference.ServedModel;
import dev.inferq.worker.inference.TextInputReader;
import dev.inferq.worker.store.BlockingJobStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * A {@link BatchJobRunner} of one text model on the shared real Redis and Kafka, built as the worker builds it, with
 * what it needs (store, dead letters, cache, compute scheduler), all closed together: the batch-runner ITs differ only
 * in the model, the result TTL, the cache and the store the runner talks through.
 */
final class RunnerFixture implements AutoCloseable {

    /** The variant the runner serves: its cache entries are keyed by it. */
    static final String VARIANT = "model.pt";

    final LettuceConnectionFactory redis;
    final JobStore store;
    final BatchJobRunner<String> runner;
    private final DefaultKafkaProducerFactory<String, byte[]> producers;
    private final ComputeScheduler compute;
    private final InputPreparation preparation;

    /**
     * @param storeFor the blocking store the runner uses, over the job store (the worker's own, or one that counts)
     */
    RunnerFixture(String model, Classifier<String> classifier, Duration resultTtl, boolean cacheEnabled,
            BiFunction<JobStore, WorkerProperties, BlockingJobStore> storeFor) {
        RealInfrastructure infra = RealInfrastructure.shared();
        redis = infra.redisConnections();
        producers = new DefaultKafkaProducerFactory<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
        store = new JobStore(redis, resultTtl);
        WorkerProperties properties = WorkerSettings.of(Map.of());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        compute = new ComputeScheduler(
                new ComputeProperties(0, 1, Duration.ofMillis(600), Duration.ZERO, Duration.ofSeconds(2)));
        preparation = new InputPreparation(compute, meters);
        ServedModel<String> served = new ServedModel<>(classifier, new TextInputReader(),
                new BatchPolicy(8, Duration.ZERO), Workload.LATENCY, VARIANT, "PyTorch", "only", new TreeMap<>());
        runner = new BatchJobRunner<>(served, "1", storeFor.apply(store, properties),
                new DeadLetters(new KafkaTemplate<>(producers), properties), properties,
                new JobMetrics(meters, model), JobTracing.noop(),
                new ResponseCache(new CacheEntries(redis, new CacheProperties(cacheEnabled, Duration.ofMinutes(1),
                        CacheProperties.Scope.TENANT)), properties),
                new CacheMetrics(meters, model), compute, preparation);
    }

    @Override
    public void close() {
        preparation.close();
        compute.close();
        producers.destroy();
        redis.destroy();
    }

    /** A batch of the messages of {@code requests}, as the model's consumer hands them to the runner. */
    static Batch batchOf(String model, List<JobRequest> requests) {
        return new Batch(requests.stream().map(request -> Delivery.decode(new ConsumerRecord<>(
                JobNames.topic(model), 0, 0, request.id().value(), JobCodec.encodeRequest(request)), model)).toList());
    }

    /** Every input is positive; counts its forward passes. */
    static final class Positive implements Classifier<String> {

        private final String model;
        private final AtomicInteger passes = new AtomicInteger();

        Positive(String model) {
            this.model = model;
        }

        int passes() {
            return passes.get();
        }

        @Override
        public String name() {
            return model;
        }

        @Override
        public List<Prediction> classify(List<String> inputs) {
            passes.incrementAndGet();
            return inputs.stream().map(input -> new Prediction("positive", 1.0, List.of())).toList();
        }

        @Override
        public void close() {
        }
    }
}
