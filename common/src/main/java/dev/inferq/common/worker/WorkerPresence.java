package dev.inferq.common.worker;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

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

    /** One model this worker serves: the variant (model file) and the engine that runs it. */
    public record Served(String model, String variant, String engine) {
    }
}
