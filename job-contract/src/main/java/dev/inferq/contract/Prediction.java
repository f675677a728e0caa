package dev.inferq.contract;

import java.util.List;
import java.util.Objects;

/** The model's answer for one input: the top label, its score, and the ranked label scores behind it. */
public record Prediction(String label, double score, List<LabelScore> scores) {

    public Prediction {
        Objects.requireNonNull(label, "label");
        scores = List.copyOf(scores);
    }

    /** Builds a prediction from scores ranked best first; the first one is the top label. */
    public static Prediction fromRanked(List<LabelScore> ranked) {
        if (ranked.isEmpty()) {
            throw new IllegalArgumentException("a prediction needs at least one label score");
        }
        LabelScore top = ranked.get(0);
        return new Prediction(top.label(), top.score(), ranked);
    }

    /** One label with its probability. */
    public record LabelScore(String label, double score) {
        public LabelScore {
            Objects.requireNonNull(label, "label");
        }
    }
}
