package dev.inferq.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The RateLimit-Policy and RateLimit fields as draft-ietf-httpapi-ratelimit-headers-11 writes them. */
class RateLimitFieldsTest {

    @Test
    void noQuotaAppliedWritesNoFields() {
        RateLimitFields fields = new RateLimitFields();

        assertThat(fields.policy()).isNull();
        assertThat(fields.limit()).isNull();
    }

    @Test
    void theRatePolicyIsTheBucketSizeOverTheSecondsItTakesToRefill() {
        RateLimitFields fields = new RateLimitFields();

        fields.rate(TenantQuota.of(100, 0, 0), 99, Duration.ofMillis(10));

        assertThat(fields.policy()).isEqualTo("\"rate\";q=100;w=1");
        assertThat(fields.limit()).isEqualTo("\"rate\";r=99;t=1");
    }

    @Test
    void aWindowThatIsNotWholeSecondsIsRoundedUpSoTheAdvertisedRateIsNeverTooHigh() {
        RateLimitFields slow = new RateLimitFields();
        RateLimitFields uneven = new RateLimitFields();

        slow.rate(TenantQuota.of(0.5, 0, 0), 0, Duration.ofMillis(1500));
        uneven.rate(TenantQuota.of(3, 10, 0), 4, Duration.ofSeconds(2));

        assertThat(slow.policy()).isEqualTo("\"rate\";q=1;w=2");
        assertThat(slow.limit()).isEqualTo("\"rate\";r=0;t=2");
        assertThat(uneven.policy()).isEqualTo("\"rate\";q=10;w=4");
        assertThat(uneven.limit()).isEqualTo("\"rate\";r=4;t=2");
    }

    @Test
    void theQueuedCapIsAConcurrencyQuotaWithoutWindow() {
        RateLimitFields fields = new RateLimitFields();

        fields.queued(TenantQuota.of(0, 0, 50), 3);

        assertThat(fields.policy()).isEqualTo("\"queued\";q=50;qu=\"concurrent-requests\"");
        assertThat(fields.limit()).isEqualTo("\"queued\";r=47");
    }

    @Test
    void bothPoliciesMakeOneListEachAndNothingLeftIsNeverNegative() {
        RateLimitFields fields = new RateLimitFields();
        TenantQuota quota = TenantQuota.of(10, 50, 2);

        fields.rate(quota, 7, Duration.ofMillis(4300));
        fields.queued(quota, 2);

        assertThat(fields.policy()).isEqualTo("\"rate\";q=50;w=5, \"queued\";q=2;qu=\"concurrent-requests\"");
        assertThat(fields.limit()).isEqualTo("\"rate\";r=7;t=5, \"queued\";r=0");
    }

    @Test
    void wholeSecondsRoundUpAndZeroStaysZero() {
        assertThat(RateLimitFields.wholeSeconds(Duration.ZERO)).isZero();
        assertThat(RateLimitFields.wholeSeconds(Duration.ofNanos(1))).isEqualTo(1);
        assertThat(RateLimitFields.wholeSeconds(Duration.ofSeconds(3))).isEqualTo(3);
        assertThat(RateLimitFields.wholeSeconds(Duration.ofMillis(3001))).isEqualTo(4);
    }
}
