package dev.inferq.worker;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.OtlpTracingConnectionDetails;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.Transport;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Spans are exported over OTLP only when a collector is named: by Spring's
 * {@code management.opentelemetry.tracing.export.otlp.endpoint} (the full URL), or, as every OpenTelemetry SDK reads it,
 * by {@code OTEL_EXPORTER_OTLP_ENDPOINT} (the collector's base URL; the HTTP transport appends {@code /v1/traces}).
 * With neither, spans only correlate the log lines.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("OTEL_EXPORTER_OTLP_ENDPOINT")
class OtlpTracingEndpoint {

    @Bean
    OtlpTracingConnectionDetails otelEnvironmentTracingEndpoint(Environment environment) {
        String base = environment.getRequiredProperty("OTEL_EXPORTER_OTLP_ENDPOINT").replaceAll("/+$", "");
        return transport -> transport == Transport.HTTP ? base + "/v1/traces" : base;
    }
}
