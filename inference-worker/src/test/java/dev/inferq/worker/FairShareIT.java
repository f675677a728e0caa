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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Fair share on a real broker, Redis and libtorch: tenant a's burst of 200 jobs is in the model's topic ahead of
 * tenant b's 3 when the worker starts; b's jobs start within the first batches instead of after the burst, a's keep
 * their order, and the partition is committed to its end once all have finished, though they finished out of offset
 * order.
 */
class FairShareIT {

    private static final String MODEL = "sentiment-fair";
    private static final int BATCH_SIZE = 8;
    private static final Duration REDIS = Duration.ofSeconds(5);
    private static final TopicPartition PARTITION = new TopicPartition(JobNames.topic(MODEL), 0);

    static LettuceConnectionFactory connections;
    static JobStore store;
    static Admin admin;
    static ConfigurableApplicationContext worker;
    static final List<JobId> aJobs = new ArrayList<>();
    static final List<JobId> bJobs = new ArrayList<>();

    @BeforeAll
    static void burstThenWorker() throws Exception {
        RealInfrastructure infra = RealInfrastructure.shared();
        connections = infra.redisConnections();
        store = new JobStore(connections, Duration.ofMinutes(10));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers()));
        admin.createTopics(List.of(new NewTopic(PARTITION.topic(), 4, (short) 1))).all().get();
        // All on one partition, a's first: a worker reading in offset order would run b's jobs last. One request in
        // flight: a first batch refused while the new partition's leader is being elected, then retried behind later
        // ones, put the embedded broker's idempotence checks into an endless out-of-order-sequence loop once.
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1"), new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < 200; i++) {
                aJobs.add(submit(producer, "a", "burst " + i));
            }
            for (int i = 0; i < 3; i++) {
                bJobs.add(submit(producer, "b", "light " + i));
            }
            producer.flush();
        }

        Path models = TestModels.copyAs("sentiment", MODEL, Path.of("target", "fair-share-models"));
        Files.writeString(models.resolve(MODEL).resolve("serving.properties"), "\nbatchSize=" + BATCH_SIZE + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        worker = new SpringApplicationBuilder(WorkerApplication.class).run(
                "--spring.main.web-application-type=none",
                "--spring.kafka.bootstrap-servers=" + infra.kafkaBootstrapServers(),
                "--spring.data.redis.host=" + infra.redisHost(),
                "--spring.data.redis.port=" + infra.redisPort(),
                "--inferq.models-dir=" + models,
                "--logging.level.kafka=WARN",
                "--logging.level.org.apache.kafka=WARN",
                "--logging.level.dev.inferq.worker.jobs.outcomes=WARN");
    }

    @AfterAll
    static void stop() throws IOException {
        if (worker != null) {
            worker.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (connections != null) {
            connections.destroy();
        }
    }

    @Test
    void aLightTenantsJobsStartWithinTheFirstBatchesOfAnothersBurst() {
        List<JobRecord> a = aJobs.stream().map(FairShareIT::awaitSucceeded).toList();
        List<JobRecord> b = bJobs.stream().map(FairShareIT::awaitSucceeded).toList();

        // The first batch may be formed before the worker has read past it; b's jobs join one of the next ones.
        Instant fifthBatchOfA = a.get(4 * BATCH_SIZE).startedAt();
        assertThat(b).allSatisfy(job -> assertThat(job.startedAt()).isBeforeOrEqualTo(fifthBatchOfA));
        for (int i = 1; i < a.size(); i++) {
            assertThat(a.get(i).startedAt()).as("a's job %d started in order", i)
                    .isAfterOrEqualTo(a.get(i - 1).startedAt());
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(committed())
                .as("committed to the partition's end").isEqualTo(aJobs.size() + bJobs.size()));
    }

    private static long committed() throws Exception {
        OffsetAndMetadata offset = admin.listConsumerGroupOffsets(JobNames.consumerGroup(MODEL))
                .partitionsToOffsetAndMetadata().get().get(PARTITION);
        return offset == null ? -1 : offset.offset();
    }

    private static JobId submit(KafkaProducer<String, byte[]> producer, String tenant, String text) {
        JobRequest request = JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of(text)), Instant.now(),
                null, tenant, true);
        store.create(JobRecord.queued(request)).block(REDIS);
        producer.send(new ProducerRecord<>(PARTITION.topic(), PARTITION.partition(), request.id().value(),
                JobCodec.encodeRequest(request)));
        return request.id();
    }

    private static JobRecord awaitSucceeded(JobId id) {
        JobRecord done = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> store.find(id).block(REDIS), job -> job.status().isTerminal());
        assertThat(done.status()).as("job %s", id).isEqualTo(JobStatus.SUCCEEDED);
        return done;
    }
}
