package dev.inferq.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** inferq.quota.* as Spring binds it: defaults, per-tenant overrides, and refusals that name the setting. */
class QuotaPropertiesBindingTest {

    private static QuotaProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("inferq.quota", QuotaProperties.class);
    }

    @Test
    void byDefaultNoTenantIsLimited() {
        TenantQuota quota = bind(Map.of()).of("anyone");

        assertThat(quota.limitsAnything()).isFalse();
        assertThat(bind(Map.of()).queuedRetryAfter()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aTenantTakesTheDefaultsItDoesNotSetItself() {
        QuotaProperties properties = bind(Map.of(
                "inferq.quota.rate", "20",
                "inferq.quota.max-queued", "100",
                "inferq.quota.tenants.batch.burst", "200",
                "inferq.quota.tenants.batch.max-queued", "0",
                "inferq.quota.tenants.trial.rate", "0.5"));

        assertThat(properties.of("someone")).isEqualTo(new TenantQuota(20, 20, 100));
        assertThat(properties.of("batch")).isEqualTo(new TenantQuota(20, 200, 0));
        assertThat(properties.of("trial")).isEqualTo(new TenantQuota(0.5, 1, 100));
    }

    @Test
    void withoutARateThereIsNoBucketWhateverTheBurst() {
        TenantQuota quota = bind(Map.of("inferq.quota.burst", "10")).of("someone");

        assertThat(quota.limitsRate()).isFalse();
        assertThat(quota.burst()).isZero();
    }

    @Test
    void bucketSettingsNameTheirRedisKeySoAChangedRateStartsAFreshBucket() {
        assertThat(TenantQuota.of(0.5, 0, 0).bucketName()).isEqualTo("0.5-per-s-burst-1");
        assertThat(TenantQuota.of(20, 40, 0).bucketName()).isEqualTo("20-per-s-burst-40");
        assertThat(TenantQuota.of(20, 40, 0).describeRate()).isEqualTo("20 jobs/s (burst 40)");
    }

    @Test
    void negativeOrEndlessLimitsAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> bind(Map.of("inferq.quota.rate", "-1")))
                .hasRootCauseMessage("inferq.quota.rate must be 0 (no limit) or a positive number of jobs per second,"
                        + " not -1.0");
        assertThatThrownBy(() -> bind(Map.of("inferq.quota.rate", "Infinity")))
                .rootCause().hasMessageContaining("inferq.quota.rate");
        assertThatThrownBy(() -> bind(Map.of("inferq.quota.tenants.a.max-queued", "-3")))
                .rootCause().hasMessageContaining("inferq.quota.tenants.a.max-queued must be 0 (no cap)");
        assertThatThrownBy(() -> bind(Map.of("inferq.quota.queued-retry-after", "0s")))
                .rootCause().hasMessageContaining("inferq.quota.queued-retry-after must be at least one second");
    }
}
