package dev.inferq.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.mock.env.MockEnvironment;

class TracingDefaultsTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Test
    void withoutAnExporterOrAProbabilityNothingIsRecordedAndRedisCommandsAreNotObserved() {
        MockEnvironment environment = processed(new MockEnvironment());
        assertThat(environment.getProperty(TracingDefaults.PROBABILITY)).isEqualTo("0.0");
        assertThat(environment.getProperty(TracingDefaults.LETTUCE_OBSERVATION)).isEqualTo("false");
    }

    @Test
    void eitherOtlpEndpointRecordsEverything() {
        for (String endpoint : new String[] {OtlpEnvironmentConfiguration.ENDPOINT, TracingDefaults.OTLP_ENDPOINT}) {
            MockEnvironment environment = processed(new MockEnvironment().withProperty(endpoint, "http://collector"));
            assertThat(environment.getProperty(TracingDefaults.PROBABILITY)).isEqualTo("1.0");
            assertThat(environment.containsProperty(TracingDefaults.LETTUCE_OBSERVATION)).isFalse();
        }
    }

    @Test
    void anExplicitProbabilityWinsEitherWay() {
        MockEnvironment asked = processed(new MockEnvironment()
                .withProperty(TracingDefaults.PROBABILITY_VARIABLE, "0.25"));
        assertThat(asked.getProperty(TracingDefaults.PROBABILITY)).isEqualTo("0.25");
        assertThat(asked.containsProperty(TracingDefaults.LETTUCE_OBSERVATION)).isFalse();

        MockEnvironment off = processed(new MockEnvironment().withProperty(OtlpEnvironmentConfiguration.ENDPOINT,
                "http://collector").withProperty(TracingDefaults.PROBABILITY, "0"));
        assertThat(off.getProperty(TracingDefaults.PROBABILITY)).isEqualTo("0");
        assertThat(off.getProperty(TracingDefaults.LETTUCE_OBSERVATION)).isEqualTo("false");
    }

    @Test
    void aProbabilityOfZeroRecordsNothingEvenUnderASampledParent() {
        new ApplicationContextRunner().withUserConfiguration(OtlpEnvironmentConfiguration.class)
                .withPropertyValues(TracingDefaults.PROBABILITY + "=0.0")
                .run(context -> assertThat(context.getBean(Sampler.class)).isEqualTo(Sampler.alwaysOff()));
        new ApplicationContextRunner().withUserConfiguration(OtlpEnvironmentConfiguration.class)
                .withPropertyValues(TracingDefaults.PROBABILITY + "=1.0")
                .run(context -> assertThat(context).doesNotHaveBean(Sampler.class));
    }

    @Test
    void anUnrecordedSpanStillCarriesTheTraceOn() {
        try (SdkTracerProvider provider = SdkTracerProvider.builder().setSampler(Sampler.alwaysOff()).build()) {
            Context parent = Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(TRACE_ID,
                    "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault())));
            Span child = provider.get("test").spanBuilder("accept").setParent(parent).startSpan();

            assertThat(child.isRecording()).isFalse();
            assertThat(child.getSpanContext().getTraceId()).isEqualTo(TRACE_ID);
            Map<String, String> headers = new HashMap<>();
            W3CTraceContextPropagator.getInstance().inject(Context.root().with(child), headers, Map::put);
            assertThat(headers.get("traceparent"))
                    .isEqualTo("00-" + TRACE_ID + "-" + child.getSpanContext().getSpanId() + "-00");
            child.end();
        }
    }

    private static MockEnvironment processed(MockEnvironment environment) {
        new TracingDefaults().postProcessEnvironment(environment, new SpringApplication());
        return environment;
    }
}
