package dev.inferq.testsupport;

import java.util.HashMap;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Points a Spring test context at the shared real Kafka and Redis ({@link RealInfrastructure#springProperties}):
 * {@code @ContextConfiguration(initializers = RealInfrastructureProperties.class)} on an integration test, instead of
 * the same {@code @DynamicPropertySource} method in every one. Added first: the precedence that method had.
 */
public final class RealInfrastructureProperties
        implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("inferq-real-infrastructure",
                new HashMap<>(RealInfrastructure.shared().springProperties())));
    }
}
