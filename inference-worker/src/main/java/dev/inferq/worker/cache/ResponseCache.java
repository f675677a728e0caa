package dev.inferq.worker.cache;

import dev.inferq.contract.JobCodec;
import dev.inferq.contract.Prediction;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.store.TransientStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;

/**
 * The response cache in Redis: the predictions of a computed job under {@link CacheKeys#of} (model, variant,
 * scope, input content), for {@code inferq.cache.ttl}. Blocking, for the consumer threads, each call waiting at most
 * {@code inferq.worker.store-timeout}; a failure surfaces as a {@link TransientStoreException} that makes the batch
 * retry, as for the job store (the cache lives in the same Redis). Entries hold predictions only, never a job's id,
 * tenant or record.
 */
@Component
public class ResponseCache {

    private static final Logger log = LoggerFactory.getLogger(ResponseCache.class);

    private final ReactiveStringRedisTemplate redis;
    private final CacheProperties properties;
    private final Duration timeout;

    public ResponseCache(ReactiveRedisConnectionFactory connectionFactory, CacheProperties properties,
            WorkerProperties worker) {
        this.redis = new ReactiveStringRedisTemplate(connectionFactory);
        this.properties = properties;
        this.timeout = worker.storeTimeout();
    }

    public boolean enabled() {
        return properties.enabled();
    }

    /** The key of {@code content} run by {@code variant} of {@code model} for a job of {@code tenant}. */
    public String key(String model, String variant, String tenant, byte[] content) {
        return CacheKeys.of(model, variant, properties.scope() == CacheProperties.Scope.TENANT ? tenant : null,
                content);
    }

    /**
     * The stored predictions of each key, in order, with one {@code MGET}; empty where there is none, and where an
     * entry cannot be read (it is then overwritten once the job is computed).
     */
    public List<Optional<List<Prediction>>> lookup(List<String> keys) {
        if (keys.isEmpty()) {
            return List.of();
        }
        List<String> values = TransientStoreException.await(redis.opsForValue().multiGet(keys), timeout,
                "a cache lookup");
        if (values == null || values.size() != keys.size()) {
            throw new IllegalStateException("Redis answered " + (values == null ? 0 : values.size()) + " of "
                    + keys.size() + " cache entries");
        }
        List<Optional<List<Prediction>>> found = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            found.add(decode(keys.get(i), values.get(i)));
        }
        return found;
    }

    /** Stores each entry for {@code inferq.cache.ttl}, the commands pipelined on one connection. */
    public void store(Map<String, List<Prediction>> entries) {
        if (entries.isEmpty()) {
            return;
        }
        List<Boolean> written = TransientStoreException.await(Flux.fromIterable(entries.entrySet())
                .flatMap(entry -> redis.opsForValue().set(entry.getKey(),
                        JobCodec.encodePredictions(entry.getValue()), properties.ttl()))
                .collectList(), timeout, "a cache write");
        if (written == null || written.size() != entries.size()) {
            throw new IllegalStateException("Redis stored " + (written == null ? 0 : written.size()) + " of "
                    + entries.size() + " cache entries");
        }
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
