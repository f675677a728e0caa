package dev.inferq.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class AnswersTest {

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-29T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void retryAfterIsReadInBothOfItsForms() {
        assertThat(Answers.retryAfter("12", clock)).isEqualTo(Duration.ofSeconds(12));
        assertThat(Answers.retryAfter("Sun, 29 Nov 2026 10:00:30 GMT", clock)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aRetryAfterInThePastIsNoWaitAndAnUnreadableOneIsNone() {
        assertThat(Answers.retryAfter("Sun, 29 Nov 2026 09:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
        assertThat(Answers.retryAfter("-5", clock)).isEqualTo(Duration.ZERO);
        assertThat(Answers.retryAfter("soon", clock)).isNull();
        assertThat(Answers.retryAfter(null, clock)).isNull();
    }
}
