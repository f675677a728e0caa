package dev.inferq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobCodec;
import dev.inferq.common.job.JobId;
import dev.inferq.common.job.JobInput;
import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobRequest;
import dev.inferq.testsupport.RealInfrastructure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A worker whose Redis does not answer: a batch fails for a transient reason, is retried, then given up with an
 * ERROR naming its job, and its offset is committed. It serves a copy of the sentiment model under a name of its own,
 * so that its consumer group never takes jobs meant for the other tests' worker.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
    "inferq.worker.retry-backoff=100ms",
    "inferq.worker.max-retries=2",
    "inferq.worker.store-timeout=2s",
    "logging.level.kafka=WARN",
    "logging.level.org.apache.kafka=WARN",
    "logging.level.state.change.logger=WARN"
})
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext
class UnreachableRedisIT {

    private static final String MODEL = "sentiment-without-redis";

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", RealInfrastructure.shared()::kafkaBootstrapServers);
        registry.add("spring.data.redis.host", () -> "127.0.0.1");
        registry.add("spring.data.redis.port", UnreachableRedisIT::closedPort);
        registry.add("inferq.models-dir", UnreachableRedisIT::modelsFolder);
    }

    @Test
    void retriesABatchThenGivesItsJobsUpAndMovesOn(CapturedOutput output) throws Exception {
        JobRequest request = JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("hello")),
                Instant.now());
        RecordMetadata sent;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.shared().kafkaBootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            sent = producer.send(new ProducerRecord<>(JobNames.topic(MODEL), request.id().value(),
                    JobCodec.encodeRequest(request))).get(10, TimeUnit.SECONDS);
        }

        TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                RealInfrastructure.shared().kafkaBootstrapServers()))) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(JobNames.consumerGroup(MODEL))
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS).get(partition);
                return committed != null && committed.offset() > sent.offset();
            });
        }

        assertThat(output.getOut()).contains("Giving up on job " + request.id());
    }

    private static String modelsFolder() {
        Path models = Path.of("target", "unreachable-redis-models");
        Path model = models.resolve(MODEL);
        try {
            Files.createDirectories(model);
            try (Stream<Path> files = Files.list(Path.of(TinyModels.DIR, "sentiment"))) {
                for (Path file : files.toList()) {
                    Files.copy(file, model.resolve(file.getFileName()),
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return models.toAbsolutePath().toString();
    }

    /** A port nothing listens on: taken from the OS, then released. */
    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
