package dev.inferq.gateway.versions;

import dev.inferq.common.lifecycle.PeriodicTask;
import dev.inferq.common.model.ModelCatalog;
import dev.inferq.common.model.versions.Canary;
import dev.inferq.common.model.versions.ModelVersionStore;
import dev.inferq.common.model.versions.ModelVersions;
import dev.inferq.common.model.versions.VersionsProperties;
import dev.inferq.gateway.problems.ApiException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Which version of its model each job goes to, decided as the gateway accepts it, from the model's
 * {@link ModelVersions} as this gateway last read them (every {@code inferq.versions.refresh}, and at once after a
 * change made through this gateway): the version the client named, else the canary for its share, else the default.
 *
 * <p>The canary's share is split by a counter of the model's jobs that name no version, per gateway
 * ({@link ModelVersions#route}), started again whenever the canary changes: after {@code N} such jobs through one
 * gateway the canary has had exactly {@code floor(N * share)}; with several gateways, within one job per gateway.
 */
@Component
public class VersionRouter extends PeriodicTask {

    private final ModelCatalog catalog;
    private final ModelVersionStore store;
    private final Map<String, ModelVersions> versions = new ConcurrentHashMap<>();
    private final Map<String, Split> splits = new ConcurrentHashMap<>();

    /** A canary's counter: reset by a new canary. */
    private record Split(Canary canary, AtomicLong jobs) {
    }

    public VersionRouter(ModelCatalog catalog, ModelVersionStore store, VersionsProperties properties) {
        // Routing goes on by the versions last read while Redis is away.
        super(Duration.ZERO, properties.refresh(), "Reading the model versions");
        this.catalog = catalog;
        this.store = store;
        catalog.names().forEach(model -> versions.put(model, ModelVersions.initial(model)));
    }

    /**
     * The version of {@code model} a new job goes to: {@code requested} (null: none named) if it is active; else a
     * 404 problem naming the versions there are.
     */
    public String route(String model, Integer requested) {
        ModelVersions current = versions(model);
        if (requested != null) {
            if (!current.isActive(requested)) {
                throw new ApiException(HttpStatus.NOT_FOUND, "Unknown model version", "model '" + model
                        + "' has no active version " + (requested < 0 ? "by that name" : requested)
                        + "; its active versions: " + current.active().stream().map(v -> "@" + v.version()).toList());
            }
            return Integer.toString(requested);
        }
        Split split = splits.compute(model, (name, old) -> old != null && Objects.equals(old.canary(),
                current.canary()) ? old : new Split(current.canary(), new AtomicLong()));
        return Integer.toString(current.route(split.jobs().getAndIncrement()));
    }

    /** The versions of {@code model} as this gateway routes by them now. */
    public ModelVersions versions(String model) {
        return versions.getOrDefault(model, ModelVersions.initial(model));
    }

    /** Routes by {@code changed} from now on: the versions a change through this gateway stored. */
    void adopt(ModelVersions changed) {
        versions.put(changed.model(), changed);
    }

    @Override
    protected Mono<Void> round() {
        return store.readAll(catalog.names()).doOnNext(this.versions::putAll).then();
    }
}
