package dev.inferq.bench;

import java.time.Duration;

/**
 * The step-up stopping rule: a load step is sustained while its p95 stays within {@code p95}, its completions keep
 * up with what was offered and few jobs fail.
 *
 * @param p95 the highest acceptable 95th-percentile latency
 * @param minCompletedRatio completed jobs/s over offered jobs/s must be at least this
 * @param maxErrorRatio failed and unfinished jobs over sent jobs must be at most this
 */
public record StepLimits(Duration p95, double minCompletedRatio, double maxErrorRatio) {

    /** Whether {@code step} kept up; the first step that does not ends the step-up. */
    public boolean sustained(StepResult step) {
        return step.sent() > 0
                && step.latency().p95Ms() <= p95.toMillis()
                && step.completedPerSec() >= minCompletedRatio * step.offeredPerSec()
                && step.errors() + step.unfinished() <= maxErrorRatio * step.sent();
    }

    /** Why {@code step} was not sustained, for the table; empty when it was. */
    public String verdict(StepResult step) {
        if (sustained(step)) {
            return "ok";
        }
        if (step.errors() + step.unfinished() > maxErrorRatio * step.sent()) {
            return "errors";
        }
        if (step.latency().p95Ms() > p95.toMillis()) {
            return "p95>" + p95.toMillis() + "ms";
        }
        return "behind";
    }
}
