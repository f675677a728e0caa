package dev.inferq.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.OtlpTracingConnectionDetails;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.Transport;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class OtlpEnvironmentConfigurationTest {

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withUserConfiguration(OtlpEnvironmentConfiguration.class);

    @Test
    void theOpenTelemetryVariableIsABaseUrlForHttpAndTheUrlItselfForGrpc() {
        context.withPropertyValues("OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318/").run(started -> {
            OtlpTracingConnectionDetails details = started.getBean(OtlpTracingConnectionDetails.class);
            assertThat(details.getUrl(Transport.HTTP)).isEqualTo("http://collector:4318/v1/traces");
            assertThat(details.getUrl(Transport.GRPC)).isEqualTo("http://collector:4318");
        });
    }

    @Test
    void withoutItNothingIsExported() {
        context.run(started -> assertThat(started).doesNotHaveBean(OtlpTracingConnectionDetails.class));
    }
}
