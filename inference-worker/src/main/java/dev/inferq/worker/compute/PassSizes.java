package dev.inferq.worker.compute;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How many inputs each forward pass of one image model takes, chosen from measurement and kept up to date while the
 * model serves. The candidates are one input and the model's batch size. Each has a running estimate of its pass time
 * (a weighted mean of the passes it ran, weight {@value #WEIGHT} on the newest), seeded with what the variant
 * selection timed at start; a pass takes the candidate with the fewest milliseconds per input among those whose pass
 * stays within the pass time (one input where none does).
 *
 * <p>Why not only the start timings: they are taken while the gateway, Kafka and the other models start on the same
 * cores, and one such start timed bf16 ViT-B/16 at 134 ms per image at batch 4 against 132 alone, where quiet passes
 * take 84 and 114. So the running estimates correct the choice, and every {@value #PROBE_EVERY}th pass that has
 * enough inputs tries the candidate not chosen, so that a size that only looked slow is measured again.
 *
 * <p>Thread-safe: the consumer of a model and its versions may ask at once.
 */
public final class PassSizes {

    /** The weight of the newest pass in a candidate's running pass time. */
    static final double WEIGHT = 0.2;
    /** Every this many passes with inputs enough, one runs at the candidate not chosen. */
    static final int PROBE_EVERY = 16;

    private final int fixed;
    private final int limit;
    private final double withinMs;
    private final SortedMap<Integer, Double> msPerPass = new TreeMap<>();
    private int passes;

    private PassSizes(int fixed, int limit, double withinMs, Map<Integer, Double> timed) {
        this.fixed = fixed;
        this.limit = limit;
        this.withinMs = withinMs;
        timed.forEach((size, ms) -> {
            if (size == 1 || size == limit) {
                msPerPass.put(size, ms);
            }
        });
    }

    /** Every pass of at most {@code size} inputs: text models (their batch is one pass), or a size an operator set. */
    static PassSizes fixed(int size) {
        return new PassSizes(size, size, 0, Map.of());
    }

    /**
     * Chosen from measurement among one input and {@code limit}, within {@code withinMs} a pass, starting from
     * {@code timed} (milliseconds per pass by batch size, as timed at start; empty when not timed).
     */
    static PassSizes measured(int limit, double withinMs, Map<Integer, Double> timed) {
        return new PassSizes(0, limit, withinMs, timed);
    }

    /** The inputs the next pass takes, when {@code available} wait for it; at least one. */
    public synchronized int next(int available) {
        if (fixed > 0) {
            return Math.min(fixed, available);
        }
        int chosen = chosen();
        int other = chosen == 1 ? limit : 1;
        boolean probe = other != chosen && available >= other && ++passes % PROBE_EVERY == 0;
        return Math.min(probe ? other : chosen, available);
    }

    /** What a pass of {@code size} inputs took; passes of sizes other than the candidates are not counted. */
    public synchronized void ran(int size, long nanos) {
        if (fixed > 0 || size != 1 && size != limit) {
            return;
        }
        double ms = nanos / 1e6;
        msPerPass.merge(size, ms, (before, now) -> before + WEIGHT * (now - before));
    }

    /** The size passes take now, when inputs enough wait. */
    public synchronized int chosen() {
        if (fixed > 0) {
            return fixed;
        }
        int best = 1;
        double bestPerInput = Double.MAX_VALUE;
        for (Map.Entry<Integer, Double> candidate : msPerPass.entrySet()) {
            double perInput = candidate.getValue() / candidate.getKey();
            if (candidate.getValue() <= withinMs && perInput < bestPerInput) {
                best = candidate.getKey();
                bestPerInput = perInput;
            }
        }
        return best;
    }
}
