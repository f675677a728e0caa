package dev.inferq.common.model.versions;

import dev.inferq.common.model.versions.VersionChangeException.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The versions of one model and how jobs are routed among them: the default version, and optionally a
 * {@link Canary} that takes a share of the jobs that name no version. Kept in Redis, one document per model
 * ({@link ModelVersionStore}), so that every gateway and worker routes and serves the same versions. A model whose
 * document was never written has the {@link #initial} one: version 1, its folder in {@code MODELS_DIR}, the default.
 *
 * <p>Versions are numbered 1, 2, ... in the order they are added and never reused; a retired version stays listed (with
 * {@code retired_at}), so a job record's {@code model_version} keeps meaning one folder. Immutable: every change
 * answers a new document, or throws a {@link VersionChangeException} saying why it cannot be made.
 */
public record ModelVersions(String model, List<ModelVersion> versions, int defaultVersion, Canary canary) {

    public ModelVersions {
        Objects.requireNonNull(model, "model");
        versions = versions.stream().sorted(Comparator.comparingInt(ModelVersion::version)).toList();
    }

    /** A model's versions before anyone changed them: version 1, its folder in the models folder. */
    public static ModelVersions initial(String model) {
        return new ModelVersions(model, List.of(new ModelVersion(1, null, null, null)), 1, null);
    }

    public Optional<ModelVersion> find(int version) {
        return versions.stream().filter(v -> v.version() == version).findFirst();
    }

    /** The versions that are not retired, in number order. */
    public List<ModelVersion> active() {
        return versions.stream().filter(ModelVersion::active).toList();
    }

    /** Whether {@code version} exists and is not retired. */
    public boolean isActive(int version) {
        return find(version).map(ModelVersion::active).orElse(false);
    }

    /** A new version served from {@code path}, numbered one more than the highest so far; not routed to yet. */
    public ModelVersions add(String path, Instant now) {
        Objects.requireNonNull(path, "path");
        int next = versions.stream().mapToInt(ModelVersion::version).max().orElse(0) + 1;
        List<ModelVersion> more = new ArrayList<>(versions);
        more.add(new ModelVersion(next, path, now, null));
        return new ModelVersions(model, more, defaultVersion, canary);
    }

    /** The highest-numbered version: the one {@link #add} made. */
    public ModelVersion latest() {
        return versions.get(versions.size() - 1);
    }

    /**
     * {@code version} becomes the default. Promoting the canary ends the canary: it is the default now, and there is
     * no other candidate.
     */
    public ModelVersions withDefault(int version) {
        requireActive(version);
        Canary kept = canary != null && canary.version() == version ? null : canary;
        return new ModelVersions(model, versions, version, kept);
    }

    /** {@code version} takes {@code share} of the jobs that name no version. */
    public ModelVersions withCanary(int version, double share) {
        requireActive(version);
        if (version == defaultVersion) {
            throw new VersionChangeException(Kind.CONFLICT, "version " + version + " of model '" + model
                    + "' is its default; a canary must be another version");
        }
        return new ModelVersions(model, versions, defaultVersion, new Canary(version, share));
    }

    /** Every job that names no version goes to the default again. */
    public ModelVersions withoutCanary() {
        return new ModelVersions(model, versions, defaultVersion, null);
    }

    /**
     * Retires {@code version}: no job is routed to it any more, workers unload it, and its jobs still queued run on
     * the default version (whose number their records then carry). The default and the canary cannot be retired.
     */
    public ModelVersions retire(int version, Instant now) {
        requireActive(version);
        if (version == defaultVersion) {
            throw new VersionChangeException(Kind.CONFLICT, "version " + version + " is the default of model '"
                    + model + "'; make another version the default first");
        }
        if (canary != null && canary.version() == version) {
            throw new VersionChangeException(Kind.CONFLICT, "version " + version + " is the canary of model '"
                    + model + "'; end the canary first (DELETE .../canary)");
        }
        List<ModelVersion> changed = versions.stream().map(v -> v.version() == version ? v.retired(now) : v).toList();
        return new ModelVersions(model, changed, defaultVersion, canary);
    }

    /**
     * The version a job runs on: the one it was routed to while that is active, else the default (a job queued for a
     * version retired since, or a message that names none).
     */
    public int runVersion(Integer routed) {
        return routed != null && isActive(routed) ? routed : defaultVersion;
    }

    /** The version for the {@code n}th job (from 0) that names none: the canary for its share, else the default. */
    public int route(long n) {
        return canary != null && canary.takes(n) ? canary.version() : defaultVersion;
    }

    private void requireActive(int version) {
        ModelVersion found = find(version).orElseThrow(() -> new VersionChangeException(Kind.NOT_FOUND,
                "model '" + model + "' has no version " + version + "; its versions: " + numbers()));
        if (!found.active()) {
            throw new VersionChangeException(Kind.CONFLICT, "version " + version + " of model '" + model
                    + "' is retired");
        }
    }

    private List<Integer> numbers() {
        return versions.stream().map(ModelVersion::version).toList();
    }
}
