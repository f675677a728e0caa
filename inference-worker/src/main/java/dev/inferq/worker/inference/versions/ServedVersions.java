package dev.inferq.worker.inference.versions;

import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.versions.ModelVersionStore;
import dev.inferq.common.model.versions.ModelVersions;
import dev.inferq.common.model.versions.VersionsProperties;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.inference.ModelRegistry;
import dev.inferq.worker.inference.ServedModel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The versions of each served model ({@link ModelVersionSet}), following the versions in Redis
 * ({@link ModelVersionStore}) without a restart: read once before the consumers start, so the versions in use are
 * loaded before the first job, then every {@code inferq.versions.refresh}. A version added is loaded here before the
 * gateway routes jobs to it by default or as a canary (it waits until every live worker serving the model says it has
 * the version loaded, {@code WorkerPresence}); a version retired is unloaded once its batches in progress end.
 */
@Component
public class ServedVersions implements SmartLifecycle, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServedVersions.class);

    private final ModelVersionStore store;
    private final Duration refresh;
    private final Duration timeout;
    private final Map<String, ModelVersionSet> sets;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService scheduler;

    public ServedVersions(ModelRegistry registry, ModelCatalog catalog, ModelVersionStore store,
            VersionsProperties properties, WorkerProperties worker) {
        this.store = store;
        this.refresh = properties.refresh();
        this.timeout = worker.storeTimeout();
        this.sets = registry.models().stream().collect(Collectors.toUnmodifiableMap(ServedModel::name,
                model -> new ModelVersionSet(catalog.find(model.name()).orElseThrow(), model,
                        registry::loadVersion, () -> reread(model.name()), this::changed)));
        // Before any consumer starts: a job must not wait for a version that is known already.
        refreshAll();
    }

    /** The versions of a served model. */
    public ModelVersionSet of(String model) {
        return sets.get(model);
    }

    /** The versions of each served model loaded now. */
    public List<Integer> loaded(String model) {
        return sets.get(model).loadedVersions();
    }

    /** Has {@code listener} told whenever a version was loaded or unloaded (the worker then re-announces itself). */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }

    private void refreshAll() {
        try {
            Map<String, ModelVersions> current = store.readAll(sets.keySet()).block(timeout);
            if (current != null) {
                current.forEach((model, versions) -> sets.get(model).sync(versions));
            }
        } catch (RuntimeException e) {
            // Redis away: the versions stay as they are, and the next refresh tries again.
            log.debug("Could not read the model versions: {}", e.toString());
        }
    }

    private Optional<ModelVersions> reread(String model) {
        try {
            return Optional.ofNullable(store.read(model).block(timeout));
        } catch (RuntimeException e) {
            log.debug("Could not read the versions of model '{}': {}", model, e.toString());
            return Optional.empty();
        }
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "inferq-model-versions");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::refreshAll, refresh.toMillis(), refresh.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        scheduler.shutdownNow();
        scheduler = null;
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }

    @Override
    public void close() {
        sets.values().forEach(ModelVersionSet::close);
    }
}
