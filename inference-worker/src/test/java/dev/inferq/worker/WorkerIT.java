package dev.inferq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.common.worker.WorkerDirectory;
import dev.inferq.common.worker.WorkerPresence;
import dev.inferq.contract.ErrorCodes;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.RealInfrastructureProperties;
import dev.inferq.testsupport.TestImages;
import dev.inferq.worker.inference.ImageInputReader;
import dev.inferq.worker.run.DeadLetters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

/**
 * The worker against a real Kafka broker, a real Redis server and the tiny models run by libtorch; the gateway's part
 * (QUEUED record in Redis, request on the model's topic) is played by the test, exactly as the gateway does it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=" + TinyModels.DIR,
    "inferq.worker.max-batch-size=8",
    "inferq.worker.retry-initial-backoff=200ms",
    "logging.level.kafka=WARN",
    "logging.level.org.apache.kafka=WARN",
    "logging.level.state.change.logger=WARN"
})
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class WorkerIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration REDIS = Duration.ofSeconds(5);
    private static final String NOT_AN_IMAGE = "the input is not a JPEG, PNG, GIF or BMP image";

    static KafkaProducer<String, byte[]> producer;


    @BeforeAll
    static void connectProducer() {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.shared().kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void closeProducer() {
        producer.close(Duration.ofSeconds(5));
    }

    @Autowired
    JobStore store;

    @Autowired
    WorkerDirectory directory;

    @Autowired
    WorkerProperties properties;

    @Value("${local.server.port}")
    int port;

    @Test
    void classifiesTextJobsOfBothTextModelsWithOnePredictionPerInput() {
        JobId disaster = submit("disaster", new JobInput.Texts(List.of("Forest fire near La Ronge", "nice day")));
        JobId sentiment = submit("sentiment", new JobInput.Texts(List.of("I love it", "I hate it", "", "fine")));

        JobRecord disasterDone = awaitFinished(disaster);
        JobRecord sentimentDone = awaitFinished(sentiment);

        assertSucceeded(disasterDone, 2, List.of("not_disaster", "disaster"));
        assertSucceeded(sentimentDone, 4, List.of("negative", "positive"));
        assertThat(sentimentDone.startedAt()).isNotNull();
        assertThat(sentimentDone.finishedAt()).isAfterOrEqualTo(sentimentDone.startedAt());
    }

    @Test
    void classifiesManyJobsArrivingTogether() {
        List<JobId> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ids.add(submit("sentiment", new JobInput.Texts(List.of("review number " + i, "short"))));
        }

        for (JobId id : ids) {
            assertSucceeded(awaitFinished(id), 2, List.of("negative", "positive"));
        }
    }

    @Test
    void classifiesAnImageStoredBesideItsJob() {
        byte[] png = TestImages.png(90, 60);
        JobId id = submit("image", new JobInput.Image("image/png", png.length), png);

        JobRecord done = awaitFinished(id);

        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.predictions()).hasSize(1);
        assertThat(done.predictions().get(0).scores()).hasSize(5);
    }

    @Test
    void bytesThatAreNoImageFailTheJobWithAReadableReason() {
        byte[] notAnImage = "definitely not a picture".getBytes(StandardCharsets.UTF_8);
        JobId bad = submit("image", new JobInput.Image("image/png", notAnImage.length), notAnImage);
        byte[] png = TestImages.png(40, 40);
        JobId good = submit("image", new JobInput.Image("image/png", png.length), png);

        JobRecord failed = awaitFinished(bad);

        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error()).isEqualTo(NOT_AN_IMAGE);
        assertThat(failed.errorCode()).isEqualTo(ErrorCodes.UNDECODABLE_INPUT);
        assertThat(failed.predictions()).isNull();
        assertThat(awaitFinished(good).status()).isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void aFailedJobIsCopiedToTheModelsDeadLetterTopicWithItsReason() {
        byte[] notAnImage = "still not a picture".getBytes(StandardCharsets.UTF_8);
        JobId bad = submit("image", new JobInput.Image("image/png", notAnImage.length), notAnImage);

        assertThat(awaitFinished(bad).status()).isEqualTo(JobStatus.FAILED);
        ConsumerRecord<String, byte[]> letter = DeadLetterTopics.await("image", bad.value());

        assertThat(header(letter, DeadLetters.ERROR)).isEqualTo(NOT_AN_IMAGE);
        assertThat(header(letter, DeadLetters.SOURCE_TOPIC)).isEqualTo(JobNames.topic("image"));
        assertThat(header(letter, DeadLetters.SOURCE_PARTITION)).isNotNull();
        assertThat(header(letter, DeadLetters.SOURCE_OFFSET)).isNotNull();
        assertThat(JobCodec.decodeRequest(letter.value()).id()).isEqualTo(bad);
    }

    @Test
    void anImageJobWhoseBytesExpiredFails() {
        JobId id = submit("image", new JobInput.Image("image/png", 1234), null);

        JobRecord failed = awaitFinished(id);

        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error()).isEqualTo(ImageInputReader.INPUT_EXPIRED);
        assertThat(failed.errorCode()).isEqualTo(ErrorCodes.INPUT_MISSING);
    }

    @Test
    void theWorkerAnnouncesItselfWithTheVariantOfEachModelAndHowItWasChosen() {
        List<WorkerPresence> present = await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> directory.workers().collectList().block(REDIS),
                        list -> list.stream().anyMatch(worker -> worker.id().equals(properties.id())));
        WorkerPresence me = present.stream().filter(worker -> worker.id().equals(properties.id())).findFirst()
                .orElseThrow();

        assertThat(me.models()).extracting(WorkerPresence.Served::model)
                .containsExactlyInAnyOrder("disaster", "image", "sentiment");
        // the tiny image folder lists three candidates: which one wins depends on this CPU and what else runs
        assertThat(me.models()).filteredOn(served -> served.model().equals("image")).singleElement()
                .satisfies(image -> {
                    assertThat(image.variant()).isIn("image", "image_bf16", "image_int8");
                    assertThat(image.selection()).isEqualTo(WorkerPresence.Served.MEASURED);
                    assertThat(image.msPerBatch()).containsOnlyKeys(1, 4);
                });
        assertThat(me.models()).filteredOn(served -> served.model().equals("sentiment")).singleElement()
                .satisfies(sentiment -> {
                    assertThat(sentiment.variant()).isEqualTo("sentiment");
                    assertThat(sentiment.selection()).isEqualTo(WorkerPresence.Served.ONLY);
                });
        assertThat(me.models()).allSatisfy(served -> assertThat(served.engine()).isEqualTo("PyTorch"));
    }

    @Test
    void aPixelBombThatReachesTheWorkerFailsItsJobAndTheWorkerKeepsServing() {
        byte[] bomb = TestImages.pngBomb(16_000, 16_000);
        JobId bombed = submit("image", new JobInput.Image("image/png", bomb.length), bomb);
        byte[] png = TestImages.png(32, 32);
        JobId after = submit("image", new JobInput.Image("image/png", png.length), png);

        JobRecord failed = awaitFinished(bombed);

        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error()).contains("16000 x 16000 pixels").contains("inferq.image.max-pixels");
        assertThat(awaitFinished(after).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(DeadLetterTopics.await("image", bombed.value())).isNotNull();
    }

    @Test
    void aJobStartedMaxDeliveriesTimesWithoutFinishingFailsAndTheJobsBehindItRun() {
        JobRequest request = JobRequest.of(JobId.random(), "disaster", new JobInput.Texts(List.of("crash again")),
                Instant.now());
        // What three workers that each died while running the job leave behind: RUNNING, three starts counted.
        store.create(JobRecord.queued(request)).block(REDIS);
        store.transition(JobRecord.queued(request).running(Instant.now(), "dead-worker")).block(REDIS);
        for (int i = 0; i < 3; i++) {
            store.countDelivery(request.id()).block(REDIS);
        }
        publish(request);
        JobId behind = submit("disaster", new JobInput.Texts(List.of("fire on the hill")));

        JobRecord failed = awaitFinished(request.id());

        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error()).contains("started 3 times").contains("inferq.worker.max-deliveries is 3");
        assertThat(failed.predictions()).isNull();
        assertThat(header(DeadLetterTopics.await("disaster", request.id().value()), DeadLetters.ERROR))
                .isEqualTo(failed.error());
        JobRecord ran = awaitFinished(behind);
        assertThat(ran.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(ran.worker()).as("the worker names itself in the record").isNotBlank();
    }

    @Test
    void aFinishedJobDeliveredAgainKeepsItsResult() {
        JobRequest request = JobRequest.of(JobId.random(), "sentiment",
                new JobInput.Texts(List.of("delivered twice")), Instant.now());
        Prediction stored = Prediction.fromRanked(List.of(new Prediction.LabelScore("positive", 0.75),
                new Prediction.LabelScore("negative", 0.25)));
        JobRecord finished = JobRecord.queued(request).running(Instant.now(), "test-worker")
                .succeeded(List.of(stored), Instant.now());
        store.create(finished).block(REDIS);

        RecordMetadata sent = publish(request);
        awaitCommittedPast(sent);

        assertThat(store.find(request.id()).block(REDIS)).isEqualTo(finished);
    }

    @Test
    void skipsGarbageEndsJobsWhoseRecordWasLostAndRunsTheJobsAfterThem() {
        int partition = 1;
        String garbageKey = "garbage-" + JobId.random().value();
        byte[] garbageBytes = {(byte) 0xff, 0x00, 0x7b, 0x22};
        RecordMetadata garbage = send(new ProducerRecord<>(JobNames.topic("disaster"), partition, garbageKey,
                garbageBytes));
        JobRequest recordLost = JobRequest.of(JobId.random(), "disaster",
                new JobInput.Texts(List.of("no record for me")), Instant.now());
        send(new ProducerRecord<>(JobNames.topic("disaster"), partition, recordLost.id().value(),
                JobCodec.encodeRequest(recordLost)));
        JobRequest after = JobRequest.of(JobId.random(), "disaster", new JobInput.Texts(List.of("flood")),
                Instant.now());
        store.create(JobRecord.queued(after)).block(REDIS);
        RecordMetadata last = send(new ProducerRecord<>(JobNames.topic("disaster"), partition, after.id().value(),
                JobCodec.encodeRequest(after)));

        assertSucceeded(awaitFinished(after.id()), 1, List.of("not_disaster", "disaster"));
        awaitCommittedPast(last);
        assertThat(last.offset()).isGreaterThan(garbage.offset());
        assertThat(store.find(recordLost.id()).block(REDIS).errorCode()).isEqualTo(ErrorCodes.RECORD_LOST);
        ConsumerRecord<String, byte[]> letter = DeadLetterTopics.await("disaster", garbageKey);
        assertThat(letter.value()).isEqualTo(garbageBytes);
        assertThat(header(letter, DeadLetters.ERROR)).startsWith("malformed message");
        assertThat(header(letter, DeadLetters.SOURCE_PARTITION)).isEqualTo(Integer.toString(partition));
        assertThat(header(letter, DeadLetters.SOURCE_OFFSET)).isEqualTo(Long.toString(garbage.offset()));
    }

    @Test
    void cancelledAndExpiredJobsAreSkippedAndTheJobsAfterThemRun() {
        int partition = 2;
        Instant now = Instant.now();
        JobRequest cancelled = JobRequest.of(JobId.random(), "sentiment",
                new JobInput.Texts(List.of("cancel me")), now);
        JobRecord cancelledRecord = JobRecord.queued(cancelled).cancelled(now);
        store.create(JobRecord.queued(cancelled)).block(REDIS);
        assertThat(store.transition(cancelledRecord).block(REDIS).applied()).isTrue();
        JobRequest late = JobRequest.of(JobId.random(), "sentiment", new JobInput.Texts(List.of("too late")),
                now.minusSeconds(60), now.minusSeconds(30));
        store.create(JobRecord.queued(late)).block(REDIS);
        JobRequest inTime = JobRequest.of(JobId.random(), "sentiment", new JobInput.Texts(List.of("in time")),
                now, now.plusSeconds(120));
        store.create(JobRecord.queued(inTime)).block(REDIS);

        RecordMetadata first = send(new ProducerRecord<>(JobNames.topic("sentiment"), partition,
                cancelled.id().value(), JobCodec.encodeRequest(cancelled)));
        send(new ProducerRecord<>(JobNames.topic("sentiment"), partition, late.id().value(),
                JobCodec.encodeRequest(late)));
        RecordMetadata last = send(new ProducerRecord<>(JobNames.topic("sentiment"), partition,
                inTime.id().value(), JobCodec.encodeRequest(inTime)));

        assertSucceeded(awaitFinished(inTime.id()), 1, List.of("negative", "positive"));
        awaitCommittedPast(last);
        assertThat(last.offset()).isGreaterThan(first.offset());
        JobRecord stillCancelled = store.find(cancelled.id()).block(REDIS);
        assertThat(stillCancelled).isEqualTo(cancelledRecord);
        assertThat(stillCancelled.startedAt()).isNull();
        JobRecord expired = awaitFinished(late.id());
        assertThat(expired.status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(expired.startedAt()).isNull();
        assertThat(expired.predictions()).isNull();
        assertThat(expired.deadline()).isEqualTo(late.deadline());
        assertThat(expired.finishedAt()).isAfter(late.deadline());
        assertThat(expired.error()).contains("deadline", "passed before a worker started the job");
    }

    @Test
    void commitsTheOffsetsOfProcessedMessages() {
        JobRequest request = JobRequest.of(JobId.random(), "sentiment", new JobInput.Texts(List.of("commit me")),
                Instant.now());
        store.create(JobRecord.queued(request)).block(REDIS);

        RecordMetadata sent = publish(request);

        awaitFinished(request.id());
        awaitCommittedPast(sent);
    }

    @Test
    void healthIsUpOnceModelsAreLoadedAndEveryConsumerHasJoinedItsGroup() {
        // Health (and readiness) includes the consumers, which join their groups shortly after the context is up.
        HttpResponse<String> response = await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/readiness"))
                                .timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString()), answer -> answer.statusCode() == 200);

        assertThat(response.body()).contains("\"status\":\"UP\"").contains("\"consumers\":{\"status\":\"UP\"}")
                .contains("\"models\":{\"status\":\"UP\"}");
    }

    /** What the gateway does: input bytes (if any), then the QUEUED record, then the request on the topic. */
    private JobId submit(String model, JobInput input) {
        return submit(model, input, null);
    }

    private JobId submit(String model, JobInput input, byte[] bytes) {
        JobRequest request = JobRequest.of(JobId.random(), model, input, Instant.now());
        if (bytes != null) {
            assertThat(store.saveInput(request.id(), bytes).block(REDIS)).isTrue();
        }
        store.create(JobRecord.queued(request)).block(REDIS);
        publish(request);
        return request.id();
    }

    private RecordMetadata publish(JobRequest request) {
        return send(new ProducerRecord<>(JobNames.topic(request.model()), request.id().value(),
                JobCodec.encodeRequest(request)));
    }

    private static RecordMetadata send(ProducerRecord<String, byte[]> record) {
        try {
            return producer.send(record).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot publish to " + record.topic(), e);
        }
    }

    private JobRecord awaitFinished(JobId id) {
        return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> store.find(id).block(REDIS), job -> job != null && job.status().isTerminal());
    }

    /** Waits until the model's consumer group has committed an offset beyond {@code sent}. */
    private static void awaitCommittedPast(RecordMetadata sent) {
        String model = sent.topic().substring(JobNames.topic("").length());
        TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                RealInfrastructure.shared().kafkaBootstrapServers()))) {
            await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin
                        .listConsumerGroupOffsets(JobNames.consumerGroup(model))
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                OffsetAndMetadata offset = committed.get(partition);
                return offset != null && offset.offset() > sent.offset();
            });
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void assertSucceeded(JobRecord job, int inputs, List<String> labels) {
        assertThat(job.status()).as("job %s: %s", job.id(), job.error()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.error()).isNull();
        assertThat(job.predictions()).hasSize(inputs).allSatisfy(prediction -> {
            assertThat(prediction.scores()).extracting(Prediction.LabelScore::label)
                    .containsExactlyInAnyOrderElementsOf(labels);
            assertThat(prediction.label()).isEqualTo(prediction.scores().get(0).label());
        });
    }
}
