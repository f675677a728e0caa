package dev.inferq.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StepLimitsTest {

    private final StepLimits limits = new StepLimits(Duration.ofSeconds(1), 0.9, 0.01);

    private static StepResult step(double offered, double done, int sent, int errors, int unfinished, double p95) {
        return new StepResult("s", offered, done, sent, errors, unfinished,
                summary(sent - errors, p95), summary(0, 1), summary(0, 1));
    }

    private static LatencyRecorder.Summary summary(int count, double p95) {
        return new LatencyRecorder.Summary(count, p95 / 2, p95, p95, p95);
    }

    @Test
    void keepingUpWithinTheLatencyLimitIsSustained() {
        StepResult ok = step(100, 95, 1000, 5, 0, 900);
        assertTrue(limits.sustained(ok));
        assertEquals("ok", limits.verdict(ok));
    }

    @Test
    void eachLimitEndsTheStepUp() {
        assertEquals("p95>1000ms", limits.verdict(step(100, 100, 1000, 0, 0, 1001)));
        assertEquals("behind", limits.verdict(step(100, 89, 1000, 0, 0, 500)));
        assertEquals("errors", limits.verdict(step(100, 100, 1000, 11, 0, 500)));
        assertEquals("errors", limits.verdict(step(100, 100, 1000, 6, 5, 500)));
    }

    @Test
    void aStepWithNoSuccessIsNotSustained() {
        assertFalse(limits.sustained(step(10, 0, 0, 0, 0, Double.NaN)));
        assertFalse(limits.sustained(new StepResult("s", 10, 0, 100, 100, 0,
                summary(0, Double.NaN), summary(0, Double.NaN), summary(0, Double.NaN))));
    }
}
