package dev.inferq.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.worker.DeadLetterTopics;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.WorkerSettings;
import dev.inferq.worker.cache.CacheMetrics;
import dev.inferq.worker.cache.CacheProperties;
import dev.inferq.worker.cache.ResponseCache;
import dev.inferq.worker.compute.ComputeProperties;
import dev.inferq.worker.compute.ComputeScheduler.Workload;
import dev.inferq.worker.compute.ComputeScheduler;
import dev.inferq.worker.inference.BatchPolicy;
import dev.inferq.worker.inference.Classifier;
import dev.inferq.worker.inference.ServedModel;
import dev.inferq.worker.inference.TextInputReader;
import dev.inferq.worker.store.BlockingJobStore;
import dev.inferq.worker.store.TransientStoreException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * A batch that meets a fault that is no store failure (here, a model wrapper with a bug), on real Redis and Kafka:
 * the run throws the fault as it is, not as a {@link TransientStoreException}, so the consumer does not retry it, and
 * {@link BatchJobRunner#fail} then ends the job FAILED with the fault as the reason, its dead letter written first.
 */
class FaultyBatchIT {

    private static final String MODEL = "faulty";
    private static final Duration REDIS = Duration.ofSeconds(5);

    private final RealInfrastructure infra = RealInfrastructure.shared();
    private LettuceConnectionFactory redis;
    private DefaultKafkaProducerFactory<String, byte[]> producers;
    private ComputeScheduler compute;
    private InputPreparation preparation;
    private JobStore store;
    private BatchJobRunner<String> runner;

    @BeforeEach
    void runner() {
        redis = new LettuceConnectionFactory(infra.redisHost(), infra.redisPort());
        redis.afterPropertiesSet();
        redis.start();
        producers = new DefaultKafkaProducerFactory<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
        store = new JobStore(redis, Duration.ofMinutes(10));
        WorkerProperties properties = WorkerSettings.of(Map.of());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        compute = new ComputeScheduler(
                new ComputeProperties(0, 1, Duration.ofMillis(600), Duration.ZERO, Duration.ofSeconds(2)));
        preparation = new InputPreparation(compute, meters);
        ServedModel<String> buggy = new ServedModel<>(new BuggyClassifier(), new TextInputReader(),
                new BatchPolicy(8, Duration.ZERO), Workload.LATENCY, "model.pt", "PyTorch", "only", new TreeMap<>());
        runner = new BatchJobRunner<>(buggy, "1", new BlockingJobStore(store, properties),
                new DeadLetters(new KafkaTemplate<>(producers), properties), properties,
                new JobMetrics(meters, MODEL), JobTracing.noop(),
                new ResponseCache(redis, new CacheProperties(true, Duration.ofMinutes(1),
                        CacheProperties.Scope.TENANT), properties),
                new CacheMetrics(meters, MODEL), compute, preparation);
    }

    @AfterEach
    void close() {
        preparation.close();
        compute.close();
        producers.destroy();
        redis.destroy();
    }

    @Test
    void aFaultIsThrownAsItIsAndFailingTheBatchEndsItsJobFailedWithTheReasonAndADeadLetter() {
        JobRequest request = JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("hello")), Instant.now());
        store.create(JobRecord.queued(request)).block(REDIS);
        Batch batch = new Batch(List.of(Delivery.decode(new ConsumerRecord<>(JobNames.topic(MODEL), 0, 0,
                request.id().value(), JobCodec.encodeRequest(request)), MODEL)));

        assertThatThrownBy(() -> runner.run(batch)).isInstanceOf(IllegalStateException.class)
                .isNotInstanceOf(TransientStoreException.class);
        runner.fail(batch, new IllegalStateException("a bug in the model wrapper"));

        JobRecord failed = store.find(request.id()).block(REDIS);
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error()).isEqualTo("the worker failed on this job's batch: "
                + "java.lang.IllegalStateException: a bug in the model wrapper");
        assertThat(failed.errorCode()).isEqualTo(ErrorCodes.WORKER_ERROR);
        assertThat(new String(DeadLetterTopics.await(MODEL, request.id().value()).headers()
                .lastHeader(DeadLetters.ERROR).value(), StandardCharsets.UTF_8)).isEqualTo(failed.error());
    }

    /** A model wrapper with a bug: every pass throws what no retry mends. */
    private static final class BuggyClassifier implements Classifier<String> {

        @Override
        public String name() {
            return MODEL;
        }

        @Override
        public List<Prediction> classify(List<String> inputs) {
            throw new IllegalStateException("a bug in the model wrapper");
        }

        @Override
        public void close() {
        }
    }
}
