package dev.inferq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.TestModels;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

/**
 * Dynamic batching on a real broker, Redis and libtorch: a model whose {@code serving.properties} sets DJL Serving's
 * {@code batchSize=6} and a long {@code maxBatchDelay} collects jobs that arrive apart into one forward pass, and
 * hands a batch out as soon as it is full. The batches are observed through the worker's own
 * {@code inferq.worker.batch.*} metrics.
 */
class DynamicBatchingIT {

    private static final String MODEL = "sentiment-batched";
    private static final int BATCH_SIZE = 6;
    private static final Duration DELAY = Duration.ofSeconds(8);
    private static final Duration REDIS = Duration.ofSeconds(5);

    static ConfigurableApplicationContext worker;
    static KafkaProducer<String, byte[]> producer;
    static JobStore store;
    static DistributionSummary inputsPerBatch;
    static DistributionSummary jobsPerBatch;

    @BeforeAll
    static void startWorker() throws IOException {
        RealInfrastructure infra = RealInfrastructure.shared();
        Path models = TestModels.copyAs("sentiment", MODEL, Path.of("target", "dynamic-batching-models"));
        Files.writeString(models.resolve(MODEL).resolve("serving.properties"),
                "\nbatchSize=" + BATCH_SIZE + "\nmaxBatchDelay=" + DELAY.toMillis() + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        worker = new SpringApplicationBuilder(WorkerApplication.class).run(
                "--spring.main.web-application-type=none",
                "--spring.kafka.bootstrap-servers=" + infra.kafkaBootstrapServers(),
                "--spring.data.redis.host=" + infra.redisHost(),
                "--spring.data.redis.port=" + infra.redisPort(),
                "--inferq.models-dir=" + models,
                // The worker-wide settings lose to the model's own.
                "--inferq.worker.max-batch-size=32",
                "--inferq.worker.max-batch-delay=0ms",
                "--logging.level.kafka=WARN",
                "--logging.level.org.apache.kafka=WARN");
        store = worker.getBean(JobStore.class);
        MeterRegistry meters = worker.getBean(MeterRegistry.class);
        inputsPerBatch = meters.get("inferq.worker.batch.inputs").tag("model", MODEL).summary();
        jobsPerBatch = meters.get("inferq.worker.batch.jobs").tag("model", MODEL).summary();
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stopWorker() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (worker != null) {
            worker.close();
        }
    }

    @Test
    void jobsArrivingApartWithinTheDelayShareOneForwardPass() throws Exception {
        long batchesBefore = inputsPerBatch.count();
        double inputsBefore = inputsPerBatch.totalAmount();

        List<JobId> ids = new ArrayList<>();
        ids.add(submit("first", "second"));
        Thread.sleep(300);
        ids.add(submit("third"));
        Thread.sleep(300);
        ids.add(submit("fourth", "fifth"));
        List<JobRecord> done = ids.stream().map(DynamicBatchingIT::awaitSucceeded).toList();

        assertThat(inputsPerBatch.count() - batchesBefore).isEqualTo(1);
        assertThat(inputsPerBatch.totalAmount() - inputsBefore).isEqualTo(5);
        assertThat(done).allSatisfy(job -> assertThat(job.predictions()).isNotEmpty());
        assertThat(done.get(0).predictions()).hasSize(2);
        assertThat(done.get(2).predictions()).hasSize(2);
        // Started together: the first job waited for the others rather than running alone.
        assertThat(done.get(0).startedAt()).isAfterOrEqualTo(done.get(0).createdAt().plusMillis(600));
    }

    @Test
    void aFullBatchIsHandedOutWithoutWaitingForTheDelay() {
        long batchesBefore = jobsPerBatch.count();
        double jobsBefore = jobsPerBatch.totalAmount();
        Instant sent = Instant.now();

        List<JobId> ids = new ArrayList<>();
        for (int i = 0; i < BATCH_SIZE; i++) {
            ids.add(submit("full batch " + i));
        }
        List<JobRecord> done = ids.stream().map(DynamicBatchingIT::awaitSucceeded).toList();

        assertThat(jobsPerBatch.count() - batchesBefore).isEqualTo(1);
        assertThat(jobsPerBatch.totalAmount() - jobsBefore).isEqualTo(BATCH_SIZE);
        // Far below the delay: the batch did not wait for it (generous, so a slow machine cannot fail it).
        assertThat(done).allSatisfy(job -> assertThat(job.startedAt()).isBefore(sent.plus(DELAY.dividedBy(2))));
    }

    private static JobId submit(String... texts) {
        JobRequest request = JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of(texts)), Instant.now());
        store.create(JobRecord.queued(request)).block(REDIS);
        try {
            producer.send(new ProducerRecord<>(JobNames.topic(MODEL), 0, request.id().value(),
                    JobCodec.encodeRequest(request))).get();
        } catch (Exception e) {
            throw new IllegalStateException("could not publish job " + request.id(), e);
        }
        return request.id();
    }

    private static JobRecord awaitSucceeded(JobId id) {
        JobRecord done = await().atMost(DELAY.plusSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> store.find(id).block(REDIS), job -> job.status().isTerminal());
        assertThat(done.status()).as("job %s", id).isEqualTo(JobStatus.SUCCEEDED);
        return done;
    }
}
