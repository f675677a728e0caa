package dev.inferq.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyRecorderTest {

    @Test
    void nearestRankPercentiles() {
        long[] sorted = new long[100];
        for (int i = 0; i < 100; i++) {
            sorted[i] = i + 1;
        }
        assertEquals(50, LatencyRecorder.percentile(sorted, 50));
        assertEquals(95, LatencyRecorder.percentile(sorted, 95));
        assertEquals(99, LatencyRecorder.percentile(sorted, 99));
        assertEquals(100, LatencyRecorder.percentile(sorted, 100));
        assertEquals(1, LatencyRecorder.percentile(sorted, 0));
        assertEquals(7, LatencyRecorder.percentile(new long[] {7}, 99));
        assertTrue(Double.isNaN(LatencyRecorder.percentile(new long[0], 50)));
    }

    @Test
    void summaryInMillisecondsWhateverTheRecordingOrder() {
        LatencyRecorder recorder = new LatencyRecorder();
        for (int i = 2000; i >= 1; i--) { // grows past the initial capacity, recorded in reverse
            recorder.record(i * 1_000_000L);
        }
        LatencyRecorder.Summary summary = recorder.summary();
        assertEquals(2000, summary.count());
        assertEquals(1000.0, summary.p50Ms());
        assertEquals(1900.0, summary.p95Ms());
        assertEquals(1980.0, summary.p99Ms());
        assertEquals(2000.0, summary.maxMs());
    }
}
