package dev.inferq.gateway.metrics;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gateway's meters ({@code inferq.gateway.metrics.*}).
 *
 * @param tenantTag whether meters keep their {@code tenant} tag (per-tenant counts); off by default, because
 *     {@code /actuator/prometheus} needs no key and would name every tenant to whoever reaches it
 */
@ConfigurationProperties("inferq.gateway.metrics")
public record MetricsProperties(@DefaultValue("false") boolean tenantTag) {
}
