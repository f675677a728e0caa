package dev.inferq.common.model.versions;

import java.time.Instant;

/**
 * One version of a model, as {@link ModelVersions} keeps it: its number, the folder it is served from, when it was
 * added and, once retired, when. {@code path} is null for version 1, the model's own folder in {@code MODELS_DIR}:
 * each process finds it where its own models folder is, so gateway and workers need not mount it at the same place.
 * An added version's folder is an absolute path that every gateway and worker can read.
 */
public record ModelVersion(int version, String path, Instant addedAt, Instant retiredAt) {

    public ModelVersion {
        if (version < 1) {
            throw new IllegalArgumentException("a model version is a positive whole number, was " + version);
        }
    }

    /** Whether jobs may still be routed to this version (it is not retired). */
    public boolean active() {
        return retiredAt == null;
    }

    ModelVersion retired(Instant now) {
        return new ModelVersion(version, path, addedAt, now);
    }
}
