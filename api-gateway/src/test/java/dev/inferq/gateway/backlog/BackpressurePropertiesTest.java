package dev.inferq.gateway.backlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackpressurePropertiesTest {

    @Test
    void aTenantMayHoldItsShareOfAModelsBacklogAndAShareOfOneLiftsTheCap() {
        assertThat(properties(true, 2000, 0.5).tenantCap()).isEqualTo(1000);
        assertThat(properties(true, 3, 0.1).tenantCap()).isEqualTo(1);
        assertThat(properties(true, 2000, 1).tenantCap()).isZero();
        assertThat(properties(false, 2000, 0.5).tenantCap()).isZero();
        assertThatThrownBy(() -> properties(true, 2000, 0)).hasMessageContaining("tenant-share");
    }

    private static BackpressureProperties properties(boolean enabled, long maxBacklog, double share) {
        return new BackpressureProperties(enabled, maxBacklog, Duration.ofSeconds(1), Duration.ofSeconds(30),
                Duration.ofSeconds(120), share);
    }
}
