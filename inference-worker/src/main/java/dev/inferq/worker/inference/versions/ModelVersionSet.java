package dev.inferq.worker.inference.versions;

import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.common.model.versions.ModelVersion;
import dev.inferq.common.model.versions.ModelVersions;
import dev.inferq.common.model.versions.VersionFolders;
import dev.inferq.worker.inference.ServedModel;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versions of one model that this worker has loaded, kept in step with the model's {@link ModelVersions} in
 * Redis: {@link #sync} loads the active versions it lacks and unloads the retired ones (after their batches in
 * progress). A job runs on the version its message names when that version is active, loaded on demand if the worker
 * has not loaded it yet; otherwise (retired since, or unloadable here) on the default version, whose number its record
 * then carries, so no job is dropped or failed for its version.
 */
public final class ModelVersionSet {

    private static final Logger log = LoggerFactory.getLogger(ModelVersionSet.class);

    private final ModelDescriptor base;
    private final ServedModel<?> first;
    private final Function<ModelDescriptor, ServedModel<?>> loader;
    private final Supplier<Optional<ModelVersions>> reread;
    private final Map<Integer, LoadedVersion> loaded = new ConcurrentHashMap<>();
    /** Versions whose folder failed to load here: not tried again, their jobs run on the default. */
    private final Set<Integer> unloadable = ConcurrentHashMap.newKeySet();
    private final Runnable changed;
    private volatile ModelVersions versions;

    /**
     * {@code first}: version 1 as loaded at start. {@code reread}: the model's versions as Redis has them now (empty
     * when Redis does not answer). {@code changed}: told whenever a version was loaded or unloaded.
     */
    ModelVersionSet(ModelDescriptor base, ServedModel<?> first, Function<ModelDescriptor, ServedModel<?>> loader,
            Supplier<Optional<ModelVersions>> reread, Runnable changed) {
        this.base = base;
        this.first = first;
        this.loader = loader;
        this.reread = reread;
        this.changed = changed;
        this.versions = ModelVersions.initial(base.name());
        loaded.put(1, new LoadedVersion(1, first));
    }

    public String model() {
        return base.name();
    }

    /** The versions loaded now, in order. */
    public List<Integer> loadedVersions() {
        return loaded.keySet().stream().sorted().toList();
    }

    /** Whether the model's jobs read their inputs ahead of their batch (as every version of it does). */
    public boolean readsAhead() {
        return loaded.values().iterator().next().served().inputs().readsAhead();
    }

    /**
     * Loads the active versions not loaded yet and unloads those no longer active. Unloading waits for the batches
     * running on a version, so it happens outside this set's lock, which consumer threads take to pick a version.
     */
    void sync(ModelVersions current) {
        for (LoadedVersion retired : adopt(current)) {
            log.info("Model '{}': unloading version {} (retired) once its batches in progress finish", model(),
                    retired.version());
            retired.unload();
            changed.run();
        }
    }

    /** Takes {@code current} as the versions to serve, loads what it lacks, answers the versions to unload. */
    private synchronized List<LoadedVersion> adopt(ModelVersions current) {
        versions = current;
        for (ModelVersion version : current.active()) {
            if (!loaded.containsKey(version.version()) && !unloadable.contains(version.version())) {
                load(version);
            }
        }
        Set<Integer> gone = new HashSet<>(loaded.keySet());
        current.active().forEach(version -> gone.remove(version.version()));
        return gone.stream().map(loaded::remove).toList();
    }

    /**
     * Takes {@code current} as the versions to route by, loading nothing and unloading nothing: called by a consumer
     * thread, which may hold a version that {@code current} retires (unloading it would wait for that very thread).
     * The next {@link #sync} loads and unloads.
     */
    private synchronized void learn(ModelVersions current) {
        versions = current;
    }

    /**
     * Holds the version a job routed to {@code routed} (null: none named) runs on, for the length of a batch; the
     * caller {@link LoadedVersion#exit}s it. A version the worker does not know yet is looked up in Redis first,
     * one it knows and has not loaded is loaded now.
     */
    LoadedVersion enter(Integer routed) {
        while (true) {
            if (routed != null && versions.find(routed).isEmpty()) {
                reread.get().ifPresent(this::learn);
            }
            LoadedVersion version = resolve(routed);
            if (version.enter()) {
                return version;
            }
        }
    }

    /** The loaded version a job routed to {@code routed} would run on now, loading none; empty if none is. */
    Optional<LoadedVersion> peek(Integer routed) {
        return Optional.ofNullable(loaded.get(versions.runVersion(routed)));
    }

    private synchronized LoadedVersion resolve(Integer routed) {
        int version = versions.runVersion(routed);
        if (!loaded.containsKey(version) && !unloadable.contains(version)) {
            versions.find(version).ifPresent(this::load);
        }
        LoadedVersion found = loaded.get(version);
        if (found == null && version != versions.defaultVersion()) {
            found = loaded.get(versions.defaultVersion());
        }
        if (found == null) {
            throw new IllegalStateException("model '" + model() + "': neither version " + routed
                    + " nor the default version " + versions.defaultVersion() + " could be loaded on this worker");
        }
        return found;
    }

    private void load(ModelVersion version) {
        try {
            ServedModel<?> served = loader.apply(VersionFolders.descriptor(base, version));
            loaded.put(version.version(), new LoadedVersion(version.version(), served));
            log.info("Model '{}': version {} loaded from {}", model(), version.version(),
                    version.path() == null ? base.directory() : version.path());
            changed.run();
        } catch (RuntimeException e) {
            unloadable.add(version.version());
            log.error("Model '{}': version {} cannot be loaded on this worker; its jobs run on the default version"
                    + " instead: {}", model(), version.version(), e.getMessage(), e);
        }
    }

    /** Unloads the versions loaded after start, as the worker stops (the registry closes the first ones). */
    void close() {
        loaded.values().stream().filter(version -> version.served() != first).forEach(LoadedVersion::unload);
    }
}
