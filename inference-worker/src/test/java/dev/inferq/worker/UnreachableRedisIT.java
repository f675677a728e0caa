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
import dev.inferq.testsupport.Ports;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.TcpForwarder;
import dev.inferq.testsupport.TestModels;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A worker whose Redis does not answer: a batch fails for a transient reason and is retried (each attempt counted in
 * {@code inferq.worker.batch.failed.attempts}) for as long as Redis stays away; its offset is not committed meanwhile
 * (committing would lose the job). Once Redis answers again the job completes and only then is the offset committed. The worker reaches Redis
 * through a port on which a forwarder to the real Redis is started only after a few failed attempts. It serves a copy
 * of the sentiment model under a name of its own, so that its consumer group never takes jobs meant for the other
 * tests' worker.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
    "inferq.worker.retry-initial-backoff=100ms",
    "inferq.worker.retry-max-backoff=400ms",
    "inferq.worker.store-timeout=2s",
    "logging.level.kafka=WARN",
    "logging.level.org.apache.kafka=WARN",
    "logging.level.state.change.logger=WARN"
})
@DirtiesContext
class UnreachableRedisIT {

    private static final String MODEL = "sentiment-without-redis";
    private static final int REDIS_PORT = Ports.freePort();

    @Autowired
    MeterRegistry meters;

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", RealInfrastructure.shared()::kafkaBootstrapServers);
        registry.add("spring.data.redis.host", () -> "127.0.0.1");
        registry.add("spring.data.redis.port", () -> REDIS_PORT);
        registry.add("inferq.models-dir", UnreachableRedisIT::modelsFolder);
    }

    @Test
    void retriesABatchWithoutCommittingItUntilRedisAnswersThenRunsTheJob() throws Exception {
        JobRequest request = JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("hello")),
                Instant.now());
        RealInfrastructure infra = RealInfrastructure.shared();
        LettuceConnectionFactory realRedis = infra.redisConnections();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.kafkaBootstrapServers()))) {
            JobStore store = new JobStore(realRedis, Duration.ofMinutes(10));
            store.create(JobRecord.queued(request)).block(Duration.ofSeconds(5));
            RecordMetadata sent;
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers()),
                    new StringSerializer(), new ByteArraySerializer())) {
                sent = producer.send(new ProducerRecord<>(JobNames.topic(MODEL), request.id().value(),
                        JobCodec.encodeRequest(request))).get(10, TimeUnit.SECONDS);
            }
            TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());

            // Several attempts, over several backoff periods, and the offset stays where it was.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> failedAttempts() >= 4);
            assertThat(committed(admin, partition)).as("offset committed while Redis is away").isNull();
            assertThat(store.find(request.id()).block(Duration.ofSeconds(5)).status()).isEqualTo(JobStatus.QUEUED);

            try (TcpForwarder redisBack = TcpForwarder.open(REDIS_PORT, infra.redisHost(), infra.redisPort())) {
                JobRecord done = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> store.find(request.id()).block(Duration.ofSeconds(5)),
                                job -> job.status().isTerminal());
                assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
                double attemptsUntilDone = failedAttempts();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    OffsetAndMetadata offset = committed(admin, partition);
                    return offset != null && offset.offset() > sent.offset();
                });
                assertThat(failedAttempts()).as("attempts after the job succeeded").isEqualTo(attemptsUntilDone);
            }
        } finally {
            realRedis.destroy();
        }
    }

    private double failedAttempts() {
        Counter counter = meters.find("inferq.worker.batch.failed.attempts").tag("model", MODEL).counter();
        return counter == null ? 0 : counter.count();
    }

    private static OffsetAndMetadata committed(Admin admin, TopicPartition partition) throws Exception {
        return admin.listConsumerGroupOffsets(JobNames.consumerGroup(MODEL)).partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS).get(partition);
    }

    private static String modelsFolder() {
        return TestModels.copyAs("sentiment", MODEL, Path.of("target", "unreachable-redis-models")).toString();
    }
}
