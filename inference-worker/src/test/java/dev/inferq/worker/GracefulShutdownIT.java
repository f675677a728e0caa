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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Stopping a worker while it works through a backlog: the in-flight batch finishes and is committed before the
 * context is closed. Afterwards no job is left RUNNING, and on every partition exactly the finished jobs lie below the
 * committed offset (nothing finished is left uncommitted, which would run it twice; nothing committed is unfinished,
 * which would lose it). It serves a copy of the sentiment model under a name of its own, so its consumer group is its
 * own.
 */
class GracefulShutdownIT {

    private static final String MODEL = "sentiment-shutdown";
    private static final Duration REDIS = Duration.ofSeconds(5);

    @Test
    void stoppingFinishesAndCommitsTheInFlightBatch() throws Exception {
        RealInfrastructure infra = RealInfrastructure.shared();
        // The test's own Redis client: the worker's is closed with the worker.
        LettuceConnectionFactory redis = infra.redisConnections();
        ConfigurableApplicationContext worker = new SpringApplicationBuilder(WorkerApplication.class)
                // Arguments, not default properties: those rank below application.yml.
                .run(
                        "--spring.main.web-application-type=none",
                        "--spring.kafka.bootstrap-servers=" + infra.kafkaBootstrapServers(),
                        "--spring.data.redis.host=" + infra.redisHost(),
                        "--spring.data.redis.port=" + infra.redisPort(),
                        "--inferq.models-dir=" + modelsFolder(),
                        "--inferq.worker.max-batch-size=4",
                        "--logging.level.kafka=WARN",
                        "--logging.level.org.apache.kafka=WARN");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.kafkaBootstrapServers()))) {
            JobStore store = new JobStore(redis, Duration.ofMinutes(10));
            List<JobRequest> requests = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                JobRequest request = JobRequest.of(JobId.random(), MODEL,
                        new JobInput.Texts(List.of("review " + i, "another text for job " + i)), Instant.now());
                store.create(JobRecord.queued(request)).block(REDIS);
                requests.add(request);
            }
            Map<JobId, Future<RecordMetadata>> sending = new LinkedHashMap<>();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers()),
                    new StringSerializer(), new ByteArraySerializer())) {
                for (JobRequest request : requests) {
                    sending.put(request.id(), producer.send(new ProducerRecord<>(JobNames.topic(MODEL),
                            request.id().value(), JobCodec.encodeRequest(request))));
                }
                producer.flush();
            }
            JobId first = requests.get(0).id();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                    .until(() -> store.find(first).block(REDIS).status() != JobStatus.QUEUED);

            worker.close();

            Map<TopicPartition, OffsetAndMetadata> committed = admin
                    .listConsumerGroupOffsets(JobNames.consumerGroup(MODEL)).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            int finished = 0;
            for (Map.Entry<JobId, Future<RecordMetadata>> job : sending.entrySet()) {
                RecordMetadata record = job.getValue().get(10, TimeUnit.SECONDS);
                OffsetAndMetadata offset = committed.get(new TopicPartition(record.topic(), record.partition()));
                boolean isCommitted = offset != null && offset.offset() > record.offset();
                JobStatus status = store.find(job.getKey()).block(REDIS).status();
                assertThat(status).as("job %s", job.getKey()).isNotEqualTo(JobStatus.RUNNING);
                assertThat(status == JobStatus.SUCCEEDED).as("job %s is %s, committed: %s", job.getKey(), status,
                        isCommitted).isEqualTo(isCommitted);
                finished += status == JobStatus.SUCCEEDED ? 1 : 0;
            }
            assertThat(finished).isPositive();
            System.out.println("GracefulShutdownIT: " + finished + " of " + sending.size()
                    + " jobs finished and committed before the stop, the rest QUEUED and uncommitted");
        } finally {
            worker.close();
            redis.destroy();
        }
    }

    private static String modelsFolder() {
        return TestModels.copyAs("sentiment", MODEL, Path.of("target", "graceful-shutdown-models")).toString();
    }
}
