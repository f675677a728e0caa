package dev.inferq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
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
import dev.inferq.worker.run.BatchJobRunner;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What an operator sees of a worker, against real Kafka, Redis and libtorch: the Prometheus meters move by exactly the
 * jobs whose outcome it stored, its spans continue the trace in each message's {@code traceparent} header, its log
 * lines about a job carry the job and trace ids, and readiness waits for its consumer groups. It serves a copy of the
 * sentiment model under a name of its own, so its consumer group (and its meters) are its own.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    // Long enough for two jobs published together to share a batch.
    "inferq.worker.max-batch-delay=500ms",
    "management.tracing.sampling.probability=1.0",
    "management.opentelemetry.tracing.export.schedule-delay=50ms",
    "logging.level.kafka=WARN",
    "logging.level.org.apache.kafka=WARN",
    "logging.level.state.change.logger=WARN"
})
@AutoConfigureMetrics
@AutoConfigureTracing
@DirtiesContext
class WorkerObservabilityIT {

    private static final String MODEL = "sentiment-observed";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration REDIS = Duration.ofSeconds(5);
    private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.message.offset");
    private static final AttributeKey<Long> PARTITION = AttributeKey.longKey("messaging.kafka.destination.partition");
    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation");

    static KafkaProducer<String, byte[]> producer;

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        RealInfrastructure.shared().springProperties().forEach((key, value) -> registry.add(key, () -> value));
        Path models = TestModels.copyAs("sentiment", MODEL, Path.of("target", "observability-models"));
        registry.add("inferq.models-dir", models::toString);
    }

    @TestConfiguration
    static class Spans {

        @Bean
        InMemorySpanExporter spans() {
            return InMemorySpanExporter.create();
        }
    }

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
    MeterRegistry meters;

    @Autowired
    InMemorySpanExporter spans;

    @Value("${local.server.port}")
    int port;

    @Test
    void readinessIsUpOnceModelsAreLoadedAndTheConsumersHaveJoinedTheirGroups() {
        HttpResponse<String> readiness = await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> get("/actuator/health/readiness"), response -> response.statusCode() == 200);

        assertThat(readiness.body()).contains("\"status\":\"UP\"").contains("\"consumers\":{\"status\":\"UP\"}")
                .contains("\"models\":{\"status\":\"UP\"}").contains("\"readinessState\":{\"status\":\"UP\"}");
        HttpResponse<String> liveness = get("/actuator/health/liveness");
        assertThat(liveness.statusCode()).isEqualTo(200);
        assertThat(liveness.body()).contains("\"status\":\"UP\"");
    }

    @Test
    void metersMoveByExactlyTheOutcomesStored() {
        double succeeded = finished(JobStatus.SUCCEEDED);
        double failed = finished(JobStatus.FAILED);
        double expired = finished(JobStatus.EXPIRED);
        long queueWaits = timerCount("inferq.job.queue.wait");
        long runs = timerCount("inferq.job.run");
        long endToEnds = timerCount("inferq.job.end.to.end");
        long passes = timerCount("inferq.forward.pass");
        double inputs = meters.get("inferq.batch.inputs").tag("model", MODEL).summary().totalAmount();

        List<JobId> ran = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ran.add(submit(JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("good " + i, "bad")),
                    Instant.now()), null).id());
        }
        Instant now = Instant.now();
        JobId late = submit(JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("too late")),
                now.minusSeconds(60), now.minusSeconds(30)), null).id();
        JobId givenUp = givenUpJob();

        ran.forEach(id -> assertThat(awaitFinished(id).status()).isEqualTo(JobStatus.SUCCEEDED));
        assertThat(awaitFinished(late).status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(awaitFinished(givenUp).status()).isEqualTo(JobStatus.FAILED);
        // An outcome is counted right after Redis confirms it, which a poller may see first.
        await().atMost(TIMEOUT).until(() -> timerCount("inferq.job.end.to.end") >= endToEnds + 6);

        assertThat(finished(JobStatus.SUCCEEDED) - succeeded).isEqualTo(4);
        assertThat(finished(JobStatus.FAILED) - failed).isEqualTo(1);
        assertThat(finished(JobStatus.EXPIRED) - expired).isEqualTo(1);
        assertThat(timerCount("inferq.job.end.to.end") - endToEnds).isEqualTo(6);
        // The expired job never started: it has no queue wait and no run time.
        assertThat(timerCount("inferq.job.queue.wait") - queueWaits).isEqualTo(5);
        assertThat(timerCount("inferq.job.run") - runs).isEqualTo(5);
        assertThat(timerCount("inferq.forward.pass")).isGreaterThan(passes);
        assertThat(meters.get("inferq.batch.inputs").tag("model", MODEL).summary().totalAmount() - inputs)
                .as("inputs through the forward passes").isEqualTo(8);

        String scraped = get("/actuator/prometheus").body();
        assertThat(scraped)
                .contains("inferq_jobs_finished_total{model=\"" + MODEL + "\",outcome=\"SUCCEEDED\"} "
                        + (succeeded + 4))
                .contains("inferq_job_queue_wait_seconds_bucket{model=\"" + MODEL + "\",le=\"0.5\"}")
                .contains("inferq_job_run_seconds_bucket{model=\"" + MODEL + "\"")
                .contains("inferq_job_end_to_end_seconds_count{model=\"" + MODEL + "\"} " + (endToEnds + 6))
                .contains("inferq_forward_pass_seconds_bucket{model=\"" + MODEL + "\"")
                .contains("inferq_batch_inputs_bucket{model=\"" + MODEL + "\",le=\"8.0\"}")
                .contains("inferq_worker_busy_seconds_total{model=\"" + MODEL + "\"}");
    }

    @Test
    void theWorkersSpansContinueTheTraceOfTheMessage() {
        String traceId = randomHex(16);
        String parentSpanId = randomHex(8);
        Submitted job = submit(JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("traced")),
                Instant.now()), "00-" + traceId + "-" + parentSpanId + "-01");

        assertThat(awaitFinished(job.id()).status()).isEqualTo(JobStatus.SUCCEEDED);

        SpanData consume = awaitSpan("inferq.consume", traceId);
        assertThat(consume.getParentSpanId()).isEqualTo(parentSpanId);
        assertThat(consume.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(consume.getAttributes().get(SYSTEM)).isEqualTo("kafka");
        assertThat(consume.getAttributes().get(DESTINATION)).isEqualTo(JobNames.topic(MODEL));
        assertThat(consume.getAttributes().get(OFFSET)).isEqualTo(job.sent().offset());
        assertThat(consume.getAttributes().get(PARTITION)).isEqualTo(job.sent().partition());
        assertThat(consume.getAttributes().get(OPERATION)).isEqualTo("process");
        SpanData store = awaitSpan("inferq.store", traceId);
        assertThat(store.getParentSpanId()).isEqualTo(consume.getSpanId());
        assertThat(awaitSpan("inferq.notify", traceId).getParentSpanId()).isEqualTo(store.getSpanId());
        // A batch of this one job is part of its trace, and so is its forward pass.
        SpanData batch = awaitSpan("inferq.batch", traceId);
        assertThat(batch.getParentSpanId()).isEqualTo(consume.getSpanId());
        assertThat(batch.getLinks()).extracting(link -> link.getSpanContext().getSpanId())
                .containsExactly(consume.getSpanId());
        assertThat(awaitSpan("inferq.forward", traceId).getParentSpanId()).isEqualTo(batch.getSpanId());
    }

    @Test
    void aBatchOfManyJobsLinksToEachJobsTrace() {
        String first = randomHex(16);
        String second = randomHex(16);
        submit(JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("one")), Instant.now()),
                "00-" + first + "-" + randomHex(8) + "-01");
        Submitted other = submit(JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("two")),
                Instant.now()), "00-" + second + "-" + randomHex(8) + "-01");

        awaitFinished(other.id());
        SpanData firstConsume = awaitSpan("inferq.consume", first);
        SpanData secondConsume = awaitSpan("inferq.consume", second);

        SpanData batch = await().atMost(TIMEOUT).until(() -> spans.getFinishedSpanItems().stream()
                .filter(span -> span.getName().equals("inferq.batch"))
                .filter(span -> span.getLinks().stream().anyMatch(link -> link.getSpanContext().getTraceId()
                        .equals(first)))
                .findFirst().orElse(null), span -> span != null);
        assertThat(batch.getLinks()).extracting(LinkData::getSpanContext)
                .extracting(context -> context.getTraceId() + "/" + context.getSpanId())
                .containsExactlyInAnyOrder(first + "/" + firstConsume.getSpanId(),
                        second + "/" + secondConsume.getSpanId());
        assertThat(batch.getTraceId()).as("a batch of many jobs has a trace of its own").isNotIn(first, second);
        assertThat(awaitSpan("inferq.forward", batch.getTraceId()).getParentSpanId()).isEqualTo(batch.getSpanId());
    }

    @Test
    void logLinesAboutAJobCarryItsJobAndTraceIdsButNotItsInputs() {
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(BatchJobRunner.class);
        lines.start();
        logger.addAppender(lines);
        try {
            String traceId = randomHex(16);
            Instant now = Instant.now();
            JobId late = submit(JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("secret words")),
                    now.minusSeconds(60), now.minusSeconds(30)), "00-" + traceId + "-" + randomHex(8) + "-01").id();

            assertThat(awaitFinished(late).status()).isEqualTo(JobStatus.EXPIRED);

            ILoggingEvent line = await().atMost(TIMEOUT).until(() -> List.copyOf(lines.list).stream()
                    .filter(event -> event.getFormattedMessage().contains(late.value())).findFirst().orElse(null),
                    event -> event != null);
            assertThat(line.getMDCPropertyMap()).containsEntry("job_id", late.value())
                    .containsEntry("traceId", traceId);
            assertThat(line.getFormattedMessage()).doesNotContain("secret words");
        } finally {
            logger.detachAppender(lines);
        }
    }

    private record Submitted(JobId id, RecordMetadata sent) {
    }

    /** What the gateway does: the QUEUED record, then the request on the topic, with a traceparent when given. */
    private Submitted submit(JobRequest request, String traceparent) {
        store.create(JobRecord.queued(request)).block(REDIS);
        return new Submitted(request.id(), publish(request, traceparent));
    }

    private static RecordMetadata publish(JobRequest request, String traceparent) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(JobNames.topic(request.model()),
                request.id().value(), JobCodec.encodeRequest(request));
        if (traceparent != null) {
            record.headers().add(new RecordHeader("traceparent", traceparent.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            return producer.send(record).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot publish to " + record.topic(), e);
        }
    }

    /** A job that three workers each died running: RUNNING, three starts counted; its next delivery gives it up. */
    private JobId givenUpJob() {
        JobRequest request = JobRequest.of(JobId.random(), MODEL, new JobInput.Texts(List.of("crash again")),
                Instant.now());
        store.create(JobRecord.queued(request)).block(REDIS);
        store.transition(JobRecord.queued(request).running(Instant.now(), "dead-worker")).block(REDIS);
        for (int i = 0; i < 3; i++) {
            store.countDelivery(request.id()).block(REDIS);
        }
        publish(request, null);
        return request.id();
    }

    private JobRecord awaitFinished(JobId id) {
        return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> store.find(id).block(REDIS), job -> job != null && job.status().isTerminal());
    }

    private SpanData awaitSpan(String name, String traceId) {
        Supplier<SpanData> find = () -> spans.getFinishedSpanItems().stream()
                .filter(span -> span.getName().equals(name) && span.getTraceId().equals(traceId))
                .findFirst().orElse(null);
        return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).until(find::get, span -> span != null);
    }

    private double finished(JobStatus outcome) {
        return meters.get("inferq.jobs.finished").tag("model", MODEL).tag("outcome", outcome.name()).counter()
                .count();
    }

    private long timerCount(String name) {
        return meters.get(name).tag("model", MODEL).timer().count();
    }

    private HttpResponse<String> get(String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("GET " + path, e);
        }
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
