package dev.inferq.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.inferq.common.job.JobNames;
import dev.inferq.common.job.JobStore;
import dev.inferq.contract.JobId;
import dev.inferq.gateway.jobs.JobService;
import dev.inferq.testsupport.RealInfrastructure;
import dev.inferq.testsupport.RealInfrastructureProperties;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A submit that arrives with a W3C {@code traceparent} stays in that trace: the server span continues it, the accept
 * span is the server span's child, the Kafka publish span the accept span's, the record on the job topic carries a
 * {@code traceparent} naming the publish span, and the job's record keeps the trace id. The log line about the job
 * (at DEBUG, enabled here), in Boot's ECS structured format, names the job and the trace. Spans are collected in
 * memory.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    // Spans are recorded only where asked for or exported (TracingDefaults); the in-memory exporter is not OTLP.
    "TRACING_SAMPLING_PROBABILITY=1.0",
    "management.opentelemetry.tracing.export.schedule-delay=50ms",
    "logging.config=classpath:logback-structured-console.xml",
    // The accepted line is at DEBUG, so that a job costs no INFO line.
    "logging.level.dev.inferq.gateway.jobs.JobService=DEBUG"
})
@AutoConfigureWebTestClient
@AutoConfigureTracing
@Import(GatewayTracingIT.Spans.class)
@ExtendWith(OutputCaptureExtension.class)
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class GatewayTracingIT {

    private static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");

    @TestConfiguration(proxyBeanMethods = false)
    static class Spans {

        @Bean
        InMemorySpanExporter spans() {
            return InMemorySpanExporter.create();
        }
    }


    @Autowired
    WebTestClient http;

    @Autowired
    JobStore store;

    @Autowired
    InMemorySpanExporter spans;

    @Test
    void aSubmitContinuesTheCallersTraceIntoItsRecordAndItsKafkaMessage(CapturedOutput output) {
        String traceId = hex(16);
        String callerSpanId = hex(8);
        try (KafkaConsumer<String, byte[]> consumer = consumerOf("sentiment")) {
            String id = (String) http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                    .header("traceparent", "00-" + traceId + "-" + callerSpanId + "-01")
                    .bodyValue("{\"inputs\": [\"traced\"]}").exchange()
                    .expectStatus().isAccepted()
                    .expectBody(Map.class).returnResult().getResponseBody().get("id");

            assertThat(store.find(new JobId(id)).block(Duration.ofSeconds(5)).traceId()).isEqualTo(traceId);
            http.get().uri("/v1/jobs/{id}", id).exchange()
                    .expectBody().jsonPath("$.trace_id").isEqualTo(traceId);

            String[] published = traceparentOf(awaitRecord(consumer, id)).split("-");
            assertThat(published[1]).isEqualTo(traceId);

            await().atMost(Duration.ofSeconds(10)).until(() -> spansOf(traceId).size() >= 3);
            List<SpanData> trace = spansOf(traceId);
            SpanData server = only(trace, SpanKind.SERVER);
            SpanData accept = trace.stream().filter(s -> s.getName().equals(JobService.ACCEPT_SPAN)).findFirst()
                    .orElseThrow();
            SpanData publish = only(trace, SpanKind.PRODUCER);
            assertThat(server.getParentSpanId()).isEqualTo(callerSpanId);
            assertThat(accept.getParentSpanId()).isEqualTo(server.getSpanId());
            assertThat(accept.getAttributes().get(AttributeKey.stringKey("inferq.job.id"))).isEqualTo(id);
            assertThat(publish.getParentSpanId()).isEqualTo(accept.getSpanId());
            assertThat(publish.getAttributes().get(MESSAGING_SYSTEM)).isEqualTo("kafka");
            assertThat(publish.getAttributes().get(DESTINATION)).isEqualTo(JobNames.topic("sentiment"));
            assertThat(published[2]).isEqualTo(publish.getSpanId());

            assertThat(output.getOut().lines()
                    .filter(line -> line.contains("\"job_id\":\"" + id + "\"") && line.contains(traceId)))
                    .anySatisfy(line -> assertThat(line).startsWith("{").contains("accepted for model 'sentiment'")
                            .doesNotContain("traced"));
        }
    }

    private List<SpanData> spansOf(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(traceId)).toList();
    }

    private static SpanData only(List<SpanData> trace, SpanKind kind) {
        List<SpanData> ofKind = trace.stream().filter(span -> span.getKind() == kind).toList();
        assertThat(ofKind).as("%s spans in %s", kind, trace).hasSize(1);
        return ofKind.get(0);
    }

    static String traceparentOf(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader("traceparent");
        assertThat(header).as("traceparent header").isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1;
        return HexFormat.of().formatHex(random);
    }

    static KafkaConsumer<String, byte[]> consumerOf(String model) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.shared().kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "tracing-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(JobNames.topic(model)));
        return consumer;
    }

    static ConsumerRecord<String, byte[]> awaitRecord(KafkaConsumer<String, byte[]> consumer, String id) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (id.equals(record.key())) {
                    return record;
                }
            }
        }
        throw new AssertionError("job " + id + " was not published");
    }
}
