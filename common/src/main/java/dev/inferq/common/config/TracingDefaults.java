package dev.inferq.common.config;

import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Decides, for both services, whether spans are recorded: only where they go somewhere. Recording a span nobody
 * exports costs CPU on every job, so without an exporter ({@code OTEL_EXPORTER_OTLP_ENDPOINT} or
 * {@code management.opentelemetry.tracing.export.otlp.endpoint}) and without an explicit sampling probability
 * ({@code TRACING_SAMPLING_PROBABILITY} or {@code management.tracing.sampling.probability}) the probability is 0, which
 * {@link OtlpEnvironmentConfiguration} turns into a sampler that records nothing, not even under a sampled parent, and
 * Lettuce's observation of every Redis command (a timer, a long task timer and a span) is off.
 *
 * <p>Trace context still propagates when nothing is recorded: an unsampled span has a trace id and a span id, so the
 * job record's {@code trace_id}, the Kafka record's {@code traceparent} and the log lines' MDC keep them.
 *
 * <p>The defaults go last, so any setting of the same keys, in any property source, wins.
 */
public class TracingDefaults implements EnvironmentPostProcessor, Ordered {

    static final String PROBABILITY = "management.tracing.sampling.probability";
    static final String PROBABILITY_VARIABLE = "TRACING_SAMPLING_PROBABILITY";
    static final String OTLP_ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";
    static final String LETTUCE_OBSERVATION = "management.observations.enable.lettuce";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> defaults = new HashMap<>();
        String explicit = environment.getProperty(PROBABILITY_VARIABLE);
        if (StringUtils.hasText(explicit)) {
            defaults.put(PROBABILITY, explicit);
        } else if (exported(environment)) {
            defaults.put(PROBABILITY, "1.0");
        } else {
            defaults.put(PROBABILITY, "0.0");
        }
        environment.getPropertySources().addLast(new MapPropertySource("inferqTracingDefaults", defaults));
        // Decided on the probability in force, so that one set to 0 explicitly turns the Redis observation off too.
        if (!records(environment)) {
            defaults.put(LETTUCE_OBSERVATION, "false");
        }
    }

    /** Whether spans are recorded, once the defaults are in place: a sampling probability above 0. */
    static boolean records(Environment environment) {
        return environment.getProperty(PROBABILITY, Double.class, 0.0) > 0;
    }

    private static boolean exported(Environment environment) {
        return StringUtils.hasText(environment.getProperty(OtlpEnvironmentConfiguration.ENDPOINT))
                || StringUtils.hasText(environment.getProperty(OTLP_ENDPOINT));
    }

    @Override
    public int getOrder() {
        // After the config data (application.yml, profiles), which may name the endpoint or the probability.
        return Ordered.LOWEST_PRECEDENCE;
    }
}
