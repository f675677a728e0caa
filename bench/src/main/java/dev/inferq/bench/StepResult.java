package dev.inferq.bench;

/**
 * What one load phase measured.
 *
 * @param label what ran (e.g. {@code text@80/s})
 * @param offeredPerSec jobs sent per second of the sending window (the fixed arrival rate, as achieved)
 * @param completedPerSec jobs that finished successfully inside the sending window, per second of it
 * @param sent jobs sent
 * @param errors jobs refused (429, 503, ...), failed, or lost (no result, client timeout)
 * @param unfinished jobs still waiting for their result when the wait after the sending window ended
 * @param latency submit-to-result latency of the successful jobs, from each job's scheduled send time
 * @param queued the successful jobs' time from acceptance to a worker starting them (their records' timestamps)
 * @param running the successful jobs' time from a worker starting them to their result being stored
 */
public record StepResult(String label, double offeredPerSec, double completedPerSec, int sent, int errors,
                         int unfinished,
                         LatencyRecorder.Summary latency, LatencyRecorder.Summary queued,
                         LatencyRecorder.Summary running) {
}
