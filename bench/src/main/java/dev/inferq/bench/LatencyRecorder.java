package dev.inferq.bench;

import java.util.Arrays;

/** Collects latencies from many threads and answers nearest-rank percentiles. */
public final class LatencyRecorder {

    private long[] nanos = new long[1024];
    private int size;

    public synchronized void record(long latencyNanos) {
        if (size == nanos.length) {
            nanos = Arrays.copyOf(nanos, size * 2);
        }
        nanos[size++] = latencyNanos;
    }

    public synchronized int count() {
        return size;
    }

    /** The percentiles of everything recorded so far. */
    public synchronized Summary summary() {
        long[] sorted = Arrays.copyOf(nanos, size);
        Arrays.sort(sorted);
        return new Summary(size, ms(percentile(sorted, 50)), ms(percentile(sorted, 95)), ms(percentile(sorted, 99)),
                size == 0 ? Double.NaN : ms(sorted[size - 1]));
    }

    /** The nearest-rank {@code p}th percentile of everything recorded so far, in milliseconds. */
    public synchronized double percentileMs(double p) {
        long[] sorted = Arrays.copyOf(nanos, size);
        Arrays.sort(sorted);
        return ms(percentile(sorted, p));
    }

    /**
     * The nearest-rank percentile: the smallest recorded value with at least {@code p} percent of the values at or
     * below it; {@code NaN} for no values.
     */
    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    private static double ms(double nanos) {
        return nanos / 1e6;
    }

    /** Latency percentiles in milliseconds. */
    public record Summary(int count, double p50Ms, double p95Ms, double p99Ms, double maxMs) {
    }
}
