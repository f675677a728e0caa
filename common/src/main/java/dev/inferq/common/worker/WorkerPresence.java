package dev.inferq.common.worker;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a running worker says about itself, refreshed while it lives ({@link WorkerDirectory}): its name, when it
 * started, and for each model it serves the variant it runs.
 */
public record WorkerPresence(String id, Instant startedAt, List<Served> models) {

    public WorkerPresence {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(startedAt, "startedAt");
        models = List.copyOf(models);
    }

    /**
     * One model this worker serves: the variant (model file) and the engine that runs it, how the variant was chosen
     * ({@link #MEASURED} on this machine's CPU, {@link #PINNED} by the operator, or the folder's {@link #ONLY} one),
     * the milliseconds per forward pass measured at start, by batch size (empty when nothing was measured), and the
     * versions of the model it has loaded now, in order. Presences written before {@code selection} and
     * {@code msPerBatch} existed read as {@link #ONLY} with no figures; before {@code versions}, as version 1 only.
     */
    public record Served(String model, String variant, String engine, String selection,
            SortedMap<Integer, Double> msPerBatch, List<Integer> versions) {

        public static final String MEASURED = "measured";
        public static final String PINNED = "pinned";
        public static final String ONLY = "only";

        public Served {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(variant, "variant");
            Objects.requireNonNull(engine, "engine");
            selection = selection == null ? ONLY : selection;
            msPerBatch = Collections.unmodifiableSortedMap(new TreeMap<>(msPerBatch == null ? Map.of() : msPerBatch));
            versions = versions == null ? List.of(1) : versions.stream().sorted().toList();
        }

        /** A model of which the worker has version 1 only. */
        public Served(String model, String variant, String engine, String selection,
                SortedMap<Integer, Double> msPerBatch) {
            this(model, variant, engine, selection, msPerBatch, List.of(1));
        }

        /** A model served in the only variant its folder has, not measured. */
        public Served(String model, String variant, String engine) {
            this(model, variant, engine, ONLY, new TreeMap<>());
        }
    }
}
