package dev.inferq.gateway.versions;

import dev.inferq.common.model.ModelCard;
import dev.inferq.common.model.ModelDescriptor;
import dev.inferq.common.model.versions.ModelVersion;
import dev.inferq.common.model.versions.ModelVersionStore;
import dev.inferq.common.model.versions.ModelVersions;
import dev.inferq.common.model.versions.VersionFolders;
import dev.inferq.common.worker.WorkerDirectory;
import dev.inferq.common.worker.WorkerPresence;
import dev.inferq.gateway.problems.ApiException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The versions of a model as {@link VersionList} shows them, read fresh from Redis, with the workers that have each
 * loaded (from the worker directory), and the check that guards routing: a version gets jobs by default or as a canary
 * only once every live worker serving its model has it loaded.
 */
@Component
public class VersionViews {

    private final ModelVersionStore store;
    private final WorkerDirectory workers;
    private final VersionRouter router;
    /** Cards by folder: a version's folder is not meant to change while it is served. */
    private final Map<String, ModelCard> cards = new ConcurrentHashMap<>();

    public VersionViews(ModelVersionStore store, WorkerDirectory workers, VersionRouter router) {
        this.store = store;
        this.workers = workers;
        this.router = router;
    }

    /** The versions of {@code model}; {@code withPaths} for the admin, who sees the folders too. */
    public Mono<VersionList> list(ModelDescriptor model, boolean withPaths) {
        return Mono.zip(store.read(model.name()).doOnNext(router::adopt), serving(model.name()))
                .map(found -> view(model, found.getT1(), found.getT2(), withPaths));
    }

    /** A live worker serving the model, and the versions of it that it has loaded. */
    record Serving(String worker, List<Integer> versions) {
    }

    /** {@code versions} as the API shows them, with the workers in {@code serving}. */
    VersionList view(ModelDescriptor model, ModelVersions versions, List<Serving> serving, boolean withPaths) {
        List<VersionList.VersionView> views = versions.versions().stream()
                .map(version -> new VersionList.VersionView(version.version(), status(versions, version),
                        withPaths ? folder(model, version) : null, version.addedAt(), version.retiredAt(),
                        card(model, version), serving.stream()
                                .filter(worker -> worker.versions().contains(version.version()))
                                .map(Serving::worker).sorted().toList()))
                .toList();
        return new VersionList(model.name(), versions.defaultVersion(), versions.canary(), views);
    }

    /**
     * Completes when every live worker serving {@code model} has {@code version} loaded (or none serves it), else a
     * 409 naming the workers that do not have it yet.
     */
    Mono<Void> requireLoaded(String model, int version) {
        return workers.workers().filter(worker -> worker.models().stream().anyMatch(served ->
                        served.model().equals(model) && !served.versions().contains(version)))
                .map(WorkerPresence::id).collectList()
                .flatMap(lacking -> lacking.isEmpty() ? Mono.<Void>empty() : Mono.error(ApiException.conflict(
                        "version " + version + " of model '" + model + "' is not loaded yet on worker(s) " + lacking
                                + "; jobs go to a version once every worker serving the model has it. Retry shortly,"
                                + " or see those workers' logs if it cannot load there")));
    }

    /** The live workers serving {@code model}. */
    private Mono<List<Serving>> serving(String model) {
        return workers.workers().flatMapIterable(worker -> worker.models().stream()
                        .filter(served -> served.model().equals(model))
                        .map(served -> new Serving(worker.id(), served.versions())).toList())
                .collectList();
    }

    private static String status(ModelVersions versions, ModelVersion version) {
        if (!version.active()) {
            return "retired";
        }
        if (version.version() == versions.defaultVersion()) {
            return "default";
        }
        return versions.canary() != null && versions.canary().version() == version.version() ? "canary" : "active";
    }

    private static String folder(ModelDescriptor model, ModelVersion version) {
        return version.path() == null ? model.directory().toString() : version.path();
    }

    private ModelCard card(ModelDescriptor model, ModelVersion version) {
        if (version.path() == null) {
            return model.card();
        }
        return cards.computeIfAbsent(version.path(), path -> {
            try {
                return VersionFolders.read(model, Path.of(path)).card();
            } catch (RuntimeException e) {
                return null;
            }
        });
    }
}
