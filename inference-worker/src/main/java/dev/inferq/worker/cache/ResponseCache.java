package dev.inferq.worker.cache;

import dev.inferq.common.cache.CacheEntries;
import dev.inferq.contract.Prediction;
import dev.inferq.worker.WorkerProperties;
import dev.inferq.worker.store.TransientStoreException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The response cache ({@link CacheEntries}) for the consumer threads: each call blocks at most
 * {@code inferq.worker.store-timeout}, and a failure surfaces as a {@link TransientStoreException} that makes the batch
 * retry, as for the job store (the cache lives in the same Redis).
 */
@Component
public class ResponseCache {

    private final CacheEntries entries;
    private final Duration timeout;

    public ResponseCache(CacheEntries entries, WorkerProperties worker) {
        this.entries = entries;
        this.timeout = worker.storeTimeout();
    }

    public boolean enabled() {
        return entries.enabled();
    }

    /** The key of {@code content} run by {@code variant} of {@code version} of {@code model} for {@code tenant}. */
    public String key(String model, String version, String variant, String tenant, byte[] content) {
        return entries.key(model, version, variant, tenant, content);
    }

    /** The stored predictions of each key, in order ({@link CacheEntries#lookup}). */
    public List<Optional<List<Prediction>>> lookup(List<String> keys) {
        return TransientStoreException.await(entries.lookup(keys), timeout, "a cache lookup");
    }

    /**
     * Stores each entry for {@code inferq.cache.ttl} and answers, per entry, the ids of the jobs that waited for it
     * ({@link CacheEntries#store}).
     */
    public Map<String, Set<String>> store(Map<String, List<Prediction>> written) {
        if (written.isEmpty()) {
            return Map.of();
        }
        Map<String, Set<String>> stored = TransientStoreException.await(entries.store(written), timeout,
                "a cache write");
        if (stored == null || stored.size() != written.size()) {
            throw new IllegalStateException("Redis stored " + (stored == null ? 0 : stored.size()) + " of "
                    + written.size() + " cache entries");
        }
        return stored;
    }
}
