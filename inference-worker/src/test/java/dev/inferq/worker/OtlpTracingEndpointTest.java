package dev.inferq.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.OtlpTracingConnectionDetails;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.Transport;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The collector named the OpenTelemetry way, by its base URL, or not at all. */
class OtlpTracingEndpointTest {

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withUserConfiguration(OtlpTracingEndpoint.class);

    @Test
    void otelExporterOtlpEndpointNamesTheCollectorByItsBaseUrl() {
        context.withPropertyValues("OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318/").run(app -> {
            OtlpTracingConnectionDetails collector = app.getBean(OtlpTracingConnectionDetails.class);
            assertThat(collector.getUrl(Transport.HTTP)).isEqualTo("http://collector:4318/v1/traces");
            assertThat(collector.getUrl(Transport.GRPC)).isEqualTo("http://collector:4318");
        });
    }

    @Test
    void withoutItNoCollectorIsNamed() {
        context.run(app -> assertThat(app).doesNotHaveBean(OtlpTracingConnectionDetails.class));
    }
}
