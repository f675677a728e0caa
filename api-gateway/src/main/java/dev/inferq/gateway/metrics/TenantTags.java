package dev.inferq.gateway.metrics;

import io.micrometer.core.instrument.config.MeterFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Drops the {@code tenant} tag from every meter unless {@code inferq.gateway.metrics.tenant-tag} is on.
 * {@code /actuator/prometheus} is open to scrapers, which carry no key: with the tag, anyone who reaches it could read
 * every tenant's name and how much it submits. Without it the counts of all tenants add up under model and status;
 * turn the tag on only where the endpoint is out of reach of the API's callers (a separate
 * {@code management.server.port}, a network policy).
 */
@Configuration(proxyBeanMethods = false)
public class TenantTags {

    /** The tag that names a tenant ({@link SubmitMeters}). */
    static final String TAG = "tenant";

    @Bean
    MeterFilter withoutTenantTag(MetricsProperties properties) {
        return properties.tenantTag() ? new MeterFilter() { } : MeterFilter.ignoreTags(TAG);
    }
}
