package dev.inferq.gateway;

import static dev.inferq.gateway.GatewayTracingIT.awaitRecord;
import static dev.inferq.gateway.GatewayTracingIT.consumerOf;
import static dev.inferq.gateway.GatewayTracingIT.hex;
import static dev.inferq.gateway.GatewayTracingIT.traceparentOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.testsupport.RealInfrastructureProperties;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * With the defaults, where no exporter is configured, nothing is recorded, even for a client whose
 * {@code traceparent} says sampled, and the trace still goes on: the job's record keeps the client's trace id, the
 * Kafka record carries it in its {@code traceparent} (flagged not sampled, for the worker to follow), and the log
 * line about the job names it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "inferq.models-dir=../models/tiny",
    "logging.config=classpath:logback-structured-console.xml",
    "logging.level.dev.inferq.gateway.jobs.JobService=DEBUG"
})
@AutoConfigureWebTestClient
@AutoConfigureTracing
@ExtendWith(OutputCaptureExtension.class)
@ContextConfiguration(initializers = RealInfrastructureProperties.class)
class GatewayUnrecordedTracingIT {

    @Autowired
    WebTestClient http;

    @Autowired
    Sampler sampler;

    @Test
    void withoutAnExporterNothingIsRecordedAndTheTraceIdStillReachesTheRecordTheMessageAndTheLog(
            CapturedOutput output) {
        assertThat(sampler).isEqualTo(Sampler.alwaysOff());
        String traceId = hex(16);
        try (KafkaConsumer<String, byte[]> consumer = consumerOf("sentiment")) {
            String id = (String) http.post().uri("/v1/models/sentiment/jobs").contentType(MediaType.APPLICATION_JSON)
                    .header("traceparent", "00-" + traceId + "-" + hex(8) + "-01")
                    .bodyValue("{\"inputs\": [\"untraced\"]}").exchange()
                    .expectStatus().isAccepted()
                    .expectBody(Map.class).returnResult().getResponseBody().get("id");

            http.get().uri("/v1/jobs/{id}", id).exchange()
                    .expectBody().jsonPath("$.trace_id").isEqualTo(traceId);
            String[] published = traceparentOf(awaitRecord(consumer, id)).split("-");
            assertThat(published[1]).isEqualTo(traceId);
            assertThat(published[3]).as("sampled flag").isEqualTo("00");
            assertThat(output.getOut().lines()
                    .filter(line -> line.contains("\"job_id\":\"" + id + "\"") && line.contains(traceId)))
                    .isNotEmpty();
        }
    }
}
