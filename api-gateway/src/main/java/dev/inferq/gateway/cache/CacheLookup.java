package dev.inferq.gateway.cache;

import dev.inferq.common.cache.CacheEntries;
import dev.inferq.common.cache.CacheKeys;
import dev.inferq.common.cache.CacheMetrics;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobInput;
import dev.inferq.contract.JobRequest;
import dev.inferq.contract.Prediction;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Finds a new job's predictions in the response cache before anything of it is queued: the entry a worker wrote for
 * the same model, version, input and scope, under any variant a live worker serves ({@link ServedVariants}). The key
 * is the worker's own ({@link CacheKeys}), so the two meet on the same entry. One {@code MGET} per job looked up.
 *
 * <p>Nothing is looked up for a job with {@code bypass_cache}, when the cache is off, for a version other than the
 * first, or while no worker of the model is known; the worker looks such a job up as it runs it. A job that misses is
 * registered as waiting for its entries ({@link #await}): identical jobs queued while one is computed share that
 * computation, across batches and workers. A hit counts once on
 * {@code inferq_cache_lookups_total{result="hit"}} here; a miss is not counted here, because the worker that runs the
 * job looks it up again and counts it, so each job counts once.
 */
@Component
public class CacheLookup {

    private static final Logger log = LoggerFactory.getLogger(CacheLookup.class);
    private static final String FIRST_VERSION = "1";

    private final CacheEntries entries;
    private final ServedVariants variants;
    private final MeterRegistry registry;
    private final Map<String, CacheMetrics> metrics = new ConcurrentHashMap<>();

    public CacheLookup(CacheEntries entries, ServedVariants variants, MeterRegistry registry) {
        this.entries = entries;
        this.variants = variants;
        this.registry = registry;
    }

    /**
     * The keys {@code request} is looked up under, one per variant served; none when it is not looked up here.
     *
     * @param imageBytes the image of an image job, as the worker would read it from the store; null for text
     */
    public List<String> keys(JobRequest request, byte[] imageBytes) {
        byte[] content = content(request, imageBytes);
        if (!entries.enabled() || request.bypassCache() || content == null
                || !FIRST_VERSION.equals(request.modelVersion())) {
            return List.of();
        }
        return variants.of(request.model()).stream()
                .map(variant -> entries.key(request.model(), FIRST_VERSION, variant, request.tenant(), content))
                .toList();
    }

    /**
     * The predictions the cache holds under {@code keys} for {@code request}, one per input; empty when none, and when
     * the lookup fails: the job is then queued as any miss, and whatever failed (Redis away) answers there, as a 503.
     */
    public Mono<List<Prediction>> find(JobRequest request, List<String> keys) {
        return entries.lookup(keys)
                .onErrorResume(e -> {
                    log.debug("Job {}: the cache lookup failed, queueing it: {}", request.id(), e.toString());
                    return Mono.empty();
                })
                .flatMap(found -> Mono.justOrEmpty(found.stream().flatMap(Optional::stream)
                        .filter(predictions -> predictions.size() == request.input().count())
                        .findFirst()))
                .doOnNext(hit -> metrics.computeIfAbsent(request.model(), model -> new CacheMetrics(registry, model))
                        .hit());
    }

    /**
     * Registers the queued job {@code id}, which {@link #find} missed, as waiting for the entries {@code keys}: a
     * worker that computes an identical job ends it with those predictions. Only a shortcut (the job's own message
     * ends it otherwise), so a failure is ignored.
     */
    public Mono<Void> await(List<String> keys, JobId id) {
        return keys.isEmpty() ? Mono.empty() : entries.await(keys, id.value())
                .onErrorResume(e -> {
                    log.debug("Job {} could not be registered as waiting for the cache: {}", id, e.toString());
                    return Mono.empty();
                });
    }

    private static byte[] content(JobRequest request, byte[] imageBytes) {
        return request.input() instanceof JobInput.Texts texts ? CacheKeys.texts(texts.texts()) : imageBytes;
    }
}
