package dev.inferq.common.cache;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.Prediction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The response cache in Redis: the predictions of a computed job under {@link CacheKeys#of} (model, version, variant,
 * scope, input content), for {@code inferq.cache.ttl}. Entries hold predictions only, never a job's id, tenant or
 * record.
 */
public class CacheEntries {

    private static final Logger log = LoggerFactory.getLogger(CacheEntries.class);

    /** The most jobs one stored entry ends at once: the rest stay queued, and are answered as they come. */
    private static final long MAX_WAITING = 1_000;

    private final ReactiveStringRedisTemplate redis;
    private final CacheProperties properties;

    public CacheEntries(ReactiveRedisConnectionFactory connectionFactory, CacheProperties properties) {
        this.redis = new ReactiveStringRedisTemplate(connectionFactory);
        this.properties = properties;
    }

    public boolean enabled() {
        return properties.enabled();
    }

    /** The key of {@code content} run by {@code variant} of {@code version} of {@code model} for {@code tenant}. */
    public String key(String model, String version, String variant, String tenant, byte[] content) {
        return CacheKeys.of(model, version, variant,
                properties.scope() == CacheProperties.Scope.TENANT ? tenant : null, content);
    }

    /**
     * The stored predictions of each key, in order, with one {@code MGET}; empty where there is none, and where an
     * entry cannot be read (it is then overwritten once the job is computed).
     */
    public Mono<List<Optional<List<Prediction>>>> lookup(List<String> keys) {
        if (keys.isEmpty()) {
            return Mono.just(List.of());
        }
        return redis.opsForValue().multiGet(keys).map(values -> {
            if (values.size() != keys.size()) {
                throw new IllegalStateException("Redis answered " + values.size() + " of " + keys.size()
                        + " cache entries");
            }
            List<Optional<List<Prediction>>> found = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                found.add(decode(keys.get(i), values.get(i)));
            }
            return found;
        });
    }

    /**
     * Stores each entry for {@code inferq.cache.ttl} and takes the jobs that wait for it ({@link #await}), the
     * commands pipelined on one connection; answers, per entry stored, the ids of the jobs that waited for it.
     */
    public Mono<Map<String, Set<String>>> store(Map<String, List<Prediction>> entries) {
        return Flux.fromIterable(entries.entrySet())
                // Both sent at once on the shared connection, which Redis runs in order: the entry is there before
                // the waiting jobs are taken, so a job registered later is answered by the entry.
                .flatMap(entry -> Mono.zip(redis.opsForValue().set(entry.getKey(),
                                JobCodec.encodePredictions(entry.getValue()), properties.ttl()),
                        redis.opsForSet().pop(CacheKeys.waiting(entry.getKey()), MAX_WAITING)
                                .collect(Collectors.toSet()))
                        .filter(written -> written.getT1())
                        .map(written -> Map.entry(entry.getKey(), written.getT2())))
                .collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    /**
     * Registers job {@code id} as waiting for the entries {@code keys}, which are not written yet: whoever computes
     * an identical job and writes its entry ends this one too, if it is still queued then. Kept as long as an entry.
     */
    public Mono<Void> await(List<String> keys, String id) {
        return Flux.fromIterable(keys)
                .map(CacheKeys::waiting)
                .flatMap(waiting -> redis.opsForSet().add(waiting, id)
                        .then(redis.expire(waiting, properties.ttl())))
                .then();
    }

    private static Optional<List<Prediction>> decode(String key, String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(JobCodec.decodePredictions(value));
        } catch (JobCodec.MalformedJobException e) {
            log.warn("Cache entry {} is unreadable and is computed again: {}", key, e.getMessage());
            return Optional.empty();
        }
    }
}
