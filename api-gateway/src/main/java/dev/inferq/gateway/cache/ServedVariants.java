package dev.inferq.gateway.cache;

import dev.inferq.common.lifecycle.PeriodicTask;
import dev.inferq.common.model.versions.VersionsProperties;
import dev.inferq.common.worker.WorkerDirectory;
import dev.inferq.common.worker.WorkerPresence;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The variants the live workers serve of each model's first version, as this gateway last read the
 * {@link WorkerDirectory} (every {@code inferq.versions.refresh}): the variants whose cache entries can answer a job
 * of that version. Workers on different CPUs may choose different variants, so a model may have several.
 *
 * <p>Only version 1 is known here: a worker announces the variant of its start folder, and loads other versions on
 * demand, so jobs of an added version are looked up in the cache by the worker that runs them.
 */
@Component
public class ServedVariants extends PeriodicTask {

    private final WorkerDirectory directory;
    private volatile Map<String, Set<String>> variants = Map.of();

    public ServedVariants(WorkerDirectory directory, VersionsProperties properties) {
        // The variants last read stay while Redis is away.
        super(Duration.ZERO, properties.refresh(), "Reading the worker directory");
        this.directory = directory;
    }

    /** The variants of {@code model}'s first version that live workers serve; empty when none is known. */
    public Set<String> of(String model) {
        return variants.getOrDefault(model, Set.of());
    }

    @Override
    protected Mono<Void> round() {
        return directory.workers()
                .flatMapIterable(WorkerPresence::models)
                .collect(Collectors.groupingBy(WorkerPresence.Served::model,
                        Collectors.mapping(WorkerPresence.Served::variant, Collectors.toUnmodifiableSet())))
                .doOnNext(read -> variants = Map.copyOf(read))
                .then();
    }
}
