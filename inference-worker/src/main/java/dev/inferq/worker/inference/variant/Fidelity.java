package dev.inferq.worker.inference.variant;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How closely a variant answers like the model folder's float32 baseline, as {@code models/generate_models.py}
 * measured it and wrote it into serving.properties ({@code variant.<name>.fidelity}): either {@code reference} (the
 * baseline itself), or figures such as {@code images=240 top1=0.996 max_prob_diff=0.0087 cosine=0.99981 passed=true}
 * where {@code passed} says whether the variant met the gate (top-1 agreement >= 99%, or for random weights logit
 * cosine >= 0.999). Only {@code passed} is acted on; the rest is shown in the selection table.
 *
 * @param summary the figures as written, for the log
 */
public record Fidelity(boolean reference, boolean passed, String summary) {

    public static final String REFERENCE = "reference";

    public static Fidelity ofReference() {
        return new Fidelity(true, true, REFERENCE);
    }

    /** A variant without a fidelity line: never served unless pinned. */
    public static Fidelity unchecked() {
        return new Fidelity(false, false, "no fidelity recorded");
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
}
