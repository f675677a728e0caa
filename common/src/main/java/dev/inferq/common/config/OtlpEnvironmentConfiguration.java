package dev.inferq.common.config;

import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.OtlpTracingConnectionDetails;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.otlp.Transport;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Exports spans over OTLP when OpenTelemetry's own {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set, as every OpenTelemetry
 * SDK does; Spring Boot itself reads only {@code management.opentelemetry.tracing.export.otlp.endpoint} (a full URL),
 * which works as well. With neither, no exporter exists: spans still propagate and correlate log lines.
 *
 * <p>The variable is a base URL: OTLP/HTTP sends traces to its {@code /v1/traces} (the OpenTelemetry specification),
 * gRPC to the URL itself.
 *
 * <p>Where {@link TracingDefaults} decided that nothing is recorded (sampling probability 0), the sampler records
 * nothing at all: Boot's own is parent-based, so a client's sampled {@code traceparent} would still have every span
 * of its job recorded, and dropped for want of an exporter. Unsampled spans keep their ids and propagate.
 */
@Configuration(proxyBeanMethods = false)
public class OtlpEnvironmentConfiguration {

    static final String ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT";

    @Bean
    @ConditionalOnProperty(ENDPOINT)
    OtlpTracingConnectionDetails otlpEnvironmentEndpoint(Environment environment) {
        String base = environment.getRequiredProperty(ENDPOINT).replaceAll("/+$", "");
        return transport -> transport == Transport.HTTP ? base + "/v1/traces" : base;
    }

    @Bean
    @Conditional(NotRecording.class)
    Sampler recordNothing() {
        return Sampler.alwaysOff();
    }

    static final class NotRecording implements Condition {

        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return !TracingDefaults.records(context.getEnvironment());
        }
    }
}
