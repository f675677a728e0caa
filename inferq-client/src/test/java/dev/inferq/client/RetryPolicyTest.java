package dev.inferq.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private static final Duration NO_TIME = Duration.ZERO;

    private final RetryPolicy policy = RetryPolicy.defaults();

    @Test
    void theDefaultsAreFourAttemptsWithinThirtySeconds() {
        assertThat(policy).isEqualTo(
                new RetryPolicy(4, Duration.ofMillis(250), Duration.ofSeconds(10), Duration.ofSeconds(30)));
        assertThat(policy.pauseBefore(4, null, NO_TIME, 0.5)).isPresent();
        assertThat(policy.pauseBefore(5, null, NO_TIME, 0.5)).isEmpty();
    }

    @Test
    void noneMakesOneAttempt() {
        assertThat(RetryPolicy.none().pauseBefore(2, null, NO_TIME, 0.5)).isEmpty();
    }

    @Test
    void theBackoffDoublesWithHalfOfItRandom() {
        assertThat(policy.pauseBefore(2, null, NO_TIME, 0.0)).contains(Duration.ofMillis(125));
        assertThat(policy.pauseBefore(2, null, NO_TIME, 0.999)).hasValueSatisfying(
                pause -> assertThat(pause).isBetween(Duration.ofMillis(249), Duration.ofMillis(250)));
        assertThat(policy.pauseBefore(3, null, NO_TIME, 0.0)).contains(Duration.ofMillis(250));
        assertThat(policy.pauseBefore(4, null, NO_TIME, 0.0)).contains(Duration.ofMillis(500));
    }

    @Test
    void retryAfterIsWaitedWithUpToTheInitialDelayOnTop() {
        assertThat(policy.pauseBefore(2, Duration.ofSeconds(2), NO_TIME, 0.0)).contains(Duration.ofSeconds(2));
        assertThat(policy.pauseBefore(2, Duration.ofSeconds(2), NO_TIME, 0.5)).contains(Duration.ofMillis(2125));
    }

    @Test
    void noPauseIsLongerThanTheMaxDelay() {
        assertThat(policy.pauseBefore(2, Duration.ofHours(1), NO_TIME, 0.5)).contains(Duration.ofSeconds(10));
        RetryPolicy many = policy.withMaxAttempts(40).withMaxElapsed(Duration.ofDays(1));
        assertThat(many.pauseBefore(40, null, NO_TIME, 0.999)).hasValueSatisfying(
                pause -> assertThat(pause).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10)));
    }

    @Test
    void noRetryStartsAfterTheMaxElapsed() {
        assertThat(policy.pauseBefore(2, Duration.ofSeconds(5), Duration.ofSeconds(24), 0.0)).isPresent();
        assertThat(policy.pauseBefore(2, Duration.ofSeconds(5), Duration.ofSeconds(26), 0.0)).isEmpty();
    }

    @Test
    void nonsenseIsRefused() {
        assertThatThrownBy(() -> policy.withMaxAttempts(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> policy.withMaxDelay(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
