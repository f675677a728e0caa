package dev.inferq.worker.inference.variant;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How closely a variant answers like the model folder's float32 baseline, as {@code models/generate_models.py}
 * measured it and wrote it into serving.properties ({@code variant.<name>.fidelity}): either {@code reference} (the
 * baseline itself), or figures such as {@code images=240 top1=0.996 max_prob_diff=0.0087 cosine=0.99981 passed=true}
 * where {@code passed} says whether the variant met the gate (top-1 agreement >= 99%, or for random weights logit
 * cosine >= 0.999). Only {@code passed} is acted on, and for real weights only with the top-1 figure behind it
 * ({@link #forRealWeights}); the rest is shown in the selection table.
 *
 * @param summary the figures as written, for the log
 */
public record Fidelity(boolean reference, boolean passed, String summary) {

    public static final String REFERENCE = "reference";
    /** The least top-1 agreement with float32 a variant of real weights may have (models/README.md). */
    public static final double MIN_TOP1 = 0.99;

    public static Fidelity ofReference() {
        return new Fidelity(true, true, REFERENCE);
    }

    /** A variant without a fidelity line: never served unless pinned. */
    public static Fidelity unchecked() {
        return new Fidelity(false, false, "no fidelity recorded");
    }

    /**
     * This fidelity held to the gate of trained, converted or imported weights: top-1 agreement with float32 of at
     * least {@value #MIN_TOP1} (measured over real photos where the writer had them) as well as {@code passed}.
     * Logit cosine is the gate of random weights only, whose near-uniform outputs flip their top-1 at the slightest
     * change; on real weights a variant that points its logits the same way can still change answers.
     */
    public Fidelity forRealWeights() {
        if (reference) {
            return this;
        }
        Optional<Double> top1 = field("top1");
        boolean kept = passed && top1.isPresent() && top1.get() >= MIN_TOP1;
        return kept == passed ? this : new Fidelity(false, false, summary + " (real weights: needs top1 >= " + MIN_TOP1
                + ")");
    }

    /** Parses a {@code variant.<name>.fidelity} value; fails naming what is wrong with it. */
    public static Fidelity parse(String text) {
        String value = text.trim();
        if (value.equals(REFERENCE)) {
            return ofReference();
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : value.split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("fidelity '" + value + "' is not '" + REFERENCE
                        + "' nor key=value pairs (e.g. top1=0.996 cosine=0.9998 passed=true): '" + part + "'");
            }
            fields.put(part.substring(0, eq), part.substring(eq + 1));
        }
        String passed = fields.get("passed");
        if (!"true".equals(passed) && !"false".equals(passed)) {
            throw new IllegalArgumentException("fidelity '" + value + "' needs passed=true or passed=false");
        }
        return new Fidelity(false, Boolean.parseBoolean(passed), value);
    }

    private Optional<Double> field(String key) {
        for (String part : summary.split("\\s+")) {
            if (part.startsWith(key + "=")) {
                try {
                    return Optional.of(Double.parseDouble(part.substring(key.length() + 1)));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
